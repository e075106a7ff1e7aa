// Package document owns controlled documents (ISO 9001 7.5): the register,
// revisions with issue numbers and files, the approval state machine
// (draft -> in_review -> approved -> effective -> superseded, withdrawal to
// obsolete), separation of duties, electronic signatures, acknowledgement of
// effective revisions, periodic review, the public register, the text of
// files for search (read after the upload, within a budget) and auditors'
// read access during an audit's window. It declares the store, object
// store, authorizer, password checker and audit window it needs.
package document

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Document types.
const (
	TypePolicy      = "policy"
	TypeManual      = "manual"
	TypeProcedure   = "procedure"
	TypeInstruction = "instruction"
	TypeForm        = "form"
	TypeExternal    = "external"
)

// Types lists the document types in display order.
var Types = []string{TypePolicy, TypeManual, TypeProcedure, TypeInstruction, TypeForm, TypeExternal}

// Document statuses.
const (
	DocDraft     = "draft"     // no revision has been effective yet
	DocEffective = "effective" // one revision is in force
	DocObsolete  = "obsolete"  // withdrawn
)

// Revision statuses.
const (
	StatusDraft      = "draft"
	StatusInReview   = "in_review"
	StatusApproved   = "approved"
	StatusEffective  = "effective"
	StatusSuperseded = "superseded"
	StatusObsolete   = "obsolete"
)

// File kinds.
const (
	KindMain       = "main"
	KindAttachment = "attachment"
)

// Review decisions.
const (
	DecisionApprove = "approve"
	DecisionChanges = "changes"
)

// Signature meanings on revisions.
const (
	MeaningReviewed  = "reviewed"
	MeaningChanges   = "changes_requested"
	MeaningApproved  = "approved"
	MeaningPublished = "published"
)

// ObjectRevision is the object type of revisions in signatures and the trail.
const ObjectRevision = "revision"

// ObjectDocument is the object type of documents in the trail.
const ObjectDocument = "document"

// DefaultMaxUpload is the upload limit when none is configured (512 MiB).
const DefaultMaxUpload = 512 << 20

// Document is one entry of the register.
type Document struct {
	ID             string     `json:"id" db:"id"`
	Code           string     `json:"code" db:"code"`
	Title          string     `json:"title" db:"title"`
	Type           string     `json:"type" db:"type"`
	Unit           string     `json:"unit" db:"unit"`
	Clauses        []string   `json:"clauses" db:"-"`
	ReviewMonths   int        `json:"review_months" db:"review_months"`
	Public         bool       `json:"public" db:"public"`
	DistUnits      []string   `json:"distribution_units" db:"-"`
	DistRoles      []string   `json:"distribution_roles" db:"-"`
	Status         string     `json:"status" db:"status"`
	PendingStatus  *string    `json:"pending_status,omitempty" db:"pending_status"`
	EffectiveRev   *string    `json:"effective_revision_id,omitempty" db:"effective_rev"`
	EffectiveIssue *int       `json:"effective_issue,omitempty" db:"effective_issue"`
	EffectiveAt    *time.Time `json:"effective_at,omitempty" db:"effective_at"`
	NextReviewAt   *time.Time `json:"next_review_at,omitempty" db:"next_review_at"`
	WithdrawnAt    *time.Time `json:"withdrawn_at,omitempty" db:"withdrawn_at"`
	WithdrawReason string     `json:"withdraw_reason,omitempty" db:"withdraw_reason"`
	CreatedBy      string     `json:"created_by" db:"created_by"`
	CreatedAt      time.Time  `json:"created_at" db:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at" db:"updated_at"`
	// ReviewOverdue is computed at read time from NextReviewAt.
	ReviewOverdue bool `json:"review_overdue" db:"-"`
	// Revisions, on a single document, are those the reader may see, newest first.
	Revisions []Revision `json:"revisions,omitempty" db:"-"`
}

// Revision is one issue of a document.
type Revision struct {
	ID            string `json:"id" db:"id"`
	DocumentID    string `json:"document_id" db:"document_id"`
	Issue         int    `json:"issue" db:"issue"`
	Status        string `json:"status" db:"status"`
	Change        string `json:"change" db:"change"`
	CreatedBy     string `json:"created_by" db:"created_by"`
	CreatedByName string `json:"created_by_name" db:"created_by_name"`
	// CreatedByRole is the drafter's role in the owner unit, for the sign-off block.
	CreatedByRole string     `json:"created_by_role,omitempty" db:"-"`
	CreatedAt     time.Time  `json:"created_at" db:"created_at"`
	SubmittedAt   *time.Time `json:"submitted_at,omitempty" db:"submitted_at"`
	ApprovedAt    *time.Time `json:"approved_at,omitempty" db:"approved_at"`
	ApprovedBy    *string    `json:"approved_by,omitempty" db:"approved_by"`
	PublishedAt   *time.Time `json:"published_at,omitempty" db:"published_at"`
	PublishedBy   *string    `json:"published_by,omitempty" db:"published_by"`
	EffectiveAt   *time.Time `json:"effective_at,omitempty" db:"effective_at"`
	SupersededAt  *time.Time `json:"superseded_at,omitempty" db:"superseded_at"`
	UpdatedAt     time.Time  `json:"updated_at" db:"updated_at"`
	Files         []File     `json:"files"`
	// OldFiles are replaced files, kept for the history.
	OldFiles   []File          `json:"replaced_files,omitempty"`
	Reviewers  []Reviewer      `json:"reviewers"`
	Signatures []qms.Signature `json:"signatures"`
	// Actions are what the reader may do now (filled by the service).
	Actions []string `json:"actions,omitempty"`
}

// IssueLabel is the issue number as offices write it: 01, 02, ...
func (r Revision) IssueLabel() string { return fmt.Sprintf("%02d", r.Issue) }

// Working reports whether the revision is still being prepared.
func (r Revision) Working() bool {
	return r.Status == StatusDraft || r.Status == StatusInReview || r.Status == StatusApproved
}

// Scheduled reports whether the revision was published for a future date.
func (r Revision) Scheduled() bool { return r.Status == StatusApproved && r.PublishedAt != nil }

// MainFile returns the current main file, if any.
func (r Revision) MainFile() (File, bool) {
	for _, f := range r.Files {
		if f.Kind == KindMain {
			return f, true
		}
	}
	return File{}, false
}

// Hashes returns the SHA-256 of every current file, main first: what a signature covers.
func (r Revision) Hashes() []string {
	out := []string{}
	for _, f := range r.Files {
		if f.Kind == KindMain {
			out = append(out, f.SHA256)
		}
	}
	for _, f := range r.Files {
		if f.Kind != KindMain {
			out = append(out, f.SHA256)
		}
	}
	return out
}

// File is one file of a revision: a version in the object store.
type File struct {
	ID         string `json:"id" db:"id"`
	RevisionID string `json:"revision_id" db:"revision_id"`
	Kind       string `json:"kind" db:"kind"`
	Name       string `json:"name" db:"file_name"`
	qms.StoredObject
	UploadedBy string     `json:"uploaded_by" db:"uploaded_by"`
	UploadedAt time.Time  `json:"uploaded_at" db:"uploaded_at"`
	ReplacedAt *time.Time `json:"replaced_at,omitempty" db:"replaced_at"`
	// TextState says whether the file's text is searchable: pending until
	// the documents.index job has read it, then indexed or not_indexed
	// with TextReason (see Extract).
	TextState  string `json:"text_state" db:"text_state"`
	TextReason string `json:"text_reason,omitempty" db:"text_reason"`
	// TextTries counts the claims of the file by the documents.index job.
	TextTries int `json:"-" db:"text_tries"`
}

// Reviewer is a person chosen to review a revision and their decision.
type Reviewer struct {
	UserID    string     `json:"user_id" db:"user_id"`
	Login     string     `json:"login" db:"login"`
	Name      string     `json:"name" db:"name"`
	Decision  *string    `json:"decision" db:"decision"`
	Comment   string     `json:"comment" db:"comment"`
	DecidedAt *time.Time `json:"decided_at,omitempty" db:"decided_at"`
}

// Person is a user as the document capability needs to know them.
type Person struct {
	UserID string `db:"id"`
	Login  string `db:"login"`
	Name   string `db:"name"`
	Active bool   `db:"active"`
}

// Ack is one person's acknowledgement of an effective revision.
type Ack struct {
	RevisionID string     `json:"revision_id" db:"revision_id"`
	DocumentID string     `json:"document_id" db:"document_id"`
	UserID     string     `json:"user_id" db:"user_id"`
	Login      string     `json:"login" db:"login"`
	Name       string     `json:"name" db:"name"`
	Units      []string   `json:"units" db:"-"`
	CreatedAt  time.Time  `json:"created_at" db:"created_at"`
	AckedAt    *time.Time `json:"acked_at,omitempty" db:"acked_at"`
}

// PendingAck is an acknowledgement task of one person.
type PendingAck struct {
	RevisionID string    `db:"revision_id"`
	DocumentID string    `db:"document_id"`
	Code       string    `db:"code"`
	Title      string    `db:"title"`
	Issue      int       `db:"issue"`
	Since      time.Time `db:"created_at"`
}

// PendingReview is a revision waiting for one reviewer's decision.
type PendingReview struct {
	RevisionID string    `db:"revision_id"`
	DocumentID string    `db:"document_id"`
	Code       string    `db:"code"`
	Title      string    `db:"title"`
	Issue      int       `db:"issue"`
	Since      time.Time `db:"submitted_at"`
}

// PublicEntry is one line of the public register.
type PublicEntry struct {
	DocumentID  string    `json:"document_id" db:"document_id"`
	Code        string    `json:"code" db:"code"`
	Title       string    `json:"title" db:"title"`
	Type        string    `json:"type" db:"type"`
	Unit        string    `json:"unit" db:"unit"`
	UnitNameVI  string    `json:"unit_name_vi" db:"unit_name_vi"`
	UnitNameEN  string    `json:"unit_name_en" db:"unit_name_en"`
	RevisionID  string    `json:"revision_id" db:"revision_id"`
	Issue       int       `json:"issue" db:"issue"`
	EffectiveAt time.Time `json:"effective_at" db:"effective_at"`
	FileID      *string   `json:"file_id,omitempty" db:"file_id"`
	FileName    *string   `json:"file_name,omitempty" db:"file_name"`
	Size        *int64    `json:"size,omitempty" db:"size"`
	SHA256      *string   `json:"sha256,omitempty" db:"sha256"`
	// URL is the download address (filled by the service).
	URL string `json:"url,omitempty" db:"-"`
}

// Filter selects documents in the register.
type Filter struct {
	Q         string // words; accent-insensitive
	Unit      string
	Type      string
	Status    string // draft, in_review, approved, effective, obsolete
	Clause    string
	ReviewDue bool   // due for periodic review within 30 days (or overdue)
	Sort      string // code (default), title, updated, relevance (by rank when searching, else by code)
	Cursor    string // opaque, from a previous page
	Limit     int    // 1..200, default 50
}

// Visibility is what the reader may see, as unit scopes pushed into SQL.
type Visibility struct {
	UserID  string
	Read    qms.Scope // effective documents
	Draft   qms.Scope // every revision being worked on
	History qms.Scope // superseded and obsolete
	// Audited are the units of the audits the reader is conducting today:
	// the documents that apply to them, in force or withdrawn, and their
	// history (see AppliesTo).
	Audited []string
}

// ListPage is one page of the register.
type ListPage struct {
	Items      []Document `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

// Staged is a file streamed into the object store and not yet attached to a
// revision: blob first, row after.
type Staged struct {
	Kind       string
	Name       string
	Replace    string // id of the file it replaces, if any
	Object     qms.StoredObject
	UploadedBy string
}

// Target names what Store.Mutate locks: a document, or a revision together
// with its document (the document first, always, so concurrent acts on one
// document queue instead of deadlocking).
type Target struct {
	DocumentID string
	RevisionID string
}

// Locked is the state read under the row locks of a Target, given to the
// service to decide a change; Rev is zero when only a document is locked.
type Locked struct {
	Doc Document
	Rev Revision
}

// Change is what an act writes, decided by the service on the locked state.
// The store applies it in the transaction that holds the lock, with the
// trail event; zero fields change nothing.
type Change struct {
	// Register replaces the document's register data (title, type,
	// clauses, review interval, public, distribution).
	Register *Document
	// NewRevision starts the next issue of the document (Change,
	// CreatedBy); the fields below then apply to it, and the event's
	// object id and issue are filled in.
	NewRevision *Revision
	// Files are added to the revision, each replacing the file it names.
	Files []Staged
	// VoidReason voids the revision's live signatures (its files changed).
	VoidReason string
	Status     string // new revision status
	Reviewers  []Person
	Decision   *ReviewDecision
	Signature  *qms.Signature
	PublishAt  *time.Time // publication: effective date (now or later)
	MakeActive bool       // publication now: supersede the effective revision, create acknowledgements
	// WithdrawReason withdraws the document: it and its unfinished and
	// effective revisions become obsolete.
	WithdrawReason string
	// Reviewed records a periodic review without change.
	Reviewed *PeriodicReview
	Event    trail.Event
	Notify   []Notice
}

// ReviewDecision records one reviewer's decision.
type ReviewDecision struct {
	UserID   string
	Decision string
	Comment  string
}

// PeriodicReview is a periodic review that confirmed a document unchanged;
// the next review falls due one interval after At.
type PeriodicReview struct {
	UserID  string
	Comment string
	At      time.Time
}

// Notice is an in-app notification sent with a change; its subject is a
// message, rendered in the recipient's language where it is shown.
type Notice struct {
	UserID  string
	Kind    string
	Subject qms.Msg
	Link    string
	Dedupe  string
}

// Errors the store returns where SQL decides (a missing row, a condition
// checked by the update itself): declared here so every layer speaks them
// the same way and the store writes no sentences.
var (
	ErrNoDocument      = qms.Errorf(qms.ErrNotFound, "document not found")
	ErrNoRevision      = qms.Errorf(qms.ErrNotFound, "revision not found")
	ErrNoFile          = qms.Errorf(qms.ErrNotFound, "file not found")
	ErrNoPerson        = qms.Errorf(qms.ErrNotFound, "user not found")
	ErrBadCursor       = qms.Errorf(qms.ErrInvalid, "the cursor is not valid for this list; start from the first page")
	ErrAlreadyReviewed = qms.Errorf(qms.ErrState, "you have already reviewed this revision")
	// ErrNotInDistribution refuses a reader of the revision (who sees it,
	// so 403, not 404) who is not among those who must acknowledge it.
	ErrNotInDistribution   = qms.Errorf(qms.ErrForbidden, "you are not in the distribution of this revision")
	ErrAlreadyAcknowledged = qms.Errorf(qms.ErrState, "you have already acknowledged this revision")
)

// Store is what the document capability needs from the database. Every
// change of a document or a revision goes through Mutate, which writes the
// change and its trail event in one transaction.
type Store interface {
	Create(ctx context.Context, d Document, ev trail.Event) (Document, error)
	// Mutate locks the target's rows, calls fn with their state and
	// writes the Change it returns; if fn fails nothing is written. It
	// returns the state after the change.
	Mutate(ctx context.Context, t Target, fn func(Locked) (Change, error)) (Locked, error)
	Get(ctx context.Context, id string) (Document, error)
	GetByCode(ctx context.Context, code string) (Document, error)
	// Revisions returns every revision of a document with its files,
	// reviewers and signatures, newest first.
	Revisions(ctx context.Context, docID string) ([]Revision, error)
	Revision(ctx context.Context, id string) (Revision, error)
	List(ctx context.Context, f Filter, v Visibility, now time.Time) (ListPage, error)
	// ActivateDue makes effective every published revision whose date has
	// come; each is claimed with SKIP LOCKED so instances do not collide.
	ActivateDue(ctx context.Context, now time.Time) (int, error)
	// Acknowledge marks the user's acknowledgement of a revision:
	// ErrNotInDistribution or ErrAlreadyAcknowledged when there is none to mark.
	Acknowledge(ctx context.Context, revID, userID string, ev trail.Event) error
	HasAck(ctx context.Context, docID, userID string) (bool, error)
	Acks(ctx context.Context, revID string) ([]Ack, error)
	PendingAcks(ctx context.Context, userID string) ([]PendingAck, error)
	PendingReviews(ctx context.Context, userID string) ([]PendingReview, error)
	People(ctx context.Context, logins []string) ([]Person, error)
	PersonByID(ctx context.Context, id string) (Person, error)
	PublicList(ctx context.Context) ([]PublicEntry, error)
	// ClaimText takes the next current file whose text is pending, fewest
	// claims first, then oldest, and counts the claim: no other instance
	// takes it (SKIP LOCKED) until lease ends or its outcome is recorded.
	// ok is false when no file waits.
	ClaimText(ctx context.Context, lease time.Duration) (f File, ok bool, err error)
	// RecordText records the outcome of a claimed file's extraction and
	// refreshes the search of its document, under the document's lock.
	RecordText(ctx context.Context, fileID string, x Extracted) error
	// ReleaseText gives a claimed file back to the queue.
	ReleaseText(ctx context.Context, fileID string) error
}

// Blobs is what the document capability needs from the object store.
type Blobs interface {
	// PutFile streams r into a new version of key (media type from the
	// bytes, SHA-256 while streaming, ErrTooLarge beyond maxSize).
	PutFile(ctx context.Context, key string, r io.Reader, maxSize int64) (qms.StoredObject, error)
	// OpenVersion opens one version for reading, with Seek for Range
	// requests; the text extraction of ZIP-based formats also needs
	// io.ReaderAt, which the object store's versions have.
	OpenVersion(ctx context.Context, key, versionID string) (io.ReadSeekCloser, error)
}

// Authorizer answers permission questions (Casbin).
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
	Scope(userID, obj, act string) qms.Scope
}

// AuditAccess gives the units a user is auditing on the day of now (the
// internal audit capability owns the audit window).
type AuditAccess interface {
	AuditedUnits(ctx context.Context, userID string, now time.Time) ([]string, error)
}

// PasswordChecker re-authenticates a signer.
type PasswordChecker interface {
	CheckPassword(ctx context.Context, userID, password string) error
}

// RoleNamer names the role under which a person holds a permission in a
// unit, for the sign-off block ("head", "coordinator").
type RoleNamer func(userID, unit, obj, act string) string

// DecisionText is the decision, or "" while pending.
func (r Reviewer) DecisionText() string {
	if r.Decision == nil {
		return ""
	}
	return *r.Decision
}

// AppliesTo reports whether the document applies to one of units: it is
// owned by one of them, distributed to one of them, or organisation-wide.
// Organisation-wide is what the
// register means by it: distributed to every unit ("*" in the distribution,
// "the whole organisation" on the form), or public. A distribution by role
// reaches people, not units, and does not make a document apply to a unit.
func (d Document) AppliesTo(units []string) bool {
	if len(units) == 0 {
		return false
	}
	if d.Public {
		return true
	}
	for _, u := range d.DistUnits {
		if u == qms.AllUnits {
			return true
		}
	}
	for _, u := range units {
		if d.Unit == u {
			return true
		}
		for _, du := range d.DistUnits {
			if du == u {
				return true
			}
		}
	}
	return false
}

// PendingText is the status of the revision being worked on, or "".
func (d Document) PendingText() string {
	if d.PendingStatus == nil {
		return ""
	}
	return *d.PendingStatus
}

// EffectiveIssueLabel is the issue number in force as offices write it
// (01, 02, ...), or "" when none is.
func (d Document) EffectiveIssueLabel() string {
	if d.EffectiveIssue == nil {
		return ""
	}
	return fmt.Sprintf("%02d", *d.EffectiveIssue)
}
