package identity

import (
	"context"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Single sign-on: a person an identity provider (OpenID Connect) vouched
// for signs in without a password. The protocol (discovery, the code
// exchange, the ID token's signature, audience, expiry and nonce) is the
// web layer's, with go-oidc; this file keeps the sign-in's state between
// the redirect and the callback, and turns a verified identity into a
// session:
//
//   - a person is found by the provider's issuer and subject ("sub"), never
//     by login or e-mail, which the provider may let people change;
//   - a person the provider names for the first time gets an account
//     without roles (the caller grants what the configured claim mapping
//     says) and without a password (PasswordLogin off);
//   - a local account with the same login is linked only when the office
//     said so (QMS_OIDC_LINK_BY_LOGIN: the provider is trusted for logins);
//     otherwise the sign-in is refused, so a provider cannot take over an
//     account by naming its login;
//   - the provider did the authentication, so no second factor is asked
//     here; a disabled account is refused as with a password.

// ErrPasswordLoginOff refuses the password of a person who signs in
// through single sign-on only.
var ErrPasswordLoginOff = qms.Errorf(qms.ErrUnauthenticated, "this account signs in through single sign-on")

// ExternalLoginTTL is how long a sign-in through the provider may take
// between the redirect and the callback.
const ExternalLoginTTL = 10 * time.Minute

// External is a person as the identity provider vouched for them.
type External struct {
	Issuer, Subject    string
	Login, Name, Email string
}

// ExternalLogin is a sign-in through the provider in progress.
type ExternalLogin struct {
	State    string // the request's state, also in the browser's cookie
	Nonce    string // the ID token must carry it
	Verifier string // the PKCE code verifier
	Next     string // the page to return to
}

// ExternalStore keeps the links to the provider and the sign-ins in progress.
type ExternalStore interface {
	// UserByExternal is the person linked to issuer and subject; ErrNotFound if none.
	UserByExternal(ctx context.Context, issuer, subject string) (User, error)
	// LinkExternal links a person to issuer and subject, with its trail entry.
	LinkExternal(ctx context.Context, userID, issuer, subject string, ev trail.Event) (User, error)
	// CreateExternalUser stores a person linked to issuer and subject,
	// without a password, with the trail entry.
	CreateExternalUser(ctx context.Context, u User, issuer, subject string, ev trail.Event) (User, error)
	// SaveExternalLogin keeps a sign-in in progress by its state's hash.
	SaveExternalLogin(ctx context.Context, stateHash []byte, l ExternalLogin, now time.Time) error
	// TakeExternalLogin removes and returns the sign-in in progress of a
	// state's hash if it began after since; ErrNotFound otherwise.
	TakeExternalLogin(ctx context.Context, stateHash []byte, since time.Time) (ExternalLogin, error)
}

// errExternalState answers a callback whose state is unknown, used or
// stale: a replay, a forged callback, or a sign-in left too long.
var errExternalState = qms.Errorf(qms.ErrUnauthenticated, "this single sign-on attempt is not valid or has expired; sign in again")

// BeginExternal opens a sign-in through the provider: fresh state, nonce
// and PKCE verifier, kept for ExternalLoginTTL. next is the local page to
// return to ("/" unless it is a path of this site).
func (s *Service) BeginExternal(ctx context.Context, next string) (ExternalLogin, error) {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		next = "/"
	}
	l := ExternalLogin{State: randomToken(32), Nonce: randomToken(32), Verifier: randomToken(48), Next: next}
	if err := s.store.SaveExternalLogin(ctx, HashToken(l.State), l, s.clock(ctx)); err != nil {
		return ExternalLogin{}, err
	}
	return l, nil
}

// TakeExternal takes the sign-in in progress of a callback's state, once:
// a second callback with the same state is refused.
func (s *Service) TakeExternal(ctx context.Context, state string) (ExternalLogin, error) {
	if state == "" || len(state) > 200 {
		return ExternalLogin{}, errExternalState
	}
	l, err := s.store.TakeExternalLogin(ctx, HashToken(state), s.clock(ctx).Add(-ExternalLoginTTL))
	if qms.KindOf(err) == qms.ErrNotFound {
		return ExternalLogin{}, errExternalState
	}
	return l, err
}

// SignInExternal signs in the person the provider vouched for, creating
// their account the first time (created true: the caller then grants the
// roles of the claim mapping) or linking the local account of the same
// login when linkByLogin.
func (s *Service) SignInExternal(ctx context.Context, ext External, linkByLogin bool) (SignIn, bool, error) {
	if ext.Issuer == "" || ext.Subject == "" || len(ext.Subject) > 255 || len(ext.Issuer) > 500 {
		return SignIn{}, false, qms.Errorf(qms.ErrUnauthenticated, "the identity provider did not name the person")
	}
	u, err := s.store.UserByExternal(ctx, ext.Issuer, ext.Subject)
	created := false
	if qms.KindOf(err) == qms.ErrNotFound {
		u, created, err = s.firstExternal(ctx, ext, linkByLogin)
	}
	if err != nil {
		return SignIn{}, false, err
	}
	if u.Status != "active" {
		_ = s.store.Record(ctx, trail.Event{ActorLogin: u.Login, Action: "user.login_failed", ObjectType: "user", ObjectID: u.Login,
			Details: map[string]any{"via": "oidc", "reason": "disabled"}})
		return SignIn{}, false, qms.Errorf(qms.ErrUnauthenticated, "this account is disabled")
	}
	now := s.clock(ctx)
	sess := Session{Token: randomToken(32), CSRF: randomToken(24), UserID: u.ID, CreatedAt: now, LastSeen: now,
		ExpiresAt: now.Add(s.opt.SessionMax)}
	sess.Hash = HashToken(sess.Token)
	ev := trail.Event{ActorID: u.ID, ActorLogin: u.Login, Action: "user.login", ObjectType: "user", ObjectID: u.Login,
		Details: map[string]any{"via": "oidc"}}
	if err := s.store.CreateSession(ctx, sess, ev); err != nil {
		return SignIn{}, false, err
	}
	return SignIn{User: u, Session: &sess}, created, nil
}

// firstExternal is a person the provider names for the first time.
func (s *Service) firstExternal(ctx context.Context, ext External, linkByLogin bool) (User, bool, error) {
	login := strings.ToLower(strings.TrimSpace(ext.Login))
	if !loginRE.MatchString(login) {
		return User{}, false, qms.Errorf(qms.ErrUnauthenticated, "the identity provider gave no usable login (2 to 64 lower-case letters, digits, dot, dash, underscore)")
	}
	meta := trail.Event{ActorLogin: login, ObjectType: "user", ObjectID: login, Details: map[string]any{"issuer": ext.Issuer, "subject": ext.Subject}}
	existing, _, err := s.store.UserByLogin(ctx, login)
	switch {
	case err == nil && linkByLogin:
		meta.Action = "user.sso_link"
		meta.ActorID = existing.ID
		u, err := s.store.LinkExternal(ctx, existing.ID, ext.Issuer, ext.Subject, meta)
		return u, false, err
	case err == nil:
		return User{}, false, qms.Errorf(qms.ErrConflict, "an account with the login %q exists and is not linked to single sign-on; ask an administrator", login)
	case qms.KindOf(err) != qms.ErrNotFound:
		return User{}, false, err
	}
	name, err := qms.CleanText("name", ext.Name, 200, false, false)
	if err != nil || name == "" {
		name = login
	}
	email, err := qms.CleanText("email", ext.Email, 200, false, false)
	if err != nil || !strings.Contains(email, "@") {
		email = ""
	}
	meta.Action = "user.sso_create"
	u, err := s.store.CreateExternalUser(ctx, User{Login: login, Name: name, Email: email, Status: "active", Lang: "vi"}, ext.Issuer, ext.Subject, meta)
	if qms.KindOf(err) == qms.ErrConflict {
		// Another sign-in of the same person won the race: use its account.
		u, err = s.store.UserByExternal(ctx, ext.Issuer, ext.Subject)
		return u, false, err
	}
	return u, err == nil, err
}
