package web

import (
	"fmt"
	"strings"

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

// Err is the user-safe message of err.
func (t translator) Err(err error) string {
	if t.v == nil {
		return qms.Message(err)
	}
	return t.v.cat.Err(t.lang, err)
}

// The older entry points of the same translator, kept for the pages.

// translator returns the error translator for lang (nil: English as written).
func (s *Server) translator(lang string) qms.Translator { return s.views.translator(lang) }

func (v *views) translator(lang string) qms.Translator { return v.cat.Translator(lang) }

// errorText is the user-safe message of err in the request's language.
func (s *Server) errorText(c *gin.Context, err error) string {
	return s.errorTextLang(c.GetString("lang"), err)
}

// errorTextLang is errorText for a given language.
func (s *Server) errorTextLang(lang string, err error) string { return s.views.errorText(lang, err) }

// errorText is the user-safe message of err in lang.
func (v *views) errorText(lang string, err error) string { return v.cat.Err(lang, err) }

// apiLang is the language of an API error message: the caller's language only
// when the request asks for Vietnamese first (Accept-Language: vi), so other
// programs keep getting the stable English wording.
func apiLang(c *gin.Context) string {
	al := c.GetHeader("Accept-Language")
	first := strings.TrimSpace(strings.SplitN(al, ",", 2)[0])
	first = strings.TrimSpace(strings.SplitN(first, ";", 2)[0])
	if strings.EqualFold(first, "vi") || strings.HasPrefix(strings.ToLower(first), "vi-") {
		if lang := c.GetString("lang"); lang != "" {
			return lang
		}
		return "vi"
	}
	return "en"
}

// ErrorCatalog returns the English formats and their Vietnamese, for the
// catalog completeness test.
func (s *Server) ErrorCatalog() map[string]string { return s.views.cat.ErrorCatalog() }

// TranslateError is errorTextLang for tests.
func (s *Server) TranslateError(lang string, err error) string { return s.errorTextLang(lang, err) }

// errorfLang formats a message of the web layer itself, written in English
// like the domain's, in lang.
func (s *Server) errorfLang(lang, format string, args ...any) string {
	if tr := s.translator(lang); tr != nil {
		if t, ok := tr(format); ok {
			format = t
		}
	}
	return fmt.Sprintf(format, args...)
}

// errorText is the user-safe message of err in the page's language, for
// helpers that hold the page rather than the server.
func (p *Page) errorText(err error) string { return p.views.errorText(p.Lang, err) }

// Msg translates an English message kept as text into the page's language
// (e.g. the reason stored with a rejected import row); without a
// translation it shows as written.
func (p *Page) Msg(msg string) string {
	if tr := p.views.translator(p.Lang); tr != nil {
		if t, ok := tr(msg); ok {
			return t
		}
	}
	return msg
}
