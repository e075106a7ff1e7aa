package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"regexp"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// TOTP parameters: RFC 6238's defaults, which every authenticator app
// reads (30-second steps, 6 digits, SHA-1), accepting the step before and
// after the current one for clocks a little apart.
const (
	totpPeriod = 30
	totpSkew   = 1
	// RecoveryCodes are given at enrolment, each usable once.
	RecoveryCodes = 10
)

// SignIn checks the password and, for a user with a second factor, the
// code (a TOTP code or a recovery code). The answer is a session, or a
// challenge naming the step still to take: the code when none was given,
// the change of a one-time password, or the enrolment of a second factor
// the user's role requires. Failed passwords and codes count in the same
// throttle.
func (s *Service) SignIn(ctx context.Context, login, password, code string) (SignIn, error) {
	u, err := s.checkPassword(ctx, login, password)
	if err != nil {
		return SignIn{}, err
	}
	acct, err := s.accounts().AccountOf(ctx, u.ID)
	if err != nil {
		return SignIn{}, err
	}
	if acct.TOTPEnabled != nil {
		if strings.TrimSpace(code) == "" {
			ch, err := s.challenge(ctx, u, StepCode, nil)
			if err != nil {
				return SignIn{}, err
			}
			return SignIn{User: u, Challenge: &ch}, nil
		}
		if err := s.checkCode(ctx, u, acct, code); err != nil {
			return SignIn{}, err
		}
	}
	return s.next(ctx, u, acct, nil)
}

// Login signs in with a password alone: a user who has another step to
// take (a second factor, a one-time password) is refused; SignIn takes
// those steps.
func (s *Service) Login(ctx context.Context, login, password string) (Session, User, error) {
	r, err := s.SignIn(ctx, login, password, "")
	if err != nil {
		return Session{}, User{}, err
	}
	if r.Session == nil {
		_ = s.accounts().DeleteChallenge(ctx, r.Challenge.Hash)
		return Session{}, User{}, qms.Errorf(qms.ErrState, "this sign-in needs another step (%s)", r.Challenge.Step)
	}
	return *r.Session, r.User, nil
}

// checkPassword is the password step of signing in, under the throttle.
func (s *Service) checkPassword(ctx context.Context, login, password string) (User, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if login == "" || password == "" || len(login) > 64 || len(password) > MaxPasswordLen {
		return User{}, qms.Errorf(qms.ErrUnauthenticated, "wrong login or password")
	}
	now := s.clock(ctx)
	n, err := s.store.Failures(ctx, login, now, s.opt.LoginWindow)
	if err != nil {
		return User{}, err
	}
	if n >= s.opt.LoginMaxFailures {
		return User{}, ErrThrottled
	}
	u, hash, err := s.store.UserByLogin(ctx, login)
	if err != nil && qms.KindOf(err) != qms.ErrNotFound {
		return User{}, err
	}
	if err != nil {
		hash = dummyHash
	}
	if !VerifyPassword(hash, password) || err != nil || u.Status != "active" {
		if _, ferr := s.store.RecordFailure(ctx, login, now, s.opt.LoginWindow); ferr != nil {
			return User{}, ferr
		}
		_ = s.store.Record(ctx, trail.Event{ActorLogin: login, Action: "user.login_failed", ObjectType: "user", ObjectID: login})
		return User{}, qms.Errorf(qms.ErrUnauthenticated, "wrong login or password")
	}
	if !u.PasswordLogin {
		// The password was right, so saying why reveals nothing new.
		return User{}, ErrPasswordLoginOff
	}
	return u, nil
}

// next is the step after the factors: the change of a one-time password,
// then the enrolment a role requires, then the session. from is the
// challenge the sign-in came through, ended by what replaces it.
func (s *Service) next(ctx context.Context, u User, acct Account, from *Challenge) (SignIn, error) {
	step := ""
	if acct.MustChange {
		step = StepPassword
	} else if acct.TOTPEnabled == nil {
		req, err := s.TOTPRequired(ctx, u.ID)
		if err != nil {
			return SignIn{}, err
		}
		if req {
			step = StepEnrol
		}
	}
	if step != "" {
		if from != nil && from.Step == step {
			return SignIn{User: u, Challenge: from}, nil
		}
		ch, err := s.challenge(ctx, u, step, from)
		if err != nil {
			return SignIn{}, err
		}
		return SignIn{User: u, Challenge: &ch}, nil
	}
	_ = s.store.ClearFailures(ctx, u.Login)
	now := s.clock(ctx)
	sess := Session{Token: randomToken(32), CSRF: randomToken(24), UserID: u.ID, CreatedAt: now, LastSeen: now,
		ExpiresAt: now.Add(s.opt.SessionMax)}
	sess.Hash = HashToken(sess.Token)
	ev := trail.Event{ActorID: u.ID, ActorLogin: u.Login, Action: "user.login", ObjectType: "user", ObjectID: u.Login}
	var err error
	if from != nil {
		err = s.accounts().FinishChallenge(ctx, from.Hash, sess, ev)
	} else {
		err = s.store.CreateSession(ctx, sess, ev)
	}
	if err != nil {
		return SignIn{}, err
	}
	return SignIn{User: u, Session: &sess}, nil
}

// challenge opens the step of a sign-in, replacing from.
func (s *Service) challenge(ctx context.Context, u User, step string, from *Challenge) (Challenge, error) {
	now := s.clock(ctx)
	ch := Challenge{Token: randomToken(32), CSRF: randomToken(24), UserID: u.ID, Step: step, CreatedAt: now, ExpiresAt: now.Add(ChallengeTTL)}
	ch.Hash = HashToken(ch.Token)
	if from != nil {
		if err := s.accounts().DeleteChallenge(ctx, from.Hash); err != nil {
			return Challenge{}, err
		}
	}
	ev := trail.Event{ActorID: u.ID, ActorLogin: u.Login, Action: "user.login_step", ObjectType: "user", ObjectID: u.Login,
		Details: map[string]any{"step": step}}
	return ch, s.accounts().CreateChallenge(ctx, ch, ev)
}

// Challenge returns the live sign-in step for a challenge cookie value.
func (s *Service) Challenge(ctx context.Context, token string) (Challenge, User, error) {
	if token == "" || len(token) > 100 {
		return Challenge{}, User{}, qms.Errorf(qms.ErrUnauthenticated, "sign in first")
	}
	ch, u, err := s.accounts().LiveChallenge(ctx, HashToken(token), s.clock(ctx))
	if err != nil {
		if qms.KindOf(err) == qms.ErrNotFound {
			return Challenge{}, User{}, qms.Errorf(qms.ErrUnauthenticated, "the sign-in has expired; sign in again")
		}
		return Challenge{}, User{}, err
	}
	ch.Token = token
	return ch, u, nil
}

// CancelChallenge ends a sign-in in progress.
func (s *Service) CancelChallenge(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.accounts().DeleteChallenge(ctx, HashToken(token))
}

// SubmitCode takes the code step of a sign-in.
func (s *Service) SubmitCode(ctx context.Context, token, code string) (SignIn, error) {
	ch, u, err := s.Challenge(ctx, token)
	if err != nil {
		return SignIn{}, err
	}
	if ch.Step != StepCode {
		return SignIn{}, qms.Errorf(qms.ErrState, "this sign-in does not wait for a code")
	}
	acct, err := s.accounts().AccountOf(ctx, u.ID)
	if err != nil {
		return SignIn{}, err
	}
	if err := s.checkCode(ctx, u, acct, code); err != nil {
		return SignIn{}, err
	}
	return s.next(ctx, u, acct, &ch)
}

// ChangeOneTimePassword takes the password step of a sign-in: the
// one-time password, then the new one under the strength rules.
func (s *Service) ChangeOneTimePassword(ctx context.Context, token, current, newPassword string) (SignIn, error) {
	ch, u, err := s.Challenge(ctx, token)
	if err != nil {
		return SignIn{}, err
	}
	if ch.Step != StepPassword {
		return SignIn{}, qms.Errorf(qms.ErrState, "this sign-in does not wait for a change of password")
	}
	if _, err := s.checkCurrent(ctx, u.ID, current); err != nil {
		return SignIn{}, err
	}
	if err := CheckNewPassword(u.Login, current, newPassword); err != nil {
		return SignIn{}, err
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return SignIn{}, err
	}
	// Setting the password ends every sign-in in progress, this one
	// included: the next step opens a challenge or a session afresh.
	actx := qms.WithActor(ctx, qms.Actor{UserID: u.ID, Login: u.Login, Name: u.Name})
	if err := s.accounts().SetCredentials(ctx, u.ID, hash, false, nil,
		trail.NewEvent(actx, "user.password_change", "user", u.Login, "", map[string]any{"one_time": true})); err != nil {
		return SignIn{}, err
	}
	acct, err := s.accounts().AccountOf(ctx, u.ID)
	if err != nil {
		return SignIn{}, err
	}
	return s.next(ctx, u, acct, nil)
}

// TOTPRequired reports whether a role of the user requires a second
// factor (Options.TOTPRoles).
func (s *Service) TOTPRequired(ctx context.Context, userID string) (bool, error) {
	if len(s.opt.TOTPRoles) == 0 || s.opt.Roles == nil {
		return false, nil
	}
	roles, err := s.opt.Roles(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, r := range roles {
		for _, q := range s.opt.TOTPRoles {
			if r == q {
				return true, nil
			}
		}
	}
	return false, nil
}

var recoveryRE = regexp.MustCompile(`^[a-z2-7]{5}-?[a-z2-7]{5}$`)

// ErrWrongCode refuses a code that is wrong, used already, or a spent
// recovery code.
var ErrWrongCode = qms.Errorf(qms.ErrUnauthenticated, "the code is wrong or was used already")

// checkCode accepts a TOTP code once (a code seen before, on any instance,
// is refused) or an unused recovery code, under the sign-in throttle.
func (s *Service) checkCode(ctx context.Context, u User, acct Account, code string) error {
	now := s.clock(ctx)
	n, err := s.store.Failures(ctx, u.Login, now, s.opt.LoginWindow)
	if err != nil {
		return err
	}
	if n >= s.opt.LoginMaxFailures {
		return ErrThrottled
	}
	ok, err := s.useCode(ctx, u, acct.TOTPSecret, code, now)
	if err != nil {
		return err
	}
	if !ok {
		if _, err := s.store.RecordFailure(ctx, u.Login, now, s.opt.LoginWindow); err != nil {
			return err
		}
		_ = s.store.Record(ctx, trail.Event{ActorID: u.ID, ActorLogin: u.Login, Action: "user.login_code_failed", ObjectType: "user", ObjectID: u.Login})
		return ErrWrongCode
	}
	return nil
}

func (s *Service) useCode(ctx context.Context, u User, secret, code string, now time.Time) (bool, error) {
	code = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))
	if recoveryRE.MatchString(code) {
		ev := trail.Event{ActorID: u.ID, ActorLogin: u.Login, Action: "user.totp_recovery_used", ObjectType: "user", ObjectID: u.Login}
		return s.accounts().UseRecoveryCode(ctx, u.ID, recoveryHash(code), now, ev)
	}
	step, ok := matchTOTP(secret, code, now)
	if !ok {
		return false, nil
	}
	return s.accounts().UseTOTPStep(ctx, u.ID, step)
}

// matchTOTP returns the time step whose code is code, within the skew.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	if secret == "" || len(code) != 6 {
		return 0, false
	}
	opts := totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	base := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := base + d
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), opts)
		if err == nil && want == code {
			return step, true
		}
	}
	return 0, false
}

// Enrolment is a second factor being enrolled: the secret to put into an
// authenticator app, also as an otpauth:// URL (the QR code's content).
type Enrolment struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauth_url"`
}

// BeginTOTP starts the enrolment of a second factor for userID, replacing
// one in progress. The caller has checked who asks (the password, or a
// sign-in at its enrolment step).
func (s *Service) BeginTOTP(ctx context.Context, userID string) (Enrolment, error) {
	u, _, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return Enrolment{}, err
	}
	acct, err := s.accounts().AccountOf(ctx, userID)
	if err != nil {
		return Enrolment{}, err
	}
	if acct.TOTPEnabled != nil {
		return Enrolment{}, qms.Errorf(qms.ErrState, "a second factor is enrolled already; remove it first")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.issuer(), AccountName: u.Login, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, err
	}
	if err := s.accounts().SetTOTPPending(ctx, userID, key.Secret()); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// PendingTOTP returns the enrolment in progress of userID.
func (s *Service) PendingTOTP(ctx context.Context, userID string) (Enrolment, error) {
	u, _, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return Enrolment{}, err
	}
	acct, err := s.accounts().AccountOf(ctx, userID)
	if err != nil {
		return Enrolment{}, err
	}
	if acct.TOTPPending == "" {
		return Enrolment{}, qms.Errorf(qms.ErrState, "no enrolment is in progress; start one first")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.issuer(), AccountName: u.Login, Secret: mustBase32(acct.TOTPPending),
		Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: acct.TOTPPending, URL: key.URL()}, nil
}

func mustBase32(s string) []byte {
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

func (s *Service) issuer() string {
	if s.opt.Issuer != "" {
		return s.opt.Issuer
	}
	return "qmstrack"
}

// ConfirmTOTP ends the enrolment with a first code of the pending secret:
// the second factor is on, and the recovery codes are returned, once.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, code string) ([]string, error) {
	u, _, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	acct, err := s.accounts().AccountOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	if acct.TOTPEnabled != nil {
		return nil, qms.Errorf(qms.ErrState, "a second factor is enrolled already; remove it first")
	}
	if acct.TOTPPending == "" {
		return nil, qms.Errorf(qms.ErrState, "no enrolment is in progress; start one first")
	}
	step, ok := matchTOTP(acct.TOTPPending, strings.TrimSpace(code), s.clock(ctx))
	if !ok {
		fe := qms.FieldErrors{}
		fe.Add("code", "the code is wrong: enter the 6 digits your app shows now")
		return nil, fe.Err()
	}
	codes := make([]string, RecoveryCodes)
	hashes := make([][]byte, RecoveryCodes)
	for i := range codes {
		codes[i] = recoveryCode()
		hashes[i] = recoveryHash(codes[i])
	}
	actx := ctx
	if _, ok := qms.ActorFrom(ctx); !ok {
		actx = qms.WithActor(ctx, qms.Actor{UserID: u.ID, Login: u.Login, Name: u.Name})
	}
	ev := trail.NewEvent(actx, "user.totp_enrol", "user", u.Login, "", nil)
	if err := s.accounts().EnableTOTP(ctx, userID, acct.TOTPPending, step, hashes, ev); err != nil {
		return nil, err
	}
	return codes, nil
}

// ConfirmEnrolment takes the enrolment step of a sign-in: the second
// factor is on and the sign-in becomes a session.
func (s *Service) ConfirmEnrolment(ctx context.Context, token, code string) (SignIn, []string, error) {
	ch, u, err := s.Challenge(ctx, token)
	if err != nil {
		return SignIn{}, nil, err
	}
	if ch.Step != StepEnrol {
		return SignIn{}, nil, qms.Errorf(qms.ErrState, "this sign-in does not wait for an enrolment")
	}
	codes, err := s.ConfirmTOTP(ctx, u.ID, code)
	if err != nil {
		return SignIn{}, nil, err
	}
	acct, err := s.accounts().AccountOf(ctx, u.ID)
	if err != nil {
		return SignIn{}, nil, err
	}
	r, err := s.next(ctx, u, acct, &ch)
	return r, codes, err
}

// RemoveTOTP turns the acting user's second factor off, after their
// password; refused when a role of theirs requires one.
func (s *Service) RemoveTOTP(ctx context.Context, password string) error {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return err
	}
	u, err := s.checkCurrent(ctx, a.UserID, password)
	if err != nil {
		return err
	}
	acct, err := s.accounts().AccountOf(ctx, u.ID)
	if err != nil {
		return err
	}
	if acct.TOTPEnabled == nil && acct.TOTPPending == "" {
		return qms.Errorf(qms.ErrState, "no second factor is enrolled")
	}
	if acct.TOTPEnabled != nil {
		req, err := s.TOTPRequired(ctx, u.ID)
		if err != nil {
			return err
		}
		if req {
			return qms.Errorf(qms.ErrForbidden, "your role requires a second factor: it cannot be removed")
		}
	}
	return s.accounts().DisableTOTP(ctx, u.ID, trail.NewEvent(ctx, "user.totp_remove", "user", u.Login, "", nil))
}

// TOTPStatus tells whether the user has a second factor and how many
// recovery codes are left.
type TOTPStatus struct {
	Enabled  bool       `json:"enabled"`
	Since    *time.Time `json:"since,omitempty"`
	Pending  bool       `json:"pending"`
	Left     int        `json:"recovery_codes_left"`
	Required bool       `json:"required"`
}

// TOTPStatusOf returns the second-factor status of userID.
func (s *Service) TOTPStatusOf(ctx context.Context, userID string) (TOTPStatus, error) {
	acct, err := s.accounts().AccountOf(ctx, userID)
	if err != nil {
		return TOTPStatus{}, err
	}
	st := TOTPStatus{Enabled: acct.TOTPEnabled != nil, Since: acct.TOTPEnabled, Pending: acct.TOTPPending != ""}
	if st.Enabled {
		if st.Left, err = s.accounts().RecoveryCodesLeft(ctx, userID); err != nil {
			return st, err
		}
	}
	st.Required, err = s.TOTPRequired(ctx, userID)
	return st, err
}

// recoveryCode is 10 base-32 characters (50 bits) written xxxxx-xxxxx.
func recoveryCode() string {
	b := make([]byte, 7)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	s := strings.ToLower(base32.StdEncoding.EncodeToString(b))[:10]
	return s[:5] + "-" + s[5:]
}

// recoveryHash is the SHA-256 a recovery code is stored as: 50 random bits
// behind the sign-in throttle need no slow hash.
func recoveryHash(code string) []byte {
	h := sha256.Sum256([]byte(strings.ReplaceAll(strings.ToLower(code), "-", "")))
	return h[:]
}
