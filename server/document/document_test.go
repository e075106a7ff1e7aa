package document_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
)

const pw = apptest.Password

type fixture struct {
	t     *testing.T
	db    *sqlx.DB
	svc   *document.Service
	ids   *identity.Service
	now   time.Time
	mu    sync.Mutex
	users map[string]qms.Actor
	blobs document.Blobs
	authz *authz.Enforcer
	clock func() time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	url := testenv.SeededDatabaseURL(t, apptest.DemoSeeder)
	db, err := postgres.Open(context.Background(), url, 40)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bl := testenv.Blob(t)
	enf, err := authz.New(db)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, now: time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC), users: map[string]qms.Actor{}}
	clock := func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
	f.ids = identity.NewService(postgres.NewIdentityStore(db), time.Now, identity.Options{SessionIdle: time.Hour,
		SessionMax: time.Hour, LoginMaxFailures: 1000, LoginWindow: time.Minute})
	f.svc = document.New(postgres.NewDocumentStore(db), bl, enf, f.ids, document.Options{Now: clock})
	f.blobs, f.authz, f.clock = bl, enf, clock
	return f
}

func (f *fixture) setNow(t time.Time) { f.mu.Lock(); f.now = t; f.mu.Unlock() }

// as returns a context acting as the demo user login.
func (f *fixture) as(login string) context.Context {
	f.t.Helper()
	f.mu.Lock()
	a, ok := f.users[login]
	f.mu.Unlock()
	if !ok {
		u, err := f.ids.UserByLogin(context.Background(), login)
		if err != nil {
			f.t.Fatalf("user %s: %v", login, err)
		}
		a = qms.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Lang: "vi", Via: "session"}
		f.mu.Lock()
		f.users[login] = a
		f.mu.Unlock()
	}
	return qms.WithActor(context.Background(), a)
}

func mustKind(t *testing.T, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error %v, want kind %v", err, kind)
	}
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// docx builds a minimal Word document holding text.
func docx(text string) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	w, _ := z.Create("[Content_Types].xml")
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`)
	w, _ = z.Create("_rels/.rels")
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`)
	w, _ = z.Create("word/document.xml")
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>`+text+`</w:t></w:r></w:p></w:body></w:document>`)
	z.Close()
	return buf.Bytes()
}

// file is an upload of body named name.
func file(name string, body []byte) qms.Upload {
	return qms.Upload{Name: name, Body: bytes.NewReader(body)}
}

// revise starts the next revision of a document with the files.
func (f *fixture) revise(ctx context.Context, docID, change string, files ...qms.Upload) (document.Revision, error) {
	return f.svc.CreateRevision(ctx, docID, document.NewRevision{Change: change, Files: qms.FilesOf(files...)})
}

// addFiles adds files to a draft revision.
func (f *fixture) addFiles(ctx context.Context, revID string, files ...qms.Upload) (document.Revision, error) {
	return f.svc.AddFiles(ctx, revID, document.NewFiles{Files: qms.FilesOf(files...)})
}

// index does the documents.index job's work: the text of every waiting file.
func (f *fixture) index() document.IndexReport {
	f.t.Helper()
	rep, err := f.svc.IndexText(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return rep
}

func (f *fixture) newDoc(code, unit string, public bool) document.Document {
	f.t.Helper()
	months := 12
	d, err := f.svc.Create(f.as("coordinator"), document.NewDocument{Code: code, Title: "Quy trình cấp phép xây dựng " + code,
		Type: document.TypeProcedure, Unit: unit, Clauses: []string{"8.2", "7.5.3"}, ReviewMonths: &months, Public: public})
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// published drives a revision from upload to effective and returns it.
func (f *fixture) published(d document.Document, author, reviewer, approver string, text string) document.Revision {
	f.t.Helper()
	ctx := f.as(author)
	r := must[document.Revision](f.t)(f.revise(ctx, d.ID, "Ban hành "+text, file("Quy trình.txt", []byte(text))))
	must[document.Revision](f.t)(f.svc.Submit(ctx, r.ID, []string{reviewer}))
	must[document.Revision](f.t)(f.svc.Review(f.as(reviewer), r.ID, document.DecisionApprove, "", pw))
	must[document.Revision](f.t)(f.svc.Approve(f.as(approver), r.ID, pw))
	return must[document.Revision](f.t)(f.svc.Publish(f.as("coordinator"), r.ID, pw, ""))
}

func TestWholeWorkflow(t *testing.T) {
	f := newFixture(t)
	d := f.newDoc("QT-07", "tnmt", true)
	if d.Status != document.DocDraft || d.Code != "QT-07" {
		t.Fatalf("new document: %+v", d)
	}
	author := f.as("author.tnmt")
	r := must[document.Revision](t)(f.revise(author, d.ID, "Ban hành lần đầu",
		file("Quy trình cấp đất.docx", docx("Hồ sơ giao đất nông nghiệp")), file("Biểu mẫu 01.txt", []byte("Mẫu đơn đề nghị"))))
	if r.Issue != 1 || r.Status != document.StatusDraft || len(r.Files) != 2 || r.Files[0].Kind != document.KindMain {
		t.Fatalf("revision: %+v", r)
	}
	main := r.Files[0]
	if main.MediaType != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" || main.Name != "Quy trình cấp đất.docx" {
		t.Fatalf("main file %q, media type %q", main.Name, main.MediaType)
	}
	// A second revision while one is in progress is refused.
	_, err := f.revise(author, d.ID, "again")
	mustKind(t, err, qms.ErrState)

	// Submit: the author cannot be a reviewer.
	_, err = f.svc.Submit(author, r.ID, []string{"author.tnmt"})
	mustKind(t, err, qms.ErrForbidden)
	must[document.Revision](t)(f.svc.Submit(author, r.ID, []string{"head.tnmt"}))

	// Reviewer asks for changes with a comment (signature), back to draft.
	reviewer := f.as("head.tnmt")
	_, err = f.svc.Review(reviewer, r.ID, document.DecisionChanges, "", pw)
	mustKind(t, err, qms.ErrInvalid) // a comment is required
	_, err = f.svc.Review(reviewer, r.ID, document.DecisionChanges, "Sửa mục 3", "wrong-password")
	mustKind(t, err, qms.ErrForbidden)
	r = must[document.Revision](t)(f.svc.Review(reviewer, r.ID, document.DecisionChanges, "Sửa mục 3", pw))
	if r.Status != document.StatusDraft || len(r.Signatures) != 1 || r.Signatures[0].Meaning != document.MeaningChanges {
		t.Fatalf("after changes: %s %+v", r.Status, r.Signatures)
	}
	if got := r.Signatures[0].SHA256s; len(got) != 2 || got[0] != main.SHA256 {
		t.Fatalf("signature hashes %v", got)
	}

	// Author replaces the main file: a new version of the same object; the
	// earlier signature is void.
	r = must[document.Revision](t)(f.svc.AddFiles(author, r.ID, document.NewFiles{Replace: main.ID,
		Files: qms.FilesOf(file("Quy trình v2.docx", docx("Hồ sơ giao đất, bản sửa")))}))
	if len(r.Files) != 2 || len(r.OldFiles) != 1 || r.Signatures[0].VoidedAt == nil {
		t.Fatalf("after replace: files %d old %d sig %+v", len(r.Files), len(r.OldFiles), r.Signatures[0])
	}
	repl, _ := r.MainFile()
	if repl.Key != main.Key || repl.VersionID == main.VersionID || repl.Name != "Quy trình v2.docx" {
		t.Fatalf("replacement should be a new version of %s: %+v", main.Key, repl.StoredObject)
	}
	// A file that is no longer current cannot be replaced.
	_, err = f.svc.AddFiles(author, r.ID, document.NewFiles{Replace: main.ID, Files: qms.FilesOf(file("v3.txt", []byte("x")))})
	mustKind(t, err, qms.ErrNotFound)
	must[document.Revision](t)(f.svc.Submit(author, r.ID, []string{"head.tnmt"}))
	r = must[document.Revision](t)(f.svc.Review(reviewer, r.ID, document.DecisionApprove, "Đạt", pw))

	// Separation of duties: the reviewer and the author cannot approve.
	_, err = f.svc.Approve(reviewer, r.ID, pw)
	mustKind(t, err, qms.ErrForbidden)
	_, err = f.svc.Approve(author, r.ID, pw)
	mustKind(t, err, qms.ErrForbidden) // no approve permission at all
	// Staff cannot see the draft at all.
	_, _, err = f.svc.Revision(f.as("staff.tnmt"), r.ID)
	mustKind(t, err, qms.ErrNotFound)

	r = must[document.Revision](t)(f.svc.Approve(f.as("chairman"), r.ID, pw))
	if r.Status != document.StatusApproved {
		t.Fatalf("status %s", r.Status)
	}
	_, err = f.svc.Publish(f.as("head.tnmt"), r.ID, pw, "")
	mustKind(t, err, qms.ErrForbidden)
	r = must[document.Revision](t)(f.svc.Publish(f.as("coordinator"), r.ID, pw, ""))
	if r.Status != document.StatusEffective {
		t.Fatalf("status %s", r.Status)
	}
	var live []string
	for _, s := range r.Signatures {
		if s.VoidedAt == nil {
			live = append(live, s.Meaning)
			if s.SHA256s[0] != repl.SHA256 {
				t.Fatalf("signature %s covers %v", s.Meaning, s.SHA256s)
			}
		}
	}
	if strings.Join(live, ",") != "reviewed,approved,published" {
		t.Fatalf("live signatures %v", live)
	}

	// Acknowledgement: everyone of unit tnmt (no distribution listed).
	staff := f.as("staff.tnmt")
	owed, _, err := f.svc.MyWork(staff)
	if err != nil || len(owed) != 1 || owed[0].RevisionID != r.ID || owed[0].Issue != 1 || owed[0].Code != "QT-07" {
		t.Fatalf("acknowledgements owed %+v, %v", owed, err)
	}
	if ackd, err := f.svc.Acknowledge(staff, r.ID); err != nil || ackd.ID != r.ID {
		t.Fatalf("acknowledged %s: %v", ackd.ID, err)
	}
	_, err = f.svc.Acknowledge(staff, r.ID)
	mustKind(t, err, qms.ErrState)
	_, err = f.svc.Acknowledge(f.as("staff.vp"), r.ID)
	mustKind(t, err, qms.ErrNotFound)
	acks := must[[]document.Ack](t)(f.svc.Acks(f.as("coordinator"), r.ID))
	acked := map[string]bool{}
	for _, a := range acks {
		acked[a.Login] = a.AckedAt != nil
	}
	if len(acks) != 3 || !acked["staff.tnmt"] || acked["author.tnmt"] {
		t.Fatalf("acks %+v", acked)
	}
	_, err = f.svc.Acks(staff, r.ID)
	mustKind(t, err, qms.ErrForbidden)

	// Revision 02 supersedes 01 in the same transaction.
	r2 := f.published(d, "author.tnmt", "head.tnmt", "chairman", "Lần hai")
	if r2.Issue != 2 || r2.Status != document.StatusEffective {
		t.Fatalf("r2 %+v", r2)
	}
	_, old, err := f.svc.Revision(f.as("coordinator"), r.ID)
	if err != nil || old.Status != document.StatusSuperseded || old.SupersededAt == nil {
		t.Fatalf("old revision %s %v", old.Status, err)
	}
	// Staff see the effective revision only, never the superseded one.
	doc := must[document.Document](t)(f.svc.Get(staff, d.ID))
	if len(doc.Revisions) != 1 || doc.Revisions[0].ID != r2.ID {
		t.Fatalf("staff sees %d revisions", len(doc.Revisions))
	}
	_, _, err = f.svc.Revision(staff, r.ID)
	mustKind(t, err, qms.ErrNotFound)
	_, _, err = f.svc.Revision(f.as("auditor"), r.ID)
	if err != nil {
		t.Fatalf("auditor reads history: %v", err)
	}
	// /d/{code} serves the effective main file.
	_, cur, file, obj, err := f.svc.OpenCurrent(context.Background(), "qt-07")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(obj)
	obj.Close()
	if cur.ID != r2.ID || string(body) != "Lần hai" || file.Kind != document.KindMain {
		t.Fatalf("current %s %q", cur.ID, body)
	}

	// Withdrawal: obsolete, never served as current, history kept.
	_, err = f.svc.Withdraw(f.as("head.tnmt"), d.ID, "replaced by law")
	mustKind(t, err, qms.ErrForbidden)
	wd := must[document.Document](t)(f.svc.Withdraw(f.as("coordinator"), d.ID, "Thay thế bởi QT-08"))
	if wd.Status != document.DocObsolete {
		t.Fatalf("withdrawn: %s", wd.Status)
	}
	_, _, _, _, err = f.svc.OpenCurrent(f.as("coordinator"), "QT-07")
	mustKind(t, err, qms.ErrNotFound)
	_, err = f.svc.Get(staff, d.ID)
	mustKind(t, err, qms.ErrNotFound)
	got := must[document.Document](t)(f.svc.Get(f.as("auditor"), d.ID))
	if got.Status != document.DocObsolete || len(got.Revisions) != 2 {
		t.Fatalf("auditor sees %s with %d revisions", got.Status, len(got.Revisions))
	}
	_, err = f.svc.Withdraw(f.as("coordinator"), d.ID, "again")
	mustKind(t, err, qms.ErrState)

	// Every act is in the trail, and the chain verifies.
	res, err := postgres.NewTrailStore(f.db).Verify(context.Background())
	if err != nil || !res.OK {
		t.Fatalf("trail %+v %v", res, err)
	}
	var actions []string
	if err := f.db.Select(&actions, `SELECT action FROM trail WHERE action LIKE 'revision.%' OR action LIKE 'document.%' ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"document.create", "revision.create", "revision.submit", "revision.review", "revision.files",
		"revision.approve", "revision.publish", "revision.effective", "revision.acknowledge", "document.withdraw"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("trail lacks %s: %v", want, actions)
		}
	}
}

func TestWrongStateTransitions(t *testing.T) {
	f := newFixture(t)
	d := f.newDoc("QT-01", "vp", false)
	author := f.as("author.vp")
	r := must[document.Revision](t)(f.revise(author, d.ID, "draft", file("a.txt", []byte("nội dung"))))
	type act func(id string) error
	review := func(id string) error { _, err := f.svc.Review(f.as("head.vp"), id, "approve", "", pw); return err }
	approve := func(id string) error { _, err := f.svc.Approve(f.as("chairman"), id, pw); return err }
	publish := func(id string) error { _, err := f.svc.Publish(f.as("coordinator"), id, pw, ""); return err }
	submit := func(id string) error { _, err := f.svc.Submit(author, id, []string{"head.vp"}); return err }
	ack := func(id string) error { _, err := f.svc.Acknowledge(f.as("staff.vp"), id); return err }
	upload := func(id string) error {
		_, err := f.addFiles(author, id, file("b.txt", []byte("x")))
		return err
	}
	for _, tc := range []struct {
		state string
		acts  map[string]act
	}{
		{"draft", map[string]act{"approve": approve, "publish": publish}},
		{"in_review", map[string]act{"submit": submit, "publish": publish, "approve": approve, "upload": upload}},
		{"approved", map[string]act{"submit": submit, "review": review, "approve": approve, "upload": upload}},
		{"effective", map[string]act{"submit": submit, "review": review, "approve": approve, "publish": publish, "upload": upload}},
	} {
		switch tc.state {
		case "in_review":
			if err := submit(r.ID); err != nil {
				t.Fatal(err)
			}
		case "approved":
			if err := review(r.ID); err != nil {
				t.Fatal(err)
			}
			if err := approve(r.ID); err != nil {
				t.Fatal(err)
			}
		case "effective":
			if err := publish(r.ID); err != nil {
				t.Fatal(err)
			}
		}
		for name, a := range tc.acts {
			err := a(r.ID)
			if !errors.Is(err, qms.ErrState) && !errors.Is(err, qms.ErrForbidden) {
				t.Errorf("%s in state %s: %v, want a state error", name, tc.state, err)
			}
			if name != "approve" && name != "review" && !errors.Is(err, qms.ErrState) {
				t.Errorf("%s in state %s: %v, want kind state", name, tc.state, err)
			}
		}
		if tc.state == "draft" {
			mustKind(t, ack(r.ID), qms.ErrNotFound) // staff cannot see a draft
		}
	}
	// A draft can be discarded (kept as obsolete), and then a new one started.
	d2 := f.newDoc("QT-02", "vp", false)
	r2 := must[document.Revision](t)(f.revise(author, d2.ID, "nháp bỏ"))
	_, err := f.svc.Discard(author, r2.ID, "")
	mustKind(t, err, qms.ErrInvalid)
	_, err = f.svc.Discard(f.as("staff.vp"), r2.ID, "x")
	mustKind(t, err, qms.ErrNotFound)
	r2 = must[document.Revision](t)(f.svc.Discard(author, r2.ID, "làm lại"))
	if r2.Status != document.StatusObsolete {
		t.Fatalf("discarded: %s", r2.Status)
	}
	_, err = f.svc.Discard(author, r2.ID, "again")
	mustKind(t, err, qms.ErrNotFound) // authors do not read obsolete revisions
	_, err = f.svc.Discard(f.as("coordinator"), r2.ID, "again")
	mustKind(t, err, qms.ErrState)
	r3 := must[document.Revision](t)(f.revise(author, d2.ID, "mới"))
	if r3.Issue != 2 {
		t.Fatalf("next issue %d", r3.Issue)
	}
	_, err = f.svc.Discard(author, r.ID, "effective")
	mustKind(t, err, qms.ErrState)
	// Withdrawn: nothing more happens.
	must[document.Document](t)(f.svc.Withdraw(f.as("coordinator"), d.ID, "no longer used"))
	_, err = f.revise(author, d.ID, "x")
	mustKind(t, err, qms.ErrState)
}

func TestConcurrentApprovalsAndPublishes(t *testing.T) {
	f := newFixture(t)
	d := f.newDoc("QT-20", "noivu", false)
	author := f.as("author.noivu")
	r := must[document.Revision](t)(f.revise(author, d.ID, "x", file("a.txt", []byte("abc"))))
	must[document.Revision](t)(f.svc.Submit(author, r.ID, []string{"head.noivu"}))
	must[document.Revision](t)(f.svc.Review(f.as("head.noivu"), r.ID, "approve", "", pw))
	race := func(act func(ctx context.Context) error) (ok, lost int64) {
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := act(f.as("chairman"))
				switch {
				case err == nil:
					atomic.AddInt64(&ok, 1)
				case errors.Is(err, qms.ErrState) || errors.Is(err, qms.ErrConflict):
					atomic.AddInt64(&lost, 1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		return ok, lost
	}
	if ok, lost := race(func(ctx context.Context) error { _, err := f.svc.Approve(ctx, r.ID, pw); return err }); ok != 1 || lost != 19 {
		t.Fatalf("approvals: %d won, %d lost", ok, lost)
	}
	// chairman is head everywhere but publishing needs the coordinator.
	var okP, lostP int64
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.Publish(f.as("coordinator"), r.ID, pw, "")
			switch {
			case err == nil:
				atomic.AddInt64(&okP, 1)
			case errors.Is(err, qms.ErrState) || errors.Is(err, qms.ErrConflict):
				atomic.AddInt64(&lostP, 1)
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	wg.Wait()
	if okP != 1 || lostP != 19 {
		t.Fatalf("publishes: %d won, %d lost", okP, lostP)
	}
	var sigs, effective int
	f.db.Get(&sigs, `SELECT count(*) FROM signatures WHERE object_id = $1 AND meaning IN ('approved', 'published')`, r.ID)
	f.db.Get(&effective, `SELECT count(*) FROM revisions WHERE document_id = $1 AND status = 'effective'`, d.ID)
	if sigs != 2 || effective != 1 {
		t.Fatalf("signatures %d effective %d", sigs, effective)
	}
}

func TestScheduledPublication(t *testing.T) {
	f := newFixture(t)
	d := f.newDoc("QT-30", "vhtt", false)
	first := f.published(d, "author.vhtt", "head.vhtt", "chairman", "một")
	author := f.as("author.vhtt")
	r := must[document.Revision](t)(f.revise(author, d.ID, "hai", file("b.txt", []byte("hai"))))
	must[document.Revision](t)(f.svc.Submit(author, r.ID, []string{"head.vhtt"}))
	must[document.Revision](t)(f.svc.Review(f.as("head.vhtt"), r.ID, "approve", "", pw))
	must[document.Revision](t)(f.svc.Approve(f.as("chairman"), r.ID, pw))
	// A day is published from midnight in the office's time zone.
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Skip(err)
	}
	office := document.New(postgres.NewDocumentStore(f.db), f.blobs, f.authz, f.ids, document.Options{Now: f.clock, Location: hcm})
	_, err = office.Publish(f.as("coordinator"), r.ID, pw, "2026-03-12T25:00")
	mustKind(t, err, qms.ErrInvalid)
	at := time.Date(2026, 3, 12, 0, 0, 0, 0, hcm) // f.now is 2 March 2026
	r = must[document.Revision](t)(office.Publish(f.as("coordinator"), r.ID, pw, "12/03/2026"))
	if r.Status != document.StatusApproved || !r.Scheduled() || !r.EffectiveAt.Equal(at) {
		t.Fatalf("scheduled: %s %v, want %v", r.Status, r.EffectiveAt, at)
	}
	_, err = f.svc.Publish(f.as("coordinator"), r.ID, pw, "")
	mustKind(t, err, qms.ErrState)
	if n := must[int](t)(f.svc.ActivateDue(context.Background())); n != 0 {
		t.Fatalf("activated %d before the date", n)
	}
	f.setNow(at.Add(time.Minute))
	if n := must[int](t)(f.svc.ActivateDue(context.Background())); n != 1 {
		t.Fatalf("activated %d at the date", n)
	}
	_, cur, _, obj, err := f.svc.OpenCurrent(f.as("staff.vhtt"), "QT-30")
	if err != nil {
		t.Fatal(err)
	}
	obj.Close()
	_, old, _ := f.svc.Revision(f.as("coordinator"), first.ID)
	if cur.ID != r.ID || old.Status != document.StatusSuperseded {
		t.Fatalf("current %s, first %s", cur.ID, old.Status)
	}
}

func TestPeriodicReview(t *testing.T) {
	f := newFixture(t)
	d := f.newDoc("QT-40", "motcua", false)
	f.published(d, "author.motcua", "head.motcua", "chairman", "x")
	coord := f.as("coordinator")
	due := must[document.ListPage](t)(f.svc.List(coord, document.Filter{ReviewDue: true}))
	if len(due.Items) != 0 {
		t.Fatalf("due right after publication: %d", len(due.Items))
	}
	f.setNow(f.now.AddDate(1, 0, 1))
	due = must[document.ListPage](t)(f.svc.List(coord, document.Filter{ReviewDue: true}))
	if len(due.Items) != 1 || !due.Items[0].ReviewOverdue {
		t.Fatalf("due a year later: %+v", due.Items)
	}
	due2 := must[[]document.Document](t)(f.svc.DueReviews(f.as("head.motcua")))
	if len(due2) != 1 || !due2[0].ReviewOverdue {
		t.Fatalf("head's due reviews: %+v", due2)
	}
	if n := len(must[[]document.Document](t)(f.svc.DueReviews(f.as("head.vp")))); n != 0 {
		t.Fatalf("another unit's head has %d due reviews", n)
	}
	if n := len(must[[]document.Document](t)(f.svc.DueReviews(f.as("staff.motcua")))); n != 0 {
		t.Fatalf("staff have %d due reviews", n)
	}
	_, err := f.svc.ConfirmReview(f.as("staff.motcua"), d.ID, "ok")
	mustKind(t, err, qms.ErrForbidden)
	_, err = f.svc.ConfirmReview(coord, d.ID, "")
	mustKind(t, err, qms.ErrInvalid)
	got := must[document.Document](t)(f.svc.ConfirmReview(f.as("head.motcua"), d.ID, "Không thay đổi"))
	if !got.NextReviewAt.After(f.now.AddDate(0, 11, 0)) {
		t.Fatalf("next review %v", got.NextReviewAt)
	}
	due = must[document.ListPage](t)(f.svc.List(coord, document.Filter{ReviewDue: true}))
	if len(due.Items) != 0 {
		t.Fatalf("still due after confirmation")
	}
}

func TestSearchVisibilityAndPaging(t *testing.T) {
	f := newFixture(t)
	coord := f.as("coordinator")
	d := f.newDoc("QT.ISO.07", "tnmt", true)
	f.published(d, "author.tnmt", "head.tnmt", "chairman", "Thẩm định hồ sơ đất đai")
	// A draft of another unit, with a distinctive word only in its file.
	other := f.newDoc("QT-99", "vp", false)
	av := f.as("author.vp")
	must[document.Revision](t)(f.revise(av, other.ID, "Dự thảo", file("x.docx", docx("Bí mật nội bộ"))))
	f.index()

	for _, tc := range []struct {
		who, q string
		want   []string
	}{
		{"coordinator", "quy trinh cap phep", []string{"QT-99", "QT.ISO.07"}},
		{"coordinator", "QUY TRÌNH CẤP", []string{"QT-99", "QT.ISO.07"}},
		{"coordinator", "dat dai", []string{"QT.ISO.07"}},   // file text of the effective revision
		{"coordinator", "bi mat", []string{"QT-99"}},        // file text of a draft (coordinator may read drafts)
		{"coordinator", "iso 07", []string{"QT.ISO.07"}},    // code parts
		{"staff.tnmt", "dat dai", []string{"QT.ISO.07"}},    //
		{"staff.tnmt", "bi mat", nil},                       // another unit's draft is invisible
		{"staff.vp", "quy trinh", nil},                      // effective doc of another unit, not in distribution
		{"author.vp", "bi mat", []string{"QT-99"}},          //
		{"auditor", "quy trinh", []string{"QT.ISO.07"}},     // auditors read effective docs, not drafts
		{"coordinator", "thẩm định", []string{"QT.ISO.07"}}, // change description
	} {
		p, err := f.svc.List(f.as(tc.who), document.Filter{Q: tc.q})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range p.Items {
			got = append(got, it.Code)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s searching %q: %v, want %v", tc.who, tc.q, got, tc.want)
		}
	}
	// Others' drafts by id: not found, same as a random id.
	_, err := f.svc.Get(f.as("staff.tnmt"), other.ID)
	mustKind(t, err, qms.ErrNotFound)
	_, err = f.svc.Get(f.as("author.tnmt"), other.ID)
	mustKind(t, err, qms.ErrNotFound)
	_, err = f.svc.Get(f.as("author.tnmt"), "00000000-0000-4000-8000-000000000000")
	mustKind(t, err, qms.ErrNotFound)

	// Keyset pagination over every sort: pages join up without gaps or repeats.
	for i := 0; i < 23; i++ {
		f.newDoc(fmt.Sprintf("BM-%02d", i), "noivu", false)
	}
	for _, sort := range []string{"code", "title", "updated"} {
		seen := map[string]bool{}
		cur := ""
		pages := 0
		for {
			p := must[document.ListPage](t)(f.svc.List(coord, document.Filter{Sort: sort, Limit: 5, Cursor: cur}))
			pages++
			for _, it := range p.Items {
				if seen[it.ID] {
					t.Fatalf("%s: %s repeated", sort, it.Code)
				}
				seen[it.ID] = true
			}
			if p.NextCursor == "" {
				break
			}
			cur = p.NextCursor
		}
		if len(seen) != 25 || pages != 5 {
			t.Fatalf("%s: %d documents over %d pages", sort, len(seen), pages)
		}
	}
	_, err = f.svc.List(coord, document.Filter{Cursor: "garbage"})
	mustKind(t, err, qms.ErrInvalid)
	p := must[document.ListPage](t)(f.svc.List(coord, document.Filter{Unit: "noivu", Type: "procedure", Clause: "7.5.3", Status: "draft"}))
	if len(p.Items) != 23 {
		t.Fatalf("filters: %d", len(p.Items))
	}
}

func TestBadInput(t *testing.T) {
	f := newFixture(t)
	coord := f.as("coordinator")
	long := strings.Repeat("á", 1000)
	for name, n := range map[string]document.NewDocument{
		"empty code":   {Code: "", Title: "x", Type: "procedure", Unit: "vp"},
		"bad code":     {Code: "../../etc/passwd", Title: "x", Type: "procedure", Unit: "vp"},
		"long title":   {Code: "QT-1", Title: long, Type: "procedure", Unit: "vp"},
		"control char": {Code: "QT-1", Title: "a\x00b", Type: "procedure", Unit: "vp"},
		"bad type":     {Code: "QT-1", Title: "x", Type: "novel", Unit: "vp"},
		"bad clause":   {Code: "QT-1", Title: "x", Type: "procedure", Unit: "vp", Clauses: []string{"11.1"}},
		"bad unit":     {Code: "QT-1", Title: "x", Type: "procedure", Unit: "VP; drop"},
	} {
		_, err := f.svc.Create(coord, n)
		if !errors.Is(err, qms.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err := f.svc.Create(f.as("staff.vp"), document.NewDocument{Code: "QT-1", Title: "x", Type: "procedure", Unit: "vp"})
	mustKind(t, err, qms.ErrForbidden)
	_, err = f.svc.Create(f.as("author.vp"), document.NewDocument{Code: "QT-1", Title: "x", Type: "procedure", Unit: "tnmt"})
	mustKind(t, err, qms.ErrForbidden)
	d := f.newDoc("QT-1", "vp", false)
	_, err = f.svc.Create(coord, document.NewDocument{Code: "qt-1", Title: "dup", Type: "procedure", Unit: "vp"})
	mustKind(t, err, qms.ErrConflict)

	author := f.as("author.vp")
	for name, up := range map[string]qms.Upload{
		"empty":        {Name: "a.txt", Body: strings.NewReader("")},
		"exe as pdf":   {Name: "a.pdf", Body: bytes.NewReader(append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...))},
		"nul in name":  {Name: "a\x00.txt", Body: strings.NewReader("x")},
		"ctrl in name": {Name: "a\x1b.txt", Body: strings.NewReader("x")},
		"dot dot":      {Name: "..", Body: strings.NewReader("x")},
		"second main":  {Name: "b.txt", Body: strings.NewReader("x"), Kind: document.KindMain},
		"odd kind":     {Name: "b.txt", Body: strings.NewReader("x"), Kind: "appendix"},
	} {
		_, err := f.revise(author, d.ID, "x", file("a.txt", []byte("main")), up)
		if !errors.Is(err, qms.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Oversize.
	small := document.New(postgres.NewDocumentStore(f.db), testenv.Blob(t), mustAuthz(t, f.db), f.ids, document.Options{MaxUpload: 1000})
	_, err = small.CreateRevision(author, d.ID, document.NewRevision{Change: "x",
		Files: qms.FilesOf(qms.Upload{Name: "big.txt", Body: strings.NewReader(strings.Repeat("a", 5000))})})
	mustKind(t, err, qms.ErrTooLarge)
	// More files than one upload may carry.
	many := make([]qms.Upload, 21)
	for i := range many {
		many[i] = file(fmt.Sprintf("f%d.txt", i), []byte("x"))
	}
	_, err = f.revise(author, d.ID, "x", many...)
	mustKind(t, err, qms.ErrInvalid)
	// Nothing half-written: no revision exists after the failures.
	var n int
	f.db.Get(&n, `SELECT count(*) FROM revisions`)
	if n != 0 {
		t.Fatalf("%d revisions after bad uploads", n)
	}
	_, err = f.revise(author, d.ID, "")
	mustKind(t, err, qms.ErrInvalid)
	_, err = f.revise(author, d.ID, strings.Repeat("x", 5000))
	mustKind(t, err, qms.ErrInvalid)
	// Traversal in a name keeps only the last element; the key never uses it.
	d2 := f.newDoc("QT-2", "vp", false)
	r2 := must[document.Revision](t)(f.revise(author, d2.ID, "x", file("../../etc/passwd", []byte("x"))))
	if st := r2.Files[0]; st.Name != "passwd" || !strings.HasPrefix(st.Key, "documents/") || strings.Contains(st.Key, "passwd") {
		t.Fatalf("stored %q at %q", st.Name, st.Key)
	}
	r := must[document.Revision](t)(f.revise(author, d.ID, "ok"))
	_, err = f.svc.AddFiles(author, r.ID, document.NewFiles{Files: qms.NoFiles})
	mustKind(t, err, qms.ErrInvalid)
	// A file sent in the form's attachment field stays an attachment, even
	// while the revision has no main file yet (which then still blocks
	// submission below).
	att := file("phu-luc.txt", []byte("phụ lục"))
	att.Field = "attachment"
	ra := must[document.Revision](t)(f.addFiles(author, r.ID, att))
	if len(ra.Files) != 1 || ra.Files[0].Kind != document.KindAttachment {
		t.Fatalf("attachment field stored as %+v", ra.Files)
	}
	_, err = f.svc.Submit(author, r.ID, []string{"head.vp"})
	mustKind(t, err, qms.ErrState) // no main file
	_, err = f.svc.Submit(author, r.ID, nil)
	mustKind(t, err, qms.ErrInvalid)
	_, err = f.svc.Submit(author, r.ID, []string{"nobody"})
	mustKind(t, err, qms.ErrInvalid)
	_, err = f.svc.Submit(author, r.ID, []string{"staff.vp"}) // staff may not review
	mustKind(t, err, qms.ErrInvalid)
	_, err = f.svc.Review(f.as("head.vp"), r.ID, "maybe", "", pw)
	mustKind(t, err, qms.ErrInvalid)
	_, err = f.svc.List(coord, document.Filter{Limit: 1000})
	mustKind(t, err, qms.ErrInvalid)
	_, err = f.svc.List(coord, document.Filter{Status: "bogus"})
	mustKind(t, err, qms.ErrInvalid)
}

func mustAuthz(t *testing.T, db *sqlx.DB) *authz.Enforcer {
	e, err := authz.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestPublicRegister(t *testing.T) {
	f := newFixture(t)
	pub := f.newDoc("QT-P1", "motcua", true)
	rp := f.published(pub, "author.motcua", "head.motcua", "chairman", "công khai")
	priv := f.newDoc("QT-P2", "motcua", false)
	rq := f.published(priv, "author.motcua", "head.motcua", "chairman", "nội bộ")
	draft := f.newDoc("QT-P3", "motcua", true)
	author := f.as("author.motcua")
	rd := must[document.Revision](t)(f.revise(author, draft.ID, "x", file("d.txt", []byte("nháp"))))

	list := must[[]document.PublicEntry](t)(f.svc.PublicList(context.Background()))
	if len(list) != 1 || list[0].Code != "QT-P1" || list[0].FileID == nil {
		t.Fatalf("public list %+v", list)
	}
	anon := context.Background()
	_, _, _, obj, err := f.svc.OpenPublic(anon, rp.ID, *list[0].FileID)
	if err != nil {
		t.Fatal(err)
	}
	obj.Close()
	for name, ids := range map[string][2]string{
		"private":       {rq.ID, rq.Files[0].ID},
		"draft":         {rd.ID, rd.Files[0].ID},
		"file mismatch": {rp.ID, rq.Files[0].ID},
		"garbage":       {"x", "y"},
	} {
		_, _, _, _, err := f.svc.OpenPublic(anon, ids[0], ids[1])
		if !errors.Is(err, qms.ErrNotFound) {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, _, _, _, err = f.svc.OpenCurrent(anon, "QT-P2")
	mustKind(t, err, qms.ErrUnauthenticated)
	_, _, _, _, err = f.svc.OpenCurrent(anon, "NO-SUCH")
	mustKind(t, err, qms.ErrUnauthenticated)
	// A new public revision supersedes: the old file is gone from the public.
	rp2 := f.published(pub, "author.motcua", "head.motcua", "chairman", "công khai 2")
	_, _, _, _, err = f.svc.OpenPublic(anon, rp.ID, rp.Files[0].ID)
	mustKind(t, err, qms.ErrNotFound)
	_, _, _, obj, err = f.svc.OpenPublic(anon, rp2.ID, rp2.Files[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	obj.Close()
}

// A head of unit who drafted a revision holds approve in the unit but may
// not approve it; nor may a reviewer, whatever their role.
func TestSeparationOfDutiesForHeads(t *testing.T) {
	f := newFixture(t)
	d := f.newDoc("QT-60", "tnmt", false)
	head := f.as("head.tnmt")
	r := must[document.Revision](t)(f.revise(head, d.ID, "do head soạn", file("a.txt", []byte("x"))))
	_, err := f.svc.Submit(head, r.ID, []string{"head.tnmt"})
	mustKind(t, err, qms.ErrForbidden)
	must[document.Revision](t)(f.svc.Submit(head, r.ID, []string{"author.tnmt", "chairman"}))
	_, err = f.svc.Review(head, r.ID, document.DecisionApprove, "", pw)
	mustKind(t, err, qms.ErrForbidden) // not a reviewer, and the author
	must[document.Revision](t)(f.svc.Review(f.as("author.tnmt"), r.ID, document.DecisionApprove, "", pw))
	_, err = f.svc.Approve(f.as("coordinator"), r.ID, pw)
	mustKind(t, err, qms.ErrState) // the chairman has not reviewed yet
	must[document.Revision](t)(f.svc.Review(f.as("chairman"), r.ID, document.DecisionApprove, "", pw))
	_, err = f.svc.Approve(head, r.ID, pw)
	if !errors.Is(err, qms.ErrForbidden) || !strings.Contains(qms.Message(err), "author") {
		t.Fatalf("author approving: %v", err)
	}
	_, err = f.svc.Approve(f.as("chairman"), r.ID, pw)
	if !errors.Is(err, qms.ErrForbidden) || !strings.Contains(qms.Message(err), "reviewer") {
		t.Fatalf("reviewer approving: %v", err)
	}
	// Another head can, and the page shows who may do what.
	got := must[document.Revision](t)(f.svc.Approve(f.as("coordinator"), r.ID, pw))
	if got.Status != document.StatusApproved {
		t.Fatalf("status %s", got.Status)
	}
	// A file upload by someone else makes them an author too.
	d2 := f.newDoc("QT-61", "tnmt", false)
	author := f.as("author.tnmt")
	r2 := must[document.Revision](t)(f.revise(author, d2.ID, "x"))
	must[document.Revision](t)(f.addFiles(head, r2.ID, file("b.txt", []byte("y"))))
	must[document.Revision](t)(f.svc.Submit(author, r2.ID, []string{"chairman"}))
	must[document.Revision](t)(f.svc.Review(f.as("chairman"), r2.ID, document.DecisionApprove, "", pw))
	_, err = f.svc.Approve(head, r2.ID, pw)
	mustKind(t, err, qms.ErrForbidden)
}

// Several large attachments full of distinct words stay within what a
// search vector can hold, and the upload succeeds.
func TestSearchVectorCap(t *testing.T) {
	f := newFixture(t)
	d := f.newDoc("QT-80", "vp", false)
	author := f.as("author.vp")
	var files []qms.Upload
	for n := 0; n < 7; n++ {
		var sb strings.Builder
		for i := 0; i < 12000; i++ {
			fmt.Fprintf(&sb, "w%d%08x%08x ", n, i, i*2654435761)
		}
		files = append(files, file(fmt.Sprintf("f%d.txt", n), []byte(sb.String())))
	}
	r, err := f.revise(author, d.ID, "tài liệu lớn", files...)
	if err != nil {
		t.Fatalf("large attachments: %v", err)
	}
	if len(r.Files) != 7 {
		t.Fatalf("%d files", len(r.Files))
	}
	if rep := f.index(); rep.Indexed != 7 {
		t.Fatalf("indexed %+v", rep)
	}
	p := must[document.ListPage](t)(f.svc.List(f.as("coordinator"), document.Filter{Q: fmt.Sprintf("w0%08x%08x", 0, 0)}))
	if len(p.Items) != 1 {
		t.Fatalf("first word of the first file not found: %d", len(p.Items))
	}
}
