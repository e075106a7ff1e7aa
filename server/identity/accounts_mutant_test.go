package identity_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
)

// The tests of this file pin bounds and conditions that a small change of
// the code (a mutant: >= for >, a negated test) would move without any
// other test noticing.

// TestMutantPasswordOfTheLongestLength: a password of exactly
// MaxPasswordLen characters may be set, and then serves as the current
// password for the next change.
func TestMutantPasswordOfTheLongestLength(t *testing.T) {
	e := newAccounts(t)
	u := e.user(t, "staff.dai", "", "vi")
	longest := strings.Repeat("Ab3-", identity.MaxPasswordLen/4)
	if len(longest) != identity.MaxPasswordLen {
		t.Fatalf("test password of %d characters", len(longest))
	}
	s, _, err := e.s.Login(context.Background(), "staff.dai", "demo12345")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.ChangePassword(as(u), "demo12345", longest, s.Token); err != nil {
		t.Fatalf("a new password of %d characters: %v", identity.MaxPasswordLen, err)
	}
	if err := e.s.ChangePassword(as(u), longest, "Mới-hơn-2026", s.Token); err != nil {
		t.Fatalf("the %d-character password as the current one: %v", identity.MaxPasswordLen, err)
	}
	if err := e.s.ChangePassword(as(u), "Mới-hơn-2026", longest+"x", s.Token); fieldMsg(err, "new") != "too long: use at most 200 characters" {
		t.Fatalf("a new password of %d characters: %v", identity.MaxPasswordLen+1, err)
	}
}

// TestMutantResetLoginOf64Characters: a reset may be asked for a login of
// 64 characters (the longest a login may be); 65 are refused as no login.
func TestMutantResetLoginOf64Characters(t *testing.T) {
	e := newAccounts(t)
	if err := e.s.RequestReset(context.Background(), strings.Repeat("a", 64)); err != nil {
		t.Fatalf("a login of 64 characters: %v", err)
	}
	if err := e.s.RequestReset(context.Background(), strings.Repeat("a", 65)); fieldMsg(err, "login") != "enter your login" {
		t.Fatalf("a login of 65 characters: %v", err)
	}
}

// TestMutantResetOfAnUnknownLoginIsNotAFailure: the background part of a
// reset request ends quietly for a login nobody has (nothing to report to
// the operator) and for a person without an e-mail address, and stores a
// link for a person with one.
func TestMutantResetOfAnUnknownLoginIsNotAFailure(t *testing.T) {
	e := newAccounts(t)
	e.user(t, "nomail", "", "vi")
	e.user(t, "head.tnmt", "h@tnmt.example.vn", "vi")
	ctx := context.Background()
	for _, login := range []string{"ghost.user", "nomail", "head.tnmt"} {
		if err := identity.SendReset(e.s, ctx, login, e.c.now()); err != nil {
			t.Errorf("%s: %v (%s)", login, err, kindName(err))
		}
	}
	var links []string
	if err := e.db.Select(&links, `SELECT u.login FROM password_resets r JOIN users u ON u.id = r.user_id ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(links, " ") != "head.tnmt" {
		t.Fatalf("reset links stored for %v, want head.tnmt alone", links)
	}
}

// TestMutantExternalNamesAtTheirLongest: the provider's subject may be 255
// characters and its issuer 500; one more is refused as naming nobody.
func TestMutantExternalNamesAtTheirLongest(t *testing.T) {
	s, _ := plainService(t, identity.Options{LoginMaxFailures: 100, LoginWindow: time.Minute})
	ctx := context.Background()
	issuer := "https://sso.example.org/" + strings.Repeat("i", 500-len("https://sso.example.org/"))
	subject := strings.Repeat("s", 255)
	in, created, err := s.SignInExternal(ctx, identity.External{Issuer: issuer, Subject: subject, Login: "sso.dai", Name: "Người dài"}, false)
	if err != nil || !created || in.Session == nil {
		t.Fatalf("subject of 255 and issuer of 500 characters: %+v %v %v", in, created, err)
	}
	for what, ext := range map[string]identity.External{
		"subject of 256": {Issuer: issuer, Subject: subject + "s", Login: "sso.a", Name: "A"},
		"issuer of 501":  {Issuer: issuer + "i", Subject: subject, Login: "sso.b", Name: "B"},
	} {
		if _, _, err := s.SignInExternal(ctx, ext, false); qms.KindOf(err) != qms.ErrUnauthenticated || !strings.Contains(err.Error(), "did not name the person") {
			t.Errorf("%s characters: %v, want the provider named nobody", what, err)
		}
	}
}

// TestMutantExternalNameAndEmail: the first sign-in keeps the name and
// e-mail the provider gave; a missing or unusable name becomes the login,
// an unusable e-mail address none.
func TestMutantExternalNameAndEmail(t *testing.T) {
	s, _ := plainService(t, identity.Options{LoginMaxFailures: 100, LoginWindow: time.Minute})
	for _, x := range []struct{ sub, login, name, email, wantName, wantEmail string }{
		{"s1", "sso.lan", "Nguyễn Thị Lan", "lan@ubnd.example.vn", "Nguyễn Thị Lan", "lan@ubnd.example.vn"},
		{"s2", "sso.minh", "", "khong-phai-email", "sso.minh", ""},
		{"s3", "sso.hoa", "Hoa\x07", "hoa@ubnd.example.vn\x00", "sso.hoa", ""},
	} {
		in, created, err := s.SignInExternal(context.Background(), identity.External{Issuer: "https://sso.example.org", Subject: x.sub, Login: x.login, Name: x.name, Email: x.email}, false)
		if err != nil || !created {
			t.Fatalf("%s: %v (created %v)", x.login, err, created)
		}
		if in.User.Name != x.wantName || in.User.Email != x.wantEmail {
			t.Errorf("%s: name %q, e-mail %q; want %q, %q", x.login, in.User.Name, in.User.Email, x.wantName, x.wantEmail)
		}
	}
}

// TestMutantThrottleDefaults: a service made without throttle settings
// lets a person sign in, and refuses the sixth attempt after five wrong
// passwords until the window of 15 minutes has passed (the defaults).
func TestMutantThrottleDefaults(t *testing.T) {
	s, c := plainService(t, identity.Options{})
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, identity.NewUser{Login: "staff.mac", Name: "Người mặc định", Password: "demo12345", Lang: "vi"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Login(ctx, "staff.mac", "demo12345"); err != nil {
		t.Fatalf("sign-in with the default throttle: %v", err)
	}
	for i := 0; i < 5; i++ {
		if _, _, err := s.Login(ctx, "staff.mac", "sai-mat-khau"); errors.Is(err, identity.ErrThrottled) {
			t.Fatalf("wrong password %d of 5 throttled", i+1)
		}
	}
	c.add(14 * time.Minute)
	if _, _, err := s.Login(ctx, "staff.mac", "demo12345"); !errors.Is(err, identity.ErrThrottled) {
		t.Fatalf("the sixth attempt, 14 minutes on: %v, want throttled", err)
	}
	c.add(time.Minute + time.Second)
	if _, _, err := s.Login(ctx, "staff.mac", "demo12345"); err != nil {
		t.Fatalf("15 minutes after the first failure: %v, want signed in", err)
	}
}

// TestMutantCreateUserPasswordBounds: an account's first password takes 8
// to 200 characters; 7 and 201 are refused with the rule.
func TestMutantCreateUserPasswordBounds(t *testing.T) {
	db := testenv.DB(t)
	s := identity.NewService(postgres.NewIdentityStore(db), time.Now, identity.Options{})
	for i, c := range []struct {
		pw string
		ok bool
	}{{"abcd123", false}, {"abcd1234", true}, {strings.Repeat("x", 200), true}, {strings.Repeat("x", 201), false}} {
		_, err := s.CreateUser(context.Background(), identity.NewUser{Login: fmt.Sprintf("nguoi.%d", i), Name: "Người", Password: c.pw, Lang: "vi"})
		switch {
		case c.ok && err != nil:
			t.Errorf("a password of %d characters: %v", len(c.pw), err)
		case !c.ok && fieldMsg(err, "password") != "use 8 to 200 characters":
			t.Errorf("a password of %d characters: %v, want the rule of 8 to 200", len(c.pw), err)
		}
	}
}

// TestMutantSignaturePassword: a signature takes a password of 200
// characters; after as many wrong passwords as the throttle allows (3
// here) the right one is refused as throttled; a second account of the
// same login is refused as taken.
func TestMutantSignaturePassword(t *testing.T) {
	s, _ := plainService(t, identity.Options{LoginMaxFailures: 3, LoginWindow: time.Hour})
	ctx := context.Background()
	longest := strings.Repeat("Ab3-", 50)
	u, err := s.CreateUser(ctx, identity.NewUser{Login: "truong.phong", Name: "Trưởng phòng", Password: longest, Lang: "vi"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckPassword(ctx, u.ID, longest); err != nil {
		t.Fatalf("signing with a password of 200 characters: %v", err)
	}
	for i := 0; i < 3; i++ {
		if err := s.CheckPassword(ctx, u.ID, "sai-mat-khau"); errors.Is(err, identity.ErrThrottled) || !strings.Contains(qms.Message(err), "the password is wrong") {
			t.Fatalf("wrong password %d of 3: %v", i+1, err)
		}
	}
	if err := s.CheckPassword(ctx, u.ID, longest); !errors.Is(err, identity.ErrThrottled) {
		t.Fatalf("after 3 wrong passwords: %v, want throttled", err)
	}
	if _, err := s.CreateUser(ctx, identity.NewUser{Login: "truong.phong", Name: "Người khác", Password: "demo12345", Lang: "vi"}); qms.KindOf(err) != qms.ErrConflict || qms.Message(err) != `the login "truong.phong" is taken` {
		t.Fatalf("a second account of the login: %v", err)
	}
}

// TestMutantSignInAtTheLongest: a person with a login of 64 characters and
// a password of 200 signs in.
func TestMutantSignInAtTheLongest(t *testing.T) {
	s, _ := plainService(t, identity.Options{})
	login, pw := "a"+strings.Repeat(".b", 31)+"c", strings.Repeat("Ab3-", 50)
	if len(login) != 64 || len(pw) != 200 {
		t.Fatalf("test login of %d, password of %d characters", len(login), len(pw))
	}
	if _, err := s.CreateUser(context.Background(), identity.NewUser{Login: login, Name: "Người dài", Password: pw, Lang: "vi"}); err != nil {
		t.Fatal(err)
	}
	if sess, _, err := s.Login(context.Background(), login, pw); err != nil || sess.Token == "" {
		t.Fatalf("signing in with a login of 64 and a password of 200 characters: %v", err)
	}
}

// TestMutantOneTimePasswordThenEnrolment: a person whose role needs a
// second factor, signing in with an administrator's one-time password,
// changes it and is then asked to enrol the second factor, by a new step.
func TestMutantOneTimePasswordThenEnrolment(t *testing.T) {
	e := newAccounts(t, "head")
	u := e.user(t, "truong.tnmt", "", "vi")
	e.roles[u.ID] = []string{"head"}
	admin := e.user(t, "it.admin", "", "vi")
	otp1, err := e.s.ResetPassword(as(admin), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.s.SignIn(context.Background(), "truong.tnmt", otp1, "")
	if err != nil || r.Challenge == nil || r.Challenge.Step != identity.StepPassword {
		t.Fatalf("sign-in with the one-time password: %+v %v", r, err)
	}
	next, err := e.s.ChangeOneTimePassword(context.Background(), r.Challenge.Token, otp1, "Tốt-hơn-2026")
	if err != nil || next.Session != nil || next.Challenge == nil || next.Challenge.Step != identity.StepEnrol || next.Challenge.Token == r.Challenge.Token {
		t.Fatalf("after the change: %+v %v, want a new enrolment step", next, err)
	}
}

// TestMutantCodeThenOneTimePassword: an enrolled person signing in with an
// administrator's one-time password gives the code first, then is asked,
// by a new step, to change the password.
func TestMutantCodeThenOneTimePassword(t *testing.T) {
	e := newAccounts(t)
	u := e.user(t, "coord.vp", "", "vi")
	admin := e.user(t, "it.admin", "", "vi")
	ctx := context.Background()
	enr := e.enrol(t, u)
	otp1, err := e.s.ResetPassword(as(admin), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.s.SignIn(ctx, "coord.vp", otp1, "")
	if err != nil || r.Challenge == nil || r.Challenge.Step != identity.StepCode {
		t.Fatalf("sign-in with the one-time password: %+v %v", r, err)
	}
	e.c.add(30 * time.Second) // the enrolment's code may not serve again
	next, err := e.s.SubmitCode(ctx, r.Challenge.Token, codeAt(t, enr.Secret, e.c.now()))
	if err != nil || next.Session != nil || next.Challenge == nil || next.Challenge.Step != identity.StepPassword || next.Challenge.Token == r.Challenge.Token {
		t.Fatalf("after the code: %+v %v, want a new step for the password", next, err)
	}
}

// TestMutantCodeThrottle: after as many wrong codes as the throttle allows
// (5 here) even the right code is refused as throttled.
func TestMutantCodeThrottle(t *testing.T) {
	e := newAccounts(t)
	u := e.user(t, "coord.ma", "", "vi")
	ctx := context.Background()
	enr := e.enrol(t, u)
	r, err := e.s.SignIn(ctx, "coord.ma", "demo12345", "")
	if err != nil || r.Challenge == nil || r.Challenge.Step != identity.StepCode {
		t.Fatalf("sign-in: %+v %v", r, err)
	}
	e.c.add(30 * time.Second)
	for i := 0; i < 5; i++ {
		if _, err := e.s.SubmitCode(ctx, r.Challenge.Token, "000000"); !errors.Is(err, identity.ErrWrongCode) {
			t.Fatalf("wrong code %d of 5: %v", i+1, err)
		}
	}
	if _, err := e.s.SubmitCode(ctx, r.Challenge.Token, codeAt(t, enr.Secret, e.c.now())); !errors.Is(err, identity.ErrThrottled) {
		t.Fatalf("the right code after 5 wrong ones: %v, want throttled", err)
	}
}

// TestMutantCodeOfTheNextStep: a code of the next 30-second step (a phone
// clock a little ahead) is accepted; one three steps ahead is not.
func TestMutantCodeOfTheNextStep(t *testing.T) {
	e := newAccounts(t)
	u := e.user(t, "coord.nhanh", "", "vi")
	ctx := context.Background()
	enr := e.enrol(t, u)
	signIn := func() string {
		t.Helper()
		r, err := e.s.SignIn(ctx, "coord.nhanh", "demo12345", "")
		if err != nil || r.Challenge == nil {
			t.Fatalf("sign-in: %+v %v", r, err)
		}
		return r.Challenge.Token
	}
	if _, err := e.s.SubmitCode(ctx, signIn(), codeAt(t, enr.Secret, e.c.now().Add(90*time.Second))); !errors.Is(err, identity.ErrWrongCode) {
		t.Fatalf("a code three steps ahead: %v, want wrong", err)
	}
	if r, err := e.s.SubmitCode(ctx, signIn(), codeAt(t, enr.Secret, e.c.now().Add(30*time.Second))); err != nil || r.Session == nil {
		t.Fatalf("a code of the next step: %+v %v", r, err)
	}
}

// TestMutantTOTPStatusAndPendingRemoval: the status tells an enrolment in
// progress and, once enrolled, the recovery codes left; an enrolment in
// progress may be dropped with the password, and with none at all the
// removal is refused as having nothing to remove.
func TestMutantTOTPStatusAndPendingRemoval(t *testing.T) {
	e := newAccounts(t)
	u := e.user(t, "coord.tt", "", "vi")
	ctx := context.Background()
	status := func() identity.TOTPStatus {
		t.Helper()
		st, err := e.s.TOTPStatusOf(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := status(); st.Enabled || st.Pending || st.Left != 0 {
		t.Fatalf("before any enrolment: %+v", st)
	}
	if err := e.s.RemoveTOTP(as(u), "demo12345"); qms.KindOf(err) != qms.ErrState || qms.Message(err) != "no second factor is enrolled" {
		t.Fatalf("removal with nothing enrolled: %v", err)
	}
	enr, err := e.s.BeginTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st := status(); st.Enabled || !st.Pending || st.Left != 0 {
		t.Fatalf("enrolment in progress: %+v", st)
	}
	if err := e.s.RemoveTOTP(as(u), "demo12345"); err != nil {
		t.Fatalf("dropping the enrolment in progress: %v", err)
	}
	if st := status(); st.Pending {
		t.Fatalf("after dropping it: %+v", st)
	}
	if enr, err = e.s.BeginTOTP(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.ConfirmTOTP(ctx, u.ID, codeAt(t, enr.Secret, e.c.now())); err != nil {
		t.Fatal(err)
	}
	if st := status(); !st.Enabled || st.Pending || st.Left != identity.RecoveryCodes {
		t.Fatalf("enrolled: %+v, want %d recovery codes left", st, identity.RecoveryCodes)
	}
}

// TestMutantTOTPStatusRequiredWhenEnrolled: the status of an enrolled
// person whose role requires a second factor says it is required.
func TestMutantTOTPStatusRequiredWhenEnrolled(t *testing.T) {
	e := newAccounts(t, "head")
	u := e.user(t, "truong.bb", "", "vi")
	e.roles[u.ID] = []string{"head"}
	ctx := context.Background()
	e.enrol(t, u)
	if st, err := e.s.TOTPStatusOf(ctx, u.ID); err != nil || !st.Enabled || !st.Required || st.Left != identity.RecoveryCodes {
		t.Fatalf("enrolled head: %+v %v, want enabled, required, %d codes", st, err, identity.RecoveryCodes)
	}
}

// enrol gives u a second factor and returns its enrolment.
func (e *accountsEnv) enrol(t *testing.T, u identity.User) identity.Enrolment {
	t.Helper()
	enr, err := e.s.BeginTOTP(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.ConfirmTOTP(context.Background(), u.ID, codeAt(t, enr.Secret, e.c.now())); err != nil {
		t.Fatal(err)
	}
	return enr
}

// plainService is an identity service on a database of its own and a
// clock at 10/03/2026 08:00 UTC, with sessions of an hour idle and two at
// most besides the options of opt.
func plainService(t *testing.T, opt identity.Options) (*identity.Service, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)}
	opt.SessionIdle, opt.SessionMax = time.Hour, 2*time.Hour
	return identity.NewService(postgres.NewIdentityStore(testenv.DB(t)), c.now, opt), c
}
