package leadership

// The register of risks and opportunities (ISO 9001 6.1): files risk.go
// (types, the store it needs, the service and its permissions, the register
// itself), risk_suggest.go (the risks suggested by a service's late-dossier
// trend and the coordinator's decision on them).

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Kinds of entry in the register.
const (
	KindRisk        = "risk"
	KindOpportunity = "opportunity"
)

// The process an entry belongs to: an administrative service (by its
// code) or a field of services (land, construction, ...).
const (
	ProcessService = "service"
	ProcessField   = "field"
)

// Statuses of an entry.
const (
	RiskOpen      = "open"      // identified, its treatment planned or under way
	RiskMonitored = "monitored" // treated; watched at each review
	RiskClosed    = "closed"    // no longer relevant; off the heat map and the due list
)

// RiskTreatments are the treatments of a risk; an opportunity is pursued.
var RiskTreatments = []string{"accept", "reduce", "avoid", "transfer"}

// OpportunityTreatment is the one treatment of an opportunity.
const OpportunityTreatment = "pursue"

// RiskStatuses are the statuses in their order.
var RiskStatuses = []string{RiskOpen, RiskMonitored, RiskClosed}

// Link kinds: the actions that treat an entry (corrective actions of the
// NC capability, leadership directives: no third kind of action) and what
// it was seen in (nonconformities, audit findings).
const (
	LinkNC        = "nc"
	LinkAction    = "action"
	LinkDirective = "directive"
	LinkFinding   = "finding"
)

// LinkKinds are the kinds of link in their order.
var LinkKinds = []string{LinkNC, LinkAction, LinkDirective, LinkFinding}

// Levels of a score on the scale (heat map colours, badges).
const (
	LevelLow    = "low"
	LevelMedium = "medium"
	LevelHigh   = "high"
)

// Scale is the likelihood and impact scales, each from 1 to its top.
type Scale struct {
	Likelihood int `json:"likelihood"`
	Impact     int `json:"impact"`
}

// MaxScaleTop is the widest scale the register takes (the database holds
// the same bound).
const MaxScaleTop = 10

// Score is likelihood × impact.
func Score(likelihood, impact int) int { return likelihood * impact }

// Level places score on the scale: low up to a fifth of the top score,
// medium up to half of it, high above (on 5 × 5: 1-5, 6-12, 15-25).
func (s Scale) Level(score int) string {
	top := s.Likelihood * s.Impact
	switch {
	case score*5 <= top:
		return LevelLow
	case score*2 <= top:
		return LevelMedium
	}
	return LevelHigh
}

// Risk is one entry of the register: a risk or an opportunity of a
// process in a unit.
type Risk struct {
	ID          string `json:"id" db:"id"`
	Kind        string `json:"kind" db:"kind"`
	Unit        string `json:"unit" db:"unit"`
	ProcessKind string `json:"process_kind" db:"process_kind"`
	ProcessCode string `json:"process_code" db:"process_code"`
	ProcessName string `json:"process_name,omitempty" db:"process_name"` // a service's Vietnamese name
	Title       string `json:"title" db:"title"`
	Description string `json:"description" db:"description"`
	Cause       string `json:"cause" db:"cause"`
	Consequence string `json:"consequence" db:"consequence"`
	// Likelihood × impact before the treatment (inherent) and after it
	// (residual); the scores are the products, written by the database.
	Likelihood         int          `json:"likelihood" db:"likelihood"`
	Impact             int          `json:"impact" db:"impact"`
	InherentScore      int          `json:"inherent_score" db:"inherent_score"`
	ResidualLikelihood int          `json:"residual_likelihood" db:"residual_likelihood"`
	ResidualImpact     int          `json:"residual_impact" db:"residual_impact"`
	ResidualScore      int          `json:"residual_score" db:"residual_score"`
	InherentLevel      string       `json:"inherent_level" db:"-"`
	ResidualLevel      string       `json:"residual_level" db:"-"`
	Treatment          string       `json:"treatment" db:"treatment"`
	TreatmentNote      string       `json:"treatment_note" db:"treatment_note"`
	OwnerID            string       `json:"-" db:"owner_id"`
	Owner              string       `json:"owner" db:"owner_login"`
	OwnerName          string       `json:"owner_name" db:"owner_name"`
	ReviewOn           workday.Date `json:"review_on" db:"-"`
	ReviewDue          bool         `json:"review_due" db:"-"`
	Status             string       `json:"status" db:"status"`
	// Trend is the late-dossier trend the entry was accepted from.
	Trend     *Trend    `json:"trend,omitempty" db:"-"`
	Version   int       `json:"version" db:"version"`
	CreatedBy string    `json:"created_by" db:"created_login"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
	UpdatedAt time.Time `json:"updated_at" db:"updated_at"`
	Links     []Link    `json:"links" db:"-"`
}

// Trend is the streak of months a suggested risk came from: the
// objective, the first and the last month above it (yyyy-mm).
type Trend struct {
	ObjectiveID string `json:"objective_id"`
	From        string `json:"from"`
	To          string `json:"to"`
}

// Link is one linked object of an entry, with its label as the linked
// capability names it (an NC's number and title, a directive's title...).
type Link struct {
	ID        string    `json:"id" db:"id"`
	Kind      string    `json:"kind" db:"kind"`
	TargetID  string    `json:"target_id" db:"target_id"`
	Label     string    `json:"label" db:"label"`
	State     string    `json:"state" db:"state"` // the linked object's status
	CreatedBy string    `json:"created_by" db:"created_login"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

// RiskFilter selects entries of the register.
type RiskFilter struct {
	Scope     qms.Scope
	Unit      string
	Kind      string
	Status    string
	Process   string        // a service or field code
	DueBy     *workday.Date // only entries not closed whose review is due on or before this day
	NotClosed bool
}

// HeatCell is the number of entries at one likelihood and impact.
type HeatCell struct {
	Likelihood int `json:"likelihood" db:"likelihood"`
	Impact     int `json:"impact" db:"impact"`
	Count      int `json:"count" db:"n"`
}

// RiskStore keeps the register. Every change writes its trail entry in the
// same transaction.
type RiskStore interface {
	// CreateRisk inserts r, resolving its owner's login, after checking
	// that its process exists; accepted, when set, records the decision on
	// a suggestion in the same transaction (a decided streak is a
	// conflict).
	CreateRisk(ctx context.Context, r Risk, accepted *SuggestionDecision, ev trail.Event) (Risk, error)
	Risk(ctx context.Context, id string) (Risk, error)
	Risks(ctx context.Context, f RiskFilter) ([]Risk, error)
	// UpdateRisk writes r's editable fields when the stored version is
	// still r.Version, and raises it by one; another version is a
	// conflict.
	UpdateRisk(ctx context.Context, r Risk, ev trail.Event) (Risk, error)
	// AddRiskLink links the object to risk id when it belongs to the
	// risk's unit.
	AddRiskLink(ctx context.Context, id, kind, target string, ev trail.Event) (Link, error)
	// HeatMap counts the entries of kind in scope that are not closed by
	// their inherent or residual likelihood and impact.
	HeatMap(ctx context.Context, sc qms.Scope, kind string, residual bool) ([]HeatCell, error)

	// LateObjectives lists the objectives on a service's on-time rate in
	// scope whose period overlaps [from, to].
	LateObjectives(ctx context.Context, sc qms.Scope, from, to workday.Date) ([]LateObjective, error)
	// ServiceMonths returns the on-time rate of service in unit for each
	// month from, to (first days of months) with dossiers returned, from
	// the process capability's monthly figures.
	ServiceMonths(ctx context.Context, unit, service string, from, to workday.Date) ([]MonthRate, error)
	// Decisions returns the decisions taken on the streaks of objectives.
	Decisions(ctx context.Context, objectives []string) ([]SuggestionDecision, error)
	// Dismiss records the dismissal of a streak; a decided streak is a
	// conflict.
	Dismiss(ctx context.Context, d SuggestionDecision, ev trail.Event) error
}

// RiskOptions are the register's settings; every field may be left zero.
type RiskOptions struct {
	Now      func() time.Time // time.Now when nil
	Location *time.Location   // the office's time zone; UTC when nil
	Scale    Scale            // 1-5 × 1-5 when zero
}

// Risks is the register of risks and opportunities.
type Risks struct {
	store RiskStore
	authz Authorizer
	o     RiskOptions
}

// NewRisks returns the register on store, asking authz about permissions.
func NewRisks(store RiskStore, authz Authorizer, o RiskOptions) *Risks {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Scale.Likelihood <= 0 {
		o.Scale.Likelihood = 5
	}
	if o.Scale.Impact <= 0 {
		o.Scale.Impact = 5
	}
	return &Risks{store: store, authz: authz, o: o}
}

// Scale is the configured scale.
func (s *Risks) Scale() Scale { return s.o.Scale }

// Today is the office's date.
func (s *Risks) Today() workday.Date { return workday.DateOf(s.o.Now(), s.o.Location) }

// Permissions (policies/policy.csv): the coordinator and unit heads keep
// their units' risks (manage), auditors and staff read them, the
// coordinator decides on suggested risks.
const (
	ObjRisk    = "risk"
	riskRead   = "read"
	riskManage = "manage"
	riskDecide = "decide"
)

// RiskPermissions are the acts a person may do on the register.
type RiskPermissions struct {
	Manage bool `json:"manage"` // keeps the risks of some unit
	Decide bool `json:"decide"` // decides on suggested risks
}

// Permissions says what the actor may do on the register.
func (s *Risks) Permissions(ctx context.Context) RiskPermissions {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return RiskPermissions{}
	}
	return RiskPermissions{Manage: !s.authz.Scope(a.UserID, ObjRisk, riskManage).Empty(),
		Decide: !s.authz.Scope(a.UserID, ObjRisk, riskDecide).Empty()}
}

// CanManage says whether the actor keeps the risks of unit.
func (s *Risks) CanManage(ctx context.Context, unit string) bool {
	a, ok := qms.ActorFrom(ctx)
	return ok && s.authz.Can(a.UserID, unit, ObjRisk, riskManage)
}

// ManageScope is the units whose risks the actor keeps.
func (s *Risks) ManageScope(ctx context.Context) qms.Scope {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return qms.Scope{}
	}
	return s.authz.Scope(a.UserID, ObjRisk, riskManage)
}

func (s *Risks) scope(ctx context.Context, act string) (qms.Actor, qms.Scope, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return a, qms.Scope{}, err
	}
	return a, s.authz.Scope(a.UserID, ObjRisk, act), nil
}

// mayManage refuses unless the actor keeps the risks of unit.
func (s *Risks) mayManage(ctx context.Context, unit string) (qms.Actor, error) {
	a, err := qms.MustActor(ctx)
	if err == nil && !s.authz.Can(a.UserID, unit, ObjRisk, riskManage) {
		err = qms.Errorf(qms.ErrForbidden, "you may not keep the risks of unit %s", unit)
	}
	return a, err
}

// RiskInput is what adding an entry takes; an update takes the same fields
// but the kind and the unit, which do not change, and the version it
// changes.
type RiskInput struct {
	Kind               string       `json:"kind"`
	Unit               string       `json:"unit"`
	ProcessKind        string       `json:"process_kind"`
	ProcessCode        string       `json:"process_code"`
	Title              string       `json:"title"`
	Description        string       `json:"description"`
	Cause              string       `json:"cause"`
	Consequence        string       `json:"consequence"`
	Likelihood         int          `json:"likelihood"`
	Impact             int          `json:"impact"`
	ResidualLikelihood int          `json:"residual_likelihood"`
	ResidualImpact     int          `json:"residual_impact"`
	Treatment          string       `json:"treatment"`
	TreatmentNote      string       `json:"treatment_note"`
	Owner              string       `json:"owner"` // a login
	ReviewOn           workday.Date `json:"review_on"`
	Status             string       `json:"status"`
}

// RiskUpdate is what changing an entry takes: its editable fields and the
// version the change was made on.
type RiskUpdate struct {
	ProcessKind        string       `json:"process_kind"`
	ProcessCode        string       `json:"process_code"`
	Title              string       `json:"title"`
	Description        string       `json:"description"`
	Cause              string       `json:"cause"`
	Consequence        string       `json:"consequence"`
	Likelihood         int          `json:"likelihood"`
	Impact             int          `json:"impact"`
	ResidualLikelihood int          `json:"residual_likelihood"`
	ResidualImpact     int          `json:"residual_impact"`
	Treatment          string       `json:"treatment"`
	TreatmentNote      string       `json:"treatment_note"`
	Owner              string       `json:"owner"`
	ReviewOn           workday.Date `json:"review_on"`
	Status             string       `json:"status"`
	Version            int          `json:"version"`
}

func oneOfList(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validate checks the fields of an entry of kind and fills r with them.
func (s *Risks) validate(in RiskInput, r *Risk, fe qms.FieldErrors) {
	var err error
	if in.ProcessKind != ProcessService && in.ProcessKind != ProcessField {
		fe.Add("process_kind", "service or field")
	}
	if r.ProcessCode, err = qms.CleanText("process_code", in.ProcessCode, 64, true, false); err != nil {
		fe.AddErr("process_code", err)
	}
	r.ProcessKind = in.ProcessKind
	if r.Title, err = qms.CleanText("title", in.Title, 300, true, false); err != nil {
		fe.AddErr("title", err)
	}
	if r.Description, err = qms.CleanText("description", in.Description, 4000, false, true); err != nil {
		fe.AddErr("description", err)
	}
	if r.Cause, err = qms.CleanText("cause", in.Cause, 4000, false, true); err != nil {
		fe.AddErr("cause", err)
	}
	if r.Consequence, err = qms.CleanText("consequence", in.Consequence, 4000, false, true); err != nil {
		fe.AddErr("consequence", err)
	}
	if r.TreatmentNote, err = qms.CleanText("treatment_note", in.TreatmentNote, 4000, false, true); err != nil {
		fe.AddErr("treatment_note", err)
	}
	sc := s.o.Scale
	for _, x := range []struct {
		field    string
		v, top   int
		dst      *int
		isImpact bool
	}{
		{"likelihood", in.Likelihood, sc.Likelihood, &r.Likelihood, false},
		{"impact", in.Impact, sc.Impact, &r.Impact, true},
		{"residual_likelihood", in.ResidualLikelihood, sc.Likelihood, &r.ResidualLikelihood, false},
		{"residual_impact", in.ResidualImpact, sc.Impact, &r.ResidualImpact, true},
	} {
		if x.v < 1 || x.v > x.top {
			if x.isImpact {
				fe.Add(x.field, "an impact from 1 to %d", x.top)
			} else {
				fe.Add(x.field, "a likelihood from 1 to %d", x.top)
			}
			continue
		}
		*x.dst = x.v
	}
	r.Treatment = in.Treatment
	if r.Kind == KindOpportunity {
		if in.Treatment == "" {
			r.Treatment = OpportunityTreatment
		} else if in.Treatment != OpportunityTreatment {
			fe.Add("treatment", "an opportunity is pursued")
		}
	} else if !oneOfList(in.Treatment, RiskTreatments) {
		fe.Add("treatment", "one of accept, reduce, avoid, transfer")
	}
	if r.Owner, err = qms.CleanText("owner", in.Owner, 64, true, false); err != nil {
		fe.AddErr("owner", err)
	}
	if in.ReviewOn.IsZero() {
		fe.Add("review_on", "required (yyyy-mm-dd)")
	}
	r.ReviewOn = in.ReviewOn
	r.Status = in.Status
	if r.Status == "" {
		r.Status = RiskOpen
	}
	if !oneOfList(r.Status, RiskStatuses) {
		fe.Add("status", "one of open, monitored, closed")
	}
}

// newRisk checks an entry to add and returns it.
func (s *Risks) newRisk(in RiskInput) (Risk, error) {
	r := Risk{Kind: in.Kind, Unit: in.Unit}
	fe := qms.FieldErrors{}
	if r.Kind == "" {
		r.Kind = KindRisk
	}
	if r.Kind != KindRisk && r.Kind != KindOpportunity {
		fe.Add("kind", "risk or opportunity")
	}
	if !qms.ValidUnitCode(r.Unit) {
		fe.Add("unit", "unknown unit")
	}
	s.validate(in, &r, fe)
	return r, fe.Err()
}

// Create adds an entry to the register (risk manage in its unit).
func (s *Risks) Create(ctx context.Context, in RiskInput) (Risk, error) {
	r, err := s.newRisk(in)
	if err != nil {
		return r, err
	}
	a, err := s.mayManage(ctx, r.Unit)
	if err != nil {
		return r, err
	}
	r.CreatedBy = a.Login
	ev := trail.NewEvent(ctx, "risk.create", ObjRisk, "", r.Unit, riskDetails(r))
	r, err = s.store.CreateRisk(ctx, r, nil, ev)
	return s.shown(r), err
}

// riskDetails is what the trail keeps of an entry.
func riskDetails(r Risk) map[string]any {
	return map[string]any{"kind": r.Kind, "title": r.Title, "process": r.ProcessKind + ":" + r.ProcessCode,
		"likelihood": r.Likelihood, "impact": r.Impact, "residual_likelihood": r.ResidualLikelihood, "residual_impact": r.ResidualImpact,
		"treatment": r.Treatment, "owner": r.Owner, "review_on": r.ReviewOn.String(), "status": r.Status}
}

// shown marks what a reader sees beside the stored entry: the levels of
// its scores and whether its review is due.
func (s *Risks) shown(r Risk) Risk {
	if r.ID == "" {
		return r
	}
	r.InherentLevel, r.ResidualLevel = s.o.Scale.Level(r.InherentScore), s.o.Scale.Level(r.ResidualScore)
	r.ReviewDue = r.Status != RiskClosed && !s.Today().Before(r.ReviewOn)
	if r.Links == nil {
		r.Links = []Link{}
	}
	return r
}

// Get returns an entry the actor may read (risk read in its unit); another
// is not found, as an id that does not exist.
func (s *Risks) Get(ctx context.Context, id string) (Risk, error) {
	_, sc, err := s.scope(ctx, riskRead)
	if err != nil {
		return Risk{}, err
	}
	r, err := s.store.Risk(ctx, id)
	if err != nil {
		return Risk{}, err
	}
	if !sc.Has(r.Unit) {
		return Risk{}, qms.Errorf(qms.ErrNotFound, "no risk %s", id)
	}
	return s.shown(r), nil
}

// List returns the entries of the actor's units (risk read) that f selects,
// highest residual score first.
func (s *Risks) List(ctx context.Context, f RiskFilter) ([]Risk, error) {
	_, sc, err := s.scope(ctx, riskRead)
	if err != nil {
		return nil, err
	}
	if f.Unit != "" && !qms.ValidUnitCode(f.Unit) {
		return nil, qms.Errorf(qms.ErrInvalid, "unit %q is not a unit code", f.Unit)
	}
	if f.Kind != "" && f.Kind != KindRisk && f.Kind != KindOpportunity {
		return nil, qms.Errorf(qms.ErrInvalid, "kind must be risk or opportunity")
	}
	if f.Status != "" && !oneOfList(f.Status, RiskStatuses) {
		return nil, qms.Errorf(qms.ErrInvalid, "status must be one of open, monitored, closed")
	}
	if len(f.Process) > 64 {
		return nil, qms.Errorf(qms.ErrInvalid, "process is too long")
	}
	f.Scope = sc
	list, err := s.store.Risks(ctx, f)
	for i := range list {
		list[i] = s.shown(list[i])
	}
	return list, err
}

// Due lists the entries of the actor's units that are not closed and
// whose review date has come (today included), soonest first.
func (s *Risks) Due(ctx context.Context) ([]Risk, error) {
	today := s.Today()
	return s.List(ctx, RiskFilter{DueBy: &today})
}

// Update changes an entry (risk manage in its unit) made on the version
// the change names: a change made on an older version is refused as a
// conflict, so two people editing one entry never overwrite each other.
func (s *Risks) Update(ctx context.Context, id string, in RiskUpdate) (Risk, error) {
	cur, err := s.Get(ctx, id)
	if err != nil {
		return Risk{}, err
	}
	if _, err := s.mayManage(ctx, cur.Unit); err != nil {
		return Risk{}, err
	}
	r := cur
	fe := qms.FieldErrors{}
	s.validate(RiskInput{Kind: cur.Kind, Unit: cur.Unit, ProcessKind: in.ProcessKind, ProcessCode: in.ProcessCode, Title: in.Title,
		Description: in.Description, Cause: in.Cause, Consequence: in.Consequence, Likelihood: in.Likelihood, Impact: in.Impact,
		ResidualLikelihood: in.ResidualLikelihood, ResidualImpact: in.ResidualImpact, Treatment: in.Treatment,
		TreatmentNote: in.TreatmentNote, Owner: in.Owner, ReviewOn: in.ReviewOn, Status: in.Status}, &r, fe)
	if in.Version < 1 {
		fe.Add("version", "the version of the risk you changed is required")
	}
	if err := fe.Err(); err != nil {
		return Risk{}, err
	}
	r.Version = in.Version
	d := riskDetails(r)
	d["version"] = in.Version
	ev := trail.NewEvent(ctx, "risk.update", ObjRisk, r.ID, r.Unit, d)
	r, err = s.store.UpdateRisk(ctx, r, ev)
	return s.shown(r), err
}

// LinkInput names an object to link to an entry.
type LinkInput struct {
	Kind   string `json:"kind"`
	Target string `json:"target_id"`
}

// AddLink links an entry (risk manage in its unit) to a corrective action
// or a directive that treats it, or to a nonconformity or an audit finding
// it was seen in. The object must belong to the entry's unit: who keeps a
// unit's risks reads that unit's actions and NCs, and a link never shows
// one unit's work on another unit's register.
func (s *Risks) AddLink(ctx context.Context, id string, in LinkInput) (Link, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return Link{}, err
	}
	if _, err := s.mayManage(ctx, r.Unit); err != nil {
		return Link{}, err
	}
	fe := qms.FieldErrors{}
	if !oneOfList(in.Kind, LinkKinds) {
		fe.Add("kind", "one of nc, action, directive, finding")
	}
	if !qms.ValidID(in.Target) {
		fe.Add("target_id", "the id of the object to link")
	}
	if err := fe.Err(); err != nil {
		return Link{}, err
	}
	ev := trail.NewEvent(ctx, "risk.link", ObjRisk, r.ID, r.Unit, map[string]any{"kind": in.Kind, "target": in.Target})
	return s.store.AddRiskLink(ctx, r.ID, in.Kind, in.Target, ev)
}

// HeatMap is the entries of one kind that are not closed, counted by
// likelihood (rows, top first) and impact (columns) on the scale.
type HeatMap struct {
	Kind     string `json:"kind"`
	Residual bool   `json:"residual"`
	Scale    Scale  `json:"scale"`
	// Cells[l-1][i-1] is the number of entries at likelihood l, impact i.
	Cells [][]int `json:"cells"`
	Total int     `json:"total"`
}

// Count is the number of entries at likelihood l and impact i.
func (h HeatMap) Count(l, i int) int { return h.Cells[l-1][i-1] }

// HeatMap counts the entries of kind in the actor's units by their
// inherent (or residual) likelihood and impact. An entry scored on a wider
// scale than today's is counted at the top of the scale.
func (s *Risks) HeatMap(ctx context.Context, kind string, residual bool) (HeatMap, error) {
	_, sc, err := s.scope(ctx, riskRead)
	if err != nil {
		return HeatMap{}, err
	}
	if kind == "" {
		kind = KindRisk
	}
	if kind != KindRisk && kind != KindOpportunity {
		return HeatMap{}, qms.Errorf(qms.ErrInvalid, "kind must be risk or opportunity")
	}
	h := HeatMap{Kind: kind, Residual: residual, Scale: s.o.Scale, Cells: make([][]int, s.o.Scale.Likelihood)}
	for l := range h.Cells {
		h.Cells[l] = make([]int, s.o.Scale.Impact)
	}
	if sc.Empty() {
		return h, nil
	}
	cells, err := s.store.HeatMap(ctx, sc, kind, residual)
	if err != nil {
		return h, err
	}
	for _, c := range cells {
		l, i := min(max(c.Likelihood, 1), s.o.Scale.Likelihood), min(max(c.Impact, 1), s.o.Scale.Impact)
		h.Cells[l-1][i-1] += c.Count
		h.Total += c.Count
	}
	return h, nil
}

// DueFor lists the entries whose review is due in the units where a keeps
// the risks, for a's home page.
func (s *Risks) DueFor(ctx context.Context, a qms.Actor) ([]Risk, error) {
	sc := s.authz.Scope(a.UserID, ObjRisk, riskManage)
	if sc.Empty() {
		return nil, nil
	}
	today := s.Today()
	list, err := s.store.Risks(ctx, RiskFilter{Scope: sc, DueBy: &today})
	for i := range list {
		list[i] = s.shown(list[i])
	}
	return list, err
}

// ServiceTrend is the on-time rate of a service in a unit the actor may
// read the risks of, month by month over the last twelve complete months
// and the current one: the late-dossier trend an entry of that service is
// read beside.
func (s *Risks) ServiceTrend(ctx context.Context, unit, service string) ([]MonthRate, error) {
	_, sc, err := s.scope(ctx, riskRead)
	if err != nil {
		return nil, err
	}
	if !sc.Has(unit) {
		return nil, qms.Errorf(qms.ErrNotFound, "no risk in unit %s", unit)
	}
	today := s.Today()
	return s.store.ServiceMonths(ctx, unit, service, addMonths(monthOf(today), -suggestWindow), today)
}
