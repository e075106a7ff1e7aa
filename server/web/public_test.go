package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/web"
)

// publicDoc registers a public document of unit and makes its first
// revision effective; it returns the document's code.
func publicDoc(t *testing.T, env *apptest.Env, f *apptest.Fixtures, code, typ, unit string) string {
	t.Helper()
	var d struct{ ID string }
	env.As("author."+unit).Do("POST", "/api/v1/documents", map[string]any{"code": code, "title": "Mẫu đơn " + code, "type": typ,
		"unit": unit, "clauses": []string{"8.2"}, "public": true}).MustStatus(http.StatusCreated).Decode(&d)
	rev := f.Revision(t, "author."+unit, d.ID)
	f.Submit(t, "author."+unit, rev, "head."+unit)
	f.Review(t, "head."+unit, rev)
	f.Approve(t, "chairman", rev)
	f.Publish(t, rev)
	return code
}

// noCookie fails when an answer sets a cookie.
func noCookie(t *testing.T, what string, r *apptest.Response) {
	t.Helper()
	if sc := r.Header.Values("Set-Cookie"); len(sc) > 0 {
		t.Errorf("%s sets cookies: %q", what, sc)
	}
}

type pubService struct {
	Code      string `json:"code"`
	Field     string `json:"field"`
	Days      int    `json:"days"`
	HasFee    bool   `json:"has_fee"`
	FeeAmount *int64 `json:"fee_amount"`
	FeeVI     string `json:"fee_vi"`
	Papers    []struct {
		VI string `json:"vi"`
		EN string `json:"en"`
	} `json:"papers"`
	LegalBasisVI string `json:"legal_basis_vi"`
	Forms        []struct {
		Code string `json:"code"`
		URL  string `json:"url"`
	} `json:"forms"`
	Document *struct {
		Code string `json:"code"`
		URL  string `json:"url"`
	} `json:"document"`
	URL string `json:"url"`
}

func landPublic(form, hidden, doc string) map[string]any {
	return map[string]any{"name_vi": "Đăng ký biến động đất đai", "name_en": "Land change registration", "field": "land", "unit": "tnmt", "days": 10,
		"steps":   []map[string]any{{"code": "receive", "name": "Tiếp nhận", "days": 1, "unit": "motcua"}, {"code": "process", "name": "Thẩm định", "days": 7}, {"code": "approve", "name": "Phê duyệt", "days": 2, "unit": "vp"}},
		"has_fee": true, "fee_amount": 50000, "fee_vi": "Miễn cho hộ nghèo", "fee_en": "Free for poor households",
		"papers":         []map[string]string{{"vi": "Đơn đăng ký biến động", "en": "Application form"}, {"vi": "Giấy chứng nhận quyền sử dụng đất bản gốc"}},
		"legal_basis_vi": "Luật Đất đai 2024", "legal_basis_en": "Land Law 2024", "forms": []string{form, hidden}, "document": doc, "active": true}
}

// The catalogue for the public: active procedures only, with the fee, the
// papers, the legal basis, the forms and the procedure document that are
// public (others left out), searchable without accents, by field; no
// sign-in, no cookie.
func TestPublicCatalogue(t *testing.T) {
	env, co := procSetup(t)
	f := env.Fixtures()
	form := publicDoc(t, env, f, "BM-DD-01", "form", "tnmt")
	proc := publicDoc(t, env, f, "QT-DD", "procedure", "tnmt")
	hiddenID, _ := f.EffectiveDocument(t, "tnmt") // effective, not public
	var hiddenDoc struct{ Document struct{ Code string } }
	co.Do("GET", "/api/v1/documents/"+hiddenID, nil).MustStatus(200).Decode(&hiddenDoc)
	hidden := hiddenDoc.Document
	if hidden.Code == "" {
		t.Fatal("no fixture document")
	}
	co.Do("PUT", "/api/v1/services/DD-01", landPublic(form, hidden.Code, proc)).MustStatus(200)
	co.Do("POST", "/api/v1/services", map[string]any{"code": "OLD-1", "name_vi": "Thủ tục đã bãi bỏ", "field": "land", "unit": "tnmt", "days": 5}).MustStatus(http.StatusCreated)
	co.Do("PUT", "/api/v1/services/OLD-1", map[string]any{"name_vi": "Thủ tục đã bãi bỏ", "field": "land", "unit": "tnmt", "days": 5, "active": false}).MustStatus(200)

	anon := env.Anon()
	list := func(query string) []pubService {
		t.Helper()
		var out struct{ Items []pubService }
		r := anon.Do("GET", "/api/v1/public/services"+query, nil).MustStatus(200)
		noCookie(t, "the public catalogue", r)
		r.Decode(&out)
		return out.Items
	}
	all := list("")
	if len(all) != 2 || all[0].Code != "HT-01" || all[1].Code != "DD-01" {
		t.Fatalf("catalogue (active only, by field then code): %+v", all)
	}
	dd := all[1]
	if !dd.HasFee || dd.FeeAmount == nil || *dd.FeeAmount != 50000 || dd.FeeVI != "Miễn cho hộ nghèo" || len(dd.Papers) != 2 ||
		dd.Papers[0].EN != "Application form" || dd.LegalBasisVI != "Luật Đất đai 2024" || dd.Days != 10 {
		t.Fatalf("public fields: %+v", dd)
	}
	if len(dd.Forms) != 1 || dd.Forms[0].Code != form || !strings.HasPrefix(dd.Forms[0].URL, "/public/files/") {
		t.Fatalf("only the public form is listed, with its file: %+v", dd.Forms)
	}
	if dd.Document == nil || dd.Document.Code != proc || dd.URL != "/public/services/DD-01" {
		t.Fatalf("procedure document / page: %+v", dd)
	}
	noCookie(t, "a form's download", anon.Do("GET", dd.Forms[0].URL, nil).MustStatus(200))
	if all[0].HasFee || all[0].FeeAmount != nil || len(all[0].Papers) != 0 || len(all[0].Forms) != 0 {
		t.Fatalf("a service without public fields: %+v", all[0])
	}

	// Search without accents, in any case, every word; by field.
	for q, want := range map[string]string{"?q=dat+dai": "DD-01", "?q=DANG+KY+BIEN": "DD-01", "?q=khai+sinh": "HT-01", "?q=%C4%91%E1%BA%A5t": "DD-01",
		"?field=civil_status": "HT-01", "?q=dang+ky&field=land": "DD-01"} {
		if got := list(q); len(got) != 1 || got[0].Code != want {
			t.Errorf("%s: %+v, want %s", q, got, want)
		}
	}
	if got := list("?q=bai+bo"); len(got) != 0 {
		t.Errorf("an inactive service is found: %+v", got)
	}
	r := anon.Do("GET", "/api/v1/public/services?field=Land!", nil).MustStatus(http.StatusBadRequest)
	if !strings.Contains(string(r.Body), "field must be a short code") {
		t.Fatalf("bad field: %s", r.Body)
	}

	var one pubService
	r = anon.Do("GET", "/api/v1/public/services/DD-01", nil).MustStatus(200)
	noCookie(t, "one public service", r)
	r.Decode(&one)
	if one.Code != "DD-01" || len(one.Forms) != 1 {
		t.Fatalf("one: %+v", one)
	}
	r = anon.Do("GET", "/api/v1/public/services/OLD-1", nil).MustStatus(http.StatusNotFound)
	if !strings.Contains(string(r.Body), "no service OLD-1") {
		t.Fatalf("inactive service: %s", r.Body)
	}

	// The pages, in Vietnamese.
	page := anon.Do("GET", "/public?q=dat+dai", nil).MustStatus(200)
	noCookie(t, "the public page", page)
	body := string(page.Body)
	for _, want := range []string{"Danh mục thủ tục hành chính", "Đăng ký biến động đất đai", "50.000 đồng", "Miễn cho hộ nghèo", "Đơn đăng ký biến động",
		"Luật Đất đai 2024", `href="` + dd.Forms[0].URL + `"`, "10 ngày làm việc", "1 thủ tục"} {
		if !strings.Contains(body, want) {
			t.Errorf("public page lacks %q", want)
		}
	}
	if strings.Contains(body, "Đăng ký khai sinh") || strings.Contains(body, hidden.Code+"</code>") {
		t.Errorf("public page shows what the search or the register leave out")
	}
	page = anon.Do("GET", "/public?field=civil_status", nil).MustStatus(200)
	if !strings.Contains(string(page.Body), "Không thu phí, lệ phí") {
		t.Errorf("a service without fee does not say so")
	}
	page = anon.Do("GET", "/public/services/DD-01", nil).MustStatus(200)
	noCookie(t, "a procedure's page", page)
	if b := string(page.Body); !strings.Contains(b, `id="svc-name">Đăng ký biến động đất đai`) || !strings.Contains(b, "QT-DD") {
		t.Errorf("procedure page: %s", b)
	}
	anon.Do("GET", "/public/services/OLD-1", nil).MustStatus(http.StatusNotFound)

	// Each instance keeps the catalogue it read, and sees at once a change
	// made through another.
	other := env.Instance(t)
	var before, after struct{ Items []pubService }
	other.Anon().Do("GET", "/api/v1/public/services?q=dat+dai", nil).MustStatus(200).Decode(&before)
	m := landPublic(form, hidden.Code, proc)
	m["days"] = 12
	co.Do("PUT", "/api/v1/services/DD-01", m).MustStatus(200)
	co.Do("PUT", "/api/v1/services/HT-01", map[string]any{"name_vi": "Đăng ký khai sinh", "field": "civil_status", "unit": "noivu", "days": 1, "active": false}).MustStatus(200)
	other.Anon().Do("GET", "/api/v1/public/services", nil).MustStatus(200).Decode(&after)
	if len(before.Items) != 1 || before.Items[0].Days != 10 || len(after.Items) != 1 || after.Items[0].Days != 12 {
		t.Fatalf("another instance's catalogue: before %+v, after %+v", before.Items, after.Items)
	}
}

// The public fields are checked: a fee only with has_fee, a fee needs its
// amount or text, forms are document codes, each once; the form of the
// services page reads papers as "vi | en" lines and prefills an edit.
func TestServicePublicFieldsValidation(t *testing.T) {
	env, co := procSetup(t)
	base := landPublic("BM-1", "BM-2", "")
	for name, tc := range map[string]struct {
		change func(m map[string]any)
		field  string
		msg    string
	}{
		"fee without has_fee": {func(m map[string]any) { m["has_fee"] = false }, "has_fee", "a service without a fee has no fee amount or fee text"},
		"has_fee without fee": {func(m map[string]any) { delete(m, "fee_amount"); m["fee_vi"] = "" }, "fee_vi", "a service with a fee needs its amount or its text"},
		"negative fee":        {func(m map[string]any) { m["fee_amount"] = -1 }, "fee_amount", "the fee must be an amount in VND"},
		"bad form code":       {func(m map[string]any) { m["forms"] = []string{"bad code!"} }, "forms[0]", "a document code, each once"},
		"form twice":          {func(m map[string]any) { m["forms"] = []string{"BM-1", "BM-1"} }, "forms[1]", "a document code, each once"},
		"paper without text":  {func(m map[string]any) { m["papers"] = []map[string]string{{"en": "only English"}} }, "papers[0].vi", "vi is required"},
	} {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		tc.change(m)
		var e web.ErrorBody
		co.Do("PUT", "/api/v1/services/DD-01", m).MustStatus(http.StatusBadRequest).Decode(&e)
		if e.Error.Code != "invalid" || !strings.Contains(e.Error.Fields[tc.field], tc.msg) {
			t.Errorf("%s: %+v", name, e.Error)
		}
	}
	var got pubService
	env.Anon().Do("GET", "/api/v1/public/services/DD-01", nil).MustStatus(200).Decode(&got)
	if got.HasFee || len(got.Papers) != 0 {
		t.Fatalf("a refused change was written: %+v", got)
	}

	// The services page's form.
	form := co.AsForm()
	r := form.Do("POST", "/ui/services", map[string]string{"op": "update", "code": "DD-01", "name_vi": "Đăng ký biến động đất đai", "field": "land", "unit": "tnmt",
		"days": "10", "steps": "receive:1:motcua\nprocess:7\napprove:2:vp", "has_fee": "1", "fee_amount": "1.500.000",
		"papers": "Tờ khai | Declaration\nBản sao CCCD", "legal_basis_vi": "Nghị định 101/2024/NĐ-CP", "forms": "BM-1\nBM-2"})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("form: %d %s", r.Status, r.Body)
	}
	env.Anon().Do("GET", "/api/v1/public/services/DD-01", nil).MustStatus(200).Decode(&got)
	if !got.HasFee || got.FeeAmount == nil || *got.FeeAmount != 1500000 || len(got.Papers) != 2 || got.Papers[0].VI != "Tờ khai" ||
		got.Papers[0].EN != "Declaration" || got.Papers[1].EN != "" || got.LegalBasisVI != "Nghị định 101/2024/NĐ-CP" {
		t.Fatalf("form fields: %+v", got)
	}
	page := co.Do("GET", "/services?edit=DD-01", nil).MustStatus(200)
	if b := string(page.Body); !strings.Contains(b, `value="1500000"`) || !strings.Contains(b, "Tờ khai | Declaration") || !strings.Contains(b, "BM-1\nBM-2</textarea>") {
		t.Fatalf("the edit form is not prefilled")
	}
	r = form.Do("POST", "/ui/services", map[string]string{"op": "update", "code": "DD-01", "name_vi": "Đăng ký biến động đất đai", "field": "land", "unit": "tnmt",
		"days": "10", "fee_vi": "100.000 đồng"})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "Thủ tục không thu phí thì không ghi mức phí") || !strings.Contains(string(r.Body), "100.000 đồng") {
		t.Fatalf("refused form: %d", r.Status)
	}
}

// lookupClock is a clock the test moves.
type lookupClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *lookupClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *lookupClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type pubDossier struct {
	Number  string `json:"number"`
	Status  string `json:"status"`
	DueAt   string `json:"due_at"`
	Service string `json:"service"`
	Steps   []struct {
		Name  string `json:"name"`
		State string `json:"state"`
	} `json:"steps"`
}

// The status lookup: the right code shows the status, the due date and the
// steps' names and nothing personal; wrong codes are counted per dossier
// and per client address in the database: past the limit even the right
// code is refused, on every instance and whatever X-Forwarded-For says,
// until the window has passed.
func TestPublicLookupThrottle(t *testing.T) {
	clock := &lookupClock{t: procNow()}
	env := apptest.New(t, apptest.WithClock(clock.now), apptest.WithConfig(func(c *config.Config) {
		c.LookupMaxPerNumber, c.LookupMaxPerAddr, c.LookupWindow = 3, 6, 15*time.Minute
	}))
	co := env.As("coordinator")
	co.Do("POST", "/api/v1/services", landPublic("BM-1", "BM-2", "")).MustStatus(http.StatusBadRequest) // no code: refused
	m := landPublic("BM-1", "BM-2", "")
	m["code"] = "DD-01"
	co.Do("POST", "/api/v1/services", m).MustStatus(http.StatusCreated)
	staff := env.As("staff.tnmt")
	for _, n := range []string{"L-1", "L-2", "L-3"} {
		staff.Do("POST", "/api/v1/dossiers", map[string]any{"number": n, "service": "DD-01", "channel": "in_person", "applicant_ref": "CCCD-079123456789",
			"received_at": "2026-11-25T09:00:00+07:00"}).MustStatus(http.StatusCreated)
	}
	staff.Do("POST", "/api/v1/dossiers/L-1/events", map[string]any{"event_id": "h1", "type": "handed_over", "at": "2026-11-25T10:00:00+07:00", "to_unit": "tnmt", "step": "process"}).MustStatus(http.StatusCreated)
	code := func(n string) string {
		var c string
		if err := env.App.DB.GetContext(context.Background(), &c, `SELECT lookup_code FROM dossiers WHERE number = $1`, n); err != nil {
			t.Fatal(err)
		}
		return c
	}
	anon := env.Anon()
	var other *apptest.Env
	look := func(cl *apptest.Client, n, c string, want int, xff ...string) *apptest.Response {
		t.Helper()
		base := env.URL
		if cl != anon {
			base = other.URL
		}
		req, _ := http.NewRequest("GET", base+"/api/v1/public/dossiers/"+n+"?code="+c, nil)
		for _, x := range xff {
			req.Header.Set("X-Forwarded-For", x)
		}
		r := cl.Send(req).MustStatus(want)
		noCookie(t, "the lookup", r)
		return r
	}

	var d pubDossier
	r := look(anon, "L-1", strings.ToLower(code("L-1")), 200)
	r.Decode(&d)
	if d.Number != "L-1" || d.Status != "processing" || d.DueAt == "" || len(d.Steps) != 3 || d.Steps[0].Name != "Tiếp nhận" || d.Steps[1].State != "current" || d.Steps[2].State != "waiting" {
		t.Fatalf("status: %s", r.Body)
	}
	if b := string(r.Body); strings.Contains(b, "CCCD-079123456789") || strings.Contains(b, "staff.tnmt") || strings.Contains(b, "applicant") {
		t.Fatalf("the lookup shows personal data: %s", b)
	}
	look(anon, "L-1", "", http.StatusBadRequest)
	look(anon, "L/1", "ABCDEFGH", http.StatusNotFound)

	// Three wrong codes for L-2, then even the right one is refused.
	for i := 0; i < 3; i++ {
		r = look(anon, "L-2", "WRONG000", http.StatusNotFound)
		if r.ErrorCode() != "not_found" || !strings.Contains(string(r.Body), "no dossier has this number and code") {
			t.Fatalf("wrong code: %s", r.Body)
		}
	}
	r = look(anon, "L-2", code("L-2"), http.StatusTooManyRequests)
	if r.ErrorCode() != "too_many_requests" || !strings.Contains(string(r.Body), "too many wrong codes; try again after 10:15 26/11/2026") {
		t.Fatalf("throttled: %s", r.Body)
	}
	// On another instance, and under another X-Forwarded-For, too.
	other = env.Instance(t, apptest.WithClock(clock.now))
	look(other.Anon(), "L-2", code("L-2"), http.StatusTooManyRequests, "203.0.113.9")
	// Another dossier from the same address is still answered (3 of 6).
	look(anon, "L-3", code("L-3"), 200)
	// A wrong number counts as a wrong code, for the address.
	look(anon, "NO-SUCH", "ABCDEFGH", http.StatusNotFound)
	look(anon, "NO-SUCH-2", "ABCDEFGH", http.StatusNotFound)
	look(anon, "NO-SUCH-3", "ABCDEFGH", http.StatusNotFound)
	r = look(anon, "L-3", code("L-3"), http.StatusTooManyRequests)
	if !strings.Contains(string(r.Body), "too many wrong codes") {
		t.Fatalf("per-address limit: %s", r.Body)
	}
	// No wrong code for L-3: only the address refuses it, and a forged
	// X-Forwarded-For does not change the address (no trusted proxy).
	look(anon, "L-3", code("L-3"), http.StatusTooManyRequests, "198.51.100.7")

	// The pages say the same in Vietnamese.
	pg := anon.Do("GET", "/public/lookup?number=L-2&code="+code("L-2"), nil).MustStatus(http.StatusTooManyRequests)
	if !strings.Contains(string(pg.Body), "Nhập sai mã tra cứu quá nhiều lần") {
		t.Fatalf("lookup page when throttled: %s", pg.Body)
	}

	// The window passes: the right code is answered again.
	clock.add(15*time.Minute + time.Second)
	look(anon, "L-2", code("L-2"), 200)
	pg = anon.Do("GET", "/public/lookup?number=L-1&code="+code("L-1"), nil).MustStatus(200)
	noCookie(t, "the lookup page", pg)
	if b := string(pg.Body); !strings.Contains(b, "Đang giải quyết") || !strings.Contains(b, "Thẩm định") || !strings.Contains(b, `id="lookup-due"`) {
		t.Fatalf("lookup page: %s", b)
	}
	pg = anon.Do("GET", "/public/lookup?number=L-1&code=ZZZZ9999", nil).MustStatus(http.StatusNotFound)
	if !strings.Contains(string(pg.Body), "Không có hồ sơ nào có số và mã tra cứu này") {
		t.Fatalf("lookup page, wrong code: %s", pg.Body)
	}
}

// The kiosk: no sign-in, no cookie even for a browser that carries a
// flash, one field's procedures a screen with a QR code to each one's page,
// moving to the next screen by itself.
func TestKiosk(t *testing.T) {
	env, co := procSetup(t)
	for i := 0; i < 7; i++ {
		co.Do("POST", "/api/v1/services", map[string]any{"code": fmt.Sprintf("DD-1%d", i), "name_vi": fmt.Sprintf("Thủ tục đất đai %d", i), "field": "land", "unit": "tnmt", "days": 5}).MustStatus(http.StatusCreated)
	}
	anon := env.Anon()
	get := func(q string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", env.URL+"/public/kiosk"+q, nil)
		req.AddCookie(&http.Cookie{Name: "qms_flash", Value: "proc.saved"})
		r := anon.Send(req).MustStatus(200)
		noCookie(t, "the kiosk", r)
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("kiosk caching: %q", r.Header.Get("Cache-Control"))
		}
		return string(r.Body)
	}
	// civil_status (1 service), then land in two screens (8 services, 6 a screen).
	s0 := get("")
	if !strings.Contains(s0, `data-field="civil_status"`) || !strings.Contains(s0, `content="20;url=/public/kiosk?s=1"`) || !strings.Contains(s0, "<svg") {
		t.Fatalf("screen 0: %s", s0)
	}
	s1 := get("?s=1")
	if !strings.Contains(s1, `data-field="land"`) || !strings.Contains(s1, "(1/2)") || !strings.Contains(s1, "Đăng ký biến động đất đai") || strings.Count(s1, `class="svc"`) != 6 {
		t.Fatalf("screen 1: %s", s1)
	}
	s2 := get("?s=2")
	if !strings.Contains(s2, "(2/2)") || strings.Count(s2, `class="svc"`) != 2 || !strings.Contains(s2, `url=/public/kiosk?s=0"`) {
		t.Fatalf("screen 2 goes back to the first: %s", s2)
	}
	if s := get("?field=land"); !strings.Contains(s, `data-field="land"`) || !strings.Contains(s, "url=/public/kiosk?field=land&amp;s=1") {
		t.Fatalf("a kiosk of one field: %s", s)
	}
}

// The office's identity is in the header of every page (a signed-in page
// and the public one) and its emblem is served as an image that runs no
// script; the on-time figures appear on the public page only when the
// office publishes them, per field when it says so.
func TestPublicOfficeAndFigures(t *testing.T) {
	emblem := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><circle r="4" cx="4" cy="4" fill="#c00"/></svg>`)
	env := apptest.New(t, apptest.WithClock(procNow), apptest.WithConfig(func(c *config.Config) {
		c.OfficeNameVI, c.OfficeNameEN, c.OfficeAddress = "UBND huyện Châu Thành", "Chau Thanh District People's Committee", "Thị trấn Châu Thành, tỉnh Tây Ninh"
		c.Emblem, c.EmblemType, c.PublicFigures = emblem, "image/svg+xml", "fields"
	}))
	co := env.As("coordinator")
	co.Do("POST", "/api/v1/services", map[string]any{"code": "DD-01", "name_vi": "Đăng ký biến động đất đai", "field": "land", "unit": "tnmt", "days": 10}).MustStatus(http.StatusCreated)
	co.Do("POST", "/api/v1/services", map[string]any{"code": "HT-01", "name_vi": "Đăng ký khai sinh", "field": "civil_status", "unit": "noivu", "days": 1}).MustStatus(http.StatusCreated)
	co.Send(mustReq(t, env, procCSV)).MustStatus(200)

	page := co.Do("GET", "/dashboard", nil).MustStatus(200)
	if b := string(page.Body); !strings.Contains(b, `id="office-name">UBND huyện Châu Thành</strong>`) || !strings.Contains(b, "Thị trấn Châu Thành, tỉnh Tây Ninh") || !strings.Contains(b, `src="/public/emblem"`) {
		t.Fatalf("a signed-in page's header lacks the office")
	}
	anon := env.Anon()
	pub := anon.Do("GET", "/public", nil).MustStatus(200)
	noCookie(t, "the public page", pub)
	b := string(pub.Body)
	if !strings.Contains(b, "<h1>UBND huyện Châu Thành</h1>") {
		t.Fatalf("the public page is not the office's")
	}
	// Received 4 (2 online), returned 3, of which 2 early or on time.
	if !strings.Contains(b, `<tr id="fig-office"><th>Toàn cơ quan</th><td>4</td><td>3</td><td>66.67 %</td><td>50.00 %</td></tr>`) ||
		!strings.Contains(b, `<tr id="fig-land"><th>Đất đai</th><td>3</td><td>2</td><td>50.00 %</td>`) {
		t.Fatalf("published figures: %s", b[strings.Index(b, `id="pub-figures"`):])
	}
	r := anon.Do("GET", "/public/emblem", nil).MustStatus(200)
	noCookie(t, "the emblem", r)
	if r.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") || string(r.Body) != string(emblem) {
		t.Fatalf("emblem: %v %q", r.Header, r.Body)
	}
	// In English.
	req, _ := http.NewRequest("GET", env.URL+"/public", nil)
	req.AddCookie(&http.Cookie{Name: "qms_lang", Value: "en"})
	if en := string(anon.Send(req).MustStatus(200).Body); !strings.Contains(en, "Chau Thanh District People&#39;s Committee") || !strings.Contains(en, "Whole office") {
		t.Fatalf("the English public page lacks the office's English name")
	}

	// Without the settings: no figures, no emblem, no office header.
	plain := apptest.New(t, apptest.WithClock(procNow))
	b = string(plain.Anon().Do("GET", "/public", nil).MustStatus(200).Body)
	if strings.Contains(b, "pub-figures") || strings.Contains(b, "office-head") {
		t.Fatalf("figures or an office header shown without the settings")
	}
	plain.Anon().Do("GET", "/public/emblem", nil).MustStatus(http.StatusNotFound)
}
