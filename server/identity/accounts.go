package identity

import (
	"context"
	"crypto/rand"
	"strings"
	"time"
	"unicode"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// The steps a sign-in may still have to take after the password.
const (
	StepCode     = "code"     // the second-factor code (TOTP or a recovery code)
	StepPassword = "password" // a one-time password set by an administrator must be changed
	StepEnrol    = "enrol"    // the user's role requires a second factor they have not enrolled
)

// Time limits of the account rules.
const (
	// ResetLinkTTL is how long a password-reset link is valid.
	ResetLinkTTL = 30 * time.Minute
	// ResetMaxRequests reset links may be asked for one login within
	// ResetWindow; more are refused, whether the login exists or not.
	ResetMaxRequests = 3
	ResetWindow      = time.Hour
	// ChallengeTTL is how long a sign-in may wait between its steps.
	ChallengeTTL = 10 * time.Minute
	// MinPasswordLen and MaxPasswordLen bound a new password.
	MinPasswordLen = 10
	MaxPasswordLen = 200
)

// Challenge is a sign-in that passed the password and still has a step to
// take (Step) before it becomes a session. The cookie holds Token, the
// database only its SHA-256.
type Challenge struct {
	Token     string
	Hash      []byte    `db:"token_hash"`
	UserID    string    `db:"user_id"`
	Step      string    `db:"step"`
	CSRF      string    `db:"csrf_token"`
	CreatedAt time.Time `db:"created_at"`
	ExpiresAt time.Time `db:"expires_at"`
}

// Account is the state of a user's credentials beyond the password hash.
type Account struct {
	MustChange  bool       `db:"must_change_password"`
	TOTPSecret  string     `db:"totp_secret"`
	TOTPPending string     `db:"totp_pending"`
	TOTPEnabled *time.Time `db:"totp_enabled_at"`
	TOTPStep    int64      `db:"totp_last_step"`
}

// SignIn is the outcome of a step of signing in: a session, or the next
// step to take.
type SignIn struct {
	User      User
	Session   *Session
	Challenge *Challenge
}

// AccountStore is what the account rules need from the database. Every
// method that changes a credential writes its trail event in the same
// transaction; none of them ever writes a secret into the trail.
type AccountStore interface {
	AccountOf(ctx context.Context, userID string) (Account, error)
	// SetCredentials replaces the password hash, sets must_change, and
	// ends every session of the user except keep (nil: all of them) and
	// every sign-in in progress.
	SetCredentials(ctx context.Context, userID, hash string, mustChange bool, keep []byte, ev trail.Event) error

	CreateChallenge(ctx context.Context, ch Challenge, ev trail.Event) error
	// LiveChallenge returns the challenge for hash if it has not expired
	// at now, and its active user.
	LiveChallenge(ctx context.Context, hash []byte, now time.Time) (Challenge, User, error)
	DeleteChallenge(ctx context.Context, hash []byte) error
	// FinishChallenge replaces the challenge by the session, in one
	// transaction: a challenge becomes at most one session.
	FinishChallenge(ctx context.Context, hash []byte, sess Session, ev trail.Event) error

	// CountResetRequest counts one request for a reset link for login in
	// the window starting at now-window and returns the count.
	CountResetRequest(ctx context.Context, login string, now time.Time, window time.Duration) (int, error)
	// CreateReset stores a reset link with its trail event and queues mail
	// (the e-mail carrying the link) in the same transaction: the e-mail is
	// sent if and only if the link is stored.
	CreateReset(ctx context.Context, userID string, hash []byte, now, expires time.Time, ev trail.Event, mail qms.Email) error
	// UseReset consumes the live reset link hash at now: set gives the new
	// password hash and the trail event for the link's user (or an error,
	// and nothing changes); every other link and every session of the
	// user end. An unknown, used or expired link is ErrNotFound.
	UseReset(ctx context.Context, hash []byte, now time.Time, set func(User) (string, trail.Event, error)) (User, error)

	SetTOTPPending(ctx context.Context, userID, secret string) error
	// EnableTOTP makes the pending secret the user's second factor, with
	// the code of step as its first use and the recovery codes' hashes,
	// if the pending secret is still secret.
	EnableTOTP(ctx context.Context, userID, secret string, step int64, codes [][]byte, ev trail.Event) error
	DisableTOTP(ctx context.Context, userID string, ev trail.Event) error
	// UseTOTPStep records step as the last code used, if it is later than
	// the last one; false means the code was used already.
	UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error)
	// UseRecoveryCode spends a recovery code; false when it is not one of
	// the user's unused codes.
	UseRecoveryCode(ctx context.Context, userID string, hash []byte, now time.Time, ev trail.Event) (bool, error)
	RecoveryCodesLeft(ctx context.Context, userID string) (int, error)
}

// ErrPasswordChangeRequired refuses every request of a sign-in whose
// one-time password has not been changed yet, other than the change.
var ErrPasswordChangeRequired = qms.Errorf(qms.ErrForbidden, "change your one-time password first (POST /api/v1/me/password)")

// ErrTOTPEnrolRequired refuses every request of a sign-in whose role
// requires a second factor not enrolled yet, other than the enrolment.
var ErrTOTPEnrolRequired = qms.Errorf(qms.ErrForbidden, "your role requires a second factor: enrol one first (POST /api/v1/me/totp)")

// ErrCodeRequired answers a sign-in of a user with a second factor that
// came without the code.
var ErrCodeRequired = qms.Errorf(qms.ErrUnauthenticated, "enter the code of your authenticator app")

func (s *Service) accounts() AccountStore { return s.store }

// commonPasswords are refused as new passwords whatever their length.
var commonPasswords = map[string]bool{
	"1234567890": true, "12345678910": true, "0123456789": true, "qwertyuiop": true, "1q2w3e4r5t": true,
	"password123": true, "password1234": true, "matkhau123": true, "matkhau1234": true, "abc1234567": true,
	"admin12345": true, "administrator": true, "123456789a": true, "a123456789": true, "iloveyou123": true,
	"qwerty12345": true, "zaq12wsxcde": true, "1qaz2wsx3edc": true, "vietnam123": true, "vietnam1234": true,
	"hanoi12345": true, "saigon12345": true, "changeme123": true, "welcome123": true, "p@ssw0rd123": true,
}

// CheckNewPassword applies the strength rules to a new password, naming
// the rule it breaks in the field "new": 10 to 200 characters, at least
// two kinds of characters (letters, digits, other signs), not the login or
// containing it, not a common password, not the current one.
func CheckNewPassword(login, current, pw string) error {
	fe := qms.FieldErrors{}
	n := len([]rune(pw))
	var letters, digits, others bool
	for _, r := range pw {
		switch {
		case unicode.IsLetter(r):
			letters = true
		case unicode.IsDigit(r):
			digits = true
		default:
			others = true
		}
	}
	kinds := 0
	for _, k := range []bool{letters, digits, others} {
		if k {
			kinds++
		}
	}
	low := strings.ToLower(pw)
	switch {
	case n < MinPasswordLen:
		fe.Add("new", "too short: use at least %d characters", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		fe.Add("new", "too long: use at most %d characters", MaxPasswordLen)
	case kinds < 2:
		fe.Add("new", "too simple: mix at least two kinds of characters (letters, digits, other signs)")
	case login != "" && strings.Contains(low, strings.ToLower(login)):
		fe.Add("new", "must not contain your login")
	case commonPasswords[low]:
		fe.Add("new", "is one of the most common passwords; choose another")
	case current != "" && pw == current:
		fe.Add("new", "must differ from the current password")
	}
	return fe.Err()
}

// ChangePassword changes the acting user's password: the current one must
// be right (a wrong one counts in the sign-in throttle), the new one must
// pass CheckNewPassword. Every other session of the user ends; the session
// keep (the caller's) stays.
func (s *Service) ChangePassword(ctx context.Context, current, newPassword, keepToken string) error {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return err
	}
	u, err := s.checkCurrent(ctx, a.UserID, current)
	if err != nil {
		return err
	}
	if err := CheckNewPassword(u.Login, current, newPassword); err != nil {
		return err
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return err
	}
	var keep []byte
	if keepToken != "" {
		keep = HashToken(keepToken)
	}
	return s.accounts().SetCredentials(ctx, u.ID, hash, false, keep,
		trail.NewEvent(ctx, "user.password_change", "user", u.Login, "", nil))
}

// checkCurrent verifies the current password of a user under the sign-in
// throttle.
func (s *Service) checkCurrent(ctx context.Context, userID, current string) (User, error) {
	u, hash, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return User{}, err
	}
	now := s.clock(ctx)
	n, err := s.store.Failures(ctx, u.Login, now, s.opt.LoginWindow)
	if err != nil {
		return User{}, err
	}
	if n >= s.opt.LoginMaxFailures {
		return User{}, ErrThrottled
	}
	if current == "" || len(current) > MaxPasswordLen || !VerifyPassword(hash, current) {
		if _, err := s.store.RecordFailure(ctx, u.Login, now, s.opt.LoginWindow); err != nil {
			return User{}, err
		}
		fe := qms.FieldErrors{}
		fe.Add("current", "the current password is wrong")
		return User{}, fe.Err()
	}
	return u, nil
}

// ResetPassword gives the user a one-time password, returned once, which
// they must change at their next sign-in; every session of theirs ends.
// Authorization is the caller's.
func (s *Service) ResetPassword(ctx context.Context, userID string) (string, error) {
	u, _, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return "", err
	}
	pw := oneTimePassword()
	hash, err := HashPassword(pw)
	if err != nil {
		return "", err
	}
	if err := s.accounts().SetCredentials(ctx, u.ID, hash, true, nil,
		trail.NewEvent(ctx, "user.password_reset", "user", u.Login, "", map[string]any{"one_time": true})); err != nil {
		return "", err
	}
	return pw, nil
}

// oneTimePassword is 16 characters of letters and digits that cannot be
// mistaken for one another when read out (no 0/O, 1/l/I).
func oneTimePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = alphabet[int(c)%len(alphabet)]
	}
	// Two kinds of characters at least, for the strength rules.
	out[7] = "23456789"[int(b[7])%8]
	out[3] = "abcdefghijkmnpqrstuvwxyz"[int(b[3])%24]
	return string(out)
}

// ErrResetThrottled refuses a request for a reset link beyond
// ResetMaxRequests in ResetWindow, whether the login exists or not.
var ErrResetThrottled = qms.Errorf(qms.ErrTooManyRequests, "too many requests for a reset link; try again in an hour")

// RequestReset sends a password-reset link to the e-mail of the user with
// login, in their language. The answer is the same whether the login
// exists, has an e-mail or is disabled: nil, or ErrResetThrottled after
// ResetMaxRequests requests in ResetWindow. Only the count is done before
// the answer; looking the login up, storing the link and sending it
// happen after, so the answer's time does not tell either (a failure
// there goes to Options.MailFailed).
func (s *Service) RequestReset(ctx context.Context, login string) error {
	login = strings.ToLower(strings.TrimSpace(login))
	if login == "" || len(login) > 64 {
		fe := qms.FieldErrors{}
		fe.Add("login", "enter your login")
		return fe.Err()
	}
	now := s.clock(ctx)
	n, err := s.accounts().CountResetRequest(ctx, login, now, ResetWindow)
	if err != nil {
		return err
	}
	if n > ResetMaxRequests {
		return ErrResetThrottled
	}
	go func() {
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := s.sendReset(bctx, login, now); err != nil && s.opt.MailFailed != nil {
			s.opt.MailFailed(login, err)
		}
	}()
	return nil
}

// sendReset stores a reset link for login, asked for at now, and queues
// its e-mail in the same transaction (Store.CreateReset): a link is never
// stored without its e-mail, nor an e-mail queued for a link that was not.
func (s *Service) sendReset(ctx context.Context, login string, now time.Time) error {
	u, _, err := s.store.UserByLogin(ctx, login)
	if err != nil {
		if qms.KindOf(err) == qms.ErrNotFound {
			return nil
		}
		return err
	}
	if u.Status != "active" || u.Email == "" {
		return nil
	}
	token := randomToken(32)
	ev := trail.Event{ActorID: u.ID, ActorLogin: u.Login, Action: "user.password_reset_link", ObjectType: "user", ObjectID: u.Login}
	link := strings.TrimRight(s.opt.BaseURL, "/") + "/password-reset/confirm?token=" + token
	mail := qms.Email{To: u.Email, Subject: s.render(u.Lang, qms.M("qmstrack: reset your password")),
		Body: s.render(u.Lang, qms.M("Someone (probably you) asked to reset the password of %s on qmstrack.\n\nTo choose a new password, open this link within 30 minutes; it works once:\n%s\n\nIf you did not ask for it, ignore this e-mail: your password stays as it is.\n", u.Login, link))}
	return s.accounts().CreateReset(ctx, u.ID, HashToken(token), now, now.Add(ResetLinkTTL), ev, mail)
}

func (s *Service) render(lang string, m qms.Msg) string {
	if s.opt.Render == nil {
		return m.String()
	}
	return s.opt.Render(lang, m)
}

// ErrResetLink refuses a reset link that is unknown, used or expired; the
// three are not told apart.
var ErrResetLink = qms.Errorf(qms.ErrForbidden, "this reset link is not valid: it was used already, has expired or is wrong; ask for a new one")

// ConfirmReset sets a new password through a reset link: the link must be
// unused and at most ResetLinkTTL old; it is used up, every other link of
// the user is too, the user's one-time password (if any) is replaced, and
// every session of the user ends.
func (s *Service) ConfirmReset(ctx context.Context, token, newPassword string) error {
	if token == "" || len(token) > 100 {
		return ErrResetLink
	}
	_, err := s.accounts().UseReset(ctx, HashToken(token), s.clock(ctx), func(u User) (string, trail.Event, error) {
		if err := CheckNewPassword(u.Login, "", newPassword); err != nil {
			return "", trail.Event{}, err
		}
		hash, err := HashPassword(newPassword)
		ev := trail.Event{ActorID: u.ID, ActorLogin: u.Login, Action: "user.password_reset_confirm", ObjectType: "user", ObjectID: u.Login}
		return hash, ev, err
	})
	if qms.KindOf(err) == qms.ErrNotFound {
		return ErrResetLink
	}
	return err
}

// CheckCurrentPassword verifies a user's current password under the
// sign-in throttle (before an enrolment, for instance); a wrong one is a
// problem with the field "current".
func (s *Service) CheckCurrentPassword(ctx context.Context, userID, password string) error {
	_, err := s.checkCurrent(ctx, userID, password)
	return err
}
