package web_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// scopeBenchOffice is an office whose scope covers n procedures, with the
// announcement signed; it returns the time the signature took (PDF of n
// procedures, object store, record, transaction).
func scopeBenchOffice(b *testing.B, n int) (*apptest.Env, time.Duration) {
	env := apptest.New(b)
	seedPublicServices(b, env.App.DB, 0, n)
	codes := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("P-%05d", i)
	}
	co := env.As("coordinator")
	body := scopeBody(0, codes...)
	body["units"] = []string{"vp", "tnmt", "noivu", "vhtt"}
	co.Do("PUT", "/api/v1/scope", body).MustStatus(http.StatusOK)
	co.Do("POST", "/api/v1/scope/announcement", map[string]any{"place": "Châu Thành"}).MustStatus(http.StatusCreated)
	start := time.Now()
	env.As("chairman").Do("POST", "/api/v1/scope/announcement/sign", map[string]string{"password": apptest.Password}).MustStatus(http.StatusOK)
	return env, time.Since(start)
}

// BenchmarkScopeAnnouncement times, with 1,000 procedures in the scope
// and then with 2,000, alternating request by request: the public
// announcement page, its PDF, the scope page of the coordinator and a
// change of the scope (a new version, which outdates the announcement).
// It reports the medians and the ratio of the 2x office to the 1x one.
func BenchmarkScopeAnnouncement(b *testing.B) {
	one, sign1 := scopeBenchOffice(b, 1000)
	two, sign2 := scopeBenchOffice(b, 2000)
	b.Logf("sign (PDF of every procedure, store, record): 1,000 procedures %s, 2,000 %s", sign1.Round(time.Millisecond), sign2.Round(time.Millisecond))
	type probe struct {
		name string
		do   func(env *apptest.Env, i int)
	}
	probes := []probe{
		{"public page", func(env *apptest.Env, _ int) { env.Anon().Do("GET", "/public/announcement", nil).MustStatus(200) }},
		{"public PDF", func(env *apptest.Env, _ int) { env.Anon().Do("GET", "/public/announcement.pdf", nil).MustStatus(200) }},
		{"scope page", func(env *apptest.Env, _ int) { env.As("coordinator").Do("GET", "/scope", nil).MustStatus(200) }},
	}
	rounds := 20
	b.ResetTimer()
	for k := 0; k < b.N; k++ {
		for _, p := range probes {
			var t1, t2 []time.Duration
			for i := 0; i < rounds; i++ {
				s := time.Now()
				p.do(one, i)
				t1 = append(t1, time.Since(s))
				s = time.Now()
				p.do(two, i)
				t2 = append(t2, time.Since(s))
			}
			m1, m2 := median(t1), median(t2)
			b.Logf("%s: median %s (1,000) and %s (2,000), ratio %.2f", p.name, m1.Round(100*time.Microsecond), m2.Round(100*time.Microsecond), float64(m2)/float64(m1))
		}
	}
}
