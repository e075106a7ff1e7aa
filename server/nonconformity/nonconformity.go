// Package nonconformity owns nonconformities and their corrective actions
// (ISO 9001 10.2): the register with gap-free yearly numbers, containment,
// root-cause analysis (five whys, cause categories, similar earlier NCs),
// corrective actions with their state machine, the head's electronic
// sign-off, the coordinator's verification of effectiveness, closing and
// reopening, the scheduled escalation of overdue work, and the per-unit
// scorecard. Authorization and separation of duties are decided here.
package nonconformity

import (
	"context"
	"io"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// NC statuses.
const (
	StatusOpen           = "open"
	StatusAnalysed       = "analysed"
	StatusActionsPlanned = "actions_planned"
	StatusClosed         = "closed"
	StatusReopened       = "reopened"
	StatusCancelled      = "cancelled"
)

// NCStatuses lists the NC statuses in lifecycle order.
var NCStatuses = []string{StatusOpen, StatusAnalysed, StatusActionsPlanned, StatusReopened, StatusClosed, StatusCancelled}

// Action statuses.
const (
	ActionOpen                 = "open"
	ActionInProgress           = "in_progress"
	ActionDone                 = "done"
	ActionSignedOff            = "signed_off"
	ActionVerifiedEffective    = "verified_effective"
	ActionVerifiedNotEffective = "verified_not_effective"
)

// ActionStatuses lists the action statuses in lifecycle order.
var ActionStatuses = []string{ActionOpen, ActionInProgress, ActionDone, ActionSignedOff, ActionVerifiedEffective, ActionVerifiedNotEffective}

// Sources of a nonconformity.
const (
	SourceInternalAudit      = "internal_audit"
	SourceExternalInspection = "external_inspection"
	SourceComplaint          = "complaint"
	SourceProcess            = "process" // a late dossier or another process measurement
	SourceManagementReview   = "management_review"
	SourceSelfReport         = "self_report"
)

// Sources lists the accepted sources.
var Sources = []string{SourceInternalAudit, SourceExternalInspection, SourceComplaint, SourceProcess, SourceManagementReview, SourceSelfReport}

// Severities lists the accepted severities, most serious first.
var Severities = []string{"major", "minor", "observation"}

// CauseCategories are the classic cause categories (the "6M" of an
// Ishikawa diagram), used for the Pareto chart.
var CauseCategories = []string{"people", "method", "equipment", "material", "environment", "measurement"}

// File purposes.
const (
	FileEvidence     = "evidence"     // evidence of the nonconformity
	FileDone         = "done"         // what the owner did
	FileVerification = "verification" // evidence of effectiveness
)

// Object types in the trail and on signatures.
const (
	ObjectNC     = "nc"
	ObjectAction = "nc_action"
)

// Permission objects and acts (policies/policy.csv).
const (
	permNC          = "nc"
	permAction      = "action"
	actRead         = "read"
	actReport       = "report"
	actManage       = "manage"
	actCancel       = "cancel"
	actWork         = "work"
	actSignoff      = "signoff"
	actVerify       = "verify"
	signoffMeaning  = "signed_off"
	verifyMeaning   = "verified"
	maxWhys         = 5
	maxActionsPerNC = 50
)

// NC is a nonconformity with its actions and files.
type NC struct {
	ID          string   `json:"id" db:"id"`
	Number      string   `json:"number" db:"number"`
	Year        int      `json:"year" db:"year"`
	Seq         int      `json:"-" db:"seq"`
	Source      string   `json:"source" db:"source"`
	SourceRef   string   `json:"source_ref,omitempty" db:"source_ref"`
	Severity    string   `json:"severity" db:"severity"`
	Unit        string   `json:"unit" db:"unit"`
	Clauses     []string `json:"clauses" db:"-"`
	Title       string   `json:"title" db:"title"`
	Description string   `json:"description" db:"description"`
	// TitleMsg and DescriptionMsg: a generated text as a message, rendered
	// in the reader's language where it is shown (see NewNC).
	TitleMsg        *qms.Msg   `json:"title_msg,omitempty" db:"-"`
	DescriptionMsg  *qms.Msg   `json:"description_msg,omitempty" db:"-"`
	DetectedBy      string     `json:"detected_by" db:"detected_by"`
	DetectedOn      time.Time  `json:"detected_on" db:"detected_on"`
	Status          string     `json:"status" db:"status"`
	Containment     string     `json:"containment,omitempty" db:"containment"`
	ContainmentBy   string     `json:"containment_by,omitempty" db:"containment_by"`
	ContainmentOn   *time.Time `json:"containment_on,omitempty" db:"containment_on"`
	CauseSummary    string     `json:"cause_summary,omitempty" db:"cause_summary"`
	CauseCategories []string   `json:"cause_categories" db:"-"`
	Whys            []string   `json:"whys" db:"-"`
	AnalysedAt      *time.Time `json:"analysed_at,omitempty" db:"analysed_at"`
	CancelReason    string     `json:"cancel_reason,omitempty" db:"cancel_reason"`
	ClosedAt        *time.Time `json:"closed_at,omitempty" db:"closed_at"`
	CancelledAt     *time.Time `json:"cancelled_at,omitempty" db:"cancelled_at"`
	AnalysisLateAt  *time.Time `json:"analysis_late_at,omitempty" db:"analysis_late_at"`
	CreatedBy       *string    `json:"created_by,omitempty" db:"created_by"`
	CreatedByName   string     `json:"created_by_name,omitempty" db:"created_by_name"`
	CreatedAt       time.Time  `json:"created_at" db:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at" db:"updated_at"`
	// Actions and Files are loaded for one NC; register rows leave them
	// out and give ActionCount instead.
	Actions []Action `json:"actions,omitempty" db:"-"`
	Files   []File   `json:"files,omitempty" db:"-"`
	// ActionCount is the number of actions (register rows).
	ActionCount int `json:"action_count" db:"action_count"`
	// Overdue: an action is past its due date and not done.
	Overdue bool `json:"overdue" db:"overdue"`
}

// Action is one corrective action of an NC.
type Action struct {
	ID            string     `json:"id" db:"id"`
	NCID          string     `json:"nc_id" db:"nc_id"`
	No            int        `json:"no" db:"no"`
	Unit          string     `json:"unit" db:"unit"`
	Owner         string     `json:"owner" db:"owner"`
	OwnerName     string     `json:"owner_name" db:"owner_name"`
	Verifier      *string    `json:"verifier,omitempty" db:"verifier"`
	Description   string     `json:"description" db:"description"`
	Due           time.Time  `json:"due" db:"due"`
	VerifyAfter   time.Time  `json:"verify_after" db:"verify_after"`
	Status        string     `json:"status" db:"status"`
	Report        string     `json:"report,omitempty" db:"report"`
	StartedAt     *time.Time `json:"started_at,omitempty" db:"started_at"`
	DoneAt        *time.Time `json:"done_at,omitempty" db:"done_at"`
	SignedOffAt   *time.Time `json:"signed_off_at,omitempty" db:"signed_off_at"`
	SignedOffBy   *string    `json:"signed_off_by,omitempty" db:"signed_off_by"`
	VerifiedAt    *time.Time `json:"verified_at,omitempty" db:"verified_at"`
	VerifiedBy    *string    `json:"verified_by,omitempty" db:"verified_by"`
	VerifyComment string     `json:"verify_comment,omitempty" db:"verify_comment"`
	OverdueAt     *time.Time `json:"overdue_at,omitempty" db:"overdue_at"`
	CreatedBy     *string    `json:"created_by,omitempty" db:"created_by"`
	CreatedAt     time.Time  `json:"created_at" db:"created_at"`
	// Signatures are the sign-off and verification signatures (read only).
	Signatures []qms.Signature `json:"signatures,omitempty" db:"-"`
	// NCNumber and NCTitle are filled for "my actions" lists.
	NCNumber string `json:"nc_number,omitempty" db:"nc_number"`
	NCTitle  string `json:"nc_title,omitempty" db:"nc_title"`
	// NCTitleMsg is the NC's title as a message when qmstrack wrote it.
	NCTitleMsg *qms.Msg `json:"nc_title_msg,omitempty" db:"-"`
}

// Pending reports whether the action still waits for its owner.
func (a Action) Pending() bool { return a.Status == ActionOpen || a.Status == ActionInProgress }

// Verified reports whether the action's effectiveness has been judged.
func (a Action) Verified() bool {
	return a.Status == ActionVerifiedEffective || a.Status == ActionVerifiedNotEffective
}

// OverdueOn reports whether the action is past its due date on day (a date
// in the organisation's time zone) and not yet carried out.
func (a Action) OverdueOn(day time.Time) bool { return a.Pending() && a.Due.Before(dateOf(day)) }

// File is one evidence file.
type File struct {
	ID         string `json:"id" db:"id"`
	NCID       string `json:"nc_id" db:"nc_id"`
	ActionID   string `json:"action_id,omitempty" db:"action_id"`
	Purpose    string `json:"purpose" db:"purpose"`
	FileName   string `json:"file_name" db:"file_name"`
	UploadedBy string `json:"uploaded_by,omitempty" db:"uploaded_by"`
	qms.StoredObject
	UploadedAt time.Time `json:"uploaded_at" db:"uploaded_at"`
}

// Filter selects NCs in the register.
type Filter struct {
	Status   string
	Unit     string
	Severity string
	Source   string
	Clause   string
	Overdue  bool
	Q        string
	Today    time.Time // for "overdue"; set by the service
	Cursor   string    // opaque: the number of the last NC of the previous page
	Limit    int
}

// Similar is an earlier NC that shares the unit, a clause or a cause
// category with another (ISO 9001 10.2.1 b: do similar NCs exist?).
type Similar struct {
	ID      string    `json:"id" db:"id"`
	Number  string    `json:"number" db:"number"`
	Title   string    `json:"title" db:"title"`
	Status  string    `json:"status" db:"status"`
	Unit    string    `json:"unit" db:"unit"`
	Created time.Time `json:"created_at" db:"created_at"`
	// TitleMsg is the title as a message when qmstrack wrote it.
	TitleMsg *qms.Msg `json:"title_msg,omitempty" db:"-"`
	// Why names what it shares: "unit", "clause", "cause".
	Why        []string `json:"why" db:"-"`
	SameUnit   bool     `json:"-" db:"same_unit"`
	SameClause bool     `json:"-" db:"same_clause"`
	SameCause  bool     `json:"-" db:"same_cause"`
}

// Change is what a mutation writes besides the NC and its actions, in the
// same transaction.
type Change struct {
	Events     []trail.Event
	Signatures []qms.Signature
	Files      []File
	// Notes are in-app notifications to add (an action assigned).
	Notes []Note
}

// Note is an in-app notification (and possibly an email) for one person.
type Note struct {
	UserID  string
	Email   string
	Lang    string
	Kind    string
	Subject qms.Msg
	Link    string
	Dedupe  string
	// Mail is the e-mail that goes with the notification (To empty: none),
	// queued by Store.Escalate in the transaction that writes it.
	Mail qms.Email
	// Mailed is set on the notes Escalate returns whose e-mail it queued.
	Mailed bool
}

// Person is someone to notify.
type Person struct {
	ID    string `db:"id"`
	Name  string `db:"name"`
	Email string `db:"email"`
	Lang  string `db:"lang"`
}

// Store is what the capability needs from the database.
type Store interface {
	// Create allocates the next number of year (locking the year's counter
	// row) and stores nc, its files and ev in one transaction. When
	// nc.SourceRef is set and a live NC already has it, Create returns that
	// NC and created=false, storing nothing.
	Create(ctx context.Context, nc NC, year int, ev trail.Event) (out NC, created bool, err error)
	// Get returns an NC with its actions, files and signatures.
	Get(ctx context.Context, id string) (NC, error)
	// Mutate locks the NC row, loads it with its actions, calls fn, and
	// writes the NC, every action (new ones inserted), and what fn's Change
	// lists; if fn fails nothing is written.
	Mutate(ctx context.Context, id string, fn func(nc *NC) (Change, error)) (NC, error)
	// ActionNC returns the id of the NC an action belongs to.
	ActionNC(ctx context.Context, actionID string) (string, error)
	List(ctx context.Context, f Filter, scope qms.Scope) ([]NC, error)
	Similar(ctx context.Context, nc NC, scope qms.Scope, limit int) ([]Similar, error)
	// MyActions lists the actions a person owns, can sign off or can verify.
	MyActions(ctx context.Context, userID string, signoff, verify qms.Scope) ([]Action, error)
	File(ctx context.Context, id string) (File, error)
	// Scorecard and OpenOverdue read counts kept with every change, never
	// the NCs' history; Open, Closed, ClosedOnTime and DaysToClose per
	// unit, Overdue (actions of the unit pending with due < today) and
	// Unanswered (NCs still open created before analysisCutoff) counted
	// from indexes as they depend on now.
	Scorecard(ctx context.Context, today time.Time, analysisCutoff time.Time, scope qms.Scope) ([]UnitScore, error)
	// OpenOverdue fills Open and Overdue only (the dashboard's counts).
	OpenOverdue(ctx context.Context, today time.Time, scope qms.Scope) ([]UnitScore, error)
	Monthly(ctx context.Context, from time.Time, loc *time.Location, scope qms.Scope) ([]MonthCount, error)
	Causes(ctx context.Context, scope qms.Scope) ([]CauseCount, error)
	// Job support.
	LateActions(ctx context.Context, today time.Time) ([]LateItem, error)
	LateAnalyses(ctx context.Context, cutoff time.Time) ([]LateItem, error)
	People(ctx context.Context, role, unit string) ([]Person, error)
	Person(ctx context.Context, id string) (Person, error)
	// Escalate marks the item late (once, with ev in the trail), adds the
	// notes (idempotent by their dedupe key) and queues the e-mail of each
	// new one, all in one transaction: an e-mail is queued if and only if
	// its notification is written. It returns the notes that were new,
	// Mailed set on those whose e-mail it queued (none when no mail server
	// is configured).
	Escalate(ctx context.Context, item LateItem, ev trail.Event, notes []Note) ([]Note, error)
	// Notify adds notes in their own transaction.
	Notify(ctx context.Context, notes []Note) ([]Note, error)
}

// Blobs is what the capability needs from the object store.
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader, maxSize int64) (qms.StoredObject, error)
	Open(ctx context.Context, key, versionID string) (io.ReadSeekCloser, error)
}

// Authorizer answers permission questions (Casbin).
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
	Scope(userID, obj, act string) qms.Scope
	HoldsRole(userID, role, unit string) bool
}

// PasswordChecker re-authenticates a signer.
type PasswordChecker interface {
	CheckPassword(ctx context.Context, userID, password string) error
}

// AuditAccess gives the units a user is auditing on day now (the internal
// audit capability, wired in the app).
type AuditAccess interface {
	AuditedUnits(ctx context.Context, userID string, now time.Time) ([]string, error)
}

// TrailReader reads trail entries of one object.
type TrailReader interface {
	List(ctx context.Context, f trail.Filter) ([]trail.Entry, error)
}

// OverdueDirectives counts, per unit, the directives past due without an
// accepted report (the process capability answers it).
type OverdueDirectives interface {
	OverdueDirectivesByUnit(ctx context.Context) (map[string]int, error)
}
