package record

import (
	"context"
	"regexp"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Types lists the record types.
func (s *Service) Types(ctx context.Context) ([]Type, error) {
	if _, err := qms.MustActor(ctx); err != nil {
		return nil, err
	}
	return s.store.Types(ctx)
}

var typeCodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// SaveType creates or changes a record type (coordinator). A changed period
// applies to records filed afterwards: a lock already set is never shortened.
func (s *Service) SaveType(ctx context.Context, t Type) (Type, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Type{}, err
	}
	if !s.authz.Can(a.UserID, qms.AllUnits, permRecord, actTypes) {
		return Type{}, qms.Errorf(qms.ErrForbidden, "only the QMS coordinator may edit record types")
	}
	fe := qms.FieldErrors{}
	t.Code = strings.TrimSpace(t.Code)
	if !typeCodeRE.MatchString(t.Code) {
		fe.Add("code", "use lower-case letters, digits and hyphens (at most 32)")
	}
	if t.NameVI, err = qms.CleanText("name_vi", t.NameVI, 200, true, false); err != nil {
		fe.AddErr("name_vi", err)
	}
	if t.NameEN, err = qms.CleanText("name_en", t.NameEN, 200, true, false); err != nil {
		fe.AddErr("name_en", err)
	}
	if t.RetentionYears != nil && (*t.RetentionYears < 1 || *t.RetentionYears > PermanentYears) {
		fe.Add("retention_years", "between 1 and %d years, or empty for permanent", PermanentYears)
	}
	t.Mode = strings.ToUpper(strings.TrimSpace(t.Mode))
	if t.Mode != ModeCompliance && t.Mode != ModeGovernance {
		fe.Add("mode", "COMPLIANCE or GOVERNANCE")
	}
	if err := fe.Err(); err != nil {
		return Type{}, err
	}
	ev := trail.NewEvent(ctx, "record_type.save", "record_type", t.Code, "", map[string]any{
		"retention_years": t.RetentionYears, "mode": t.Mode, "name_vi": t.NameVI, "name_en": t.NameEN})
	return s.store.SaveType(ctx, t, ev)
}
