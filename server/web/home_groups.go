package web

import (
	"sort"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
)

// homeShown is how many tasks of one kind the home page lists openly; the
// rest of a long list (forty documents to acknowledge) folds under its
// count, so the other kinds of work stay in sight.
const homeShown = 5

// taskGroup is one kind of task on the home page: its count, how many are
// overdue, the first tasks (overdue first, then by due date) and the rest.
type taskGroup struct {
	Kind    string
	Label   string // the kind named in the reader's language, e.g. "tài liệu chờ xác nhận đã đọc"
	Count   int
	Overdue int
	Shown   []qms.Task
	Rest    []qms.Task
}

// ID is the group's anchor on the page.
func (g taskGroup) ID() string { return "group-" + strings.ReplaceAll(g.Kind, "_", "-") }

// groupTasks groups the tasks (already ordered overdue first, then by due
// date) by kind: kinds with overdue tasks first, then the larger. label
// names a kind in the reader's language.
func groupTasks(ts []qms.Task, label func(kind string) string) []taskGroup {
	idx := map[string]int{}
	var out []taskGroup
	for _, t := range ts {
		i, ok := idx[t.Kind]
		if !ok {
			i = len(out)
			idx[t.Kind] = i
			out = append(out, taskGroup{Kind: t.Kind, Label: label(t.Kind)})
		}
		g := &out[i]
		g.Count++
		if t.Overdue {
			g.Overdue++
		}
		if len(g.Shown) < homeShown {
			g.Shown = append(g.Shown, t)
		} else {
			g.Rest = append(g.Rest, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].Overdue > 0) != (out[j].Overdue > 0) {
			return out[i].Overdue > 0
		}
		return out[i].Count > out[j].Count
	})
	return out
}

// taskKindLabel names a kind of task in lang; a kind the catalog does not
// name yet is "other tasks", never its code.
func (s *Server) taskKindLabel(lang string) func(kind string) string {
	t := s.trLang(lang)
	return func(kind string) string {
		key := "home.group." + strings.ReplaceAll(kind, "-", "_")
		if v := t.T(key); v != key {
			return v
		}
		return t.T("home.group.other")
	}
}
