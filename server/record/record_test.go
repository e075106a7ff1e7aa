package record_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

// passwords checks against a fixed password per user: the identity service
// is another capability; what matters here is that a wrong one is refused.
type passwords struct{}

func (passwords) CheckPassword(_ context.Context, _ string, pw string) error {
	if pw != "correct horse" {
		return qms.Errorf(qms.ErrForbidden, "the password is wrong")
	}
	return nil
}

type fixture struct {
	env   *testenv.Env
	svc   *record.Service
	store *postgres.RecordStore
	users map[string]qms.Actor
	now   time.Time
}

// loc is the office's time zone of these tests.
var loc = testenv.Location()

func newFixture(t *testing.T, maxSize int64) *fixture {
	t.Helper()
	env := testenv.New(t)
	testenv.AddUnits(t, env.DB, "land", "finance")
	f := &fixture{env: env, store: postgres.NewRecordStore(env.DB), users: map[string]qms.Actor{}, now: time.Now()}
	f.users["coord"] = testenv.AddUser(t, env.DB, "coord", "coordinator@*")
	f.users["lan"] = testenv.AddUser(t, env.DB, "lan", "staff@land")
	f.users["fin"] = testenv.AddUser(t, env.DB, "fin", "staff@finance")
	f.users["aud"] = testenv.AddUser(t, env.DB, "aud", "auditor@finance")
	az, err := authz.New(env.DB)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = record.New(f.store, env.Blob, az, passwords{}, record.Options{
		MaxSize: maxSize, Now: func() time.Time { return f.now }, Location: loc})
	return f
}

func (f *fixture) as(login string) context.Context {
	return qms.WithActor(context.Background(), f.users[login])
}

func pdf(body string) io.Reader {
	return strings.NewReader("%PDF-1.4\n" + body + "\n%%EOF\n")
}

// file is the one file of a filing or a correction.
func file(name string, body io.Reader) qms.FileSource {
	return qms.FilesOf(qms.Upload{Name: name, Body: body})
}

// today is the date of the fixture's clock in the office, read from the one
// instant the fixture holds, so a test never straddles midnight.
func (f *fixture) today() string { return f.now.In(loc).Format("2006-01-02") }

func (f *fixture) create(t *testing.T, typ, date string) record.Record {
	t.Helper()
	r, err := f.svc.Create(f.as("lan"), record.NewRecord{Type: typ, Unit: "land", Title: "Biên bản họp giao ban tháng 11",
		Date: date, Clauses: []string{"7.5.3", "9.3"}, File: file(`C:\tmp\biên bản.pdf`, pdf("minutes"))})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return r
}

func wantKind(t *testing.T, err, kind error) {
	t.Helper()
	if qms.KindOf(err) != kind {
		t.Fatalf("want %v error, got %v", kind, err)
	}
}

func TestRecordTypesSeededAndEditable(t *testing.T) {
	f := newFixture(t, 0)
	types, err := f.svc.Types(f.as("lan"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]record.Type{}
	for _, ty := range types {
		got[ty.Code] = ty
	}
	for _, code := range []string{"meeting-minutes", "filled-form", "audit-report", "training-evidence", "dossier-slip"} {
		if _, ok := got[code]; !ok {
			t.Errorf("seeded type %s missing", code)
		}
	}
	if ar := got["audit-report"]; ar.Mode != record.ModeCompliance || ar.RetentionYears == nil || *ar.RetentionYears != 10 {
		t.Errorf("audit-report = %+v", ar)
	}
	seven := 7
	cases := []struct {
		name  string
		login string
		in    record.Type
		kind  error
	}{
		{"coordinator edits", "coord", record.Type{Code: "meeting-minutes", NameVI: "Biên bản họp", NameEN: "Minutes", RetentionYears: &seven, Mode: "governance"}, nil},
		{"coordinator adds permanent", "coord", record.Type{Code: "decision", NameVI: "Quyết định", NameEN: "Decision", Mode: "COMPLIANCE"}, nil},
		{"staff refused", "lan", record.Type{Code: "x", NameVI: "x", NameEN: "x", Mode: "COMPLIANCE"}, qms.ErrForbidden},
		{"bad code", "coord", record.Type{Code: "Bad Code", NameVI: "x", NameEN: "x", Mode: "COMPLIANCE"}, qms.ErrInvalid},
		{"bad mode", "coord", record.Type{Code: "y", NameVI: "x", NameEN: "x", Mode: "WORM"}, qms.ErrInvalid},
		{"bad period", "coord", record.Type{Code: "y", NameVI: "x", NameEN: "x", Mode: "COMPLIANCE", RetentionYears: new(int)}, qms.ErrInvalid},
		{"missing name", "coord", record.Type{Code: "y", NameEN: "x", Mode: "COMPLIANCE"}, qms.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := f.svc.SaveType(f.as(c.login), c.in)
			if c.kind != nil {
				wantKind(t, err, c.kind)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Mode != strings.ToUpper(c.in.Mode) {
				t.Errorf("mode %q", out.Mode)
			}
		})
	}
	ty, err := f.store.Type(context.Background(), "meeting-minutes")
	if err != nil || *ty.RetentionYears != 7 || ty.Mode != record.ModeGovernance {
		t.Errorf("after edit: %+v %v", ty, err)
	}
}

func TestRecordCreateLocksAndCorrects(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	r := f.create(t, "audit-report", f.today())
	date, _ := qms.ParseDate(f.today())
	if want := record.RetainUntil(date, 10, loc); !r.RetainUntil.Equal(want) {
		t.Fatalf("retain until %v, want %v", r.RetainUntil, want)
	}
	if r.Mode != record.ModeCompliance || len(r.Versions) != 1 || !r.Versions[0].Locked || r.Versions[0].FileName != "biên bản.pdf" {
		t.Fatalf("record = %+v", r)
	}
	if !strings.HasPrefix(r.Versions[0].Key, "record/") {
		t.Fatalf("key %q derives from user input", r.Versions[0].Key)
	}
	// The object store holds the lock, not just our row.
	mode, until, err := f.env.Blob.Client().GetObjectRetention(ctx, f.env.Blob.Bucket(), r.Versions[0].Key, r.Versions[0].VersionID)
	if err != nil || mode == nil || *mode != minio.Compliance || until == nil || !until.Equal(r.RetainUntil) {
		t.Fatalf("object retention %v %v %v", mode, until, err)
	}

	// A correction is a new version with a reason; the first stays readable.
	if _, err := f.svc.AddVersion(f.as("lan"), r.ID, record.Correction{Reason: "", File: file("x.pdf", pdf("fixed"))}); qms.KindOf(err) != qms.ErrInvalid {
		t.Fatalf("correction without reason: %v", err)
	}
	v2, err := f.svc.AddVersion(f.as("lan"), r.ID, record.Correction{Reason: "Sai ngày họp", File: file("x.pdf", pdf("fixed"))})
	if err != nil || v2.No != 2 || v2.Reason != "Sai ngày họp" {
		t.Fatalf("correction: %+v %v", v2, err)
	}
	if _, err := f.svc.AddVersion(f.as("fin"), r.ID, record.Correction{Reason: "mine", File: file("x.pdf", pdf("no"))}); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("other unit corrects: %v", err)
	}
	for no, want := range map[int]string{1: "minutes", 2: "fixed", 0: "fixed"} {
		rc, v, _, err := f.svc.Open(f.as("coord"), r.ID, no)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Contains(b, []byte(want)) || v.SHA256 == "" {
			t.Errorf("version %d: %q", no, b)
		}
	}
	got, err := f.svc.Get(f.as("lan"), r.ID)
	if err != nil || len(got.Versions) != 2 || got.VersionsN != 2 {
		t.Fatalf("get: %+v %v", got, err)
	}
	// Scope: another unit's staff sees neither the record nor it in lists.
	if _, err := f.svc.Get(f.as("fin"), r.ID); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("other unit reads: %v", err)
	}
	list, err := f.svc.List(f.as("fin"), record.Filter{})
	if err != nil || len(list) != 0 {
		t.Fatalf("other unit lists %d %v", len(list), err)
	}
	list, err = f.svc.List(f.as("coord"), record.Filter{Clause: "9.3", Type: "audit-report"})
	if err != nil || len(list) != 1 {
		t.Fatalf("coordinator lists %d %v", len(list), err)
	}
	var n int
	_ = f.env.DB.Get(&n, `SELECT count(*) FROM trail WHERE object_id = $1 AND action IN ('record.create', 'record.correct')`, r.ID)
	if n != 2 {
		t.Fatalf("trail entries %d", n)
	}
}

func TestRecordBadInput(t *testing.T) {
	f := newFixture(t, 1024)
	future := f.now.In(loc).AddDate(0, 0, 3).Format("02/01/2006")
	cases := []struct {
		name  string
		login string
		in    record.NewRecord
		kind  error
	}{
		{"no type", "lan", record.NewRecord{Unit: "land", Title: "t", Date: f.today(), File: file("f.pdf", pdf("x"))}, qms.ErrInvalid},
		{"unknown type", "lan", record.NewRecord{Type: "nope", Unit: "land", Title: "t", Date: f.today(), File: file("f.pdf", pdf("x"))}, qms.ErrInvalid},
		{"bad unit", "lan", record.NewRecord{Type: "filled-form", Unit: "LAND!", Title: "t", Date: f.today(), File: file("f.pdf", pdf("x"))}, qms.ErrInvalid},
		{"other unit", "fin", record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: f.today(), File: file("f.pdf", pdf("x"))}, qms.ErrForbidden},
		{"auditor files", "aud", record.NewRecord{Type: "filled-form", Unit: "finance", Title: "t", Date: f.today(), File: file("f.pdf", pdf("x"))}, qms.ErrForbidden},
		{"no title", "lan", record.NewRecord{Type: "filled-form", Unit: "land", Title: "  ", Date: f.today(), File: file("f.pdf", pdf("x"))}, qms.ErrInvalid},
		{"control chars", "lan", record.NewRecord{Type: "filled-form", Unit: "land", Title: "a\x00b", Date: f.today(), File: file("f.pdf", pdf("x"))}, qms.ErrInvalid},
		{"future date", "lan", record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: future, File: file("f.pdf", pdf("x"))}, qms.ErrInvalid},
		{"bad date", "lan", record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: "31/02/2026", File: file("f.pdf", pdf("x"))}, qms.ErrInvalid},
		{"bad clause", "lan", record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: f.today(), Clauses: []string{"11.2"}, File: file("f.pdf", pdf("x"))}, qms.ErrInvalid},
		{"bad link", "lan", record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: f.today(), LinkNC: "<script>", File: file("f.pdf", pdf("x"))}, qms.ErrInvalid},
		{"unknown audit", "lan", record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: f.today(), LinkAudit: "IA-2026-99", File: file("f.pdf", pdf("x"))}, qms.ErrInvalid},
		{"unknown NC", "lan", record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: f.today(), LinkNC: "NC-2026-0999", File: file("f.pdf", pdf("x"))}, qms.ErrInvalid},
		{"no file", "lan", record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: f.today()}, qms.ErrInvalid},
		{"empty file", "lan", record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: f.today(), File: file("f.pdf", strings.NewReader(""))}, qms.ErrInvalid},
		{"executable", "lan", record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: f.today(), File: file("f.pdf", strings.NewReader("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"))}, qms.ErrInvalid},
		{"too large", "lan", record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: f.today(), File: file("f.pdf", pdf(strings.Repeat("x", 4096)))}, qms.ErrTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.Create(f.as(c.login), c.in)
			wantKind(t, err, c.kind)
		})
	}
	var n int
	_ = f.env.DB.Get(&n, `SELECT count(*) FROM records`)
	if n != 0 {
		t.Fatalf("%d records written by bad input", n)
	}
	for o := range f.env.Blob.Client().ListObjects(context.Background(), f.env.Blob.Bucket(), minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		t.Fatalf("bad input left an object in the store: %s %v", o.Key, o.Err)
	}
	if _, err := f.svc.Get(f.as("lan"), "not-a-uuid"); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("bad id: %v", err)
	}
	if _, err := f.svc.Get(context.Background(), "x"); qms.KindOf(err) != qms.ErrUnauthenticated {
		t.Fatalf("anonymous: %v", err)
	}
}

// adminClient connects to the test object store with its root credentials,
// which are the admin credentials of that server.
func adminClient(t *testing.T) *minio.Client {
	return testenv.AdminClient(t)
}

func TestComplianceLockedVersionCannotBeDeletedByAdmin(t *testing.T) {
	f := newFixture(t, 0)
	r := f.create(t, "audit-report", f.today())
	v := r.Versions[0]
	c := adminClient(t)
	for _, bypass := range []bool{false, true} {
		err := c.RemoveObject(context.Background(), f.env.Blob.Bucket(), v.Key, minio.RemoveObjectOptions{VersionID: v.VersionID, GovernanceBypass: bypass})
		if err == nil {
			t.Fatalf("admin deleted a compliance-locked version (bypass=%v)", bypass)
		}
	}
	if _, err := f.env.Blob.Open(context.Background(), v.Key, v.VersionID); err != nil {
		t.Fatalf("version gone: %v", err)
	}
	// The application refuses before even asking: retention has not expired.
	_, err := f.svc.Dispose(f.as("coord"), r.ID, "cleanup", "correct horse")
	wantKind(t, err, qms.ErrState)
}

func TestHeldGovernanceVersionCannotBeDeleted(t *testing.T) {
	f := newFixture(t, 0)
	r := f.create(t, "meeting-minutes", f.today())
	if r.Mode != record.ModeGovernance {
		t.Fatalf("mode %s", r.Mode)
	}
	control := f.create(t, "meeting-minutes", f.today())
	if !control.Versions[0].Locked {
		t.Fatal("the control record is not locked")
	}
	if _, err := f.svc.SetHold(f.as("lan"), r.ID, true, "inspection"); qms.KindOf(err) != qms.ErrForbidden {
		t.Fatalf("staff sets hold: %v", err)
	}
	if _, err := f.svc.SetHold(f.as("coord"), r.ID, true, " "); qms.KindOf(err) != qms.ErrInvalid {
		t.Fatalf("hold without reason: %v", err)
	}
	// Four coordinators set the hold at once: exactly one wins.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = f.svc.SetHold(f.as("coord"), r.ID, true, "Thanh tra tỉnh yêu cầu giữ")
		}(i)
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else if qms.KindOf(err) != qms.ErrState {
			t.Fatalf("loser: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d holds succeeded", wins)
	}
	held, err := f.svc.Get(f.as("coord"), r.ID)
	if err != nil || !held.Held || held.HoldReason != "Thanh tra tỉnh yêu cầu giữ" {
		t.Fatalf("hold: %+v %v", held, err)
	}
	lh, err := f.env.Blob.Client().GetObjectLegalHold(context.Background(), f.env.Blob.Bucket(), r.Versions[0].Key,
		minio.GetObjectLegalHoldOptions{VersionID: r.Versions[0].VersionID})
	if err != nil || lh == nil || *lh != minio.LegalHoldEnabled {
		t.Fatalf("object store legal hold %v %v", lh, err)
	}
	if _, err := f.svc.SetHold(f.as("coord"), r.ID, true, "again"); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("double hold: %v", err)
	}
	// A correction filed while the record is held is held too.
	v2, err := f.svc.AddVersion(f.as("lan"), r.ID, record.Correction{Reason: "Bổ sung chữ ký", File: file("v2.pdf", pdf("v2"))})
	if err != nil {
		t.Fatal(err)
	}
	lh2, err := f.env.Blob.Client().GetObjectLegalHold(context.Background(), f.env.Blob.Bucket(), v2.Key,
		minio.GetObjectLegalHoldOptions{VersionID: v2.VersionID})
	if err != nil || lh2 == nil || *lh2 != minio.LegalHoldEnabled {
		t.Fatalf("the correction of a held record is not held: %v %v", lh2, err)
	}
	// The object store's refusal reads the same for a retention lock and a
	// legal hold, so the reason is told apart by a control: a record filed
	// alongside, not held, under the same governance lock. The admin's
	// bypass brings the lock of all three versions to end in three seconds
	// (a date in the past is refused); the disposal key, which cannot
	// bypass governance, then deletes the control as soon as the store lets
	// it, and from that moment retention protects none of them.
	v := r.Versions[0]
	cv := control.Versions[0]
	ctx := context.Background()
	bucket := f.env.Blob.Bucket()
	c := adminClient(t)
	del := disposalClient(t)
	until := time.Now().Add(3 * time.Second).UTC().Truncate(time.Second)
	mode := minio.Governance
	for _, x := range []record.Version{v, v2, cv} {
		if err := c.PutObjectRetention(ctx, bucket, x.Key, minio.PutObjectRetentionOptions{
			VersionID: x.VersionID, Mode: &mode, RetainUntilDate: &until, GovernanceBypass: true}); err != nil {
			t.Fatalf("shorten governance lock: %v", err)
		}
	}
	refusals := 0
	for deadline := time.Now().Add(20 * time.Second); ; {
		err := del.RemoveObject(ctx, bucket, cv.Key, minio.RemoveObjectOptions{VersionID: cv.VersionID})
		if err == nil {
			break
		}
		if !wormRefusal(err) {
			t.Fatalf("the control was refused for another reason: %v", err)
		}
		refusals++
		if time.Now().After(deadline) {
			t.Fatalf("the control's retention (until %v) did not end: %v", until, err)
		}
		time.Sleep(100 * time.Millisecond) // poll interval
	}
	if refusals == 0 {
		t.Fatal("the control was deleted at once: its retention never protected it, so it proves nothing")
	}
	if time.Now().Before(until) {
		t.Fatalf("the store deleted the control before its retention ended (%v)", until)
	}
	// Retention is over for the held versions too (the same date), and the
	// legal hold is on: the disposal key is refused, and so is the admin
	// with the governance bypass.
	for _, x := range []record.Version{v, v2} {
		ret, _, err := c.GetObjectRetention(ctx, bucket, x.Key, x.VersionID)
		if err != nil || ret == nil || *ret != minio.Governance {
			t.Fatalf("retention of %s: %v %v", x.Key, ret, err)
		}
		err = del.RemoveObject(ctx, bucket, x.Key, minio.RemoveObjectOptions{VersionID: x.VersionID})
		if !wormRefusal(err) {
			t.Fatalf("a held version after its retention, disposal key: want the store's refusal, got %v", err)
		}
		err = c.RemoveObject(ctx, bucket, x.Key, minio.RemoveObjectOptions{VersionID: x.VersionID, GovernanceBypass: true})
		if !wormRefusal(err) {
			t.Fatalf("a held version, admin with bypass: want the store's refusal, got %v", err)
		}
		if _, err := f.env.Blob.Open(ctx, x.Key, x.VersionID); err != nil {
			t.Fatalf("held version gone: %v", err)
		}
	}
	// Held records are never due and cannot be disposed of (the unheld
	// control is due).
	f.now = time.Now().AddDate(20, 0, 0)
	dueIDs := func() string {
		t.Helper()
		due, err := f.svc.DueForDisposition(f.as("coord"))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range due {
			ids = append(ids, d.ID)
		}
		return strings.Join(ids, " ")
	}
	if got := dueIDs(); got != control.ID {
		t.Fatalf("due while held: %q, want only the control %s", got, control.ID)
	}
	_, err = f.svc.Dispose(f.as("coord"), r.ID, "expired", "correct horse")
	if qms.KindOf(err) != qms.ErrState || !strings.Contains(err.Error(), "the record is under legal hold") {
		t.Fatalf("dispose while held: want the hold's refusal, got %v", err)
	}
	// Lifting the hold (logged) makes it due; disposition then deletes.
	if _, err := f.svc.SetHold(f.as("coord"), r.ID, false, "Thanh tra đã kết thúc"); err != nil {
		t.Fatal(err)
	}
	if got := dueIDs(); !strings.Contains(got, r.ID) {
		t.Fatalf("due after release: %q lacks %s", got, r.ID)
	}
	d, err := f.svc.Dispose(f.as("coord"), r.ID, "Hết thời hạn lưu trữ", "correct horse")
	if err != nil || d.Status != record.StatusDisposed || d.Disposal == nil || d.Disposal.Comment != "Hết thời hạn lưu trữ" {
		t.Fatalf("dispose: %+v %v", d, err)
	}
	// The same versions, no longer held, are gone from the store.
	for _, x := range []record.Version{v, v2} {
		_, err := c.StatObject(ctx, bucket, x.Key, minio.StatObjectOptions{VersionID: x.VersionID})
		if minio.ToErrorResponse(err).Code != "NoSuchVersion" {
			t.Fatalf("%s after the disposition: %v", x.Key, err)
		}
	}
	var actions []string
	_ = f.env.DB.Select(&actions, `SELECT action FROM trail WHERE object_id = $1 ORDER BY seq`, r.ID)
	if strings.Join(actions, ",") != "record.create,record.hold,record.correct,record.release,record.dispose,"+
		"record.version_delete,record.version_delete,record.disposed" {
		t.Fatalf("trail %v", actions)
	}
}

func TestDispositionDueListSignatureAndRace(t *testing.T) {
	f := newFixture(t, 0)
	// Filed after its five years ended: stored without a lock, due at once.
	old := f.create(t, "filled-form", "2015-03-01")
	if old.Versions[0].Locked {
		t.Fatal("an expired record was locked")
	}
	fresh := f.create(t, "dossier-slip", f.today())
	due, err := f.svc.DueForDisposition(f.as("coord"))
	if err != nil || len(due) != 1 || due[0].ID != old.ID {
		t.Fatalf("due: %+v %v", due, err)
	}
	// The scheduled scan tells the coordinator once, however often it runs.
	for i, want := range []int{1, 0} {
		if n, err := f.svc.NotifyDue(context.Background()); err != nil || n != want {
			t.Fatalf("scan %d: %d notifications, %v", i, n, err)
		}
	}
	var note string
	_ = f.env.DB.Get(&note, `SELECT subject_msg::text FROM notifications WHERE kind = 'record_due'`)
	if !strings.Contains(note, "Retention ended: %s") || !strings.Contains(note, old.Title) {
		t.Fatalf("notification %s", note)
	}
	if _, err := f.svc.DueForDisposition(f.as("lan")); qms.KindOf(err) != qms.ErrForbidden {
		t.Fatalf("staff sees due list: %v", err)
	}
	cases := []struct {
		name, login, id, reason, pw string
		kind                        error
	}{
		{"staff", "lan", old.ID, "r", "correct horse", qms.ErrForbidden},
		{"no reason", "coord", old.ID, "", "correct horse", qms.ErrInvalid},
		{"no password", "coord", old.ID, "r", "", qms.ErrInvalid},
		{"wrong password", "coord", old.ID, "r", "guess", qms.ErrForbidden},
		{"not expired", "coord", fresh.ID, "r", "correct horse", qms.ErrState},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.Dispose(f.as(c.login), c.id, c.reason, c.pw)
			wantKind(t, err, c.kind)
		})
	}
	// Two coordinators dispose at once: exactly one signature.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = f.svc.Dispose(f.as("coord"), old.ID, "Hết hạn", "correct horse")
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if k := qms.KindOf(err); k != qms.ErrState && k != qms.ErrConflict {
			t.Errorf("loser: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d dispositions succeeded", ok)
	}
	sigs, _ := postgres.Signatures(context.Background(), f.env.DB, "record", old.ID)
	if len(sigs) != 1 || sigs[0].Meaning != "disposed" || len(sigs[0].SHA256s) != 1 {
		t.Fatalf("signatures %+v", sigs)
	}
	if _, err := f.env.Blob.Open(context.Background(), old.Versions[0].Key, old.Versions[0].VersionID); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("version still there: %v", err)
	}
	if _, _, _, err := f.svc.Open(f.as("coord"), old.ID, 1); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("open disposed: %v", err)
	}
	if _, err := f.svc.AddVersion(f.as("lan"), old.ID, record.Correction{Reason: "late", File: file("x.pdf", pdf("x"))}); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("correct disposed: %v", err)
	}

	// With the application's clock past retention but the object store's
	// compliance lock still on, the decision stands (signed, disposing) and
	// the store's refusal is kept on the version; the file stays.
	f.now = time.Now().AddDate(11, 0, 0)
	got, err := f.svc.Dispose(f.as("coord"), fresh.ID, "Hết hạn", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	sigs, _ = postgres.Signatures(context.Background(), f.env.DB, "record", fresh.ID)
	if got.Status != record.StatusDisposing || len(sigs) != 1 || got.Versions[0].DeletedAt != nil ||
		!strings.Contains(got.Versions[0].DeleteError, "still locked or held") {
		t.Fatalf("refused deletion: status %s, %d signatures, version %+v", got.Status, len(sigs), got.Versions[0])
	}
	if _, err := f.env.Blob.Open(context.Background(), fresh.Versions[0].Key, fresh.Versions[0].VersionID); err != nil {
		t.Fatal(err)
	}
}

// TestRecordDatesAreDaysInTheOfficeZone files with a clock at 20:00 UTC,
// already the next morning in the office: the dates follow the office's
// calendar, not the server's.
func TestRecordDatesAreDaysInTheOfficeZone(t *testing.T) {
	f := newFixture(t, 0)
	f.now = time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC) // 2 March, 03:00 in Vietnam
	in := func(date string) record.NewRecord {
		return record.NewRecord{Type: "filled-form", Unit: "land", Title: "Phiếu", Date: date, File: file("p.pdf", pdf("p"))}
	}
	// Today is 2 March; a day of slack allows the 3rd, not the 4th.
	if _, err := f.svc.Create(f.as("lan"), in("04/03/2026")); qms.KindOf(err) != qms.ErrInvalid {
		t.Fatalf("dated two days ahead: %v", err)
	}
	r, err := f.svc.Create(f.as("lan"), in("03/03/2026"))
	if err != nil {
		t.Fatal(err)
	}
	// Five years, to the start of the day after in Vietnam.
	if want := time.Date(2031, 3, 4, 0, 0, 0, 0, loc); !r.RetainUntil.Equal(want) || r.Day() != qms.NewDate(2026, 3, 3) {
		t.Fatalf("retain until %v (want %v), day %v", r.RetainUntil, want, r.Day())
	}
	if got := f.svc.Today(); got != qms.NewDate(2026, 3, 2) {
		t.Fatalf("today %v", got)
	}
}

func TestRecordTakesOneFile(t *testing.T) {
	f := newFixture(t, 0)
	two := qms.FilesOf(qms.Upload{Name: "a.pdf", Body: pdf("a")}, qms.Upload{Name: "b.pdf", Body: pdf("b")})
	_, err := f.svc.Create(f.as("lan"), record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: f.today(), File: two})
	wantKind(t, err, qms.ErrInvalid)
	_, err = f.svc.Create(f.as("lan"), record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: f.today(),
		File: file("a\x01.pdf", pdf("a"))})
	wantKind(t, err, qms.ErrInvalid)
	var n int
	_ = f.env.DB.Get(&n, `SELECT count(*) FROM records`)
	if n != 0 {
		t.Fatalf("%d records written", n)
	}
	r := f.create(t, "filled-form", f.today())
	_, err = f.svc.AddVersion(f.as("lan"), r.ID, record.Correction{Reason: "r"})
	wantKind(t, err, qms.ErrInvalid)
	// A refused link names the field and what is missing.
	_, err = f.svc.Create(f.as("lan"), record.NewRecord{Type: "filled-form", Unit: "land", Title: "t", Date: f.today(),
		LinkAudit: "IA-2026-99", File: file("a.pdf", pdf("a"))})
	var ve *qms.ValidationError
	if !errors.As(err, &ve) || ve.Fields["link_audit"].ID != "no such audit" {
		t.Fatalf("unknown audit: %v", err)
	}
}

// disposalClient connects with the disposal key alone: it deletes record
// versions and cannot bypass governance retention.
func disposalClient(t *testing.T) *minio.Client {
	t.Helper()
	o := testenv.S3Options()
	c, err := minio.New(o.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(o.DisposalAccessKey, o.DisposalSecretKey, ""), Region: o.Region})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wormRefusal reports whether err is the object store's refusal to delete a
// locked or held version (S3 InvalidRequest; MinIO gives one message for a
// retention lock and a legal hold alike).
func wormRefusal(err error) bool {
	r := minio.ToErrorResponse(err)
	return err != nil && r.StatusCode == 400 && r.Code == "InvalidRequest" && strings.Contains(r.Message, "WORM protected")
}

// TestRetentionEndPinned: a filled form (five years) dated 1 March 2015 is
// kept until the office's midnight starting 2 March 2020. One minute before,
// it is not due, offers no disposition and is refused with its last day;
// one minute after, it is due and the disposal key deletes it (the store
// holds it unlocked: its retention ended long before it was filed here).
func TestRetentionEndPinned(t *testing.T) {
	f := newFixture(t, 0)
	r := f.create(t, "filled-form", "2015-03-01")
	if r.Versions[0].Locked {
		t.Fatal("a record filed after its retention ended was locked")
	}
	end := time.Date(2020, 3, 2, 0, 0, 0, 0, loc)
	if !r.RetainUntil.Equal(end) {
		t.Fatalf("retain until %v, want %v", r.RetainUntil, end)
	}
	due := func() bool {
		t.Helper()
		list, err := f.svc.DueForDisposition(f.as("coord"))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range list {
			if d.ID == r.ID {
				return true
			}
		}
		return false
	}

	f.now = end.Add(-time.Minute)
	if due() || r.Due(f.now) || f.svc.PermissionsOf(f.as("coord"), r).Dispose {
		t.Fatal("due a minute before its retention ends")
	}
	_, err := f.svc.Dispose(f.as("coord"), r.ID, "Hết hạn", "correct horse")
	if qms.KindOf(err) != qms.ErrState || !strings.Contains(err.Error(), "the retention period runs until the end of 01/03/2020") {
		t.Fatalf("dispose a minute early: want the retention's refusal, got %v", err)
	}
	if n, err := f.svc.NotifyDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("scan a minute early: %d notifications, %v", n, err)
	}

	f.now = end.Add(time.Minute)
	if !due() || !r.Due(f.now) || !f.svc.PermissionsOf(f.as("coord"), r).Dispose {
		t.Fatal("not due a minute after its retention ended")
	}
	if n, err := f.svc.NotifyDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("scan a minute after: %d notifications, %v", n, err)
	}
	d, err := f.svc.Dispose(f.as("coord"), r.ID, "Hết hạn", "correct horse")
	if err != nil || d.Status != record.StatusDisposed {
		t.Fatalf("dispose a minute after: %+v %v", d, err)
	}
}
