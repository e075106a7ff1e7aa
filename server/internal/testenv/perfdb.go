package testenv

import (
	"database/sql"
	"fmt"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
)

// ClonePerfDatabase copies the database at src (CREATE DATABASE … TEMPLATE,
// on the same server) and returns the copy's URL; the copy is dropped at
// cleanup, so a perf test's writes never reach the seeded database and
// every run starts from the same data. PostgreSQL copies a database only
// while nobody is connected to it, so a `qmstrack serve` on it must be
// stopped first.
func ClonePerfDatabase(t testing.TB, src string) string {
	t.Helper()
	u, err := neturl.Parse(src)
	if err != nil {
		t.Fatalf("perf database URL: %v", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		t.Fatal("the perf database URL names no database")
	}
	clone := fmt.Sprintf("%s_run_%d", name, time.Now().UnixNano()%1e9)
	adminURL := *u
	adminURL.Path = "/postgres"
	admin, err := sql.Open("postgres", adminURL.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + pq.QuoteIdentifier(clone) + ` WITH (FORCE)`)
		admin.Close()
	})
	start := time.Now()
	for attempt := 0; ; attempt++ {
		_, err = admin.Exec(`CREATE DATABASE ` + pq.QuoteIdentifier(clone) + ` TEMPLATE ` + pq.QuoteIdentifier(name))
		if err == nil || attempt >= 10 || !strings.Contains(err.Error(), "being accessed") {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		t.Fatalf("copy the perf database %s (is a server connected to it?): %v", name, err)
	}
	t.Logf("copied %s to %s in %.1f s", name, clone, time.Since(start).Seconds())
	u.Path = "/" + clone
	return u.String()
}
