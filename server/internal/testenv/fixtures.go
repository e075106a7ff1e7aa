package testenv

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Location is the office's time zone in tests (Vietnam), without depending
// on the system's zone database.
func Location() *time.Location {
	if l, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return l
	}
	return time.FixedZone("ICT", 7*3600)
}

// AddUnits inserts units named by their codes.
func AddUnits(t testing.TB, db *sqlx.DB, codes ...string) {
	t.Helper()
	for _, u := range codes {
		if _, err := db.Exec(`INSERT INTO units (code, name_vi, name_en) VALUES ($1, $1, $1)`, u); err != nil {
			t.Fatal(err)
		}
	}
}

// AddUser inserts the active user login ("Cán bộ <login>") with roles
// written "role@unit" and returns them as the acting user.
func AddUser(t testing.TB, db *sqlx.DB, login string, roles ...string) qms.Actor {
	t.Helper()
	name := "Cán bộ " + login
	var id string
	if err := db.Get(&id, `INSERT INTO users (login, name, password_hash) VALUES ($1, $2, 'x') RETURNING id`, login, name); err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		role, unit, _ := strings.Cut(r, "@")
		if _, err := db.Exec(`INSERT INTO role_assignments (user_id, role, unit) VALUES ($1, $2, $3)`, id, role, unit); err != nil {
			t.Fatal(err)
		}
	}
	return qms.Actor{UserID: id, Login: login, Name: name, Lang: "vi", Via: "session"}
}

// NoPasswords refuses every re-authentication: tests that sign nothing.
type NoPasswords struct{}

// CheckPassword refuses.
func (NoPasswords) CheckPassword(context.Context, string, string) error {
	return fmt.Errorf("no signatures in these tests: %w", qms.ErrForbidden)
}

// PeakHeap runs fn while sampling the live heap every 2 ms and returns the
// highest HeapInuse seen above the value before fn started, and that value.
func PeakHeap(fn func()) (grow, base uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base = ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	fn()
	close(done)
	if p := peak.Load(); p > base {
		return p - base, base
	}
	return 0, base
}
