package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/trail"
)

// trailSequencerKey is the advisory lock of the trail's sequencer: one
// instance of the cluster chains at a time (the head row's lock keeps the
// chain whole even without it; the advisory lock lets the others skip a
// pass rather than queue behind it).
const trailSequencerKey = 0x74726c01

// AppendTrail appends ev inside tx, without any lock: the entry holds
// everything about the act and is committed with the change, but its place
// in the chain (seq, prev_hash, hash) is given by the sequencer
// (SequenceTrail) after the commit. The returned entry is pending: it has
// its ID and time, and Seq 0.
func AppendTrail(ctx context.Context, tx *sqlx.Tx, ev trail.Event) (trail.Entry, error) {
	details := ev.Details
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return trail.Entry{}, err
	}
	canon, err := trail.CanonicalDetails(raw)
	if err != nil {
		return trail.Entry{}, err
	}
	e := trail.Entry{ActorLogin: ev.ActorLogin, Action: ev.Action, ObjectType: ev.ObjectType, ObjectID: ev.ObjectID,
		Unit: ev.Unit, Details: canon, Pending: true}
	if ev.ActorID != "" {
		id := ev.ActorID
		e.ActorID = &id
	}
	const qIns = `INSERT INTO trail (at, actor_id, actor_login, action, object_type, object_id, unit, details)
		VALUES (date_trunc('microseconds', clock_timestamp()), $1, $2, $3, $4, $5, $6, $7) RETURNING id, at`
	if err := tx.QueryRowxContext(ctx, qIns, e.ActorID, e.ActorLogin, e.Action, e.ObjectType,
		e.ObjectID, e.Unit, string(e.Details)).Scan(&e.ID, &e.At); err != nil {
		return trail.Entry{}, translate(err)
	}
	e.At = e.At.UTC()
	return e, nil
}

// SequenceTrail is one pass of the sequencer: it chains up to limit
// committed pending entries, in the order of their ids, in one short
// transaction (seq = head + 1, ..., each prev_hash the hash before it, and
// the head moved to the last). With wait false it gives way (ran false)
// when another instance holds the sequencer; with wait true it waits for
// it.
func SequenceTrail(ctx context.Context, db *sqlx.DB, limit int, wait bool) (chained int, ran bool, err error) {
	if limit <= 0 {
		limit = trail.SequencerBatch
	}
	err = InTx(ctx, db, func(tx *sqlx.Tx) error {
		if wait {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, trailSequencerKey); err != nil {
				return err
			}
			ran = true
		} else if err := tx.GetContext(ctx, &ran, `SELECT pg_try_advisory_xact_lock($1)`, trailSequencerKey); err != nil || !ran {
			return err
		}
		var head struct {
			Seq  int64  `db:"seq"`
			Hash string `db:"hash"`
		}
		if err := tx.GetContext(ctx, &head, `SELECT seq, hash FROM trail_head FOR UPDATE`); err != nil {
			return err
		}
		const qPending = `SELECT id, at, actor_id, actor_login, action, object_type, object_id, unit, details
			FROM trail WHERE seq IS NULL ORDER BY id LIMIT $1`
		var es []trail.Entry
		if err := tx.SelectContext(ctx, &es, qPending, limit); err != nil {
			return err
		}
		if len(es) == 0 {
			return nil
		}
		ids, seqs := make([]int64, len(es)), make([]int64, len(es))
		prevs, hashes := make([]string, len(es)), make([]string, len(es))
		for i := range es {
			e := &es[i]
			e.Seq, e.PrevHash = head.Seq+1, head.Hash
			h, err := trail.ComputeHash(*e)
			if err != nil {
				return fmt.Errorf("trail entry id %d: %w", e.ID, err)
			}
			ids[i], seqs[i], prevs[i], hashes[i] = e.ID, e.Seq, e.PrevHash, h
			head.Seq, head.Hash = e.Seq, h
		}
		const qFill = `UPDATE trail t SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
			FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, seq, prev_hash, hash)
			WHERE t.id = v.id AND t.seq IS NULL`
		res, err := tx.ExecContext(ctx, qFill, pq.Array(ids), pq.Array(seqs), pq.Array(prevs), pq.Array(hashes))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(es)) {
			return fmt.Errorf("trail sequencer: filled %d of %d entries (%v)", n, len(es), err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trail_head SET seq = $1, hash = $2`, head.Seq, head.Hash); err != nil {
			return err
		}
		chained = len(es)
		return nil
	})
	if err != nil {
		return 0, ran, err
	}
	return chained, ran, nil
}

// SequenceTrailNow chains every entry committed before it was called,
// waiting for the sequencer if another instance holds it.
func SequenceTrailNow(ctx context.Context, db *sqlx.DB) error {
	for {
		n, _, err := SequenceTrail(ctx, db, trail.SequencerBatch, true)
		if err != nil || n < trail.SequencerBatch {
			return err
		}
	}
}

// TrailStore reads and verifies the trail.
type TrailStore struct{ db *sqlx.DB }

// NewTrailStore returns a TrailStore on db.
func NewTrailStore(db *sqlx.DB) *TrailStore { return &TrailStore{db: db} }

// Record appends one event in its own transaction, for acts that change
// nothing else (a login, a download of evidence).
func (s *TrailStore) Record(ctx context.Context, ev trail.Event) error {
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
}

// Sequence is one pass of the cluster's sequencer (trail.Pass).
func (s *TrailStore) Sequence(ctx context.Context, limit int) (int, bool, error) {
	return SequenceTrail(ctx, s.db, limit, false)
}

// SequenceNow chains every entry committed before the call.
func (s *TrailStore) SequenceNow(ctx context.Context) error { return SequenceTrailNow(ctx, s.db) }

// trailCols reads an entry, pending or chained.
const trailCols = `t.id, coalesce(t.seq, 0) AS seq, t.seq IS NULL AS pending, t.at, t.actor_id, t.actor_login, t.action,
	t.object_type, t.object_id, t.unit, t.details, coalesce(t.prev_hash, '') AS prev_hash, coalesce(t.hash, '') AS hash`

// List returns entries matching f: the chained ones in sequence order
// (after f.AfterSeq), then those still pending in the order they were
// appended, so an act is listed the moment it commits.
func (s *TrailStore) List(ctx context.Context, f trail.Filter) ([]trail.Entry, error) {
	const q = `SELECT ` + trailCols + `, coalesce(u.name, '') AS actor_name
		FROM trail t LEFT JOIN users u ON u.id = t.actor_id
		WHERE ($1 = '' OR t.object_type = $1) AND ($2 = '' OR t.object_id = $2)
		  AND ($3::text[] IS NULL OR t.unit = ANY($3)) AND (t.seq > $4 OR t.seq IS NULL)
		ORDER BY t.seq NULLS LAST, t.id LIMIT $5`
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	var units any
	if f.Units != nil {
		units = pqArray(f.Units)
	}
	var out []trail.Entry
	if err := s.db.SelectContext(ctx, &out, q, f.ObjectType, f.ObjectID, units, f.AfterSeq, f.Limit); err != nil {
		return nil, translate(err)
	}
	if out == nil {
		out = []trail.Entry{}
	}
	return out, nil
}

// Verify chains what has committed (as the sequencer would), then checks
// the chain; see Check.
func (s *TrailStore) Verify(ctx context.Context) (trail.Result, error) {
	if err := s.SequenceNow(ctx); err != nil {
		return trail.Result{}, err
	}
	return s.Check(ctx)
}

// Check recomputes the whole chain in sequence order, streaming rows, in a
// repeatable-read snapshot so the head and the entries agree, and changes
// nothing. Entries still pending are counted; one pending for longer than
// trail.PendingAlarm fails the check, as the sequencer is not keeping up.
func (s *TrailStore) Check(ctx context.Context) (trail.Result, error) {
	tx, err := s.db.BeginTxx(ctx, &sqlTxOptionsRepeatableRead)
	if err != nil {
		return trail.Result{}, translate(err)
	}
	defer tx.Rollback()
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := tx.GetContext(ctx, &head, `SELECT seq, hash FROM trail_head`); err != nil {
		return trail.Result{}, translate(err)
	}
	rows, err := tx.QueryxContext(ctx, `SELECT `+trailCols+` FROM trail t WHERE t.seq IS NOT NULL ORDER BY t.seq`)
	if err != nil {
		return trail.Result{}, translate(err)
	}
	defer rows.Close()
	v := trail.NewVerifier()
	for rows.Next() {
		var e trail.Entry
		if err := rows.StructScan(&e); err != nil {
			return trail.Result{}, translate(err)
		}
		if err := v.Check(e); err != nil {
			return broken(v, err), nil
		}
	}
	if err := rows.Err(); err != nil {
		return trail.Result{}, translate(err)
	}
	if err := v.Finish(head.Seq, head.Hash); err != nil {
		return broken(v, err), nil
	}
	var pending struct {
		N      int64        `db:"n"`
		Stale  int64        `db:"stale"`
		Oldest sql.NullTime `db:"oldest"`
	}
	const qPending = `SELECT count(*) AS n, count(*) FILTER (WHERE at < clock_timestamp() - $1 * interval '1 microsecond') AS stale,
		min(at) AS oldest FROM trail WHERE seq IS NULL`
	if err := tx.GetContext(ctx, &pending, qPending, trail.PendingAlarm.Microseconds()); err != nil {
		return trail.Result{}, translate(err)
	}
	r := trail.Result{OK: true, Checked: v.Checked, Pending: pending.N}
	if pending.Stale > 0 {
		r.OK, r.BrokenAt = false, head.Seq+1
		r.Reason = fmt.Sprintf("%d entries have waited longer than %s for their place in the chain (the oldest since %s)",
			pending.Stale, trail.PendingAlarm, pending.Oldest.Time.UTC().Format(time.RFC3339))
	}
	return r, nil
}

func broken(v *trail.Verifier, err error) trail.Result {
	r := trail.Result{OK: false, Checked: v.Checked, Reason: err.Error()}
	if b, ok := err.(*trail.BrokenError); ok {
		r.BrokenAt, r.Reason = b.Seq, b.Reason
	}
	return r
}

// Head returns the head of the chain: its last entry's sequence number
// and hash (0 and the genesis hash for an empty chain).
func (s *TrailStore) Head(ctx context.Context) (seq int64, hash string, err error) {
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := s.db.GetContext(ctx, &head, `SELECT seq, hash FROM trail_head`); err != nil {
		return 0, "", translate(err)
	}
	return head.Seq, head.Hash, nil
}

// HashesAt returns the hash of each chained entry of seqs, by seq, in one
// query; an entry the chain does not have is absent.
func (s *TrailStore) HashesAt(ctx context.Context, seqs []int64) (map[int64]string, error) {
	var rows []struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT seq, hash FROM trail WHERE seq = ANY($1)`, pq.Array(seqs)); err != nil {
		return nil, translate(err)
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.Seq] = r.Hash
	}
	return out, nil
}

// Get returns one chained entry by sequence number.
func (s *TrailStore) Get(ctx context.Context, seq int64) (trail.Entry, error) {
	var e trail.Entry
	err := s.db.GetContext(ctx, &e, `SELECT `+trailCols+` FROM trail t WHERE t.seq = $1`, seq)
	if err != nil {
		return e, notFound(err, "trail entry %d not found", seq)
	}
	return e, nil
}
