package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
)

// statusOf is the one table from error kinds to HTTP statuses and the codes
// of the JSON error body.
func statusOf(err error) (int, string) {
	if isMethodNotAllowed(err) {
		return http.StatusMethodNotAllowed, "method_not_allowed"
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
	}
	return http.StatusInternalServerError, "internal"
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
	err := c.Errors[0].Err
	status, code := statusOf(err)
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
