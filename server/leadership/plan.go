package leadership

import (
	"context"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Plan is a year's improvement plan of the reform index (Kế hoạch cải
// thiện Chỉ số CCHC): its decision and its items. An item is a directive:
// it is reported on with evidence, accepted or returned, escalated when
// overdue and counts against its unit like any other; it also names the
// index criterion it improves, the supporting units, the expected output,
// and takes intermediate progress reports.
type Plan struct {
	ID             string            `json:"id" db:"id"`
	Year           int               `json:"year" db:"year"`
	DecisionNumber string            `json:"decision_number" db:"decision_number"`
	Title          string            `json:"title" db:"title"`
	DecisionRecord string            `json:"decision_record,omitempty" db:"decision_record"` // the decision filed as a record (its id), if it is
	File           *qms.StoredObject `json:"file,omitempty" db:"-"`                          // the decision's file, when one was uploaded
	FileName       string            `json:"file_name,omitempty" db:"-"`
	CreatedBy      string            `json:"created_by" db:"created_login"`
	CreatedAt      time.Time         `json:"created_at" db:"created_at"`
	Items          []Directive       `json:"items" db:"-"`
	// The plan's progress: by lead unit and by criterion.
	ByUnit      []PlanProgress `json:"by_unit" db:"-"`
	ByCriterion []PlanProgress `json:"by_criterion" db:"-"`
}

// PlanProgress sums a plan's items of one unit or criterion.
type PlanProgress struct {
	Key      string `json:"key"`
	Items    int    `json:"items"`
	Accepted int    `json:"accepted"`
	Overdue  int    `json:"overdue"`
	Progress int    `json:"progress"` // mean percent of the items
}

// Progress is an intermediate progress report of a plan item.
type Progress struct {
	ID       string    `json:"id" db:"id"`
	Percent  int       `json:"percent" db:"percent"`
	Text     string    `json:"text" db:"text"`
	Reporter string    `json:"reporter" db:"reporter_login"`
	At       time.Time `json:"at" db:"at"`
}

// NewPlan is what creating a plan takes.
type NewPlan struct {
	Year           int    `json:"year"`
	DecisionNumber string `json:"decision_number"`
	Title          string `json:"title"`
	DecisionRecord string `json:"decision_record"`
	// File is the decision's file (a form's or multipart request's
	// "file"; the first one), streamed into the object store before the
	// plan's row is written.
	File qms.FileSource `json:"-" form:"file"`
}

// NewPlanItem is an item to add to a plan: the task, the criterion it
// improves, the lead unit, the supporting units, the due date, the
// expected output and, when a meeting adds it, the meeting.
type NewPlanItem struct {
	Task           string       `json:"task"`
	Criterion      string       `json:"criterion"`
	Unit           string       `json:"unit"`
	SupportUnits   []string     `json:"support_units"`
	DueOn          workday.Date `json:"due_on"`
	ExpectedOutput string       `json:"expected_output"`
	MeetingID      string       `json:"meeting_id"`
}

// ProgressIn is an intermediate progress report.
type ProgressIn struct {
	Percent *int   `json:"percent"`
	Text    string `json:"text"`
}

var criterionRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,31}$`)

// CreatePlan records a plan (directive issue in every unit: the
// coordinator or the chairman).
func (s *Service) CreatePlan(ctx context.Context, in NewPlan) (Plan, error) {
	a, err := s.may(ctx, qms.AllUnits, actIssue)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Year: in.Year, CreatedBy: a.Login}
	fe := qms.FieldErrors{}
	if p.Year < 2000 || p.Year > 2100 {
		fe.Add("year", "year must be between 2000 and 2100")
	}
	if p.DecisionNumber, err = qms.CleanText("decision_number", in.DecisionNumber, 100, true, false); err != nil {
		fe.AddErr("decision_number", err)
	}
	if p.Title, err = qms.CleanText("title", in.Title, 300, true, false); err != nil {
		fe.AddErr("title", err)
	}
	if p.DecisionRecord, err = qms.CleanText("decision_record", in.DecisionRecord, 100, false, false); err != nil {
		fe.AddErr("decision_record", err)
	}
	if err := fe.Err(); err != nil {
		return p, err
	}
	if in.File != nil {
		err := in.File(func(f qms.Upload) error {
			if p.File != nil {
				return nil // one decision file; the others are skipped
			}
			name, err := qms.CleanFileName(f.Name)
			if err != nil {
				return err
			}
			obj, err := s.blobs.PutFile(ctx, "plan-decisions/"+qms.NewID(), f.Body, s.o.MaxEvidence)
			if err != nil {
				return err
			}
			p.File, p.FileName = &obj, name
			return nil
		})
		if err != nil {
			return p, err
		}
	}
	det := map[string]any{"year": p.Year, "decision_number": p.DecisionNumber, "title": p.Title}
	if p.File != nil {
		det["file_sha256"] = p.File.SHA256
	}
	ev := trail.NewEvent(ctx, "plan.create", "plan", "", "", det)
	return s.store.CreatePlan(ctx, p, ev)
}

// OpenPlanFile opens the decision file of a plan (who may read plans).
func (s *Service) OpenPlanFile(ctx context.Context, id string) (Plan, io.ReadSeekCloser, error) {
	p, err := s.Plan(ctx, id)
	if err != nil {
		return p, nil, err
	}
	if p.File == nil {
		return p, nil, qms.Errorf(qms.ErrNotFound, "this plan has no decision file")
	}
	r, err := s.blobs.OpenVersion(ctx, p.File.Key, p.File.VersionID)
	return p, r, err
}

// Plans lists the plans (who reads process figures somewhere).
func (s *Service) Plans(ctx context.Context) ([]Plan, error) {
	sc, err := s.meetingScope(ctx)
	if err != nil {
		return nil, err
	}
	if sc.Empty() {
		return nil, qms.Errorf(qms.ErrForbidden, "you may not read the improvement plans")
	}
	return s.store.Plans(ctx)
}

// Plan returns a plan with its items in the actor's units and its
// progress by unit and by criterion.
func (s *Service) Plan(ctx context.Context, id string) (Plan, error) {
	sc, err := s.meetingScope(ctx)
	if err != nil {
		return Plan{}, err
	}
	if sc.Empty() {
		return Plan{}, qms.Errorf(qms.ErrNotFound, "no plan %s", id)
	}
	p, err := s.store.Plan(ctx, id, sc)
	if err != nil {
		return p, err
	}
	today := s.today()
	for i := range p.Items {
		p.Items[i].Overdue = p.Items[i].IsOverdue(today)
	}
	p.ByUnit = planProgress(p.Items, func(d Directive) string { return d.Unit })
	p.ByCriterion = planProgress(p.Items, func(d Directive) string { return d.Criterion })
	return p, nil
}

// planProgress sums items by key.
func planProgress(items []Directive, key func(Directive) string) []PlanProgress {
	sums := map[string]*PlanProgress{}
	total := map[string]int{}
	for _, d := range items {
		k := key(d)
		pp, ok := sums[k]
		if !ok {
			pp = &PlanProgress{Key: k}
			sums[k] = pp
		}
		pp.Items++
		if d.State == DirectiveAccepted {
			pp.Accepted++
		}
		if d.Overdue {
			pp.Overdue++
		}
		total[k] += d.Progress
	}
	out := make([]PlanProgress, 0, len(sums))
	for k, pp := range sums {
		pp.Progress = (total[k] + pp.Items/2) / pp.Items
		out = append(out, *pp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// AddPlanItem adds an item to a plan (directive issue in every unit). A
// meeting may add it (meeting_id); the item is then also that meeting's
// directive.
func (s *Service) AddPlanItem(ctx context.Context, planID string, in NewPlanItem) (Directive, error) {
	a, err := s.may(ctx, qms.AllUnits, actIssue)
	if err != nil {
		return Directive{}, err
	}
	if _, err := s.store.Plan(ctx, planID, qms.Scope{}); err != nil {
		return Directive{}, err
	}
	d := Directive{Unit: in.Unit, DueOn: in.DueOn, PlanID: planID, MeetingID: strings.TrimSpace(in.MeetingID), SupportUnits: []string{}}
	fe := qms.FieldErrors{}
	if !qms.ValidUnitCode(d.Unit) {
		fe.Add("unit", "unknown unit")
	}
	if d.Title, err = qms.CleanText("task", in.Task, 1000, true, true); err != nil {
		fe.AddErr("task", err)
	}
	if d.ExpectedOutput, err = qms.CleanText("expected_output", in.ExpectedOutput, 2000, false, true); err != nil {
		fe.AddErr("expected_output", err)
	}
	d.Criterion = strings.TrimSpace(in.Criterion)
	if !criterionRE.MatchString(d.Criterion) || (s.o.Criteria != nil && !s.o.Criteria(d.Criterion)) {
		fe.Add("criterion", "a criterion of the index (an indicator or group code such as P1 or progress)")
	}
	seen := map[string]bool{d.Unit: true}
	var support []string
	for _, u := range in.SupportUnits {
		support = append(support, strings.Split(u, ",")...) // a form's one field "a, b"
	}
	for _, u := range support {
		u = strings.TrimSpace(u)
		switch {
		case u == "" || seen[u]:
		case !qms.ValidUnitCode(u):
			fe.Add("support_units", "unknown unit")
		default:
			seen[u] = true
			d.SupportUnits = append(d.SupportUnits, u)
		}
	}
	if d.DueOn.IsZero() {
		fe.Add("due_on", "required (yyyy-mm-dd)")
	}
	if err := fe.Err(); err != nil {
		return d, err
	}
	if d.MeetingID != "" {
		if _, err := s.store.Meeting(ctx, d.MeetingID); err != nil {
			return d, err
		}
	}
	d.IssuerID, d.Issuer, d.State = a.UserID, a.Login, DirectiveOpen
	ev := trail.NewEvent(ctx, "plan.item", "directive", "", d.Unit, map[string]any{"plan": planID, "meeting": d.MeetingID,
		"title": d.Title, "criterion": d.Criterion, "support_units": strings.Join(d.SupportUnits, ","), "due_on": d.DueOn.String()})
	return s.store.CreateDirective(ctx, d, ev)
}

// ReportProgress records an intermediate progress report of a plan item
// (POST /plan-items/{id}/progress): who reports on directives of the
// item's unit, while the item is open or returned; the percent (0..100)
// becomes the item's progress. The report back with evidence, which the
// issuer accepts or returns, is the directive's (ReportDirective).
func (s *Service) ReportProgress(ctx context.Context, id string, in ProgressIn) (Directive, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Directive{}, err
	}
	fe := qms.FieldErrors{}
	if in.Percent == nil || *in.Percent < 0 || *in.Percent > 100 {
		fe.Add("percent", "a number from 0 to 100")
	}
	text, err := qms.CleanText("text", in.Text, 4000, true, true)
	if err != nil {
		fe.AddErr("text", err)
	}
	if err := fe.Err(); err != nil {
		return Directive{}, err
	}
	sc, err := s.readScope(ctx)
	if err != nil {
		return Directive{}, err
	}
	pr := Progress{Percent: *in.Percent, Text: text, Reporter: a.Login}
	ok := func(d Directive) error {
		if d.PlanID == "" {
			return qms.Errorf(qms.ErrNotFound, "no plan item %s", id)
		}
		if !s.authz.Can(a.UserID, d.Unit, ObjDirective, actReport) {
			if !sc.Has(d.Unit) {
				return qms.Errorf(qms.ErrNotFound, "no plan item %s", id)
			}
			return qms.Errorf(qms.ErrForbidden, "you may not %s %s in unit %s", actReport, ObjDirective, d.Unit)
		}
		if !d.reportable() {
			return errNotReportable(d.State)
		}
		return nil
	}
	ev := trail.NewEvent(ctx, "plan.progress", "directive", id, "", map[string]any{"percent": pr.Percent})
	d, err := s.store.AddProgress(ctx, id, pr, ok, ev)
	if err != nil {
		return d, err
	}
	d.Overdue = d.IsOverdue(s.today())
	return d, nil
}
