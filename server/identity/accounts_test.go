package identity_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/qmstrack/qmstrack/server/i18n"
	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/mail"
	"github.com/qmstrack/qmstrack/server/mail/mailtest"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/queue"
	"github.com/qmstrack/qmstrack/server/queue/queuetest"
)

type accountsEnv struct {
	s     *identity.Service
	db    *sqlx.DB
	c     *clock
	smtp  *mailtest.Server
	roles map[string][]string
	hook  postgres.MailTx // the store's e-mail hook on the running queue
	// build makes the service again with another hook and MailFailed.
	build func(mail postgres.MailTx, failed func(login string, err error)) *identity.Service
}

func newAccounts(t *testing.T, totpRoles ...string) *accountsEnv {
	t.Helper()
	db := testenv.DB(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv := mailtest.Start(t, "", "")
	m, err := mail.New(mail.Options{Host: "127.0.0.1", Port: srv.Port, From: "qmstrack@example.org", TLS: "none"})
	if err != nil {
		t.Fatal(err)
	}
	e := &accountsEnv{db: db, c: &clock{t: time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)}, smtp: srv, roles: map[string][]string{}}
	// The reset links' e-mails are queued with the link and sent by the
	// queue's job over a real SMTP exchange.
	e.hook = queue.Mailer{Q: queuetest.Start(t, db, m)}.SendTx
	e.build = func(mail postgres.MailTx, failed func(string, error)) *identity.Service {
		return identity.NewService(postgres.NewIdentityStore(db).WithMail(mail), e.c.now, identity.Options{
			SessionIdle: 10 * time.Hour, SessionMax: 20 * time.Hour, LoginMaxFailures: 5, LoginWindow: 10 * time.Minute,
			Render: cat.Msg, BaseURL: "https://qms.example.vn/", MailFailed: failed,
			TOTPRoles: totpRoles,
			Roles:     func(_ context.Context, id string) ([]string, error) { return e.roles[id], nil },
		})
	}
	e.s = e.build(e.hook, nil)
	return e
}

func (e *accountsEnv) user(t *testing.T, login, email, lang string) identity.User {
	t.Helper()
	u, err := e.s.CreateUser(context.Background(), identity.NewUser{Login: login, Name: "Người " + login, Email: email, Password: "demo12345", Lang: lang})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func as(u identity.User) context.Context {
	return qms.WithActor(context.Background(), qms.Actor{UserID: u.ID, Login: u.Login, Name: u.Name})
}

func fieldMsg(err error, field string) string {
	var ve *qms.ValidationError
	if !errors.As(err, &ve) {
		return ""
	}
	return ve.Fields[field].String()
}

// trailActions lists the trail's actions about login, in order, and fails
// when a detail holds a secret.
func (e *accountsEnv) trailActions(t *testing.T, login string, secrets ...string) []string {
	t.Helper()
	var rows []struct {
		Action  string `db:"action"`
		Details string `db:"details"`
	}
	if err := e.db.Select(&rows, `SELECT action, details::text AS details FROM trail WHERE object_id = $1 ORDER BY seq`, login); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		for _, s := range secrets {
			if s != "" && strings.Contains(r.Details, s) {
				t.Fatalf("the trail entry %s holds a secret: %s", r.Action, r.Details)
			}
		}
		out = append(out, r.Action)
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestChangePasswordRules: the current password must be right, every
// strength rule refuses by name, and a change ends the other sessions and
// keeps the caller's.
func TestChangePasswordRules(t *testing.T) {
	e := newAccounts(t)
	u := e.user(t, "staff.vp", "", "vi")
	ctx := as(u)
	mine, _, err := e.s.Login(context.Background(), "staff.vp", "demo12345")
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := e.s.Login(context.Background(), "staff.vp", "demo12345")

	err = e.s.ChangePassword(ctx, "demo12346", "Tốt-hơn-2026", mine.Token)
	if qms.KindOf(err) != qms.ErrInvalid || fieldMsg(err, "current") != "the current password is wrong" {
		t.Fatalf("wrong current password: %v", err)
	}
	for _, c := range []struct{ pw, rule string }{
		{"Ab3-ab3-a", "too short: use at least 10 characters"},                                            // 9 characters
		{"abcdefghij", "too simple: mix at least two kinds of characters (letters, digits, other signs)"}, // letters only
		{"2026202620", "too simple: mix at least two kinds of characters (letters, digits, other signs)"}, // digits only
		{"xx-Staff.VP-2026", "must not contain your login"},                                               // the login, any case
		{"Password123", "is one of the most common passwords; choose another"},                            // common
		{"demo12345", "too short: use at least 10 characters"},                                            // the current one is short too
		{strings.Repeat("a1", 101), "too long: use at most 200 characters"},                               // 202 characters
	} {
		err := e.s.ChangePassword(ctx, "demo12345", c.pw, mine.Token)
		if got := fieldMsg(err, "new"); got != c.rule {
			t.Errorf("new password %q: rule %q, want %q (%v)", c.pw, got, c.rule, err)
		}
	}
	// The boundaries: exactly 10 and exactly 200 characters are accepted
	// by the rules (checked without changing anything).
	if err := identity.CheckNewPassword("staff.vp", "", "Ab3-ab3-ab"); err != nil {
		t.Errorf("10 characters refused: %v", err)
	}
	if err := identity.CheckNewPassword("staff.vp", "", strings.Repeat("a1", 100)); err != nil {
		t.Errorf("200 characters refused: %v", err)
	}
	if err := identity.CheckNewPassword("staff.vp", "Tốt-hơn-2026", "Tốt-hơn-2026"); fieldMsg(err, "new") != "must differ from the current password" {
		t.Errorf("the same password: %v", err)
	}

	if err := e.s.ChangePassword(ctx, "demo12345", "Tốt-hơn-2026", mine.Token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.s.Authenticate(context.Background(), mine.Token); err != nil {
		t.Errorf("the session that changed the password ended: %v", err)
	}
	if _, _, err := e.s.Authenticate(context.Background(), other.Token); qms.KindOf(err) != qms.ErrUnauthenticated {
		t.Errorf("another session survived the change: %v", err)
	}
	if _, _, err := e.s.Login(context.Background(), "staff.vp", "demo12345"); err == nil {
		t.Error("the old password still signs in")
	}
	if _, _, err := e.s.Login(context.Background(), "staff.vp", "Tốt-hơn-2026"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if acts := e.trailActions(t, "staff.vp", "Tốt-hơn-2026", "demo12345"); !has(acts, "user.password_change") {
		t.Errorf("no trail entry for the change: %v", acts)
	}
}

// TestWrongCurrentPasswordIsThrottled: guessing the current password
// through the change counts in the sign-in throttle.
func TestWrongCurrentPasswordIsThrottled(t *testing.T) {
	e := newAccounts(t)
	u := e.user(t, "head.vp", "", "vi")
	for i := 0; i < 5; i++ {
		_ = e.s.ChangePassword(as(u), "guess", "Tốt-hơn-2026", "")
	}
	if err := e.s.ChangePassword(as(u), "demo12345", "Tốt-hơn-2026", ""); !errors.Is(err, identity.ErrThrottled) {
		t.Fatalf("the right password after 5 wrong ones: %v", err)
	}
}

// TestAdminResetForcesChange: a one-time password ends every session, signs
// in only to the change step, and is refused as a plain sign-in until
// changed; after the change the user signs in normally.
func TestAdminResetForcesChange(t *testing.T) {
	e := newAccounts(t)
	u := e.user(t, "author.vp", "", "vi")
	admin := e.user(t, "it.admin", "", "vi")
	old, _, _ := e.s.Login(context.Background(), "author.vp", "demo12345")
	otp1, err := e.s.ResetPassword(as(admin), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(otp1) != 16 || identity.CheckNewPassword("", "", otp1) != nil {
		t.Fatalf("one-time password %q", otp1)
	}
	if _, _, err := e.s.Authenticate(context.Background(), old.Token); err == nil {
		t.Error("a session survived the reset")
	}
	if _, _, err := e.s.Login(context.Background(), "author.vp", "demo12345"); qms.KindOf(err) != qms.ErrUnauthenticated {
		t.Errorf("the old password after the reset: %v", err)
	}
	r, err := e.s.SignIn(context.Background(), "author.vp", otp1, "")
	if err != nil || r.Session != nil || r.Challenge == nil || r.Challenge.Step != identity.StepPassword {
		t.Fatalf("sign-in with the one-time password: %+v %v", r, err)
	}
	if _, _, err := e.s.Login(context.Background(), "author.vp", otp1); qms.KindOf(err) != qms.ErrState {
		t.Errorf("a plain sign-in with a one-time password: %v", err)
	}
	r, _ = e.s.SignIn(context.Background(), "author.vp", otp1, "")
	tok := r.Challenge.Token
	if _, err := e.s.ChangeOneTimePassword(context.Background(), tok, "nope", "Tốt-hơn-2026"); fieldMsg(err, "current") == "" {
		t.Errorf("a wrong one-time password: %v", err)
	}
	if _, err := e.s.ChangeOneTimePassword(context.Background(), tok, otp1, "short1"); fieldMsg(err, "new") == "" {
		t.Errorf("a weak new password: %v", err)
	}
	done, err := e.s.ChangeOneTimePassword(context.Background(), tok, otp1, "Tốt-hơn-2026")
	if err != nil || done.Session == nil {
		t.Fatalf("the change: %+v %v", done, err)
	}
	if _, err := e.s.ChangeOneTimePassword(context.Background(), tok, otp1, "Khác-nữa-2026"); qms.KindOf(err) != qms.ErrUnauthenticated {
		t.Errorf("the step taken twice: %v", err)
	}
	if r, err := e.s.SignIn(context.Background(), "author.vp", "Tốt-hơn-2026", ""); err != nil || r.Session == nil {
		t.Fatalf("sign-in after the change: %+v %v", r, err)
	}
	acts := e.trailActions(t, "author.vp", otp1, "Tốt-hơn-2026")
	if !has(acts, "user.password_reset") || !has(acts, "user.password_change") {
		t.Errorf("trail: %v", acts)
	}
}

var linkRE = regexp.MustCompile(`https://qms\.example\.vn/password-reset/confirm\?token=([A-Za-z0-9_-]+)`)

// waitMail waits for the n-th e-mail.
func (e *accountsEnv) waitMail(t *testing.T, n int) mailtest.Message {
	t.Helper()
	for i := 0; i < 200; i++ {
		if ms := e.smtp.Messages(); len(ms) >= n {
			return ms[n-1]
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("mail %d did not arrive", n)
	return mailtest.Message{}
}

func tokenOf(t *testing.T, m mailtest.Message) string {
	t.Helper()
	g := linkRE.FindStringSubmatch(m.Body)
	if g == nil {
		t.Fatalf("no link in %q", m.Body)
	}
	return g[1]
}

// TestResetLinkBoundaries: a link works at 29:59 and not at 30:01, once,
// and using one ends the others; it arrives in the recipient's language.
func TestResetLinkBoundaries(t *testing.T) {
	e := newAccounts(t)
	e.user(t, "staff.tnmt", "a@tnmt.example.vn", "vi")
	e.user(t, "staff.en", "b@tnmt.example.vn", "en")
	ctx := context.Background()
	sess, _, _ := e.s.Login(ctx, "staff.tnmt", "demo12345")

	start := e.c.now()
	if err := e.s.RequestReset(ctx, "staff.tnmt"); err != nil {
		t.Fatal(err)
	}
	vi := e.waitMail(t, 1)
	if vi.To[0] != "a@tnmt.example.vn" || vi.Subject != "qmstrack: đặt lại mật khẩu" || !strings.Contains(vi.Body, "trong vòng 30 phút") {
		t.Fatalf("Vietnamese mail: %q %q", vi.Subject, vi.Body)
	}
	first := tokenOf(t, vi)
	if err := e.s.RequestReset(ctx, "staff.en"); err != nil {
		t.Fatal(err)
	}
	en := e.waitMail(t, 2)
	if en.Subject != "qmstrack: reset your password" || !strings.Contains(en.Body, "within 30 minutes") {
		t.Fatalf("English mail: %q %q", en.Subject, en.Body)
	}

	// Expired: asked at start, tried at 30:01.
	e.c.mu.Lock()
	e.c.t = start.Add(30*time.Minute + time.Second)
	e.c.mu.Unlock()
	if err := e.s.ConfirmReset(ctx, first, "Tốt-hơn-2026"); !errors.Is(err, identity.ErrResetLink) {
		t.Fatalf("link at 30:01: %v", err)
	}
	// A new link, tried at 29:59 with a weak password first (refused by
	// the rule, the link still good), then a good one.
	start = e.c.now()
	if err := e.s.RequestReset(ctx, "staff.tnmt"); err != nil {
		t.Fatal(err)
	}
	second := tokenOf(t, e.waitMail(t, 3))
	if err := e.s.RequestReset(ctx, "staff.tnmt"); err != nil {
		t.Fatal(err)
	}
	third := tokenOf(t, e.waitMail(t, 4))
	e.c.mu.Lock()
	e.c.t = start.Add(30*time.Minute - time.Second)
	e.c.mu.Unlock()
	if err := e.s.ConfirmReset(ctx, second, "abcdefghijk"); fieldMsg(err, "new") == "" {
		t.Fatalf("a weak password through the link: %v", err)
	}
	if err := e.s.ConfirmReset(ctx, second, "Tốt-hơn-2026"); err != nil {
		t.Fatalf("link at 29:59: %v", err)
	}
	if err := e.s.ConfirmReset(ctx, second, "Khác-nữa-2026"); !errors.Is(err, identity.ErrResetLink) {
		t.Fatalf("the link used twice: %v", err)
	}
	if err := e.s.ConfirmReset(ctx, third, "Khác-nữa-2026"); !errors.Is(err, identity.ErrResetLink) {
		t.Fatalf("another link of the user after one was used: %v", err)
	}
	if _, _, err := e.s.Authenticate(ctx, sess.Token); err == nil {
		t.Error("a session survived the reset")
	}
	if _, _, err := e.s.Login(ctx, "staff.tnmt", "Tốt-hơn-2026"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	acts := e.trailActions(t, "staff.tnmt", first, second, third, "Tốt-hơn-2026")
	if !has(acts, "user.password_reset_link") || !has(acts, "user.password_reset_confirm") {
		t.Errorf("trail: %v", acts)
	}
}

// TestResetThrottleAndEnumeration: known and unknown logins get the same
// answers, throttled alike after 3 requests an hour; only the known one
// gets mail.
func TestResetThrottleAndEnumeration(t *testing.T) {
	e := newAccounts(t)
	e.user(t, "head.tnmt", "h@tnmt.example.vn", "vi")
	e.user(t, "nomail", "", "vi")
	ctx := context.Background()
	answers := map[string][]string{}
	for _, login := range []string{"head.tnmt", "ghost.user", "nomail"} {
		for i := 0; i < identity.ResetMaxRequests+1; i++ {
			err := e.s.RequestReset(ctx, login)
			answers[login] = append(answers[login], qms.Message(err)+"|"+kindName(err))
		}
	}
	want := strings.Join(answers["head.tnmt"], ",")
	for l, a := range answers {
		if strings.Join(a, ",") != want {
			t.Errorf("%s answered %v, the existing login %v", l, a, answers["head.tnmt"])
		}
	}
	if !strings.Contains(answers["ghost.user"][identity.ResetMaxRequests], "too_many_requests") {
		t.Errorf("the 4th request was not throttled: %v", answers["ghost.user"])
	}
	e.waitMail(t, identity.ResetMaxRequests)
	time.Sleep(200 * time.Millisecond)
	if n := len(e.smtp.Messages()); n != identity.ResetMaxRequests {
		t.Errorf("%d mails, want %d (the throttled request sent one, or an unknown login did)", n, identity.ResetMaxRequests)
	}
	e.c.add(identity.ResetWindow + time.Second)
	if err := e.s.RequestReset(ctx, "head.tnmt"); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func kindName(err error) string {
	if k := qms.KindOf(err); k != nil {
		return k.Error()
	}
	return "nil"
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTOTPSecondFactor: enrolment needs a right first code; sign-in then
// asks for the code; a wrong code, a replayed code and a spent recovery
// code are refused; removal needs the password.
func TestTOTPSecondFactor(t *testing.T) {
	e := newAccounts(t)
	u := e.user(t, "coord", "", "vi")
	ctx := context.Background()
	enr, err := e.s.BeginTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enr.URL, "otpauth://totp/qmstrack:coord?") || !strings.Contains(enr.URL, "secret="+enr.Secret) {
		t.Fatalf("otpauth URL %q", enr.URL)
	}
	if _, err := e.s.ConfirmTOTP(ctx, u.ID, "000000"); fieldMsg(err, "code") == "" {
		t.Fatalf("a wrong first code: %v", err)
	}
	now := e.c.now()
	codes, err := e.s.ConfirmTOTP(ctx, u.ID, codeAt(t, enr.Secret, now))
	if err != nil || len(codes) != identity.RecoveryCodes {
		t.Fatalf("confirm: %v %v", codes, err)
	}
	if acts := e.trailActions(t, "coord", enr.Secret, codes[0]); !has(acts, "user.totp_enrol") {
		t.Errorf("trail: %v", acts)
	}
	var stored string
	if err := e.db.Get(&stored, `SELECT string_agg(encode(code_hash, 'escape'), ',') FROM totp_recovery_codes`); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, codes[0]) || strings.Contains(stored, strings.ReplaceAll(codes[0], "-", "")) {
		t.Fatal("a recovery code is stored in clear")
	}

	// The password alone is a challenge for the code.
	r, err := e.s.SignIn(ctx, "coord", "demo12345", "")
	if err != nil || r.Session != nil || r.Challenge == nil || r.Challenge.Step != identity.StepCode {
		t.Fatalf("password of an enrolled user: %+v %v", r, err)
	}
	if _, err := e.s.SubmitCode(ctx, r.Challenge.Token, "123456"); !errors.Is(err, identity.ErrWrongCode) {
		t.Fatalf("a wrong code: %v", err)
	}
	// The code of the enrolment's own step is spent: the next step's code
	// signs in, once.
	e.c.add(30 * time.Second)
	code := codeAt(t, enr.Secret, e.c.now())
	if _, err := e.s.SubmitCode(ctx, r.Challenge.Token, codeAt(t, enr.Secret, now)); !errors.Is(err, identity.ErrWrongCode) {
		t.Fatalf("the enrolment's code used again: %v", err)
	}
	done, err := e.s.SubmitCode(ctx, r.Challenge.Token, code)
	if err != nil || done.Session == nil {
		t.Fatalf("the right code: %+v %v", done, err)
	}
	if _, err := e.s.SignIn(ctx, "coord", "demo12345", code); !errors.Is(err, identity.ErrWrongCode) {
		t.Fatalf("a replayed code: %v", err)
	}
	// A recovery code works once, in any case and without its dash.
	rc := strings.ToUpper(strings.ReplaceAll(codes[3], "-", ""))
	if r, err := e.s.SignIn(ctx, "coord", "demo12345", rc); err != nil || r.Session == nil {
		t.Fatalf("a recovery code: %+v %v", r, err)
	}
	if _, err := e.s.SignIn(ctx, "coord", "demo12345", codes[3]); !errors.Is(err, identity.ErrWrongCode) {
		t.Fatalf("a recovery code used twice: %v", err)
	}
	if st, _ := e.s.TOTPStatusOf(ctx, u.ID); !st.Enabled || st.Left != identity.RecoveryCodes-1 {
		t.Errorf("status %+v", st)
	}
	if err := e.s.RemoveTOTP(as(u), "wrong"); fieldMsg(err, "current") == "" {
		t.Errorf("removal with a wrong password: %v", err)
	}
	if err := e.s.RemoveTOTP(as(u), "demo12345"); err != nil {
		t.Fatal(err)
	}
	if r, err := e.s.SignIn(ctx, "coord", "demo12345", ""); err != nil || r.Session == nil {
		t.Fatalf("sign-in after removal: %+v %v", r, err)
	}
	if acts := e.trailActions(t, "coord"); !has(acts, "user.totp_remove") || !has(acts, "user.totp_recovery_used") {
		t.Errorf("trail: %v", acts)
	}
}

// TestTOTPRequiredByRole: a coordinator without a second factor signs in
// only to the enrolment step, and one with it cannot remove it.
func TestTOTPRequiredByRole(t *testing.T) {
	e := newAccounts(t, "admin", "coordinator")
	u := e.user(t, "coord2", "", "vi")
	staff := e.user(t, "staff2", "", "vi")
	e.roles[u.ID] = []string{"coordinator"}
	e.roles[staff.ID] = []string{"staff"}
	ctx := context.Background()
	if r, err := e.s.SignIn(ctx, "staff2", "demo12345", ""); err != nil || r.Session == nil {
		t.Fatalf("staff: %+v %v", r, err)
	}
	r, err := e.s.SignIn(ctx, "coord2", "demo12345", "")
	if err != nil || r.Challenge == nil || r.Challenge.Step != identity.StepEnrol {
		t.Fatalf("coordinator without a second factor: %+v %v", r, err)
	}
	enr, err := e.s.BeginTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	done, codes, err := e.s.ConfirmEnrolment(ctx, r.Challenge.Token, codeAt(t, enr.Secret, e.c.now()))
	if err != nil || done.Session == nil || len(codes) != identity.RecoveryCodes {
		t.Fatalf("enrolment at sign-in: %+v %v", done, err)
	}
	if err := e.s.RemoveTOTP(as(u), "demo12345"); qms.KindOf(err) != qms.ErrForbidden || !strings.Contains(err.Error(), "requires a second factor") {
		t.Fatalf("a coordinator removing the second factor: %v", err)
	}
}

// TestChallengeExpires: a sign-in step waits ChallengeTTL at most, and a
// challenge becomes one session only.
func TestChallengeExpires(t *testing.T) {
	e := newAccounts(t)
	u := e.user(t, "staff.exp", "", "vi")
	admin := e.user(t, "it.admin2", "", "vi")
	ctx := context.Background()
	pw, err := e.s.ResetPassword(as(admin), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	late, _ := e.s.SignIn(ctx, "staff.exp", pw, "")
	e.c.add(identity.ChallengeTTL - time.Second)
	if _, _, err := e.s.Challenge(ctx, late.Challenge.Token); err != nil {
		t.Fatalf("a step just before its limit: %v", err)
	}
	e.c.add(2 * time.Second)
	if _, err := e.s.ChangeOneTimePassword(ctx, late.Challenge.Token, pw, "Tốt-hơn-2026"); qms.KindOf(err) != qms.ErrUnauthenticated {
		t.Fatalf("a step after its limit: %v", err)
	}
	// Enrolled, two code steps of one sign-in: the first makes the
	// session, the second finds no sign-in.
	v := e.user(t, "staff.two", "", "vi")
	enr, _ := e.s.BeginTOTP(ctx, v.ID)
	if _, err := e.s.ConfirmTOTP(ctx, v.ID, codeAt(t, enr.Secret, e.c.now())); err != nil {
		t.Fatal(err)
	}
	r, _ := e.s.SignIn(ctx, "staff.two", "demo12345", "")
	e.c.add(30 * time.Second)
	if done, err := e.s.SubmitCode(ctx, r.Challenge.Token, codeAt(t, enr.Secret, e.c.now())); err != nil || done.Session == nil {
		t.Fatalf("the code: %+v %v", done, err)
	}
	e.c.add(30 * time.Second)
	if _, err := e.s.SubmitCode(ctx, r.Challenge.Token, codeAt(t, enr.Secret, e.c.now())); qms.KindOf(err) != qms.ErrUnauthenticated {
		t.Fatalf("the same sign-in's code step again: %v", err)
	}
}

// TestResetLinkEmailQueuedWithTheLink: a reset link's e-mail is queued in
// the transaction that stores the link. When that transaction fails after
// the e-mail job was written (the hook fails once it has queued it), no
// link, no trail entry and no job stay, and the failure is reported to
// MailFailed; a link that is stored has exactly one e-mail job, to the
// user's address, in their language, carrying that link.
func TestResetLinkEmailQueuedWithTheLink(t *testing.T) {
	e := newAccounts(t)
	e.user(t, "head.tnmt", "h@tnmt.example.vn", "en")
	failed := make(chan error, 1)
	e.s = e.build(queuetest.FailAfter(e.hook, 1), func(_ string, err error) { failed <- err })
	count := func(q string) int {
		t.Helper()
		var n int
		if err := e.db.Get(&n, q); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := e.s.RequestReset(context.Background(), "head.tnmt"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-failed:
		if !errors.Is(err, queuetest.ErrInjected) {
			t.Fatalf("MailFailed heard %v, want the injected failure", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the failed link was not reported")
	}
	if n := count(`SELECT count(*) FROM password_resets`); n != 0 {
		t.Fatalf("%d reset links stored by the request that failed", n)
	}
	if jobs := queuetest.Queued(t, e.db); len(jobs) != 0 {
		t.Fatalf("the request that failed left %d e-mail jobs: %+v", len(jobs), jobs)
	}
	if acts := e.trailActions(t, "head.tnmt"); has(acts, "user.password_reset_link") {
		t.Fatalf("the request that failed left its trail entry: %v", acts)
	}

	e.s = e.build(e.hook, func(_ string, err error) { failed <- err })
	if err := e.s.RequestReset(context.Background(), "head.tnmt"); err != nil {
		t.Fatal(err)
	}
	msg := e.waitMail(t, 1)
	jobs := queuetest.Queued(t, e.db)
	if len(jobs) != 1 || jobs[0].To != "h@tnmt.example.vn" || jobs[0].Subject != "qmstrack: reset your password" {
		t.Fatalf("e-mail jobs %+v, want one to h@tnmt.example.vn in English", jobs)
	}
	var hash []byte
	if err := e.db.Get(&hash, `SELECT token_hash FROM password_resets`); err != nil {
		t.Fatalf("the reset link is not stored once: %v", err)
	}
	if tok := tokenOf(t, msg); !bytes.Equal(identity.HashToken(tok), hash) || !strings.Contains(jobs[0].Body, tok) {
		t.Fatal("the e-mail does not carry the stored link")
	}
	select {
	case err := <-failed:
		t.Fatalf("a stored link was reported failed: %v", err)
	default:
	}
}
