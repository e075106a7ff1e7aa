// Package identity owns who people are and how they prove it: users,
// argon2id password hashes, server-side sessions, API tokens, failed-login
// throttling shared by every instance, and password re-entry for electronic
// signatures.
package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// User is a person who signs in.
type User struct {
	ID        string    `json:"id" db:"id"`
	Login     string    `json:"login" db:"login"`
	Name      string    `json:"name" db:"name"`
	Email     string    `json:"email" db:"email"`
	Status    string    `json:"status" db:"status"` // active, disabled
	Lang      string    `json:"lang" db:"lang"`     // vi, en
	CreatedAt time.Time `json:"created_at" db:"created_at"`
	// PasswordLogin off refuses the password at sign-in: the person signs
	// in through single sign-on only (external.go).
	PasswordLogin bool `json:"password_login" db:"password_login"`
	// SSO says the person is linked to the identity provider.
	SSO bool `json:"sso" db:"sso"`
}

// Session is a server-side login session; the cookie holds Token, the
// database only its SHA-256.
type Session struct {
	Token     string
	Hash      []byte    `db:"token_hash"`
	UserID    string    `db:"user_id"`
	CSRF      string    `db:"csrf_token"`
	CreatedAt time.Time `db:"created_at"`
	LastSeen  time.Time `db:"last_seen"`
	ExpiresAt time.Time `db:"expires_at"`
}

// Token is an API token's metadata; the secret is shown once at creation.
type Token struct {
	ID        string     `json:"id" db:"id"`
	Name      string     `json:"name" db:"name"`
	CreatedAt time.Time  `json:"created_at" db:"created_at"`
	LastUsed  *time.Time `json:"last_used,omitempty" db:"last_used"`
	RevokedAt *time.Time `json:"revoked_at,omitempty" db:"revoked_at"`
}

// Store is what identity needs from the database.
type Store interface {
	CreateUser(ctx context.Context, u User, passwordHash string, ev trail.Event) (User, error)
	UserByLogin(ctx context.Context, login string) (User, string, error)
	UserByID(ctx context.Context, id string) (User, string, error)
	ListUsers(ctx context.Context) ([]User, error)
	UpdateUser(ctx context.Context, u User, ev trail.Event) (User, error) // name, email, status, lang; disabling ends sessions
	SetPassword(ctx context.Context, userID, hash string, ev trail.Event) error
	CountUsers(ctx context.Context) (int, error)

	CreateSession(ctx context.Context, s Session, ev trail.Event) error
	// TouchSession returns the live session for hash, extending its idle
	// window to idleUntil (never beyond its absolute expiry).
	TouchSession(ctx context.Context, hash []byte, now time.Time, idle time.Duration) (Session, User, error)
	DeleteSession(ctx context.Context, hash []byte) error

	// RecordFailure counts a failed login in the window starting at now-window, returning the count.
	RecordFailure(ctx context.Context, login string, now time.Time, window time.Duration) (int, error)
	Failures(ctx context.Context, login string, now time.Time, window time.Duration) (int, error)
	ClearFailures(ctx context.Context, login string) error

	CreateToken(ctx context.Context, userID, name string, hash []byte, ev trail.Event) (Token, error)
	TokenUser(ctx context.Context, hash []byte) (User, error)
	ListTokens(ctx context.Context, userID string) ([]Token, error)
	RevokeToken(ctx context.Context, userID, tokenID string, ev trail.Event) error

	Record(ctx context.Context, ev trail.Event) error

	AccountStore
	ExternalStore
}

// Options are the session and throttling settings.
type Options struct {
	SessionIdle      time.Duration
	SessionMax       time.Duration
	LoginMaxFailures int
	LoginWindow      time.Duration
	// Clock is the time every instance shares (the database's): a session
	// opened by one instance and checked by another expires by one clock.
	// The instance's clock stands in for it when nil.
	Clock func(ctx context.Context) time.Time

	// Render writes the password-reset e-mails in the recipient's
	// language; BaseURL starts their link. The store queues each e-mail
	// with its link (postgres WithMail; without a mail server none is
	// sent and the answer stays the same). MailFailed hears of a link
	// that could not be stored or queued (the person asking is not told).
	Render     func(lang string, m qms.Msg) string
	BaseURL    string
	MailFailed func(login string, err error)
	// TOTPRoles are the roles whose holders must sign in with a second
	// factor; Roles lists the roles a user holds (in any unit).
	TOTPRoles []string
	Roles     func(ctx context.Context, userID string) ([]string, error)
	// Issuer names qmstrack in authenticator apps ("qmstrack").
	Issuer string
}

// Service is the identity capability.
type Service struct {
	store Store
	opt   Options
}

// NewService returns the identity service.
func NewService(store Store, now qms.Clock, opt Options) *Service {
	if opt.LoginMaxFailures <= 0 {
		opt.LoginMaxFailures = 5
	}
	if opt.LoginWindow <= 0 {
		opt.LoginWindow = 15 * time.Minute
	}
	if now == nil {
		now = time.Now
	}
	if opt.Clock == nil {
		opt.Clock = func(context.Context) time.Time { return now() }
	}
	return &Service{store: store, opt: opt}
}

// clock is the shared clock's time; sessions and sign-in throttling
// are decided by it.
func (s *Service) clock(ctx context.Context) time.Time { return s.opt.Clock(ctx) }

// ErrThrottled marks a login refused because of too many failures; the web
// layer answers 429.
var ErrThrottled = qms.Errorf(qms.ErrTooManyRequests, "too many failed sign-in attempts; wait a few minutes and try again")

var loginRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// NewUser is the input to CreateUser.
type NewUser struct {
	Login    string `json:"login"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Lang     string `json:"lang"`
}

// CreateUser validates and stores a new user. Authorization is the caller's.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	fe := qms.FieldErrors{}
	login := strings.ToLower(strings.TrimSpace(in.Login))
	if !loginRE.MatchString(login) {
		fe.Add("login", "use 2 to 64 characters: lower-case letters, digits, dot, dash, underscore")
	}
	name, err := qms.CleanText("name", in.Name, 200, true, false)
	if err != nil {
		fe.AddErr("name", err)
	}
	email, err := qms.CleanText("email", in.Email, 200, false, false)
	if err != nil || (email != "" && !strings.Contains(email, "@")) {
		fe.Add("email", "not an email address")
	}
	if len(in.Password) < 8 || len(in.Password) > 200 {
		fe.Add("password", "use 8 to 200 characters")
	}
	lang := in.Lang
	if lang == "" {
		lang = "vi"
	}
	if lang != "vi" && lang != "en" {
		fe.Add("lang", "vi or en")
	}
	if err := fe.Err(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	u := User{Login: login, Name: name, Email: email, Status: "active", Lang: lang}
	ev := trail.NewEvent(ctx, "user.create", "user", login, "", map[string]any{"login": login, "name": name})
	u, err = s.store.CreateUser(ctx, u, hash, ev)
	if err != nil {
		if qms.KindOf(err) == qms.ErrConflict {
			return User{}, qms.Errorf(qms.ErrConflict, "the login %q is taken", login)
		}
		return User{}, err
	}
	return u, nil
}

// Authenticate returns the session and user for a session cookie value.
func (s *Service) Authenticate(ctx context.Context, token string) (Session, User, error) {
	if token == "" || len(token) > 100 {
		return Session{}, User{}, qms.Errorf(qms.ErrUnauthenticated, "sign in first")
	}
	sess, u, err := s.store.TouchSession(ctx, HashToken(token), s.clock(ctx), s.opt.SessionIdle)
	if err != nil {
		if qms.KindOf(err) == qms.ErrNotFound {
			return Session{}, User{}, qms.Errorf(qms.ErrUnauthenticated, "your session has ended; sign in again")
		}
		return Session{}, User{}, err
	}
	sess.Token = token
	return sess, u, nil
}

// Logout ends the session.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.store.DeleteSession(ctx, HashToken(token))
}

// AuthenticateToken returns the user of an API token (Authorization: Bearer).
func (s *Service) AuthenticateToken(ctx context.Context, token string) (User, error) {
	if !strings.HasPrefix(token, "qms_") || len(token) > 100 {
		return User{}, qms.Errorf(qms.ErrUnauthenticated, "invalid API token")
	}
	u, err := s.store.TokenUser(ctx, HashToken(token))
	if err != nil {
		if qms.KindOf(err) == qms.ErrNotFound {
			return User{}, qms.Errorf(qms.ErrUnauthenticated, "invalid or revoked API token")
		}
		return User{}, err
	}
	if u.Status != "active" {
		return User{}, qms.Errorf(qms.ErrUnauthenticated, "the account is disabled")
	}
	return u, nil
}

// CreateToken makes an API token for the acting user; the secret is returned
// once and stored only as its SHA-256.
func (s *Service) CreateToken(ctx context.Context, name string) (string, Token, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return "", Token{}, err
	}
	name, err = qms.CleanText("name", name, 100, true, false)
	if err != nil {
		return "", Token{}, err
	}
	secret := "qms_" + randomToken(32)
	t, err := s.store.CreateToken(ctx, a.UserID, name, HashToken(secret),
		trail.NewEvent(ctx, "token.create", "user", a.Login, "", map[string]any{"name": name}))
	return secret, t, err
}

// ListTokens lists the acting user's tokens.
func (s *Service) ListTokens(ctx context.Context) ([]Token, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx, a.UserID)
}

// RevokeToken revokes one of the acting user's tokens.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return err
	}
	return s.store.RevokeToken(ctx, a.UserID, id, trail.NewEvent(ctx, "token.revoke", "user", a.Login, "", map[string]any{"token": id}))
}

// CheckPassword re-authenticates a signer for an electronic signature. It
// shares the failed-login throttle, so a signature dialog cannot be used to
// guess passwords.
func (s *Service) CheckPassword(ctx context.Context, userID, password string) error {
	u, hash, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	now := s.clock(ctx)
	n, err := s.store.Failures(ctx, u.Login, now, s.opt.LoginWindow)
	if err != nil {
		return err
	}
	if n >= s.opt.LoginMaxFailures {
		return ErrThrottled
	}
	if password == "" || len(password) > 200 || !VerifyPassword(hash, password) || u.Status != "active" {
		_, _ = s.store.RecordFailure(ctx, u.Login, now, s.opt.LoginWindow)
		return qms.Errorf(qms.ErrForbidden, "the password is wrong: the signature was not applied")
	}
	return nil
}

// User returns a user by id.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	u, _, err := s.store.UserByID(ctx, id)
	return u, err
}

// UserByLogin returns a user by login.
func (s *Service) UserByLogin(ctx context.Context, login string) (User, error) {
	u, _, err := s.store.UserByLogin(ctx, strings.ToLower(strings.TrimSpace(login)))
	if err != nil && qms.KindOf(err) == qms.ErrNotFound {
		return User{}, qms.Errorf(qms.ErrNotFound, "no user with login %q", login)
	}
	return u, err
}

// ListUsers lists every user.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) { return s.store.ListUsers(ctx) }

// CountUsers tells whether the database is empty (for seeding).
func (s *Service) CountUsers(ctx context.Context) (int, error) { return s.store.CountUsers(ctx) }

// UserUpdate is a partial update; nil fields stay as they are.
type UserUpdate struct {
	Name   *string `json:"name"`
	Email  *string `json:"email"`
	Status *string `json:"status"`
	Lang   *string `json:"lang"`
	// PasswordLogin switches the password sign-in on or off; off needs
	// the person linked to single sign-on, or they could not sign in.
	PasswordLogin *bool `json:"password_login"`
}

// UpdateUser changes a user's details. Disabling a user ends all their
// sessions and revokes all their API tokens.
func (s *Service) UpdateUser(ctx context.Context, id string, in UserUpdate) (User, error) {
	u, _, err := s.store.UserByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	if in.Name != nil {
		if u.Name, err = qms.CleanText("name", *in.Name, 200, true, false); err != nil {
			return User{}, err
		}
	}
	if in.Email != nil {
		if u.Email, err = qms.CleanText("email", *in.Email, 200, false, false); err != nil {
			return User{}, err
		}
	}
	if in.Status != nil {
		if *in.Status != "active" && *in.Status != "disabled" {
			return User{}, qms.Errorf(qms.ErrInvalid, "status must be active or disabled")
		}
		u.Status = *in.Status
	}
	if in.Lang != nil {
		if *in.Lang != "vi" && *in.Lang != "en" {
			return User{}, qms.Errorf(qms.ErrInvalid, "language must be vi or en")
		}
		u.Lang = *in.Lang
	}
	if in.PasswordLogin != nil {
		if !*in.PasswordLogin && !u.SSO {
			return User{}, qms.Errorf(qms.ErrInvalid, "the password sign-in can be switched off only for a person linked to single sign-on")
		}
		u.PasswordLogin = *in.PasswordLogin
	}
	return s.store.UpdateUser(ctx, u, trail.NewEvent(ctx, "user.update", "user", u.Login, "",
		map[string]any{"status": u.Status, "name": u.Name, "lang": u.Lang, "password_login": u.PasswordLogin}))
}

// SetPassword sets a user's password (admin reset, or the user's own change).
func (s *Service) SetPassword(ctx context.Context, userID, password string) error {
	if len(password) < 8 || len(password) > 200 {
		return qms.Errorf(qms.ErrInvalid, "the password must have 8 to 200 characters")
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.store.SetPassword(ctx, userID, hash, trail.NewEvent(ctx, "user.password", "user", userID, "", nil))
}

// HashToken is the SHA-256 under which a session or API token is stored.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
