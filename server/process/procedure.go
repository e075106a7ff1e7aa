package process

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Procedures lists the procedures of the units the actor may read.
func (p *Service) Procedures(ctx context.Context) ([]Procedure, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return nil, err
	}
	return p.store.Procedures(ctx, sc)
}

// Procedure returns one procedure.
func (p *Service) Procedure(ctx context.Context, code string) (Procedure, error) {
	s, err := p.store.Procedure(ctx, code)
	if err != nil {
		return s, err
	}
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return s, err
	}
	if !sc.Has(s.Unit) {
		return Procedure{}, qms.Errorf(qms.ErrNotFound, "no service %s", code)
	}
	return s, nil
}

func validateProcedure(s *Procedure) error {
	fe := qms.FieldErrors{}
	s.Code = strings.TrimSpace(s.Code)
	if !codeRE.MatchString(s.Code) {
		fe.Add("code", "letters, digits, . _ / - (at most 64)")
	}
	var err error
	if s.NameVI, err = qms.CleanText("name_vi", s.NameVI, 300, true, false); err != nil {
		fe.AddErr("name_vi", err)
	}
	if s.NameEN, err = qms.CleanText("name_en", s.NameEN, 300, false, false); err != nil {
		fe.AddErr("name_en", err)
	}
	if !fieldRE.MatchString(s.Field) {
		fe.Add("field", "a short code such as land, construction, civil_status")
	}
	if !qms.ValidUnitCode(s.Unit) {
		fe.Add("unit", "unknown unit")
	}
	if s.Days < 0 || s.Days > 365 {
		fe.Add("days", "between 0 and 365 working days")
	}
	if s.Document, err = qms.CleanText("document", s.Document, 64, false, false); err != nil {
		fe.AddErr("document", err)
	}
	total := 0
	seen := map[string]bool{}
	for i, st := range s.Steps {
		k := fmt.Sprintf("steps[%d]", i)
		if !codeRE.MatchString(st.Code) || seen[st.Code] {
			fe.Add(k+".code", "a unique short code")
		}
		seen[st.Code] = true
		if s.Steps[i].Name, err = qms.CleanText("name", st.Name, 200, false, false); err != nil {
			fe.AddErr(k+".name", err)
		}
		if st.Unit != "" && !qms.ValidUnitCode(st.Unit) {
			fe.Add(k+".unit", "unknown unit")
		}
		if st.Days < 0 || st.Days > 365 {
			fe.Add(k+".days", "between 0 and 365")
		}
		total += st.Days
	}
	if total > s.Days && s.Days > 0 {
		fe.Add("steps", "the steps' allowances (%d days) exceed the processing time (%d)", total, s.Days)
	}
	if s.Steps == nil {
		s.Steps = []Step{}
	}
	validatePublic(s, fe)
	return fe.Err()
}

// SaveProcedure creates or updates a procedure (process manage in its unit).
func (p *Service) SaveProcedure(ctx context.Context, s Procedure, create bool) (Procedure, error) {
	if err := validateProcedure(&s); err != nil {
		return s, err
	}
	if _, err := p.require(ctx, s.Unit, ObjProcess, ActManage); err != nil {
		return s, err
	}
	if !create {
		old, err := p.store.Procedure(ctx, s.Code)
		if err != nil {
			return s, err
		}
		if _, err := p.require(ctx, old.Unit, ObjProcess, ActManage); err != nil {
			return s, err
		}
	}
	steps, _ := json.Marshal(s.Steps)
	action := "service.update"
	if create {
		action = "service.create"
		s.Active = true
	}
	ev := trail.NewEvent(ctx, action, "service", s.Code, s.Unit, map[string]any{"days": s.Days, "field": s.Field, "steps": string(steps), "active": s.Active,
		"has_fee": s.HasFee, "papers": len(s.Papers), "forms": strings.Join(s.Forms, ",")})
	return p.store.SaveProcedure(ctx, s, create, ev)
}
