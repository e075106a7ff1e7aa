//go:build soak

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/qmstrack/qmstrack/server/internal/faultenv"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// The soak (make soak, never part of make test): a qmstrack server started
// like `make run` (its own database seeded with the demo organisation, its
// own bucket, the binary as a separate process) gets a mixed read/write
// workload. First the maximum rate is measured: soakWorkers clients in a
// closed loop for SOAK_MEASURE (default 20s). Then the load runs at half of
// that rate for SOAK_DURATION (default 30m), the server's resident memory
// (VmRSS) sampled every 10 s. It fails on any answer that is not 2xx/3xx
// (or no answer), and when the server's memory grows: the median RSS of the
// last quarter of the run may exceed the median of the first quarter after
// the warm-up (the first fifth of the run, at most 2 min) by at most
// max(25 %, 16 MiB).
const soakWorkers = 16

func envDuration(t *testing.T, key string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: a duration like 30m", key, v)
	}
	return d
}

// soakServer is the qmstrack process under load.
type soakServer struct {
	cmd  *exec.Cmd
	base string
	log  string
}

// soakBinary is QMS_SOAK_BIN (make soak passes the binary it built) or one
// built now.
func soakBinary(t *testing.T, dir string) string {
	t.Helper()
	if b := os.Getenv("QMS_SOAK_BIN"); b != "" {
		return b
	}
	bin := filepath.Join(dir, "qmstrack")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startSoakServer(t *testing.T) *soakServer {
	t.Helper()
	// A cluster of its own: the shared server's connections are taken by
	// every other test suite running on the machine.
	pg := faultenv.StartPostgres(t)
	dbURL := pg.CreateDatabase(t, "qmstrack")
	store := testenv.Blob(t)
	o := testenv.S3Options()
	dir := t.TempDir()
	bin := soakBinary(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := append(os.Environ(),
		"QMS_ADDR="+addr,
		"QMS_DATABASE_URL="+dbURL,
		"QMS_S3_ENDPOINT="+o.Endpoint,
		"QMS_S3_ACCESS_KEY="+o.AccessKey,
		"QMS_S3_SECRET_KEY="+o.SecretKey,
		"QMS_S3_DISPOSAL_ACCESS_KEY="+o.DisposalAccessKey,
		"QMS_S3_DISPOSAL_SECRET_KEY="+o.DisposalSecretKey,
		"QMS_S3_BUCKET="+store.Bucket(),
		"QMS_LOG_LEVEL=warn",
		"QMS_DEMO_PASSWORD=demo12345",
		// Checkpoints the test's bucket cleanup can remove.
		"QMS_TRAIL_CHECKPOINT_MODE=GOVERNANCE",
	)
	seed := exec.Command(bin, "seed", "--demo")
	seed.Env = env
	if out, err := seed.CombinedOutput(); err != nil {
		t.Fatalf("seed --demo: %v\n%s", err, out)
	}
	s := &soakServer{base: "http://" + addr, log: filepath.Join(dir, "server.log")}
	if l := os.Getenv("SOAK_LOG"); l != "" {
		s.log = l
	}
	logf, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = env, logf, logf
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
		logf.Close()
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(s.log)
			t.Fatalf("server not ready after 60 s: %v\n%s", err, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// rss is the server's resident memory in bytes.
func (s *soakServer) rss() (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", s.cmd.Process.Pid)
}

// apiToken signs in and creates an API token (no cookie, no CSRF header).
func apiToken(t *testing.T, base, login string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	call := func(path string, body any, csrf string, out any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		rb, _ := io.ReadAll(res.Body)
		if res.StatusCode/100 != 2 || json.Unmarshal(rb, out) != nil {
			t.Fatalf("%s: %d %s", path, res.StatusCode, rb)
		}
	}
	var session struct {
		CSRF string `json:"csrf_token"`
	}
	call("/api/v1/login", map[string]string{"login": login, "password": "demo12345"}, "", &session)
	var tok struct {
		Token string `json:"token"`
	}
	call("/api/v1/tokens", map[string]string{"name": "soak"}, session.CSRF, &tok)
	return tok.Token
}

// workload cycles through a fixed mix: of every 10 requests, 2 create a
// nonconformity, 2 read the NC register, 2 read one NC, 1 the document
// register, 2 the home page (HTML, with its task lists) and 1 /api/v1/me.
type workload struct {
	base, token string
	ncs         []string // ids to read
	mu          sync.Mutex
	n           uint64
	finished    atomic.Uint64 // answers received (or given up)
}

// inFlight is how many requests are waiting for their answer.
func (w *workload) inFlight() uint64 {
	w.mu.Lock()
	n := w.n
	w.mu.Unlock()
	return n - w.finished.Load()
}

func (w *workload) targeter() vegeta.Targeter {
	return func(tg *vegeta.Target) error {
		w.mu.Lock()
		n := w.n
		w.n++
		w.mu.Unlock()
		tg.Header = http.Header{"Authorization": {"Bearer " + w.token}, "Accept": {"application/json"}}
		tg.Method, tg.Body = "GET", nil
		switch n % 10 {
		case 0, 5:
			tg.Method, tg.URL = "POST", w.base+"/api/v1/ncs"
			tg.Header.Set("Content-Type", "application/json")
			tg.Body = fmt.Appendf(nil, `{"source":"self_report","severity":"minor","unit":"tnmt","title":"Tải thử %d","description":"Hồ sơ trả chậm"}`, n)
		case 1, 6:
			tg.URL = w.base + "/api/v1/ncs?limit=20"
		case 2, 7:
			tg.URL = w.base + "/api/v1/ncs/" + w.ncs[n%uint64(len(w.ncs))]
		case 3:
			tg.URL = w.base + "/api/v1/documents?limit=20"
		case 4, 8:
			tg.URL = w.base + "/"
			tg.Header.Set("Accept", "text/html")
		default:
			tg.URL = w.base + "/api/v1/me"
		}
		return nil
	}
}

func isWrite(r *vegeta.Result) bool { return r.Method == "POST" }

// attack runs the workload and returns metrics for all, reads and writes.
func attack(w *workload, pacer vegeta.Pacer, d time.Duration, opts ...func(*vegeta.Attacker)) (all, reads, writes *vegeta.Metrics) {
	all, reads, writes = &vegeta.Metrics{}, &vegeta.Metrics{}, &vegeta.Metrics{}
	a := vegeta.NewAttacker(append([]func(*vegeta.Attacker){vegeta.KeepAlive(true), vegeta.Timeout(30 * time.Second),
		vegeta.Redirects(vegeta.NoFollow)}, opts...)...)
	for r := range a.Attack(w.targeter(), pacer, d, "soak") {
		w.finished.Add(1)
		all.Add(r)
		if isWrite(r) {
			writes.Add(r)
		} else {
			reads.Add(r)
		}
	}
	all.Close()
	reads.Close()
	writes.Close()
	return
}

// bad lists the answers that are neither 2xx nor 3xx (code 0: no answer).
func bad(m *vegeta.Metrics) map[string]int {
	out := map[string]int{}
	for code, n := range m.StatusCodes {
		if c, _ := strconv.Atoi(code); c < 200 || c >= 400 {
			out[code] = n
		}
	}
	return out
}

var hexRun = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f-]{27}|[0-9]{3,}`)

// errorSummary counts the server's logged errors by message and cause.
func (s *soakServer) errorSummary() []string {
	b, _ := os.ReadFile(s.log)
	counts := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		var e struct {
			Level, Msg, Err string
		}
		if json.Unmarshal([]byte(line), &e) != nil || (e.Level != "ERROR" && e.Level != "WARN") {
			continue
		}
		counts[e.Level+" "+e.Msg+": "+hexRun.ReplaceAllString(e.Err, "N")]++
	}
	var out []string
	for k, n := range counts {
		out = append(out, fmt.Sprintf("%6d %s", n, k))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out[:min(len(out), 10)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func latencies(m *vegeta.Metrics) string {
	return fmt.Sprintf("p50 %s, p95 %s, p99 %s, max %s", ms(m.Latencies.P50), ms(m.Latencies.P95), ms(m.Latencies.P99), ms(m.Latencies.Max))
}

func median(xs []uint64) uint64 {
	s := append([]uint64(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

const mib = 1 << 20

func TestSoak(t *testing.T) {
	duration := envDuration(t, "SOAK_DURATION", 30*time.Minute)
	measure := envDuration(t, "SOAK_MEASURE", 20*time.Second)
	srv := startSoakServer(t)
	w := &workload{base: srv.base, token: apiToken(t, srv.base, "coordinator")}
	// NCs to read, created before the load.
	for i := range 20 {
		req, _ := http.NewRequest("POST", srv.base+"/api/v1/ncs", strings.NewReader(
			fmt.Sprintf(`{"source":"process","severity":"major","unit":"tnmt","title":"Đọc %d"}`, i)))
		req.Header.Set("Authorization", "Bearer "+w.token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var nc struct{ ID string }
		err = json.NewDecoder(res.Body).Decode(&nc)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("NC to read: %d %v", res.StatusCode, err)
		}
		w.ncs = append(w.ncs, nc.ID)
	}

	// 1. The maximum rate: a closed loop of soakWorkers clients.
	all, reads, writes := attack(w, vegeta.Rate{Freq: 0}, measure, vegeta.Workers(soakWorkers), vegeta.MaxWorkers(soakWorkers))
	t.Logf("maximum: %d clients in a closed loop for %s: %d requests, %.1f req/s answered 2xx/3xx, success %.2f %%; %s",
		soakWorkers, measure, all.Requests, all.Throughput, all.Success*100, latencies(all))
	t.Logf("  reads %s; writes %s", latencies(reads), latencies(writes))
	if b := bad(all); len(b) > 0 {
		t.Fatalf("measuring the maximum: answers other than 2xx/3xx %v, errors %v", b, all.Errors)
	}
	maxRate := all.Throughput
	rate := int(maxRate / 2)
	if rate < 1 {
		t.Fatalf("maximum rate %.1f req/s: nothing to soak with", maxRate)
	}

	// 2. Half of it for the duration, RSS every 10 s.
	type sample struct {
		at       time.Duration
		rss      uint64
		inFlight uint64
	}
	var samples []sample
	var smu sync.Mutex
	start := time.Now()
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tk := time.NewTicker(10 * time.Second)
		defer tk.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-tk.C:
				if v, err := srv.rss(); err == nil {
					smu.Lock()
					samples = append(samples, sample{time.Since(start), v, w.inFlight()})
					smu.Unlock()
				}
			}
		}
	}()
	all, reads, writes = attack(w, vegeta.Rate{Freq: rate, Per: time.Second}, duration, vegeta.Workers(soakWorkers))
	close(stopSampling)
	<-sampled
	t.Logf("soak: %d req/s (half of %.1f) for %s: %d requests, %.1f req/s answered 2xx/3xx, success %.2f %%; %s",
		rate, maxRate, duration, all.Requests, all.Throughput, all.Success*100, latencies(all))
	t.Logf("  reads (%d) %s; writes (%d) %s", reads.Requests, latencies(reads), writes.Requests, latencies(writes))
	t.Logf("  status codes %v", all.StatusCodes)
	if b := bad(all); len(b) > 0 {
		t.Errorf("answers other than 2xx/3xx during the soak: %v, errors %v", b, all.Errors)
	}
	for _, l := range srv.errorSummary() {
		t.Logf("  server log: %s", l)
	}

	// Memory: after the warm-up, first quarter against last quarter.
	warm := min(duration/5, 2*time.Minute)
	var after []sample
	for _, s := range samples {
		if s.at >= warm {
			after = append(after, s)
		}
	}
	if len(after) < 4 {
		t.Fatalf("%d RSS samples after the warm-up: run the soak for at least a few minutes", len(after))
	}
	q := len(after) / 4
	var first, last []uint64
	for _, s := range after[:q] {
		first = append(first, s.rss)
	}
	for _, s := range after[len(after)-q:] {
		last = append(last, s.rss)
	}
	base, end := median(first), median(last)
	limit := base + max(base/4, 16*mib)
	var lo, hi, flightMax uint64 = ^uint64(0), 0, 0
	for _, s := range after {
		lo, hi, flightMax = min(lo, s.rss), max(hi, s.rss), max(flightMax, s.inFlight)
	}
	// Least-squares slope of RSS over time, MiB per hour.
	var sx, sy, sxx, sxy float64
	for _, s := range after {
		x, y := s.at.Hours(), float64(s.rss)/mib
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	nf := float64(len(after))
	slope := (nf*sxy - sx*sy) / (nf*sxx - sx*sx)
	t.Logf("  RSS: %d samples after a %s warm-up, first-quarter median %.1f MiB, last-quarter median %.1f MiB (bound %.1f MiB), min %.1f, max %.1f MiB, slope %+.1f MiB/h",
		len(after), warm, float64(base)/mib, float64(end)/mib, float64(limit)/mib, float64(lo)/mib, float64(hi)/mib, slope)
	t.Logf("  requests in flight at the samples: at most %d", flightMax)
	if end > limit {
		t.Errorf("the server's memory grew: RSS median %.1f MiB at the end against %.1f MiB after the warm-up (bound %.1f MiB)",
			float64(end)/mib, float64(base)/mib, float64(limit)/mib)
	}
	if os.Getenv("SOAK_RSS_CSV") != "" {
		var b strings.Builder
		b.WriteString("seconds,rss_bytes,in_flight\n")
		for _, s := range samples {
			fmt.Fprintf(&b, "%d,%d,%d\n", int(s.at.Seconds()), s.rss, s.inFlight)
		}
		_ = os.WriteFile(os.Getenv("SOAK_RSS_CSV"), []byte(b.String()), 0o644)
	}
}
