package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

func recPDF(s string) []byte { return []byte("%PDF-1.4\n" + s + "\n%%EOF\n") }

func todayVN() string {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	return time.Now().In(loc).Format("2006-01-02")
}

type recordCreated struct {
	ID          string    `json:"id"`
	VersionID   string    `json:"version_id"`
	SHA256      string    `json:"sha256"`
	RetainUntil time.Time `json:"retain_until"`
	Mode        string    `json:"mode"`
}

func fileRecord(t *testing.T, c *apptest.Client, typ, unit, title string, clauses string, body []byte) recordCreated {
	t.Helper()
	var out recordCreated
	c.Multipart("/api/v1/records", map[string]string{"type": typ, "unit": unit, "title": title, "date": todayVN(), "clauses": clauses},
		apptest.File{Field: "file", Name: "biên bản họp.pdf", Content: body}).MustStatus(201).Decode(&out)
	return out
}

// orderedMultipart sends parts in the given order (fields after the file).
func orderedMultipart(t *testing.T, base string, c *apptest.Client, path string, parts [][3]string) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p[0] == "file" {
			fw, _ := w.CreateFormFile("file", p[1])
			_, _ = fw.Write([]byte(p[2]))
		} else {
			_ = w.WriteField(p[0], p[2])
		}
	}
	_ = w.Close()
	req, _ := http.NewRequest("POST", base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Send(req)
}

func TestRecordsAPI(t *testing.T) {
	env := apptest.New(t)
	staff := env.As("staff.tnmt")
	coord := env.As("coordinator")

	rec := fileRecord(t, staff, "audit-report", "tnmt", "Biên bản họp giao ban", "7.5.3, 9.3", recPDF("minutes"))
	if rec.ID == "" || rec.VersionID == "" || len(rec.SHA256) != 64 || rec.Mode != "COMPLIANCE" ||
		rec.RetainUntil.Year() != time.Now().Year()+10 && rec.RetainUntil.Year() != time.Now().Year()+11 {
		t.Fatalf("created %+v", rec)
	}
	var got struct {
		ID       string   `json:"id"`
		Clauses  []string `json:"clauses"`
		Versions []struct {
			No       int    `json:"no"`
			FileName string `json:"file_name"`
		} `json:"versions"`
	}
	staff.Do("GET", "/api/v1/records/"+rec.ID, nil).MustStatus(200).Decode(&got)
	if len(got.Versions) != 1 || got.Versions[0].FileName != "biên bản họp.pdf" || strings.Join(got.Clauses, ",") != "7.5.3,9.3" {
		t.Fatalf("get %+v", got)
	}
	dl := staff.Do("GET", "/api/v1/records/"+rec.ID+"/versions/1/file", nil).MustStatus(200)
	if !bytes.Equal(dl.Body, recPDF("minutes")) || dl.Header.Get("X-Content-SHA256") != rec.SHA256 ||
		!strings.Contains(dl.Header.Get("Content-Disposition"), "filename*=UTF-8''bi%C3%AAn%20b%E1%BA%A3n") {
		t.Fatalf("download %d bytes, headers %v", len(dl.Body), dl.Header)
	}
	// A correction is a new version; the first stays downloadable.
	staff.Multipart("/api/v1/records/"+rec.ID+"/versions", map[string]string{"reason": "Sai ngày"},
		apptest.File{Field: "file", Name: "v2.pdf", Content: recPDF("v2")}).MustStatus(201)
	if b := staff.Do("GET", "/api/v1/records/"+rec.ID+"/versions/latest/file", nil).MustStatus(200).Body; !bytes.Contains(b, []byte("v2")) {
		t.Fatalf("latest %q", b)
	}
	staff.Do("GET", "/api/v1/records/"+rec.ID+"/versions/1/file", nil).MustStatus(200)

	// Bad input: precise 4xx, nothing written.
	cases := []struct {
		name   string
		c      *apptest.Client
		parts  [][3]string
		status int
	}{
		{"no file", staff, [][3]string{{"type", "", "filled-form"}, {"unit", "", "tnmt"}, {"title", "", "t"}, {"date", "", todayVN()}}, 400},
		{"fields after file", staff, [][3]string{{"type", "", "filled-form"}, {"file", "a.pdf", string(recPDF("x"))}, {"unit", "", "tnmt"}}, 400},
		{"executable", staff, [][3]string{{"type", "", "filled-form"}, {"unit", "", "tnmt"}, {"title", "", "t"}, {"date", "", todayVN()}, {"file", "a.pdf", "MZ\x90\x00\x03\x00\x00\x00\x04"}}, 400},
		{"other unit", staff, [][3]string{{"type", "", "filled-form"}, {"unit", "", "vhtt"}, {"title", "", "t"}, {"date", "", todayVN()}, {"file", "a.pdf", string(recPDF("x"))}}, 403},
		{"auditor", env.As("auditor"), [][3]string{{"type", "", "filled-form"}, {"unit", "", "tnmt"}, {"title", "", "t"}, {"date", "", todayVN()}, {"file", "a.pdf", string(recPDF("x"))}}, 403},
		{"bad date", staff, [][3]string{{"type", "", "filled-form"}, {"unit", "", "tnmt"}, {"title", "", "t"}, {"date", "", "31/02/2026"}, {"file", "a.pdf", string(recPDF("x"))}}, 400},
	}
	for _, tc := range cases {
		if r := orderedMultipart(t, env.URL, tc.c, "/api/v1/records", tc.parts); r.Status != tc.status {
			t.Errorf("%s: %s", tc.name, r)
		}
	}
	staff.Do("POST", "/api/v1/records", `{"type":"x"}`).MustStatus(400)
	var list struct{ Items []struct{ ID string } }
	coord.Do("GET", "/api/v1/records?unit=tnmt", nil).MustStatus(200).Decode(&list)
	if len(list.Items) != 1 {
		t.Fatalf("%d records after refusals", len(list.Items))
	}
	env.As("staff.vhtt").Do("GET", "/api/v1/records/"+rec.ID, nil).MustStatus(404)
	coord.Do("GET", "/api/v1/records?clause=abc", nil).MustStatus(400)

	// Hold: coordinator only, with a reason; disposition refused while locked.
	staff.Do("POST", "/api/v1/records/"+rec.ID+"/hold", map[string]any{"on": true, "reason": "x"}).MustStatus(403)
	coord.Do("POST", "/api/v1/records/"+rec.ID+"/hold", map[string]any{"reason": "x"}).MustStatus(400)
	coord.Do("POST", "/api/v1/records/"+rec.ID+"/hold", map[string]any{"on": true, "reason": "Thanh tra tỉnh"}).MustStatus(200)
	coord.Do("POST", "/api/v1/records/"+rec.ID+"/dispose", map[string]any{"reason": "hết hạn", "password": "wrong"}).MustStatus(403)
	coord.Do("POST", "/api/v1/records/"+rec.ID+"/dispose", map[string]any{"reason": "hết hạn", "password": apptest.Password}).MustStatus(409)
	var due struct{ Items []any }
	coord.Do("GET", "/api/v1/records?due=1", nil).MustStatus(200).Decode(&due)
	staff.Do("GET", "/api/v1/records?due=1", nil).MustStatus(403)

	// A record filed after its retention ended is due: on the due list and
	// on the coordinator's home page, not on staff's.
	staff.Multipart("/api/v1/records", map[string]string{"type": "filled-form", "unit": "tnmt", "title": "Phiếu cũ", "date": "2015-03-02"},
		apptest.File{Field: "file", Name: "old.pdf", Content: recPDF("old")}).MustStatus(201)
	coord.Do("GET", "/api/v1/records?due=1", nil).MustStatus(200).Decode(&due)
	if len(due.Items) != 1 {
		t.Fatalf("due %d", len(due.Items))
	}
	var tasks struct{ Items []struct{ Kind, Link string } }
	coord.Do("GET", "/api/v1/tasks", nil).MustStatus(200).Decode(&tasks)
	hasDue := false
	for _, tk := range tasks.Items {
		hasDue = hasDue || (tk.Kind == "record_disposition" && tk.Link == "/records?due=1")
	}
	if !hasDue {
		t.Fatalf("coordinator's tasks %+v", tasks.Items)
	}

	// Record types.
	var types struct{ Items []struct{ Code string } }
	staff.Do("GET", "/api/v1/record-types", nil).MustStatus(200).Decode(&types)
	if len(types.Items) < 5 {
		t.Fatalf("types %+v", types)
	}
	staff.Do("POST", "/api/v1/record-types", map[string]any{"code": "x", "name_vi": "x", "name_en": "x", "mode": "COMPLIANCE"}).MustStatus(403)
	coord.Do("POST", "/api/v1/record-types", map[string]any{"code": "decision", "name_vi": "Quyết định", "name_en": "Decision", "retention_years": 20, "mode": "COMPLIANCE"}).MustStatus(201)

	// Pages, in both languages.
	for _, lang := range []string{"vi", "en"} {
		coord.Do("PUT", "/api/v1/me/lang", map[string]string{"lang": lang}).MustStatus(200)
		for _, p := range []string{"/records", "/records?due=1", "/records/" + rec.ID} {
			req, _ := http.NewRequest("GET", env.URL+p, nil)
			req.Header.Set("Accept", "text/html")
			r := coord.Send(req)
			if r.Status != 200 || !bytes.Contains(r.Body, []byte("<html")) {
				t.Fatalf("%s %s: %d", lang, p, r.Status)
			}
			if lang == "en" && p == "/records/"+rec.ID && !bytes.Contains(r.Body, []byte("Legal hold")) {
				t.Fatalf("record page in English lacks the hold: %s", r.Body)
			}
		}
	}
}

// An upload beyond the configured limit is refused with 413 and leaves no
// record behind.
func TestRecordUploadTooLarge(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.MaxUpload = 4096 }))
	staff := env.As("staff.tnmt")
	r := staff.Multipart("/api/v1/records", map[string]string{"type": "filled-form", "unit": "tnmt", "title": "t", "date": todayVN()},
		apptest.File{Field: "file", Name: "big.pdf", Content: recPDF(strings.Repeat("x", 8192))})
	if r.Status != http.StatusRequestEntityTooLarge || r.ErrorCode() != "too_large" {
		t.Fatalf("too large: %s", r)
	}
	var list struct{ Items []any }
	staff.Do("GET", "/api/v1/records", nil).MustStatus(200).Decode(&list)
	if len(list.Items) != 0 {
		t.Fatalf("%d records after a refused upload", len(list.Items))
	}
}

// The coordinator edits record types and the clause checklist from the pages.
func TestRecordTypeAndClauseForms(t *testing.T) {
	env := apptest.New(t)
	post := func(c *apptest.Client, path string, form map[string]string) *apptest.Response {
		v := url.Values{"_csrf": {c.CSRF}}
		for k, x := range form {
			v.Set(k, x)
		}
		req, _ := http.NewRequest("POST", env.URL+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		return c.Send(req)
	}
	coord, staff, aud := env.As("coordinator"), env.As("staff.tnmt"), env.As("auditor")
	if r := post(coord, "/ui/record-types", map[string]string{"code": "decision", "name_vi": "Quyết định", "name_en": "Decision",
		"retention_years": "20", "mode": "COMPLIANCE"}); r.Status != http.StatusSeeOther {
		t.Fatalf("save type: %s", r)
	}
	if r := post(coord, "/ui/record-types", map[string]string{"code": "Bad Code", "name_vi": "x", "name_en": "x", "mode": "COMPLIANCE"}); r.Status != 400 ||
		!strings.Contains(string(r.Body), "rec-type-form") {
		t.Fatalf("bad type: %d", r.Status)
	}
	if r := post(staff, "/ui/record-types", map[string]string{"code": "x", "name_vi": "x", "name_en": "x", "mode": "COMPLIANCE"}); r.Status != 403 {
		t.Fatalf("staff saves a type: %d", r.Status)
	}
	var types struct{ Items []struct{ Code string } }
	staff.Do("GET", "/api/v1/record-types", nil).MustStatus(200).Decode(&types)
	n := 0
	for _, ty := range types.Items {
		if ty.Code == "decision" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("types %+v", types.Items)
	}
	if r := post(coord, "/ui/clauses", map[string]string{"clause": "7.2", "title_vi": "Năng lực", "title_en": "Competence",
		"question_vi": "Có kế hoạch đào tạo năm không?", "question_en": "Is there a yearly training plan?", "active": "1"}); r.Status != http.StatusSeeOther {
		t.Fatalf("save clause: %s", r)
	}
	if r := post(aud, "/ui/clauses", map[string]string{"clause": "7.2", "title_vi": "x", "title_en": "x"}); r.Status != 403 {
		t.Fatalf("auditor edits the checklist: %d", r.Status)
	}
	req, _ := http.NewRequest("GET", env.URL+"/clauses", nil)
	req.Header.Set("Accept", "text/html")
	if r := coord.Send(req); r.Status != 200 || !strings.Contains(string(r.Body), "Có kế hoạch đào tạo năm không?") {
		t.Fatalf("clauses page: %d", r.Status)
	}
}

// A refused upload through the page shows the page again with the message.
func TestRecordFormErrorsShowThePage(t *testing.T) {
	env := apptest.New(t)
	staff := env.As("staff.tnmt")
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("type", "filled-form")
	_ = w.WriteField("unit", "tnmt")
	_ = w.WriteField("title", "")
	_ = w.WriteField("date", todayVN())
	fw, _ := w.CreateFormFile("file", "a.pdf")
	_, _ = fw.Write(recPDF("x"))
	_ = w.Close()
	req, _ := http.NewRequest("POST", env.URL+"/ui/records", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	r := staff.Send(req)
	if r.Status != 400 || !strings.Contains(string(r.Body), "flash-error") || !strings.Contains(string(r.Body), "rec-create") {
		t.Fatalf("form error: %d %.300s", r.Status, r.Body)
	}
	rec := fileRecord(t, staff, "filled-form", "tnmt", "Phiếu", "", recPDF("p"))
	v := url.Values{"_csrf": {staff.CSRF}, "reason": {"x"}, "password": {apptest.Password}}
	req, _ = http.NewRequest("POST", env.URL+"/ui/records/"+rec.ID+"/dispose", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	if r := staff.Send(req); r.Status != 403 || !strings.Contains(string(r.Body), "rec-versions") {
		t.Fatalf("dispose by staff through the page: %d", r.Status)
	}
}

// TestRecordLinksOnlyToWhatTheFilerSees: a record may link a document
// revision, a nonconformity, a corrective action or an audit only if its
// filer may see it. A link to another unit's object is refused exactly as a
// link to an id that does not exist (same status, same body), and nothing is
// stored: no record, no file, no trail entry, and the foreign record does
// not appear under the audit. A visible target is accepted, by id or (an NC,
// an audit) by number, and stored by id.
func TestRecordLinksOnlyToWhatTheFilerSees(t *testing.T) {
	env := apptest.New(t)
	coord := env.As("coordinator")
	today := todayVN()
	// tnmt's objects: an effective revision, an NC with an action, an audit.
	rev := publishVia(t, env, createDoc(t, coord, "QT-20", "tnmt", false).ID, "Quy trình lưu hồ sơ")
	var nc ncCreated
	coord.Do("POST", "/api/v1/ncs", map[string]any{"source": "self_report", "severity": "minor", "unit": "tnmt",
		"title": "Hồ sơ lưu thiếu", "description": "Thiếu phiếu kiểm soát", "detected_on": today}).MustStatus(201).Decode(&nc)
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/containment", map[string]string{"text": "Bổ sung phiếu", "on": today}).MustStatus(200)
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/cause", map[string]any{"whys": []string{"Không kiểm tra"}, "categories": []string{"method"},
		"summary": "Thiếu bước kiểm tra"}).MustStatus(200)
	var added struct{ Action struct{ ID string } }
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/actions", map[string]string{"unit": "tnmt", "owner": "staff.tnmt",
		"description": "Lập sổ kiểm tra", "due": today, "verify_after": today}).MustStatus(201).Decode(&added)
	var a auditJSON
	coord.Do("POST", "/api/v1/audits", map[string]any{"title": "Đánh giá TNMT", "units": []string{"tnmt"},
		"planned_start": today, "planned_end": today, "lead_auditor": "auditor"}).MustStatus(201).Decode(&a)

	const random = "00000000-0000-4000-8000-0000000000aa"
	links := []struct {
		field, target, number, randomNumber string
		sees                                string // a tnmt user who may see the target
		stored                              func(recordLinks) string
	}{
		{"link_revision", rev.ID, "", "", "staff.tnmt", func(l recordLinks) string { return l.Revision }},
		{"link_nc", nc.ID, nc.Number, "NC-2000-9999", "staff.tnmt", func(l recordLinks) string { return l.NC }},
		{"link_action", added.Action.ID, "", "", "staff.tnmt", func(l recordLinks) string { return l.Action }},
		{"link_audit", a.ID, a.Number, "IA-2000-99", "head.tnmt", func(l recordLinks) string { return l.Audit }},
	}
	file := func(c *apptest.Client, unit, field, value string) *apptest.Response {
		return c.Multipart("/api/v1/records", map[string]string{"type": "filled-form", "unit": unit, "title": "Phiếu kiểm soát",
			"date": today, field: value}, apptest.File{Field: "file", Name: "phieu.pdf", Content: recPDF("phieu")})
	}
	objects := func() int {
		n := 0
		for o := range env.App.Blob.Client().ListObjects(context.Background(), env.App.Blob.Bucket(), minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			n++
		}
		return n
	}
	foreign := env.As("staff.vhtt")
	for _, l := range links {
		t.Run(l.field, func(t *testing.T) {
			before := fmt.Sprint(rowCount(t, env, "records"), rowCount(t, env, "record_versions"), trailCount(t, env), objects())
			hidden := file(foreign, "vhtt", l.field, l.target)
			missing := file(foreign, "vhtt", l.field, random)
			if hidden.Status != http.StatusBadRequest || hidden.ErrorCode() != "invalid" || !strings.Contains(string(hidden.Body), `"`+l.field+`"`) {
				t.Fatalf("link to another unit's object: %s", hidden)
			}
			if missing.Status != hidden.Status || !bytes.Equal(missing.Body, hidden.Body) {
				t.Fatalf("a hidden object and a missing one answer differently:\n%s\n%s", hidden, missing)
			}
			if l.number != "" {
				byNumber, randomNumber := file(foreign, "vhtt", l.field, l.number), file(foreign, "vhtt", l.field, l.randomNumber)
				if byNumber.Status != hidden.Status || !bytes.Equal(byNumber.Body, hidden.Body) || !bytes.Equal(randomNumber.Body, hidden.Body) {
					t.Fatalf("by number: %s / %s", byNumber, randomNumber)
				}
			}
			if after := fmt.Sprint(rowCount(t, env, "records"), rowCount(t, env, "record_versions"), trailCount(t, env), objects()); after != before {
				t.Fatalf("refused filings stored something: %s, before %s", after, before)
			}
			seer := env.As(l.sees)
			for _, ref := range []string{l.target, l.number} {
				if ref == "" {
					continue
				}
				var rec struct {
					Record struct {
						Links recordLinks `json:"links"`
					} `json:"record"`
				}
				file(seer, "tnmt", l.field, ref).MustStatus(201).Decode(&rec)
				if got := l.stored(rec.Record.Links); got != l.target {
					t.Fatalf("linked by %q, stored %q, want the id %s", ref, got, l.target)
				}
			}
		})
	}
	// Only tnmt's own filings appear under the audit.
	var list struct{ Items []struct{ Unit string } }
	coord.Do("GET", "/api/v1/records?audit="+a.ID, nil).MustStatus(200).Decode(&list)
	if len(list.Items) != 2 || list.Items[0].Unit != "tnmt" || list.Items[1].Unit != "tnmt" {
		t.Fatalf("records under the audit: %+v", list.Items)
	}
}

type recordLinks struct {
	Revision string `json:"revision"`
	NC       string `json:"nc"`
	Action   string `json:"action"`
	Audit    string `json:"audit"`
}
