package qms

import (
	"encoding/json"
	"fmt"
)

// Text is a name kept in both languages of the office (a unit, a record
// type, an administrative service, a holiday). Stores keep the two columns;
// the reader's language picks one where it is shown.
type Text struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// In returns the text in lang ("vi" or "en"), falling back to the other
// language when that one is empty.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	if t.VI == "" {
		return t.EN
	}
	return t.VI
}

// Msg is a sentence a person will read, kept as a message id and its
// arguments and rendered in the reader's language where it is shown or
// sent. Notifications, e-mails and generated texts carry a Msg, never a
// finished sentence.
//
// The id is the message's English form as written in the code (a format
// with fmt verbs, e.g. "action #%d is overdue"), in the manner of gettext and
// golang.org/x/text/message: the code stays readable, the English API
// wording is the id itself, and the catalog-completeness test finds every id
// by parsing the source. Page texts use dotted ids ("nc.flash.created") with
// named arguments instead; both go through one translator in web.
type Msg struct {
	ID   string `json:"id"`
	Args []any  `json:"args,omitempty"`
}

// String is the message in English, as the API speaks: a name kept in both
// languages (Text) in its English form.
func (m Msg) String() string {
	if len(m.Args) == 0 {
		return m.ID
	}
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		if t, ok := a.(Text); ok {
			a = t.In("en")
		}
		args[i] = a
	}
	return fmt.Sprintf(m.ID, args...)
}

// InLang returns m with the arguments that depend on the reader's language
// resolved for lang: a name kept in both languages (Text) becomes the name in
// lang and a date its dd/mm/yyyy form, in nested messages too. The
// translator then renders the rest (formats, labels).
func (m Msg) InLang(lang string) Msg {
	if len(m.Args) == 0 {
		return m
	}
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		switch x := a.(type) {
		case Text:
			a = x.In(lang)
		case Date:
			a = x.Display()
		case Msg:
			a = x.InLang(lang)
		}
		args[i] = a
	}
	return Msg{ID: m.ID, Args: args}
}

// M returns the message id with its arguments.
func M(id string, args ...any) Msg { return Msg{ID: id, Args: args} }

// Label is an argument that names a code of a closed list (a status, a
// severity, a channel): the translator renders it as the label of Prefix+"."+Code
// in the reader's language, not as the code.
type Label struct {
	Prefix string `json:"prefix"`
	Code   string `json:"code"`
}

// String is the code, which is what the English API wording shows.
func (l Label) String() string { return l.Code }

// msgArg is one argument of a Msg as stored (notifications keep their
// subject as a message): its kind is kept, so a number is still a number
// for %d and a label is still a label when the message is read back.
type msgArg struct {
	S *string  `json:"s,omitempty"`
	I *int64   `json:"i,omitempty"`
	F *float64 `json:"f,omitempty"`
	L *Label   `json:"l,omitempty"`
	M *Msg     `json:"m,omitempty"`
	D *string  `json:"d,omitempty"` // a Date, yyyy-mm-dd
	T *Text    `json:"t,omitempty"` // a name in both languages
}

// MarshalJSON writes the message with typed arguments.
func (m Msg) MarshalJSON() ([]byte, error) {
	args := make([]msgArg, len(m.Args))
	for i, a := range m.Args {
		switch x := a.(type) {
		case string:
			args[i].S = &x
		case int:
			v := int64(x)
			args[i].I = &v
		case int64:
			args[i].I = &x
		case float64:
			args[i].F = &x
		case Label:
			args[i].L = &x
		case Msg:
			args[i].M = &x
		case Date:
			v := x.String()
			args[i].D = &v
		case Text:
			args[i].T = &x
		case error:
			v := MsgOf(x)
			args[i].M = &v
		default:
			v := fmt.Sprint(x)
			args[i].S = &v
		}
	}
	return json.Marshal(struct {
		ID   string   `json:"id"`
		Args []msgArg `json:"args,omitempty"`
	}{m.ID, args})
}

// UnmarshalJSON reads a message written by MarshalJSON.
func (m *Msg) UnmarshalJSON(b []byte) error {
	var v struct {
		ID   string   `json:"id"`
		Args []msgArg `json:"args"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	m.ID, m.Args = v.ID, nil
	for _, a := range v.Args {
		switch {
		case a.S != nil:
			m.Args = append(m.Args, *a.S)
		case a.I != nil:
			m.Args = append(m.Args, *a.I)
		case a.F != nil:
			m.Args = append(m.Args, *a.F)
		case a.L != nil:
			m.Args = append(m.Args, *a.L)
		case a.M != nil:
			m.Args = append(m.Args, *a.M)
		case a.D != nil:
			d, err := ParseISODate(*a.D)
			if err != nil {
				return err
			}
			m.Args = append(m.Args, d)
		case a.T != nil:
			m.Args = append(m.Args, *a.T)
		default:
			m.Args = append(m.Args, "")
		}
	}
	return nil
}
