package web

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/qms"
)

func handleHealthz() gin.HandlerFunc {
	return func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }
}

// handleReadyz answers 200 only when every dependency answers.
func (s *Server) handleReadyz() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
		defer cancel()
		out := gin.H{}
		ok := true
		for _, r := range s.Ready {
			if err := r.Check(ctx); err != nil {
				out[r.Name] = readyState(err)
				ok = false
			} else {
				out[r.Name] = "ok"
			}
		}
		status := http.StatusOK
		if !ok {
			status = http.StatusServiceUnavailable
		}
		return reply(c, status, s.withObjects(ctx, gin.H{"ready": ok, "checks": out}))
	})
}

type meRole struct {
	Role string `json:"role"`
	Unit string `json:"unit"`
}

func (s *Server) rolesOf(ctx context.Context, userID string) ([]meRole, error) {
	as, err := s.Org.Assignments(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]meRole, 0, len(as))
	for _, a := range as {
		out = append(out, meRole{Role: a.Role, Unit: a.Unit})
	}
	return out, nil
}

// handleAPILogin signs in with login and password, and the code of a
// second factor when the user has one; a sign-in in progress (its cookie)
// takes its code step with the code alone. The answer names the step still
// to take, if any.
// loginRequest is the body of POST /api/v1/login.
type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	Code     string `json:"code"`
}

func (s *Server) handleAPILogin() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req loginRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		ctx := c.Request.Context()
		var r identity.SignIn
		var err error
		if st, ok := stepOf(c); ok && st.Step == identity.StepCode && req.Login == "" && req.Password == "" {
			r, err = s.Identity.SubmitCode(ctx, st.Token, req.Code)
		} else {
			r, err = s.Identity.SignIn(ctx, req.Login, req.Password, req.Code)
		}
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, s.applySignIn(c, r))
	})
}

func (s *Server) handleAPILogout() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		if tok, err := c.Cookie(sessionCookie); err == nil {
			if err := s.Identity.Logout(c.Request.Context(), tok); err != nil {
				return err
			}
		}
		if tok, err := c.Cookie(challengeCookie); err == nil {
			if err := s.Identity.CancelChallenge(c.Request.Context(), tok); err != nil {
				return err
			}
		}
		s.clearSessionCookie(c)
		s.clearChallengeCookie(c)
		return reply(c, http.StatusOK, gin.H{"ok": true})
	})
}

// meResponse is the answer of GET /api/v1/me.
type meResponse struct {
	ID    string   `json:"id"`
	Login string   `json:"login"`
	Name  string   `json:"name"`
	Lang  string   `json:"lang"`
	Roles []meRole `json:"roles"`
	CSRF  string   `json:"csrf_token,omitempty"`
}

func (s *Server) handleMe() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		a := actor(c)
		roles, err := s.rolesOf(c.Request.Context(), a.UserID)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, meResponse{ID: a.UserID, Login: a.Login, Name: a.Name, Lang: a.Lang, Roles: roles, CSRF: c.GetString("csrf")})
	})
}

// tokenCreateRequest is the body of POST /api/v1/tokens.
type tokenCreateRequest struct {
	Name string `json:"name"`
}

func (s *Server) handleTokenCreate() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req tokenCreateRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		secret, t, err := s.Identity.CreateToken(c.Request.Context(), req.Name)
		if err != nil {
			return err
		}
		return reply(c, http.StatusCreated, gin.H{"token": secret, "id": t.ID, "name": t.Name})
	})
}

func (s *Server) handleTokenList() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		ts, err := s.Identity.ListTokens(c.Request.Context())
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": ts})
	})
}

func (s *Server) handleTokenRevoke() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		if err := s.Identity.RevokeToken(c.Request.Context(), c.Param("id")); err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"ok": true})
	})
}

// tasksFor gathers the home-page tasks from every capability.
func (s *Server) tasksFor(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
	s.mu.Lock()
	srcs := append([]TaskSource(nil), s.tasks...)
	s.mu.Unlock()
	out := []qms.Task{}
	for _, src := range srcs {
		ts, err := src(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Overdue != out[j].Overdue {
			return out[i].Overdue
		}
		if out[i].Due == nil || out[j].Due == nil {
			return out[i].Due != nil
		}
		return out[i].Due.Before(*out[j].Due)
	})
	return out, nil
}

func (s *Server) handleTasks() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		a := actor(c)
		a.Lang = c.GetString("lang")
		ts, err := s.tasksFor(c.Request.Context(), a)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": ts})
	})
}

func (s *Server) handleNotifications() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		ns, err := s.Notifications.List(c.Request.Context(), actor(c).UserID, 100)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": ns})
	})
}

func (s *Server) handleNotificationRead() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		if err := s.Notifications.MarkRead(c.Request.Context(), actor(c).UserID, c.Param("id")); err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"ok": true})
	})
}

// langRequest is the body of PUT /api/v1/me/lang.
type langRequest struct {
	Lang string `json:"lang" enum:"vi,en"`
}

func (s *Server) handleSetLangAPI() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req langRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		if _, err := s.Identity.UpdateUser(c.Request.Context(), actor(c).UserID, identity.UserUpdate{Lang: &req.Lang}); err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"lang": req.Lang})
	})
}

// handleSetLang switches the UI language: remembered on the user when signed
// in, in a cookie otherwise.
func (s *Server) handleSetLang() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		lang := c.PostForm("lang")
		if lang != "en" {
			lang = "vi"
		}
		if a, ok := qms.ActorFrom(c.Request.Context()); ok {
			if _, err := s.Identity.UpdateUser(c.Request.Context(), a.UserID, identity.UserUpdate{Lang: &lang}); err != nil {
				return err
			}
		}
		http.SetCookie(c.Writer, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, Secure: s.secure(c)})
		back := c.PostForm("next")
		c.Redirect(http.StatusSeeOther, localPath(back))
		return nil
	})
}

func (s *Server) handleLoginPage() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		if _, ok := qms.ActorFrom(c.Request.Context()); ok {
			c.Redirect(http.StatusSeeOther, "/")
			return nil
		}
		p := s.page(c, "login.title", gin.H{"Next": c.Query("next"), "SSO": s.OIDC.Issuer != ""})
		s.render(c, http.StatusOK, "login.html", p)
		return nil
	})
}

func (s *Server) handleLoginForm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		r, err := s.Identity.SignIn(c.Request.Context(), c.PostForm("login"), c.PostForm("password"), "")
		if err != nil {
			status, _ := statusOf(err)
			if status == http.StatusInternalServerError {
				return err
			}
			p := s.page(c, "login.title", gin.H{"Next": c.PostForm("next"), "Login": c.PostForm("login"), "SSO": s.OIDC.Issuer != ""})
			if status == http.StatusTooManyRequests {
				p.Error = s.T(c, "login.throttled")
			} else if errors.Is(err, identity.ErrPasswordLoginOff) {
				p.Error = s.errorText(c, err)
			} else {
				p.Error = s.T(c, "login.wrong")
			}
			s.render(c, status, "login.html", p)
			return nil
		}
		u := r.User
		s.applySignIn(c, r)
		// A language chosen on the login page becomes the user's preference.
		if lang, _ := c.Cookie(langCookie); (lang == "vi" || lang == "en") && lang != u.Lang {
			ctx := qms.WithActor(c.Request.Context(), qms.Actor{UserID: u.ID, Login: u.Login, Name: u.Name})
			if _, err := s.Identity.UpdateUser(ctx, u.ID, identity.UserUpdate{Lang: &lang}); err != nil {
				return err
			}
		}
		if r.Session == nil {
			return s.afterSignIn(c, r)
		}
		next := c.PostForm("next")
		c.Redirect(http.StatusSeeOther, localPath(next))
		return nil
	})
}

func (s *Server) handleLogoutForm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		if tok, err := c.Cookie(sessionCookie); err == nil {
			_ = s.Identity.Logout(c.Request.Context(), tok)
		}
		if tok, err := c.Cookie(challengeCookie); err == nil {
			_ = s.Identity.CancelChallenge(c.Request.Context(), tok)
		}
		s.clearSessionCookie(c)
		s.clearChallengeCookie(c)
		c.Redirect(http.StatusSeeOther, "/login")
		return nil
	})
}

func (s *Server) handleHome() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		a := actor(c)
		a.Lang = c.GetString("lang")
		ts, err := s.tasksFor(c.Request.Context(), a)
		if err != nil {
			return err
		}
		ns, err := s.Notifications.List(c.Request.Context(), a.UserID, 20)
		if err != nil {
			return err
		}
		roles, err := s.rolesOf(c.Request.Context(), a.UserID)
		if err != nil {
			return err
		}
		s.render(c, http.StatusOK, "home.html", s.page(c, "home.title", gin.H{"Tasks": ts, "Groups": groupTasks(ts, s.taskKindLabel(a.Lang)), "Notifications": ns, "Roles": roles}))
		return nil
	})
}

func (s *Server) handleAccountPage() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		return s.renderAccount(c, "", "", nil)
	})
}

// renderAccount shows the account page, with a token or feed address just
// made (shown this once) and the error of the form just sent, if any.
func (s *Server) renderAccount(c *gin.Context, newToken, newFeed string, formErr error) error {
	ts, err := s.Identity.ListTokens(c.Request.Context())
	if err != nil {
		return err
	}
	roles, err := s.rolesOf(c.Request.Context(), actor(c).UserID)
	if err != nil {
		return err
	}
	fs, err := s.Feed.Status(c.Request.Context())
	if err != nil {
		return err
	}
	p := s.page(c, "account.title", gin.H{"Tokens": ts, "Roles": roles, "NewToken": newToken, "Feed": fs, "NewFeed": newFeed})
	status := http.StatusOK
	if formErr != nil {
		status, _ = statusOf(formErr)
		p.Error = s.errorText(c, formErr)
	}
	s.render(c, status, "account.html", p)
	return nil
}

func (s *Server) handleAccountTokenForm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		secret, _, err := s.Identity.CreateToken(c.Request.Context(), c.PostForm("name"))
		return s.renderAccount(c, secret, "", err)
	})
}
