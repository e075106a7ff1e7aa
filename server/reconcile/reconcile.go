// Package reconcile keeps the database and the object store in step. Files
// are written blob first, then row (an upload in flight has no row yet), so
// two things can drift apart: an object version that no row references (an
// upload whose row was never written) and a row whose object version is
// gone (data loss, never caused by qmstrack itself). A check compares every
// row that references an object version with the bucket's versions:
//
//   - a version without a row, older than the grace period, is removed with
//     the key that may delete versions; one under retention or legal hold is
//     listed for the coordinator instead, and so is one the store refuses;
//   - a row whose version is missing is reported (the admin page, /readyz,
//     `qmstrack doctor`, which exits non-zero);
//   - an incomplete multipart upload older than the grace period is aborted,
//     for stores without an abort-incomplete-multipart lifecycle rule.
//
// Nothing younger than the grace period is ever touched.
package reconcile

import (
	"context"
	"iter"
	"time"
)

// Permission object and act (policies/policy.csv): who sees the findings and
// runs a check from the page, in every unit (the bucket is the whole
// office's).
const (
	PermObject = "objects"
	PermCheck  = "check"
)

// DefaultGrace is how old an unreferenced version or an incomplete upload
// must be before the check removes it.
const DefaultGrace = time.Hour

// DefaultEvery is how often the scheduled job checks.
const DefaultEvery = time.Hour

// The tables that reference object versions, as Ref.Source names them.
const (
	SourceRevisionFiles     = "revision_files"
	SourceNCFiles           = "nc_files"
	SourceRecordVersions    = "record_versions"
	SourceMeetingMinutes    = "meetings"
	SourceDirectiveEvidence = "directive_evidence"
	SourcePlanDecisions     = "improvement_plans"
	SourceAnnouncements     = "qms_announcements" // the signed conformity announcement's PDF
)

// Sources lists every table (and its version column) whose rows reference
// object versions; the store reads them all. A test holds it against the
// database's columns, so a new table of files cannot be forgotten.
var Sources = []struct{ Table, Column string }{
	{SourceRevisionFiles, "version_id"},
	{SourceNCFiles, "version_id"},
	{SourceRecordVersions, "version_id"},
	{SourceMeetingMinutes, "minutes_version"},
	{SourceDirectiveEvidence, "version_id"},
	{SourcePlanDecisions, "file_version"},
	{SourceAnnouncements, "pdf_version"},
}

// Ref is one row that references an object version.
type Ref struct {
	Source string // the table, one of the Source constants
	RowID  string // the row (record_versions: record id/no)
	// Parent is the object the row belongs to, whose page shows it: the
	// document, NC, record, meeting or directive.
	Parent    string
	Key       string
	VersionID string
	// Gone: the row says its version was removed on purpose (a disposed
	// record version); its absence is no loss, its presence no orphan.
	Gone bool
}

// Version is one version in the bucket.
type Version struct {
	Key          string
	VersionID    string
	Size         int64
	LastModified time.Time
	DeleteMarker bool
}

// Lock is the object lock of one version.
type Lock struct {
	Mode      string // GOVERNANCE, COMPLIANCE or ""
	Until     time.Time
	LegalHold bool
}

// Upload is an incomplete multipart upload.
type Upload struct {
	Key       string
	UploadID  string
	Initiated time.Time
}

// Store reads the rows that reference objects and keeps the checks.
type Store interface {
	// Refs yields every row that references an object version, over all
	// of Sources.
	Refs(ctx context.Context) iter.Seq2[Ref, error]
	// SaveCheck stores a finished check with its findings and returns its
	// id; older checks beyond the kept number are dropped.
	SaveCheck(ctx context.Context, c Check) (int64, error)
	// LastCheck returns the newest stored check, with its findings when
	// findings is set; a qms.ErrNotFound error when none ran yet.
	LastCheck(ctx context.Context, findings bool) (Check, error)
}

// Objects is the bucket as the check sees it.
type Objects interface {
	// Versions yields every version (and delete marker) in the bucket.
	Versions(ctx context.Context) iter.Seq2[Version, error]
	// VersionExists reports whether one version is there (a second look
	// before a row is reported as missing).
	VersionExists(ctx context.Context, key, versionID string) (bool, error)
	// LockOf returns the retention and legal hold of one version.
	LockOf(ctx context.Context, key, versionID string) (Lock, error)
	// RemoveVersion deletes one version with the key that may delete
	// versions; the store refuses while a lock holds. The error's code
	// (StoreCode) says why.
	RemoveVersion(ctx context.Context, key, versionID string) error
	// Uploads yields the incomplete multipart uploads.
	Uploads(ctx context.Context) iter.Seq2[Upload, error]
	// AbortUpload aborts one incomplete multipart upload.
	AbortUpload(ctx context.Context, key, uploadID string) error
	// StoreCode is the object store's error code of err ("AccessDenied"),
	// "" when it has none.
	StoreCode(err error) string
}

// Authorizer answers whether a user holds a permission in a unit.
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
}

// Kinds of finding (object_findings.kind).
const (
	KindMissing    = "missing"
	KindLocked     = "locked"
	KindNotRemoved = "not_removed"
	KindRemoved    = "removed"
	KindAborted    = "aborted"
)

// Finding is one thing a check found (or did).
type Finding struct {
	Kind      string     `json:"kind"`
	Source    string     `json:"source,omitempty"`
	RowID     string     `json:"row_id,omitempty"`
	Parent    string     `json:"parent_id,omitempty"`
	Key       string     `json:"object_key"`
	VersionID string     `json:"version_id,omitempty"` // aborted: the upload id
	Size      int64      `json:"size,omitempty"`
	Modified  *time.Time `json:"modified_at,omitempty"` // the version's time, or when the upload began
	Until     *time.Time `json:"retain_until,omitempty"`
	LegalHold bool       `json:"legal_hold,omitempty"`
	Detail    string     `json:"detail,omitempty"` // not_removed: the store's error code
}

// Check is one run of the check: its counts and its findings.
type Check struct {
	ID       int64     `json:"id"`
	Started  time.Time `json:"started_at"`
	Finished time.Time `json:"finished_at"`
	// Repaired: unreferenced versions were removed and old uploads aborted
	// (the scheduled job, the page's button, doctor -repair); otherwise the
	// check only looked (doctor) and Removed/Aborted say what it would do.
	Repaired bool          `json:"repaired"`
	Grace    time.Duration `json:"-"`
	GraceS   int64         `json:"grace_seconds"`

	RowsChecked    int `json:"rows_checked"`
	VersionsSeen   int `json:"versions_seen"`
	Missing        int `json:"missing"`
	OrphansYoung   int `json:"orphans_young"`
	OrphansRemoved int `json:"orphans_removed"`
	OrphansListed  int `json:"orphans_listed"`
	UploadsYoung   int `json:"uploads_young"`
	UploadsAborted int `json:"uploads_aborted"`

	Findings []Finding `json:"findings"`
}

// Of returns the findings of one kind.
func (c Check) Of(kind string) []Finding {
	var out []Finding
	for _, f := range c.Findings {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// Summary is what /readyz shows of the last check: counts only, no keys.
type Summary struct {
	CheckedAt     *time.Time `json:"checked_at"`
	MissingRows   int        `json:"missing_rows"`
	OrphansListed int        `json:"orphans_listed"`
}
