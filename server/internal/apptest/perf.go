package apptest

import (
	"testing"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// NewOn starts the application on the database at url, already migrated
// and seeded (a perf database seeded by `qmstrack seed --demo`, whose
// users' password is Password), with a bucket of its own.
func NewOn(t testing.TB, url string, opts ...Option) *Env {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = url
	cfg.LoginMaxFailures = 50
	return start(t, url, testenv.Blob(t), cfg, opts)
}
