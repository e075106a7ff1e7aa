package record_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
	"github.com/qmstrack/qmstrack/server/trail"
)

// trailActions lists the trail actions of one record, in order.
func (f *fixture) trailActions(t *testing.T, id string) []string {
	t.Helper()
	var actions []string
	// In the order of the appends (id); seq is set by the sequencer, moments later.
	if err := f.env.DB.Select(&actions, `SELECT action FROM trail WHERE object_id = $1 ORDER BY id`, id); err != nil {
		t.Fatal(err)
	}
	return actions
}

func count(actions []string, action string) int {
	n := 0
	for _, a := range actions {
		if a == action {
			n++
		}
	}
	return n
}

// TestDisposalStoreRefusalLeavesDisposingWithReason: a version the object
// store refuses to delete (a legal hold put on it in the store itself)
// leaves the record disposing, the refusal kept on that version, its other
// versions deleted, its files refused for download; once the store lets go,
// the scheduled job finishes the disposition.
func TestDisposalStoreRefusalLeavesDisposingWithReason(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	r := f.create(t, "filled-form", "2015-03-01") // expired: unlocked and due
	for _, reason := range []string{"Bổ sung chữ ký", "Sửa số hồ sơ"} {
		if _, err := f.svc.AddVersion(f.as("lan"), r.ID, record.Correction{Reason: reason, File: file("v.pdf", pdf(reason))}); err != nil {
			t.Fatal(err)
		}
	}
	r, _ = f.svc.Get(f.as("coord"), r.ID)
	held := r.Versions[1]
	admin := adminClient(t)
	on, off := minio.LegalHoldEnabled, minio.LegalHoldDisabled
	if err := admin.PutObjectLegalHold(ctx, f.env.Blob.Bucket(), held.Key, minio.PutObjectLegalHoldOptions{
		VersionID: held.VersionID, Status: &on}); err != nil {
		t.Fatal(err)
	}

	got, err := f.svc.Dispose(f.as("coord"), r.ID, "Hết thời hạn lưu trữ", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != record.StatusDisposing || got.Disposal == nil || got.DisposedAt != nil {
		t.Fatalf("after a refused deletion: status %s, signature %v, disposed at %v", got.Status, got.Disposal, got.DisposedAt)
	}
	for _, v := range got.Versions {
		switch {
		case v.No == held.No:
			if v.DeletedAt != nil || v.DeleteErrorAt == nil || v.DeleteError !=
				"the object store refuses to delete this version: it is still locked or held" {
				t.Fatalf("refused version %+v", v)
			}
			if _, err := f.env.Blob.Open(ctx, v.Key, v.VersionID); err != nil {
				t.Fatalf("refused version gone from the store: %v", err)
			}
		default:
			if v.DeletedAt == nil || v.DeleteError != "" {
				t.Fatalf("deletable version %d: %+v", v.No, v)
			}
			if _, err := f.env.Blob.Open(ctx, v.Key, v.VersionID); qms.KindOf(err) != qms.ErrNotFound {
				t.Fatalf("version %d still in the store: %v", v.No, err)
			}
		}
	}
	// Every file of a disposing record is refused with the reason, the
	// deleted ones and the one still stored alike.
	for _, no := range []int{1, 2, 0} {
		_, _, _, err := f.svc.Open(f.as("coord"), r.ID, no)
		if qms.KindOf(err) != qms.ErrState || !strings.Contains(qms.Message(err), "being disposed of") {
			t.Fatalf("download of version %d of a disposing record: %v", no, err)
		}
	}
	// The decision is taken once.
	if _, err := f.svc.Dispose(f.as("coord"), r.ID, "again", "correct horse"); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("second disposition: %v", err)
	}
	if _, err := f.svc.AddVersion(f.as("lan"), r.ID, record.Correction{Reason: "late", File: file("x.pdf", pdf("x"))}); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("correction of a disposing record: %v", err)
	}
	if _, err := f.svc.SetHold(f.as("coord"), r.ID, true, "inspection"); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("hold on a disposing record: %v", err)
	}
	list, err := f.svc.List(f.as("coord"), record.Filter{Status: record.StatusDisposing})
	if err != nil || len(list) != 1 || list[0].ID != r.ID {
		t.Fatalf("disposing list: %d %v", len(list), err)
	}
	// The job retries and meets the same refusal.
	rep, err := f.svc.RunPending(ctx)
	if err != nil || rep.Disposing != 1 || rep.Disposed != 0 || rep.DeleteErrors != 1 || rep.Err == nil {
		t.Fatalf("retry while held: %+v %v", rep, err)
	}
	acts := f.trailActions(t, r.ID)
	if count(acts, "record.dispose") != 1 || count(acts, "record.version_delete") != 2 || count(acts, "record.disposed") != 0 {
		t.Fatalf("trail while disposing: %v", acts)
	}

	// The store lets go: the next run finishes, once.
	if err := admin.PutObjectLegalHold(ctx, f.env.Blob.Bucket(), held.Key, minio.PutObjectLegalHoldOptions{
		VersionID: held.VersionID, Status: &off}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{1, 0} {
		rep, err := f.svc.RunPending(ctx)
		if err != nil || rep.Disposed != want || rep.DeleteErrors != 0 {
			t.Fatalf("run %d after release: %+v %v", i, rep, err)
		}
	}
	done, _ := f.svc.Get(f.as("coord"), r.ID)
	if done.Status != record.StatusDisposed || done.DisposedAt == nil || len(done.Live()) != 0 || done.Versions[1].DeleteError != "" {
		t.Fatalf("after release: %+v", done)
	}
	if _, err := f.env.Blob.Open(ctx, held.Key, held.VersionID); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("released version still stored: %v", err)
	}
	if _, _, _, err := f.svc.Open(f.as("coord"), r.ID, 2); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("download of a disposed version: %v", err)
	}
	acts = f.trailActions(t, r.ID)
	if count(acts, "record.dispose") != 1 || count(acts, "record.version_delete") != 3 || acts[len(acts)-1] != "record.disposed" ||
		count(acts, "record.disposed") != 1 {
		t.Fatalf("trail after disposal: %v", acts)
	}
	res, err := postgres.NewTrailStore(f.env.DB).Verify(ctx)
	if err != nil || !res.OK {
		t.Fatalf("trail verify: %+v %v", res, err)
	}
}

// TestDisposalResumesAfterStoreDeleteWithoutMark: the object store deleted
// a version but the process stopped before its row was marked (here: the
// row is put back as it was); the next run counts the missing version as
// deleted and finishes.
func TestDisposalResumesAfterStoreDeleteWithoutMark(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	r := f.create(t, "filled-form", "2015-03-01")
	if _, err := f.svc.AddVersion(f.as("lan"), r.ID, record.Correction{Reason: "Bổ sung", File: file("v.pdf", pdf("v2"))}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Dispose(f.as("coord"), r.ID, "Hết hạn", "correct horse")
	if err != nil || got.Status != record.StatusDisposed {
		t.Fatalf("dispose: %s %v", got.Status, err)
	}
	// Put the register back to "decided, version 2 deleted in the store
	// but not yet marked".
	if _, err := f.env.DB.Exec(`UPDATE records SET status = 'disposing', disposed_at = NULL WHERE id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.DB.Exec(`UPDATE record_versions SET deleted_at = NULL WHERE record_id = $1 AND no = 2`, r.ID); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.RunPending(ctx)
	if err != nil || rep.Disposed != 1 || rep.DeleteErrors != 0 {
		t.Fatalf("resume: %+v %v", rep, err)
	}
	done, _ := f.svc.Get(f.as("coord"), r.ID)
	if done.Status != record.StatusDisposed || len(done.Live()) != 0 {
		t.Fatalf("after resume: %+v", done)
	}
	// A version marked already is not marked (nor logged) again.
	before := count(f.trailActions(t, r.ID), "record.version_delete")
	ev := trail.NewEvent(ctx, "record.version_delete", "record", r.ID, r.Unit, map[string]any{"no": 1})
	if err := f.store.VersionDeleted(ctx, r.ID, 1, time.Now(), ev); err != nil {
		t.Fatal(err)
	}
	if after := count(f.trailActions(t, r.ID), "record.version_delete"); after != before {
		t.Fatalf("marking a deleted version again wrote %d entries", after-before)
	}
}

// TestDisposalOneWorkerPerRecord: while another worker holds a record's
// disposal lock (another instance deleting it), neither the disposition's
// own request nor the scheduled job touches its versions; once released,
// the job finishes.
func TestDisposalOneWorkerPerRecord(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	r := f.create(t, "filled-form", "2015-03-01")
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := f.store.WithDisposalLock(ctx, r.ID, func(context.Context) error {
			close(held)
			<-release
			return nil
		})
		done <- err
	}()
	<-held
	got, err := f.svc.Dispose(f.as("coord"), r.ID, "Hết hạn", "correct horse")
	if err != nil || got.Status != record.StatusDisposing || got.Versions[0].DeletedAt != nil || got.Versions[0].DeleteRequestedAt == nil {
		t.Fatalf("dispose while another worker holds the record: %s %+v %v", got.Status, got.Versions, err)
	}
	rep, err := f.svc.RunPending(ctx)
	if err != nil || rep.Disposing != 1 || rep.Disposed != 0 {
		t.Fatalf("job while locked: %+v %v", rep, err)
	}
	if _, err := f.env.Blob.Open(ctx, r.Versions[0].Key, r.Versions[0].VersionID); err != nil {
		t.Fatalf("deleted while another worker held the record: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rep, err = f.svc.RunPending(ctx)
	if err != nil || rep.Disposed != 1 {
		t.Fatalf("job after release: %+v %v", rep, err)
	}
}

// TestRetentionAppliedAfterTheRow: a filed version is locked in the store
// once its row exists; when the row write fails after the upload, the
// object left behind carries no lock, so it can be removed.
func TestRetentionAppliedAfterTheRow(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	admin := adminClient(t)
	r := f.create(t, "audit-report", f.today())
	v := r.Versions[0]
	if v.LockPending || !v.Locked {
		t.Fatalf("filed version %+v", v)
	}
	mode, until, err := admin.GetObjectRetention(ctx, f.env.Blob.Bucket(), v.Key, v.VersionID)
	if err != nil || mode == nil || *mode != minio.Compliance || until == nil || !until.Equal(r.RetainUntil) {
		t.Fatalf("retention after the row: %v %v %v", mode, until, err)
	}

	// The row write fails after the upload: the record type is removed
	// between the check and the insert (a foreign key refuses the row).
	if _, err := f.env.DB.Exec(`INSERT INTO record_types (code, name_vi, name_en, retention_years, lock_mode)
		VALUES ('gone', 'Tạm', 'Temporary', 10, 'COMPLIANCE')`); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Create(f.as("lan"), record.NewRecord{Type: "gone", Unit: "land", Title: "Báo cáo", Date: f.today(),
		File: qms.FilesOf(qms.Upload{Name: "r.pdf", Body: &dropTypeReader{r: pdf("report"), f: f}})})
	if err == nil {
		t.Fatal("a record was filed without its type")
	}
	var n int
	_ = f.env.DB.Get(&n, `SELECT count(*) FROM records WHERE type_code = 'gone'`)
	if n != 0 {
		t.Fatalf("%d rows written", n)
	}
	var orphans []minio.ObjectInfo
	for o := range admin.ListObjects(ctx, f.env.Blob.Bucket(), minio.ListObjectsOptions{Prefix: "record/", Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		if o.Key != v.Key {
			orphans = append(orphans, o)
		}
	}
	if len(orphans) != 1 {
		t.Fatalf("%d objects left by the failed filing", len(orphans))
	}
	o := orphans[0]
	if mode, _, err := admin.GetObjectRetention(ctx, f.env.Blob.Bucket(), o.Key, o.VersionID); err == nil && mode != nil {
		t.Fatalf("the object without a row is locked (%s)", *mode)
	}
	// Unlocked, it can be removed (what the reconciler does).
	if err := admin.RemoveObject(ctx, f.env.Blob.Bucket(), o.Key, minio.RemoveObjectOptions{VersionID: o.VersionID}); err != nil {
		t.Fatalf("remove the object without a row: %v", err)
	}
}

// dropTypeReader reads a file and, at its end, removes the record type
// 'gone' from the database: the filing's checks passed, its row will fail.
type dropTypeReader struct {
	r    io.Reader
	f    *fixture
	once bool
}

func (d *dropTypeReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && !d.once {
		d.once = true
		if _, xerr := d.f.env.DB.Exec(`DELETE FROM record_types WHERE code = 'gone'`); xerr != nil {
			return n, xerr
		}
	}
	return n, err
}

// TestRetentionPendingIsFinishedByTheJob: a version whose retention could
// not be applied after its row stays lock_pending, and the scheduled run
// applies it (and the legal hold of a held record).
func TestRetentionPendingIsFinishedByTheJob(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	r := f.create(t, "meeting-minutes", f.today())
	if _, err := f.svc.SetHold(f.as("coord"), r.ID, true, "Thanh tra"); err != nil {
		t.Fatal(err)
	}
	v2, err := f.svc.AddVersion(f.as("lan"), r.ID, record.Correction{Reason: "Bổ sung", File: file("v2.pdf", pdf("v2"))})
	if err != nil {
		t.Fatal(err)
	}
	// Undo, in the store, what the filing applied, and mark it pending
	// again, as if the store had failed right after the row.
	admin := adminClient(t)
	off := minio.LegalHoldDisabled
	if err := admin.PutObjectLegalHold(ctx, f.env.Blob.Bucket(), v2.Key, minio.PutObjectLegalHoldOptions{VersionID: v2.VersionID, Status: &off}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.DB.Exec(`UPDATE record_versions SET lock_pending = true WHERE record_id = $1 AND no = 2`, r.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.Get(f.as("coord"), r.ID)
	if !got.Versions[1].LockPending {
		t.Fatal("pending flag not shown")
	}
	rep, err := f.svc.RunPending(ctx)
	if err != nil || rep.Locked != 1 || rep.LockErrors != 0 {
		t.Fatalf("run: %+v %v", rep, err)
	}
	lh, err := admin.GetObjectLegalHold(ctx, f.env.Blob.Bucket(), v2.Key, minio.GetObjectLegalHoldOptions{VersionID: v2.VersionID})
	if err != nil || lh == nil || *lh != minio.LegalHoldEnabled {
		t.Fatalf("legal hold after the run: %v %v", lh, err)
	}
	mode, until, err := admin.GetObjectRetention(ctx, f.env.Blob.Bucket(), v2.Key, v2.VersionID)
	if err != nil || mode == nil || *mode != minio.Governance || until == nil || !until.Equal(r.RetainUntil) {
		t.Fatalf("retention after the run: %v %v %v", mode, until, err)
	}
	got, _ = f.svc.Get(f.as("coord"), r.ID)
	if got.Versions[1].LockPending {
		t.Fatal("still pending after the run")
	}
	if rep, err := f.svc.RunPending(ctx); err != nil || rep.Locked != 0 {
		t.Fatalf("second run: %+v %v", rep, err)
	}
}

// TestRetentionRefusedStaysPending: when the object store refuses the
// retention (here: shortening a compliance lock, which it never allows),
// the version stays lock_pending and the run reports it.
func TestRetentionRefusedStaysPending(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	r := f.create(t, "audit-report", f.today())
	if _, err := f.env.DB.Exec(`UPDATE record_versions SET lock_pending = true, retain_until = retain_until - interval '5 years'
		WHERE record_id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		rep, err := f.svc.RunPending(ctx)
		if err != nil || rep.Locked != 0 || rep.LockErrors != 1 || rep.Err == nil {
			t.Fatalf("run: %+v %v", rep, err)
		}
	}
	got, _ := f.svc.Get(f.as("coord"), r.ID)
	if !got.Versions[0].LockPending {
		t.Fatal("a refused retention cleared the pending flag")
	}
}
