package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/trail"
)

func TestTrailParallelWritersKeepOneChain(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	s := postgres.NewTrailStore(db)
	const writers, each = 16, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				errs <- s.Record(ctx, trail.Event{ActorLogin: fmt.Sprintf("w%d", w), Action: "test.write",
					ObjectType: "test", ObjectID: fmt.Sprint(i), Unit: "tnmt", Details: map[string]any{"i": i, "w": w, "text": "Quy trình <cấp phép>"}})
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Checked != writers*each {
		t.Fatalf("want intact chain of %d, got %+v", writers*each, res)
	}
	var distinctPrev int
	if err := db.Get(&distinctPrev, `SELECT count(DISTINCT prev_hash) FROM trail`); err != nil {
		t.Fatal(err)
	}
	if distinctPrev != writers*each {
		t.Fatalf("the chain forked: %d distinct previous hashes for %d entries", distinctPrev, writers*each)
	}
}

func TestTrailRefusesUpdateAndDelete(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	s := postgres.NewTrailStore(db)
	if err := s.Record(ctx, trail.Event{ActorLogin: "a", Action: "x", ObjectType: "t", ObjectID: "1"}); err != nil {
		t.Fatal(err)
	}
	// Each statement is refused by the append-only trigger itself (its
	// SQLSTATE and message), not by some other error, and the entry stays.
	for q, op := range map[string]string{`UPDATE trail SET action = 'y'`: "UPDATE", `DELETE FROM trail`: "DELETE", `TRUNCATE trail`: "TRUNCATE"} {
		_, err := db.Exec(q)
		var pe *pq.Error
		if !errors.As(err, &pe) || pe.Code != "42501" || pe.Message != "the trail is append-only: "+op+" refused" {
			t.Errorf("%s: want the append-only refusal (42501), got %v", q, err)
		}
	}
	var n int
	var action string
	if err := db.QueryRow(`SELECT count(*), min(action) FROM trail`).Scan(&n, &action); err != nil || n != 1 || action != "x" {
		t.Fatalf("the trail changed: %d entries, action %q, %v", n, action, err)
	}
	if res, err := s.Verify(ctx); err != nil || !res.OK {
		t.Fatalf("the chain after the refusals: %+v %v", res, err)
	}
}

// TestTrailVerifyChecksTheHead: a chain whose last entries were removed, or
// whose head names another hash, is reported broken at the head.
func TestTrailVerifyChecksTheHead(t *testing.T) {
	cases := []struct {
		name, tamper string
		at           int64
		reason       string
	}{
		{"truncated tail", `DELETE FROM trail WHERE seq >= 4`, 4, "the head says 5 entries, found 3"},
		{"head hash mismatch", `UPDATE trail_head SET hash = repeat('a', 64)`, 5, "the head hash does not match the last entry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := testenv.DB(t)
			ctx := context.Background()
			s := postgres.NewTrailStore(db)
			for i := 0; i < 5; i++ {
				if err := s.Record(ctx, trail.Event{ActorLogin: "a", Action: "x", ObjectType: "t", ObjectID: fmt.Sprint(i)}); err != nil {
					t.Fatal(err)
				}
			}
			if res, err := s.Verify(ctx); err != nil || !res.OK || res.Checked != 5 {
				t.Fatalf("before tampering: %+v %v", res, err)
			}
			tamper(t, db, c.tamper)
			res, err := s.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || res.BrokenAt != c.at || res.Reason != c.reason {
				t.Fatalf("want broken at %d (%q), got %+v", c.at, c.reason, res)
			}
		})
	}
}

func TestTrailVerifyNamesTamperedEntry(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	s := postgres.NewTrailStore(db)
	for i := 0; i < 5; i++ {
		if err := s.Record(ctx, trail.Event{ActorLogin: "a", Action: "x", ObjectType: "t", ObjectID: fmt.Sprint(i), Details: map[string]any{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	tamper(t, db, `UPDATE trail SET details = '{"n": 99}' WHERE seq = 3`)
	res, err := s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK || res.BrokenAt != 3 {
		t.Fatalf("want broken at 3, got %+v", res)
	}
}

// tamper changes the trail behind the application's back, as a database
// superuser could, by switching off the triggers for one session.
func tamper(t *testing.T, db *sqlx.DB, q string) {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	_, _ = conn.ExecContext(context.Background(), `SET session_replication_role = origin`)
}
