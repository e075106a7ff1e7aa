package identity_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newService(t *testing.T) (*identity.Service, *identity.Service, *clock) {
	db := testenv.DB(t)
	c := &clock{t: time.Now().UTC()}
	opt := identity.Options{SessionIdle: 30 * time.Minute, SessionMax: 2 * time.Hour, LoginMaxFailures: 3, LoginWindow: 10 * time.Minute}
	// Two services on one database stand for two instances.
	return identity.NewService(postgres.NewIdentityStore(db), c.now, opt),
		identity.NewService(postgres.NewIdentityStore(db), c.now, opt), c
}

func TestPasswordHash(t *testing.T) {
	h, err := identity.HashPassword("mật khẩu")
	if err != nil {
		t.Fatal(err)
	}
	if !identity.VerifyPassword(h, "mật khẩu") || identity.VerifyPassword(h, "mat khau") || identity.VerifyPassword("garbage", "x") {
		t.Fatal("verify is wrong")
	}
}

func TestLoginSessionsAndTimeouts(t *testing.T) {
	s, _, c := newService(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, identity.NewUser{Login: "Staff.TNMT", Name: "Nguyễn Văn A", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Login != "staff.tnmt" {
		t.Fatalf("login not normalised: %q", u.Login)
	}
	if _, err := s.CreateUser(ctx, identity.NewUser{Login: "staff.tnmt", Name: "B", Password: "password1"}); qms.KindOf(err) != qms.ErrConflict {
		t.Fatalf("duplicate login: %v", err)
	}
	s1, _, err := s.Login(ctx, "staff.tnmt", "password1")
	if err != nil {
		t.Fatal(err)
	}
	s2, _, err := s.Login(ctx, "staff.tnmt", "password1")
	if err != nil {
		t.Fatal(err)
	}
	if s1.Token == s2.Token {
		t.Fatal("a login reused a session id")
	}
	// Idle timeout: active use keeps the session; 31 idle minutes end it.
	c.add(20 * time.Minute)
	if _, _, err := s.Authenticate(ctx, s1.Token); err != nil {
		t.Fatalf("active session refused: %v", err)
	}
	c.add(31 * time.Minute)
	if _, _, err := s.Authenticate(ctx, s1.Token); qms.KindOf(err) != qms.ErrUnauthenticated {
		t.Fatalf("idle session accepted: %v", err)
	}
	// Absolute timeout: even an active session ends after SessionMax.
	// Every use within the two hours is accepted, the first after is not.
	s3, _, _ := s.Login(ctx, "staff.tnmt", "password1")
	for i := 1; i <= 5; i++ {
		c.add(25 * time.Minute)
		_, _, err = s.Authenticate(ctx, s3.Token)
		if i < 5 && err != nil {
			t.Fatalf("active session refused after %d min: %v", 25*i, err)
		}
	}
	if qms.KindOf(err) != qms.ErrUnauthenticated {
		t.Fatalf("session outlived its absolute timeout: %v", err)
	}
	// Logout ends a session.
	s4, _, _ := s.Login(ctx, "staff.tnmt", "password1")
	if err := s.Logout(ctx, s4.Token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(ctx, s4.Token); err == nil {
		t.Fatal("session alive after logout")
	}
}

func TestDisablingUserEndsSessionsAndTokens(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, identity.NewUser{Login: "author.vhtt", Name: "A", Password: "password1"})
	sess, _, _ := s.Login(ctx, "author.vhtt", "password1")
	actx := qms.WithActor(ctx, qms.Actor{UserID: u.ID, Login: u.Login})
	tok, _, err := s.CreateToken(actx, "one-stop sync")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.AuthenticateToken(ctx, tok); err != nil || got.ID != u.ID {
		t.Fatalf("token: %v", err)
	}
	disabled := "disabled"
	if _, err := s.UpdateUser(ctx, u.ID, identity.UserUpdate{Status: &disabled}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(ctx, sess.Token); err == nil {
		t.Error("session of a disabled user still works")
	}
	if _, err := s.AuthenticateToken(ctx, tok); err == nil {
		t.Error("token of a disabled user still works")
	}
	if _, _, err := s.Login(ctx, "author.vhtt", "password1"); err == nil {
		t.Error("a disabled user signed in")
	}
	// Enabled again, the user signs in afresh; the token issued before the
	// disabling stays revoked.
	active := "active"
	if _, err := s.UpdateUser(ctx, u.ID, identity.UserUpdate{Status: &active}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Login(ctx, "author.vhtt", "password1"); err != nil {
		t.Fatalf("re-enabled user cannot sign in: %v", err)
	}
	if _, err := s.AuthenticateToken(ctx, tok); err == nil || !strings.Contains(qms.Message(err), "revoked") {
		t.Errorf("a token issued before the disabling works again: %v", err)
	}
}

func TestTokenRevocation(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, identity.NewUser{Login: "coordinator", Name: "C", Password: "password1"})
	actx := qms.WithActor(ctx, qms.Actor{UserID: u.ID, Login: u.Login})
	tok, meta, _ := s.CreateToken(actx, "ci")
	if err := s.RevokeToken(actx, meta.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(ctx, tok); qms.KindOf(err) != qms.ErrUnauthenticated {
		t.Fatalf("revoked token: %v", err)
	}
	if err := s.RevokeToken(actx, "not-a-uuid"); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("bad id: %v", err)
	}
}

func TestThrottleHoldsAcrossInstances(t *testing.T) {
	a, b, c := newService(t)
	ctx := context.Background()
	if _, err := a.CreateUser(ctx, identity.NewUser{Login: "head.tnmt", Name: "H", Password: "password1"}); err != nil {
		t.Fatal(err)
	}
	// Failures alternate between the two instances.
	for i, s := range []*identity.Service{a, b, a} {
		if _, _, err := s.Login(ctx, "head.tnmt", "wrong"); qms.KindOf(err) != qms.ErrUnauthenticated {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, _, err := b.Login(ctx, "head.tnmt", "password1"); !errors.Is(err, identity.ErrThrottled) {
		t.Fatalf("the right password after 3 failures on two instances should be throttled, got %v", err)
	}
	// An unknown login is throttled the same way (no enumeration).
	for i := 0; i < 3; i++ {
		_, _, _ = a.Login(ctx, "ghost", "x")
	}
	if _, _, err := a.Login(ctx, "ghost", "x"); !errors.Is(err, identity.ErrThrottled) {
		t.Fatalf("unknown login not throttled: %v", err)
	}
	c.add(11 * time.Minute)
	if _, _, err := b.Login(ctx, "head.tnmt", "password1"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestCheckPasswordForSignatures(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, identity.NewUser{Login: "head.vp", Name: "Chủ tịch", Password: "password1"})
	if err := s.CheckPassword(ctx, u.ID, "password1"); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckPassword(ctx, u.ID, "nope"); qms.KindOf(err) != qms.ErrForbidden {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestCreateUserValidation(t *testing.T) {
	s, _, _ := newService(t)
	_, err := s.CreateUser(context.Background(), identity.NewUser{Login: "../etc", Name: "", Password: "short", Lang: "fr"})
	var ve *qms.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 4 {
		t.Fatalf("want 4 field errors, got %v", err)
	}
}

// TestSessionTimeBoundaries pins both timeouts one minute either side:
// idle time counts from the last activity, not from sign-in, and the
// absolute limit is SessionMax from sign-in however active the session is.
func TestSessionTimeBoundaries(t *testing.T) {
	db := testenv.DB(t)
	c := &clock{t: time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)}
	const idle, maxAge = 30 * time.Minute, 2 * time.Hour
	s := identity.NewService(postgres.NewIdentityStore(db), c.now, identity.Options{SessionIdle: idle, SessionMax: maxAge, LoginMaxFailures: 100, LoginWindow: time.Minute})
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, identity.NewUser{Login: "staff.vp", Name: "A", Password: "password1"}); err != nil {
		t.Fatal(err)
	}
	start := c.now()
	at := func(d time.Duration) { c.mu.Lock(); c.t = start.Add(d); c.mu.Unlock() }
	login := func() identity.Session {
		t.Helper()
		at(0)
		sess, _, err := s.Login(ctx, "staff.vp", "password1")
		if err != nil {
			t.Fatal(err)
		}
		return sess
	}
	alive := func(what string, sess identity.Session, d time.Duration) {
		t.Helper()
		at(d)
		if _, _, err := s.Authenticate(ctx, sess.Token); err != nil {
			t.Fatalf("%s at +%v: refused: %v", what, d, err)
		}
	}
	ended := func(what string, sess identity.Session, d time.Duration) {
		t.Helper()
		at(d)
		_, _, err := s.Authenticate(ctx, sess.Token)
		if qms.KindOf(err) != qms.ErrUnauthenticated || !strings.Contains(err.Error(), "your session has ended") {
			t.Fatalf("%s at +%v: want the session ended, got %v", what, d, err)
		}
	}

	// Untouched since sign-in: alive at idle-1m, ended at idle+1m.
	a, b := login(), login()
	if !a.ExpiresAt.Equal(start.Add(maxAge)) {
		t.Fatalf("session expires at %v, want sign-in + %v = %v", a.ExpiresAt, maxAge, start.Add(maxAge))
	}
	alive("idle", a, idle-time.Minute)
	ended("idle", b, idle+time.Minute)

	// Idle counts from the last activity: used at +20m, the session lives
	// until +50m (alive at +49m, though 49 minutes after sign-in), and a use
	// at +49m carries it to +79m.
	d := login()
	alive("used at +20m", d, 20*time.Minute)
	alive("used at +20m", d, 20*time.Minute+idle-time.Minute)
	ended("last used at +49m", d, 20*time.Minute+idle-time.Minute+idle+time.Minute)

	// Absolute: used every 25 minutes, alive at SessionMax-1m, ended at
	// SessionMax+1m although last used 2 minutes before.
	e := login()
	for m := 25 * time.Minute; m < maxAge; m += 25 * time.Minute {
		alive("active", e, m)
	}
	alive("active", e, maxAge-time.Minute)
	ended("past SessionMax", e, maxAge+time.Minute)
}

// TestExternalSessionTimeBoundaries: a session opened through single
// sign-on keeps the same limits as a password sign-in, one minute either
// side: idle from its last activity, and SessionMax from sign-in however
// active it is.
func TestExternalSessionTimeBoundaries(t *testing.T) {
	db := testenv.DB(t)
	c := &clock{t: time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)}
	const idle, maxAge = 30 * time.Minute, 2 * time.Hour
	s := identity.NewService(postgres.NewIdentityStore(db), c.now, identity.Options{SessionIdle: idle, SessionMax: maxAge, LoginMaxFailures: 100, LoginWindow: time.Minute})
	ctx := context.Background()
	start := c.now()
	at := func(d time.Duration) { c.mu.Lock(); c.t = start.Add(d); c.mu.Unlock() }
	ext := identity.External{Issuer: "https://sso.example.org", Subject: "sub-1", Login: "sso.vp", Name: "B"}
	signIn := func() identity.Session {
		t.Helper()
		at(0)
		in, _, err := s.SignInExternal(ctx, ext, false)
		if err != nil || in.Session == nil {
			t.Fatalf("single sign-on: %+v %v", in, err)
		}
		return *in.Session
	}
	check := func(what string, sess identity.Session, d time.Duration, alive bool) {
		t.Helper()
		at(d)
		_, _, err := s.Authenticate(ctx, sess.Token)
		switch {
		case alive && err != nil:
			t.Fatalf("%s at +%v: refused: %v", what, d, err)
		case !alive && (qms.KindOf(err) != qms.ErrUnauthenticated || !strings.Contains(err.Error(), "your session has ended")):
			t.Fatalf("%s at +%v: want the session ended, got %v", what, d, err)
		}
	}

	a := signIn()
	if !a.ExpiresAt.Equal(start.Add(maxAge)) {
		t.Fatalf("session expires at %v, want sign-in + %v", a.ExpiresAt, maxAge)
	}
	check("idle", a, idle-time.Minute, true)
	check("idle", signIn(), idle+time.Minute, false)

	e := signIn()
	for m := 25 * time.Minute; m < maxAge; m += 25 * time.Minute {
		check("active", e, m, true)
	}
	check("active", e, maxAge-time.Minute, true)
	check("past SessionMax", e, maxAge+time.Minute, false)
}
