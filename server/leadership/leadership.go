// Package leadership owns the leadership's follow-up of the office (ISO 9001
// 5.1, 9.3): meetings with their minutes filed as records, the directives
// they assign to units, the units' reports back with evidence and the
// issuer's decision on them, and the escalation of overdue directives. It is
// the home of management review and the improvement plan.
//
// It imports qms, trail, workday and the standard library only; the store,
// the object store, the authorizer, the record capability and the mailer are
// interfaces declared here and wired in server/app.
//
// Files: leadership.go (types, states, the interfaces it needs), service.go
// (New, Options, permissions), then one file per stage: meeting.go (a
// meeting and its minutes), directive.go (issuing and reading directives),
// report.go (the unit's report and the issuer's decision), escalation.go
// (overdue directives, the counts other capabilities read), plan.go (the
// improvement plan of the reform index, whose items are directives).
package leadership

import (
	"context"
	"io"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Directive states.
const (
	DirectiveOpen     = "open"     // assigned, not reported yet
	DirectiveReported = "reported" // the unit reported back; the issuer decides
	DirectiveAccepted = "accepted" // closed
	DirectiveReturned = "returned" // the issuer sent it back with a comment
)

// Meeting is a leadership meeting whose minutes are a record and whose
// directives assign work to units.
type Meeting struct {
	ID           string            `json:"id" db:"id"`
	HeldOn       workday.Date      `json:"held_on" db:"-"`
	Title        string            `json:"title" db:"title"`
	Chair        string            `json:"chair" db:"chair"`
	Participants string            `json:"participants" db:"participants"`
	Unit         string            `json:"unit,omitempty" db:"unit"` // keeps the minutes
	MinutesRef   string            `json:"minutes_record,omitempty" db:"minutes_record"`
	Minutes      *qms.StoredObject `json:"minutes,omitempty" db:"-"`
	MinutesName  string            `json:"minutes_filename,omitempty" db:"-"`
	CreatedBy    string            `json:"created_by" db:"created_login"`
	CreatedAt    time.Time         `json:"created_at" db:"created_at"`
	Directives   []Directive       `json:"directives" db:"-"`
}

// Directive is one task assigned at a meeting to a unit.
type Directive struct {
	ID             string       `json:"id" db:"id"`
	MeetingID      string       `json:"meeting_id,omitempty" db:"meeting_id"` // "" for a plan item issued with its plan
	MeetingTitle   string       `json:"meeting_title,omitempty" db:"meeting_title"`
	Unit           string       `json:"unit" db:"unit"`
	Title          string       `json:"title" db:"title"`
	ReportRequired string       `json:"report_required" db:"report_required"`
	DueOn          workday.Date `json:"due_on" db:"-"`
	State          string       `json:"state" db:"state"`
	IssuerID       string       `json:"-" db:"issuer_id"`
	Issuer         string       `json:"issuer" db:"issuer_login"`
	CreatedAt      time.Time    `json:"created_at" db:"created_at"`
	ClosedAt       *time.Time   `json:"closed_at,omitempty" db:"closed_at"`
	Overdue        bool         `json:"overdue" db:"-"`
	Reports        []Report     `json:"reports,omitempty" db:"-"`
	// A directive that is an item of an improvement plan (plan.go): the
	// index criterion it improves, the supporting units, the expected
	// output, and its progress in percent with the intermediate reports.
	PlanID         string     `json:"plan_id,omitempty" db:"plan_id"`
	Criterion      string     `json:"criterion,omitempty" db:"criterion"`
	SupportUnits   []string   `json:"support_units,omitempty" db:"-"`
	ExpectedOutput string     `json:"expected_output,omitempty" db:"expected_output"`
	Progress       int        `json:"progress" db:"progress_pct"`
	ProgressLog    []Progress `json:"progress_reports,omitempty" db:"-"`
}

// IsOverdue reports whether the directive is past due and not closed (a
// report waiting for the issuer's decision does not count against the
// unit).
func (d Directive) IsOverdue(today workday.Date) bool {
	return d.reportable() && d.DueOn.Before(today)
}

// reportable reports whether the unit may report on the directive now.
func (d Directive) reportable() bool { return d.State == DirectiveOpen || d.State == DirectiveReturned }

// Report is a unit's report back on a directive, with evidence, and the
// issuer's decision on it.
type Report struct {
	ID              string     `json:"id" db:"id"`
	ReporterID      string     `json:"-" db:"reporter_id"`
	Reporter        string     `json:"reporter" db:"reporter_login"`
	Text            string     `json:"text" db:"text"`
	At              time.Time  `json:"at" db:"at"`
	Decision        *string    `json:"decision,omitempty" db:"decision"`
	DecisionComment string     `json:"decision_comment,omitempty" db:"decision_comment"`
	DecidedBy       string     `json:"decided_by,omitempty" db:"decided_by"`
	DecidedAt       *time.Time `json:"decided_at,omitempty" db:"decided_at"`
	Evidence        []Evidence `json:"evidence" db:"-"`
}

// Evidence is one file attached to a report.
type Evidence struct {
	ID       string `json:"id" db:"id"`
	Filename string `json:"filename" db:"filename"`
	qms.StoredObject
}

// DirectiveFilter selects directives.
type DirectiveFilter struct {
	Scope     qms.Scope
	Unit      string
	MeetingID string
	States    []string
	Overdue   *workday.Date // only those due before this day and not closed
}

// UnitCount is one unit's directives that count against it.
type UnitCount struct {
	Unit     string `db:"unit"`
	Overdue  int    `db:"overdue"`  // past due, not closed
	Returned int    `db:"returned"` // sent back to the unit
}

// Change is what a locked change of a directive writes: its new state, a
// report to add or the decision on the latest report, and the trail entry.
type Change struct {
	State    string
	Closed   bool      // the directive is closed now (accepted)
	Report   *Report   // a new report, its evidence already stored
	Decision *Decision // the decision on the latest report
	Event    trail.Event
}

// Decision is the issuer's decision on a directive's latest report.
type Decision struct {
	Accept  bool
	Comment string
	By      string // login
}

// Outcome is the decision's code as stored on the report.
func (d Decision) Outcome() string {
	if d.Accept {
		return DirectiveAccepted
	}
	return DirectiveReturned
}

// Store keeps this capability's data. Every state change writes its trail
// entry in the same transaction.
type Store interface {
	// Meetings lists, newest first, the meetings of scope: those whose
	// minutes a unit of scope keeps or that gave a unit of scope a
	// directive (every meeting when scope is All).
	Meetings(ctx context.Context, scope qms.Scope) ([]Meeting, error)
	Meeting(ctx context.Context, id string) (Meeting, error)
	CreateMeeting(ctx context.Context, m Meeting, ev trail.Event) (Meeting, error)
	CreateDirective(ctx context.Context, d Directive, ev trail.Event) (Directive, error)
	Directive(ctx context.Context, id string) (Directive, error)
	Directives(ctx context.Context, f DirectiveFilter) ([]Directive, error)
	// Mutate is the one locked change of a directive: it loads the
	// directive (with its reports) FOR UPDATE, lets fn decide, and writes
	// the change and its trail entry in the same transaction. An error
	// from fn aborts it.
	Mutate(ctx context.Context, id string, fn func(*Directive) (Change, error)) (Directive, error)
	Evidence(ctx context.Context, directiveID, evidenceID string) (Evidence, error)
	// EscalateOverdue notifies each recipient of each directive past due
	// on today once per directive and due date, with the subject made by
	// subject, writes one trail entry per newly escalated directive, queues
	// the e-mail mail makes of each new notification in the transaction
	// that writes it (an e-mail is queued if and only if its notification
	// is written), and returns the new notifications, Mailed set on those
	// whose e-mail it queued (none when no mail server is configured).
	EscalateOverdue(ctx context.Context, today workday.Date, subject func(d Directive, unit qms.Text) qms.Msg, mail func(Escalation) qms.Email) ([]Escalation, error)
	// CountByUnit counts, per unit with any, the directives overdue on
	// today and those returned.
	CountByUnit(ctx context.Context, today workday.Date) ([]UnitCount, error)

	// Plans lists the improvement plans, newest year first; Plan returns
	// one with its items (directives) in scope.
	Plans(ctx context.Context) ([]Plan, error)
	Plan(ctx context.Context, id string, scope qms.Scope) (Plan, error)
	CreatePlan(ctx context.Context, p Plan, ev trail.Event) (Plan, error)
	// AddProgress records an intermediate progress report of a plan item
	// under the item's lock, when ok says the item takes one.
	AddProgress(ctx context.Context, id string, pr Progress, ok func(Directive) error, ev trail.Event) (Directive, error)
}

// Authorizer answers permission questions once per request.
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
	Scope(userID, obj, act string) qms.Scope
}

// Blobs stores evidence and minutes in the versioned object store.
type Blobs interface {
	PutFile(ctx context.Context, key string, r io.Reader, maxSize int64) (qms.StoredObject, error)
	OpenVersion(ctx context.Context, key, versionID string) (io.ReadSeekCloser, error)
}

// MinutesFiler files a meeting's minutes as a retained record (the record
// capability implements it and app wires it) and returns the record's id.
type MinutesFiler interface {
	FileMinutes(ctx context.Context, m MinutesRecord) (string, error)
}

// MinutesRecord is the record a meeting's minutes are filed as.
type MinutesRecord struct {
	Type     string // the record type, "meeting-minutes"
	Unit     string
	Title    qms.Msg // read in each reader's language
	Date     workday.Date
	Clauses  []string
	FileName string
	File     io.Reader
}

// Escalation is one new notification of an overdue directive, e-mailed in
// the recipient's language.
type Escalation struct {
	UserID    string
	Email     string
	Lang      string
	Subject   qms.Msg
	Link      string
	Directive string
	Mailed    bool // its e-mail was queued with it
}
