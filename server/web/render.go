package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/i18n"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/web/chart"
)

// views holds one parsed template set per page (the layout plus the page)
// and the one translator.
type views struct {
	pages map[string]*template.Template
	cat   *i18n.Catalog
	tz    *time.Location
}

// Languages the UI speaks; Vietnamese is the default.
var Languages = i18n.Languages

func loadViews(tz *time.Location, cat *i18n.Catalog) (*views, error) {
	v := &views{pages: map[string]*template.Template{}, tz: tz, cat: cat}
	if v.cat == nil {
		var err error
		if v.cat, err = i18n.Load(); err != nil {
			return nil, err
		}
	}
	funcs := v.funcs()
	base, err := template.New("layout").Funcs(funcs).ParseFS(qmstrack.Assets, "assets/templates/layout.html", "assets/templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	err = fs.WalkDir(qmstrack.Assets, "assets/templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		name := strings.TrimPrefix(p, "assets/templates/")
		if name == "layout.html" || strings.HasPrefix(name, "partials/") {
			return nil
		}
		t, err := base.Clone()
		if err != nil {
			return err
		}
		if _, err := t.ParseFS(qmstrack.Assets, p); err != nil {
			return fmt.Errorf("template %s: %w", name, err)
		}
		v.pages[name] = t
		return nil
	})
	return v, err
}

// T translates the page text id into lang; args are name/value pairs.
func (v *views) T(lang, id string, args ...any) string { return v.cat.T(lang, id, args...) }

func (v *views) funcs() template.FuncMap {
	return template.FuncMap{
		// date formats as dd/mm/yyyy in the office's time zone.
		"date": func(t any) string {
			tt, ok := asTime(t)
			if !ok {
				return ""
			}
			return tt.In(v.tz).Format("02/01/2006")
		},
		"datetime": func(t any) string {
			tt, ok := asTime(t)
			if !ok {
				return ""
			}
			return tt.In(v.tz).Format("02/01/2006 15:04")
		},
		"isodate": func(t any) string {
			tt, ok := asTime(t)
			if !ok {
				return ""
			}
			return tt.In(v.tz).Format("2006-01-02")
		},
		"size": func(n int64) string {
			switch {
			case n >= 1<<20:
				return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
			case n >= 1<<10:
				return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
			}
			return fmt.Sprintf("%d B", n)
		},
		"json": func(x any) (string, error) {
			b, err := json.Marshal(x)
			return string(b), err
		},
		"join": strings.Join,
		"add":  func(a, b int) int { return a + b },
		"pct":  func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
		// deref is the text a *string points at ("" for nil): printf shows
		// a pointer's address, not its text.
		"deref": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		// num shows a number with two decimals ("" for a nil pointer: no data).
		"num": func(x any) string {
			switch v := x.(type) {
			case float64:
				return fmt.Sprintf("%.2f", v)
			case *float64:
				if v != nil {
					return fmt.Sprintf("%.2f", *v)
				}
			}
			return ""
		},
		"safeHTML": func(s string) template.HTML { return template.HTML(s) }, // only for server-built SVG
		"contains": func(list []string, s string) bool {
			for _, x := range list {
				if x == s {
					return true
				}
			}
			return false
		},
	}
}

func asTime(t any) (time.Time, bool) {
	switch x := t.(type) {
	case time.Time:
		return x, !x.IsZero()
	case *time.Time:
		if x == nil {
			return time.Time{}, false
		}
		return *x, !x.IsZero()
	}
	return time.Time{}, false
}

// NavItem is one entry of the navigation bar.
type NavItem struct {
	Key    string
	Href   string
	Active bool
	// Items are the pages of a group (the group itself links to none).
	Items []NavItem
}

// Page is what every template receives: the person, the language, the
// navigation their roles allow, the CSRF token, and the page's own data.
type Page struct {
	Lang   string
	Title  string
	User   *qms.Actor
	Nav    []NavItem
	CSRF   string
	Path   string
	Data   any
	Flash  string
	Error  string
	Office *Office // the office's identity, in the header
	Upload uploadLimits
	views  *views
	Status int
	// units loads the units' names in the page's language, once, when a
	// template first names a unit
	units     func() map[string]string
	unitNames map[string]string
}

// Unit names a unit by its code in the page's language ("Phòng Tài nguyên
// và Môi trường" for tnmt; the whole office for "*"); a code it does not
// know is shown as it is.
func (p *Page) Unit(code string) string {
	if p.unitNames == nil && p.units != nil {
		p.unitNames = p.units()
	}
	if n, ok := p.unitNames[code]; ok && n != "" {
		return n
	}
	return code
}

// T translates for the page's language.
func (p *Page) T(id string, args ...any) string { return p.views.T(p.Lang, id, args...) }

// Act names a trail action ("revision.approve") in the page's language
// ("Phê duyệt bản ban hành"); an action the catalog does not name yet is
// shown as its code.
func (p *Page) Act(action string) string {
	if p.views.cat.Has("trail.action." + action) {
		return p.views.T(p.Lang, "trail.action."+action)
	}
	return action
}

// Num writes a number already formatted with a decimal point ("66.67") as
// the page's reader writes it: 66,67 on a Vietnamese page. Exports and the
// API keep the point.
func (p *Page) Num(s string) string {
	if p.Lang == "vi" {
		return strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Units are the office's units as choices of a select, by name in the
// page's language, in the order of their names.
func (p *Page) Units() []option {
	if p.unitNames == nil && p.units != nil {
		p.unitNames = p.units()
	}
	out := make([]option, 0, len(p.unitNames))
	for code, name := range p.unitNames {
		if code != qms.AllUnits {
			out = append(out, option{Value: code, Label: name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

// Month writes a month "2026-04" as 04/2026.
func (p *Page) Month(m string) string { return chart.MonthLabel(m) }

// GroupKey names the key of a KPI row grouped by by: a unit, field or
// channel by name, a month as 04/2026, a day as dd/mm/yyyy; a service by
// its code.
func (p *Page) GroupKey(by, key string) string {
	switch by {
	case "unit":
		return p.Unit(key)
	case "field":
		return p.Label("proc.field.", key)
	case "channel":
		return p.Label("proc.channel.", key)
	case "month":
		return chart.MonthLabel(key)
	case "day":
		if t, err := time.Parse("2006-01-02", key); err == nil {
			return t.Format("02/01/2006")
		}
	}
	return key
}

// Label is the catalog's name of a code (prefix+code, e.g.
// "proc.stepname."+"receive"), or the code itself when the catalog has no
// name for it (codes that people define, such as a service's own steps).
func (p *Page) Label(prefix, code string) string {
	if p.views.cat.Has(prefix + code) {
		return p.views.T(p.Lang, prefix+code)
	}
	return code
}

// Kind names a trail object type in the page's language.
func (p *Page) Kind(objectType string) string {
	if p.views.cat.Has("trail.object." + objectType) {
		return p.views.T(p.Lang, "trail.object."+objectType)
	}
	return objectType
}

// Render writes a message kept as a qms.Msg (a notification's subject) in
// the page's language.
func (p *Page) Render(m qms.Msg) string { return p.views.cat.Msg(p.Lang, m) }

// navItems are the sections of the UI, grouped by the work people do (the
// one-stop desk; figures and plans; ISO documents; retained records;
// corrective action; audits; leadership; administration). Each page is
// shown to those who hold its permission somewhere (in every unit, for a
// page of the whole office) and only once the page exists; a group is shown
// when one of its pages is, and a group of one page is that page.
var navItems = []struct {
	group               string
	key, href, obj, act string
	wholeOffice         bool
}{
	{"nav.g.desk", "nav.desk", "/desk", "dossier", "receive", false},
	{"nav.g.desk", "nav.routing", "/desk/routing", "dossier", "receive", false},
	{"nav.g.desk", "nav.dossiers", "/dossiers", "process", "read", false},
	{"nav.g.figures", "nav.dashboard", "/dashboard", "process", "read", false},
	{"nav.g.figures", "nav.index766", "/index766", "process", "read", false},
	{"nav.g.figures", "nav.plans", "/plans", "process", "read", false},
	{"nav.g.figures", "nav.objectives", "/objectives", "process", "read", false},
	{"nav.g.documents", "nav.documents", "/documents", "document", "read", false},
	{"nav.g.documents", "nav.copies", "/copies", "document", "issue_copy", false},
	{"nav.g.records", "nav.records", "/records", "record", "read", false},
	{"nav.g.ncs", "nav.ncs", "/ncs", "nc", "read", false},
	{"nav.g.audits", "nav.audits", "/audits", "audit", "read", false},
	{"nav.g.leadership", "nav.meetings", "/meetings", "process", "read", false},
	{"nav.g.leadership", "nav.scope", "/scope", "scope", "read", false},
	{"nav.g.leadership", "nav.conversion", "/conversion", "scope", "read", false},
	{"nav.g.leadership", "nav.legal", "/legal-bases", "document", "read", false},
	{"nav.g.leadership", "nav.risks", "/risks", "risk", "read", false},
	{"nav.g.leadership", "nav.qmsyears", "/qms-years", "qms_year", "read", false},
	{"nav.g.admin", "nav.admin", "/admin/users", "admin", "users", false},
	{"nav.g.admin", "nav.trail", "/trail", "trail", "read", false},
	{"nav.g.admin", "nav.objects", "/admin/objects", "objects", "check", true},
	{"nav.g.admin", "nav.jobs", "/admin/jobs", "admin", "jobs", true},
	{"nav.g.admin", "nav.webhooks", "/admin/webhooks", "admin", "webhooks", true},
}

func (s *Server) page(c *gin.Context, title string, data any) *Page {
	p := &Page{Lang: c.GetString("lang"), Title: title, Data: data, views: s.views, CSRF: c.GetString("csrf"), Path: c.Request.URL.Path, Office: &s.Office}
	p.Upload = s.uploadLimits()
	p.units = func() map[string]string {
		_, names, err := s.unitNames(c)
		if err != nil {
			return map[string]string{}
		}
		return names
	}
	if a, ok := qms.ActorFrom(c.Request.Context()); ok {
		p.User = &a
		for _, n := range navItems {
			if !s.pageURLs[n.href] {
				continue
			}
			if n.wholeOffice && !s.Authz.Can(a.UserID, qms.AllUnits, n.obj, n.act) ||
				!n.wholeOffice && !s.Authz.CanAnywhere(a.UserID, n.obj, n.act) {
				continue
			}
			item := NavItem{Key: n.key, Href: n.href, Active: strings.HasPrefix(p.Path, n.href)}
			if k := len(p.Nav) - 1; k >= 0 && p.Nav[k].Key == n.group {
				p.Nav[k].Items = append(p.Nav[k].Items, item)
				p.Nav[k].Active = p.Nav[k].Active || item.Active
				continue
			}
			p.Nav = append(p.Nav, NavItem{Key: n.group, Active: item.Active, Items: []NavItem{item}})
		}
		for i, g := range p.Nav { // a group of one page links to it, by the group's (short) name
			if len(g.Items) == 1 {
				p.Nav[i] = NavItem{Key: g.Key, Href: g.Items[0].Href, Active: g.Items[0].Active}
			}
		}
	}
	p.Flash = takeFlash(c)
	return p
}

// render writes a page. name is the template's path under assets/templates.
func (s *Server) render(c *gin.Context, status int, name string, p *Page) {
	t, ok := s.views.pages[name]
	if !ok {
		fail(c, fmt.Errorf("no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		fail(c, fmt.Errorf("render %s: %w", name, err))
		return
	}
	c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (s *Server) renderError(c *gin.Context, status int, code, msg string) {
	p := s.page(c, "error.title", map[string]any{"Status": status, "Code": code, "Message": msg})
	s.render(c, status, "error.html", p)
}

// T translates for the request's language.
func (s *Server) T(c *gin.Context, id string, args ...any) string {
	return s.views.T(c.GetString("lang"), id, args...)
}

// TLang translates for a given language (task sources, emails).
func (s *Server) TLang(lang, id string, args ...any) string { return s.views.T(lang, id, args...) }

// MissingTranslations lists message ids present in one language and not the other.
func (s *Server) MissingTranslations() []string { return s.views.cat.Missing() }

// staticFiles serves css/, js/, img/ from the embedded assets, files only:
// a folder is "not found", never a listing.
func staticFS() http.FileSystem {
	sub, _ := fs.Sub(qmstrack.Assets, "assets")
	return noListing{http.FS(sub)}
}

type noListing struct{ fs http.FileSystem }

func (n noListing) Open(name string) (http.File, error) {
	f, err := n.fs.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || st.IsDir() {
		f.Close()
		return nil, fs.ErrNotExist
	}
	return f, nil
}
