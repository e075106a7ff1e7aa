package app_test

import (
	"context"
	"encoding/json"
	"math/rand"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// BenchmarkTrailNCCreation measures NC creation by 8 API clients at once
// for 10 s, with the trail's sequencer running as the service runs it,
// against `pgbench -N` with 8 clients on a scratch database of the same
// server run right after; and the sequencer's delay: for each created NC,
// from the API's answer (after the commit) to the moment a watcher polling
// every 5 ms first sees its entry chained. Run with
//
//	go test -run '^$' -bench BenchmarkTrailNCCreation -benchtime 1x ./server/app/
func BenchmarkTrailNCCreation(b *testing.B) {
	const clients, window = 8, 10 * time.Second
	env := apptest.New(b)
	ctx, cancel := context.WithCancel(context.Background())
	var seqWG sync.WaitGroup
	seqWG.Go(func() { env.App.RunTrailSequencer(ctx) })
	defer func() { cancel(); seqWG.Wait() }()
	units := []string{"vp", "noivu", "vhtt", "tnmt", "motcua"}
	cs := make([]*apptest.Client, clients)
	for i := range cs {
		cs[i] = env.As("coordinator").Load()
	}
	var mu sync.Mutex
	answered := map[string]time.Time{}
	chained := map[string]time.Time{}
	var done, failed atomic.Int64
	stop := time.Now().Add(window)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		var last int64
		for time.Now().Before(stop.Add(3 * time.Second)) {
			var rows []struct {
				Seq int64  `db:"seq"`
				ID  string `db:"object_id"`
			}
			_ = env.App.DB.Select(&rows, `SELECT seq, object_id FROM trail WHERE action = 'nc.create' AND seq > $1 ORDER BY seq`, last)
			now := time.Now()
			mu.Lock()
			for _, r := range rows {
				chained[r.ID] = now
				last = r.Seq
			}
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func(i int, c *apptest.Client) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(i)))
			for time.Now().Before(stop) {
				r := c.Do("POST", "/api/v1/ncs", map[string]any{"source": "self_report", "severity": "minor",
					"unit": units[rng.Intn(len(units))], "title": "Điểm không phù hợp đo tải"})
				at := time.Now()
				if r.Status != http.StatusCreated {
					failed.Add(1)
					continue
				}
				var nc struct {
					ID string `json:"id"`
				}
				if json.Unmarshal(r.Body, &nc) == nil {
					mu.Lock()
					answered[nc.ID] = at
					mu.Unlock()
				}
				done.Add(1)
			}
		}(i, c)
	}
	wg.Wait()
	tps := float64(done.Load()) / time.Since(start).Seconds()
	load1, _ := os.ReadFile("/proc/loadavg")
	<-watched
	b.StopTimer()
	if failed.Load() > 0 {
		b.Errorf("%d creations failed", failed.Load())
	}
	var delays []time.Duration
	unchained := 0
	for id, at := range answered {
		if c, ok := chained[id]; ok {
			delays = append(delays, max(c.Sub(at), 0))
		} else {
			unchained++
		}
	}
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	q := func(p float64) time.Duration {
		if len(delays) == 0 {
			return 0
		}
		return delays[min(len(delays)-1, int(p*float64(len(delays))))]
	}
	b.ReportMetric(tps, "nc/s")
	b.Logf("NC creation, %d API clients for %s: %d created, %.0f per second (load average during: %s)", clients, window, done.Load(), tps, strings.TrimSpace(string(load1)))
	b.Logf("sequencer delay over %d entries: p50 %s, p95 %s, p99 %s, max %s; %d not chained 3 s after the run",
		len(delays), q(0.5).Round(time.Millisecond), q(0.95).Round(time.Millisecond), q(0.99).Round(time.Millisecond), q(1).Round(time.Millisecond), unchained)
	pg, err := testenv.PGBenchTPS(b, clients, window)
	if err != nil {
		b.Logf("pgbench not run: %v", err)
		return
	}
	load2, _ := os.ReadFile("/proc/loadavg")
	b.ReportMetric(pg, "pgbench-tps")
	b.ReportMetric(tps/pg, "ratio")
	testenv.Target(b, tps >= pg/2, "NC creation, %d API clients: %.0f per second; pgbench -N, %d clients: %.0f tps; ratio %.3f (at least 0.5; load average after pgbench: %s)",
		clients, tps, clients, pg, tps/pg, strings.TrimSpace(string(load2)))
}
