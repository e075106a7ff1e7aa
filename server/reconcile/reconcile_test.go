package reconcile_test

import (
	"bytes"
	"context"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/reconcile"
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
// touched however old. Inspect changes nothing.
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
	oldUpload := begin("documents/" + qms.NewID())
	time.Sleep(1100 * time.Millisecond)
	young := put("ncs/"+qms.NewID(), blob.PutOptions{})
	youngUpload := begin("documents/" + qms.NewID())

	lm := lastModified(t, env)
	up := uploads(t, env)
	oldest, newest := lm[old.VersionID], lm[old.VersionID]
	for _, v := range []string{locked.VersionID, held.VersionID} {
		if lm[v].After(oldest) {
			oldest = lm[v]
		}
	}
	if up[oldUpload].After(oldest) {
		oldest = up[oldUpload]
	}
	newest = lm[young.VersionID]
	if up[youngUpload].Before(newest) {
		newest = up[youngUpload]
	}
	if !newest.After(oldest) {
		t.Fatalf("the young set (%s) is not younger than the old set (%s)", newest, oldest)
	}
	// The moment the old set has just passed the grace period and the
	// young set has not.
	grace := time.Hour
	at := oldest.Add(newest.Sub(oldest) / 2).Add(grace)
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
	last, err := postgres.NewReconcileStore(env.App.DB).LastCheck(ctx)
	if err != nil || last.ID != c.ID || last.OrphansRemoved != 1 || len(last.Of(reconcile.KindLocked)) != 2 {
		t.Fatalf("last check %+v, %v", last, err)
	}
}
