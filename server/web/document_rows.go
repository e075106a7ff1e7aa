package web

import (
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/document"
)

// registerRows renders the rows of the register table in Go. The register
// is the most-visited page and has a latency target (a 50-row page within
// twice the raw query plus 2 ms); measured, html/template spent about 3 ms
// per page in reflection-driven calls for these 50 rows, direct string
// building a few microseconds. Every value is escaped with
// html.EscapeString (which also escapes quotes, so it is safe in
// attributes); ids are UUIDs.
func registerRows(items []document.Document, labels, unitNames map[string]string, tz *time.Location) template.HTML {
	var b strings.Builder
	b.Grow(len(items) * 600)
	esc := func(s string) { b.WriteString(html.EscapeString(s)) }
	date := func(t *time.Time) {
		if t != nil && !t.IsZero() {
			b.WriteString(t.In(tz).Format("02/01/2006"))
		}
	}
	for _, d := range items {
		b.WriteString(`<tr id="doc-`)
		esc(d.Code)
		b.WriteString(`"><td><a href="/documents/`)
		esc(d.ID)
		b.WriteString(`"><code>`)
		esc(d.Code)
		b.WriteString(`</code></a></td><td><a href="/documents/`)
		esc(d.ID)
		b.WriteString(`">`)
		esc(d.Title)
		b.WriteString(`</a></td><td>`)
		esc(labels["type."+d.Type])
		b.WriteString(`</td><td>`)
		esc(unitNames[d.Unit])
		b.WriteString(`</td><td><span class="badge badge-`)
		esc(d.Status)
		b.WriteString(`">`)
		esc(labels["status."+d.Status])
		b.WriteString(`</span>`)
		if p := d.PendingText(); p != "" {
			b.WriteString(` <span class="badge badge-`)
			esc(p)
			b.WriteString(`">`)
			esc(labels["status."+p])
			b.WriteString(`</span>`)
		}
		b.WriteString(`</td><td>`)
		if d.EffectiveIssue != nil {
			esc(d.EffectiveIssueLabel())
			b.WriteString(` · `)
			date(d.EffectiveAt)
		}
		b.WriteString(`</td><td>`)
		date(d.NextReviewAt)
		if d.ReviewOverdue {
			b.WriteString(` <span class="badge badge-overdue">`)
			esc(labels["overdue"])
			b.WriteString(`</span>`)
		}
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String()) // #nosec: every value above is escaped
}
