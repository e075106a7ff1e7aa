package web_test

import (
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// BenchmarkEnqueueInRequest measures what enqueueing adds to a request: the
// coordinator raises a nonconformity (POST /api/v1/ncs), alternately with
// an active webhook subscription to nc.raised (the change's transaction
// then also adds the delivery and its queue job) and with the subscription
// switched off (no job), request by request, on an idle system; no queue
// runs, so the jobs stay queued. Target: the p95 with the enqueue at most
// 1 ms above the p95 without.
func BenchmarkEnqueueInRequest(b *testing.B) {
	env := apptest.New(b)
	var hook struct{ ID string }
	env.As("admin").Do("POST", "/api/v1/webhooks", map[string]any{"url": "https://203.0.113.10/hook", "events": []string{"nc.raised"},
		"secret": "bench-secret-0123456789abcdef"}).MustStatus(http.StatusCreated).Decode(&hook)
	coord := env.As("coordinator").Load()
	raise := func(n int) time.Duration {
		s := time.Now()
		coord.Do("POST", "/api/v1/ncs", map[string]any{"source": "self_report", "severity": "minor", "unit": "tnmt",
			"title": fmt.Sprintf("Hồ sơ trả chậm %d", n)}).MustStatus(http.StatusCreated)
		return time.Since(s)
	}
	setActive := func(on bool) {
		if _, err := env.App.DB.Exec(`UPDATE webhooks SET active = $1 WHERE id = $2`, on, hook.ID); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 50 { // warm up
		setActive(i%2 == 0)
		raise(-i)
	}
	const rounds = 1000
	var with, without []time.Duration
	b.ResetTimer()
	for b.Loop() {
		with, without = with[:0], without[:0]
		for i := range rounds {
			setActive(true)
			with = append(with, raise(2*i))
			setActive(false)
			without = append(without, raise(2*i+1))
		}
	}
	b.StopTimer()
	var jobs int
	if err := env.App.DB.Get(&jobs, `SELECT count(*) FROM river_job WHERE kind = 'webhook.deliver'`); err != nil || jobs < rounds {
		b.Fatalf("%d delivery jobs queued (%v), want at least %d", jobs, err, rounds)
	}
	pct := func(d []time.Duration, p int) time.Duration {
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[len(s)*p/100]
	}
	load, _ := os.ReadFile("/proc/loadavg")
	w50, w95, o50, o95 := pct(with, 50), pct(with, 95), pct(without, 50), pct(without, 95)
	b.ReportMetric(float64(w95-o95)/1e6, "ms-added-p95")
	testenv.Target(b, w95-o95 <= time.Millisecond,
		"raising an NC over %d requests each: with the enqueue p50 %s p95 %s; without p50 %s p95 %s; added at p95 %s (load average %s)",
		rounds, w50, w95, o50, o95, w95-o95, strings.TrimSpace(string(load)))
}
