package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// TestEveryPageReadsRight renders every page of the site (every GET route
// outside /api that answers HTML) for every demo user, in Vietnamese and in
// English, on an office with real objects in it (documents, an NC with an
// action, a record, an audit with a finding, a dossier, a meeting with a
// directive reported on and decided), and fails on what a reader must never
// see:
//
//   - template debris: "%!" (a wrong fmt verb or a pointer printed),
//     "<no value>", "0xc0" (a pointer's address);
//   - a message id where its text belongs (a catalog key, or a key of a
//     catalog's namespace that the catalog lacks, e.g. "proc.decision.x");
//   - on a Vietnamese page, an English sentence of the catalogs (the English
//     text of an id whose Vietnamese differs), which is what an untranslated
//     string shows.
//
// A page route with a parameter the sweep cannot fill fails the test, so a
// new page joins the sweep.
func TestEveryPageReadsRight(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()

	// A webhook made before the NC below, whose raising gives it a
	// delivery (and the queue a job).
	var hook struct{ ID string }
	apptest.Expect(t, "webhook", f.As("admin").Do("POST", "/api/v1/webhooks", map[string]any{"url": "https://203.0.113.10/hook",
		"events": []string{"nc.raised", "nc.closed"}, "secret": "sweep-secret-0123456789"}), http.StatusCreated, &hook)

	docID, revID := f.EffectiveDocument(t, "tnmt")
	ncID := f.NC(t, "tnmt")
	f.Cause(t, ncID)
	f.Action(t, ncID, "tnmt", "staff.tnmt", "coordinator")
	recID := f.Record(t, "staff.tnmt", "tnmt", f.Today())
	auditID, itemID := f.Audit(t, "tnmt", "auditor")
	f.Finding(t, "auditor", auditID, itemID, "tnmt")
	svc := f.Service(t, "tnmt", 5)
	number := f.Dossier(t, "coordinator", svc, time.Now().Add(-2*time.Hour))
	csv := "number,service,channel,received_at,returned_at,result,reason\n" +
		"SW-1," + svc + ",in_person," + time.Now().In(f.Loc).Add(-3*time.Hour).Format("02/01/2006 15:04") + ",,,\n" +
		"SW-2,NOPE,online,02/11/2026 09:00,,,\n"
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/dossiers/import?filename=sweep.csv", strings.NewReader(csv))
	req.Header.Set("Content-Type", "text/csv")
	var imp struct{ ID string }
	f.As("coordinator").Send(req).MustStatus(200).Decode(&imp)
	// The desk's routing page lists a dossier waiting for its competent unit.
	apptest.Expect(t, "route pending", f.As("staff.motcua").Do("POST", "/api/v1/dossiers", map[string]any{"number": "SW-RT", "service": svc,
		"channel": "postal", "route_pending": true, "received_at": time.Now().Add(-time.Hour).Format(time.RFC3339)}), http.StatusCreated, nil)
	year0 := time.Now().In(f.Loc).Format("2006")
	apptest.Expect(t, "objective", f.As("coordinator").Do("POST", "/api/v1/objectives", map[string]any{"title": "95% đúng hạn", "kpi": "on_time_rate",
		"target": 95, "period_from": year0 + "-01-01", "period_to": year0 + "-12-31", "unit": "tnmt"}), http.StatusCreated, nil)
	var plan struct{ ID string }
	apptest.Expect(t, "plan", f.As("coordinator").Do("POST", "/api/v1/plans", map[string]any{"year": 2026,
		"decision_number": "KH-01", "title": "Kế hoạch cải thiện Chỉ số CCHC"}), http.StatusCreated, &plan)
	meetingID := f.Meeting(t, "chairman")
	dirID := f.Directive(t, "chairman", meetingID, "tnmt")
	f.ReportDirective(t, "head.tnmt", dirID)
	apptest.Expect(t, "decide", f.As("chairman").Do("POST", "/api/v1/directives/"+dirID+"/return", map[string]any{"comment": "Bổ sung"}), http.StatusOK, nil)
	f.ReportDirective(t, "head.tnmt", dirID)
	apptest.Expect(t, "accept", f.As("chairman").Do("POST", "/api/v1/directives/"+dirID+"/accept", nil), http.StatusOK, nil)
	// The QMS scope: an announcement in force and a new draft waiting for
	// the signature; an item of the conversion checklist done with evidence.
	apptest.Expect(t, "scope", f.As("coordinator").Do("PUT", "/api/v1/scope", map[string]any{"version": 0, "services": []string{svc},
		"units": []string{"vp", "tnmt"}, "exclusions": []map[string]string{{"clause": "8.3", "justification": "Không thiết kế dịch vụ mới"}},
		"decision_number": "12/QĐ-UBND", "decision_date": "2026-01-05", "decision_signer": "Chủ tịch UBND", "record_unit": "vp"}), http.StatusOK, nil)
	apptest.Expect(t, "announcement", f.As("coordinator").Do("POST", "/api/v1/scope/announcement", map[string]any{"place": "Châu Thành"}), http.StatusCreated, nil)
	apptest.Expect(t, "sign", f.As("chairman").Do("POST", "/api/v1/scope/announcement/sign", map[string]any{"password": apptest.Password}), http.StatusOK, nil)
	apptest.Expect(t, "announcement", f.As("coordinator").Do("POST", "/api/v1/scope/announcement", map[string]any{"place": "Châu Thành"}), http.StatusCreated, nil)
	apptest.Expect(t, "checklist", f.As("coordinator").Do("PUT", "/api/v1/conversion-checklist", map[string]any{"items": []any{
		map[string]any{"code": "risks", "done": true, "note": "Đã lập sổ rủi ro", "evidence": []map[string]string{{"kind": "record", "id": recID}}}}}), http.StatusOK, nil)

	// A legal basis with an overdue revision task of tnmt's procedure, and one it superseded.
	var legal struct{ ID string }
	apptest.Expect(t, "legal basis", f.As("coordinator").Do("POST", "/api/v1/legal-bases", map[string]any{"number": "118/2025/NĐ-CP",
		"title": "Nghị định về thực hiện cơ chế một cửa", "kind": "decree", "issuer": "Chính phủ", "issued_on": "2025-06-07",
		"effective_on": "2025-07-01", "documents": []string{docID}, "services": []string{svc}}), http.StatusCreated, &legal)
	apptest.Expect(t, "superseded legal basis", f.As("coordinator").Do("POST", "/api/v1/legal-bases", map[string]any{"number": "61/2018/NĐ-CP",
		"title": "Nghị định về cơ chế một cửa (cũ)", "kind": "decree", "issuer": "Chính phủ", "issued_on": "2018-04-23",
		"effective_on": "2018-06-21", "superseded_by": legal.ID}), http.StatusCreated, nil)
	var risk struct{ ID string }
	apptest.Expect(t, "risk", f.As("head.tnmt").Do("POST", "/api/v1/risks", map[string]any{"unit": "tnmt", "process_kind": "service",
		"process_code": svc, "title": "Hồ sơ trễ hạn do thiếu cán bộ", "likelihood": 4, "impact": 3, "residual_likelihood": 2,
		"residual_impact": 3, "treatment": "reduce", "owner": "head.tnmt", "review_on": f.Today()}), http.StatusCreated, &risk)
	apptest.Expect(t, "risk link", f.As("head.tnmt").Do("POST", "/api/v1/risks/"+risk.ID+"/links", map[string]any{"kind": "nc", "target_id": ncID}),
		http.StatusCreated, nil)

	// Controlled copies and the QMS year: a copy out of a superseded
	// issue (to withdraw), and the current year closed.
	copyDoc, copyRev := f.EffectiveDocument(t, "tnmt")
	apptest.Expect(t, "copy", f.As("coordinator").Do("POST", "/api/v1/revisions/"+copyRev+"/copies",
		map[string]string{"unit": "vp", "holder": "Nguyễn Văn A"}), http.StatusCreated, nil)
	newIssue(t, f, copyDoc, "Lần ban hành thứ hai")
	apptest.Expect(t, "qms year", f.As("coordinator").Do("POST", "/api/v1/qms-years",
		map[string]any{"year": time.Now().In(f.Loc).Year()}), http.StatusCreated, nil)

	// a management review with a directive and a resource decision, one
	// section written
	var review struct{ ID string }
	apptest.Expect(t, "review", f.As("coordinator").Do("POST", "/api/v1/management-reviews", map[string]any{"title": "Xem xét của lãnh đạo",
		"held_on": f.Today(), "period_from": year0 + "-01-01", "period_to": f.Today(), "chair": "Chủ tịch UBND", "unit": "vp"}), http.StatusCreated, &review)
	apptest.Expect(t, "review section", f.As("coordinator").Do("POST", "/api/v1/management-reviews/"+review.ID+"/sections/resources",
		map[string]any{"body": "Đủ nguồn lực"}), http.StatusOK, nil)
	for _, d := range []map[string]any{{"kind": "directive", "unit": "tnmt", "title": "Rà soát hồ sơ trễ hạn", "due_on": f.Day(20)}, {"kind": "resource", "title": "Bổ sung máy quét"}} {
		apptest.Expect(t, "review decision", f.As("chairman").Do("POST", "/api/v1/management-reviews/"+review.ID+"/decisions", d), http.StatusCreated, nil)
	}

	year := time.Now().In(f.Loc).Format("2006")
	params := map[string]string{
		"/risks/:id":                       "/risks/" + risk.ID,
		"/documents/:id":                   "/documents/" + docID,
		"/revisions/:id":                   "/revisions/" + revID,
		"/ncs/:id":                         "/ncs/" + ncID,
		"/records/:id":                     "/records/" + recID,
		"/audits/:id":                      "/audits/" + auditID,
		"/audits/:id/report":               "/audits/" + auditID + "/report",
		"/dossiers/:number":                "/dossiers/" + number,
		"/meetings/:id":                    "/meetings/" + meetingID,
		"/directives/:id":                  "/directives/" + dirID,
		"/calendar/:year":                  "/calendar/" + year,
		"/dossiers/imports/:id":            "/dossiers/imports/" + imp.ID,
		"/documents/:id/edit":              "/documents/" + docID + "/edit",
		"/meetings/:id/minutes":            "/meetings/" + meetingID + "/minutes",
		"/plans/:id":                       "/plans/" + plan.ID,
		"/legal-bases/:id":                 "/legal-bases/" + legal.ID,
		"/public/services/*code":           "/public/services/" + svc,
		"/admin/webhooks/:id":              "/admin/webhooks/" + hook.ID,
		"/management-reviews/:id":          "/management-reviews/" + review.ID,
		"/management-reviews/:id/pack.pdf": "/management-reviews/" + review.ID + "/pack.pdf",
	}
	skip := regexp.MustCompile(`^/(api|ui|static|assets|metrics|healthz|readyz|robots\.txt|d/|public/files/|ncs/files/|logout|plans/[^/]+/file|public/emblem|ical/)`)
	params["/revisions/:id/copies"] = "/revisions/" + copyRev + "/copies"
	params["/public/check/:revision"] = "/public/check/" + copyRev
	var paths []string
	for _, rt := range env.App.Web.Engine().Routes() {
		if rt.Method != "GET" || skip.MatchString(rt.Path) {
			continue
		}
		if !strings.ContainsAny(rt.Path, ":*") {
			paths = append(paths, rt.Path)
			continue
		}
		p, ok := params[rt.Path]
		if !ok {
			t.Errorf("page %s has a parameter the sweep does not fill: add it to params", rt.Path)
			continue
		}
		paths = append(paths, p)
	}
	// the pages' variants whose words differ: KPIs by every grouping, the
	// monthly report
	for _, by := range []string{"unit", "field", "channel", "service", "month", "day"} {
		paths = append(paths, "/kpis?by="+by)
	}
	paths = append(paths, "/dashboard?month="+time.Now().In(f.Loc).Format("2006-01"))
	sort.Strings(paths)

	keys, namespaces, english := catalogTexts(t)
	users := []string{"admin", "coordinator", "auditor", "chairman", "head.tnmt", "author.tnmt", "staff.tnmt", "head.motcua", "staff.motcua"}
	// a percentage or a count of days written 66.67 (Vietnamese writes 66,67);
	// version numbers (ISO 9001:2015, clause 8.5.1) are not followed by %
	pointNumber := regexp.MustCompile(`\b[0-9]+\.[0-9]+ ?%`)
	debris := regexp.MustCompile(`%!|<no value>|0xc0[0-9a-f]{6}|map\[`)
	token := regexp.MustCompile(`\b[a-z][a-z0-9_]*(\.[a-z0-9_]+)+\b`)
	// codes where a reader looks for a name: units, fields, channels, steps
	// and results of the demo office, standing alone (not inside a login
	// such as head.tnmt, a file name or an address)
	// (English words among them only on Vietnamese pages)
	code := regexp.MustCompile(`(?:^|[\s(,·:/])(vp|noivu|vhtt|tnmt|motcua|civil_status|in_person|on_time)(?:$|[\s),·:/])`)
	codeVI := regexp.MustCompile(`(?:^|[\s(,·:/])(land|postal|online|receive|granted|refused|early|late)(?:$|[\s),·:/])`)

	pages := 0
	for _, lang := range []string{"vi", "en"} {
		for _, login := range users {
			c := env.As(login)
			setLang(t, c, lang)
			for _, p := range paths {
				req, _ := http.NewRequest("GET", env.URL+p, nil)
				req.Header.Set("Accept", "text/html")
				r := c.Send(req)
				if r.Status >= 500 {
					t.Errorf("%s %s as %s: %d", lang, p, login, r.Status)
					continue
				}
				if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || r.Status != 200 {
					continue
				}
				pages++
				text := visibleText(string(r.Body))
				where := fmt.Sprintf("%s %s as %s", lang, p, login)
				// debris anywhere in the page, attributes included
				if m := debris.FindString(string(r.Body)); m != "" {
					t.Errorf("%s: template debris %q in %q", where, m, around(string(r.Body), m))
				}
				for _, m := range token.FindAllString(text, -1) {
					ns := m[:strings.IndexByte(m, '.')]
					if keys[m] || namespaces[ns] {
						t.Errorf("%s: message id %q shown: %q", where, m, around(text, m))
					}
				}
				if m := code.FindStringSubmatch(text); m != nil {
					t.Errorf("%s: code %q where a name belongs: %q", where, m[1], around(text, m[0]))
				}
				if m := codeVI.FindStringSubmatch(text); m != nil && lang == "vi" {
					t.Errorf("%s: code %q where a name belongs: %q", where, m[1], around(text, m[0]))
				}
				if m := pointNumber.FindString(text); m != "" && lang == "vi" {
					t.Errorf("%s: number %q with a decimal point on a Vietnamese page: %q", where, m, around(text, m))
				}
				if lang == "vi" {
					for _, en := range english {
						if strings.Contains(text, en) {
							t.Errorf("%s: English text %q on a Vietnamese page: %q", where, en, around(text, en))
						}
					}
				}
			}
		}
	}
	if pages < len(paths)*len(users) {
		// most pages are open to most users; a sweep that renders few pages
		// proves little
		t.Logf("rendered %d pages of %d paths x %d users x 2 languages", pages, len(paths), len(users))
	}
	if pages < 100 {
		t.Fatalf("only %d pages rendered", pages)
	}
}

// setLang sets the signed-in user's language through the language form.
func setLang(t *testing.T, c *apptest.Client, lang string) {
	t.Helper()
	r := c.AsForm().Do("POST", "/lang", map[string]string{"lang": lang, "back": "/"})
	if r.Status >= 400 {
		t.Fatalf("set language %s: %s", lang, r)
	}
}

var (
	reScript = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)>`)
	// content marked as English (the English name beside the Vietnamese one
	// in an editing table) is data in the other language, as it says
	reEnglish = regexp.MustCompile(`(?is)<(td|span|dd|textarea|small|p)\b[^>]*\blang="en"[^>]*>.*?</(td|span|dd|textarea|small|p)>`)
	reData    = regexp.MustCompile(`(?is)<(textarea|code)\b[^>]*>.*?</(textarea|code)>`)
	reAttr    = regexp.MustCompile(`(?i)\b(?:title|placeholder|aria-label|alt)="([^"]*)"`)
	reTag     = regexp.MustCompile(`(?s)<[^>]*>`)
	reSpace   = regexp.MustCompile(`\s+`)
)

// visibleText is what a reader sees of a page: its text, and the attributes
// a browser shows (title, placeholder, aria-label, alt).
func visibleText(page string) string {
	page = reScript.ReplaceAllString(page, " ")
	page = reEnglish.ReplaceAllString(page, " ")
	// what a person types (a textarea's text) and an identifier shown as
	// one (<code>, e.g. a document code in its own column) are data
	page = reData.ReplaceAllString(page, " ")
	var b strings.Builder
	for _, m := range reAttr.FindAllStringSubmatch(page, -1) {
		b.WriteString(" ")
		b.WriteString(m[1])
	}
	b.WriteString(" ")
	b.WriteString(reTag.ReplaceAllString(page, " "))
	return reSpace.ReplaceAllString(html.UnescapeString(b.String()), " ")
}

func around(text, m string) string {
	i := strings.Index(text, m)
	if i < 0 {
		return m
	}
	from, to := max(0, i-60), min(len(text), i+len(m)+60)
	for from > 0 && !utf8Start(text[from]) {
		from--
	}
	for to < len(text) && !utf8Start(text[to]) {
		to++
	}
	return text[from:to]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// catalogTexts reads the page catalogs: every key, the namespaces of keys
// (their first segment), and the English texts of two words or more whose
// Vietnamese differs (what an untranslated string would show).
func catalogTexts(t *testing.T) (keys, namespaces map[string]bool, english []string) {
	t.Helper()
	keys, namespaces = map[string]bool{}, map[string]bool{}
	read := func(name string) map[string]string {
		b, err := fs.ReadFile(qmstrack.Assets, "assets/i18n/"+name)
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	entries, err := fs.ReadDir(qmstrack.Assets, "assets/i18n")
	if err != nil {
		t.Fatal(err)
	}
	placeholder := regexp.MustCompile(`\{\{.*?\}\}|%[a-z]|\{[0-9a-z_]+\}`)
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".en.json") {
			continue
		}
		en := read(e.Name())
		vi := read(strings.TrimSuffix(e.Name(), ".en.json") + ".vi.json")
		for k, v := range en {
			keys[k] = true
			namespaces[k[:strings.IndexByte(k+".", '.')]] = true
			if vi[k] == v {
				continue
			}
			// the longest piece of the text between placeholders
			for _, piece := range placeholder.Split(v, -1) {
				piece = strings.TrimSpace(strings.Trim(strings.TrimSpace(piece), ".:,;()"))
				if len(strings.Fields(piece)) >= 2 && len(piece) >= 8 {
					english = append(english, piece)
				}
			}
		}
	}
	sort.Strings(english)
	return keys, namespaces, english
}

// TestTrailPageReadsAsARegister: the trail page names each act in the
// reader's language ("Phê duyệt bản ban hành", not revision.approve), the
// actor by name, the object by kind with a link to its page, and filters by
// a choice of kinds.
func TestTrailPageReadsAsARegister(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	_, revID := f.EffectiveDocument(t, "tnmt")
	var me struct{ Name string }
	f.As("coordinator").Do("GET", "/api/v1/me", nil).MustStatus(200).Decode(&me)
	if me.Name == "" {
		t.Fatal("the coordinator has no name")
	}
	for _, tc := range []struct{ lang, approve, kind string }{
		{"vi", "Phê duyệt bản ban hành", "Lần ban hành"},
		{"en", "Revision approved", "Revision"},
	} {
		c := env.As("auditor")
		setLang(t, c, tc.lang)
		req, _ := http.NewRequest("GET", env.URL+"/trail?object_type=revision&object_id="+revID, nil)
		req.Header.Set("Accept", "text/html")
		page := string(c.Send(req).MustStatus(200).Body)
		text := visibleText(page)
		for _, want := range []string{tc.approve, tc.kind, me.Name} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the trail page does not say %q: %s", tc.lang, want, around(text, "#"))
			}
		}
		if strings.Contains(text, "revision.approve") {
			t.Errorf("%s: the trail page shows the action's code", tc.lang)
		}
		if !strings.Contains(page, `href="/revisions/`+revID+`"`) {
			t.Errorf("%s: no link to the revision's page", tc.lang)
		}
		if !strings.Contains(page, `<option value="revision" selected>`+tc.kind+`</option>`) {
			t.Errorf("%s: the filter is not a choice of kinds with the current one selected", tc.lang)
		}
	}
}

// TestEveryTrailActionHasAName: every action the code writes to the trail
// with a literal name has its label in both catalogs, so the trail page and
// the audit's evidence never show a code.
func TestEveryTrailActionHasAName(t *testing.T) {
	keys, _, _ := catalogTexts(t)
	vi := map[string]bool{}
	b, err := fs.ReadFile(qmstrack.Assets, "assets/i18n/trail.vi.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k := range m {
		vi[k] = true
	}
	lit := regexp.MustCompile(`(?:NewEvent\([a-zA-Z.]+,\s*|action\s*:?=\s*|name\s*:?=\s*|Action:\s*)"([a-z_]+\.[a-z_]+)"`)
	found := 0
	err = walkGo(t, "..", func(path, src string) {
		if strings.HasPrefix(path, "web/") { // the web writes no trail entry; its names are files'
			return
		}
		for _, mm := range lit.FindAllStringSubmatch(src, -1) {
			found++
			if k := "trail.action." + mm[1]; !keys[k] || !vi[k] {
				t.Errorf("%s: trail action %q has no name in the catalogs (%s)", path, mm[1], k)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 40 {
		t.Fatalf("found only %d trail actions in the source: the pattern no longer matches the code", found)
	}
}

// walkGo calls fn with each non-test Go file under dir.
func walkGo(t *testing.T, dir string, fn func(path, src string)) error {
	t.Helper()
	return fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(dir + "/" + p)
		if err != nil {
			return err
		}
		fn(p, string(b))
		return nil
	})
}
