package web

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/qms"
)

// OIDC is the single sign-on setting (config: QMS_OIDC_*); off when
// Issuer is "". The protocol is OpenID Connect's authorization code flow
// with PKCE, a state bound to the browser by a cookie and kept once in the
// database, and a nonce the ID token must carry; go-oidc checks the ID
// token's signature (the provider's published keys), issuer, audience
// (our client id) and expiry.
type OIDC struct {
	Issuer, ClientID, ClientSecret string
	Scopes                         []string
	ClaimLogin, ClaimName          string
	ClaimEmail, ClaimRoles         string
	LinkByLogin                    bool
}

// oidcCookie holds the state of the sign-in in progress, for the callback
// to prove it comes back to the browser that left (login CSRF).
const oidcCookie = "qms_oidc"

// oidcClient is the provider, discovered at the first sign-in (not at
// start: the provider being down must not keep qmstrack from serving
// passwords) and again after a failed discovery.
type oidcClient struct {
	mu       sync.Mutex
	provider *oidc.Provider
}

func (s *Server) oidcProvider(ctx context.Context) (*oidc.Provider, error) {
	s.oidc.mu.Lock()
	defer s.oidc.mu.Unlock()
	if s.oidc.provider != nil {
		return s.oidc.provider, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, s.OIDC.Issuer)
	if err != nil {
		return nil, qms.Wrap(qms.ErrUnavailable, err, "the identity provider cannot be reached; try again or sign in with your password")
	}
	s.oidc.provider = p
	return p, nil
}

func (s *Server) oauth2Config(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: s.OIDC.ClientID, ClientSecret: s.OIDC.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: strings.TrimRight(s.BaseURL, "/") + "/auth/oidc/callback", Scopes: s.OIDC.Scopes}
}

// oidcRoutes registers the sign-in through the provider, when it is set.
func (s *Server) oidcRoutes() {
	if s.OIDC.Issuer == "" {
		return
	}
	s.engine.GET("/auth/oidc/login", s.handleOIDCLogin())
	s.engine.GET("/auth/oidc/callback", s.handleOIDCCallback())
}

// handleOIDCLogin sends the browser to the provider.
func (s *Server) handleOIDCLogin() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		p, err := s.oidcProvider(ctx)
		if err != nil {
			s.oidcRefuse(c, err)
			return
		}
		l, err := s.Identity.BeginExternal(ctx, localPath(c.Query("next")))
		if err != nil {
			s.oidcRefuse(c, err)
			return
		}
		http.SetCookie(c.Writer, &http.Cookie{Name: oidcCookie, Value: l.State, Path: "/auth/oidc", HttpOnly: true,
			Secure: s.secure(c), SameSite: http.SameSiteLaxMode, MaxAge: int(identity.ExternalLoginTTL.Seconds())})
		c.Redirect(http.StatusFound, s.oauth2Config(p).AuthCodeURL(l.State, oidc.Nonce(l.Nonce), oauth2.S256ChallengeOption(l.Verifier)))
	}
}

// errOIDCRefused is what a person is told of a callback that does not
// hold: the details go to the log, not to the page.
var errOIDCRefused = qms.Errorf(qms.ErrUnauthenticated, "the identity provider's answer could not be verified; sign in again")

// handleOIDCCallback takes the provider's answer: the state (the cookie's,
// once), the code exchanged with the PKCE verifier, the ID token verified
// and its nonce matched; then the person is signed in.
func (s *Server) handleOIDCCallback() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		http.SetCookie(c.Writer, &http.Cookie{Name: oidcCookie, Value: "", Path: "/auth/oidc", HttpOnly: true,
			Secure: s.secure(c), SameSite: http.SameSiteLaxMode, MaxAge: -1})
		if e := c.Query("error"); e != "" {
			s.Log.Info("single sign-on refused by the provider", "error", oneLine(e, 100), "description", oneLine(c.Query("error_description"), 200))
			s.oidcRefuse(c, qms.Errorf(qms.ErrUnauthenticated, "the identity provider did not sign you in"))
			return
		}
		state := c.Query("state")
		cookie, _ := c.Cookie(oidcCookie)
		l, err := s.Identity.TakeExternal(ctx, state)
		if err != nil {
			s.oidcRefuse(c, err)
			return
		}
		if cookie == "" || subtle.ConstantTimeCompare([]byte(cookie), []byte(state)) != 1 {
			s.Log.Info("single sign-on callback without its browser's state cookie")
			s.oidcRefuse(c, qms.Errorf(qms.ErrUnauthenticated, "this single sign-on attempt is not valid or has expired; sign in again"))
			return
		}
		ext, err := s.oidcVerify(ctx, c.Query("code"), l)
		if err != nil {
			s.Log.Info("single sign-on answer refused", "err", err)
			s.oidcRefuse(c, errOIDCRefused)
			return
		}
		r, created, err := s.Identity.SignInExternal(ctx, ext.External, s.OIDC.LinkByLogin)
		if err != nil {
			s.oidcRefuse(c, err)
			return
		}
		if created {
			s.oidcGrant(ctx, r.User, ext.Roles)
		}
		s.applySignIn(c, r)
		c.Redirect(http.StatusSeeOther, localPath(l.Next))
	}
}

type oidcIdentity struct {
	identity.External
	Roles []string
}

// oidcVerify exchanges the code and verifies the ID token it brings.
func (s *Server) oidcVerify(ctx context.Context, code string, l identity.ExternalLogin) (oidcIdentity, error) {
	if code == "" {
		return oidcIdentity{}, fmt.Errorf("no code")
	}
	p, err := s.oidcProvider(ctx)
	if err != nil {
		return oidcIdentity{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	tok, err := s.oauth2Config(p).Exchange(ctx, code, oauth2.VerifierOption(l.Verifier))
	if err != nil {
		return oidcIdentity{}, fmt.Errorf("code exchange: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return oidcIdentity{}, fmt.Errorf("no id_token in the token response")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: s.OIDC.ClientID, Now: s.oidcNow}).Verify(ctx, raw)
	if err != nil {
		return oidcIdentity{}, fmt.Errorf("id token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(l.Nonce)) != 1 {
		return oidcIdentity{}, fmt.Errorf("id token: the nonce is not this sign-in's")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return oidcIdentity{}, fmt.Errorf("id token claims: %w", err)
	}
	str := func(name string) string {
		v, _ := claims[name].(string)
		return v
	}
	out := oidcIdentity{External: identity.External{Issuer: idt.Issuer, Subject: idt.Subject,
		Login: str(s.OIDC.ClaimLogin), Name: str(s.OIDC.ClaimName), Email: str(s.OIDC.ClaimEmail)}}
	if s.OIDC.ClaimRoles != "" {
		switch v := claims[s.OIDC.ClaimRoles].(type) {
		case []any:
			for _, x := range v {
				if r, ok := x.(string); ok {
					out.Roles = append(out.Roles, r)
				}
			}
		case string:
			out.Roles = strings.Fields(strings.ReplaceAll(v, ",", " "))
		}
	}
	return out, nil
}

// oidcNow is the clock the ID token's expiry is checked by.
func (s *Server) oidcNow() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// oidcGrant gives a person signing in for the first time the roles the
// provider's claim lists as "role:unit" (unit a code or "*"); a role or
// unit qmstrack does not know is skipped and logged. Later sign-ins grant
// nothing: from then on the administrators keep the person's roles.
func (s *Server) oidcGrant(ctx context.Context, u identity.User, grants []string) {
	for _, g := range grants {
		role, unit, ok := strings.Cut(strings.TrimSpace(g), ":")
		if !ok || role == "" || unit == "" {
			s.Log.Info("single sign-on: a role grant that is not role:unit skipped", "user", u.Login, "grant", oneLine(g, 100))
			continue
		}
		if err := s.Org.Assign(ctx, org.Assignment{UserID: u.ID, Login: u.Login, Role: role, Unit: unit}); err != nil {
			s.Log.Info("single sign-on: a role grant skipped", "user", u.Login, "grant", oneLine(g, 100), "err", err)
		}
	}
}

// oidcRefuse shows the sign-in page with why the sign-in through the
// provider did not happen.
func (s *Server) oidcRefuse(c *gin.Context, err error) {
	status, _ := statusOf(err)
	if status == http.StatusInternalServerError {
		s.Log.Error("single sign-on failed", "err", err)
	}
	p := s.page(c, "login.title", gin.H{"Next": "", "SSO": true})
	p.Error = s.errorText(c, err)
	s.render(c, status, "login.html", p)
}
