package web

import (
	"encoding/json"

	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/qms"
)

// Text is a stored text in the page's language: a text qmstrack generated
// (an NC raised for a late dossier or an audit finding) is kept as a
// message too and rendered here; a text a person typed is shown as typed.
func (p *Page) Text(stored string, m *qms.Msg) string {
	if m == nil {
		return stored
	}
	return p.Render(*m)
}

// entryMsg is the message kept under key in a trail entry's details (a
// generated text the entry quotes), or nil.
func entryMsg(details []byte, key string) *qms.Msg {
	var d map[string]json.RawMessage
	if json.Unmarshal(details, &d) != nil || len(d[key]) == 0 {
		return nil
	}
	var m qms.Msg
	if json.Unmarshal(d[key], &m) != nil || m.ID == "" {
		return nil
	}
	return &m
}

// ncTitle is an NC's title in lang: a generated title rendered from its
// message, a typed one as typed.
func (s *Server) ncTitle(lang string, nc nonconformity.NC) string {
	return s.storedText(lang, nc.Title, nc.TitleMsg)
}

// storedText is a stored text in lang, as Page.Text renders it: the
// message when qmstrack wrote the text, else the text as typed.
func (s *Server) storedText(lang, stored string, m *qms.Msg) string {
	if m == nil {
		return stored
	}
	return s.views.cat.Msg(lang, *m)
}
