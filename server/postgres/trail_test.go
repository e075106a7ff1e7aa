package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

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
	for _, q := range []string{`UPDATE trail SET action = 'y'`, `DELETE FROM trail`, `TRUNCATE trail`} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s was accepted", q)
		}
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
