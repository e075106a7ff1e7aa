package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/qms"
)

// errorCatalogFile holds the Vietnamese of the messages domain code writes in
// English (qms.Errorf formats, qms.Wrap and field messages), keyed by the
// English format exactly as written in the code. It lives in a folder of its
// own so the go-i18n loader, which reads assets/i18n/*.json by message id,
// does not take it for a message file.
const errorCatalogFile = "assets/i18n/errors/vi.json"

// errorCatalog translates English error messages into Vietnamese: by format
// (an *qms.Error remembers its format and arguments) or, for a message that
// reached us already formatted (field messages, messages kept as text), by
// matching it against the formats and carrying the matched values over.
type errorCatalog struct {
	vi       map[string]string
	patterns []errorPattern
}

type errorPattern struct {
	re *regexp.Regexp
	vi string // the translation, its verbs replaced in order by the matched values
}

// loadErrorCatalog reads the embedded catalog.
func loadErrorCatalog() (*errorCatalog, error) {
	b, err := fs.ReadFile(qmstrack.Assets, errorCatalogFile)
	if err != nil {
		return nil, err
	}
	cat := &errorCatalog{}
	if err := json.Unmarshal(b, &cat.vi); err != nil {
		return nil, fmt.Errorf("%s: %w", errorCatalogFile, err)
	}
	for en, vi := range cat.vi {
		if re := formatPattern(en); re != nil {
			cat.patterns = append(cat.patterns, errorPattern{re: re, vi: vi})
		}
	}
	// The most specific shape wins: "%s is required when %s" before "%s is required".
	sort.Slice(cat.patterns, func(i, j int) bool {
		li, lj := literalLen(cat.patterns[i].re.String()), literalLen(cat.patterns[j].re.String())
		if li != lj {
			return li > lj
		}
		return cat.patterns[i].re.String() < cat.patterns[j].re.String()
	})
	return cat, nil
}

var verbRE = regexp.MustCompile(`%[-+# 0-9.*\[\]]*[a-zA-Z%]`)

// formatPattern turns an English format into a regexp matching the messages
// it produces, one group per verb; nil when the format has no verbs (exact
// lookup covers it) or no words around them (it would match anything).
func formatPattern(format string) *regexp.Regexp {
	locs := verbRE.FindAllStringIndex(format, -1)
	if len(locs) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`(?s)^`)
	lit, last, verbs := 0, 0, 0
	for _, l := range locs {
		b.WriteString(regexp.QuoteMeta(format[last:l[0]]))
		lit += len(strings.TrimSpace(format[last:l[0]]))
		v := format[l[0]:l[1]]
		switch v[len(v)-1] {
		case '%':
			b.WriteString("%")
		case 'd':
			b.WriteString(`(-?\d+)`)
			verbs++
		case 'q':
			b.WriteString(`("(?:[^"\\]|\\.)*"|` + "`[^`]*`" + `)`)
			verbs++
		default:
			b.WriteString(`(.*?)`)
			verbs++
		}
		last = l[1]
	}
	b.WriteString(regexp.QuoteMeta(format[last:]))
	lit += len(strings.TrimSpace(format[last:]))
	b.WriteString(`$`)
	if verbs == 0 || lit < 4 {
		return nil
	}
	return regexp.MustCompile(b.String())
}

// literalLen is the length of a pattern without its groups, a measure of
// how specific it is.
func literalLen(re string) int {
	return len(regexp.MustCompile(`\((?:[^()]|\([^()]*\))*\)`).ReplaceAllString(re, ""))
}

// lookup is the qms.Translator for Vietnamese.
func (cat *errorCatalog) lookup(msg string) (string, bool) {
	if cat == nil || msg == "" {
		return "", false
	}
	if t, ok := cat.vi[msg]; ok {
		return t, true
	}
	for _, p := range cat.patterns {
		m := p.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		// The values were formatted already: put them in as text, each in
		// the place of the verb of the same rank.
		i := 0
		out := verbRE.ReplaceAllStringFunc(p.vi, func(v string) string {
			if v == "%%" {
				return "%"
			}
			i++
			if i < len(m) {
				// An inner message (%s of an outer one) is translated too;
				// it is shorter than msg, so this ends.
				if v[len(v)-1] == 's' || v[len(v)-1] == 'v' {
					if t, ok := cat.lookup(m[i]); ok {
						return t
					}
				}
				return m[i]
			}
			return v
		})
		return out, true
	}
	return "", false
}

// translator returns the error translator for lang (nil: English as written).
func (s *Server) translator(lang string) qms.Translator { return s.views.translator(lang) }

func (v *views) translator(lang string) qms.Translator {
	if lang == "vi" && v.errVI != nil {
		return v.errVI.lookup
	}
	return nil
}

// errorText is the user-safe message of err in the request's language.
func (s *Server) errorText(c *gin.Context, err error) string {
	return s.errorTextLang(c.GetString("lang"), err)
}

// errorTextLang is errorText for a given language.
func (s *Server) errorTextLang(lang string, err error) string { return s.views.errorText(lang, err) }

// errorText is the user-safe message of err in lang. An error that is a bare
// kind shows the kind's name in English; in Vietnamese it takes the error
// page's title for the kind (the kinds are not in the catalog, where short
// words such as "state" could be taken for a message quoted by another).
func (v *views) errorText(lang string, err error) string {
	msg := qms.Localize(err, v.translator(lang))
	if k := qms.KindOf(err); k != nil && lang != "en" && msg == k.Error() {
		if t := v.T(lang, "error."+msg); t != "error."+msg {
			return t
		}
	}
	return msg
}

// msgText translates an English message kept as text (e.g. a field message).
func (s *Server) msgText(lang, msg string) string {
	if tr := s.translator(lang); tr != nil {
		if t, ok := tr(msg); ok {
			return t
		}
	}
	return msg
}

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
func (s *Server) ErrorCatalog() map[string]string {
	if s.views.errVI == nil {
		return nil
	}
	return s.views.errVI.vi
}

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
