package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
)

// handlerFunc is how every handler of this package is written: it returns
// its error instead of writing it. h turns it into a gin.HandlerFunc whose
// error goes to the one error middleware (errors.go), which picks the status
// from the error's kind and answers JSON for the API or a page for HTML. The
// pattern is golang/pkgsite's errorHandler: a handler cannot forget the
// "return" after reporting an error, and cannot write two answers.
type handlerFunc func(c *gin.Context) error

// h adapts a handlerFunc to Gin.
func h(f handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := f(c); err != nil {
			fail(c, err)
		}
	}
}

// reply answers an API request with v as JSON and the status.
func reply(c *gin.Context, status int, v any) error {
	c.JSON(status, v)
	return nil
}

// An act is one state change of a capability, served from one request
// struct R on two routes: POST /api/v1<path> decodes R from JSON (or a
// multipart body) and answers the result as JSON; POST /ui<path> decodes
// the same R from the form and redirects back with a flash message, or
// shows the form's page again with the refusal. What an act may do, and
// whether the person may do it, is the capability's business: Do calls the
// service and nothing else decides.
type act[R, T any] struct {
	Upload  bool // the API body is multipart (files); forms always may be
	Created bool // the API answers 201 instead of 200
	NoUI    bool // the act has no form (API only)
	NoAPI   bool // the act has no API route (a form of the pages only)

	// Do performs the act with the decoded request.
	Do func(c *gin.Context, r *R) (T, error)
	// Reply shapes the API answer; nil answers T itself. With Reply,
	// ReplyType is a value of the type Reply returns, for the OpenAPI
	// document.
	Reply     func(T) any
	ReplyType any
	// Back is where the form returns on success (a path, with an anchor
	// if any), and Flash the message id of the success message shown there.
	Back  func(c *gin.Context, res T) string
	Flash string
	// FlashOf, when set, chooses the success message from the result (an
	// act with two outcomes, such as setting or lifting a hold).
	FlashOf func(res T) string
	// Refused shows the form's page again with the refusal err and its
	// status (the form's values are still in c.Request.PostForm); nil shows
	// the error page. Not-found and internal errors always go to the error
	// page.
	Refused func(c *gin.Context, status int, err error) error
}

// serve registers the act at path (under /api/v1 and under /ui); summary
// describes it in the OpenAPI document.
func serve[R, T any](api *api, ui *gin.RouterGroup, path, summary string, a act[R, T]) {
	if !a.NoAPI {
		body := "json"
		if a.Upload {
			body = "multipart"
		}
		types := &apiTypes{Req: new(R), Resp: new(T), Status: []int{http.StatusOK}}
		if a.Created {
			types.Status = []int{http.StatusCreated}
		}
		if a.Reply != nil {
			types.Resp = a.ReplyType
		}
		api.handleTyped(http.MethodPost, path, summary, body, types, h(func(c *gin.Context) error {
			var r R
			if err := decode(c, &r); err != nil {
				return err
			}
			res, err := a.Do(c, &r)
			if err != nil {
				return err
			}
			status := http.StatusOK
			if a.Created {
				status = http.StatusCreated
			}
			if a.Reply != nil {
				return reply(c, status, a.Reply(res))
			}
			return reply(c, status, res)
		}))
	}
	if a.NoUI {
		return
	}
	ui.POST(path, h(func(c *gin.Context) error {
		var r R
		err := decode(c, &r)
		var res T
		if err == nil {
			res, err = a.Do(c, &r)
		}
		if err != nil {
			return refuse(c, err, func(status int, err error) error {
				if a.Refused == nil {
					return err
				}
				return a.Refused(c, status, err)
			})
		}
		back := "/"
		if a.Back != nil {
			back = a.Back(c, res)
		}
		flash := a.Flash
		if a.FlashOf != nil {
			flash = a.FlashOf(res)
		}
		return redirectFlash(c, back, flash)
	}))
}

// refuse answers a refused form: not-found and internal errors go to the
// error page; any other refusal (invalid input, no permission, wrong state,
// a file too large) is shown on the form's own page by again, with its status.
func refuse(c *gin.Context, err error, again func(status int, err error) error) error {
	status, _ := statusOf(err)
	if status == http.StatusInternalServerError || qms.KindOf(err) == qms.ErrNotFound {
		return err
	}
	// The page is shown for the form's URL, not with its query.
	c.Request.URL.RawQuery = ""
	return again(status, err)
}

// flashCookie carries the id of the success message a redirected form shows
// on the next page. It holds an id of the catalog, never text, and the page
// shows only ids the catalog has: a crafted link or cookie cannot make the
// site say something it does not say.
const flashCookie = "qms_flash"

// secureKey holds, in the request context, whether cookies go out Secure
// (QMS_SECURE_COOKIES, see Server.secure), for helpers without the Server.
const secureKey = "qms.secure"

// redirectFlash sends a form back to path with the success message msgID
// shown there, in the reader's language.
func redirectFlash(c *gin.Context, path, msgID string) error {
	if msgID != "" {
		http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: msgID, Path: "/", MaxAge: 60, HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: c.GetBool(secureKey)})
	}
	c.Redirect(http.StatusSeeOther, localPath(path))
	return nil
}

// takeFlash returns the success message a redirect left for this page (in
// the reader's language) and clears it; "" when there is none.
func takeFlash(c *gin.Context) string {
	id, err := c.Cookie(flashCookie)
	if err != nil || id == "" {
		return ""
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	t := tr(c)
	if t.v == nil || !t.v.cat.Has(id) {
		return ""
	}
	return t.T(id)
}
