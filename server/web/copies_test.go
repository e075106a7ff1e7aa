package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

type copyOut struct {
	ID         string `json:"id"`
	RevisionID string `json:"revision_id"`
	No         int    `json:"no"`
	Unit       string `json:"unit"`
	Holder     string `json:"holder"`
	ToWithdraw bool   `json:"to_withdraw"`
	Withdrawn  *string
}

func countRows(t *testing.T, env *apptest.Env, q string, args ...any) int {
	t.Helper()
	return env.Count(t, q, args...)
}

// squash folds the layout's runs of spaces so a test reads the PDF's words.
func squash(s string) string { return regexp.MustCompile(`[ \t]+`).ReplaceAllString(s, " ") }

// TestControlledCopy: an effective procedure prints with its Vietnamese
// header, sign-off names, revision table, copy mark and the address of its
// check page; controlled copies are numbered and logged; a new issue makes
// the check page report the old one superseded and lists its copies to
// withdraw; a copy is withdrawn once; refusals change nothing.
func TestControlledCopy(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	docID, rev1 := f.EffectiveDocument(t, "tnmt")
	var doc struct {
		Code string `json:"code"`
	}
	apptest.Expect(t, "doc", f.As("coordinator").Do("GET", "/api/v1/documents/"+docID, nil), 200, &doc)
	today := time.Now().In(f.Loc).Format("02/01/2006")

	// An uncontrolled copy: anyone who reads the document prints it.
	r := f.As("staff.tnmt").Do("GET", "/api/v1/revisions/"+rev1+"/controlled-copy.pdf?lang=vi", nil).MustStatus(200)
	if ct := r.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Fatalf("content type %q", ct)
	}
	txt := squash(pdfText(t, r.Body))
	for _, want := range []string{"Mã hiệu: " + doc.Code, "Lần ban hành: 01", "Ngày ban hành: " + today, "Trang: 1/1",
		"Soạn thảo", "Soát xét", "Phê duyệt", "Chuyên viên soạn thảo Tài nguyên", "Trưởng phòng Tài nguyên", "Chủ tịch UBND",
		"Sửa đổi tài liệu", "Ban hành lần đầu", "BẢN KHÔNG KIỂM SOÁT", "/public/check/" + rev1, "quy-trinh.txt"} {
		if !strings.Contains(txt, want) {
			t.Errorf("uncontrolled copy lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "BẢN KIỂM SOÁT SỐ") {
		t.Error("an uncontrolled copy carries a copy number")
	}

	// Staff may not issue a controlled copy; nothing is written.
	trailBefore := countRows(t, env, `SELECT count(*) FROM trail`)
	r = f.As("staff.tnmt").Do("POST", "/api/v1/revisions/"+rev1+"/copies", map[string]string{"unit": "tnmt", "holder": "Nguyễn Văn A"})
	if r.Status != http.StatusForbidden || errOf(r).Error.Message != "you may not issue controlled copies of documents of unit tnmt" {
		t.Fatalf("staff issued a copy: %s", r)
	}
	r = f.As("coordinator").Do("POST", "/api/v1/revisions/"+rev1+"/copies", map[string]string{"unit": "tnmt", "holder": " "})
	if r.Status != http.StatusBadRequest || errOf(r).Error.Fields["holder"] == "" {
		t.Fatalf("a copy without a holder: %s", r)
	}
	r = f.As("coordinator").Do("POST", "/api/v1/revisions/"+rev1+"/copies", map[string]string{"unit": "", "holder": "Nguyễn Văn A"})
	if r.Status != http.StatusBadRequest || errOf(r).Error.Fields["unit"] != "choose the unit that receives the copy" {
		t.Fatalf("a copy without a unit: %s", r)
	}
	r = f.As("coordinator").Do("POST", "/api/v1/revisions/"+rev1+"/copies", map[string]string{"unit": "khong-co", "holder": "Nguyễn Văn A"})
	if r.Status != http.StatusBadRequest {
		t.Fatalf("a copy to a unit that does not exist: %s", r)
	}
	if n := countRows(t, env, `SELECT count(*) FROM controlled_copies`); n != 0 {
		t.Fatalf("%d copies after refusals", n)
	}
	if n := countRows(t, env, `SELECT count(*) FROM trail`); n != trailBefore {
		t.Fatal("a refusal wrote the trail")
	}

	// The coordinator issues two numbered copies.
	var c1, c2 copyOut
	apptest.Expect(t, "issue 1", f.As("coordinator").Do("POST", "/api/v1/revisions/"+rev1+"/copies", map[string]string{"unit": "tnmt", "holder": "Nguyễn Văn A"}), 201, &c1)
	apptest.Expect(t, "issue 2", f.As("coordinator").Do("POST", "/api/v1/revisions/"+rev1+"/copies", map[string]string{"unit": "vp", "holder": "Trần Thị B"}), 201, &c2)
	if c1.No != 1 || c2.No != 2 || c1.ToWithdraw {
		t.Fatalf("copies %+v %+v", c1, c2)
	}
	if n := countRows(t, env, `SELECT count(*) FROM trail WHERE action = 'copy.issue' AND object_id = $1`, c2.ID); n != 1 {
		t.Fatalf("copy.issue trail entries: %d", n)
	}
	r = f.As("coordinator").Do("GET", "/api/v1/revisions/"+rev1+"/controlled-copy.pdf?lang=vi&copy="+c2.ID, nil).MustStatus(200)
	txt = squash(pdfText(t, r.Body))
	for _, want := range []string{"BẢN KIỂM SOÁT SỐ 02", "Trần Thị B", "Văn phòng", "/public/check/" + rev1} {
		if !strings.Contains(txt, want) {
			t.Errorf("controlled copy lacks %q:\n%s", want, txt)
		}
	}
	if r := f.As("staff.tnmt").Do("GET", "/api/v1/revisions/"+rev1+"/controlled-copy.pdf?copy="+c2.ID, nil); r.Status != http.StatusForbidden {
		t.Fatalf("staff reprinted a controlled copy: %s", r)
	}
	if r := f.As("coordinator").Do("GET", "/api/v1/revisions/"+rev1+"/controlled-copy.pdf?copy=00000000-0000-0000-0000-000000000000", nil); r.Status != http.StatusNotFound {
		t.Fatalf("an unknown copy: %s", r)
	}

	if r := f.As("coordinator").Do("GET", "/api/v1/revisions/"+rev1+"/controlled-copy.pdf?unit=tnmt&holder=X", nil); r.Status != http.StatusBadRequest ||
		!strings.HasPrefix(errOf(r).Error.Message, "a controlled copy is issued with POST") {
		t.Fatalf("a print asking to issue: %s", r)
	}

	// The check page while the revision is in force: public, both languages.
	r = env.Anon().Do("GET", "/public/check/"+rev1, nil).MustStatus(200)
	if b := string(r.Body); !strings.Contains(b, "ĐANG CÓ HIỆU LỰC") || !strings.Contains(b, "IS IN FORCE") || !strings.Contains(b, doc.Code) {
		t.Fatalf("check page of the revision in force:\n%s", b)
	}
	if r := f.As("coordinator").Do("GET", "/api/v1/revisions/"+rev1+"/copies", nil).MustStatus(200); strings.Contains(string(r.Body), `"to_withdraw":true`) {
		t.Fatalf("copies to withdraw while the revision is in force: %s", r.Body)
	}

	// Issue 02 supersedes issue 01.
	rev2 := newIssue(t, f, docID, "Cập nhật theo Nghị định mới")
	r = env.Anon().Do("GET", "/public/check/"+rev1, nil).MustStatus(200)
	if b := string(r.Body); !strings.Contains(b, "đã được thay thế bằng lần ban hành 02 từ ngày "+today) ||
		!strings.Contains(b, "superseded by issue 02 on "+today) || strings.Contains(b, "ĐANG CÓ HIỆU LỰC") {
		t.Fatalf("check page of the superseded revision:\n%s", b)
	}
	var ch struct {
		State   string `json:"state"`
		ByIssue int    `json:"superseded_by_issue"`
		By      string `json:"superseded_by"`
	}
	apptest.Expect(t, "check api", env.Anon().Do("GET", "/api/v1/public/check/"+rev1, nil), 200, &ch)
	if ch.State != "superseded" || ch.ByIssue != 2 || ch.By != rev2 {
		t.Fatalf("check %+v", ch)
	}
	apptest.Expect(t, "check api 2", env.Anon().Do("GET", "/api/v1/public/check/"+rev2, nil), 200, &ch)
	if ch.State != "effective" {
		t.Fatalf("check of the new revision %+v", ch)
	}

	// Its copies are to withdraw.
	var out struct{ Items []copyOut }
	apptest.Expect(t, "to withdraw", f.As("coordinator").Do("GET", "/api/v1/copies/to-withdraw", nil), 200, &out)
	if len(out.Items) != 2 || !out.Items[0].ToWithdraw || out.Items[0].RevisionID != rev1 {
		t.Fatalf("copies to withdraw %+v", out.Items)
	}
	apptest.Expect(t, "staff to withdraw", f.As("staff.tnmt").Do("GET", "/api/v1/copies/to-withdraw", nil), 200, &out)
	if len(out.Items) != 0 {
		t.Fatalf("staff sees copies to withdraw %+v", out.Items)
	}
	// The coordinator's home page has a task per copy to withdraw.
	var tasks struct {
		Items []struct{ Kind, Title, Link string }
	}
	apptest.Expect(t, "tasks", f.As("coordinator").Do("GET", "/api/v1/tasks", nil), 200, &tasks)
	withdrawTasks := 0
	for _, tk := range tasks.Items {
		if tk.Kind == "withdraw_copy" {
			withdrawTasks++
			if tk.Link == "/copies#copy-"+c2.ID && !strings.Contains(tk.Title, "Trần Thị B") {
				t.Errorf("task %+v", tk)
			}
		}
	}
	if withdrawTasks != 2 {
		t.Fatalf("withdrawal tasks %d: %+v", withdrawTasks, tasks.Items)
	}
	// A superseded revision takes no new copy and its copies are not reprinted.
	r = f.As("coordinator").Do("POST", "/api/v1/revisions/"+rev1+"/copies", map[string]string{"unit": "tnmt", "holder": "Lê C"})
	if r.Status != http.StatusConflict || errOf(r).Error.Message != "only the revision in force can be issued as a controlled copy" {
		t.Fatalf("a copy of a superseded revision: %s", r)
	}
	r = f.As("coordinator").Do("GET", "/api/v1/revisions/"+rev1+"/controlled-copy.pdf?copy="+c1.ID, nil)
	if r.Status != http.StatusConflict {
		t.Fatalf("reprint of a superseded copy: %s", r)
	}
	// The uncontrolled print of the old issue says it is superseded.
	r = f.As("coordinator").Do("GET", "/api/v1/revisions/"+rev1+"/controlled-copy.pdf", nil).MustStatus(200)
	if txt := squash(pdfText(t, r.Body)); !strings.Contains(txt, "Lần ban hành này đã được thay thế") {
		t.Errorf("old issue printed without its state:\n%s", txt)
	}
	// The new issue's revision table lists both issues.
	r = f.As("coordinator").Do("GET", "/api/v1/revisions/"+rev2+"/controlled-copy.pdf?lang=vi", nil).MustStatus(200)
	txt = squash(pdfText(t, r.Body))
	for _, want := range []string{"Lần ban hành: 02", "Ban hành lần đầu", "Cập nhật theo Nghị định mới", "/public/check/" + rev2} {
		if !strings.Contains(txt, want) {
			t.Errorf("issue 02 lacks %q:\n%s", want, txt)
		}
	}
	if !regexp.MustCompile(`(?s)01 .*Ban hành lần đầu.*02 .*Cập nhật theo Nghị định mới`).MatchString(txt) {
		t.Errorf("revision table out of order:\n%s", txt)
	}

	// Withdrawing: staff may not; the coordinator does, once.
	// (staff do not see a superseded revision: its copy is "not found" to them)
	if r := f.As("staff.tnmt").Do("POST", "/api/v1/copies/"+c1.ID+"/withdraw", nil); r.Status != http.StatusNotFound {
		t.Fatalf("staff withdrew a copy: %s", r)
	}
	if r := f.As("head.tnmt").Do("POST", "/api/v1/copies/"+c1.ID+"/withdraw", nil); r.Status != http.StatusForbidden ||
		errOf(r).Error.Message != "you may not withdraw controlled copies of documents of unit tnmt" {
		t.Fatalf("the head withdrew a copy: %s", r)
	}
	f.As("coordinator").Do("POST", "/api/v1/copies/"+c1.ID+"/withdraw", nil).MustStatus(200)
	r = f.As("coordinator").Do("POST", "/api/v1/copies/"+c1.ID+"/withdraw", nil)
	if r.Status != http.StatusConflict || errOf(r).Error.Message != "controlled copy 1 is already withdrawn" {
		t.Fatalf("second withdrawal: %s", r)
	}
	apptest.Expect(t, "to withdraw after", f.As("coordinator").Do("GET", "/api/v1/copies/to-withdraw", nil), 200, &out)
	if len(out.Items) != 1 || out.Items[0].ID != c2.ID {
		t.Fatalf("copies to withdraw after one withdrawal %+v", out.Items)
	}
	if n := countRows(t, env, `SELECT count(*) FROM trail WHERE action = 'copy.withdraw' AND object_id = $1`, c1.ID); n != 1 {
		t.Fatalf("copy.withdraw trail entries: %d", n)
	}

	// Copies are numbered per issue: the new issue's first copy is 01, and
	// a copy is printed only with its own revision.
	var c3 copyOut
	apptest.Expect(t, "issue on 02", f.As("coordinator").Do("POST", "/api/v1/revisions/"+rev2+"/copies", map[string]string{"unit": "tnmt", "holder": "Lê C"}), 201, &c3)
	if c3.No != 1 {
		t.Fatalf("first copy of issue 02 is number %d", c3.No)
	}
	if r := f.As("coordinator").Do("GET", "/api/v1/revisions/"+rev2+"/controlled-copy.pdf?copy="+c2.ID, nil); r.Status != http.StatusNotFound {
		t.Fatalf("a copy of issue 01 printed as issue 02: %s", r)
	}
	// A withdrawn document: the check page says so, and its copies are to withdraw.
	f.As("coordinator").Do("POST", "/api/v1/documents/"+docID+"/withdraw", map[string]string{"reason": "Thủ tục bị bãi bỏ"}).MustStatus(200)
	apptest.Expect(t, "check withdrawn", env.Anon().Do("GET", "/api/v1/public/check/"+rev2, nil), 200, &ch)
	if ch.State != "withdrawn" {
		t.Fatalf("check of a withdrawn document %+v", ch)
	}
	if b := string(env.Anon().Do("GET", "/public/check/"+rev2, nil).MustStatus(200).Body); !strings.Contains(b, "ĐÃ BỊ THU HỒI từ ngày "+today) || !strings.Contains(b, "WITHDRAWN on "+today) {
		t.Fatalf("check page of a withdrawn document:\n%s", b)
	}
	apptest.Expect(t, "to withdraw after withdrawal", f.As("coordinator").Do("GET", "/api/v1/copies/to-withdraw", nil), 200, &out)
	if len(out.Items) != 2 {
		t.Fatalf("copies to withdraw of a withdrawn document %+v", out.Items)
	}

	// Unknown ids on the check page are the 404 page, never a 500; a draft
	// is not known there either.
	for _, id := range []string{"00000000-0000-0000-0000-000000000000", "not-a-revision"} {
		if r := env.Anon().AsForm().Do("GET", "/public/check/"+id, nil); r.Status != http.StatusNotFound || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("check of %s: %d %s", id, r.Status, r.Header.Get("Content-Type"))
		}
	}
	draft := f.Revision(t, "author.tnmt", f.Document(t, "author.tnmt", "tnmt"))
	if r := env.Anon().Do("GET", "/public/check/"+draft, nil); r.Status != http.StatusNotFound {
		t.Fatalf("check of a draft: %d", r.Status)
	}
	if r := f.As("coordinator").Do("GET", "/api/v1/revisions/"+draft+"/controlled-copy.pdf", nil); r.Status != http.StatusConflict {
		t.Fatalf("print of a draft: %s", r)
	}

	// The pages.
	for _, p := range []string{"/revisions/" + rev1 + "/copies", "/copies"} {
		r := f.As("coordinator").Do("GET", p, nil).MustStatus(200)
		if !strings.Contains(string(r.Body), "Trần Thị B") && p == "/copies" || !strings.Contains(string(r.Body), "Nguyễn Văn A") && p != "/copies" {
			t.Errorf("%s does not list the copy out", p)
		}
	}
}

// newIssue takes the next revision of a document to effective (as the
// EffectiveDocument fixture does) and returns its id.
func newIssue(t *testing.T, f *apptest.Fixtures, docID, change string) string {
	t.Helper()
	var rv struct {
		ID string `json:"id"`
	}
	apptest.Expect(t, "new issue", f.As("author.tnmt").Multipart("/api/v1/documents/"+docID+"/revisions", map[string]string{"change": change},
		apptest.File{Field: "file", Name: "quy-trinh-02.txt", Content: []byte("Nội dung lần 2")}), http.StatusCreated, &rv)
	f.Submit(t, "author.tnmt", rv.ID, "head.tnmt")
	f.Review(t, "head.tnmt", rv.ID)
	f.Approve(t, "chairman", rv.ID)
	f.Publish(t, rv.ID)
	return rv.ID
}

// TestControlledCopyNumbersConcurrent: copies issued at the same moment get
// distinct numbers 1..n, none refused (the revision's row lock orders them).
func TestControlledCopyNumbersConcurrent(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	_, rev := f.EffectiveDocument(t, "vp")
	co := f.As("coordinator")
	const n = 6
	res := make(chan *apptest.Response, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			res <- co.Do("POST", "/api/v1/revisions/"+rev+"/copies", map[string]string{"unit": "vp", "holder": fmt.Sprintf("Người %d", i)})
		}(i)
	}
	seen := map[int]bool{}
	for i := 0; i < n; i++ {
		r := <-res
		if r.Status != http.StatusCreated {
			t.Fatalf("concurrent issue: %s", r)
		}
		var c copyOut
		r.Decode(&c)
		seen[c.No] = true
	}
	for i := 1; i <= n; i++ {
		if !seen[i] {
			t.Fatalf("numbers %v, want 1..%d", seen, n)
		}
	}
}

// TestControlledCopyCarriesTheProcedurePages: when the procedure's main
// file is a PDF, its printed copy (uncontrolled or controlled) is the cover
// sheet followed by the file's own pages read from the object store, each
// under the header numbered out of the whole copy and over the copy's mark;
// a later issue's file is printed for that issue, and the superseded
// issue's copy (which the coordinator may still print) keeps its own.
func TestControlledCopyCarriesTheProcedurePages(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	file := apptest.TextPDF(t, []string{"Bước 1: tiếp nhận hồ sơ đất đai tại Bộ phận Một cửa"}, []string{"Bước 2: thẩm định hồ sơ tại phòng"})
	docID, rev1 := f.EffectiveDocumentWith(t, "tnmt", apptest.File{Name: "quy-trinh-dat-dai.pdf", Content: file})
	var doc struct {
		Code string `json:"code"`
	}
	apptest.Expect(t, "doc", f.As("coordinator").Do("GET", "/api/v1/documents/"+docID, nil), 200, &doc)
	var c1 copyOut
	apptest.Expect(t, "issue", f.As("coordinator").Do("POST", "/api/v1/revisions/"+rev1+"/copies", map[string]string{"unit": "vp", "holder": "Bộ phận Một cửa"}), 201, &c1)
	r := f.As("coordinator").Do("GET", "/api/v1/revisions/"+rev1+"/controlled-copy.pdf?lang=vi&copy="+c1.ID, nil).MustStatus(200)
	pages := strings.Split(strings.TrimRight(squash(pdfText(t, r.Body)), "\f\n "), "\f")
	if len(pages) != 3 {
		t.Fatalf("the copy has %d pages, want the cover and the file's two:\n%s", len(pages), strings.Join(pages, "\n=====\n"))
	}
	for i, want := range [][]string{
		{"Bước 1: tiếp nhận hồ sơ đất đai tại Bộ phận Một cửa", "Trang: 2/3"},
		{"Bước 2: thẩm định hồ sơ tại phòng", "Trang: 3/3"},
	} {
		for _, w := range append(want, "Mã hiệu: "+doc.Code, "Lần ban hành: 01", "BẢN KIỂM SOÁT SỐ 01 (Văn phòng HĐND và UBND — Bộ phận Một cửa)") {
			if !strings.Contains(pages[i+1], w) {
				t.Errorf("page %d lacks %q:\n%s", i+2, w, pages[i+1])
			}
		}
	}
	if !strings.Contains(pages[0], "quy-trinh-dat-dai.pdf") || !strings.Contains(pages[0], "Các trang sau là 2 trang của tệp này") {
		t.Errorf("the cover does not name the file and its pages:\n%s", pages[0])
	}

	// Issue 2 with a one-page file: its copy carries that page, and the
	// uncontrolled copy of issue 1, now superseded, still prints issue 1's.
	author := "author.tnmt"
	rev2 := f.RevisionWith(t, author, docID, apptest.File{Name: "quy-trinh-moi.pdf", Content: apptest.TextPDF(t, []string{"Quy trình mới: hồ sơ nộp trực tuyến"})})
	f.Submit(t, author, rev2, "head.tnmt")
	f.Review(t, "head.tnmt", rev2)
	f.Approve(t, "chairman", rev2)
	f.Publish(t, rev2)
	r = f.As("staff.tnmt").Do("GET", "/api/v1/revisions/"+rev2+"/controlled-copy.pdf?lang=vi", nil).MustStatus(200)
	pages = strings.Split(strings.TrimRight(squash(pdfText(t, r.Body)), "\f\n "), "\f")
	if len(pages) != 2 || !strings.Contains(pages[1], "Quy trình mới: hồ sơ nộp trực tuyến") || !strings.Contains(pages[1], "BẢN KHÔNG KIỂM SOÁT") ||
		strings.Contains(strings.Join(pages, ""), "Bước 1") {
		t.Errorf("issue 2's copy:\n%s", strings.Join(pages, "\n=====\n"))
	}
	r = f.As("coordinator").Do("GET", "/api/v1/revisions/"+rev1+"/controlled-copy.pdf?lang=vi", nil).MustStatus(200)
	pages = strings.Split(strings.TrimRight(squash(pdfText(t, r.Body)), "\f\n "), "\f")
	if len(pages) != 3 || !strings.Contains(pages[1], "Bước 1") || !strings.Contains(pages[0], "Lần ban hành này đã được thay thế") {
		t.Errorf("issue 1's copy after issue 2:\n%s", strings.Join(pages, "\n=====\n"))
	}
}
