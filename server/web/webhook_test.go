package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/webhook"
)

// receiver is a webhook target started by the test: it records what it
// receives, and can fail the first attempts of each delivery and delay its
// answers.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	failFor  int // answer 500 to the first failFor attempts of each delivery
	delay    time.Duration
	attempts map[string]int
}

type received struct {
	At                         time.Time
	Event, Delivery, Signature string
	Body                       []byte
	SignatureOK                bool
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{attempts: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		d := req.Header.Get(webhook.HeaderDelivery)
		r.attempts[d]++
		fail := r.attempts[d] <= r.failFor
		delay := r.delay
		if !fail {
			r.got = append(r.got, received{At: time.Now(), Event: req.Header.Get(webhook.HeaderEvent), Delivery: d,
				Signature: req.Header.Get(webhook.HeaderSignature), Body: body,
				SignatureOK: webhook.Verify(secret, req.Header.Get(webhook.HeaderSignature), body, time.Now(), 5*time.Minute) == nil})
		}
		r.mu.Unlock()
		time.Sleep(delay)
		if fail {
			http.Error(w, "not now", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// webhookEnv is the application with private targets allowed (the
// receiver listens on the loopback) and its job queue running.
func webhookEnv(t *testing.T) *apptest.Env {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.WebhookAllowPrivate = true }))
	startQueue(t, env)
	return env
}

func startQueue(t *testing.T, env *apptest.Env) {
	ctx, cancel := context.WithCancel(context.Background())
	if err := env.App.Queue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, c2 := context.WithTimeout(context.Background(), 10*time.Second)
		defer c2()
		_ = env.App.Queue.Stop(sctx)
		cancel()
	})
}

const hookSecret = "test-secret-0123456789abcdef"

func subscribe(t *testing.T, env *apptest.Env, url string, events ...string) webhook.Webhook {
	var w webhook.Webhook
	apptest.Expect(t, "subscribe", env.As("admin").Do("POST", "/api/v1/webhooks", map[string]any{"url": url, "events": events, "secret": hookSecret}),
		http.StatusCreated, &w)
	if w.Secret != hookSecret || w.ID == "" {
		t.Fatalf("created webhook %+v", w)
	}
	return w
}

func waitFor(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebhookDeliversACommittedChangeOnceAndARolledBackOneNever: an NC
// raised (committed) reaches the receiver once, signed, with the NC in its
// body, within 2 s (p95 over 20, reported with the load average); an
// event whose transaction rolls back leaves no delivery, no job, and
// nothing at the receiver.
func TestWebhookDeliversACommittedChangeOnceAndARolledBackOneNever(t *testing.T) {
	env := webhookEnv(t)
	rcv := newReceiver(t, hookSecret)
	w := subscribe(t, env, rcv.URL+"/qms", "nc.raised")
	f := env.Fixtures()

	const n = 20
	committed := map[string]time.Time{}
	for range n {
		id := f.NC(t, "tnmt")
		committed[id] = time.Now()
	}
	waitFor(t, "every NC delivered", 30*time.Second, func() bool { return len(rcv.received()) >= n })
	time.Sleep(1500 * time.Millisecond) // a second delivery of any would arrive by now
	got := rcv.received()
	if len(got) != n {
		t.Fatalf("%d deliveries for %d NCs", len(got), n)
	}
	seen := map[string]bool{}
	var lat []time.Duration
	for _, r := range got {
		var body struct{ Event, ObjectID string }
		var raw map[string]any
		_ = json.Unmarshal(r.Body, &raw)
		body.Event, _ = raw["event"].(string)
		body.ObjectID, _ = raw["object_id"].(string)
		if !r.SignatureOK {
			t.Errorf("delivery %s: signature %q does not verify", r.Delivery, r.Signature)
		}
		if r.Event != "nc.raised" || body.Event != "nc.raised" {
			t.Errorf("delivery %s: event %q / %q", r.Delivery, r.Event, body.Event)
		}
		at, ok := committed[body.ObjectID]
		if !ok || seen[body.ObjectID] {
			t.Errorf("delivery %s names NC %q: unknown or twice", r.Delivery, body.ObjectID)
			continue
		}
		seen[body.ObjectID] = true
		lat = append(lat, r.At.Sub(at))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p95 := lat[(len(lat)*95+99)/100-1]
	load, _ := os.ReadFile("/proc/loadavg")
	testenv.Target(t, p95 <= 2*time.Second, "webhook delivery after commit: p95 %s, max %s over %d (load average %s)",
		p95, lat[len(lat)-1], len(lat), strings.TrimSpace(string(load)))

	// The log shows each delivered once, in one attempt.
	var ds struct{ Deliveries []webhook.Delivery }
	apptest.Expect(t, "log", env.As("admin").Do("GET", "/api/v1/webhooks/"+w.ID+"/deliveries", nil), http.StatusOK, &ds)
	if len(ds.Deliveries) != n {
		t.Fatalf("log has %d deliveries, want %d", len(ds.Deliveries), n)
	}
	for _, d := range ds.Deliveries {
		if d.Status != webhook.StatusDelivered || d.Attempts != 1 || d.LastStatus == nil || *d.LastStatus != 204 {
			t.Errorf("delivery %+v: want delivered at the first attempt", d)
		}
	}

	// A change that rolls back: its trail entry (and so its event) goes with it.
	before := counts(t, env.App.DB)
	errRollback := errors.New("roll back")
	err := postgres.InTx(context.Background(), env.App.DB, func(tx *sqlx.Tx) error {
		if _, err := postgres.AppendTrail(context.Background(), tx, trail.Event{ActorLogin: "coordinator", Action: "nc.create",
			ObjectType: "nc", ObjectID: "rolled-back", Unit: "tnmt"}); err != nil {
			return err
		}
		var inTx int
		if err := tx.Get(&inTx, `SELECT count(*) FROM webhook_deliveries WHERE payload->>'object_id' = 'rolled-back'`); err != nil || inTx != 1 {
			t.Errorf("inside the transaction: %d deliveries (%v), want 1", inTx, err)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if after := counts(t, env.App.DB); after != before {
		t.Fatalf("after a rollback: deliveries and jobs %v, before %v", after, before)
	}
	for _, r := range rcv.received() {
		if strings.Contains(string(r.Body), "rolled-back") {
			t.Fatal("the rolled-back change was delivered")
		}
	}
}

func counts(t *testing.T, db *sqlx.DB) [2]int {
	var c [2]int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM webhook_deliveries), (SELECT count(*) FROM river_job WHERE kind = $1)`,
		webhook.KindDeliver).Scan(&c[0], &c[1]); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestWebhookFailingReceiverIsRetried: a receiver that fails the first
// attempt (and answers slowly) gets the delivery again after the backoff;
// the log shows two attempts and the job its first error; a redelivery
// sends it once more.
func TestWebhookFailingReceiverIsRetried(t *testing.T) {
	env := webhookEnv(t)
	rcv := newReceiver(t, hookSecret)
	rcv.failFor, rcv.delay = 1, 200*time.Millisecond
	w := subscribe(t, env, rcv.URL, "nc.raised", "nc.closed")
	env.Fixtures().NC(t, "tnmt")
	waitFor(t, "the delivery after its retry", 20*time.Second, func() bool { return len(rcv.received()) == 1 })
	var ds struct{ Deliveries []webhook.Delivery }
	waitFor(t, "the log", 5*time.Second, func() bool {
		env.As("admin").Do("GET", "/api/v1/webhooks/"+w.ID+"/deliveries", nil).MustStatus(200).Decode(&ds)
		return len(ds.Deliveries) == 1 && ds.Deliveries[0].Status == webhook.StatusDelivered
	})
	d := ds.Deliveries[0]
	if d.Attempts != 2 || *d.LastStatus != 204 || d.LastError != "" {
		t.Fatalf("delivery after a failed attempt: %+v", d)
	}
	var jobs struct {
		Jobs []struct {
			Kind, State string
			Attempt     int
			Errors      []struct{ Error string }
		}
	}
	// The queue marks the job completed just after the attempt returns.
	found := func() bool {
		env.As("admin").Do("GET", "/api/v1/jobs?state=completed", nil).MustStatus(200).Decode(&jobs)
		for _, j := range jobs.Jobs {
			if j.Kind == webhook.KindDeliver && j.Attempt == 2 && len(j.Errors) == 1 && strings.Contains(j.Errors[0].Error, "500") {
				return true
			}
		}
		return false
	}
	waitFor(t, "a completed delivery job with its first attempt's error", 5*time.Second, found)

	// Sent again by hand: once more, through the queue.
	apptest.Expect(t, "redeliver", env.As("admin").Do("POST", "/api/v1/webhooks/"+w.ID+"/deliveries/"+itoa(d.ID)+"/redeliver", nil), http.StatusOK, nil)
	waitFor(t, "the redelivery", 10*time.Second, func() bool { return len(rcv.received()) == 2 })
	if got := rcv.received(); got[1].Delivery != got[0].Delivery || !got[1].SignatureOK {
		t.Fatalf("redelivery %+v of %+v", got[1], got[0])
	}
	// A delivery of another subscription is not found under this one.
	apptest.Expect(t, "redeliver elsewhere", env.As("admin").Do("POST", "/api/v1/webhooks/"+testenv.OrgUserID(1)+"/deliveries/"+itoa(d.ID)+"/redeliver", nil),
		http.StatusNotFound, nil)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestWebhookPrivateTargetRefused: without QMS_WEBHOOK_ALLOW_PRIVATE a
// subscription to a loopback or private address is refused with its
// message, and nothing is stored; a subscription whose address is private
// by the time of delivery (a name that now resolves inside: DNS rebinding,
// here a row pointing at the loopback) is not sent, and its log says why.
func TestWebhookPrivateTargetRefused(t *testing.T) {
	env := apptest.New(t)
	startQueue(t, env)
	rcv := newReceiver(t, hookSecret)
	const msg = "the webhook's address %s is a private or loopback address; only an address on the internet may receive webhooks (QMS_WEBHOOK_ALLOW_PRIVATE allows others)"
	for url, addr := range map[string]string{
		rcv.URL:                      "127.0.0.1",
		"http://10.1.2.3/hook":       "10.1.2.3",
		"https://[::1]:8443/":        "::1",
		"http://169.254.169.254/":    "169.254.169.254",
		"http://192.168.1.10:8080/x": "192.168.1.10",
		"http://localhost:9/":        "",
	} {
		r := env.As("admin").Do("POST", "/api/v1/webhooks", map[string]any{"url": url, "events": []string{"nc.raised"}, "secret": hookSecret})
		if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid" {
			t.Errorf("%s: %s, want 400 invalid", url, r)
			continue
		}
		if addr != "" && !strings.Contains(string(r.Body), strings.Replace(msg, "%s", addr, 1)) {
			t.Errorf("%s: %s, want the private-address message for %s", url, r.Body, addr)
		}
		if addr == "" && !strings.Contains(string(r.Body), "private or loopback") {
			t.Errorf("%s: %s, want the private-address message", url, r.Body)
		}
	}
	var n int
	_ = env.App.DB.Get(&n, `SELECT count(*) FROM webhooks`)
	if n != 0 {
		t.Fatalf("%d webhooks stored after refusals", n)
	}
	// Also refused: another scheme, no event, an unknown event, a short secret.
	for _, body := range []map[string]any{
		{"url": "ftp://203.0.113.10/", "events": []string{"nc.raised"}, "secret": hookSecret},
		{"url": "https://203.0.113.10/", "events": []string{}, "secret": hookSecret},
		{"url": "https://203.0.113.10/", "events": []string{"nc.deleted"}, "secret": hookSecret},
		{"url": "https://203.0.113.10/", "events": []string{"nc.raised"}, "secret": "short"},
	} {
		if r := env.As("admin").Do("POST", "/api/v1/webhooks", body); r.Status != http.StatusBadRequest {
			t.Errorf("%v: %s, want 400", body, r)
		}
	}

	// At delivery: the address dialled is checked.
	if _, err := env.App.DB.Exec(`INSERT INTO webhooks (id, url, secret, events, created_by) VALUES ($1, $2, $3, '{nc.raised}', 'admin')`,
		testenv.OrgUserID(7), rcv.URL, hookSecret); err != nil {
		t.Fatal(err)
	}
	env.Fixtures().NC(t, "tnmt")
	var d webhook.Delivery
	waitFor(t, "the refused attempt", 10*time.Second, func() bool {
		err := env.App.DB.Get(&d, `SELECT id, webhook_id, event, status, attempts, last_error, created_at, payload FROM webhook_deliveries`)
		return err == nil && d.Attempts >= 1
	})
	if d.Status != webhook.StatusFailed || !strings.Contains(d.LastError, "private or loopback address") {
		t.Fatalf("delivery to the loopback: %+v", d)
	}
	rcv.mu.Lock()
	reached := len(rcv.attempts)
	rcv.mu.Unlock()
	if reached != 0 {
		t.Fatal("the receiver on the loopback was reached")
	}
}

// TestWebhookEventsAreAnnounced: every event a subscription may choose is
// announced by some trail action (webhook_event in the migration), and the
// function announces no event the list lacks.
func TestWebhookEventsAreAnnounced(t *testing.T) {
	env := apptest.New(t)
	raw, err := os.ReadFile("../../assets/i18n/trail.en.json")
	if err != nil {
		t.Fatal(err)
	}
	var labels map[string]string
	if err := json.Unmarshal(raw, &labels); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for k := range labels {
		if a, ok := strings.CutPrefix(k, "trail.action."); ok {
			actions = append(actions, a)
		}
	}
	var announced []string
	if err := env.App.DB.Select(&announced, `SELECT DISTINCT webhook_event(a) FROM unnest($1::text[]) a WHERE webhook_event(a) IS NOT NULL ORDER BY 1`,
		"{"+strings.Join(actions, ",")+"}"); err != nil {
		t.Fatal(err)
	}
	want := append([]string(nil), webhook.Events...)
	sort.Strings(want)
	if strings.Join(announced, " ") != strings.Join(want, " ") {
		t.Fatalf("events announced by trail actions %v, the list %v", announced, want)
	}
}
