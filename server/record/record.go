// Package record owns retained documented information (ISO 9001 7.5.3):
// record types with their retention period and lock mode, records and their
// versions (a correction is a new version with a reason), legal hold, the
// list of records whose retention has expired, and disposition, an
// electronic signature after which the object versions are deleted. The
// object store enforces retention (WORM); this package decides the dates.
//
// The files follow the lifecycle: record.go (types and the interfaces the
// capability needs), service.go (New and Options), types.go (record types),
// file.go (filing and correcting), list.go (reading), hold.go (legal hold),
// dispose.go (disposition and the retention-expiry notices), pending.go
// (the steps that follow a committed row: retention applied to a stored
// version, the deletion of a disposed record's versions).
package record

import (
	"context"
	"io"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Lock modes of the object store.
const (
	ModeCompliance = "COMPLIANCE"
	ModeGovernance = "GOVERNANCE"
)

// Record statuses. A disposition moves a record from active to disposing
// (the signed decision) and then, once every version is deleted from the
// object store, to disposed.
const (
	StatusActive    = "active"
	StatusDisposing = "disposing"
	StatusDisposed  = "disposed"
)

// PermanentYears is how far ahead the object lock of a permanent record is
// set: S3 object lock needs a date, and a century outlives any system.
const PermanentYears = 100

// DefaultMaxSize is the upload limit when none is configured.
const DefaultMaxSize = 256 << 20

// Permission object and acts (policies/policy.csv).
const (
	permRecord  = "record"
	actRead     = "read"
	actCreate   = "create"
	actHold     = "hold"
	actDispose  = "dispose"
	actTypes    = "types"
	signMeaning = "disposed"
)

// Type is a kind of record with its retention rule.
type Type struct {
	Code           string    `json:"code" db:"code"`
	NameVI         string    `json:"name_vi" db:"name_vi"`
	NameEN         string    `json:"name_en" db:"name_en"`
	RetentionYears *int      `json:"retention_years" db:"retention_years"` // nil: permanent
	Mode           string    `json:"mode" db:"lock_mode"`
	UpdatedAt      time.Time `json:"updated_at" db:"updated_at"`
}

// Permanent reports whether records of this type are kept forever.
func (t Type) Permanent() bool { return t.RetentionYears == nil }

// Name returns the name in lang ("vi" or "en").
func (t Type) Name(lang string) string { return qms.Text{VI: t.NameVI, EN: t.NameEN}.In(lang) }

// Links name objects of other capabilities that a record belongs to.
type Links struct {
	Revision string `json:"revision,omitempty" db:"link_revision"`
	NC       string `json:"nc,omitempty" db:"link_nc"`
	Action   string `json:"action,omitempty" db:"link_action"`
	Audit    string `json:"audit,omitempty" db:"link_audit"`
}

// Record is one retained record.
type Record struct {
	ID string `json:"id" db:"id"`
	// Type is the code of the record type.
	Type  string `json:"type" db:"type_code"`
	Unit  string `json:"unit" db:"unit"`
	Title string `json:"title" db:"title"`
	// TitleMsg: a title qmstrack wrote, as a message (see NewRecord).
	TitleMsg *qms.Msg `json:"title_msg,omitempty" db:"-"`
	// Date is the record's date (a DATE column: midnight UTC); Day gives
	// it as a civil date.
	Date        time.Time  `json:"date" db:"record_date"`
	Clauses     []string   `json:"clauses" db:"-"`
	Links       Links      `json:"links"`
	Mode        string     `json:"mode" db:"lock_mode"`
	Permanent   bool       `json:"permanent" db:"permanent"`
	RetainUntil time.Time  `json:"retain_until" db:"retain_until"`
	Held        bool       `json:"held" db:"held"`
	HoldReason  string     `json:"hold_reason,omitempty" db:"hold_reason"`
	Status      string     `json:"status" db:"status"`
	DisposedAt  *time.Time `json:"disposed_at,omitempty" db:"disposed_at"`
	VersionsN   int        `json:"version_count" db:"versions"`
	CreatedBy   string     `json:"created_by" db:"created_by"`
	CreatedAt   time.Time  `json:"created_at" db:"created_at"`
	Versions    []Version  `json:"versions,omitempty" db:"-"`
	// Disposal is the signature of the disposition, once decided (status
	// disposing or disposed).
	Disposal *qms.Signature `json:"disposal,omitempty" db:"-"`
}

// Day is the record's date.
func (r Record) Day() qms.Date { return qms.DateFromTime(r.Date) }

// LastDay is the last day the record is kept (retention ends at the start
// of the next day); shown to people, where the instant would read a day late.
func (r Record) LastDay() time.Time { return r.RetainUntil.Add(-time.Second) }

// Due reports whether the record's retention has expired at now and it may
// be disposed of (not permanent, not held, not yet disposed).
func (r Record) Due(now time.Time) bool {
	return r.Status == StatusActive && !r.Permanent && !r.Held && !now.Before(r.RetainUntil)
}

// ToDelete returns the versions a disposition decided to delete that are
// still in the object store.
func (r Record) ToDelete() []Version {
	var out []Version
	for _, v := range r.Versions {
		if v.DeletedAt == nil && v.DeleteRequestedAt != nil {
			out = append(out, v)
		}
	}
	return out
}

// Live returns the versions not yet deleted by a disposition.
func (r Record) Live() []Version {
	var out []Version
	for _, v := range r.Versions {
		if v.DeletedAt == nil {
			out = append(out, v)
		}
	}
	return out
}

// Version is one file of a record; version 1 is the original, later ones are
// corrections with a reason.
type Version struct {
	RecordID string `json:"-" db:"record_id"`
	No       int    `json:"no" db:"no"`
	qms.StoredObject
	FileName    string     `json:"file_name" db:"file_name"`
	Reason      string     `json:"reason,omitempty" db:"reason"`
	RetainUntil time.Time  `json:"retain_until" db:"retain_until"`
	Locked      bool       `json:"locked" db:"locked"`
	CreatedBy   string     `json:"created_by" db:"created_by"`
	CreatedAt   time.Time  `json:"created_at" db:"created_at"`
	DeletedAt   *time.Time `json:"deleted_at,omitempty" db:"deleted_at"`
	// LockPending: the version is stored but its retention (and legal
	// hold) is not yet applied in the object store; a job finishes it.
	LockPending bool `json:"lock_pending,omitempty" db:"lock_pending"`
	// DeleteRequestedAt is when a disposition decided to delete the version.
	DeleteRequestedAt *time.Time `json:"delete_requested_at,omitempty" db:"delete_requested_at"`
	// DeleteError is the object store's last refusal to delete the version
	// (an English message, translated where shown), until it is deleted.
	DeleteError   string     `json:"delete_error,omitempty" db:"delete_error"`
	DeleteErrorAt *time.Time `json:"delete_error_at,omitempty" db:"delete_error_at"`
}

// Filter selects records in a list.
type Filter struct {
	Type    string
	Unit    string
	Clause  string
	Audit   string
	Status  string // "" = active
	Q       string // title contains
	DueOnly bool   // retention expired at Now (the disposition list)
	Now     time.Time
	Limit   int
}

// Change is what a locked update writes besides the record's own columns,
// in the same transaction.
type Change struct {
	Events []trail.Event
	// Version is a new version to store (its No set by the domain).
	Version *Version
	// Signature is the disposition's signature; the store links it to the
	// record and names it in the events' details ("signature").
	Signature *qms.Signature
	// Apply is the object-store side of the change (a legal hold), run
	// last inside the transaction: if the object store refuses, nothing is
	// recorded. Deletions never run here: a disposition records its
	// decision first and deletes afterwards (pending.go).
	Apply func() error
}

// Store is what the record capability needs from the database. Each method
// that changes state writes its trail events in the same transaction.
type Store interface {
	// NotifyDue tells the coordinators about every record whose retention
	// ended by now, once per record and coordinator, with the subject of
	// the record's title; it returns how many notifications it added.
	NotifyDue(ctx context.Context, now time.Time, subject func(title string) qms.Msg) (int, error)
	Types(ctx context.Context) ([]Type, error)
	Type(ctx context.Context, code string) (Type, error)
	SaveType(ctx context.Context, t Type, ev trail.Event) (Type, error)
	// ResolveLinks returns l with each link naming its object by id (an NC
	// and an audit may also be named by number) and the link fields
	// (link_nc, ...) naming nothing; asked before the file is stored, so a
	// refusal leaves no locked object.
	ResolveLinks(ctx context.Context, l Links) (Links, []string, error)
	// Create stores r with its first version and ev; it refuses links that
	// went missing meanwhile with LinkError.
	Create(ctx context.Context, r Record, v Version, ev trail.Event) (Record, error)
	Get(ctx context.Context, id string) (Record, error)
	List(ctx context.Context, f Filter, scope qms.Scope) ([]Record, error)
	// Mutate locks the record row, loads it with its versions, calls fn,
	// and writes the record's hold, status and version count, the new
	// version, the signature, the versions fn marked to delete and the
	// events, then runs Apply; if fn or Apply fails nothing is written.
	Mutate(ctx context.Context, id string, fn func(r *Record) (Change, error)) (Record, error)

	// PendingLocks lists versions (record id and number) whose retention
	// is still to be applied in the object store, oldest first.
	PendingLocks(ctx context.Context, limit int) ([]VersionRef, error)
	// ApplyLock locks the record row and, if version no is still
	// lock_pending, calls fn with the record and the version and then
	// clears the flag; if fn fails the flag stays.
	ApplyLock(ctx context.Context, id string, no int, fn func(r Record, v Version) error) error
	// Disposing lists the ids of records in status disposing.
	Disposing(ctx context.Context, limit int) ([]string, error)
	// WithDisposalLock runs fn while holding the disposal lock of record id
	// (one worker per record across instances, released if the process
	// dies); ran is false, and fn not called, when another holds it.
	WithDisposalLock(ctx context.Context, id string, fn func(ctx context.Context) error) (ran bool, err error)
	// VersionDeleted marks version no of a disposing record deleted at
	// at, with ev, in a transaction of its own; a version already marked
	// is left alone and ev not written.
	VersionDeleted(ctx context.Context, id string, no int, at time.Time, ev trail.Event) error
	// VersionDeleteFailed keeps the object store's refusal of version no.
	VersionDeleteFailed(ctx context.Context, id string, no int, msg string, at time.Time) error
	// Disposed marks a disposing record disposed at at, with ev, when none
	// of its versions is left in the object store; done reports whether it did.
	Disposed(ctx context.Context, id string, at time.Time, ev trail.Event) (done bool, err error)
}

// VersionRef names one version of a record.
type VersionRef struct {
	RecordID string `db:"record_id"`
	No       int    `db:"no"`
}

// Blobs is what the record capability needs from the object store.
type Blobs interface {
	// PutFile streams r into a new version of key, refusing beyond maxSize
	// and unaccepted types; the version is stored without a lock.
	PutFile(ctx context.Context, key string, r io.Reader, maxSize int64) (qms.StoredObject, error)
	// ApplyRetention locks a stored version (when ret names a mode) and
	// puts it under legal hold when hold is set; repeating it is harmless.
	ApplyRetention(ctx context.Context, key, versionID string, ret qms.Retention, hold bool) error
	SetLegalHold(ctx context.Context, key, versionID string, on bool) error
	// DisposeVersion deletes a version with the disposal key; a version
	// already gone counts as deleted, a locked or held one is refused with
	// an ErrState error.
	DisposeVersion(ctx context.Context, key, versionID string) error
	OpenVersion(ctx context.Context, key, versionID string) (io.ReadSeekCloser, error)
}

// Authorizer answers permission questions (Casbin).
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
	Scope(userID, obj, act string) qms.Scope
}

// PasswordChecker re-authenticates a signer.
type PasswordChecker interface {
	CheckPassword(ctx context.Context, userID, password string) error
}

// LinkTargets tells whether the actor may see what a record links to, each
// by the read rule of the capability that owns it (a document revision, a
// nonconformity, a corrective action, an internal audit), the audit window
// included. Each method gets an id and answers nil when the actor may see
// the object, an error of kind qms.ErrNotFound (or qms.ErrForbidden) when
// it does not exist or the actor may not see it.
type LinkTargets interface {
	Revision(ctx context.Context, id string) error
	NC(ctx context.Context, id string) error
	Action(ctx context.Context, id string) error
	Audit(ctx context.Context, id string) error
}

// AuditAccess gives the units an auditor is auditing right now (the window
// of an audit they are on the team of): they read those units' records.
type AuditAccess interface {
	AuditedUnits(ctx context.Context, userID string, now time.Time) ([]string, error)
}
