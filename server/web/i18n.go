package web

import (
	"errors"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
)

// translator renders, in one language, every sentence a person reads: page
// texts by dotted message id with named arguments (T), and messages kept as
// a qms.Msg (errors, notifications, stored reasons) whose id is the English
// format written in the code, with positional arguments (Msg, Err). Both
// come from the catalogs under assets/i18n, loaded once into views; there is
// no other path from a message to a sentence.
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

// trLang is the translator of a given language (e-mails, task sources).
func (s *Server) trLang(lang string) translator { return translator{v: s.views, lang: lang} }

// T translates a page text id; args are name/value pairs.
func (t translator) T(id string, args ...any) string {
	if t.v == nil {
		return id
	}
	return t.v.T(t.lang, id, args...)
}

// Msg renders a message in the translator's language: its id translated
// (English as written without a translation), filled with its arguments,
// each of which is rendered too when it is itself a message, an error or a
// label of a code.
func (t translator) Msg(m qms.Msg) string {
	format := m.ID
	if t.lang != "en" {
		if vi, ok := t.lookup(m.ID); ok {
			format = vi
		}
	}
	if len(m.Args) == 0 {
		return format
	}
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		args[i] = t.arg(a)
	}
	return fmt.Sprintf(format, args...)
}

// arg renders one argument of a message.
func (t translator) arg(a any) any {
	switch x := a.(type) {
	case qms.Msg:
		return t.Msg(x)
	case qms.Label:
		if s := t.T(x.Prefix + "." + x.Code); s != x.Prefix+"."+x.Code {
			return s
		}
		return x.Code
	case error:
		return t.Err(x)
	case qms.Date:
		if t.lang == "en" {
			return x.String()
		}
		return x.Display()
	}
	return a
}

// Err is the user-safe message of err in the translator's language.
func (t translator) Err(err error) string {
	if t.v == nil {
		return qms.Message(err)
	}
	return t.v.errorText(t.lang, err)
}

// lookup finds the Vietnamese of an English message id.
func (t translator) lookup(id string) (string, bool) {
	if t.v == nil || t.v.errVI == nil {
		return "", false
	}
	return t.v.errVI.lookup(id)
}

// isValidation reports whether err carries per-field messages.
func isValidation(err error) bool { return errors.As(err, new(*qms.ValidationError)) }
