//go:build fault

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/faultenv"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
)

// faultClient is a signed-in API client that records every answer.
type faultClient struct {
	base string
	http *http.Client
	csrf string
}

func faultLogin(t *testing.T, base, login string) *faultClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &faultClient{base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	st, body, err := c.post("/api/v1/login", map[string]string{"login": login, "password": apptest.Password})
	if err != nil || st != http.StatusOK {
		t.Fatalf("login %s: %d %s %v", login, st, body, err)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.CSRF == "" {
		t.Fatalf("login %s: %s", login, body)
	}
	c.csrf = out.CSRF
	return c
}

func (c *faultClient) post(path string, v any) (int, []byte, error) {
	b, _ := json.Marshal(v)
	req, err := http.NewRequest("POST", c.base+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, body, err
}

// faultWrite is one NC creation and what the server answered.
type faultWrite struct {
	client   int
	title    string
	at, done time.Time
	status   int    // 0: no HTTP answer
	code     string // error code of a refusal
	err      error  // transport error
	id, num  string // of a 201
}

// TestFaultDatabaseRestart: four clients create nonconformities in a loop
// while the application's own PostgreSQL cluster is restarted
// (pg_ctl restart -m fast), then held down for two seconds, then crashed
// (stop -m immediate) and started again. Afterwards
// every write that was answered 2xx is in the database with the id and
// number it was answered with; nothing answered other than 201 or a 5xx
// error body (no 4xx, no answer without a body); numbers stay gap-free and
// every NC has its trail entry; the trail verifies; outside the fault
// windows every write succeeds, so the pool recovers by itself.
func TestFaultDatabaseRestart(t *testing.T) {
	pg := faultenv.StartPostgres(t)
	url := pg.CreateDatabase(t, "qmstrack")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	{
		db, err := postgres.Open(ctx, url, 2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := postgres.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	if err := apptest.DemoSeeder.Seed(ctx, url); err != nil {
		t.Fatal(err)
	}
	store := testenv.Blob(t)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL, cfg.LoginMaxFailures = url, 50
	cfg.TrailCheckpointMode = "GOVERNANCE"
	db, err := postgres.Open(ctx, url, cfg.DBMaxConns)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if os.Getenv("QMS_TEST_LOG") != "" {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	a, err := app.New(cfg, log, db, store, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authz.Watch(ctx, url, log); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Web)
	defer srv.Close()

	const clients = 4
	cs := make([]*faultClient, clients)
	for i := range cs {
		cs[i] = faultLogin(t, srv.URL, "coordinator")
	}

	// The fault windows: from the moment a fault starts until grace after
	// the server accepts connections again. Outside them every write must
	// succeed.
	const grace = 2 * time.Second
	type window struct{ from, to time.Time }
	var (
		mu      sync.Mutex
		writes  []faultWrite
		windows []window
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				w := faultWrite{client: i, title: fmt.Sprintf("fault-%d-%05d", i, n), at: time.Now()}
				st, body, err := c.post("/api/v1/ncs", map[string]any{"source": "self_report", "severity": "minor",
					"unit": "tnmt", "title": w.title, "description": "Ghi trong lúc khởi động lại cơ sở dữ liệu"})
				w.done, w.status, w.err = time.Now(), st, err
				if st == http.StatusCreated {
					var nc struct{ ID, Number string }
					if json.Unmarshal(body, &nc) == nil {
						w.id, w.num = nc.ID, nc.Number
					}
				} else if err == nil {
					var e struct {
						Error struct{ Code string } `json:"error"`
					}
					_ = json.Unmarshal(body, &e)
					w.code = e.Error.Code
				}
				mu.Lock()
				writes = append(writes, w)
				mu.Unlock()
				if st != http.StatusCreated {
					time.Sleep(20 * time.Millisecond) // a client backs off a little after a failure
				}
			}
		}()
	}
	fault := func(name string, f func() error) {
		from := time.Now()
		if err := f(); err != nil {
			close(stop)
			wg.Wait()
			t.Fatalf("%s: %v\n%s", name, err, pg.Log())
		}
		mu.Lock()
		windows = append(windows, window{from, time.Now().Add(grace)})
		mu.Unlock()
		t.Logf("%s took %s", name, time.Since(from).Round(time.Millisecond))
	}
	time.Sleep(2 * time.Second)
	fault("pg_ctl restart -m fast", pg.Restart)
	time.Sleep(3 * time.Second)
	fault("stop -m fast, 2 s down, start", func() error {
		if err := pg.Stop("fast"); err != nil {
			return err
		}
		time.Sleep(2 * time.Second)
		return pg.Start()
	})
	time.Sleep(3 * time.Second)
	// A crash of the server processes (no shutdown checkpoint; recovery
	// replays the WAL at start): what was acknowledged was committed.
	fault("stop -m immediate (crash), start", func() error {
		if err := pg.Stop("immediate"); err != nil {
			return err
		}
		return pg.Start()
	})
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()

	// What the database holds after the load.
	type row struct{ ID, Number, Title string }
	var rows []row
	if err := db.SelectContext(ctx, &rows, `SELECT id, number, title FROM ncs WHERE title LIKE 'fault-%'`); err != nil {
		t.Fatal(err)
	}
	stored := map[string]row{}
	for _, r := range rows {
		if _, dup := stored[r.Title]; dup {
			t.Errorf("%s stored twice", r.Title)
		}
		stored[r.Title] = r
	}
	attempted := map[string]bool{}
	inWindow := func(w faultWrite) bool {
		for _, win := range windows {
			if w.done.After(win.from) && w.at.Before(win.to) {
				return true
			}
		}
		return false
	}
	statuses := map[int]int{}
	var acked, failedStored, failedAbsent int
	// Per fault: how many writes failed, and from the fault's start until
	// when (the last failed answer).
	failures := make([]int, len(windows))
	lastFailure := make([]time.Time, len(windows))
	for _, w := range writes {
		attempted[w.title] = true
		statuses[w.status]++
		r, ok := stored[w.title]
		for i, win := range windows {
			if w.status != http.StatusCreated && w.done.After(win.from) && w.at.Before(win.to) {
				failures[i]++
				if w.done.After(lastFailure[i]) {
					lastFailure[i] = w.done
				}
			}
		}
		switch {
		case w.status == http.StatusCreated:
			acked++
			if !ok {
				t.Errorf("LOST: %s was answered 201 (%s) at %s but is not in the database", w.title, w.num, w.done.Format("15:04:05.000"))
			} else if r.ID != w.id || r.Number != w.num {
				t.Errorf("%s answered as %s %s, stored as %s %s", w.title, w.id, w.num, r.ID, r.Number)
			}
		case w.err != nil:
			t.Errorf("%s: no HTTP answer: %v", w.title, w.err)
		case w.status >= 200 && w.status < 300:
			t.Errorf("%s: answered %d, not 201", w.title, w.status)
		case w.status < 500:
			t.Errorf("%s: answered %d (%s): a database outage is not the client's fault", w.title, w.status, w.code)
		case w.code == "":
			t.Errorf("%s: answered %d without an error body", w.title, w.status)
		case w.status != http.StatusServiceUnavailable || w.code != "unavailable":
			t.Errorf("%s: answered %d (%s): a database outage answers 503 unavailable", w.title, w.status, w.code)
		case !inWindow(w):
			t.Errorf("%s: answered %d (%s) at %s, outside the fault windows: the pool did not recover", w.title, w.status,
				w.code, w.done.Format("15:04:05.000"))
		case ok:
			// Committed, but the answer was lost with the connection.
			failedStored++
			t.Logf("%s: answered %d (%s) after %s, yet stored as %s", w.title, w.status, w.code, w.done.Sub(w.at).Round(time.Millisecond), r.Number)
		default:
			failedAbsent++
		}
	}
	for title := range stored {
		if !attempted[title] {
			t.Errorf("%s is stored but no client wrote it", title)
		}
	}
	if acked < 40 {
		t.Errorf("only %d writes acknowledged: the load did not run", acked)
	}
	for i, win := range windows {
		if failures[i] > 0 {
			t.Logf("fault %d: %d writes failed, the last %s after the fault started", i+1, failures[i], lastFailure[i].Sub(win.from).Round(time.Millisecond))
		} else {
			t.Logf("fault %d: no write failed", i+1)
		}
	}

	// Numbers stay gap-free: a creation rolled back by the restart leaves no hole.
	var nums []string
	if err := db.SelectContext(ctx, &nums, `SELECT number FROM ncs ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	sort.Strings(nums)
	year := time.Now().In(testenv.Location()).Year()
	for i, n := range nums {
		if want := fmt.Sprintf("NC-%d-%04d", year, i+1); n != want {
			t.Fatalf("NC number %d is %s, want %s: a hole or a repeat", i+1, n, want)
		}
	}
	// Every NC has the trail entry of its creation, and the chain verifies.
	var missing int
	if err := db.GetContext(ctx, &missing, `SELECT count(*) FROM ncs n WHERE NOT EXISTS
		(SELECT 1 FROM trail e WHERE e.object_type = 'nc' AND e.object_id = n.id::text)`); err != nil {
		t.Fatal(err)
	}
	if missing != 0 {
		t.Errorf("%d NCs without their trail entry", missing)
	}
	res, err := a.Trail.Verify(ctx)
	if err != nil || !res.OK {
		t.Errorf("trail after the restarts: %+v %v", res, err)
	}
	t.Logf("%d writes: %d acknowledged (all present), %d failed during the faults (%d not stored, %d stored but not acknowledged); statuses %v",
		len(writes), acked, failedAbsent+failedStored, failedAbsent, failedStored, statuses)
}
