package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

type apiDoc struct {
	ID     string `json:"id"`
	Code   string `json:"code"`
	Status string `json:"status"`
}

type apiFile struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Kind   string `json:"kind"`
}

type apiRev struct {
	ID         string    `json:"id"`
	Issue      int       `json:"issue"`
	Status     string    `json:"status"`
	Files      []apiFile `json:"files"`
	Signatures []struct {
		Meaning  string   `json:"meaning"`
		SHA256s  []string `json:"sha256s"`
		VoidedAt *string  `json:"voided_at"`
		Role     string   `json:"role"`
	} `json:"signatures"`
}

func createDoc(t *testing.T, c *apptest.Client, code, unit string, public bool) apiDoc {
	t.Helper()
	var d apiDoc
	c.Do("POST", "/api/v1/documents", map[string]any{"code": code, "title": "Quy trình cấp phép " + code, "type": "procedure",
		"unit": unit, "clauses": []string{"8.2"}, "public": public}).MustStatus(http.StatusCreated).Decode(&d)
	return d
}

// publishVia drives a revision to effective through the API.
func publishVia(t *testing.T, env *apptest.Env, docID, text string) apiRev {
	t.Helper()
	author := env.As("author.tnmt")
	var r apiRev
	author.Multipart("/api/v1/documents/"+docID+"/revisions", map[string]string{"change": "Ban hành " + text},
		apptest.File{Field: "file", Name: "Quy trình cấp phép.txt", Content: []byte(text)}).MustStatus(http.StatusCreated).Decode(&r)
	author.Do("POST", "/api/v1/revisions/"+r.ID+"/submit", map[string]any{"reviewers": []string{"head.tnmt"}}).MustStatus(200)
	env.As("head.tnmt").Do("POST", "/api/v1/revisions/"+r.ID+"/review", map[string]any{"decision": "approve", "password": apptest.Password}).MustStatus(200)
	env.As("chairman").Do("POST", "/api/v1/revisions/"+r.ID+"/approve", map[string]any{"password": apptest.Password}).MustStatus(200)
	env.As("coordinator").Do("POST", "/api/v1/revisions/"+r.ID+"/publish", map[string]any{"password": apptest.Password}).MustStatus(200).Decode(&r)
	return r
}

func TestDocumentAPIWorkflowAndDownload(t *testing.T) {
	env := apptest.New(t)
	coord := env.As("coordinator")
	d := createDoc(t, coord, "QT-07", "tnmt", true)
	r := publishVia(t, env, d.ID, "Nội dung quy trình")
	if r.Status != "effective" || r.Issue != 1 {
		t.Fatalf("revision %+v", r)
	}
	var live []string
	for _, s := range r.Signatures {
		live = append(live, s.Meaning+"/"+s.Role)
	}
	if strings.Join(live, ",") != "reviewed/head,approved/head,published/coordinator" {
		t.Fatalf("signatures %v", live)
	}
	f := r.Files[0]

	// Download: RFC 6266 name, ETag, SHA-256, Range.
	staff := env.As("staff.tnmt")
	res := staff.Do("GET", "/api/v1/revisions/"+r.ID+"/files/"+f.ID, nil).MustStatus(200)
	if string(res.Body) != "Nội dung quy trình" {
		t.Fatalf("body %q", res.Body)
	}
	cd := res.Header.Get("Content-Disposition")
	if !strings.Contains(cd, `filename*=UTF-8''Quy%20tr%C3%ACnh%20c%E1%BA%A5p%20ph%C3%A9p.txt`) || !strings.Contains(cd, `filename="Quy trinh cap phep.txt"`) {
		t.Fatalf("Content-Disposition %q", cd)
	}
	if res.Header.Get("ETag") != `"`+f.SHA256+`"` || res.Header.Get("X-Content-SHA256") != f.SHA256 {
		t.Fatalf("etag %q sha %q", res.Header.Get("ETag"), res.Header.Get("X-Content-SHA256"))
	}
	req, _ := http.NewRequest("GET", env.URL+"/api/v1/revisions/"+r.ID+"/files/"+f.ID, nil)
	req.Header.Set("Range", "bytes=0-2")
	res = staff.Send(req)
	if res.Status != http.StatusPartialContent || string(res.Body) != "Nội"[:3] {
		t.Fatalf("range: %d %q", res.Status, res.Body)
	}
	req, _ = http.NewRequest("GET", env.URL+"/api/v1/revisions/"+r.ID+"/files/"+f.ID, nil)
	req.Header.Set("If-None-Match", `"`+f.SHA256+`"`)
	if res = staff.Send(req); res.Status != http.StatusNotModified {
		t.Fatalf("conditional: %d", res.Status)
	}

	// /d/{code} and the public register, anonymously.
	anon := env.Anon()
	res = anon.Do("GET", "/d/qt-07", nil).MustStatus(200)
	if string(res.Body) != "Nội dung quy trình" {
		t.Fatalf("/d: %q", res.Body)
	}
	var pub struct {
		Items []struct {
			Code string `json:"code"`
			URL  string `json:"url"`
		} `json:"items"`
	}
	anon.Do("GET", "/api/v1/public/documents", nil).MustStatus(200).Decode(&pub)
	if len(pub.Items) != 1 || pub.Items[0].Code != "QT-07" {
		t.Fatalf("public %+v", pub)
	}
	anon.Do("GET", pub.Items[0].URL, nil).MustStatus(200)
	page := anon.Do("GET", "/public", nil).MustStatus(200)
	if !strings.Contains(string(page.Body), "QT-07") || !strings.Contains(string(page.Body), "Phòng Tài nguyên và Môi trường") ||
		!strings.Contains(string(page.Body), ">Quy trình cấp phép.txt</a>") {
		t.Fatalf("public page lacks the document")
	}

	// A second revision supersedes; /d serves the new one, the old file is
	// no longer public, staff cannot open the superseded revision.
	r2 := publishVia(t, env, d.ID, "Lần hai")
	if res = anon.Do("GET", "/d/QT-07", nil).MustStatus(200); string(res.Body) != "Lần hai" {
		t.Fatalf("/d after supersede: %q", res.Body)
	}
	anon.Do("GET", pub.Items[0].URL, nil).MustStatus(http.StatusNotFound)
	staff.Do("GET", "/api/v1/revisions/"+r.ID, nil).MustStatus(http.StatusNotFound)
	env.As("auditor").Do("GET", "/api/v1/revisions/"+r.ID, nil).MustStatus(200)

	// Acknowledgement through the API and the home page task.
	home := staff.Do("GET", "/", nil)
	if !strings.Contains(string(home.Body), "QT-07") {
		t.Fatalf("home page lacks the acknowledgement task")
	}
	staff.Do("POST", "/api/v1/revisions/"+r2.ID+"/acknowledge", nil).MustStatus(200)
	staff.Do("POST", "/api/v1/revisions/"+r2.ID+"/acknowledge", nil).MustStatus(http.StatusConflict)
	var acks struct {
		Pending int `json:"pending"`
	}
	coord.Do("GET", "/api/v1/revisions/"+r2.ID+"/acks", nil).MustStatus(200).Decode(&acks)
	if acks.Pending != 2 {
		t.Fatalf("pending acks %d", acks.Pending)
	}
	staff.Do("GET", "/api/v1/revisions/"+r2.ID+"/acks", nil).MustStatus(http.StatusForbidden)

	// Pages render with the user's actions only.
	body := string(coord.Do("GET", "/documents/"+d.ID, nil).MustStatus(200).Body)
	for _, want := range []string{"QT-07", "signoff-approved", "Ban hành Lần hai", "withdraw", "ack-report", "Lần ban hành 02 · "} {
		if !strings.Contains(body, want) {
			t.Errorf("coordinator page lacks %q", want)
		}
	}
	body = string(staff.Do("GET", "/documents/"+d.ID, nil).MustStatus(200).Body)
	for _, unwanted := range []string{"id=\"withdraw\"", "ack-report", "new-revision", "Ban hành Nội dung"} {
		if strings.Contains(body, unwanted) {
			t.Errorf("staff page shows %q", unwanted)
		}
	}
	// A draft in progress shows its status on both pages, translated.
	author := env.As("author.tnmt")
	author.Multipart("/api/v1/documents/"+d.ID+"/revisions", map[string]string{"change": "Lần ba"},
		apptest.File{Field: "file", Name: "c.txt", Content: []byte("ba")}).MustStatus(http.StatusCreated)
	for _, path := range []string{"/documents/" + d.ID, "/documents", "/documents?status=draft", "/public"} {
		for _, who := range []*apptest.Client{coord, author, staff, anon} {
			if who == anon && path != "/public" {
				continue
			}
			req, _ := http.NewRequest("GET", env.URL+path, nil)
			req.Header.Set("Accept", "text/html")
			b := string(who.Send(req).MustStatus(200).Body)
			if strings.Contains(b, "%!") || strings.Contains(b, ">doc.") || strings.Contains(b, "\"doc.") {
				t.Errorf("%s as %s: a template or translation slip: %.300s", path, who.Login, b[strings.Index(b, "<main"):])
			}
		}
	}
	// The edit form changes register data, not the code or the unit.
	coord.Do("GET", "/documents/"+d.ID+"/edit", nil).MustStatus(200)
	staff.Do("GET", "/documents/"+d.ID+"/edit", nil).MustStatus(http.StatusForbidden)
	form := "code=HACK&unit=vp&title=Quy+tr%C3%ACnh+c%E1%BA%A5p+ph%C3%A9p+%28s%E1%BB%ADa%29&type=procedure&clauses=8.2&review_months=24&public=1&distribution_units=tnmt&distribution_roles=head"
	req, _ = http.NewRequest("POST", env.URL+"/ui/documents/"+d.ID+"/edit", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	if res := coord.Send(req); res.Status != http.StatusSeeOther {
		t.Fatalf("edit form: %s", res)
	}
	var edited struct {
		Document struct {
			Code, Unit, Title string
			ReviewMonths      int      `json:"review_months"`
			DistRoles         []string `json:"distribution_roles"`
		} `json:"document"`
	}
	coord.Do("GET", "/api/v1/documents/"+d.ID, nil).MustStatus(200).Decode(&edited)
	if e := edited.Document; e.Code != "QT-07" || e.Unit != "tnmt" || e.Title != "Quy trình cấp phép (sửa)" || e.ReviewMonths != 24 || len(e.DistRoles) != 1 {
		t.Fatalf("after edit: %+v", e)
	}
	list := string(coord.Do("GET", "/documents?q=quy+trinh+cap+phep", nil).MustStatus(200).Body)
	if !strings.Contains(list, "QT-07") || !strings.Contains(list, "<td>02 · ") {
		t.Fatalf("register search lacks QT-07")
	}
	var lp struct {
		Items      []apiDoc `json:"items"`
		NextCursor string   `json:"next_cursor"`
	}
	coord.Do("GET", "/api/v1/documents?q=quy+trinh+cap+phep&unit=tnmt&type=procedure&status=effective&clause=8.2&limit=10", nil).MustStatus(200).Decode(&lp)
	if len(lp.Items) != 1 || lp.NextCursor != "" {
		t.Fatalf("api list %+v", lp)
	}
}

func TestDocumentConcurrentPublishAPI(t *testing.T) {
	env := apptest.New(t)
	coord := env.As("coordinator")
	d := createDoc(t, coord, "QT-50", "tnmt", false)
	author := env.As("author.tnmt")
	var r apiRev
	author.Multipart("/api/v1/documents/"+d.ID+"/revisions", map[string]string{"change": "x"},
		apptest.File{Field: "file", Name: "a.txt", Content: []byte("abc")}).MustStatus(http.StatusCreated).Decode(&r)
	author.Do("POST", "/api/v1/revisions/"+r.ID+"/submit", map[string]any{"reviewers": []string{"head.tnmt"}}).MustStatus(200)
	env.As("head.tnmt").Do("POST", "/api/v1/revisions/"+r.ID+"/review", map[string]any{"decision": "approve", "password": apptest.Password}).MustStatus(200)
	chair := env.As("chairman")
	statuses := make(chan int, 20)
	for i := 0; i < 20; i++ {
		go func() {
			statuses <- chair.Do("POST", "/api/v1/revisions/"+r.ID+"/approve", map[string]any{"password": apptest.Password}).Status
		}()
	}
	count := map[int]int{}
	for i := 0; i < 20; i++ {
		count[<-statuses]++
	}
	if count[200] != 1 || count[409] != 19 {
		t.Fatalf("approvals: %v", count)
	}
	for i := 0; i < 20; i++ {
		go func() {
			statuses <- coord.Do("POST", "/api/v1/revisions/"+r.ID+"/publish", map[string]any{"password": apptest.Password}).Status
		}()
	}
	count = map[int]int{}
	for i := 0; i < 20; i++ {
		count[<-statuses]++
	}
	if count[200] != 1 || count[409] != 19 {
		t.Fatalf("publishes: %v", count)
	}
}

// rawMultipart builds a multipart body with a file part whose
// Content-Disposition is written verbatim (for hostile names).
func rawMultipart(change, disposition string, content []byte) (string, []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if change != "" {
		_ = w.WriteField("change", change)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", disposition)
	h.Set("Content-Type", "application/pdf")
	pw, _ := w.CreatePart(h)
	pw.Write(content)
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func TestDocumentBadInput(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.MaxUpload = 64 << 10 }))
	coord := env.As("coordinator")
	d := createDoc(t, coord, "QT-09", "tnmt", false)
	author := env.As("author.tnmt")
	up := func(name string, content []byte) *apptest.Response {
		return author.Multipart("/api/v1/documents/"+d.ID+"/revisions", map[string]string{"change": "x"},
			apptest.File{Field: "file", Name: name, Content: content})
	}
	raw := func(disposition string, content []byte) *apptest.Response {
		ct, body := rawMultipart("x", disposition, content)
		req, _ := http.NewRequest("POST", env.URL+"/api/v1/documents/"+d.ID+"/revisions", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		return author.Send(req)
	}
	for _, tc := range []struct {
		name   string
		res    func() *apptest.Response
		status int
		msg    string
	}{
		{"empty file", func() *apptest.Response { return up("a.txt", nil) }, 400, "empty"},
		{"oversize", func() *apptest.Response { return up("a.txt", bytes.Repeat([]byte("a"), 100<<10)) }, 413, "64 KiB"},
		{"exe named pdf", func() *apptest.Response {
			return up("a.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 100)...))
		}, 400, "accepted types"},
		{"html named docx", func() *apptest.Response { return up("a.docx", []byte("<html><script>alert(1)</script></html>")) }, 400, "accepted types"},
		{"control char in name", func() *apptest.Response { return raw("form-data; name=\"file\"; filename=\"a\x1b.txt\"", []byte("x")) }, 400, ""},
		{"NUL in name", func() *apptest.Response { return raw("form-data; name=\"file\"; filename=\"a\x00.txt\"", []byte("x")) }, 400, ""},
		{"not multipart", func() *apptest.Response {
			return author.Do("POST", "/api/v1/documents/"+d.ID+"/revisions", map[string]string{"change": "x"})
		}, 400, "multipart"},
		{"no change description", func() *apptest.Response {
			return author.Multipart("/api/v1/documents/"+d.ID+"/revisions", nil, apptest.File{Field: "file", Name: "a.txt", Content: []byte("x")})
		}, 400, "change"},
		{"1000-char title", func() *apptest.Response {
			return coord.Do("POST", "/api/v1/documents", map[string]any{"code": "QT-X", "title": strings.Repeat("ệ", 1000), "type": "procedure", "unit": "tnmt"})
		}, 400, "too long"},
		{"duplicate code", func() *apptest.Response {
			return coord.Do("POST", "/api/v1/documents", map[string]any{"code": "qt-09", "title": "x", "type": "procedure", "unit": "tnmt"})
		}, 409, "already exists"},
		{"traversal code", func() *apptest.Response {
			return coord.Do("POST", "/api/v1/documents", map[string]any{"code": "../../etc/passwd", "title": "x", "type": "procedure", "unit": "tnmt"})
		}, 400, "code"},
		{"wrong json type", func() *apptest.Response {
			return coord.Do("POST", "/api/v1/documents", `{"code": 5}`)
		}, 400, "code"},
		{"bad cursor", func() *apptest.Response { return coord.Do("GET", "/api/v1/documents?cursor=zzz", nil) }, 400, "cursor"},
		{"bad limit", func() *apptest.Response { return coord.Do("GET", "/api/v1/documents?limit=abc", nil) }, 400, "limit"},
		{"unknown id", func() *apptest.Response { return coord.Do("GET", "/api/v1/documents/not-a-uuid", nil) }, 404, ""},
		{"approve a draft-less id", func() *apptest.Response {
			return coord.Do("POST", "/api/v1/revisions/00000000-0000-4000-8000-000000000000/approve", map[string]string{"password": apptest.Password})
		}, 404, ""},
		{"anonymous api", func() *apptest.Response { return env.Anon().Do("GET", "/api/v1/documents", nil) }, 401, ""},
	} {
		res := tc.res()
		if res.Status != tc.status || !strings.Contains(string(res.Body), tc.msg) {
			t.Errorf("%s: %s, want %d with %q", tc.name, res, tc.status, tc.msg)
		}
	}
	// Nothing half-written: no revision after the refused uploads.
	var got struct {
		Document struct {
			Revisions []apiRev `json:"revisions"`
		} `json:"document"`
	}
	coord.Do("GET", "/api/v1/documents/"+d.ID, nil).MustStatus(200).Decode(&got)
	if len(got.Document.Revisions) != 0 {
		t.Fatalf("%d revisions after refused uploads", len(got.Document.Revisions))
	}
	// Traversal names are reduced to their last element.
	var r apiRev
	up("../../etc/passwd", []byte("hello")).MustStatus(http.StatusCreated).Decode(&r)
	if r.Files[0].Name != "passwd" {
		t.Fatalf("name %q", r.Files[0].Name)
	}
	// Names are kept in Unicode NFC whatever form the client sent.
	nfd := "Quy tri\u0300nh.txt" // "ì" as i + combining grave accent
	var r2 apiRev
	author.Multipart("/api/v1/revisions/"+r.ID+"/files", nil, apptest.File{Field: "attachment", Name: nfd, Content: []byte("x")}).MustStatus(200).Decode(&r2)
	if len(r2.Files) != 2 || r2.Files[1].Name != "Quy trình.txt" {
		t.Fatalf("files %+v", r2.Files)
	}
	// The kind sent before a file applies to it: a second main file is refused.
	author.Multipart("/api/v1/revisions/"+r.ID+"/files", map[string]string{"kind": "main"},
		apptest.File{Field: "file", Name: "b.txt", Content: []byte("y")}).MustStatus(http.StatusBadRequest)

	// Transitions from wrong states and separation of duties, via the API.
	id := r.ID
	for _, tc := range []struct {
		who, path string
		body      any
		status    int
		code      string
	}{
		{"chairman", "approve", map[string]string{"password": apptest.Password}, 409, "state"},
		{"coordinator", "publish", map[string]string{"password": apptest.Password}, 409, "state"},
		{"head.tnmt", "review", map[string]string{"decision": "approve", "password": apptest.Password}, 409, "state"},
		{"author.tnmt", "submit", map[string]any{"reviewers": []string{"author.tnmt"}}, 403, "forbidden"},
		{"author.tnmt", "submit", map[string]any{"reviewers": []string{}}, 400, "invalid"},
		{"author.tnmt", "submit", map[string]any{"reviewers": []string{"head.tnmt"}}, 200, ""},
		{"author.tnmt", "submit", map[string]any{"reviewers": []string{"head.tnmt"}}, 409, "state"},
		{"head.tnmt", "review", map[string]string{"decision": "approve", "password": "nope"}, 403, "forbidden"},
		{"head.tnmt", "review", map[string]string{"decision": "approve", "password": apptest.Password}, 200, ""},
		{"head.tnmt", "approve", map[string]string{"password": apptest.Password}, 403, "forbidden"},
		{"coordinator", "publish", map[string]string{"password": apptest.Password}, 409, "state"},
		{"coordinator", "publish", map[string]string{"password": apptest.Password, "effective_at": "next week"}, 400, "invalid"},
		{"staff.tnmt", "approve", map[string]string{"password": apptest.Password}, 404, "not_found"},
		{"author.vp", "approve", map[string]string{"password": apptest.Password}, 404, "not_found"},
		{"staff.tnmt", "acknowledge", nil, 404, "not_found"},
	} {
		res := env.As(tc.who).Do("POST", "/api/v1/revisions/"+id+"/"+tc.path, tc.body)
		if res.Status != tc.status || (tc.code != "" && res.ErrorCode() != tc.code) {
			t.Errorf("%s %s: %s, want %d %s", tc.who, tc.path, res, tc.status, tc.code)
		}
	}
	// Other units' drafts do not leak: same answer as a random id.
	for _, who := range []string{"author.vp", "staff.tnmt"} {
		c := env.As(who)
		a := c.Do("GET", "/api/v1/documents/"+d.ID, nil)
		b := c.Do("GET", "/api/v1/documents/00000000-0000-4000-8000-000000000000", nil)
		if a.Status != 404 || b.Status != 404 || string(a.Body) != string(b.Body) {
			t.Errorf("%s: %s vs %s", who, a, b)
		}
		c.Do("GET", "/api/v1/revisions/"+id+"/files/"+r.Files[0].ID, nil).MustStatus(404)
	}
	env.Anon().Do("GET", "/api/v1/revisions/"+id+"/files/"+r.Files[0].ID, nil).MustStatus(401)
	env.Anon().Do("GET", "/public/files/"+id+"/"+r.Files[0].ID, nil).MustStatus(404)
	res := env.Anon().Do("GET", "/d/QT-09", nil)
	res2 := env.Anon().Do("GET", "/d/NOPE-1", nil)
	if res.Status != 401 || res2.Status != 401 {
		t.Errorf("/d anonymous: %d %d", res.Status, res2.Status)
	}
}

func TestDocumentScheduledPublishAPI(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	env := apptest.New(t, apptest.WithClock(clock))
	coord := env.As("coordinator")
	d := createDoc(t, coord, "QT-70", "tnmt", true)
	author := env.As("author.tnmt")
	var r apiRev
	author.Multipart("/api/v1/documents/"+d.ID+"/revisions", map[string]string{"change": "x"},
		apptest.File{Field: "file", Name: "a.txt", Content: []byte("hẹn ngày")}).MustStatus(http.StatusCreated).Decode(&r)
	author.Do("POST", "/api/v1/revisions/"+r.ID+"/submit", map[string]any{"reviewers": []string{"head.tnmt"}}).MustStatus(200)
	env.As("head.tnmt").Do("POST", "/api/v1/revisions/"+r.ID+"/review", map[string]any{"decision": "approve", "password": apptest.Password}).MustStatus(200)
	env.As("chairman").Do("POST", "/api/v1/revisions/"+r.ID+"/approve", map[string]any{"password": apptest.Password}).MustStatus(200)
	var pub struct {
		Status      string `json:"status"`
		EffectiveAt string `json:"effective_at"`
	}
	coord.Do("POST", "/api/v1/revisions/"+r.ID+"/publish", map[string]any{"password": apptest.Password, "effective_at": "12/03/2026"}).MustStatus(200).Decode(&pub)
	// 12/03/2026 00:00 in Asia/Ho_Chi_Minh is 11/03/2026 17:00 UTC.
	if pub.Status != "approved" || pub.EffectiveAt != "2026-03-11T17:00:00Z" {
		t.Fatalf("scheduled: %+v", pub)
	}
	env.Anon().Do("GET", "/d/QT-70", nil).MustStatus(http.StatusUnauthorized)
	run := func() {
		for _, j := range env.App.Jobs {
			if j.Name == "documents.activate" {
				if err := j.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		t.Fatal("no documents.activate job")
	}
	run()
	env.Anon().Do("GET", "/d/QT-70", nil).MustStatus(http.StatusUnauthorized)
	mu.Lock()
	now = time.Date(2026, 3, 11, 17, 0, 1, 0, time.UTC)
	mu.Unlock()
	run()
	if got := env.Anon().Do("GET", "/d/QT-70", nil).MustStatus(200); string(got.Body) != "hẹn ngày" {
		t.Fatalf("/d: %q", got.Body)
	}
}

// Codes may hold a slash; the stable link still finds them.
func TestDocumentCodeWithSlash(t *testing.T) {
	env := apptest.New(t)
	d := createDoc(t, env.As("coordinator"), "QT/ISO-08", "tnmt", true)
	publishVia(t, env, d.ID, "Có gạch chéo")
	if got := env.Anon().Do("GET", "/d/QT/ISO-08", nil).MustStatus(200); string(got.Body) != "Có gạch chéo" {
		t.Fatalf("/d with a slash: %q", got.Body)
	}
	env.Anon().Do("GET", "/d/", nil).MustStatus(http.StatusUnauthorized)
	env.As("staff.tnmt").Do("GET", "/d/", nil).MustStatus(http.StatusNotFound)
}
