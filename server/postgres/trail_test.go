package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/trail"
)

// TestTrailParallelWritersKeepOneChain: 16 writers append while two
// sequencers chain in small batches; the chain is one, without a fork.
func TestTrailParallelWritersKeepOneChain(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	s := postgres.NewTrailStore(db)
	const writers, each = 16, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each+2)
	// Two sequencers (two instances of a cluster) chain while the writers
	// append.
	stop := make(chan struct{})
	var seqs sync.WaitGroup
	for i := 0; i < 2; i++ {
		seqs.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := postgres.SequenceTrail(ctx, db, 7, i == 0); err != nil {
					errs <- err
					return
				}
			}
		})
	}
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
	close(stop)
	seqs.Wait()
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
	if err := s.SequenceNow(ctx); err != nil {
		t.Fatal(err)
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

// TestTrailAppendTakesNoLock: an append waits for no other: while one
// transaction holds an appended entry uncommitted, another appends and
// commits under a 200 ms lock timeout (behind a head lock it would time
// out). The sequencer chains only what has committed, and the late commit
// gets the next place.
func TestTrailAppendTakesNoLock(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	s := postgres.NewTrailStore(db)
	slow, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback()
	first, err := postgres.AppendTrail(ctx, slow, trail.Event{ActorLogin: "a", Action: "test.slow", ObjectType: "t", ObjectID: "slow"})
	if err != nil || !first.Pending || first.Seq != 0 || first.ID == 0 {
		t.Fatalf("append: %+v %v", first, err)
	}
	err = postgres.InTx(ctx, db, func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`SET LOCAL lock_timeout = '200ms'`); err != nil {
			return err
		}
		_, err := postgres.AppendTrail(ctx, tx, trail.Event{ActorLogin: "b", Action: "test.fast", ObjectType: "t", ObjectID: "fast"})
		return err
	})
	if err != nil {
		t.Fatalf("an append waited for another transaction's: %v", err)
	}
	n, ran, err := s.Sequence(ctx, 100)
	if err != nil || !ran || n != 1 {
		t.Fatalf("first pass: chained %d (ran %v) %v, want 1: the uncommitted entry is not chained", n, ran, err)
	}
	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	if n, _, err := s.Sequence(ctx, 100); err != nil || n != 1 {
		t.Fatalf("second pass: chained %d %v, want 1", n, err)
	}
	es, err := s.List(ctx, trail.Filter{ObjectType: "t"})
	if err != nil || len(es) != 2 {
		t.Fatalf("list: %+v %v", es, err)
	}
	if es[0].Action != "test.fast" || es[0].Seq != 1 || es[1].Action != "test.slow" || es[1].Seq != 2 || es[1].ID != first.ID || es[1].Pending {
		t.Fatalf("chain order: %+v", es)
	}
	if res, err := s.Check(ctx); err != nil || !res.OK || res.Checked != 2 || res.Pending != 0 {
		t.Fatalf("check: %+v %v", res, err)
	}
}

// TestTrailListsPendingEntriesAfterChainedOnes: an act is listed the moment
// it commits, as pending (seq 0), after the chained entries, in the order
// of appending; Get finds only chained entries.
func TestTrailListsPendingEntriesAfterChainedOnes(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	s := postgres.NewTrailStore(db)
	record := func(id string) {
		if err := s.Record(ctx, trail.Event{ActorLogin: "a", Action: "x", ObjectType: "t", ObjectID: id}); err != nil {
			t.Fatal(err)
		}
	}
	record("1")
	record("2")
	if err := s.SequenceNow(ctx); err != nil {
		t.Fatal(err)
	}
	record("3")
	record("4")
	es, err := s.List(ctx, trail.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, fmt.Sprintf("%s:%d:%v", e.ObjectID, e.Seq, e.Pending))
	}
	if strings.Join(got, " ") != "1:1:false 2:2:false 3:0:true 4:0:true" {
		t.Fatalf("list = %v", got)
	}
	if es, err := s.List(ctx, trail.Filter{AfterSeq: 1}); err != nil || len(es) != 3 || es[0].Seq != 2 {
		t.Fatalf("after 1: %+v %v", es, err)
	}
	if e, err := s.Get(ctx, 2); err != nil || e.ObjectID != "2" || e.Hash == "" {
		t.Fatalf("get 2: %+v %v", e, err)
	}
	if _, err := s.Get(ctx, 3); err == nil {
		t.Fatal("get 3: a pending entry has no seq yet")
	}
	if res, err := s.Check(ctx); err != nil || !res.OK || res.Checked != 2 || res.Pending != 2 {
		t.Fatalf("check with fresh pending entries: %+v %v", res, err)
	}
	if res, err := s.Verify(ctx); err != nil || !res.OK || res.Checked != 4 || res.Pending != 0 {
		t.Fatalf("verify chains first: %+v %v", res, err)
	}
}

// TestTrailGuardAllowsOnlyTheSingleFill: the append-only trigger lets a
// pending entry's chain fields go from NULL to a value once, with nothing
// else changed, and refuses every other change: a second fill, a change of
// the act with the fill, an emptying of the fields, an entry appended with
// its place already set.
func TestTrailGuardAllowsOnlyTheSingleFill(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	s := postgres.NewTrailStore(db)
	if err := s.Record(ctx, trail.Event{ActorLogin: "a", Action: "x", ObjectType: "t", ObjectID: "1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Record(ctx, trail.Event{ActorLogin: "a", Action: "x", ObjectType: "t", ObjectID: "2"}); err != nil {
		t.Fatal(err)
	}
	refused := func(q, op string) {
		t.Helper()
		_, err := db.Exec(q)
		var pe *pq.Error
		if !errors.As(err, &pe) || pe.Code != "42501" || !strings.HasPrefix(pe.Message, "the trail is append-only: "+op) {
			t.Errorf("%s: want the append-only refusal (42501), got %v", q, err)
		}
	}
	refused(`UPDATE trail SET seq = 100, prev_hash = 'p', hash = 'h', action = 'y' WHERE object_id = '1'`, "UPDATE")
	refused(`UPDATE trail SET seq = 100, prev_hash = 'p', hash = 'h', details = '{"n": 1}' WHERE object_id = '1'`, "UPDATE")
	refused(`UPDATE trail SET seq = 100, prev_hash = 'p', hash = 'h', at = at - interval '1 day' WHERE object_id = '1'`, "UPDATE")
	refused(`INSERT INTO trail (seq, at, actor_login, action, object_type, object_id, prev_hash, hash)
		VALUES (7, now(), 'a', 'x', 't', '9', 'p', 'h')`, "an entry is appended without its place")
	// The single fill passes the trigger (this one with made-up hashes,
	// which verification then names) ...
	if _, err := db.Exec(`UPDATE trail SET seq = 1, prev_hash = repeat('0', 64), hash = 'h' WHERE object_id = '1'`); err != nil {
		t.Fatalf("the single fill was refused: %v", err)
	}
	// ... and only once.
	refused(`UPDATE trail SET seq = 2, prev_hash = 'q', hash = 'i' WHERE object_id = '1'`, "UPDATE")
	refused(`UPDATE trail SET seq = NULL, prev_hash = NULL, hash = NULL WHERE object_id = '1'`, "UPDATE")
	refused(`UPDATE trail SET hash = 'h2' WHERE object_id = '1'`, "UPDATE")
	refused(`DELETE FROM trail WHERE object_id = '2'`, "DELETE")
	var n int
	var hash string
	if err := db.QueryRow(`SELECT count(*), min(hash) FROM trail`).Scan(&n, &hash); err != nil || n != 2 || hash != "h" {
		t.Fatalf("the trail changed: %d entries, hash %q, %v", n, hash, err)
	}
	res, err := s.Check(ctx)
	if err != nil || res.OK || res.BrokenAt != 1 || res.Reason != "content does not match its hash" {
		t.Fatalf("a fill with a wrong hash: %+v %v", res, err)
	}
}

// TestTrailCheckReportsEntriesPendingTooLong: an entry left pending for
// longer than trail.PendingAlarm fails the check, with the reason; once
// chained, the chain verifies.
func TestTrailCheckReportsEntriesPendingTooLong(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	s := postgres.NewTrailStore(db)
	if err := s.Record(ctx, trail.Event{ActorLogin: "a", Action: "x", ObjectType: "t", ObjectID: "1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SequenceNow(ctx); err != nil {
		t.Fatal(err)
	}
	// An entry appended a minute ago that no sequencer has chained since.
	if _, err := db.Exec(`INSERT INTO trail (at, actor_login, action, object_type, object_id)
		VALUES (clock_timestamp() - $1 * interval '1 second', 'a', 'x', 't', '2')`, int((trail.PendingAlarm + time.Minute).Seconds())); err != nil {
		t.Fatal(err)
	}
	if err := s.Record(ctx, trail.Event{ActorLogin: "a", Action: "x", ObjectType: "t", ObjectID: "3"}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK || res.Checked != 1 || res.Pending != 2 || res.BrokenAt != 2 ||
		!strings.HasPrefix(res.Reason, "1 entries have waited longer than 30s for their place in the chain") {
		t.Fatalf("want the stale pending entry reported, got %+v", res)
	}
	if res, err := s.Verify(ctx); err != nil || !res.OK || res.Checked != 3 {
		t.Fatalf("after chaining: %+v %v", res, err)
	}
}
