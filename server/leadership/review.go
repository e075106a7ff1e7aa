package leadership

// Management review (ISO 9001 9.3): a review of a period whose input pack
// (9.3.2) is compiled from the office's live data, section by section
// (review_inputs.go), with the text sections the coordinator writes; its
// outputs (9.3.3) are decisions, a directive to a unit being one: it is
// issued as a real directive at the review's meeting and follows the
// directives' cycle (report, decision, escalation, units not complying).
// A change to an objective names the objective and its new target and/or
// period, and is applied to the objective when the chairman records it,
// in the same transaction: the decision is then done.
// Closing freezes the pack, files it as a management-review record and is
// refused while a required section is open. A review is due at least once
// a year (QĐ 19/2014/QĐ-TTg): review_schedule.go.

import (
	"context"
	"io"
	"math"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Review states.
const (
	ReviewOpen   = "open"   // prepared, inputs live, decisions recorded
	ReviewClosed = "closed" // the pack is frozen and filed
)

// Decision kinds (9.3.3).
const (
	DecisionDirective   = "directive"   // a directive to a unit (the directives' cycle)
	DecisionObjective   = "objective"   // a change to a quality objective
	DecisionResource    = "resource"    // a resource need
	DecisionImprovement = "improvement" // an opportunity for improvement taken up
)

// DecisionKinds are the kinds a decision may have.
var DecisionKinds = []string{DecisionDirective, DecisionObjective, DecisionResource, DecisionImprovement}

// Permissions on reviews (policies/policy.csv), asked in every unit: the
// coordinator prepares, the chairman (a head in every unit) decides and
// closes, the follow-up of decisions is the coordinator's and the
// chairman's, an auditor reads.
const (
	ObjReview     = "review"
	actReviewRead = "read"
	actPrepare    = "prepare"
	actReviewDec  = "decide"
	actFollow     = "follow"
)

// Review is one management review.
type Review struct {
	ID           string       `json:"id" db:"id"`
	HeldOn       workday.Date `json:"held_on" db:"-"`
	From         workday.Date `json:"period_from" db:"-"`
	To           workday.Date `json:"period_to" db:"-"`
	Title        string       `json:"title" db:"title"`
	Chair        string       `json:"chair" db:"chair"`
	Participants string       `json:"participants" db:"participants"`
	Unit         string       `json:"unit" db:"unit"` // keeps the record
	State        string       `json:"state" db:"state"`
	MeetingID    string       `json:"meeting_id,omitempty" db:"meeting_id"` // where its directives are assigned
	RecordID     string       `json:"record_id,omitempty" db:"record_id"`
	CreatedBy    string       `json:"created_by" db:"created_login"`
	CreatedAt    time.Time    `json:"created_at" db:"created_at"`
	ClosedBy     string       `json:"closed_by,omitempty" db:"closed_login"`
	ClosedAt     *time.Time   `json:"closed_at,omitempty" db:"closed_at"`
	// Texts are the written sections by key.
	Texts     map[string]SectionText `json:"texts" db:"-"`
	Decisions []ReviewDecision       `json:"decisions" db:"-"`
	// Pack is the input pack as frozen at closing (nil while open: the
	// inputs are then compiled live).
	Pack *Pack `json:"pack,omitempty" db:"-"`
}

// SectionText is the text of a written section.
type SectionText struct {
	Key       string    `json:"key" db:"key"`
	Body      string    `json:"body" db:"body"`
	Version   int       `json:"version" db:"version"`
	UpdatedBy string    `json:"updated_by" db:"updated_login"`
	UpdatedAt time.Time `json:"updated_at" db:"updated_at"`
}

// ReviewDecision is one output of a review.
type ReviewDecision struct {
	ID       string       `json:"id" db:"id"`
	ReviewID string       `json:"review_id" db:"review_id"`
	Seq      int          `json:"seq" db:"seq"`
	Kind     string       `json:"kind" db:"kind"`
	Title    string       `json:"title" db:"title"`
	Unit     string       `json:"unit,omitempty" db:"unit"`
	DueOn    workday.Date `json:"due_on" db:"-"`
	// The directive of a directive decision, with its state now.
	DirectiveID    string `json:"directive_id,omitempty" db:"directive_id"`
	DirectiveState string `json:"directive_state,omitempty" db:"directive_state"`
	// The objective a change concerns, when one is named.
	ObjectiveID    string `json:"objective_id,omitempty" db:"objective_id"`
	ObjectiveTitle string `json:"objective_title,omitempty" db:"objective_title"`
	// ObjectiveKPI and ObjectiveTarget are the objective's measure and its
	// target now; Change is what the decision changed in it.
	ObjectiveKPI    string           `json:"objective_kpi,omitempty" db:"objective_kpi"`
	ObjectiveTarget *float64         `json:"objective_target,omitempty" db:"objective_target"`
	Change          *ObjectiveChange `json:"objective_change,omitempty" db:"-"`
	DoneAt          *time.Time       `json:"done_at,omitempty" db:"done_at"`
	DoneBy          string           `json:"done_by,omitempty" db:"done_login"`
	DoneNote        string           `json:"done_note,omitempty" db:"done_note"`
	CreatedBy       string           `json:"created_by" db:"created_login"`
	CreatedAt       time.Time        `json:"created_at" db:"created_at"`
	// Of the review it was decided at (for the next review's inputs).
	ReviewTitle  string       `json:"review_title,omitempty" db:"review_title"`
	ReviewHeldOn workday.Date `json:"review_held_on" db:"-"`
	Done         bool         `json:"done" db:"-"`
	Overdue      bool         `json:"overdue" db:"-"`
}

// ObjectiveChange is a change to an objective decided at a review: a new
// target and/or a new period (zero: unchanged), with the objective's
// values before it.
type ObjectiveChange struct {
	Target    *float64     `json:"target,omitempty"`
	From      workday.Date `json:"period_from"`
	To        workday.Date `json:"period_to"`
	OldTarget float64      `json:"old_target"`
	OldFrom   workday.Date `json:"old_period_from"`
	OldTo     workday.Date `json:"old_period_to"`
}

// NewTarget is the target the change sets (the old one when it sets none).
func (c ObjectiveChange) NewTarget() float64 {
	if c.Target != nil {
		return *c.Target
	}
	return c.OldTarget
}

// ChangesPeriod reports whether the change sets a new period.
func (c ObjectiveChange) ChangesPeriod() bool { return !c.From.IsZero() }

// ChangedObjective is an objective as a change to it is decided on.
type ChangedObjective struct {
	ID     string
	Title  string
	KPI    string
	Target float64
	From   workday.Date
	To     workday.Date
	Unit   string
}

// IsDone reports whether the decision is carried out: its directive
// accepted, or marked done.
func (d ReviewDecision) IsDone() bool {
	if d.Kind == DecisionDirective {
		return d.DirectiveState == DirectiveAccepted
	}
	return d.DoneAt != nil
}

// mark sets the derived fields of d on today.
func (d *ReviewDecision) mark(today workday.Date) {
	d.Done = d.IsDone()
	d.Overdue = !d.Done && !d.DueOn.IsZero() && d.DueOn.Before(today)
}

// ReviewChange is what a locked change of a review writes, with its trail
// entries, in one transaction.
type ReviewChange struct {
	// Text sets a written section; ExpectVersion is the version the
	// writer saw (0: the section is new).
	Text          *SectionText
	ExpectVersion int
	// Decision adds a decision; for a directive decision Directive is the
	// directive to issue with it (at the review's meeting, which Meeting
	// creates first when the review has none yet).
	Decision  *ReviewDecision
	Directive *Directive
	Meeting   *Meeting
	// Objective is the objective a change decision changes, as it was when
	// the change was decided; the store applies Decision.Change to it
	// unless it changed meanwhile (ErrConflict).
	Objective *ChangedObjective
	// Done marks the decision of that id done with DoneNote.
	Done     string
	DoneNote string
	// Close freezes pack and records the filed record's id.
	Close *Pack
	// Events are written in order; an event whose ObjectID is empty gets
	// the id of the object the change creates.
	Events []trail.Event
}

// ReviewStore keeps the reviews.
type ReviewStore interface {
	// Reviews lists the reviews, newest first.
	Reviews(ctx context.Context) ([]Review, error)
	// Review returns one with its texts, decisions and frozen pack.
	Review(ctx context.Context, id string) (Review, error)
	CreateReview(ctx context.Context, r Review, ev trail.Event) (Review, error)
	// MutateReview loads the review FOR UPDATE, lets fn decide, and writes
	// the change and its trail entries in the same transaction; an error
	// from fn aborts it.
	MutateReview(ctx context.Context, id string, fn func(*Review) (ReviewChange, error)) (Review, error)
	// DecisionReview returns the id of the review a decision belongs to.
	DecisionReview(ctx context.Context, decisionID string) (string, error)
	// EarlierDecisions lists the decisions of the reviews held before day
	// (or on it and created before the review of id), oldest first.
	EarlierDecisions(ctx context.Context, id string, day workday.Date) ([]ReviewDecision, error)
	// LastClosed returns the closed review held last; ErrNotFound when
	// none was.
	LastClosed(ctx context.Context) (Review, error)
	// CarriedReviewDue returns the latest closed QMS year that recorded
	// the review due in its next year (Year, ReviewDue, ReviewLast set);
	// ErrNotFound when none has.
	CarriedReviewDue(ctx context.Context) (ClosedYear, error)
	// Objective returns a quality objective a decision changes; ErrNotFound
	// when there is none of that id.
	Objective(ctx context.Context, id string) (ChangedObjective, error)
}

// PackRenderer prints a pack as a PDF in a language.
type PackRenderer interface {
	RenderPack(ctx context.Context, w io.Writer, p Pack, lang string) error
}

// ReviewOptions are what reviews need beyond the leadership's service.
type ReviewOptions struct {
	Store ReviewStore
	// Data reads the office's live figures for the inputs.
	Data ReviewData
	// PDF prints the pack; Filer files it as a record at closing (the
	// meetings' MinutesFiler, with the type management-review).
	PDF   PackRenderer
	Filer MinutesFiler
}

// Reviews is the management review, beside the meetings and directives of
// the leadership's service, whose directives it issues.
type Reviews struct {
	s *Service
	o ReviewOptions
}

// NewReviews returns the management reviews of s.
func NewReviews(s *Service, o ReviewOptions) *Reviews { return &Reviews{s: s, o: o} }

// ReviewPermissions are the acts a person may do on reviews.
type ReviewPermissions struct {
	Read    bool `json:"read"`
	Prepare bool `json:"prepare"`
	Decide  bool `json:"decide"`
	Follow  bool `json:"follow"`
}

// Permissions says which acts the actor may do on reviews.
func (rv *Reviews) Permissions(ctx context.Context) ReviewPermissions {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return ReviewPermissions{}
	}
	can := func(act string) bool { return rv.s.authz.Can(a.UserID, qms.AllUnits, ObjReview, act) }
	return ReviewPermissions{Read: can(actReviewRead), Prepare: can(actPrepare), Decide: can(actReviewDec), Follow: can(actFollow)}
}

// may returns the actor, refused unless they hold review act in every unit.
func (rv *Reviews) may(ctx context.Context, act string) (qms.Actor, error) {
	a, err := qms.MustActor(ctx)
	if err == nil && !rv.s.authz.Can(a.UserID, qms.AllUnits, ObjReview, act) {
		err = qms.Errorf(qms.ErrForbidden, "you may not %s management reviews", act)
	}
	return a, err
}

// NewReview is what preparing a review takes.
type NewReview struct {
	HeldOn       workday.Date `json:"held_on"`
	From         workday.Date `json:"period_from"`
	To           workday.Date `json:"period_to"`
	Title        string       `json:"title"`
	Chair        string       `json:"chair"`
	Participants string       `json:"participants"`
	Unit         string       `json:"unit"`
}

// Create prepares a review (review prepare: the coordinator). Its period
// ends before or on the day it is held and spans at most two years.
func (rv *Reviews) Create(ctx context.Context, in NewReview) (Review, error) {
	a, err := rv.may(ctx, actPrepare)
	if err != nil {
		return Review{}, err
	}
	r := Review{HeldOn: in.HeldOn, From: in.From, To: in.To, Unit: in.Unit, State: ReviewOpen, CreatedBy: a.Login}
	fe := qms.FieldErrors{}
	if r.Title, err = qms.CleanText("title", in.Title, 300, true, false); err != nil {
		fe.AddErr("title", err)
	}
	if r.Chair, err = qms.CleanText("chair", in.Chair, 200, true, false); err != nil {
		fe.AddErr("chair", err)
	}
	if r.Participants, err = qms.CleanText("participants", in.Participants, 4000, false, true); err != nil {
		fe.AddErr("participants", err)
	}
	if !qms.ValidUnitCode(r.Unit) {
		fe.Add("unit", "choose the unit that keeps the record")
	}
	if r.HeldOn.IsZero() {
		fe.Add("held_on", "required (yyyy-mm-dd)")
	}
	switch {
	case r.From.IsZero() || r.To.IsZero():
		fe.Add("period_to", "the period needs a start and an end, in order")
	case r.To.Before(r.From):
		fe.Add("period_to", "the period needs a start and an end, in order")
	case r.From.AddDays(731).Before(r.To):
		fe.Add("period_to", "a review covers at most two years")
	case !r.HeldOn.IsZero() && r.HeldOn.Before(r.To):
		fe.Add("period_to", "the period ends on or before the day of the review")
	}
	if err := fe.Err(); err != nil {
		return r, err
	}
	ev := trail.NewEvent(ctx, "review.create", "management_review", "", r.Unit, map[string]any{"title": r.Title,
		"held_on": r.HeldOn.String(), "period_from": r.From.String(), "period_to": r.To.String(), "chair": r.Chair})
	return rv.o.Store.CreateReview(ctx, r, ev)
}

// List lists the reviews (review read).
func (rv *Reviews) List(ctx context.Context) ([]Review, error) {
	if _, err := rv.may(ctx, actReviewRead); err != nil {
		return nil, err
	}
	return rv.o.Store.Reviews(ctx)
}

// Get returns a review with its texts and decisions (review read).
func (rv *Reviews) Get(ctx context.Context, id string) (Review, error) {
	if _, err := rv.may(ctx, actReviewRead); err != nil {
		return Review{}, err
	}
	r, err := rv.o.Store.Review(ctx, id)
	if err != nil {
		return r, err
	}
	today := rv.s.today()
	for i := range r.Decisions {
		r.Decisions[i].mark(today)
	}
	return r, nil
}

// SectionIn is the text of a written section and the version the writer
// saw (0 for a section not written yet).
type SectionIn struct {
	Body    string `json:"body"`
	Version int    `json:"version"`
}

// SetSection writes a text section of an open review (review prepare). A
// writer who saw an older version is refused: someone else changed it.
func (rv *Reviews) SetSection(ctx context.Context, id, key string, in SectionIn) (Review, error) {
	a, err := rv.may(ctx, actPrepare)
	if err != nil {
		return Review{}, err
	}
	b, ok := builderOf(key)
	if !ok || !b.text {
		return Review{}, qms.Errorf(qms.ErrNotFound, "no written section %q", key)
	}
	body, err := qms.CleanText("body", in.Body, 8000, true, true)
	if err != nil {
		fe := qms.FieldErrors{}
		fe.AddErr("body", err)
		return Review{}, fe.Err()
	}
	r, err := rv.o.Store.MutateReview(ctx, id, func(r *Review) (ReviewChange, error) {
		if r.State != ReviewOpen {
			return ReviewChange{}, qms.Errorf(qms.ErrState, "the review is closed")
		}
		cur := r.Texts[key]
		if cur.Version != in.Version {
			return ReviewChange{}, qms.Errorf(qms.ErrConflict, "someone else changed this section; reload it and write again")
		}
		ev := trail.NewEvent(ctx, "review.section", "management_review", r.ID, r.Unit, map[string]any{"section": key, "version": cur.Version + 1})
		return ReviewChange{Text: &SectionText{Key: key, Body: body, Version: cur.Version + 1, UpdatedBy: a.Login},
			ExpectVersion: in.Version, Events: []trail.Event{ev}}, nil
	})
	return r, err
}

// NewReviewDecision is a decision to record: its kind and text; a
// directive's unit, due date and the report it requires; the objective a
// change concerns and the change (a new target, a new period or both); the
// due date of any other.
type NewReviewDecision struct {
	Kind           string       `json:"kind"`
	Title          string       `json:"title"`
	Unit           string       `json:"unit"`
	DueOn          workday.Date `json:"due_on"`
	ReportRequired string       `json:"report_required"`
	ObjectiveID    string       `json:"objective_id"`
	NewTarget      *float64     `json:"new_target"`
	NewFrom        workday.Date `json:"new_period_from"`
	NewTo          workday.Date `json:"new_period_to"`
}

// Decide records a decision of a review that was held and is still open
// (review decide: the chairman). A directive decision issues a directive
// to its unit at the review's meeting, in the same transaction: the
// chairman is its issuer, and it is reported on, decided and escalated as
// every directive is. A change to an objective is applied to the objective
// in the same transaction, with its trail entry, and the decision is done
// from then on: the next review's inputs show it done with the objective's
// new target.
func (rv *Reviews) Decide(ctx context.Context, id string, in NewReviewDecision) (ReviewDecision, error) {
	a, err := rv.may(ctx, actReviewDec)
	if err != nil {
		return ReviewDecision{}, err
	}
	d := ReviewDecision{Kind: in.Kind, DueOn: in.DueOn, CreatedBy: a.Login}
	fe := qms.FieldErrors{}
	if !oneOfKinds(d.Kind) {
		fe.Add("kind", "one of directive, objective, resource, improvement")
	}
	if d.Title, err = qms.CleanText("title", in.Title, 1000, true, true); err != nil {
		fe.AddErr("title", err)
	}
	report, err := qms.CleanText("report_required", in.ReportRequired, 2000, false, true)
	if err != nil {
		fe.AddErr("report_required", err)
	}
	if in.Unit != "" || d.Kind == DecisionDirective {
		if !qms.ValidUnitCode(in.Unit) {
			fe.Add("unit", "choose the unit the directive is for")
		}
		d.Unit = in.Unit
	}
	if d.Kind == DecisionDirective && d.DueOn.IsZero() {
		fe.Add("due_on", "required (yyyy-mm-dd)")
	}
	if in.ObjectiveID != "" {
		if d.Kind != DecisionObjective || !qms.ValidID(in.ObjectiveID) {
			fe.Add("objective_id", "only a change to an objective names an objective")
		}
		d.ObjectiveID = in.ObjectiveID
	}
	changes := in.NewTarget != nil || !in.NewFrom.IsZero() || !in.NewTo.IsZero()
	switch {
	case d.Kind != DecisionObjective && changes:
		fe.Add("new_target", "only a change to an objective sets a new target or period")
	case d.Kind == DecisionObjective && in.ObjectiveID == "":
		fe.Add("objective_id", "choose the objective the change concerns")
	case d.Kind == DecisionObjective && !changes:
		fe.Add("new_target", "give the objective's new target, its new period, or both")
	}
	if t := in.NewTarget; t != nil && (math.IsNaN(*t) || math.IsInf(*t, 0) || *t < 0) {
		fe.Add("new_target", "a number not below zero")
	}
	if in.NewFrom.IsZero() != in.NewTo.IsZero() || (!in.NewFrom.IsZero() && in.NewTo.Before(in.NewFrom)) {
		fe.Add("new_period_to", "the new period needs a start and an end, in order")
	}
	if err := fe.Err(); err != nil {
		return d, err
	}
	var obj *ChangedObjective
	if d.Kind == DecisionObjective {
		o, err := rv.o.Store.Objective(ctx, d.ObjectiveID)
		if qms.KindOf(err) == qms.ErrNotFound {
			return d, qms.Errorf(qms.ErrInvalid, "no objective %s", d.ObjectiveID)
		}
		if err != nil {
			return d, err
		}
		c := &ObjectiveChange{Target: in.NewTarget, From: in.NewFrom, To: in.NewTo, OldTarget: o.Target, OldFrom: o.From, OldTo: o.To}
		if err := c.check(o); err != nil {
			return d, err
		}
		obj, d.Change = &o, c
	}
	today := rv.s.today()
	var out ReviewDecision
	r, err := rv.o.Store.MutateReview(ctx, id, func(r *Review) (ReviewChange, error) {
		if r.State != ReviewOpen {
			return ReviewChange{}, qms.Errorf(qms.ErrState, "the review is closed")
		}
		if today.Before(r.HeldOn) {
			return ReviewChange{}, qms.Errorf(qms.ErrState, "decisions are recorded once the review is held (%s)", r.HeldOn.Display())
		}
		if d.Kind == DecisionDirective && d.DueOn.Before(r.HeldOn) {
			return ReviewChange{}, qms.Errorf(qms.ErrInvalid, "the directive is due after the review")
		}
		d.ReviewID, d.Seq = r.ID, len(r.Decisions)+1
		ch := ReviewChange{Decision: &d}
		det := map[string]any{"seq": d.Seq, "kind": d.Kind, "title": d.Title}
		if d.Unit != "" {
			det["unit"] = d.Unit
		}
		if !d.DueOn.IsZero() {
			det["due_on"] = d.DueOn.String()
		}
		if d.ObjectiveID != "" {
			det["objective"] = d.ObjectiveID
		}
		if d.Kind == DecisionDirective {
			if r.MeetingID == "" {
				ch.Meeting = &Meeting{HeldOn: r.HeldOn, Title: r.Title, Chair: r.Chair, Participants: r.Participants, Unit: r.Unit, CreatedBy: a.Login}
				ch.Events = append(ch.Events, trail.NewEvent(ctx, "meeting.create", "meeting", "", "", map[string]any{
					"title": r.Title, "held_on": r.HeldOn.String(), "chair": r.Chair, "review": r.ID}))
			}
			ch.Directive = &Directive{MeetingID: r.MeetingID, Unit: d.Unit, Title: d.Title, ReportRequired: report, DueOn: d.DueOn,
				State: DirectiveOpen, IssuerID: a.UserID, Issuer: a.Login}
			ch.Events = append(ch.Events, trail.NewEvent(ctx, "directive.issue", "directive", "", d.Unit, map[string]any{
				"review": r.ID, "title": d.Title, "due_on": d.DueOn.String()}))
		}
		if c := d.Change; c != nil {
			ch.Objective = obj
			oc := map[string]any{"review": r.ID, "seq": d.Seq, "title": obj.Title}
			if c.Target != nil {
				oc["target"], oc["old_target"] = *c.Target, c.OldTarget
				det["new_target"] = *c.Target
			}
			if c.ChangesPeriod() {
				oc["period_from"], oc["period_to"] = c.From.String(), c.To.String()
				oc["old_period_from"], oc["old_period_to"] = c.OldFrom.String(), c.OldTo.String()
				det["new_period_from"], det["new_period_to"] = c.From.String(), c.To.String()
			}
			ch.Events = append(ch.Events, trail.NewEvent(ctx, "objective.change", "objective", obj.ID, obj.Unit, oc))
		}
		ch.Events = append(ch.Events, trail.NewEvent(ctx, "review.decide", "management_review", r.ID, d.Unit, det))
		return ch, nil
	})
	if err != nil {
		return ReviewDecision{}, err
	}
	for _, x := range r.Decisions {
		if x.Seq == d.Seq {
			out = x
		}
	}
	out.mark(today)
	return out, nil
}

// check refuses a change that leaves o as it is, a percentage above 100
// or a period out of order.
func (c ObjectiveChange) check(o ChangedObjective) error {
	same := (c.Target == nil || *c.Target == o.Target) && (!c.ChangesPeriod() || (c.From == o.From && c.To == o.To))
	if same {
		return qms.Errorf(qms.ErrInvalid, "the change leaves the objective %q as it is", o.Title)
	}
	if c.Target != nil && percentKPIs[o.KPI] && *c.Target > 100 {
		return qms.Errorf(qms.ErrInvalid, "the new target of objective %q is a percentage: at most 100", o.Title)
	}
	return nil
}

func oneOfKinds(k string) bool {
	for _, x := range DecisionKinds {
		if x == k {
			return true
		}
	}
	return false
}

// DoneIn is the note of a decision marked done.
type DoneIn struct {
	Note string `json:"note"`
}

// MarkDone marks a decision other than a directive carried out, with a
// note (review follow: the coordinator, the chairman); a directive is done
// when its report is accepted, through the directive. It may be marked
// after the review closed: decisions are followed until done.
func (rv *Reviews) MarkDone(ctx context.Context, decisionID string, in DoneIn) (ReviewDecision, error) {
	if _, err := rv.may(ctx, actFollow); err != nil {
		return ReviewDecision{}, err
	}
	note, err := qms.CleanText("note", in.Note, 2000, true, true)
	if err != nil {
		fe := qms.FieldErrors{}
		fe.AddErr("note", err)
		return ReviewDecision{}, fe.Err()
	}
	rid, err := rv.o.Store.DecisionReview(ctx, decisionID)
	if err != nil {
		return ReviewDecision{}, err
	}
	r, err := rv.o.Store.MutateReview(ctx, rid, func(r *Review) (ReviewChange, error) {
		for _, d := range r.Decisions {
			if d.ID != decisionID {
				continue
			}
			if d.Kind == DecisionDirective {
				return ReviewChange{}, qms.Errorf(qms.ErrState, "a directive is done when its report is accepted")
			}
			if d.DoneAt != nil {
				return ReviewChange{}, qms.Errorf(qms.ErrState, "the decision is already done")
			}
			ev := trail.NewEvent(ctx, "review.decision_done", "management_review", r.ID, d.Unit, map[string]any{"seq": d.Seq, "note": note})
			return ReviewChange{Done: d.ID, DoneNote: note, Events: []trail.Event{ev}}, nil
		}
		return ReviewChange{}, qms.Errorf(qms.ErrNotFound, "no decision %s", decisionID)
	})
	if err != nil {
		return ReviewDecision{}, err
	}
	today := rv.s.today()
	for _, d := range r.Decisions {
		if d.ID == decisionID {
			d.mark(today)
			return d, nil
		}
	}
	return ReviewDecision{}, qms.Errorf(qms.ErrNotFound, "no decision %s", decisionID)
}

// Close closes a review that was held (review decide: the chairman): it is
// refused while a required section is open. The pack is compiled once
// more, printed in Vietnamese and filed as a management-review record of
// the unit keeping it (before the review's row changes: a record without
// its closing is harmless, a closed review without its record is not),
// then frozen with the review.
func (rv *Reviews) Close(ctx context.Context, id string) (Review, error) {
	a, err := rv.may(ctx, actReviewDec)
	if err != nil {
		return Review{}, err
	}
	r, err := rv.Get(ctx, id)
	if err != nil {
		return r, err
	}
	if err := rv.closable(r); err != nil {
		return r, err
	}
	p, err := rv.compile(ctx, r)
	if err != nil {
		return r, err
	}
	if open := p.OpenSections(); len(open) > 0 {
		return r, qms.Errorf(qms.ErrState, "the review cannot be closed while a required section is open: %s", qms.Label{Prefix: "review.section", Code: open[0]})
	}
	if rv.o.PDF != nil && rv.o.Filer != nil {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(rv.o.PDF.RenderPack(ctx, pw, p, "vi")) }()
		recID, err := rv.o.Filer.FileMinutes(ctx, MinutesRecord{Type: "management-review", Unit: r.Unit,
			Title: qms.M("Management review: %s", clip(r.Title, 300)), Date: r.HeldOn, Clauses: []string{"9.3"},
			FileName: "xem-xet-lanh-dao-" + r.HeldOn.String() + ".pdf", File: pr})
		pr.CloseWithError(err)
		if err != nil {
			return r, err
		}
		p.RecordID = recID
	}
	return rv.o.Store.MutateReview(ctx, id, func(cur *Review) (ReviewChange, error) {
		if err := rv.closable(*cur); err != nil {
			return ReviewChange{}, err
		}
		for k, t := range cur.Texts {
			if r.Texts[k].Version != t.Version {
				return ReviewChange{}, qms.Errorf(qms.ErrConflict, "a section changed while the review was being closed; close it again")
			}
		}
		p.ClosedBy = a.Login
		ev := trail.NewEvent(ctx, "review.close", "management_review", cur.ID, cur.Unit, map[string]any{"record": p.RecordID,
			"decisions": len(cur.Decisions)})
		return ReviewChange{Close: &p, Events: []trail.Event{ev}}, nil
	})
}

// closable refuses to close a review that is closed or not held yet.
func (rv *Reviews) closable(r Review) error {
	if r.State != ReviewOpen {
		return qms.Errorf(qms.ErrState, "the review is closed")
	}
	if rv.s.today().Before(r.HeldOn) {
		return qms.Errorf(qms.ErrState, "the review is closed once it is held (%s)", r.HeldOn.Display())
	}
	return nil
}

// clip cuts s to n characters.
func clip(s string, n int) string {
	if rs := []rune(s); len(rs) > n {
		return string(rs[:n-1]) + "…"
	}
	return s
}
