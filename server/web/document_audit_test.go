package web_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// publishIn drives a revision of a document of unit to effective through the
// API, with the unit's author, head and the chairman and coordinator.
func publishIn(t *testing.T, env *apptest.Env, unit, docID, text string) apiRev {
	t.Helper()
	author := env.As("author." + unit)
	var r apiRev
	author.Multipart("/api/v1/documents/"+docID+"/revisions", map[string]string{"change": "Ban hành " + text},
		apptest.File{Field: "file", Name: "Nội dung.txt", Content: []byte(text)}).MustStatus(http.StatusCreated).Decode(&r)
	author.Do("POST", "/api/v1/revisions/"+r.ID+"/submit", map[string]any{"reviewers": []string{"head." + unit}}).MustStatus(200)
	env.As("head."+unit).Do("POST", "/api/v1/revisions/"+r.ID+"/review", map[string]any{"decision": "approve", "password": apptest.Password}).MustStatus(200)
	env.As("chairman").Do("POST", "/api/v1/revisions/"+r.ID+"/approve", map[string]any{"password": apptest.Password}).MustStatus(200)
	env.As("coordinator").Do("POST", "/api/v1/revisions/"+r.ID+"/publish", map[string]any{"password": apptest.Password}).MustStatus(200).Decode(&r)
	return r
}

type docPageJSON struct {
	Document struct {
		ID        string `json:"id"`
		Code      string `json:"code"`
		Revisions []struct {
			apiRev
			Actions []string `json:"actions"`
		} `json:"revisions"`
	} `json:"document"`
	Actions []string `json:"actions"`
}

// counts is what a refused act must leave unchanged.
func docCounts(t *testing.T, env *apptest.Env) [4]int {
	t.Helper()
	var n [4]int
	for i, q := range []string{`SELECT count(*) FROM trail`, `SELECT count(*) FROM revisions`, `SELECT count(*) FROM revision_files`,
		`SELECT count(*) FROM document_acks WHERE acked_at IS NOT NULL`} {
		if err := env.App.DB.GetContext(context.Background(), &n[i], q); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// TestDocumentAuditWindow: an auditor on the team of an audit of unit tnmt
// reads, during the audit's window, the documents of tnmt and the
// organisation-wide ones (distributed to every unit, or public): the
// document, its revisions in force and superseded (marked as not current),
// their files; never drafts, never another unit's documents. No act is
// offered or allowed. Before and after the window, and for every other unit,
// the answer is the one a random id gets.
func TestDocumentAuditWindow(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	env := apptest.New(t, apptest.WithClock(clock))
	coord := env.As("coordinator")

	// tnmt: a procedure in force at issue 02 (01 superseded), one with a
	// draft of issue 02 in progress, and one never in force.
	proc := createDoc(t, coord, "QT-20", "tnmt", false)
	old := publishIn(t, env, "tnmt", proc.ID, "Lần một")
	cur := publishIn(t, env, "tnmt", proc.ID, "Lần hai")
	pending := createDoc(t, coord, "QT-22", "tnmt", false)
	publishIn(t, env, "tnmt", pending.ID, "Đang áp dụng")
	var draft apiRev
	env.As("author.tnmt").Multipart("/api/v1/documents/"+pending.ID+"/revisions", map[string]string{"change": "Dự thảo"},
		apptest.File{Field: "file", Name: "dự thảo.txt", Content: []byte("dự thảo")}).MustStatus(http.StatusCreated).Decode(&draft)
	never := createDoc(t, coord, "QT-21", "tnmt", false)
	env.As("author.tnmt").Multipart("/api/v1/documents/"+never.ID+"/revisions", map[string]string{"change": "Dự thảo"},
		apptest.File{Field: "file", Name: "dự thảo.txt", Content: []byte("dự thảo")}).MustStatus(http.StatusCreated)
	// Organisation-wide: the quality manual of vp distributed to every
	// unit, and a public procedure of noivu. Not org-wide: a noivu
	// procedure for noivu only.
	var manual apiDoc
	coord.Do("POST", "/api/v1/documents", map[string]any{"code": "ST-01", "title": "Sổ tay chất lượng", "type": "manual",
		"unit": "vp", "clauses": []string{"4.3"}, "distribution_units": []string{"*"}}).MustStatus(http.StatusCreated).Decode(&manual)
	publishIn(t, env, "vp", manual.ID, "Sổ tay")
	public := createDoc(t, coord, "QT-31", "noivu", true)
	publishIn(t, env, "noivu", public.ID, "Công khai")
	foreign := createDoc(t, coord, "QT-30", "noivu", false)
	foreignRev := publishIn(t, env, "noivu", foreign.ID, "Nội bộ Nội vụ")

	// The auditor joins after the documents took effect, as an inspector
	// given access for an audit does: in no distribution.
	addAuditor(t, env, "auditor.vhtt", "vhtt")
	aud := env.As("auditor.vhtt")
	const random = "00000000-0000-4000-8000-000000000000"
	notFoundLike := func(when, path, randomPath string) {
		t.Helper()
		got, want := aud.Do("GET", path, nil), aud.Do("GET", randomPath, nil)
		if got.Status != http.StatusNotFound || got.ErrorCode() != "not_found" || string(got.Body) != string(want.Body) {
			t.Errorf("%s: GET %s = %s, want what a random id gets: %s", when, path, got, want)
		}
	}
	hidden := func(when string) {
		t.Helper()
		notFoundLike(when, "/api/v1/documents/"+proc.ID, "/api/v1/documents/"+random)
		notFoundLike(when, "/api/v1/revisions/"+old.ID, "/api/v1/revisions/"+random)
		notFoundLike(when, "/api/v1/revisions/"+cur.ID+"/files/"+cur.Files[0].ID, "/api/v1/revisions/"+random+"/files/"+random)
		notFoundLike(when, "/d/QT-20", "/d/NOPE-99")
		notFoundLike(when, "/api/v1/documents/"+manual.ID, "/api/v1/documents/"+random)
		if p := aud.Do("GET", "/documents/"+proc.ID, nil); p.Status != http.StatusNotFound {
			t.Errorf("%s: the document page answers %d", when, p.Status)
		}
	}
	hidden("before the audit is planned")

	day := todayVN()
	var a auditJSON
	coord.Do("POST", "/api/v1/audits", map[string]any{"title": "Đánh giá nội bộ Phòng Tài nguyên và Môi trường",
		"units": []string{"tnmt"}, "planned_start": day, "planned_end": day, "lead_auditor": "auditor.vhtt"}).MustStatus(201).Decode(&a)

	// Inside the window: the document, both issues, marked; the files.
	var doc docPageJSON
	aud.Do("GET", "/api/v1/documents/"+proc.ID, nil).MustStatus(200).Decode(&doc)
	var issues []string
	for _, r := range doc.Document.Revisions {
		issues = append(issues, r.Status)
		if len(r.Actions) != 0 {
			t.Errorf("issue %d offers %v to the auditor", r.Issue, r.Actions)
		}
	}
	if strings.Join(issues, ",") != "effective,superseded" {
		t.Fatalf("revisions seen in the window: %v", issues)
	}
	if len(doc.Actions) != 0 {
		t.Errorf("document acts offered to the auditor: %v", doc.Actions)
	}
	for _, r := range []apiRev{old, cur} {
		aud.Do("GET", "/api/v1/revisions/"+r.ID, nil).MustStatus(200)
	}
	if b := aud.Do("GET", "/api/v1/revisions/"+old.ID+"/files/"+old.Files[0].ID, nil).MustStatus(200).Body; string(b) != "Lần một" {
		t.Errorf("superseded file: %q", b)
	}
	if b := aud.Do("GET", "/api/v1/revisions/"+cur.ID+"/files/"+cur.Files[0].ID, nil).MustStatus(200).Body; string(b) != "Lần hai" {
		t.Errorf("effective file: %q", b)
	}
	if b := aud.Do("GET", "/d/QT-20", nil).MustStatus(200).Body; string(b) != "Lần hai" {
		t.Errorf("/d/QT-20: %q", b)
	}
	page := string(aud.Do("GET", "/documents/"+proc.ID, nil).MustStatus(200).Body)
	if !strings.Contains(page, `rev-`+old.ID+`" class="revision rev-superseded"`) || !strings.Contains(page, "rev-notcurrent") {
		t.Errorf("the superseded issue is not marked as not current on the page")
	}
	for _, form := range []string{`action="/ui/documents/` + proc.ID + `/revisions"`, `/withdraw"`, `/periodic-review"`, `/acknowledge"`, `/edit"`} {
		if strings.Contains(page, form) {
			t.Errorf("the page offers the auditor %s", form)
		}
	}
	// The organisation-wide documents; the draft of issue 02 of QT-22 stays hidden.
	aud.Do("GET", "/api/v1/documents/"+manual.ID, nil).MustStatus(200)
	aud.Do("GET", "/api/v1/documents/"+public.ID, nil).MustStatus(200)
	aud.Do("GET", "/documents/"+manual.ID, nil).MustStatus(200)
	var withDraft docPageJSON
	aud.Do("GET", "/api/v1/documents/"+pending.ID, nil).MustStatus(200).Decode(&withDraft)
	if len(withDraft.Document.Revisions) != 1 || withDraft.Document.Revisions[0].Status != "effective" {
		t.Errorf("QT-22 shows %d revisions to the auditor", len(withDraft.Document.Revisions))
	}
	notFoundLike("in the window, a draft", "/api/v1/revisions/"+draft.ID, "/api/v1/revisions/"+random)
	notFoundLike("in the window, a draft's file", "/api/v1/revisions/"+draft.ID+"/files/"+draft.Files[0].ID,
		"/api/v1/revisions/"+random+"/files/"+random)
	notFoundLike("in the window, never in force", "/api/v1/documents/"+never.ID, "/api/v1/documents/"+random)
	notFoundLike("in the window, another unit", "/api/v1/documents/"+foreign.ID, "/api/v1/documents/"+random)
	notFoundLike("in the window, another unit's file", "/api/v1/revisions/"+foreignRev.ID+"/files/"+foreignRev.Files[0].ID,
		"/api/v1/revisions/"+random+"/files/"+random)
	// The register lists the same documents.
	var list struct {
		Items []apiDoc `json:"items"`
	}
	aud.Do("GET", "/api/v1/documents?limit=200", nil).MustStatus(200).Decode(&list)
	var codes []string
	for _, d := range list.Items {
		codes = append(codes, d.Code)
	}
	if strings.Join(codes, ",") != "QT-20,QT-22,QT-31,ST-01" {
		t.Errorf("the register of the auditor in the window: %v", codes)
	}

	// No act is allowed: each refusal says why, and nothing moves.
	before := docCounts(t, env)
	for _, tc := range []struct {
		name, path string
		body       any
		status     int
		code, msg  string
	}{
		{"withdraw", "/api/v1/documents/" + proc.ID + "/withdraw", map[string]string{"reason": "x"}, 403, "forbidden", "you may not withdraw"},
		{"periodic review", "/api/v1/documents/" + proc.ID + "/periodic-review", map[string]string{"comment": "x"}, 403, "forbidden", "periodic reviews"},
		{"edit", "/api/v1/documents/" + proc.ID, nil, 403, "forbidden", "register data"},
		{"acknowledge", "/api/v1/revisions/" + cur.ID + "/acknowledge", nil, 403, "forbidden", "not in the distribution"},
	} {
		method := "POST"
		if tc.name == "edit" {
			method = "PUT"
			tc.body = map[string]any{"title": "Đổi tên", "type": "procedure"}
		}
		r := aud.Do(method, tc.path, tc.body)
		if r.Status != tc.status || r.ErrorCode() != tc.code || !strings.Contains(string(r.Body), tc.msg) {
			t.Errorf("%s by the auditor: %s, want %d %s %q", tc.name, r, tc.status, tc.code, tc.msg)
		}
	}
	r := aud.Multipart("/api/v1/documents/"+proc.ID+"/revisions", map[string]string{"change": "x"},
		apptest.File{Field: "file", Name: "x.txt", Content: []byte("x")})
	if r.Status != 403 || r.ErrorCode() != "forbidden" || !strings.Contains(string(r.Body), "you may not draft revisions of QT-20") {
		t.Errorf("new revision by the auditor: %s", r)
	}
	if after := docCounts(t, env); after != before {
		t.Errorf("refused acts moved trail, revisions, files or acknowledgements: %v -> %v", before, after)
	}

	// After the window: as before it.
	mu.Lock()
	now = now.AddDate(0, 0, 2)
	mu.Unlock()
	aud = env.As("auditor.vhtt") // the session of two days ago has lapsed
	hidden("after the audit window")
	aud.Do("GET", "/api/v1/documents?limit=200", nil).MustStatus(200).Decode(&list)
	if len(list.Items) != 0 {
		t.Errorf("after the window the register lists %d documents", len(list.Items))
	}
}
