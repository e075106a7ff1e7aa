package postgres

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/trail"
)

// The links to the identity provider and the sign-ins through it in
// progress (identity/external.go).

// UserByExternal is the person linked to issuer and subject.
func (s *IdentityStore) UserByExternal(ctx context.Context, issuer, subject string) (identity.User, error) {
	var u identity.User
	err := s.db.GetContext(ctx, &u, `SELECT `+userCols+` FROM users WHERE oidc_issuer = $1 AND oidc_subject = $2`, issuer, subject)
	return u, notFound(err, "user not found")
}

// LinkExternal links a person to issuer and subject, with its trail entry.
func (s *IdentityStore) LinkExternal(ctx context.Context, userID, issuer, subject string, ev trail.Event) (identity.User, error) {
	var u identity.User
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &u, `UPDATE users SET oidc_issuer = $2, oidc_subject = $3, updated_at = now()
			WHERE id = $1 AND oidc_issuer IS NULL RETURNING `+userCols, userID, issuer, subject); err != nil {
			return notFound(err, "user not found or linked already")
		}
		ev.ObjectID = u.ID
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return u, err
}

// CreateExternalUser stores a person linked to the provider, without a
// password (an empty hash matches none) and with the password sign-in off.
func (s *IdentityStore) CreateExternalUser(ctx context.Context, in identity.User, issuer, subject string, ev trail.Event) (identity.User, error) {
	var u identity.User
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &u, `INSERT INTO users (login, name, email, password_hash, status, lang, oidc_issuer, oidc_subject, password_login)
			VALUES ($1, $2, $3, '', $4, $5, $6, $7, false) RETURNING `+userCols,
			in.Login, in.Name, in.Email, in.Status, in.Lang, issuer, subject); err != nil {
			return err
		}
		ev.ObjectID = u.ID
		ev.ActorID = u.ID
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return u, err
}

// SaveExternalLogin keeps a sign-in in progress, and sweeps those left
// longer than the time a sign-in may take.
func (s *IdentityStore) SaveExternalLogin(ctx context.Context, stateHash []byte, l identity.ExternalLogin, now time.Time) error {
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_logins WHERE created_at < $1`, now.Add(-identity.ExternalLoginTTL)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_logins (state_hash, nonce, verifier, next_path, created_at) VALUES ($1, $2, $3, $4, $5)`,
			stateHash, l.Nonce, l.Verifier, l.Next, now)
		return err
	})
}

// TakeExternalLogin removes and returns a sign-in in progress begun after
// since: one statement, so two callbacks with one state cannot both take it.
func (s *IdentityStore) TakeExternalLogin(ctx context.Context, stateHash []byte, since time.Time) (identity.ExternalLogin, error) {
	var l identity.ExternalLogin
	var fresh bool
	err := s.db.QueryRowxContext(ctx, `DELETE FROM oidc_logins WHERE state_hash = $1 RETURNING nonce, verifier, next_path, created_at >= $2`,
		stateHash, since).Scan(&l.Nonce, &l.Verifier, &l.Next, &fresh)
	if err == nil && !fresh {
		err = sql.ErrNoRows // too old: taken, so it cannot be tried again, and refused
	}
	if err != nil {
		return identity.ExternalLogin{}, notFound(err, "no such sign-in")
	}
	return l, nil
}
