package internalaudit

import (
	"context"
	"fmt"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Clauses returns the clause checklist (every signed-in user may read it).
func (s *Service) Clauses(ctx context.Context) ([]Clause, error) {
	if _, err := qms.MustActor(ctx); err != nil {
		return nil, err
	}
	return s.store.Clauses(ctx)
}

// SaveClause edits the title or question of a clause, or adds a
// sub-clause (coordinator).
func (s *Service) SaveClause(ctx context.Context, c Clause) (Clause, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Clause{}, err
	}
	if !s.authz.Can(a.UserID, qms.AllUnits, permAudit, actPlan) {
		return Clause{}, qms.Errorf(qms.ErrForbidden, "only the QMS coordinator may edit the clause checklist")
	}
	fe := qms.FieldErrors{}
	c.Clause = strings.TrimSpace(c.Clause)
	if !qms.ValidClause(c.Clause) {
		fe.Add("clause", "an ISO 9001 clause number such as 7.5.3")
	}
	for _, f := range []struct {
		name     string
		v        *string
		max      int
		required bool
	}{{"title_vi", &c.TitleVI, 300, true}, {"title_en", &c.TitleEN, 300, true}, {"question_vi", &c.QuestionVI, 2000, false}, {"question_en", &c.QuestionEN, 2000, false}} {
		if *f.v, err = qms.CleanText(f.name, *f.v, f.max, f.required, true); err != nil {
			fe.AddErr(f.name, err)
		}
	}
	if err := fe.Err(); err != nil {
		return Clause{}, err
	}
	c.Sort = clauseSort(c.Clause)
	ev := trail.NewEvent(ctx, "audit_clause.save", "audit_clause", c.Clause, "", map[string]any{
		"title_vi": c.TitleVI, "title_en": c.TitleEN, "question_vi": c.QuestionVI, "question_en": c.QuestionEN, "active": c.Active})
	return s.store.SaveClause(ctx, c, ev)
}

// clauseSort orders clause numbers numerically (10.1 after 9.3).
func clauseSort(c string) int {
	parts := strings.Split(c, ".")
	n, mul := 0, 100
	for i, p := range parts {
		var v int
		fmt.Sscanf(p, "%d", &v)
		if i == 0 {
			n = v * 100
			continue
		}
		mul /= 10
		if mul == 0 {
			mul = 1
		}
		n += v * mul
	}
	return n
}

// checklist builds the items: the active ISO clauses that carry a question
// (only those under the audit's clauses, when it names any), then the
// office's own questions.
func checklist(all []Clause, scope, own []string, lang string) []Item {
	var items []Item
	for _, c := range all {
		if !c.Active || c.Question(lang) == "" || !underAny(c.Clause, scope) {
			continue
		}
		items = append(items, Item{Seq: len(items) + 1, Clause: c.Clause, Question: c.Question(lang), Source: "iso"})
	}
	for _, q := range own {
		items = append(items, Item{Seq: len(items) + 1, Question: q, Source: "own"})
	}
	return items
}

// underAny reports whether clause c is one of scope or below one of them;
// an empty scope covers every clause.
func underAny(c string, scope []string) bool {
	if len(scope) == 0 {
		return true
	}
	for _, s := range scope {
		if c == s || strings.HasPrefix(c, s+".") {
			return true
		}
	}
	return false
}

// NewQuestion is the input of AddQuestion.
type NewQuestion struct {
	Clause   string `json:"clause"`
	Question string `json:"question"`
}

// AddQuestion adds one of the office's own questions to an audit's
// checklist (coordinator, or a member of the audit's team who is impartial
// now, before the report).
func (s *Service) AddQuestion(ctx context.Context, auditID string, in NewQuestion) (Item, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return Item{}, err
	}
	a, err := s.Get(ctx, auditID)
	if err != nil {
		return Item{}, err
	}
	if !s.authz.Can(actor.UserID, a.Units[0], permAudit, actPlan) {
		if !a.OnTeam(actor.UserID) {
			return Item{}, qms.Errorf(qms.ErrForbidden, "only the audit team or the coordinator may change the checklist")
		}
		if err := s.impartial(ctx, actor.UserID, a.Units); err != nil {
			return Item{}, err
		}
	}
	if err := checklistOpen(a); err != nil {
		return Item{}, err
	}
	it := Item{ID: qms.NewID(), Source: "own"}
	if it.Question, err = qms.CleanText("question", in.Question, 2000, true, true); err != nil {
		return Item{}, err
	}
	if it.Clause = strings.TrimSpace(in.Clause); it.Clause != "" && !qms.ValidClause(it.Clause) {
		return Item{}, qms.Errorf(qms.ErrInvalid, "clause: use numbers such as 7.5.3")
	}
	ev := trail.NewEvent(ctx, "audit.question", "audit", a.ID, a.Units[0], map[string]any{
		"clause": it.Clause, "question": it.Question, "item": it.ID})
	_, err = s.store.Mutate(ctx, a.ID, func(cur *Audit) (Change, error) {
		if err := checklistOpen(*cur); err != nil {
			return Change{}, err
		}
		for _, x := range cur.Items {
			it.Seq = max(it.Seq, x.Seq)
		}
		it.Seq++
		return Change{Items: []Item{it}, Events: []trail.Event{ev}}, nil
	})
	if err != nil {
		return Item{}, err
	}
	return it, nil
}

func checklistOpen(a Audit) error {
	if a.Status != StatusPlanned {
		return qms.Errorf(qms.ErrState, "the audit report was issued; the checklist is closed")
	}
	return nil
}
