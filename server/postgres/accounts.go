package postgres

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// The account rules of identity.AccountStore: password changes and resets,
// sign-ins in progress, the second factor.

// AccountOf returns the state of a user's credentials.
func (s *IdentityStore) AccountOf(ctx context.Context, userID string) (identity.Account, error) {
	const q = `SELECT must_change_password, totp_secret, totp_pending, totp_enabled_at, totp_last_step FROM users WHERE id = $1`
	var a identity.Account
	if !isUUID(userID) {
		return a, qms.Errorf(qms.ErrNotFound, "user not found")
	}
	if err := s.db.GetContext(ctx, &a, q, userID); err != nil {
		return a, notFound(err, "user not found")
	}
	return a, nil
}

// SetCredentials replaces the password hash and ends the user's other
// sessions and every sign-in in progress, with the trail event.
func (s *IdentityStore) SetCredentials(ctx context.Context, userID, hash string, mustChange bool, keep []byte, ev trail.Event) error {
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = now() WHERE id = $1`,
			userID, hash, mustChange)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return qms.Errorf(qms.ErrNotFound, "user not found")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR token_hash <> $2)`, userID, keep); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_challenges WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
}

// CreateChallenge stores a sign-in in progress.
func (s *IdentityStore) CreateChallenge(ctx context.Context, ch identity.Challenge, ev trail.Event) error {
	const q = `INSERT INTO login_challenges (token_hash, user_id, step, csrf_token, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, q, ch.Hash, ch.UserID, ch.Step, ch.CSRF, ch.CreatedAt, ch.ExpiresAt); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
}

// LiveChallenge returns a sign-in in progress that has not expired, and its
// active user.
func (s *IdentityStore) LiveChallenge(ctx context.Context, hash []byte, now time.Time) (identity.Challenge, identity.User, error) {
	const q = `SELECT c.token_hash, c.user_id, c.step, c.csrf_token, c.created_at, c.expires_at,
		  u.id, u.login, u.name, u.email, u.status, u.lang, u.created_at
		FROM login_challenges c JOIN users u ON u.id = c.user_id
		WHERE c.token_hash = $1 AND u.status = 'active' AND c.expires_at > $2`
	var ch identity.Challenge
	var u identity.User
	err := s.db.QueryRowxContext(ctx, q, hash, now).Scan(&ch.Hash, &ch.UserID, &ch.Step, &ch.CSRF, &ch.CreatedAt, &ch.ExpiresAt,
		&u.ID, &u.Login, &u.Name, &u.Email, &u.Status, &u.Lang, &u.CreatedAt)
	if err != nil {
		return ch, u, notFound(err, "sign-in not found")
	}
	return ch, u, nil
}

// DeleteChallenge ends a sign-in in progress.
func (s *IdentityStore) DeleteChallenge(ctx context.Context, hash []byte) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_challenges WHERE token_hash = $1`, hash)
	return translate(err)
}

// FinishChallenge turns a sign-in in progress into a session: the
// challenge is deleted and the session inserted in one transaction, so two
// requests with one challenge make at most one session.
func (s *IdentityStore) FinishChallenge(ctx context.Context, hash []byte, sess identity.Session, ev trail.Event) error {
	const ins = `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM login_challenges WHERE token_hash = $1 AND user_id = $2`, hash, sess.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return qms.Errorf(qms.ErrUnauthenticated, "the sign-in has expired; sign in again")
		}
		if _, err := tx.ExecContext(ctx, ins, sess.Hash, sess.UserID, sess.CSRF, sess.CreatedAt, sess.LastSeen, sess.ExpiresAt); err != nil {
			return err
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
}

// CountResetRequest counts one request for a reset link; a window older
// than window restarts.
func (s *IdentityStore) CountResetRequest(ctx context.Context, login string, now time.Time, window time.Duration) (int, error) {
	const q = `INSERT INTO password_reset_requests (login, requests, window_start) VALUES ($1, 1, $2)
		ON CONFLICT (login) DO UPDATE SET
		  requests = CASE WHEN password_reset_requests.window_start <= $2::timestamptz - make_interval(secs => $3::float8) THEN 1 ELSE password_reset_requests.requests + 1 END,
		  window_start = CASE WHEN password_reset_requests.window_start <= $2::timestamptz - make_interval(secs => $3::float8) THEN $2 ELSE password_reset_requests.window_start END
		RETURNING requests`
	var n int
	err := s.db.GetContext(ctx, &n, q, login, now, window.Seconds())
	return n, translate(err)
}

// CreateReset stores a reset link with its trail event and queues its
// e-mail (through the WithMail hook) in the same transaction.
func (s *IdentityStore) CreateReset(ctx context.Context, userID string, hash []byte, now, expires time.Time, ev trail.Event, mail qms.Email) error {
	const q = `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, q, hash, userID, now, expires); err != nil {
			return err
		}
		if _, err := AppendTrail(ctx, tx, ev); err != nil {
			return err
		}
		_, err := s.mail.queue(ctx, tx, mail)
		return err
	})
}

// UseReset consumes a live reset link and sets the password set gives, in
// one transaction: the link row is locked, so a link is used once however
// many requests carry it.
func (s *IdentityStore) UseReset(ctx context.Context, hash []byte, now time.Time, set func(identity.User) (string, trail.Event, error)) (identity.User, error) {
	const q = `SELECT u.id, u.login, u.name, u.email, u.status, u.lang, u.created_at
		FROM password_resets r JOIN users u ON u.id = r.user_id
		WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND u.status = 'active'
		FOR UPDATE OF r`
	var u identity.User
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &u, q, hash, now); err != nil {
			return notFound(err, "reset link not found")
		}
		pw, ev, err := set(u)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, u.ID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2, must_change_password = false, updated_at = now() WHERE id = $1`, u.ID, pw); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_challenges WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
	return u, err
}

// SetTOTPPending keeps the secret of an enrolment in progress.
func (s *IdentityStore) SetTOTPPending(ctx context.Context, userID, secret string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET totp_pending = $2 WHERE id = $1 AND totp_enabled_at IS NULL`, userID, secret)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return qms.Errorf(qms.ErrState, "a second factor is enrolled already; remove it first")
	}
	return nil
}

// EnableTOTP turns the pending secret into the user's second factor with
// its recovery codes, if the enrolment is still the one confirmed.
func (s *IdentityStore) EnableTOTP(ctx context.Context, userID, secret string, step int64, codes [][]byte, ev trail.Event) error {
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_enabled_at = now(), totp_last_step = $3
			WHERE id = $1 AND totp_pending = $2 AND totp_pending <> '' AND totp_enabled_at IS NULL`, userID, secret, step)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return qms.Errorf(qms.ErrConflict, "the enrolment changed meanwhile; start it again")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM totp_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, h := range codes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO totp_recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, h); err != nil {
				return err
			}
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
}

// DisableTOTP removes the second factor and its recovery codes.
func (s *IdentityStore) DisableTOTP(ctx context.Context, userID string, ev trail.Event) error {
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = '', totp_pending = '', totp_enabled_at = NULL WHERE id = $1`, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM totp_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
}

// UseTOTPStep records the step of an accepted code; one UPDATE, so two
// instances given the same code accept it once.
func (s *IdentityStore) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2 AND totp_enabled_at IS NOT NULL`, userID, step)
	if err != nil {
		return false, translate(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UseRecoveryCode spends one unused recovery code, with its trail event.
func (s *IdentityStore) UseRecoveryCode(ctx context.Context, userID string, hash []byte, now time.Time, ev trail.Event) (bool, error) {
	used := false
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE totp_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, hash, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		used = true
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
	return used, err
}

// RecoveryCodesLeft counts the unused recovery codes.
func (s *IdentityStore) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM totp_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID)
	return n, translate(err)
}
