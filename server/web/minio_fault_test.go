//go:build fault

package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/faultenv"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
)

const (
	storeFaultTimeout = time.Second
	storeFaultStall   = 2 * time.Second
)

// storeFaultApp is the whole application on a fresh demo database and the given
// MinIO (a private one, so it can be frozen, killed or filled).
type storeFaultApp struct {
	url   string
	db    *sqlx.DB
	store *blob.Store
	http  *http.Client
	csrf  string
}

func newStoreFaultApp(t *testing.T, m *faultenv.MinIO) *storeFaultApp {
	t.Helper()
	o := m.Options("faults")
	o.Timeout, o.StallTimeout = storeFaultTimeout, storeFaultStall
	store := m.Store(o)
	url := testenv.SeededDatabaseURL(t, apptest.DemoSeeder)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL, cfg.S3Timeout, cfg.S3StallTimeout = url, storeFaultTimeout, storeFaultStall
	cfg.TrailCheckpointMode = "GOVERNANCE"
	db, err := postgres.Open(context.Background(), url, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a, err := app.New(cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), db, store, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Web)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	f := &storeFaultApp{url: srv.URL, db: db, store: store, http: &http.Client{Jar: jar, Timeout: 2 * time.Minute}}
	res, err := f.http.Post(srv.URL+"/api/v1/login", "application/json",
		strings.NewReader(`{"login":"coordinator","password":"`+apptest.Password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 {
		t.Fatalf("login: %d %v", res.StatusCode, err)
	}
	f.csrf = out.CSRF
	return f
}

// storeFaultText is a plain-text upload of size bytes that calls at once, when
// after bytes have been read.
type storeFaultText struct {
	n, size, after int64
	at             func()
	once           sync.Once
}

func (s *storeFaultText) Read(p []byte) (int, error) {
	if s.n >= s.size {
		return 0, io.EOF
	}
	if s.at != nil && s.n >= s.after {
		s.once.Do(s.at)
	}
	const line = "a line of the evidence of a nonconformity, written again and again\n"
	k := 0
	for k < len(p) && s.n < s.size {
		c := copy(p[k:], line[s.n%int64(len(line)):])
		k += c
		s.n += int64(c)
	}
	return k, nil
}

type storeAnswer struct {
	status  int
	retry   string
	code    string
	message string
}

// reportNC reports a nonconformity titled title with file as its evidence,
// streamed as the form's last part.
func (f *storeFaultApp) reportNC(t *testing.T, title string, file io.Reader) storeAnswer {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fields := [][2]string{{"source", "external_inspection"}, {"severity", "major"}, {"unit", "tnmt"}, {"clauses", "7.5.3"},
			{"title", title}, {"description", "evidence upload during an outage"}, {"detected_by", "Sở Nội vụ"},
			{"detected_on", ncToday().Format("2006-01-02")}}
		for _, kv := range fields {
			_ = mw.WriteField(kv[0], kv[1])
		}
		fw, err := mw.CreateFormFile("file", "evidence.txt")
		if err == nil {
			_, err = io.Copy(fw, file)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", f.url+"/api/v1/ncs", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", f.csrf)
	res, err := f.http.Do(req)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	defer res.Body.Close()
	var body struct {
		Error struct{ Code, Message string }
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	return storeAnswer{res.StatusCode, res.Header.Get("Retry-After"), body.Error.Code, body.Error.Message}
}

// noRow checks that no nonconformity titled title (nor a file of one) was
// written.
func (f *storeFaultApp) noRow(t *testing.T, title string) {
	t.Helper()
	var ncs, files int
	if err := f.db.Get(&ncs, `SELECT count(*) FROM ncs WHERE title = $1`, title); err != nil {
		t.Fatal(err)
	}
	if err := f.db.Get(&files, `SELECT count(*) FROM nc_files f JOIN ncs n ON n.id = f.nc_id WHERE n.title = $1`, title); err != nil {
		t.Fatal(err)
	}
	if ncs+files != 0 {
		t.Errorf("the failed report left %d nonconformity row(s) and %d file row(s)", ncs, files)
	}
}

// noUploads waits (up to within) until the bucket has no incomplete
// multipart upload.
func (f *storeFaultApp) noUploads(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var left []string
		for u := range f.store.Client().ListIncompleteUploads(ctx, f.store.Bucket(), "", true) {
			if u.Err == nil {
				left = append(left, u.Key)
			}
		}
		cancel()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d incomplete multipart upload(s) left %s after the failure: %v", len(left), within, left)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func wantStoreUnavailable(t *testing.T, a storeAnswer, after, within time.Duration, what string) {
	t.Helper()
	if a.status != http.StatusServiceUnavailable || a.code != "unavailable" || a.retry != "5" ||
		a.message != "the file store is unavailable; try again in a few seconds" {
		t.Fatalf("%s: %d %s Retry-After %q %q; want 503 unavailable, Retry-After 5 and the file store's message", what, a.status, a.code, a.retry, a.message)
	}
	if after > within {
		t.Errorf("%s: answered %s after the fault; the deadline is %s", what, after, within)
	}
	t.Logf("%s: 503 %s after the fault", what, after.Round(10*time.Millisecond))
}

func TestFaultUploadToAFrozenStore(t *testing.T) {
	m := faultenv.StartMinIO(t, "")
	f := newStoreFaultApp(t, m)
	var at time.Time
	title := "frozen store " + qms.NewID()
	a := f.reportNC(t, title, &storeFaultText{size: 64 << 20, after: 20 << 20, at: func() { m.Freeze(); at = time.Now() }})
	took := time.Since(at)
	m.Thaw()
	wantStoreUnavailable(t, a, took, storeFaultStall+faultSlack, "upload to a frozen store")
	f.noRow(t, title)
	f.noUploads(t, 10*time.Second)
}

func TestFaultUploadToAKilledStore(t *testing.T) {
	m := faultenv.StartMinIO(t, "")
	f := newStoreFaultApp(t, m)
	var at time.Time
	title := "killed store " + qms.NewID()
	a := f.reportNC(t, title, &storeFaultText{size: 64 << 20, after: 24 << 20, at: func() { m.Kill(); at = time.Now() }})
	took := time.Since(at)
	wantStoreUnavailable(t, a, took, storeFaultStall+faultSlack, "upload to a killed store")
	f.noRow(t, title)
	m.Restart()
	f.noUploads(t, 15*time.Second)
}

func TestFaultUploadToAFullStore(t *testing.T) {
	disk := faultenv.Tmpfs(t, 64<<20)
	m := faultenv.StartMinIO(t, disk+"/data")
	f := newStoreFaultApp(t, m)
	unfill := faultenv.Fill(t, disk, 6<<20)
	time.Sleep(1500 * time.Millisecond) // MinIO looks at its disk's free space about once a second
	title := "full store " + qms.NewID()
	a := f.reportNC(t, title, &storeFaultText{size: 24 << 20})
	if a.status != http.StatusInsufficientStorage || a.code != "storage_full" ||
		a.message != "the file store is full; the file was not saved; ask the administrator to free space" {
		t.Fatalf("upload to a full store: %+v; want 507 storage_full with the message", a)
	}
	f.noRow(t, title)
	f.noUploads(t, 10*time.Second)
	if a := f.reportNC(t, "small after full "+qms.NewID(), strings.NewReader("a small evidence file\n")); a.status != http.StatusCreated {
		t.Fatalf("a small upload after the refusal: %+v", a)
	}

	// With no room even for the write probe, the instance is not ready.
	unfill()
	defer faultenv.Fill(t, disk, 256<<10)()
	deadline := time.Now().Add(blob.ProbeTTL + 10*time.Second)
	for {
		res, err := http.Get(f.url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Ready  bool
			Checks map[string]string
		}
		_ = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable && body.Checks["object_store"] == "full" && !body.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz with the store's disk full: %d %+v", res.StatusCode, body)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// A download from a frozen store answers 503 within the per-call deadline
// when the store freezes before the file starts, and is cut (not held open)
// within the stall deadline when it freezes mid-file.
func TestFaultDownloadFromAFrozenStore(t *testing.T) {
	m := faultenv.StartMinIO(t, "")
	f := newStoreFaultApp(t, m)
	title := "download " + qms.NewID()
	if a := f.reportNC(t, title, &storeFaultText{size: 24 << 20}); a.status != http.StatusCreated {
		t.Fatalf("report: %+v", a)
	}
	var id string
	if err := f.db.Get(&id, `SELECT f.id FROM nc_files f JOIN ncs n ON n.id = f.nc_id WHERE n.title = $1`, title); err != nil {
		t.Fatal(err)
	}
	get := func() *http.Response {
		t.Helper()
		res, err := f.http.Get(f.url + "/api/v1/nc-files/" + id)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	m.Freeze()
	start := time.Now()
	res := get()
	took := time.Since(start)
	var body struct {
		Error struct{ Code, Message string }
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	m.Thaw()
	wantStoreUnavailable(t, storeAnswer{res.StatusCode, res.Header.Get("Retry-After"), body.Error.Code, body.Error.Message},
		took, storeFaultTimeout+faultSlack, "download from a frozen store")

	res = get()
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("download: %d", res.StatusCode)
	}
	if _, err := io.ReadFull(res.Body, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	m.Freeze()
	defer m.Thaw()
	start = time.Now()
	n, err := io.Copy(io.Discard, res.Body)
	took = time.Since(start)
	if err == nil {
		t.Fatalf("a download whose store froze mid-file ended without an error after %d more bytes", n)
	}
	if took > storeFaultStall+faultSlack {
		t.Errorf("the download was cut %s after the freeze; the stall deadline is %s", took, storeFaultStall)
	}
	t.Logf("download frozen mid-file: cut %s after the freeze (%v)", took.Round(10*time.Millisecond), err)
}
