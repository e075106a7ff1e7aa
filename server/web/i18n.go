package web

import (
	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
)

// translator is the one translator (server/i18n) bound to a reader's
// language: page texts by dotted id (T), messages kept as a qms.Msg (Msg) and
// errors (Err). Handlers take it from the request with tr(c).
type translator struct {
	v    *views
	lang string
}

// viewsKey holds the views in the request context, so tr works anywhere a
// *gin.Context is at hand.
const viewsKey = "qms.views"

// tr is the translator of the request's language.
func tr(c *gin.Context) translator {
	v, _ := c.Get(viewsKey)
	vs, _ := v.(*views)
	return translator{v: vs, lang: c.GetString("lang")}
}

// trLang is the translator of a given language (task sources).
func (s *Server) trLang(lang string) translator { return translator{v: s.views, lang: lang} }

// T translates a page text id; args are name/value pairs.
func (t translator) T(id string, args ...any) string {
	if t.v == nil {
		return id
	}
	return t.v.cat.T(t.lang, id, args...)
}

// Msg renders a message.
func (t translator) Msg(m qms.Msg) string {
	if t.v == nil {
		return m.String()
	}
	return t.v.cat.Msg(t.lang, m)
}

// Err is the user-safe message of err.
func (t translator) Err(err error) string {
	if t.v == nil {
		return qms.Message(err)
	}
	return t.v.cat.Err(t.lang, err)
}
