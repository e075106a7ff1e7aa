package postgres

import (
	"context"
	"encoding/json"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/qms"
)

// InsertSignature stores an electronic signature inside tx and returns it
// with its id and database time.
func InsertSignature(ctx context.Context, tx *sqlx.Tx, s qms.Signature) (qms.Signature, error) {
	const q = `INSERT INTO signatures (user_id, login, name, role, meaning, object_type, object_id, comment, sha256s)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, signed_at`
	hashes := s.SHA256s
	if hashes == nil {
		hashes = []string{}
	}
	if err := tx.QueryRowxContext(ctx, q, s.UserID, s.Login, s.Name, s.Role, s.Meaning, s.ObjectType, s.ObjectID,
		s.Comment, pq.Array(hashes)).Scan(&s.ID, &s.SignedAt); err != nil {
		return s, translate(err)
	}
	s.SignedAt = s.SignedAt.UTC()
	return s, nil
}

// VoidSignatures voids the live signatures on an object (a signed file changed).
func VoidSignatures(ctx context.Context, tx *sqlx.Tx, objectType, objectID, reason string) (int64, error) {
	const q = `UPDATE signatures SET voided_at = now(), void_reason = $3
		WHERE object_type = $1 AND object_id = $2 AND voided_at IS NULL`
	res, err := tx.ExecContext(ctx, q, objectType, objectID, reason)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}

// Signatures lists the signatures on an object, oldest first.
func Signatures(ctx context.Context, q sqlx.QueryerContext, objectType, objectID string) ([]qms.Signature, error) {
	const sel = `SELECT id, user_id, login, name, role, meaning, object_type, object_id, comment, sha256s, signed_at, voided_at, void_reason
		FROM signatures WHERE object_type = $1 AND object_id = $2 ORDER BY signed_at, id`
	rows, err := q.QueryxContext(ctx, sel, objectType, objectID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []qms.Signature{}
	for rows.Next() {
		var s qms.Signature
		var hashes pq.StringArray
		if err := rows.Scan(&s.ID, &s.UserID, &s.Login, &s.Name, &s.Role, &s.Meaning, &s.ObjectType, &s.ObjectID,
			&s.Comment, &hashes, &s.SignedAt, &s.VoidedAt, &s.VoidReason); err != nil {
			return nil, translate(err)
		}
		s.SHA256s = hashes
		s.SignedAt = s.SignedAt.UTC()
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

// Notify adds an in-app notification inside tx. A non-empty dedupeKey makes
// it idempotent per user (an escalation is sent once however often a
// scheduled scan sees the same overdue item); it reports whether it was new.
func Notify(ctx context.Context, tx *sqlx.Tx, userID, kind string, subject qms.Msg, link, dedupeKey string) (bool, error) {
	const q = `INSERT INTO notifications (user_id, kind, subject, subject_msg, link, dedupe_key)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, '')) ON CONFLICT (user_id, dedupe_key) DO NOTHING`
	msg, err := json.Marshal(subject)
	if err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, q, userID, kind, subject.String(), msg, link, dedupeKey)
	if err != nil {
		return false, translate(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// NotificationStore reads and marks a user's notifications.
type NotificationStore struct{ db *sqlx.DB }

// NewNotificationStore returns a NotificationStore on db.
func NewNotificationStore(db *sqlx.DB) *NotificationStore { return &NotificationStore{db: db} }

// List returns the user's latest notifications, unread first.
func (s *NotificationStore) List(ctx context.Context, userID string, limit int) ([]qms.Notification, error) {
	const q = `SELECT id, user_id, kind, subject, coalesce(subject_msg, jsonb_build_object('id', subject)) AS subject_msg,
		link, created_at, read_at FROM notifications
		WHERE user_id = $1 ORDER BY read_at IS NOT NULL, created_at DESC LIMIT $2`
	var rows []struct {
		qms.Notification
		Msg []byte `db:"subject_msg"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, userID, limit); err != nil {
		return nil, translate(err)
	}
	out := make([]qms.Notification, len(rows))
	for i, r := range rows {
		out[i] = r.Notification
		if err := json.Unmarshal(r.Msg, &out[i].Message); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MarkRead marks one of the user's notifications read.
func (s *NotificationStore) MarkRead(ctx context.Context, userID, id string) error {
	// Marking twice is fine; another person's notification, like an id that
	// does not exist, is not found.
	const q = `UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2`
	if !isUUID(id) {
		return qms.Errorf(qms.ErrNotFound, "notification not found")
	}
	res, err := s.db.ExecContext(ctx, q, id, userID)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return qms.Errorf(qms.ErrNotFound, "notification not found")
	}
	return nil
}

// UsersWithRole returns the ids of active users holding role in unit or in
// every unit ("*"); used to address escalations (unit head, coordinator).
func UsersWithRole(ctx context.Context, q sqlx.QueryerContext, role, unit string) ([]string, error) {
	const sel = `SELECT DISTINCT u.id FROM role_assignments ra JOIN users u ON u.id = ra.user_id
		WHERE u.status = 'active' AND ra.role = $1 AND (ra.unit = $2 OR ra.unit = '*') ORDER BY u.id`
	out := []string{}
	err := sqlx.SelectContext(ctx, q, &out, sel, role, unit)
	return out, translate(err)
}

// TryExclusive runs fn only if this process wins the cluster-wide advisory
// lock key; every instance runs the scheduled jobs, and each fires once.
func TryExclusive(ctx context.Context, db *sqlx.DB, key int64, fn func(ctx context.Context) error) (bool, error) {
	conn, err := db.Connx(ctx)
	if err != nil {
		return false, translate(err)
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowxContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil {
		return false, translate(err)
	}
	if !got {
		return false, nil
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, key)
	return true, fn(ctx)
}

// Notified is a person a notification was just written for, with where and
// in which language to send its e-mail.
type Notified struct{ UserID, Email, Lang string }

// NotifyEach writes the notification once for each of users (a person
// named twice is notified once; one already notified under dedupeKey is
// skipped) and returns those freshly notified.
func NotifyEach(ctx context.Context, tx *sqlx.Tx, users []string, kind string, subject qms.Msg, link, dedupeKey string) ([]Notified, error) {
	var out []Notified
	seen := map[string]bool{}
	for _, u := range users {
		if seen[u] {
			continue
		}
		seen[u] = true
		ok, err := Notify(ctx, tx, u, kind, subject, link, dedupeKey)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		n := Notified{UserID: u}
		if err := tx.QueryRowxContext(ctx, `SELECT email, lang FROM users WHERE id = $1`, u).Scan(&n.Email, &n.Lang); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}
