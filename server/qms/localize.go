package qms

import (
	"errors"
	"fmt"
	"strings"
)

// Translator returns the translation of an English message format (as
// written in the code, verbs included) and whether there is one.
type Translator func(format string) (string, bool)

// Localize returns the user-safe message of err in the reader's language:
// the outermost *Error's format translated by tr, then filled with the same
// arguments; every field message of a *ValidationError translated the same
// way. Without a translation (or with a nil tr) the English text is used, so
// a missing catalog entry degrades to today's message, never to nothing.
//
// A %s or %v argument that is itself an English message with a translation
// (an inner error's message quoted by an outer one) is translated too; %q
// arguments are user values and stay as they are.
func Localize(err error, tr Translator) string {
	if tr == nil {
		tr = func(string) (string, bool) { return "", false }
	}
	var ve *ValidationError
	var e *Error
	switch {
	case errors.As(err, &e):
		// A ValidationError unwraps to its kind only, so an *Error found in
		// the chain is always the outer of the two.
		return localizeError(e, tr)
	case errors.As(err, &ve):
		fields := LocalizeFields(ve.Fields, tr)
		parts := make([]string, 0, len(fields))
		for _, k := range sortedKeys(fields) {
			parts = append(parts, k+": "+fields[k])
		}
		return strings.Join(parts, "; ")
	}
	return Message(err)
}

// LocalizeFields translates each field message of a validation error.
func LocalizeFields(f FieldErrors, tr Translator) map[string]string {
	out := make(map[string]string, len(f))
	for k, m := range f {
		out[k] = LocalizeMsg(m, tr)
	}
	return out
}

// LocalizeMsg renders m with tr (English as written where tr has no
// translation or is nil).
func LocalizeMsg(m Msg, tr Translator) string {
	if tr == nil {
		tr = func(string) (string, bool) { return "", false }
	}
	return localizeError(&Error{Msg: m.String(), Format: m.ID, Args: m.Args}, tr)
}

func localizeError(e *Error, tr Translator) string {
	t, ok := tr(e.Format)
	if !ok {
		// A message made elsewhere (e.g. Errorf(kind, "%s", msg)) may still
		// have a translation as a whole.
		if t, ok := tr(e.Msg); ok && e.Msg != e.Format {
			return t
		}
		if len(e.Args) == 0 {
			return e.Msg
		}
		// The format as written, its arguments still rendered (labels,
		// inner messages).
		t = e.Format
	}
	if len(e.Args) == 0 && e.Format == e.Msg {
		// Wrap's message, or a format without verbs: used verbatim, so a
		// literal % cannot be taken for a verb.
		return t
	}
	args := make([]any, len(e.Args))
	copy(args, e.Args)
	for i, v := range Verbs(e.Format) {
		if i >= len(args) || (v != 's' && v != 'v') {
			continue
		}
		var s string
		switch a := args[i].(type) {
		case Label:
			// A code of a closed list: its label, when the translator has one.
			if t, ok := tr(LabelKey + a.Prefix + "." + a.Code); ok {
				args[i] = t
			}
			continue
		case string:
			s = a
		case error:
			s = Localize(a, tr)
			args[i] = s
			continue
		case Msg:
			args[i] = LocalizeMsg(a, tr)
			continue
		default:
			continue
		}
		if at, ok := tr(s); ok {
			args[i] = at
		}
	}
	return fmt.Sprintf(t, args...)
}

// LabelKey prefixes the id a Translator is asked for to name the label of a
// code (qms.Label) rather than to translate a format.
const LabelKey = "label:"

// Verbs returns the verb letters of a format string in order (%% excluded),
// e.g. "%q is %d" → ['q', 'd']. Catalog checks use it to make sure a
// translation takes the same arguments as the English format.
func Verbs(format string) []rune {
	var out []rune
	r := []rune(format)
	for i := 0; i < len(r); i++ {
		if r[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(r) && strings.ContainsRune("+-# 0123456789.*[]", r[j]) {
			j++
		}
		if j >= len(r) {
			break
		}
		if r[j] != '%' {
			out = append(out, r[j])
		}
		i = j
	}
	return out
}
