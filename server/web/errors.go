package web

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/qms"
)

// statusOf is the one table from error kinds to HTTP statuses and the codes
// of the JSON error body.
func statusOf(err error) (int, string) {
	if isMethodNotAllowed(err) {
		return http.StatusMethodNotAllowed, "method_not_allowed"
	}
	// The steps of a sign-in have codes of their own, so a program knows
	// which step to take.
	switch {
	case errors.Is(err, identity.ErrPasswordChangeRequired):
		return http.StatusForbidden, "password_change_required"
	case errors.Is(err, identity.ErrTOTPEnrolRequired):
		return http.StatusForbidden, "totp_enrolment_required"
	case errors.Is(err, identity.ErrCodeRequired):
		return http.StatusUnauthorized, "totp_code_required"
	}
	switch qms.KindOf(err) {
	case qms.ErrTooManyRequests:
		return http.StatusTooManyRequests, "too_many_requests"
	case qms.ErrUnauthenticated:
		return http.StatusUnauthorized, "unauthenticated"
	case qms.ErrForbidden:
		return http.StatusForbidden, "forbidden"
	case qms.ErrNotFound:
		return http.StatusNotFound, "not_found"
	case qms.ErrInvalid:
		return http.StatusBadRequest, "invalid"
	case qms.ErrConflict:
		return http.StatusConflict, "conflict"
	case qms.ErrState:
		return http.StatusConflict, "state"
	case qms.ErrTooLarge:
		return http.StatusRequestEntityTooLarge, "too_large"
	case qms.ErrUnavailable:
		return http.StatusServiceUnavailable, "unavailable"
	case qms.ErrStorageFull:
		return http.StatusInsufficientStorage, "storage_full"
	}
	return http.StatusInternalServerError, "internal"
}

// RetryAfter is what a 503 answer asks the client to wait before trying
// again: about the time a restarting database or object store takes to
// answer again, and short enough that a person retrying by hand is not
// kept waiting.
const RetryAfter = 5 * time.Second

// outage gives an error that no adapter classified the kind of the outage it
// reports: the database shutting down, starting, refusing connections or
// with the connection lost (SQLSTATE class 08, 57P01-57P03, 53300, a refused
// or failed dial, a connection reset or cut mid-answer, a connection the
// driver found broken) is ErrUnavailable,
// so the answer is 503 with Retry-After and a message saying what is down
// rather than "internal error". The object store's outages are classified
// where its calls are made (package blob), with their own messages. The
// driver's error is recognised by its SQLSTATE method, so this package
// imports no database adapter.
func outage(err error) error {
	if err == nil || qms.KindOf(err) != nil {
		return err
	}
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		switch code := st.SQLState(); {
		case code == "57P01", code == "57P02", code == "57P03", code == "53300", strings.HasPrefix(code, "08"):
			return qms.Wrap(qms.ErrUnavailable, err, "the database is unavailable; try again in a few seconds")
		}
		return err
	}
	var op *net.OpError
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) ||
		(errors.As(err, &op) && op.Op == "dial") {
		return qms.Wrap(qms.ErrUnavailable, err, "the database is unavailable; try again in a few seconds")
	}
	return err
}

// ErrorBody is the JSON body of every API error.
type ErrorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
	} `json:"error"`
}

func isAPI(c *gin.Context) bool {
	p := c.Request.URL.Path
	return strings.HasPrefix(p, "/api/") || c.GetHeader("Accept") == "application/json"
}

// errors writes the response for the first error a handler recorded with
// c.Error: JSON for the API, a page for HTML. Unknown errors are logged with
// the request id and answered 500 without detail.
func (s *Server) errors(c *gin.Context) {
	c.Next()
	if len(c.Errors) == 0 {
		return
	}
	err := outage(c.Errors[0].Err)
	status, code := statusOf(err)
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", strconv.Itoa(int(RetryAfter/time.Second)))
	}
	if status == http.StatusServiceUnavailable || status == http.StatusInsufficientStorage {
		// The operator needs the cause the person is not shown.
		s.Log.Warn("request failed: a dependency is unavailable or full", "request_id", c.GetString("request_id"),
			"path", c.Request.URL.Path, "status", status, "err", err)
	}
	// The API speaks English unless asked for Vietnamese (Accept-Language),
	// so programs get a stable wording; pages speak the reader's language.
	api := isAPI(c)
	lang := c.GetString("lang")
	if api {
		lang = apiLang(c)
	}
	tr := s.translator(lang)
	msg := qms.Message(err)
	if tr != nil || (!api && errors.As(err, new(*qms.ValidationError))) {
		msg = s.errorTextLang(lang, err)
	}
	if status == http.StatusInternalServerError {
		s.Log.Error("request failed", "request_id", c.GetString("request_id"), "path", c.Request.URL.Path, "err", err)
		msg = s.errorfLang(lang, "internal error (request %s)", c.GetString("request_id"))
	}
	if c.Writer.Written() {
		return
	}
	if api {
		var body ErrorBody
		body.Error.Code, body.Error.Message = code, msg
		var ve *qms.ValidationError
		if errors.As(err, &ve) {
			body.Error.Fields = qms.LocalizeFields(ve.Fields, tr)
		}
		c.AbortWithStatusJSON(status, body)
		return
	}
	if status == http.StatusUnauthorized {
		c.Redirect(http.StatusSeeOther, "/login?next="+safeNext(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	s.renderError(c, status, code, msg)
	c.Abort()
}

// fail records err for the error middleware.
func fail(c *gin.Context, err error) {
	_ = c.Error(err)
	c.Abort()
}
