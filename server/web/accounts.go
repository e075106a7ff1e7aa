package web

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/pquerna/otp"

	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/qms"
)

// The accounts: changing one's password, the administrator's one-time
// password, the reset by e-mail link, the second factor, and the steps of
// a sign-in between the password and the session.

// challengeCookie holds a sign-in in progress (identity.Challenge): it is
// not a session, and lets its holder take only the step it waits for.
const challengeCookie = "qms_signin"

// challengeKey holds the live challenge of a request without a session.
const challengeKey = "qms.challenge"

// loadChallenge puts the live sign-in in progress of an anonymous request
// into the context, with its CSRF token; a dead one's cookie is cleared.
func (s *Server) loadChallenge(c *gin.Context) error {
	tok, err := c.Cookie(challengeCookie)
	if err != nil || tok == "" {
		return nil
	}
	ch, u, err := s.Identity.Challenge(c.Request.Context(), tok)
	if err != nil {
		if qms.KindOf(err) == qms.ErrUnauthenticated {
			s.clearChallengeCookie(c)
			return nil
		}
		return err
	}
	c.Set(challengeKey, signInStep{ch, u})
	c.Set("csrf", ch.CSRF)
	c.Set("login", u.Login)
	return nil
}

type signInStep struct {
	identity.Challenge
	User identity.User
}

// stepOf returns the sign-in in progress of the request, if any.
func stepOf(c *gin.Context) (signInStep, bool) {
	v, ok := c.Get(challengeKey)
	if !ok {
		return signInStep{}, false
	}
	st, ok := v.(signInStep)
	return st, ok
}

// stepPages is the page of each step of a sign-in.
var stepPages = map[string]string{
	identity.StepCode:     "/login/code",
	identity.StepPassword: "/account/password",
	identity.StepEnrol:    "/account/totp",
}

// refuseStep answers a request that needs a user from a sign-in that has a
// step to take: the API with the step's precise error, a page with the
// step's page.
func refuseStep(c *gin.Context, st signInStep) {
	if !isAPI(c) {
		c.Redirect(http.StatusSeeOther, stepPages[st.Step])
		c.Abort()
		return
	}
	fail(c, stepErr(st))
}

// stepErr is the API's refusal of a call from a sign-in at step st.
func stepErr(st signInStep) error {
	switch st.Step {
	case identity.StepPassword:
		return identity.ErrPasswordChangeRequired
	case identity.StepEnrol:
		return identity.ErrTOTPEnrolRequired
	}
	return identity.ErrCodeRequired
}

func (s *Server) setChallengeCookie(c *gin.Context, token string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: challengeCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secure(c), SameSite: http.SameSiteStrictMode, MaxAge: int(identity.ChallengeTTL.Seconds())})
}

func (s *Server) clearChallengeCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: challengeCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.secure(c), SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// signInJSON is the API's answer to a step of signing in: the user, the
// CSRF token of the session (or of the step), and the step still to take.
type signInJSON struct {
	User struct {
		ID    string `json:"id"`
		Login string `json:"login"`
		Name  string `json:"name"`
	} `json:"user"`
	CSRF string `json:"csrf_token"`
	// Step is "code", "password" or "enrol" while the sign-in is not a
	// session yet; empty once signed in.
	Step string `json:"step,omitempty"`
	// RecoveryCodes are shown once, when an enrolment ends the sign-in.
	RecoveryCodes []string `json:"recovery_codes,omitempty"`
}

// applySignIn sets the cookies of a step's outcome and returns its answer.
func (s *Server) applySignIn(c *gin.Context, r identity.SignIn) signInJSON {
	var out signInJSON
	out.User.ID, out.User.Login, out.User.Name = r.User.ID, r.User.Login, r.User.Name
	if r.Session != nil {
		s.setSessionCookie(c, r.Session.Token)
		s.clearChallengeCookie(c)
		out.CSRF = r.Session.CSRF
		return out
	}
	s.setChallengeCookie(c, r.Challenge.Token)
	out.CSRF, out.Step = r.Challenge.CSRF, r.Challenge.Step
	return out
}

// --- the API

// passwordChangeRequest is the body of POST /api/v1/me/password.
type passwordChangeRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

func (s *Server) handleAPIPasswordChange() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req passwordChangeRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		if st, ok := stepOf(c); ok && st.Step == identity.StepPassword {
			r, err := s.Identity.ChangeOneTimePassword(c.Request.Context(), st.Token, req.Current, req.New)
			if err != nil {
				return err
			}
			return reply(c, http.StatusOK, s.applySignIn(c, r))
		}
		if err := s.mustBeSignedIn(c); err != nil {
			return err
		}
		tok, _ := c.Cookie(sessionCookie)
		if actor(c).Via != "session" {
			tok = ""
		}
		if err := s.Identity.ChangePassword(c.Request.Context(), req.Current, req.New, tok); err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"ok": true})
	})
}

// mustBeSignedIn refuses a request without a user, as requireUser does.
func (s *Server) mustBeSignedIn(c *gin.Context) error {
	if _, ok := qms.ActorFrom(c.Request.Context()); ok {
		return nil
	}
	if st, ok := stepOf(c); ok {
		return stepErr(st)
	}
	return qms.Errorf(qms.ErrUnauthenticated, "sign in first")
}

// userPasswordResetRequest is the body of POST /api/v1/users/{id}/password-reset (it takes none).
type userPasswordResetRequest struct{}

func (s *Server) handleAPIUserPasswordReset() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req userPasswordResetRequest
		if err := decode(c, &req); err != nil {
			return err
		}
		if err := s.Org.MayManageUser(c.Request.Context(), c.Param("id")); err != nil {
			return err
		}
		pw, err := s.Identity.ResetPassword(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"one_time_password": pw})
	})
}

// resetAnswer is the one answer to a request for a reset link, whether the
// login exists or not.
const resetAnswer = "if the login exists and has an e-mail address, a link to reset its password has been sent to it"

// passwordResetRequest is the body of POST /api/v1/password-reset.
type passwordResetRequest struct {
	Login string `json:"login"`
}

func (s *Server) handleAPIPasswordReset() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req passwordResetRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		if err := s.Identity.RequestReset(c.Request.Context(), req.Login); err != nil {
			return err
		}
		return reply(c, http.StatusAccepted, gin.H{"ok": true, "message": resetAnswer})
	})
}

// resetConfirmRequest is the body of POST /api/v1/password-reset/confirm.
type resetConfirmRequest struct {
	Token string `json:"token"`
	New   string `json:"new"`
}

func (s *Server) handleAPIPasswordResetConfirm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req resetConfirmRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		if err := s.Identity.ConfirmReset(c.Request.Context(), req.Token, req.New); err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"ok": true})
	})
}

// enrolJSON is an enrolment begun: the secret, its otpauth:// URL and the
// QR code of the URL as a PNG data URL.
type enrolJSON struct {
	identity.Enrolment
	QR string `json:"qr_png"`
}

// enrolPage is an enrolment begun, for the page: the QR code's data URL is
// one the server made, so the template may put it in an img src.
type enrolPage struct {
	Secret string
	QR     template.URL
}

func enrolView(e identity.Enrolment, qr string) enrolPage {
	return enrolPage{Secret: e.Secret, QR: template.URL(qr)}
}

func qrOf(e identity.Enrolment) (string, error) {
	key, err := otp.NewKeyFromURL(e.URL)
	if err != nil {
		return "", err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// totpRequest begins an enrolment (password, or nothing at the enrolment
// step of a sign-in) or confirms it (code).
type totpRequest struct {
	Password string `json:"password"`
	Code     string `json:"code"`
}

// enrolFor is the user an enrolment request is for: the signed-in user
// (who gives their password to begin) or the sign-in at its enrolment step.
func (s *Server) enrolFor(c *gin.Context, req totpRequest) (string, *signInStep, error) {
	if a, ok := qms.ActorFrom(c.Request.Context()); ok {
		if req.Code == "" {
			if req.Password == "" {
				fe := qms.FieldErrors{}
				fe.Add("password", "enter the current password")
				return "", nil, fe.Err()
			}
			if err := s.Identity.CheckCurrentPassword(c.Request.Context(), a.UserID, req.Password); err != nil {
				return "", nil, err
			}
		}
		return a.UserID, nil, nil
	}
	if st, ok := stepOf(c); ok && st.Step == identity.StepEnrol {
		return st.UserID, &st, nil
	}
	return "", nil, qms.Errorf(qms.ErrUnauthenticated, "sign in first")
}

func (s *Server) handleAPITOTPEnrol() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req totpRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		if st, ok := stepOf(c); ok && st.Step != identity.StepEnrol {
			return stepErr(st)
		}
		userID, st, err := s.enrolFor(c, req)
		if err != nil {
			return err
		}
		ctx := c.Request.Context()
		if req.Code == "" {
			e, err := s.Identity.BeginTOTP(ctx, userID)
			if err != nil {
				return err
			}
			qr, err := qrOf(e)
			if err != nil {
				return err
			}
			return reply(c, http.StatusOK, enrolJSON{Enrolment: e, QR: qr})
		}
		if st != nil {
			r, codes, err := s.Identity.ConfirmEnrolment(ctx, st.Token, req.Code)
			if err != nil {
				return err
			}
			out := s.applySignIn(c, r)
			out.RecoveryCodes = codes
			return reply(c, http.StatusOK, out)
		}
		codes, err := s.Identity.ConfirmTOTP(ctx, userID, req.Code)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"recovery_codes": codes})
	})
}

// totpRemoveRequest is the body of DELETE /api/v1/me/totp.
type totpRemoveRequest struct {
	Password string `json:"password"`
}

func (s *Server) handleAPITOTPRemove() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req totpRemoveRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		if err := s.Identity.RemoveTOTP(c.Request.Context(), req.Password); err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"ok": true})
	})
}

func (s *Server) handleAPITOTPStatus() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		st, err := s.Identity.TOTPStatusOf(c.Request.Context(), actor(c).UserID)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, st)
	})
}

// --- the pages

// fieldErr returns the message of field in err, in the reader's language.
func (s *Server) fieldErr(c *gin.Context, err error, field string) string {
	var ve *qms.ValidationError
	if !errors.As(err, &ve) {
		return ""
	}
	m, ok := ve.Fields[field]
	if !ok {
		return ""
	}
	return s.Catalog.Msg(c.GetString("lang"), m)
}

// formRefusal shows the page again with err: the fields' problems beside
// them, anything else at the top; internal errors go to the error page.
func (s *Server) formRefusal(c *gin.Context, tmpl, title string, data gin.H, err error, fields ...string) error {
	status, _ := statusOf(err)
	if status == http.StatusInternalServerError {
		return err
	}
	errs := map[string]string{}
	for _, f := range fields {
		if m := s.fieldErr(c, err, f); m != "" {
			errs[f] = m
		}
	}
	data["Errors"] = errs
	p := s.page(c, title, data)
	if len(errs) == 0 {
		p.Error = s.errorText(c, err)
	}
	s.render(c, status, tmpl, p)
	return nil
}

func (s *Server) handleLoginCodePage() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		st, ok := stepOf(c)
		if !ok || st.Step != identity.StepCode {
			c.Redirect(http.StatusSeeOther, "/login")
			return nil
		}
		s.render(c, http.StatusOK, "accounts/code.html", s.page(c, "accounts.code.title", gin.H{"Errors": map[string]string{}}))
		return nil
	})
}

func (s *Server) handleLoginCodeForm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		st, ok := stepOf(c)
		if !ok || st.Step != identity.StepCode {
			c.Redirect(http.StatusSeeOther, "/login")
			return nil
		}
		r, err := s.Identity.SubmitCode(c.Request.Context(), st.Token, c.PostForm("code"))
		if err != nil {
			return s.formRefusal(c, "accounts/code.html", "accounts.code.title", gin.H{}, err)
		}
		s.applySignIn(c, r)
		return s.afterSignIn(c, r)
	})
}

// afterSignIn sends a browser to the next step, or home.
func (s *Server) afterSignIn(c *gin.Context, r identity.SignIn) error {
	if r.Session == nil {
		c.Redirect(http.StatusSeeOther, stepPages[r.Challenge.Step])
		return nil
	}
	c.Redirect(http.StatusSeeOther, "/")
	return nil
}

func (s *Server) accountPassword(c *gin.Context) (gin.H, bool) {
	if _, ok := qms.ActorFrom(c.Request.Context()); ok {
		return gin.H{"OneTime": false}, true
	}
	if st, ok := stepOf(c); ok && st.Step == identity.StepPassword {
		return gin.H{"OneTime": true, "Login": st.User.Login}, true
	}
	return nil, false
}

func (s *Server) handlePasswordPage() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		data, ok := s.accountPassword(c)
		if !ok {
			return s.mustBeSignedInPage(c)
		}
		data["Errors"] = map[string]string{}
		s.render(c, http.StatusOK, "accounts/password.html", s.page(c, "accounts.password.title", data))
		return nil
	})
}

// mustBeSignedInPage sends a browser without a user to its step or to the
// sign-in page.
func (s *Server) mustBeSignedInPage(c *gin.Context) error {
	if st, ok := stepOf(c); ok {
		refuseStep(c, st)
		return nil
	}
	return qms.Errorf(qms.ErrUnauthenticated, "sign in first")
}

func (s *Server) handlePasswordForm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		data, ok := s.accountPassword(c)
		if !ok {
			return s.mustBeSignedInPage(c)
		}
		cur, nw := c.PostForm("current"), c.PostForm("new")
		if nw != c.PostForm("confirm") {
			data["Errors"] = map[string]string{"confirm": s.T(c, "accounts.password.mismatch")}
			s.render(c, http.StatusBadRequest, "accounts/password.html", s.page(c, "accounts.password.title", data))
			return nil
		}
		if st, ok := stepOf(c); ok && data["OneTime"] == true {
			r, err := s.Identity.ChangeOneTimePassword(c.Request.Context(), st.Token, cur, nw)
			if err != nil {
				return s.formRefusal(c, "accounts/password.html", "accounts.password.title", data, err, "current", "new")
			}
			s.applySignIn(c, r)
			return s.afterSignIn(c, r)
		}
		tok, _ := c.Cookie(sessionCookie)
		if err := s.Identity.ChangePassword(c.Request.Context(), cur, nw, tok); err != nil {
			return s.formRefusal(c, "accounts/password.html", "accounts.password.title", data, err, "current", "new")
		}
		return redirectFlash(c, "/account", "accounts.password.changed")
	})
}

func (s *Server) handleForgotPage() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		s.render(c, http.StatusOK, "accounts/forgot.html", s.page(c, "accounts.forgot.title", gin.H{"Sent": false, "Errors": map[string]string{}}))
		return nil
	})
}

func (s *Server) handleForgotForm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		if err := s.Identity.RequestReset(c.Request.Context(), c.PostForm("login")); err != nil {
			return s.formRefusal(c, "accounts/forgot.html", "accounts.forgot.title", gin.H{"Sent": false}, err, "login")
		}
		s.render(c, http.StatusOK, "accounts/forgot.html", s.page(c, "accounts.forgot.title", gin.H{"Sent": true}))
		return nil
	})
}

func (s *Server) handleResetPage() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		// The token stays out of the address bar's history and of any
		// Referer: the page carries it in its form.
		c.Header("Referrer-Policy", "no-referrer")
		s.render(c, http.StatusOK, "accounts/reset.html", s.page(c, "accounts.reset.title", gin.H{"Token": c.Query("token"), "Errors": map[string]string{}}))
		return nil
	})
}

func (s *Server) handleResetForm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		c.Header("Referrer-Policy", "no-referrer")
		tok, nw := c.PostForm("token"), c.PostForm("new")
		data := gin.H{"Token": tok}
		if nw != c.PostForm("confirm") {
			data["Errors"] = map[string]string{"confirm": s.T(c, "accounts.password.mismatch")}
			s.render(c, http.StatusBadRequest, "accounts/reset.html", s.page(c, "accounts.reset.title", data))
			return nil
		}
		if err := s.Identity.ConfirmReset(c.Request.Context(), tok, nw); err != nil {
			return s.formRefusal(c, "accounts/reset.html", "accounts.reset.title", data, err, "new")
		}
		return redirectFlash(c, "/login", "accounts.reset.done")
	})
}

// totpPageData is what the enrolment page shows.
func (s *Server) totpPageData(c *gin.Context) (gin.H, string, error) {
	userID := ""
	step := false
	if a, ok := qms.ActorFrom(c.Request.Context()); ok {
		userID = a.UserID
	} else if st, ok := stepOf(c); ok && st.Step == identity.StepEnrol {
		userID, step = st.UserID, true
	}
	if userID == "" {
		return nil, "", nil
	}
	status, err := s.Identity.TOTPStatusOf(c.Request.Context(), userID)
	if err != nil {
		return nil, "", err
	}
	return gin.H{"Status": status, "AtSignIn": step, "Errors": map[string]string{}}, userID, nil
}

func (s *Server) handleTOTPPage() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		data, _, err := s.totpPageData(c)
		if err != nil {
			return err
		}
		if data == nil {
			return s.mustBeSignedInPage(c)
		}
		s.render(c, http.StatusOK, "accounts/totp.html", s.page(c, "accounts.totp.title", data))
		return nil
	})
}

// handleTOTPForm: op begin (password, or nothing at sign-in), confirm
// (code), remove (password).
func (s *Server) handleTOTPForm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		data, userID, err := s.totpPageData(c)
		if err != nil {
			return err
		}
		if data == nil {
			return s.mustBeSignedInPage(c)
		}
		ctx := c.Request.Context()
		refused := func(err error) error {
			return s.formRefusal(c, "accounts/totp.html", "accounts.totp.title", data, err, "password", "current", "code")
		}
		switch c.PostForm("op") {
		case "begin":
			req := totpRequest{Password: c.PostForm("password")}
			if _, _, err := s.enrolFor(c, req); err != nil {
				return refused(err)
			}
			e, err := s.Identity.BeginTOTP(ctx, userID)
			if err != nil {
				return refused(err)
			}
			qr, err := qrOf(e)
			if err != nil {
				return err
			}
			data["Enrolment"] = enrolView(e, qr)
			s.render(c, http.StatusOK, "accounts/totp.html", s.page(c, "accounts.totp.title", data))
			return nil
		case "confirm":
			var codes []string
			var r identity.SignIn
			if st, ok := stepOf(c); ok && data["AtSignIn"] == true {
				r, codes, err = s.Identity.ConfirmEnrolment(ctx, st.Token, c.PostForm("code"))
				if err == nil {
					s.applySignIn(c, r)
				}
			} else {
				codes, err = s.Identity.ConfirmTOTP(ctx, userID, c.PostForm("code"))
			}
			if err != nil {
				if e, perr := s.Identity.PendingTOTP(ctx, userID); perr == nil {
					if qr, qerr := qrOf(e); qerr == nil {
						data["Enrolment"] = enrolView(e, qr)
					}
				}
				return refused(err)
			}
			data["RecoveryCodes"] = codes
			if st, err := s.Identity.TOTPStatusOf(ctx, userID); err == nil {
				data["Status"] = st
			}
			if r.Session != nil {
				// Signed in now: the page is shown as to the user.
				data["AtSignIn"] = false
				data["SignedIn"] = true
			}
			s.render(c, http.StatusOK, "accounts/totp.html", s.page(c, "accounts.totp.title", data))
			return nil
		case "remove":
			if err := s.Identity.RemoveTOTP(ctx, c.PostForm("password")); err != nil {
				return refused(err)
			}
			return redirectFlash(c, "/account/totp", "accounts.totp.removed")
		}
		return refused(qms.Errorf(qms.ErrInvalid, "unknown operation %q", c.PostForm("op")))
	})
}

// handleAdminPasswordResetForm shows the administrator the one-time
// password, once.
func (s *Server) handleAdminPasswordResetForm() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		ctx := c.Request.Context()
		id := c.Param("id")
		err := s.Org.MayManageUser(ctx, id)
		pw := ""
		if err == nil {
			pw, err = s.Identity.ResetPassword(ctx, id)
		}
		if err != nil {
			return s.adminFormResult(c, "admin/users.html", "admin.users.title", err, "")
		}
		u, err := s.Identity.User(ctx, id)
		if err != nil {
			return err
		}
		data, err := s.adminData(c)
		if err != nil {
			return err
		}
		data["OneTime"] = gin.H{"Login": u.Login, "Password": pw}
		s.render(c, http.StatusOK, "admin/users.html", s.page(c, "admin.users.title", data))
		return nil
	})
}

// signInPaths sign in or out afresh, or reset a forgotten password: a
// sign-in in progress does not stand in their way.
var signInPaths = map[string]bool{"/login": true, "/api/v1/login": true, "/logout": true, "/api/v1/logout": true, "/lang": true,
	"/password-reset": true, "/password-reset/confirm": true, "/api/v1/password-reset": true, "/api/v1/password-reset/confirm": true}
