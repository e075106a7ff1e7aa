package process

import (
	"context"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Satisfaction ratings a citizen gives (the national portal's three levels).
const (
	SatisfactionVery         = "very_satisfied"
	SatisfactionSatisfied    = "satisfied"
	SatisfactionDissatisfied = "dissatisfied"
)

// Satisfactions lists the ratings.
var Satisfactions = []string{SatisfactionVery, SatisfactionSatisfied, SatisfactionDissatisfied}

// Facts are what the reform index (QĐ 766/QĐ-TTg) counts about a dossier
// beyond its clock. Every one is optional: nil is "not recorded", which the
// index tells apart from "no" (facts nobody recorded give "no data", not a
// zero).
type Facts struct {
	ResultElectronic *bool   `json:"result_electronic"` // the result was issued electronically
	Digitised        *bool   `json:"digitised"`         // its components were digitised
	DataReused       *bool   `json:"data_reused"`       // data already held were reused instead of papers
	FeePaidOnline    *bool   `json:"fee_paid_online"`
	Satisfaction     *string `json:"satisfaction"` // very_satisfied, satisfied, dissatisfied
	Complaint        *bool   `json:"complaint"`
	ComplaintOnTime  *bool   `json:"complaint_on_time"` // the complaint was handled on time
}

// merge sets the facts given in in (nil leaves one as it is).
func (f Facts) merge(in Facts) Facts {
	if in.ResultElectronic != nil {
		f.ResultElectronic = in.ResultElectronic
	}
	if in.Digitised != nil {
		f.Digitised = in.Digitised
	}
	if in.DataReused != nil {
		f.DataReused = in.DataReused
	}
	if in.FeePaidOnline != nil {
		f.FeePaidOnline = in.FeePaidOnline
	}
	if in.Satisfaction != nil {
		f.Satisfaction = in.Satisfaction
	}
	if in.Complaint != nil {
		f.Complaint = in.Complaint
	}
	if in.ComplaintOnTime != nil {
		f.ComplaintOnTime = in.ComplaintOnTime
	}
	return f
}

// check adds the facts' problems to fe.
func (f *Facts) check(fe qms.FieldErrors) {
	if f.Satisfaction != nil {
		s := strings.TrimSpace(*f.Satisfaction)
		if s == "" {
			f.Satisfaction = nil
		} else if !oneOf(s, Satisfactions) {
			fe.Add("satisfaction", "very_satisfied, satisfied or dissatisfied")
		} else {
			f.Satisfaction = &s
		}
	}
	if f.ComplaintOnTime != nil && (f.Complaint == nil || !*f.Complaint) {
		fe.Add("complaint_on_time", "only a dossier with a complaint has its complaint handled on time or not")
	}
}

// Details lists the facts recorded, for a trail entry.
func (f Facts) Details() map[string]any {
	out := map[string]any{}
	put := func(k string, b *bool) {
		if b != nil {
			out[k] = *b
		}
	}
	put("result_electronic", f.ResultElectronic)
	put("digitised", f.Digitised)
	put("data_reused", f.DataReused)
	put("fee_paid_online", f.FeePaidOnline)
	put("complaint", f.Complaint)
	put("complaint_on_time", f.ComplaintOnTime)
	if f.Satisfaction != nil {
		out["satisfaction"] = *f.Satisfaction
	}
	return out
}

// SetFacts records facts of a dossier (PUT /dossiers/{number}/facts): the
// facts given replace the recorded ones, those left out stay as they are.
// Who may write the dossier's unit may record them; the trail entry is
// written with the change.
func (p *Service) SetFacts(ctx context.Context, number string, in Facts) (Dossier, error) {
	cur, err := p.store.Dossier(ctx, number)
	if err != nil {
		return cur, err
	}
	if _, err := p.require(ctx, cur.Unit, ObjDossier, ActWrite); err != nil {
		return Dossier{}, err
	}
	f := cur.Facts.merge(in)
	fe := qms.FieldErrors{}
	f.check(fe)
	if err := fe.Err(); err != nil {
		return Dossier{}, err
	}
	ev := trail.NewEvent(ctx, "dossier.facts", "dossier", cur.Number, cur.Unit, f.Details())
	if err := p.store.SetFacts(ctx, cur.ID, f, ev); err != nil {
		return Dossier{}, err
	}
	return p.GetDossier(ctx, number)
}

// parseFlag reads a yes/no column of an import: empty is "not recorded".
func parseFlag(s string) (*bool, bool) {
	t, f := true, false
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return nil, true
	case "1", "true", "yes", "y", "x", "có", "co", "đúng", "dung", "đúng hạn":
		return &t, true
	case "0", "false", "no", "n", "không", "khong", "sai", "trễ hạn", "quá hạn":
		return &f, true
	}
	return nil, false
}

// normalizeSatisfaction reads a rating column of an import.
func normalizeSatisfaction(s string) (*string, bool) {
	var v string
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return nil, true
	case SatisfactionVery, "rất hài lòng", "rat hai long", "very satisfied":
		v = SatisfactionVery
	case SatisfactionSatisfied, "hài lòng", "hai long":
		v = SatisfactionSatisfied
	case SatisfactionDissatisfied, "không hài lòng", "khong hai long", "unsatisfied", "not satisfied":
		v = SatisfactionDissatisfied
	default:
		return nil, false
	}
	return &v, true
}
