package internalaudit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Plan is the input of Create.
type Plan struct {
	Title     string   `json:"title"`
	Units     []string `json:"units"`
	Processes string   `json:"processes"`
	Clauses   []string `json:"clauses"`
	Start     string   `json:"planned_start"` // yyyy-mm-dd or dd/mm/yyyy
	End       string   `json:"planned_end"`
	Lead      string   `json:"lead_auditor"` // login
	Team      []string `json:"team"`         // logins, besides the lead
	Questions Lines    `json:"questions"`    // the office's own questions
}

// Lines is a list written one item per line in a form (a textarea), or as
// a list in JSON.
type Lines []string

// UnmarshalJSON reads a list, or a text of one item per line.
func (l *Lines) UnmarshalJSON(b []byte) error {
	var list []string
	errList := json.Unmarshal(b, &list)
	if errList == nil {
		*l = list
		return nil
	}
	var text string
	if json.Unmarshal(b, &text) != nil {
		return errList // the decoder names the field
	}
	return l.UnmarshalText([]byte(text))
}

// UnmarshalText reads one item per line.
func (l *Lines) UnmarshalText(b []byte) error {
	*l = nil
	for _, s := range strings.Split(string(b), "\n") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// splitNames splits lists of unit codes or logins written in a text field.
func splitNames(list []string) []string {
	var out []string
	for _, v := range list {
		out = append(out, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '\n' })...)
	}
	return out
}

// Create plans an audit (coordinator). Impartiality: nobody on the team may
// audit a unit in which they hold a role (impartial.go; checked again at
// every act of the team).
func (s *Service) Create(ctx context.Context, p Plan) (Audit, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return Audit{}, err
	}
	fe := qms.FieldErrors{}
	a := Audit{Status: StatusPlanned, CreatedBy: actor.UserID}
	if a.Title, err = qms.CleanText("title", p.Title, 300, true, false); err != nil {
		fe.AddErr("title", err)
	}
	for _, u := range splitNames(p.Units) {
		if !qms.ValidUnitCode(u) {
			fe.Add("units", "%q is not a unit code", u)
		} else if !containsStr(a.Units, u) {
			a.Units = append(a.Units, u)
		}
	}
	if len(a.Units) == 0 && fe["units"].ID == "" {
		// No unit named: the audit is scoped by processes or clauses and
		// covers the whole organisation.
		if !s.authz.Can(actor.UserID, qms.AllUnits, permAudit, actPlan) {
			return Audit{}, qms.Errorf(qms.ErrForbidden, "only the QMS coordinator may plan an audit of the whole organisation")
		}
		if a.Units, err = s.store.Units(ctx); err != nil {
			return Audit{}, err
		}
		if len(a.Units) == 0 {
			fe.Add("units", "there are no units to audit")
		}
	}
	for _, u := range a.Units {
		if !s.authz.Can(actor.UserID, u, permAudit, actPlan) {
			return Audit{}, qms.Errorf(qms.ErrForbidden, "you may not plan audits of unit %s", u)
		}
	}
	if a.Processes, err = qms.CleanText("processes", p.Processes, 1000, false, true); err != nil {
		fe.AddErr("processes", err)
	}
	if a.Clauses, err = qms.NormalizeClauses(p.Clauses); err != nil {
		fe.AddErr("clauses", err)
	}
	start, errStart := qms.ParseDate(p.Start)
	if errStart != nil {
		fe.Add("planned_start", "use dd/mm/yyyy")
	}
	end, errEnd := qms.ParseDate(p.End)
	if errEnd != nil {
		fe.Add("planned_end", "use dd/mm/yyyy")
	}
	if errStart == nil && errEnd == nil {
		switch {
		case end.Before(start):
			fe.Add("planned_end", "the end is before the start")
		case end.After(start.AddDays(92)):
			fe.Add("planned_end", "an audit lasts at most three months")
		case start.Before(yearBefore(s.today())):
			fe.Add("planned_start", "more than a year in the past")
		}
	}
	a.Start, a.End, a.Year = start.UTC(), end.UTC(), start.Year
	var questions []string
	for i, q := range p.Questions {
		q, err := qms.CleanText("question", q, 2000, false, true)
		if err != nil {
			fe.AddErr(fmt.Sprintf("questions[%d]", i), err)
		} else if q != "" {
			questions = append(questions, q)
		}
	}
	logins := []string{strings.TrimSpace(p.Lead)}
	if logins[0] == "" {
		fe.Add("lead_auditor", "choose the lead auditor")
	}
	for _, l := range splitNames(p.Team) {
		if !containsStr(logins, l) {
			logins = append(logins, l)
		}
	}
	if err := fe.Err(); err != nil {
		return Audit{}, err
	}
	team, unknown, err := s.store.Members(ctx, logins)
	if err != nil {
		return Audit{}, err
	}
	for _, l := range unknown {
		fe.Add("team", "no active user %q", l)
	}
	if err := fe.Err(); err != nil {
		return Audit{}, err
	}
	for i := range team {
		team[i].Lead = i == 0
		m := team[i]
		if s.authz.Scope(m.UserID, permAudit, actConduct).Empty() {
			fe.Add("team", "%s is not an internal auditor", m.Login)
			continue
		}
		roles, err := s.store.UnitRoles(ctx, m.UserID)
		if err != nil {
			return Audit{}, err
		}
		for _, u := range a.Units {
			if _, ok := conflictIn(roles, []string{u}); ok {
				fe.Add("team", "impartiality: %s belongs to unit %s and cannot audit it", m.Login, u)
			}
		}
	}
	if err := fe.Err(); err != nil {
		return Audit{}, err
	}
	a.Team = team
	a.Lead = team[0].UserID
	clauses, err := s.store.Clauses(ctx)
	if err != nil {
		return Audit{}, err
	}
	items := checklist(clauses, a.Clauses, questions, "vi")
	ev := trail.NewEvent(ctx, "audit.plan", "audit", "", a.Units[0], map[string]any{
		"title": a.Title, "units": a.Units, "clauses": a.Clauses, "start": start.String(),
		"end": end.String(), "team": logins})
	return s.store.Create(ctx, a, items, ev)
}

// yearBefore is the same day a year earlier (29 February goes to 1 March).
func yearBefore(d qms.Date) qms.Date { return qms.NewDate(d.Year-1, d.Month, d.Day) }

func containsStr(xs []string, v string) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

// Programme lists the audits of a year the actor may see.
func (s *Service) Programme(ctx context.Context, year int) ([]Audit, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if year != 0 && (year < 2000 || year > 2200) {
		return nil, qms.Errorf(qms.ErrInvalid, "year: between 2000 and 2200")
	}
	return s.store.List(ctx, year, s.authz.Scope(actor.UserID, permAudit, actRead), actor.UserID)
}

// Year is the current year in the office's time zone (the programme shown
// by default).
func (s *Service) Year() int { return s.today().Year }

// MyAudits returns the open audits (report not issued) that the actor is on
// the team of, from last year on, for the home page.
func (s *Service) MyAudits(ctx context.Context) ([]Audit, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	year := s.today().Year
	var out []Audit
	for _, y := range []int{year - 1, year} {
		list, err := s.store.List(ctx, y, qms.Scope{}, actor.UserID)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			if a.Status != StatusPlanned {
				continue
			}
			full, err := s.store.Get(ctx, a.ID)
			if err != nil {
				return nil, err
			}
			if full.OnTeam(actor.UserID) {
				out = append(out, full)
			}
		}
	}
	return out, nil
}
