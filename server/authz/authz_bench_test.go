package authz_test

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// canTarget is issue 15's target for one permission check, at its p99.
const canTarget = 50 * time.Microsecond

// quantiles returns p50, p95 and p99 of ds (sorted in place).
func quantiles(ds []time.Duration) (p50, p95, p99 time.Duration) {
	slices.Sort(ds)
	at := func(q float64) time.Duration { return ds[int(q*float64(len(ds)-1))] }
	return at(0.50), at(0.95), at(0.99)
}

func µs(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

// BenchmarkCan measures permission checks in the office of issue 15: 10,000
// users in 100 units holding 14,000 role assignments, inserted with COPY.
// Each sub-benchmark times every call of its operation on its own and
// reports p50/p95/p99 (µs): Can in the user's own unit and in a random one,
// raw Casbin Enforce beside them, Scope and CanAnywhere. The p99 of Can,
// Scope and CanAnywhere is held to 50 µs (testenv.Target: it fails under
// QMS_PERF_ASSERT=1). One operation is a batch of calls (10,000, or 200 of
// Enforce), so that even -benchtime 1x has enough of them for a p99.
func BenchmarkCan(b *testing.B) {
	db := testenv.DB(b)
	o := testenv.SeedOrg(b, db, 100, 10000, 14000)
	start := time.Now()
	e, err := authz.New(db)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("New (load 14,000 assignments and mirror them): %v", time.Since(start).Round(time.Millisecond))
	rules, err := authz.BaselinePolicy()
	if err != nil {
		b.Fatal(err)
	}
	perms := make([][2]string, 0, len(rules))
	for _, r := range rules {
		perms = append(perms, [2]string{r[1], r[2]})
	}
	rng := rand.New(rand.NewPCG(15, 2026))

	// The first call for each user builds their snapshot.
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	first := make([]time.Duration, len(o.Users))
	for i, u := range o.Users {
		p := perms[rng.IntN(len(perms))]
		t0 := time.Now()
		e.Can(u, o.Home[i], p[0], p[1])
		first[i] = time.Since(t0)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	p50, p95, p99 := quantiles(first)
	b.Logf("first call per user (builds the snapshot), %d users: p50 %.2f µs, p95 %.2f µs, p99 %.2f µs; heap +%.1f MiB for the snapshots (%d B per user)",
		len(o.Users), µs(p50), µs(p95), µs(p99), float64(ms1.HeapAlloc-ms0.HeapAlloc)/(1<<20), int(ms1.HeapAlloc-ms0.HeapAlloc)/len(o.Users))
	testenv.Target(b, p99 <= canTarget, "first Can per user p99 %.2f µs (at most %v)", µs(p99), canTarget)

	t0 := time.Now()
	if err := e.Reload(); err != nil {
		b.Fatal(err)
	}
	b.Logf("Reload (whole policy, nothing changed): %v", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	if err := e.ReloadUser(o.Users[4242]); err != nil {
		b.Fatal(err)
	}
	b.Logf("ReloadUser (one user's rows): %v", time.Since(t0).Round(time.Microsecond))

	type ask func(user int, unit string, p [2]string) bool
	measure := func(name string, batch int, target bool, unitOf func(user int) string, call ask) {
		b.Run(name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N*batch)
			allowed := 0
			for n := 0; n < b.N; n++ {
				for k := 0; k < batch; k++ {
					i := rng.IntN(len(o.Users))
					unit, p := unitOf(i), perms[rng.IntN(len(perms))]
					t0 := time.Now()
					ok := call(i, unit, p)
					ds = append(ds, time.Since(t0))
					if ok {
						allowed++
					}
				}
			}
			p50, p95, p99 := quantiles(ds)
			b.ReportMetric(µs(p50), "p50-µs")
			b.ReportMetric(µs(p95), "p95-µs")
			b.ReportMetric(µs(p99), "p99-µs")
			b.ReportMetric(float64(allowed)/float64(len(ds)), "allowed")
			b.Logf("%s, %d calls (%.0f %% allowed): p50 %.2f µs, p95 %.2f µs, p99 %.2f µs", name, len(ds), 100*float64(allowed)/float64(len(ds)), µs(p50), µs(p95), µs(p99))
			if target {
				testenv.Target(b, p99 <= canTarget, "%s p99 %.2f µs (at most %v)", name, µs(p99), canTarget)
			}
		})
	}
	own := func(i int) string { return o.Home[i] }
	random := func(int) string { return o.Units[rng.IntN(len(o.Units))] }
	can := func(i int, unit string, p [2]string) bool { return e.Can(o.Users[i], unit, p[0], p[1]) }
	enforce := func(i int, unit string, p [2]string) bool { return e.CasbinEnforce(o.Users[i], unit, p[0], p[1]) }
	measure("can-own-unit", 10000, true, own, can)
	measure("can-random-unit", 10000, true, random, can)
	measure("casbin-enforce-own-unit", 200, false, own, enforce)
	measure("casbin-enforce-random-unit", 200, false, random, enforce)
	measure("scope", 10000, true, own, func(i int, _ string, p [2]string) bool {
		return !e.Scope(o.Users[i], p[0], p[1]).Empty()
	})
	measure("can-anywhere", 10000, true, own, func(i int, _ string, p [2]string) bool {
		return e.CanAnywhere(o.Users[i], p[0], p[1])
	})
	// Plain loops (ns/op): no clock read around each call.
	b.Run("can-loop", func(b *testing.B) {
		for n := 0; n < b.N; n++ {
			i := n % len(o.Users)
			p := perms[n%len(perms)]
			e.Can(o.Users[i], o.Home[i], p[0], p[1])
		}
	})
	b.Run("can-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
			for pb.Next() {
				i := r.IntN(len(o.Users))
				p := perms[r.IntN(len(perms))]
				e.Can(o.Users[i], o.Home[i], p[0], p[1])
			}
		})
	})
}
