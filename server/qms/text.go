package qms

import "fmt"

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

// String is the message in English, as the API speaks.
func (m Msg) String() string {
	if len(m.Args) == 0 {
		return m.ID
	}
	return fmt.Sprintf(m.ID, m.Args...)
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
