package reconcile_test

import (
	"bytes"
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/reconcile"
	"github.com/qmstrack/qmstrack/server/trail"
)

var pdf = []byte("%PDF-1.4\n% reconcile test\n%%EOF\n")

// fileNC reports an NC of tnmt with one evidence file through the API and
// returns its id and the file's key and version.
func fileNC(t *testing.T, env *apptest.Env) (id, key, version string) {
	t.Helper()
	var nc struct{ ID string }
	env.As("staff.tnmt").Multipart("/api/v1/ncs", map[string]string{"source": "self_report", "severity": "minor", "unit": "tnmt",
		"title": "Thiếu phiếu hẹn"}, apptest.File{Field: "file", Name: "phieu.pdf", Content: pdf}).MustStatus(http.StatusCreated).Decode(&nc)
	if err := env.App.DB.QueryRowxContext(context.Background(), `SELECT object_key, version_id FROM nc_files WHERE nc_id = $1`, nc.ID).
		Scan(&key, &version); err != nil {
		t.Fatal(err)
	}
	return nc.ID, key, version
}

// service is a reconciler on the app's database and bucket with its own
// clock, so age is set by the test, not waited for.
func service(env *apptest.Env, now func() time.Time, grace time.Duration) *reconcile.Service {
	return reconcile.New(postgres.NewReconcileStore(env.App.DB), env.App.Blob.Inventory(), env.App.Authz,
		reconcile.Options{Now: now, Grace: grace})
}

// lastModified lists the bucket with the root key and returns each
// version's time, by version id.
func lastModified(t *testing.T, env *apptest.Env) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	c := testenv.AdminClient(t)
	for o := range c.ListObjects(context.Background(), env.App.Blob.Bucket(), minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		out[o.VersionID] = o.LastModified
	}
	return out
}

func uploads(t *testing.T, env *apptest.Env) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	for u := range env.App.Blob.Client().ListIncompleteUploads(context.Background(), env.App.Blob.Bucket(), "", true) {
		if u.Err != nil {
			t.Fatal(u.Err)
		}
		out[u.UploadID] = u.Initiated
	}
	return out
}

func exists(t *testing.T, env *apptest.Env, o qms.StoredObject) bool {
	t.Helper()
	ok, err := env.App.Blob.Inventory().VersionExists(context.Background(), o.Key, o.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func versions(fs []reconcile.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Key+"@"+f.VersionID)
	}
	sort.Strings(out)
	return out
}

func ref(o qms.StoredObject) string { return o.Key + "@" + o.VersionID }

// TestOrphansByAgeAndLock: versions without a row older than the grace
// period are removed (with the disposal key), younger ones are kept, locked
// or held ones are listed and kept; incomplete uploads older than the grace
// are aborted, younger ones left; versions that rows reference are never
// touched however old, nor the trail's checkpoints, which have no row.
// Inspect changes nothing.
func TestOrphansByAgeAndLock(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	st := env.App.Blob
	_, ncKey, ncVersion := fileNC(t, env) // referenced, unlocked: old by the clock below, never removed
	put := func(key string, o blob.PutOptions) qms.StoredObject {
		t.Helper()
		o.MaxSize = 1 << 20
		obj, err := st.Put(ctx, key, bytes.NewReader(pdf), o)
		if err != nil {
			t.Fatal(err)
		}
		return obj
	}
	core := minio.Core{Client: st.Client()}
	begin := func(key string) string {
		t.Helper()
		id, err := core.NewMultipartUpload(ctx, st.Bucket(), key, minio.PutObjectOptions{ContentType: "application/pdf"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	// The old set, then (a second later by the store's clock) the young set.
	old := put("record/"+qms.NewID(), blob.PutOptions{})
	until := time.Now().Add(240 * time.Hour).UTC().Truncate(time.Second)
	locked := put("record/"+qms.NewID(), blob.PutOptions{Retention: &qms.Retention{Mode: "GOVERNANCE", Until: until}})
	held := put("record/"+qms.NewID(), blob.PutOptions{LegalHold: true})
	// A trail checkpoint has no row by design: the check leaves it alone.
	if err := st.PutCheckpoint(ctx, trail.Checkpoint{Seq: 1, Hash: "h1", At: time.Now()}, qms.Retention{Mode: "GOVERNANCE", Until: until}); err != nil {
		t.Fatal(err)
	}
	oldUpload := begin("documents/" + qms.NewID())
	time.Sleep(1100 * time.Millisecond)
	young := put("ncs/"+qms.NewID(), blob.PutOptions{})
	youngUpload := begin("documents/" + qms.NewID())

	lm := lastModified(t, env)
	up := uploads(t, env)
	// oldEnd: the last of the old set to be written; youngStart: the first
	// of the young set.
	oldEnd := lm[old.VersionID]
	for _, v := range []string{locked.VersionID, held.VersionID} {
		if lm[v].After(oldEnd) {
			oldEnd = lm[v]
		}
	}
	if up[oldUpload].After(oldEnd) {
		oldEnd = up[oldUpload]
	}
	youngStart := lm[young.VersionID]
	if up[youngUpload].Before(youngStart) {
		youngStart = up[youngUpload]
	}
	if !youngStart.After(oldEnd) {
		t.Fatalf("the young set (%s) is not younger than the old set (%s)", youngStart, oldEnd)
	}
	// The moment the old set has just passed the grace period and the
	// young set has not.
	grace := time.Hour
	at := oldEnd.Add(youngStart.Sub(oldEnd) / 2).Add(grace)
	svc := service(env, func() time.Time { return at }, grace)

	// Inspect: says what a run would do, does nothing.
	look, err := svc.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if look.Repaired || look.OrphansRemoved != 1 || look.UploadsAborted != 1 || !exists(t, env, old) || uploads(t, env)[oldUpload].IsZero() {
		t.Fatalf("inspect: %+v; old version there %v", look, exists(t, env, old))
	}

	c, err := svc.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := versions(c.Of(reconcile.KindRemoved)); len(got) != 1 || got[0] != ref(old) {
		t.Errorf("removed %v, want only the old unlocked version %s", got, ref(old))
	}
	if exists(t, env, old) {
		t.Error("the old version without a row is still in the bucket")
	}
	if !exists(t, env, young) || c.OrphansYoung != 1 {
		t.Errorf("the version younger than the grace period: there %v, counted young %d", exists(t, env, young), c.OrphansYoung)
	}
	if !exists(t, env, qms.StoredObject{Key: ncKey, VersionID: ncVersion}) {
		t.Error("a version a row refers to was removed")
	}
	listed := c.Of(reconcile.KindLocked)
	if got := versions(listed); len(got) != 2 || c.OrphansListed != 2 || !exists(t, env, locked) || !exists(t, env, held) {
		t.Errorf("locked and held versions: listed %v (%d), there %v %v", got, c.OrphansListed, exists(t, env, locked), exists(t, env, held))
	}
	for _, f := range listed {
		switch f.VersionID {
		case locked.VersionID:
			if f.Until == nil || !f.Until.Equal(until) || f.LegalHold {
				t.Errorf("the retained version is listed as %+v", f)
			}
		case held.VersionID:
			if !f.LegalHold {
				t.Errorf("the held version is listed without its hold: %+v", f)
			}
		}
	}
	ups := uploads(t, env)
	if _, ok := ups[oldUpload]; ok {
		t.Error("the incomplete upload older than the grace period was not aborted")
	}
	if _, ok := ups[youngUpload]; !ok {
		t.Error("the young incomplete upload was aborted")
	}
	if got := c.Of(reconcile.KindAborted); len(got) != 1 || got[0].VersionID != oldUpload || c.UploadsYoung != 1 {
		t.Errorf("aborted %+v, young uploads %d", got, c.UploadsYoung)
	}
	if c.Missing != 0 || c.RowsChecked != 1 {
		t.Errorf("missing %d, rows %d: want 0 and the NC's file", c.Missing, c.RowsChecked)
	}

	// Stored for the page: the last check is this one.
	last, err := postgres.NewReconcileStore(env.App.DB).LastCheck(ctx, true)
	if err != nil || last.ID != c.ID || last.OrphansRemoved != 1 || len(last.Of(reconcile.KindLocked)) != 2 {
		t.Fatalf("last check %+v, %v", last, err)
	}
}

// TestRowsWithoutTheirFile: a row of every kind whose version was deleted
// behind qmstrack's back (with the store's root key) is reported with its
// table and the object it belongs to; a disposed record version, whose
// row says its file was removed on purpose, is not.
func TestRowsWithoutTheirFile(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	ctx := context.Background()
	db := env.App.DB
	ncID, _, _ := fileNC(t, env)
	docID := f.Document(t, "author.tnmt", "tnmt")
	f.Revision(t, "author.tnmt", docID)
	recID := f.Record(t, "staff.tnmt", "tnmt", f.Today())
	disposedID := f.Record(t, "staff.tnmt", "tnmt", f.Today())
	meetingID := f.Meeting(t, "coordinator")
	dirID := f.Directive(t, "coordinator", meetingID, "tnmt")
	f.ReportDirective(t, "head.tnmt", dirID)
	// Minutes kept on the meeting's row (the form without the records).
	minutes, err := env.App.Blob.PutFile(ctx, "minutes/"+qms.NewID(), bytes.NewReader(pdf), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE meetings SET minutes_key = $2, minutes_version = $3, minutes_size = $4, minutes_sha256 = $5,
		minutes_type = $6, minutes_filename = 'bien-ban.pdf' WHERE id = $1`, meetingID, minutes.Key, minutes.VersionID, minutes.Size,
		minutes.SHA256, minutes.MediaType); err != nil {
		t.Fatal(err)
	}

	svc := service(env, time.Now, time.Hour)
	c, err := svc.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.RowsChecked != 6 || c.Missing != 0 || len(c.Findings) != 0 {
		t.Fatalf("before any loss: %d rows, %d missing, findings %+v; want 6 rows of five tables and nothing missing", c.RowsChecked, c.Missing, c.Findings)
	}

	// Every file deleted by the root key; one record version disposed of.
	type lost struct{ source, parent, key, version string }
	var want []lost
	one := func(source, parent, q string, args ...any) {
		t.Helper()
		var key, version string
		if err := db.QueryRowxContext(ctx, q, args...).Scan(&key, &version); err != nil {
			t.Fatalf("%s: %v", source, err)
		}
		want = append(want, lost{source, parent, key, version})
	}
	one(reconcile.SourceNCFiles, ncID, `SELECT object_key, version_id FROM nc_files WHERE nc_id = $1`, ncID)
	one(reconcile.SourceRevisionFiles, docID, `SELECT f.object_key, f.version_id FROM revision_files f JOIN revisions r ON r.id = f.revision_id WHERE r.document_id = $1`, docID)
	one(reconcile.SourceRecordVersions, recID, `SELECT object_key, version_id FROM record_versions WHERE record_id = $1`, recID)
	one(reconcile.SourceMeetingMinutes, meetingID, `SELECT minutes_key, minutes_version FROM meetings WHERE id = $1`, meetingID)
	one(reconcile.SourceDirectiveEvidence, dirID, `SELECT e.object_key, e.version_id FROM directive_evidence e JOIN directive_reports r ON r.id = e.report_id WHERE r.directive_id = $1`, dirID)
	var dKey, dVersion string
	if err := db.QueryRowxContext(ctx, `UPDATE record_versions SET delete_requested_at = now(), deleted_at = now() WHERE record_id = $1 RETURNING object_key, version_id`, disposedID).
		Scan(&dKey, &dVersion); err != nil {
		t.Fatal(err)
	}
	admin := testenv.AdminClient(t)
	for _, l := range append(want, lost{key: dKey, version: dVersion}) {
		if err := admin.RemoveObject(ctx, env.App.Blob.Bucket(), l.key, minio.RemoveObjectOptions{VersionID: l.version, GovernanceBypass: true}); err != nil {
			t.Fatalf("remove %s: %v", l.key, err)
		}
	}

	c, err = svc.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Of(reconcile.KindMissing)
	if c.Missing != len(want) || len(got) != len(want) {
		t.Fatalf("missing %d, findings %+v; want the %d rows whose files were deleted", c.Missing, got, len(want))
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if g.Source == w.source && g.Parent == w.parent && g.Key == w.key && g.VersionID == w.version {
				found = true
			}
		}
		if !found {
			t.Errorf("the %s row of %s (%s) is not reported: %+v", w.source, w.parent, w.key, got)
		}
	}
	for _, g := range got {
		if g.Key == dKey {
			t.Errorf("the disposed record version is reported missing: %+v", g)
		}
	}
	sum, err := svc.Summary(ctx)
	if err != nil || sum.MissingRows != len(want) || sum.CheckedAt == nil {
		t.Errorf("summary %+v, %v", sum, err)
	}
}

// TestEverySourceOfFiles holds reconcile.Sources against the database: every
// text column that holds an object version (version_id, or a name ending
// in _version) must be read by the check, so a new table of files cannot
// be forgotten.
func TestEverySourceOfFiles(t *testing.T) {
	db := testenv.DB(t)
	rows, err := db.QueryxContext(context.Background(), `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type = 'text' AND (column_name = 'version_id' OR column_name LIKE '%\_version')
		  AND table_name <> 'object_findings'`) // the reconciler's own findings
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	known := map[string]bool{}
	for _, s := range reconcile.Sources {
		known[s.Table+"."+s.Column] = true
	}
	seen := map[string]bool{}
	for rows.Next() {
		var tbl, col string
		if err := rows.Scan(&tbl, &col); err != nil {
			t.Fatal(err)
		}
		seen[tbl+"."+col] = true
		if !known[tbl+"."+col] {
			t.Errorf("%s.%s holds object versions but the reconciler does not read it: add it to reconcile.Sources and the store's Refs", tbl, col)
		}
	}
	for k := range known {
		if !seen[k] {
			t.Errorf("reconcile.Sources names %s, which is not a column of the database", k)
		}
	}
}

// TestRunNowNeedsTheWholeOffice: running a check and reading it is for
// who holds objects/check in every unit; another is refused with the reason.
func TestRunNowNeedsTheWholeOffice(t *testing.T) {
	env := apptest.New(t)
	svc := service(env, time.Now, time.Hour)
	id := func(login string) string {
		var id string
		if err := env.App.DB.QueryRowxContext(context.Background(), `SELECT id FROM users WHERE login = $1`, login).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	as := func(login string) context.Context {
		return qms.WithActor(context.Background(), qms.Actor{UserID: id(login), Login: login})
	}
	for _, login := range []string{"admin", "coordinator"} {
		if _, err := svc.RunNow(as(login)); err != nil {
			t.Errorf("%s: %v", login, err)
		}
		if c, err := svc.Last(as(login)); err != nil || c.ID == 0 {
			t.Errorf("%s reads the last check: %+v %v", login, c, err)
		}
	}
	for _, login := range []string{"head.tnmt", "staff.tnmt", "auditor"} {
		_, err := svc.RunNow(as(login))
		if qms.KindOf(err) != qms.ErrForbidden || !strings.Contains(err.Error(), "checks the object store") {
			t.Errorf("%s runs a check: %v", login, err)
		}
		if _, err := svc.Last(as(login)); qms.KindOf(err) != qms.ErrForbidden {
			t.Errorf("%s reads the last check: %v", login, err)
		}
	}
	if _, err := svc.RunNow(context.Background()); qms.KindOf(err) != qms.ErrUnauthenticated {
		t.Errorf("no actor: %v", err)
	}
}

// TestRunDueOncePerEvery: the scheduled job checks when none ran yet, then
// not again until the last check is Every old.
func TestRunDueOncePerEvery(t *testing.T) {
	e := testenv.New(t)
	now := time.Now()
	svc := reconcile.New(postgres.NewReconcileStore(e.DB), e.Blob.Inventory(), nil,
		reconcile.Options{Now: func() time.Time { return now }, Every: time.Hour})
	ctx := context.Background()
	for i, step := range []struct {
		after time.Duration
		ran   bool
	}{{0, true}, {59 * time.Minute, false}, {2 * time.Minute, true}, {time.Minute, false}} {
		now = now.Add(step.after)
		c, ran, err := svc.RunDue(ctx)
		if err != nil || ran != step.ran || ran && c.ID == 0 {
			t.Fatalf("step %d (+%s): ran %v (%+v, %v), want %v", i, step.after, ran, c, err, step.ran)
		}
	}
}
