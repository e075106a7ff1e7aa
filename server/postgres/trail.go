package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/trail"
)

// AppendTrail appends ev to the chain inside tx. It locks the chain's head
// row, so concurrent transactions append one after the other in commit order
// and the chain can neither fork nor reorder.
func AppendTrail(ctx context.Context, tx *sqlx.Tx, ev trail.Event) (trail.Entry, error) {
	const qHead = `SELECT seq, hash, clock_timestamp() AS now FROM trail_head FOR UPDATE`
	var head struct {
		Seq  int64     `db:"seq"`
		Hash string    `db:"hash"`
		Now  time.Time `db:"now"`
	}
	if err := tx.GetContext(ctx, &head, qHead); err != nil {
		return trail.Entry{}, translate(err)
	}
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
	e := trail.Entry{
		Seq: head.Seq + 1, At: head.Now.UTC().Truncate(time.Microsecond), ActorLogin: ev.ActorLogin,
		Action: ev.Action, ObjectType: ev.ObjectType, ObjectID: ev.ObjectID, Unit: ev.Unit,
		Details: canon, PrevHash: head.Hash,
	}
	if ev.ActorID != "" {
		id := ev.ActorID
		e.ActorID = &id
	}
	if e.Hash, err = trail.ComputeHash(e); err != nil {
		return trail.Entry{}, err
	}
	const qIns = `INSERT INTO trail (seq, at, actor_id, actor_login, action, object_type, object_id, unit, details, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	if _, err := tx.ExecContext(ctx, qIns, e.Seq, e.At, e.ActorID, e.ActorLogin, e.Action, e.ObjectType,
		e.ObjectID, e.Unit, string(e.Details), e.PrevHash, e.Hash); err != nil {
		return trail.Entry{}, translate(err)
	}
	const qUpd = `UPDATE trail_head SET seq = $1, hash = $2`
	if _, err := tx.ExecContext(ctx, qUpd, e.Seq, e.Hash); err != nil {
		return trail.Entry{}, translate(err)
	}
	return e, nil
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

// List returns entries matching f in sequence order.
func (s *TrailStore) List(ctx context.Context, f trail.Filter) ([]trail.Entry, error) {
	const q = `SELECT t.seq, t.at, t.actor_id, t.actor_login, coalesce(u.name, '') AS actor_name, t.action, t.object_type,
		       t.object_id, t.unit, t.details, t.prev_hash, t.hash
		FROM trail t LEFT JOIN users u ON u.id = t.actor_id
		WHERE ($1 = '' OR t.object_type = $1) AND ($2 = '' OR t.object_id = $2)
		  AND ($3::text[] IS NULL OR t.unit = ANY($3)) AND t.seq > $4
		ORDER BY t.seq LIMIT $5`
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

// Verify recomputes the whole chain in sequence order, streaming rows, in a
// repeatable-read snapshot so the head and the entries agree.
func (s *TrailStore) Verify(ctx context.Context) (trail.Result, error) {
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
	rows, err := tx.QueryxContext(ctx, `SELECT seq, at, actor_id, actor_login, action, object_type, object_id, unit, details, prev_hash, hash FROM trail ORDER BY seq`)
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
	return trail.Result{OK: true, Checked: v.Checked}, nil
}

func broken(v *trail.Verifier, err error) trail.Result {
	r := trail.Result{OK: false, Checked: v.Checked, Reason: err.Error()}
	if b, ok := err.(*trail.BrokenError); ok {
		r.BrokenAt, r.Reason = b.Seq, b.Reason
	}
	return r
}

// Get returns one entry by sequence number.
func (s *TrailStore) Get(ctx context.Context, seq int64) (trail.Entry, error) {
	var e trail.Entry
	err := s.db.GetContext(ctx, &e, `SELECT seq, at, actor_id, actor_login, action, object_type, object_id, unit, details, prev_hash, hash FROM trail WHERE seq = $1`, seq)
	if err != nil {
		return e, notFound(err, "trail entry %d not found", seq)
	}
	return e, nil
}
