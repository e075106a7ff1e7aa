// Package internalaudit owns internal audits (ISO 9001 9.2): the yearly
// audit programme, impartiality of the audit team, the checklist built from
// the ISO 9001:2015 clause list plus the office's own questions, findings
// (a nonconformity finding raises a linked NC through the nonconformity
// capability when it is wired), the audit report filed as a record, and the
// evidence an auditor marks reviewed during the audit's window.
//
// The files follow the lifecycle: audit.go (types and the interfaces the
// capability needs), service.go (New and Options), checklist.go (the clause
// list and an audit's questions), plan.go (the programme), impartial.go
// (who may audit which unit, checked at every act), findings.go, report.go,
// reviews.go (evidence reviewed and window access).
package internalaudit

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Audit statuses.
const (
	StatusPlanned  = "planned"
	StatusReported = "reported"
)

// Finding kinds.
const (
	KindConformity    = "conformity"
	KindObservation   = "observation"
	KindOFI           = "ofi" // opportunity for improvement
	KindNonconformity = "nonconformity"
)

// Kinds lists the finding kinds in display order.
var Kinds = []string{KindConformity, KindObservation, KindOFI, KindNonconformity}

// Permission object and acts (policies/policy.csv).
const (
	permAudit  = "audit"
	actRead    = "read"
	actPlan    = "plan"
	actConduct = "conduct"
)

// Clause is one ISO 9001:2015 clause with its checklist question.
type Clause struct {
	Clause     string    `json:"clause" db:"clause"`
	Sort       int       `json:"sort" db:"sort"`
	TitleVI    string    `json:"title_vi" db:"title_vi"`
	TitleEN    string    `json:"title_en" db:"title_en"`
	QuestionVI string    `json:"question_vi" db:"question_vi"`
	QuestionEN string    `json:"question_en" db:"question_en"`
	Active     bool      `json:"active" db:"active"`
	UpdatedAt  time.Time `json:"updated_at" db:"updated_at"`
}

// Title returns the title in lang.
func (c Clause) Title(lang string) string { return qms.Text{VI: c.TitleVI, EN: c.TitleEN}.In(lang) }

// Question returns the question in lang ("" when the clause has none).
func (c Clause) Question(lang string) string {
	if lang == "en" {
		return c.QuestionEN
	}
	return c.QuestionVI
}

// Member is a person on an audit team.
type Member struct {
	UserID string `json:"user_id" db:"user_id"`
	Login  string `json:"login" db:"login"`
	Name   string `json:"name" db:"name"`
	Lead   bool   `json:"lead" db:"is_lead"`
}

// Item is one checklist question of an audit.
type Item struct {
	ID       string `json:"id" db:"id"`
	Seq      int    `json:"seq" db:"seq"`
	Clause   string `json:"clause" db:"clause"`
	Question string `json:"question" db:"question"`
	Source   string `json:"source" db:"source"` // iso or own
}

// Finding is what an auditor found against a checklist item.
type Finding struct {
	ID       string `json:"id"`
	AuditID  string `json:"audit_id"`
	ItemID   string `json:"item_id"`
	Clause   string `json:"clause"`
	Unit     string `json:"unit"`
	Kind     string `json:"kind"`
	Severity string `json:"severity,omitempty"`
	// Description and Evidence (references such as record:<id>) are what
	// the auditor wrote.
	Description string   `json:"description"`
	Evidence    []string `json:"evidence"`
	// NCID and NCNumber name the NC a nonconformity raised.
	NCID         string    `json:"nc_id,omitempty"`
	NCNumber     string    `json:"nc_number,omitempty"`
	CreatedBy    string    `json:"created_by"`
	CreatedLogin string    `json:"created_login"`
	CreatedAt    time.Time `json:"created_at"`
}

// Audit is one planned internal audit with its team, checklist and findings.
type Audit struct {
	ID        string   `json:"id"`
	Number    string   `json:"number"`
	Year      int      `json:"year"`
	Title     string   `json:"title"`
	Units     []string `json:"units"`
	Processes string   `json:"processes"`
	Clauses   []string `json:"clauses"`
	// Start and End are the planned days (DATE columns: midnight UTC).
	Start        time.Time  `json:"planned_start"`
	End          time.Time  `json:"planned_end"`
	Lead         string     `json:"lead_auditor"`
	Team         []Member   `json:"team"`
	Status       string     `json:"status"`
	ReportRecord string     `json:"report_record,omitempty"`
	ReportedAt   *time.Time `json:"reported_at,omitempty"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	Items        []Item     `json:"items,omitempty"`
	Findings     []Finding  `json:"findings,omitempty"`
}

// InWindow reports whether day lies in the audit's planned dates.
func (a Audit) InWindow(day qms.Date) bool {
	return !day.Before(qms.DateFromTime(a.Start)) && !day.After(qms.DateFromTime(a.End))
}

// window returns the audit's planned dates as people write them, for the
// messages that refuse an act outside them.
func (a Audit) window() (string, string) {
	return qms.DateFromTime(a.Start).Display(), qms.DateFromTime(a.End).Display()
}

// OnTeam reports whether userID is on the team.
func (a Audit) OnTeam(userID string) bool {
	for _, m := range a.Team {
		if m.UserID == userID {
			return true
		}
	}
	return false
}

// Counts returns the number of findings of each kind.
func (a Audit) Counts() map[string]int {
	out := map[string]int{}
	for _, f := range a.Findings {
		out[f.Kind]++
	}
	return out
}

// Assignment is a role a person holds in one unit (org's role assignment,
// as far as impartiality needs it).
type Assignment struct {
	Role string `db:"role"`
	Unit string `db:"unit"`
}

// Review is a piece of evidence an auditor marked reviewed.
type Review struct {
	ID            string    `json:"id" db:"id"`
	AuditID       string    `json:"audit_id" db:"audit_id"`
	ObjectType    string    `json:"object_type" db:"object_type"`
	ObjectID      string    `json:"object_id" db:"object_id"`
	Unit          string    `json:"unit" db:"unit"`
	Comment       string    `json:"comment" db:"comment"`
	Reviewer      string    `json:"reviewer" db:"reviewer"`
	ReviewerLogin string    `json:"reviewer_login" db:"reviewer_login"`
	ReviewedAt    time.Time `json:"reviewed_at" db:"reviewed_at"`
}

// ReviewTypes are the kinds of evidence that can be marked reviewed.
var ReviewTypes = []string{"document", "revision", "record", "nc", "action", "trail"}

// Change is what a locked update of an audit writes besides its status and
// report columns, in the same transaction.
type Change struct {
	Events   []trail.Event
	Items    []Item    // new checklist items (ids set by the domain)
	Findings []Finding // new findings (ids set by the domain)
}

// Store is what internal audits need from the database; state changes write
// their trail events in the same transaction.
type Store interface {
	Clauses(ctx context.Context) ([]Clause, error)
	SaveClause(ctx context.Context, c Clause, ev trail.Event) (Clause, error)
	// Members resolves logins to users, in the order given; it returns
	// the logins with no active user as unknown.
	Members(ctx context.Context, logins []string) (found []Member, unknown []string, err error)
	// Units returns the codes of every unit of the organisation.
	Units(ctx context.Context) ([]string, error)
	// UnitRoles returns the user's role assignments bound to a unit (not
	// the organisation-wide "*"), as they stand now.
	UnitRoles(ctx context.Context, userID string) ([]Assignment, error)
	// Create numbers the audit in its year (IA-2026-01, gap-free), stores
	// team and checklist.
	Create(ctx context.Context, a Audit, items []Item, ev trail.Event) (Audit, error)
	Get(ctx context.Context, id string) (Audit, error)
	// List returns audits of year (0 = every year) touching units in scope
	// or having userID on the team.
	List(ctx context.Context, year int, scope qms.Scope, userID string) ([]Audit, error)
	// Mutate locks the audit row for the whole act, so findings and a
	// second report wait: it loads the audit with team, checklist and
	// findings, calls fn, and writes the audit's status and report, the new
	// items and findings and the events; if fn fails nothing is written.
	Mutate(ctx context.Context, id string, fn func(a *Audit) (Change, error)) (Audit, error)
	// TeamAudits returns the audits whose window contains day and whose
	// team includes userID, with id, number and units only.
	TeamAudits(ctx context.Context, userID string, day qms.Date) ([]Audit, error)
	// ObjectUnit returns the unit of a piece of evidence the audit team may
	// examine (ErrNotFound if none): documents and revisions only once in
	// force (effective, superseded, obsolete), as the evidence lists show
	// them.
	ObjectUnit(ctx context.Context, objectType, objectID string) (string, error)
	AddReview(ctx context.Context, r Review, ev trail.Event) (Review, error)
	Reviews(ctx context.Context, auditID string) ([]Review, error)
}

// Authorizer answers permission questions (Casbin).
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
	Scope(userID, obj, act string) qms.Scope
}

// NCRequest asks the nonconformity capability for a new NC.
type NCRequest struct {
	Unit        string
	Severity    string // major or minor
	Clauses     []string
	Title       string
	Description string
	Evidence    []string // references (record ids, document codes, ...)
	AuditID     string
	AuditNumber string
	// FindingRef names the finding ("audit:<audit id>/<finding id>"), unique
	// per finding, so raising twice yields the same NC.
	FindingRef string
}

// NCDescription is the description of the nonconformity raised for the
// finding: the finding's text, its evidence and the audit it comes from, as
// a message whose frame each reader reads in their language (the finding's
// own text stays as the auditor wrote it). The finding's text is cut so that
// the whole stays within 8,000 characters.
func (r NCRequest) NCDescription() qms.Msg {
	desc := r.Description
	evidence := strings.Join(r.Evidence, "\n- ")
	room := 8000 - 120 - len([]rune(evidence)) - len([]rune(r.AuditNumber))
	if room < 200 {
		room = 200
	}
	if rs := []rune(desc); len(rs) > room {
		desc = string(rs[:room-1]) + "…"
	}
	if len(r.Evidence) > 0 {
		if rs := []rune(evidence); len(rs) > 8000-120-len([]rune(desc)) {
			evidence = string(rs[:8000-121-len([]rune(desc))]) + "…"
		}
		return qms.M("%s\n\nEvidence:\n- %s\n\nInternal audit %s", desc, evidence, r.AuditNumber)
	}
	return qms.M("%s\n\nInternal audit %s", desc, r.AuditNumber)
}

// NCRaiser creates a nonconformity of source "internal audit" and returns
// its id and number.
type NCRaiser interface {
	RaiseFromAudit(ctx context.Context, r NCRequest) (id, number string, err error)
}

// ReportRecordType is the record type audit reports are filed under (seeded).
const ReportRecordType = "audit-report"

// ReportFile is an audit report to be filed as a record of type audit report.
type ReportFile struct {
	Unit     string
	Title    qms.Msg // read in each reader's language
	Date     qms.Date
	Clauses  []string
	AuditID  string
	FileName string
	File     io.Reader
}

// RecordFiler files the report as a retained record and returns its id.
type RecordFiler interface {
	FileAuditReport(ctx context.Context, r ReportFile) (string, error)
}

// ReportRenderer writes the report document (PDF or HTML) for an audit.
type ReportRenderer interface {
	RenderReport(ctx context.Context, w io.Writer, a Audit, lang string) error
	// Extension is the file extension of what RenderReport writes ("pdf").
	Extension() string
}
