//go:build fault

package record_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/internal/failpoint"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/record"
)

// The fault tests stop a real qmstrack process in the middle of a
// disposition (at a failpoint, which exits at once, or with SIGKILL), start
// it again, and check that the record ends disposed, every version gone
// from the object store, the trail intact with exactly one decision.

const faultVersions = 20

// binDir holds the binary the fault tests build once (see TestMain).
var (
	binDir   string
	buildBin sync.Once
	binErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildQmstrack builds the binary, once for all the fault tests.
func buildQmstrack(t *testing.T) string {
	t.Helper()
	buildBin.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "qmstrack-fault-"); binErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, "qmstrack"), "./server/cmd/qmstrack")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("build qmstrack: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "qmstrack")
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// proc is one running qmstrack serve.
type proc struct {
	cmd    *exec.Cmd
	out    *lockedBuffer
	errb   *lockedBuffer
	addr   string
	done   chan struct{}
	err    error
	exited bool
}

type faultEnv struct {
	bin string
	f   *fixture
}

func (fe faultEnv) environ(extra ...string) []string {
	o := testenv.S3Options()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"QMS_DATABASE_URL=" + fe.f.env.DBURL,
		"QMS_S3_ENDPOINT=" + o.Endpoint,
		"QMS_S3_ACCESS_KEY=" + o.AccessKey,
		"QMS_S3_SECRET_KEY=" + o.SecretKey,
		"QMS_S3_DISPOSAL_ACCESS_KEY=" + o.DisposalAccessKey,
		"QMS_S3_DISPOSAL_SECRET_KEY=" + o.DisposalSecretKey,
		"QMS_S3_BUCKET=" + fe.f.env.Blob.Bucket(),
		"QMS_LOG_LEVEL=error",
		"QMS_ADDR=127.0.0.1:0",
		"QMS_TRAIL_CHECKPOINT_MODE=GOVERNANCE",
	}
	return append(env, extra...)
}

func (fe faultEnv) run(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(fe.bin, args...)
	cmd.Env = fe.environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("qmstrack %v: %v\n%s", args, err, out)
	}
}

// start runs qmstrack serve with extra environment and waits until it
// answers.
func (fe faultEnv) start(t *testing.T, extra ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(fe.bin, "serve"), out: &lockedBuffer{}, errb: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Env = fe.environ(extra...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.errb
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); p.exited = true; close(p.done) }()
	t.Cleanup(func() {
		if !p.exited {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for p.addr == "" && time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("serve ended at start: %v\n%s", p.err, p.errb.String())
		case <-time.After(50 * time.Millisecond):
		}
		if s := p.out.String(); strings.Contains(s, "http://") {
			p.addr = strings.TrimSpace(s[strings.Index(s, "http://"):])
		}
	}
	if p.addr == "" {
		t.Fatal("serve did not start")
	}
	return p
}

// wait waits for the process to end by itself and returns its exit code.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("the process did not stop\n%s", p.errb.String())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	return 0
}

// stop ends a process that should still be running.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// session signs the coordinator in and returns a client with the cookie
// and the CSRF token.
func session(t *testing.T, addr, login, password string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 2 * time.Minute}
	b, _ := json.Marshal(map[string]string{"login": login, "password": password})
	res, err := c.Post(addr+"/api/v1/login", "application/json", bytes.NewReader(b))
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
	return c, out.CSRF
}

// dispose posts the disposition; the answer may never come (the process
// stops on the way).
func dispose(c *http.Client, addr, csrf, id string) (int, error) {
	b, _ := json.Marshal(map[string]string{"reason": "Hết thời hạn lưu trữ", "password": "Dispose-secret-1"})
	req, _ := http.NewRequest("POST", addr+"/api/v1/records/"+id+"/dispose", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

// newFaultRecord files an expired record with faultVersions versions.
func newFaultRecord(t *testing.T, f *fixture) record.Record {
	t.Helper()
	r := f.create(t, "filled-form", "2015-03-01")
	for i := 2; i <= faultVersions; i++ {
		if _, err := f.svc.AddVersion(f.as("lan"), r.ID, record.Correction{Reason: fmt.Sprintf("Sửa lần %d", i),
			File: file("v.pdf", pdf(fmt.Sprintf("version %d", i)))}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := f.svc.Get(f.as("coord"), r.ID)
	if err != nil || len(r.Versions) != faultVersions {
		t.Fatalf("record: %d versions, %v", len(r.Versions), err)
	}
	return r
}

type dbState struct {
	Status  string `db:"status"`
	Deleted int    `db:"deleted"`
}

func state(t *testing.T, f *fixture, id string) dbState {
	t.Helper()
	var s dbState
	if err := f.env.DB.Get(&s, `SELECT status, (SELECT count(*) FROM record_versions v WHERE v.record_id = r.id AND deleted_at IS NOT NULL) AS deleted
		FROM records r WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return s
}

// storedVersions counts the record's versions still in the object store.
func storedVersions(t *testing.T, f *fixture, r record.Record) int {
	t.Helper()
	keys := map[string]bool{}
	for _, v := range r.Versions {
		keys[v.Key+"\x00"+v.VersionID] = true
	}
	n := 0
	for o := range adminClient(t).ListObjects(context.Background(), f.env.Blob.Bucket(), minio.ListObjectsOptions{
		Prefix: "record/", Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		if keys[o.Key+"\x00"+o.VersionID] {
			n++
		}
	}
	return n
}

// checkDisposed restarts qmstrack and checks that the disposition ends
// complete and recorded once.
func checkDisposed(t *testing.T, fe faultEnv, r record.Record) {
	t.Helper()
	f := fe.f
	p := fe.start(t, "QMS_JOB_INTERVAL=300ms")
	deadline := time.Now().Add(60 * time.Second)
	for state(t, f, r.ID).Status != record.StatusDisposed && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	p.stop(t)
	if s := state(t, f, r.ID); s.Status != record.StatusDisposed || s.Deleted != faultVersions {
		t.Fatalf("after the restart: %+v", s)
	}
	if n := storedVersions(t, f, r); n != 0 {
		t.Fatalf("%d versions left in the object store", n)
	}
	acts := f.trailActions(t, r.ID)
	if count(acts, "record.dispose") != 1 || count(acts, "record.version_delete") != faultVersions ||
		count(acts, "record.disposed") != 1 || acts[len(acts)-1] != "record.disposed" {
		t.Fatalf("trail of the record: %v", acts)
	}
	var sigs int
	_ = f.env.DB.Get(&sigs, `SELECT count(*) FROM signatures WHERE object_type = 'record' AND object_id = $1`, r.ID)
	if sigs != 1 {
		t.Fatalf("%d signatures", sigs)
	}
	res, err := postgres.NewTrailStore(f.env.DB).Verify(context.Background())
	if err != nil || !res.OK {
		t.Fatalf("trail verify: %+v %v", res, err)
	}
	cmd := exec.Command(fe.bin, "trail", "verify")
	cmd.Env = fe.environ()
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "intact") {
		t.Fatalf("qmstrack trail verify: %v %s", err, out)
	}
}

func TestFaultDisposalSurvivesAKillAtEveryStep(t *testing.T) {
	bin := buildQmstrack(t)
	cases := []struct {
		point string
		// deleted is how many version rows are marked deleted when the
		// process stops there.
		deleted int
	}{
		{"dispose.after-decision:1", 0},
		{"dispose.after-delete:1", 0}, // the first file gone from the store, its row not yet marked
		{"dispose.after-delete:10", 9},
		{"dispose.after-delete:20", 19},
		{"dispose.after-mark:1", 1},
		{"dispose.after-mark:13", 13},
		{"dispose.before-final:1", faultVersions},
	}
	for _, c := range cases {
		t.Run(c.point, func(t *testing.T) {
			f := newFixture(t, 0)
			fe := faultEnv{bin: bin, f: f}
			fe.run(t, "user", "add", "-login", "boss", "-name", "Boss", "-password", "Dispose-secret-1")
			fe.run(t, "user", "grant", "-login", "boss", "-role", "coordinator", "-unit", "*")
			r := newFaultRecord(t, f)

			p := fe.start(t, "QMS_FAULT_EXIT_AT="+c.point, "QMS_JOB_INTERVAL=1h")
			cl, csrf := session(t, p.addr, "boss", "Dispose-secret-1")
			if status, err := dispose(cl, p.addr, csrf, r.ID); err == nil {
				t.Fatalf("the disposition answered %d: the failpoint was not reached", status)
			}
			if code := p.wait(t); code != failpoint.ExitCode {
				t.Fatalf("exit code %d, want the failpoint's %d\n%s", code, failpoint.ExitCode, p.errb.String())
			}
			s := state(t, f, r.ID)
			if s.Status != record.StatusDisposing || s.Deleted != c.deleted {
				t.Fatalf("when stopped: %+v, want disposing with %d deleted", s, c.deleted)
			}
			if c.point == "dispose.after-delete:1" {
				// The very state of the report: a file gone, its row live.
				if n := storedVersions(t, f, r); n != faultVersions-1 {
					t.Fatalf("%d versions stored, want %d", n, faultVersions-1)
				}
			}
			checkDisposed(t, fe, r)
		})
	}
	t.Run("SIGKILL mid-deletion", func(t *testing.T) {
		f := newFixture(t, 0)
		fe := faultEnv{bin: bin, f: f}
		fe.run(t, "user", "add", "-login", "boss", "-name", "Boss", "-password", "Dispose-secret-1")
		fe.run(t, "user", "grant", "-login", "boss", "-role", "coordinator", "-unit", "*")
		r := newFaultRecord(t, f)
		// Each deletion waits a little, so the kill lands in the middle.
		p := fe.start(t, "QMS_FAULT_DELAY=dispose.before-delete:100ms", "QMS_JOB_INTERVAL=1h")
		cl, csrf := session(t, p.addr, "boss", "Dispose-secret-1")
		answered := make(chan error, 1)
		go func() { _, err := dispose(cl, p.addr, csrf, r.ID); answered <- err }()
		deadline := time.Now().Add(30 * time.Second)
		for state(t, f, r.ID).Deleted < 5 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		p.wait(t)
		if err := <-answered; err == nil {
			t.Fatal("the disposition answered before the kill")
		}
		s := state(t, f, r.ID)
		if s.Status != record.StatusDisposing || s.Deleted < 5 || s.Deleted >= faultVersions {
			t.Fatalf("when killed: %+v", s)
		}
		t.Logf("killed with %d of %d versions marked deleted", s.Deleted, faultVersions)
		checkDisposed(t, fe, r)
	})
}

// TestFaultFilingKilledBeforeTheLockIsLockedAfterRestart: qmstrack stops after
// a filing's row committed and before the retention was applied; the
// version is then stored unlocked with lock_pending, and the restarted
// process locks it.
func TestFaultFilingKilledBeforeTheLockIsLockedAfterRestart(t *testing.T) {
	bin := buildQmstrack(t)
	f := newFixture(t, 0)
	fe := faultEnv{bin: bin, f: f}
	fe.run(t, "user", "add", "-login", "clerk", "-name", "Clerk", "-password", "Clerk-secret-1")
	fe.run(t, "user", "grant", "-login", "clerk", "-role", "staff", "-unit", "land")
	p := fe.start(t, "QMS_FAULT_EXIT_AT=record.before-lock:1", "QMS_JOB_INTERVAL=1h")
	cl, csrf := session(t, p.addr, "clerk", "Clerk-secret-1")
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, kv := range [][2]string{{"type", "audit-report"}, {"unit", "land"}, {"title", "Báo cáo đánh giá"}, {"date", time.Now().In(loc).Format("2006-01-02")}} {
		_ = w.WriteField(kv[0], kv[1])
	}
	fw, _ := w.CreateFormFile("file", "report.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4\nreport\n%%EOF\n"))
	_ = w.Close()
	req, _ := http.NewRequest("POST", p.addr+"/api/v1/records", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("X-CSRF-Token", csrf)
	if res, err := cl.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("the filing answered %d: the failpoint was not reached", res.StatusCode)
	}
	if code := p.wait(t); code != failpoint.ExitCode {
		t.Fatalf("exit code %d\n%s", code, p.errb.String())
	}
	var v struct {
		Key         string    `db:"object_key"`
		VersionID   string    `db:"version_id"`
		Pending     bool      `db:"lock_pending"`
		RetainUntil time.Time `db:"retain_until"`
	}
	if err := f.env.DB.Get(&v, `SELECT object_key, version_id, lock_pending, retain_until FROM record_versions`); err != nil {
		t.Fatal(err)
	}
	admin := adminClient(t)
	ctx := context.Background()
	if mode, _, err := admin.GetObjectRetention(ctx, f.env.Blob.Bucket(), v.Key, v.VersionID); !v.Pending || err == nil && mode != nil {
		t.Fatalf("when stopped: pending %v, lock %v", v.Pending, mode)
	}
	p2 := fe.start(t, "QMS_JOB_INTERVAL=300ms")
	deadline := time.Now().Add(30 * time.Second)
	for v.Pending && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_ = f.env.DB.Get(&v.Pending, `SELECT lock_pending FROM record_versions`)
	}
	p2.stop(t)
	mode, until, err := admin.GetObjectRetention(ctx, f.env.Blob.Bucket(), v.Key, v.VersionID)
	if v.Pending || err != nil || mode == nil || *mode != minio.Compliance || until == nil || !until.Equal(v.RetainUntil) {
		t.Fatalf("after the restart: pending %v, lock %v until %v (%v)", v.Pending, mode, until, err)
	}
}
