package postgres

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// IdentityStore implements identity.Store.
type IdentityStore struct {
	db *sqlx.DB
	*TrailStore
	tokenNow func(context.Context) time.Time // see WithTokenClock
	mail     MailTx                          // see WithMail
}

var _ identity.Store = (*IdentityStore)(nil)

// NewIdentityStore returns an IdentityStore on db.
func NewIdentityStore(db *sqlx.DB) *IdentityStore {
	return &IdentityStore{db: db, TrailStore: NewTrailStore(db)}
}

const userCols = `id, login, name, email, status, lang, created_at, password_login, oidc_issuer IS NOT NULL AS sso`

// CreateUser inserts a user and its trail entry.
func (s *IdentityStore) CreateUser(ctx context.Context, u identity.User, hash string, ev trail.Event) (identity.User, error) {
	const q = `INSERT INTO users (login, name, email, password_hash, status, lang) VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING ` + userCols
	var out identity.User
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, q, u.Login, u.Name, u.Email, hash, u.Status, u.Lang); err != nil {
			return err
		}
		ev.ObjectID = out.ID
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return out, err
}

// UserByLogin returns the user and password hash.
func (s *IdentityStore) UserByLogin(ctx context.Context, login string) (identity.User, string, error) {
	const q = `SELECT ` + userCols + `, password_hash FROM users WHERE login = $1`
	var row struct {
		identity.User
		Hash string `db:"password_hash"`
	}
	if err := s.db.GetContext(ctx, &row, q, login); err != nil {
		return identity.User{}, "", notFound(err, "no user with login %q", login)
	}
	return row.User, row.Hash, nil
}

// UserByID returns the user and password hash.
func (s *IdentityStore) UserByID(ctx context.Context, id string) (identity.User, string, error) {
	const q = `SELECT ` + userCols + `, password_hash FROM users WHERE id = $1`
	var row struct {
		identity.User
		Hash string `db:"password_hash"`
	}
	if !isUUID(id) {
		return identity.User{}, "", qms.Errorf(qms.ErrNotFound, "user not found")
	}
	if err := s.db.GetContext(ctx, &row, q, id); err != nil {
		return identity.User{}, "", notFound(err, "user not found")
	}
	return row.User, row.Hash, nil
}

// ListUsers lists users by login.
func (s *IdentityStore) ListUsers(ctx context.Context) ([]identity.User, error) {
	out := []identity.User{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+userCols+` FROM users ORDER BY login`)
	return out, translate(err)
}

// CountUsers counts users.
func (s *IdentityStore) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM users`)
	return n, translate(err)
}

// UpdateUser updates name, email, status and language; disabling a user ends
// every session of theirs and, through the policy reload, their roles.
func (s *IdentityStore) UpdateUser(ctx context.Context, u identity.User, ev trail.Event) (identity.User, error) {
	const q = `UPDATE users SET name = $2, email = $3, status = $4, lang = $5, password_login = $6, updated_at = now()
		WHERE id = $1 RETURNING ` + userCols
	var out identity.User
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, q, u.ID, u.Name, u.Email, u.Status, u.Lang, u.PasswordLogin); err != nil {
			return notFound(err, "user not found")
		}
		if out.Status == "disabled" {
			// Disabling ends every session and revokes every API token: a
			// user enabled again signs in afresh and makes new tokens.
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, u.ID); err != nil {
				return err
			}
		}
		if err := notifyPolicy(ctx, tx, "user "+u.ID); err != nil {
			return err
		}
		ev.ObjectID = out.ID
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return out, err
}

// SetPassword replaces the password hash and ends the user's sessions.
func (s *IdentityStore) SetPassword(ctx context.Context, userID, hash string, ev trail.Event) error {
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, userID, hash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return qms.Errorf(qms.ErrNotFound, "user not found")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
}

// CreateSession stores a new session.
func (s *IdentityStore) CreateSession(ctx context.Context, sess identity.Session, ev trail.Event) error {
	const q = `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, q, sess.Hash, sess.UserID, sess.CSRF, sess.CreatedAt, sess.LastSeen, sess.ExpiresAt); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
}

// touchEvery is how stale last_seen may get before a request writes it:
// most requests then only read the session, and the idle timeout is exact
// to within this much.
const touchEvery = time.Minute

// qTouchSession loads a live session and its user by the keys of both tables.
const qTouchSession = `SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen, s.expires_at,
	  u.id, u.login, u.name, u.email, u.status, u.lang, u.created_at
	FROM sessions s JOIN users u ON u.id = s.user_id
	WHERE s.token_hash = $1 AND u.status = 'active'
	  AND s.expires_at > $2 AND s.last_seen > $2::timestamptz - make_interval(secs => $3::float8)`

// TouchSession returns a live session and its active user, and records the
// activity. A session is live while now is before its absolute expiry and
// within idle of its last activity.
func (s *IdentityStore) TouchSession(ctx context.Context, hash []byte, now time.Time, idle time.Duration) (identity.Session, identity.User, error) {
	var sess identity.Session
	var u identity.User
	err := s.db.QueryRowxContext(ctx, qTouchSession, hash, now, idle.Seconds()).Scan(&sess.Hash, &sess.UserID, &sess.CSRF,
		&sess.CreatedAt, &sess.LastSeen, &sess.ExpiresAt, &u.ID, &u.Login, &u.Name, &u.Email, &u.Status, &u.Lang, &u.CreatedAt)
	if err != nil {
		return sess, u, notFound(err, "session not found")
	}
	if now.Sub(sess.LastSeen) >= touchEvery {
		const upd = `UPDATE sessions SET last_seen = $2 WHERE token_hash = $1 AND last_seen < $2`
		if _, err := s.db.ExecContext(ctx, upd, hash, now); err != nil {
			return sess, u, translate(err)
		}
		sess.LastSeen = now
	}
	return sess, u, nil
}

// DeleteSession ends a session.
func (s *IdentityStore) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
	return translate(err)
}

// RecordFailure counts one failed login; a window older than window restarts.
func (s *IdentityStore) RecordFailure(ctx context.Context, login string, now time.Time, window time.Duration) (int, error) {
	const q = `INSERT INTO login_failures (login, failures, window_start) VALUES ($1, 1, $2)
		ON CONFLICT (login) DO UPDATE SET
		  failures = CASE WHEN login_failures.window_start < $2::timestamptz - make_interval(secs => $3::float8) THEN 1 ELSE login_failures.failures + 1 END,
		  window_start = CASE WHEN login_failures.window_start < $2::timestamptz - make_interval(secs => $3::float8) THEN $2 ELSE login_failures.window_start END
		RETURNING failures`
	var n int
	err := s.db.GetContext(ctx, &n, q, login, now, window.Seconds())
	return n, translate(err)
}

// Failures returns the failures counted in the current window.
func (s *IdentityStore) Failures(ctx context.Context, login string, now time.Time, window time.Duration) (int, error) {
	const q = `SELECT COALESCE((SELECT failures FROM login_failures
		WHERE login = $1 AND window_start >= $2::timestamptz - make_interval(secs => $3::float8)), 0)`
	var n int
	err := s.db.GetContext(ctx, &n, q, login, now, window.Seconds())
	return n, translate(err)
}

// ClearFailures forgets the failures after a successful login.
func (s *IdentityStore) ClearFailures(ctx context.Context, login string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE login = $1`, login)
	return translate(err)
}

// CreateToken stores an API token hash.
func (s *IdentityStore) CreateToken(ctx context.Context, userID, name string, hash []byte, ev trail.Event) (identity.Token, error) {
	const q = `INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, $2, $3)
		RETURNING id, name, created_at, last_used, revoked_at`
	var t identity.Token
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &t, q, userID, name, hash); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return t, err
}

// WithMail makes CreateReset queue the e-mail of each reset link through
// mail, in the transaction that stores the link; without it no e-mail is
// queued.
func (s *IdentityStore) WithMail(mail MailTx) *IdentityStore {
	s.mail = mail
	return s
}

// WithTokenClock sets the clock by which a token's last use is written (the
// shared clock, so that every instance counts the minute alike); without it
// the instance's own clock is used.
func (s *IdentityStore) WithTokenClock(now func(context.Context) time.Time) *IdentityStore {
	s.tokenNow = now
	return s
}

// tokenTouchEvery is how stale a token's last_used may get before a request
// writes it, as for a session's last_seen: a bearer-token request then only
// reads its token, and last_used is exact to within this much.
const tokenTouchEvery = time.Minute

// qTokenUser reads a live token and its user by the token's unique hash.
const qTokenUser = `SELECT t.last_used, u.id, u.login, u.name, u.email, u.status, u.lang, u.created_at
	FROM api_tokens t JOIN users u ON u.id = t.user_id
	WHERE t.token_hash = $1 AND t.revoked_at IS NULL`

// TokenUser returns the user of a live token and notes its use, at most once
// per tokenTouchEvery: the write is skipped, on every instance, while the
// last one is younger than that.
func (s *IdentityStore) TokenUser(ctx context.Context, hash []byte) (identity.User, error) {
	var u identity.User
	var last *time.Time
	err := s.db.QueryRowxContext(ctx, qTokenUser, hash).Scan(&last, &u.ID, &u.Login, &u.Name, &u.Email, &u.Status, &u.Lang, &u.CreatedAt)
	if err != nil {
		return u, notFound(err, "token not found")
	}
	now := time.Now()
	if s.tokenNow != nil {
		now = s.tokenNow(ctx)
	}
	if last == nil || now.Sub(*last) >= tokenTouchEvery {
		const upd = `UPDATE api_tokens SET last_used = $2 WHERE token_hash = $1
			AND (last_used IS NULL OR last_used <= $2::timestamptz - make_interval(secs => $3::float8))`
		if _, err := s.db.ExecContext(ctx, upd, hash, now, tokenTouchEvery.Seconds()); err != nil {
			return u, translate(err)
		}
	}
	return u, nil
}

// ListTokens lists a user's tokens.
func (s *IdentityStore) ListTokens(ctx context.Context, userID string) ([]identity.Token, error) {
	out := []identity.Token{}
	err := s.db.SelectContext(ctx, &out, qListTokens, userID)
	return out, translate(err)
}

// qListTokens reads a user's tokens, newest first, from api_tokens_user.
const qListTokens = `SELECT id, name, created_at, last_used, revoked_at FROM api_tokens
	WHERE user_id = $1 ORDER BY created_at DESC`

// RevokeToken revokes one of the user's tokens.
func (s *IdentityStore) RevokeToken(ctx context.Context, userID, tokenID string, ev trail.Event) error {
	if !isUUID(tokenID) {
		return qms.Errorf(qms.ErrNotFound, "token not found")
	}
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`, tokenID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return qms.Errorf(qms.ErrNotFound, "token not found")
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
}
