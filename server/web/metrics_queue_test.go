package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/queue"
)

// TestMetricsServeTheQueue: /metrics (behind its token) counts the job
// queue's jobs by state and kind and says how long the oldest available
// job has waited: two e-mails waiting for a minute (no queue runs here),
// one scheduled for tomorrow, none of another state.
func TestMetricsServeTheQueue(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.MetricsToken = "metrics-secret" }))
	ctx := context.Background()
	for _, o := range []queue.Opts{{}, {}, {At: time.Now().Add(24 * time.Hour)}} {
		if _, err := env.App.Queue.Enqueue(ctx, queue.KindMail, queue.Mail{To: "a@example.org", Subject: "s", Body: "b"}, o); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.App.DB.Exec(`UPDATE river_job SET scheduled_at = now() - interval '60 seconds' WHERE state = 'available'`); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", env.URL+"/metrics", nil)
	env.Anon().Send(req).MustStatus(http.StatusNotFound) // without the token, no such page
	m := scrape(t, env)
	for name, want := range map[string]float64{
		`qmstrack_queue_gauges_up`:                                1,
		`qmstrack_queue_jobs{kind="mail.send",state="available"}`: 2,
		`qmstrack_queue_jobs{kind="mail.send",state="scheduled"}`: 1,
		`qmstrack_queue_jobs{kind="mail.send",state="discarded"}`: 0,
	} {
		if got, ok := m[name]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	if age := m["qmstrack_queue_oldest_available_seconds"]; age < 60 || age > 120 {
		t.Errorf("oldest available job waited %v s, want about 60", age)
	}
}
