// Package i18n is qmstrack's one translator: it loads the message catalogs
// under assets/i18n once and renders, in Vietnamese or English, every
// sentence a person reads: page texts by dotted id with named arguments (T),
// and messages kept as a qms.Msg (errors, field problems, notifications,
// e-mails) whose id is the English format written in the code (Msg, Err).
// The web layer renders pages with it; capabilities that send e-mail are
// given its Msg to write in the recipient's language.
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/qms"
)

// Languages the product speaks; Vietnamese is the default.
var Languages = []string{"vi", "en"}

// Catalog holds the page texts of both languages and the Vietnamese of the
// English message formats.
type Catalog struct {
	bundle *i18n.Bundle
	loc    map[string]*i18n.Localizer
	keys   map[string]map[string]bool // lang -> page text ids, for the completeness test
	errVI  *errorCatalog
}

// Load reads the embedded catalogs.
func Load() (*Catalog, error) {
	c := &Catalog{loc: map[string]*i18n.Localizer{}, keys: map[string]map[string]bool{}}
	c.bundle = i18n.NewBundle(language.Vietnamese)
	c.bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(qmstrack.Assets, "assets/i18n/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := fs.ReadFile(qmstrack.Assets, f)
		if err != nil {
			return nil, err
		}
		mf, err := c.bundle.ParseMessageFileBytes(b, f)
		if err != nil {
			return nil, fmt.Errorf("translations %s: %w", f, err)
		}
		lang := mf.Tag.String()
		if c.keys[lang] == nil {
			c.keys[lang] = map[string]bool{}
		}
		for _, m := range mf.Messages {
			c.keys[lang][m.ID] = true
		}
	}
	for _, l := range Languages {
		c.loc[l] = i18n.NewLocalizer(c.bundle, l)
	}
	if c.errVI, err = loadErrorCatalog(); err != nil {
		return nil, err
	}
	return c, nil
}

// T translates the page text id into lang; args are name/value pairs for
// the message template. A missing id shows itself, which the completeness
// test catches.
func (c *Catalog) T(lang, id string, args ...any) string {
	l := c.loc[lang]
	if l == nil {
		l = c.loc["vi"]
	}
	var data map[string]any
	if len(args) > 0 {
		data = map[string]any{}
		for i := 0; i+1 < len(args); i += 2 {
			data[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil || s == "" {
		return id
	}
	return s
}

// Msg renders m in lang: its id translated (English as written where there
// is no translation), filled with its arguments, each rendered too when it
// is itself a message, an error or the label of a code. It is the same
// rendering as errors' (qms.LocalizeMsg), except that English shows the
// labels of codes too: a notification or an e-mail is read by a person,
// while the API's English errors keep the codes programs match.
func (c *Catalog) Msg(lang string, m qms.Msg) string {
	tr := c.Translator(lang)
	if tr == nil {
		tr = func(id string) (string, bool) {
			if key, ok := strings.CutPrefix(id, qms.LabelKey); ok {
				if t := c.T(lang, key); t != key {
					return t, true
				}
			}
			return "", false
		}
	}
	return qms.LocalizeMsg(m.InLang(lang), tr)
}

// Err is the user-safe message of err in lang. An error that is a bare kind
// shows the kind's name in English; in Vietnamese it takes the error page's
// title for the kind (the kinds are not in the catalog, where short words
// such as "state" could be taken for a message quoted by another).
func (c *Catalog) Err(lang string, err error) string {
	msg := qms.Localize(err, c.Translator(lang))
	if k := qms.KindOf(err); k != nil && lang != "en" && msg == k.Error() {
		if t := c.T(lang, "error."+msg); t != "error."+msg {
			return t
		}
	}
	return msg
}

// Fields renders the per-field problems of a validation error in lang.
func (c *Catalog) Fields(lang string, f qms.FieldErrors) map[string]string {
	return qms.LocalizeFields(f, c.Translator(lang))
}

// Translator is the format translator for lang (nil: English as written,
// codes shown as codes, which is the API's stable wording).
func (c *Catalog) Translator(lang string) qms.Translator {
	if lang != "vi" || c.errVI == nil {
		return nil
	}
	return func(id string) (string, bool) {
		if key, ok := strings.CutPrefix(id, qms.LabelKey); ok {
			if t := c.T(lang, key); t != key {
				return t, true
			}
			return "", false
		}
		return c.errVI.lookup(id)
	}
}

// Has reports whether id is a page text of the catalog.
func (c *Catalog) Has(id string) bool { return c.keys["vi"][id] && c.keys["en"][id] }

// Missing lists page text ids present in one language and not the other.
func (c *Catalog) Missing() []string {
	var out []string
	for _, a := range Languages {
		for _, b := range Languages {
			for id := range c.keys[a] {
				if !c.keys[b][id] {
					out = append(out, b+": "+id)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// ErrorCatalog returns the English formats and their Vietnamese, for the
// catalog completeness test.
func (c *Catalog) ErrorCatalog() map[string]string { return c.errVI.vi }

// ErrorCatalogFile holds the Vietnamese of the messages domain code writes in
// English (qms.Errorf formats, qms.Wrap and field messages), keyed by the
// English format exactly as written in the code. It lives in a folder of its
// own so the go-i18n loader, which reads assets/i18n/*.json by message id,
// does not take it for a message file.
const ErrorCatalogFile = "assets/i18n/errors/vi.json"

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
	b, err := fs.ReadFile(qmstrack.Assets, ErrorCatalogFile)
	if err != nil {
		return nil, err
	}
	cat := &errorCatalog{}
	if err := json.Unmarshal(b, &cat.vi); err != nil {
		return nil, fmt.Errorf("%s: %w", ErrorCatalogFile, err)
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
