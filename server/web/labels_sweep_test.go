package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// TestEveryFieldHasALabel renders every page for each role and fails on a
// form field (input, select, textarea) that a screen reader cannot name: it
// needs a <label for=…>, an enclosing <label>, aria-label or
// aria-labelledby.
func TestEveryFieldHasALabel(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	docID, revID := f.EffectiveDocument(t, "tnmt")
	ncID := f.NC(t, "tnmt")
	f.Cause(t, ncID)
	f.Action(t, ncID, "tnmt", "staff.tnmt", "coordinator")
	recID := f.Record(t, "staff.tnmt", "tnmt", f.Today())
	auditID, _ := f.Audit(t, "tnmt", "auditor")
	svc := f.Service(t, "tnmt", 5)
	number := f.Dossier(t, "coordinator", svc, time.Now().Add(-2*time.Hour))
	meetingID := f.Meeting(t, "chairman")
	dirID := f.Directive(t, "chairman", meetingID, "tnmt")
	params := map[string]string{
		"/documents/:id": "/documents/" + docID, "/revisions/:id": "/revisions/" + revID, "/ncs/:id": "/ncs/" + ncID,
		"/records/:id": "/records/" + recID, "/audits/:id": "/audits/" + auditID, "/dossiers/:number": "/dossiers/" + number,
		"/meetings/:id": "/meetings/" + meetingID, "/directives/:id": "/directives/" + dirID, "/documents/:id/edit": "/documents/" + docID + "/edit",
		"/public/services/*code": "/public/services/" + svc, "/calendar/:year": "/calendar/" + time.Now().In(f.Loc).Format("2006"),
	}
	skip := regexp.MustCompile(`^/(api|ui|static|assets|metrics|healthz|readyz|robots\.txt|d/|public/files/|ncs/files/|logout|plans/[^/]+/file|public/emblem)`)
	var paths []string
	for _, rt := range env.App.Web.Engine().Routes() {
		if rt.Method != "GET" || skip.MatchString(rt.Path) {
			continue
		}
		if !strings.ContainsAny(rt.Path, ":*") {
			paths = append(paths, rt.Path)
		} else if p, ok := params[rt.Path]; ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	seen := map[string]bool{}
	for _, login := range []string{"admin", "coordinator", "auditor", "chairman", "head.tnmt", "author.tnmt", "staff.tnmt", "staff.motcua"} {
		c := env.As(login)
		for _, p := range paths {
			req, _ := http.NewRequest("GET", env.URL+p, nil)
			req.Header.Set("Accept", "text/html")
			r := c.Send(req)
			if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				continue
			}
			for _, field := range unlabelledFields(t, r.Body) {
				key := p + " " + field
				if !seen[key] {
					seen[key] = true
					t.Errorf("%s as %s: field without a label: %s", p, login, field)
				}
			}
		}
	}
}

// unlabelledFields lists the form fields of page that have no accessible
// name from a label or an ARIA attribute.
func unlabelledFields(t *testing.T, page []byte) []string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, k string) string {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val
			}
		}
		return ""
	}
	labelled := map[string]bool{}
	var fields []*html.Node
	var walk func(n *html.Node, inLabel bool)
	walk = func(n *html.Node, inLabel bool) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "label":
				if id := attr(n, "for"); id != "" {
					labelled[id] = true
				}
				inLabel = true
			case "input", "select", "textarea":
				switch attr(n, "type") {
				case "hidden", "submit", "button", "reset", "image":
				default:
					if !inLabel && strings.TrimSpace(attr(n, "aria-label")) == "" && attr(n, "aria-labelledby") == "" {
						fields = append(fields, n)
					}
				}
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch, inLabel)
		}
	}
	walk(doc, false)
	var out []string
	for _, n := range fields {
		if id := attr(n, "id"); id != "" && labelled[id] {
			continue
		}
		out = append(out, fmt.Sprintf("<%s name=%q id=%q type=%q>", n.Data, attr(n, "name"), attr(n, "id"), attr(n, "type")))
	}
	return out
}
