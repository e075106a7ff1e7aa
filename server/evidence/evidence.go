// Package evidence serves auditors: the evidence pack (a ZIP streamed
// straight from the object store with manifest.json, manifest.csv and the
// trail excerpt), its offline verifier, clause coverage, and the read-only
// view of an audit's units. It reads what other capabilities store but
// imports none of them: the audit it needs comes through Audits, wired in
// the app.
//
// The files: evidence.go (types and the interfaces the capability needs),
// service.go (New and Options), pack.go (a pack, streamed), verify.go (its
// offline check), coverage.go and browse.go (the auditor's views).
package evidence

import (
	"context"
	"io"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Item is one file in an evidence pack, as the database knows it.
type Item struct {
	Path      string            `json:"path"`
	Kind      string            `json:"kind"` // record, revision, nc
	ObjectID  string            `json:"object_id"`
	Unit      string            `json:"unit"`
	Title     string            `json:"title"`
	FileName  string            `json:"file_name"`
	Key       string            `json:"object_key"`
	VersionID string            `json:"version_id"`
	SHA256    string            `json:"sha256"`
	Size      int64             `json:"size"`
	MediaType string            `json:"media_type"`
	Clauses   []string          `json:"clauses"`
	Date      time.Time         `json:"date"`
	Metadata  map[string]string `json:"metadata"`
}

// Filter is a resolved selection: what the store lists.
type Filter struct {
	Units   []string // nil: every unit
	Clause  string   // the clause and its sub-clauses; "" for any
	Clauses []string // any of these clauses (an audit's scope); nil for any
	From    time.Time
	To      time.Time // exclusive
	// FromDay and ToDay are From and To as days in the office's time zone
	// (yyyy-mm-dd, ToDay exclusive), for date columns.
	FromDay string
	ToDay   string
	Audit   string // include records linked to this audit
}

// Entry is one piece of evidence an auditor may look at: a document, a
// nonconformity or a corrective action of an audited unit.
type Entry struct {
	Type   string    `json:"type" db:"type"` // document, nc, action
	ID     string    `json:"id" db:"id"`
	Unit   string    `json:"unit" db:"unit"`
	Ref    string    `json:"ref" db:"ref"` // code, NC number
	Title  string    `json:"title" db:"title"`
	Status string    `json:"status" db:"status"`
	Date   time.Time `json:"date" db:"date"`
	// TitleMsg is an NC's title as a message when qmstrack wrote it.
	TitleMsg *qms.Msg `json:"title_msg,omitempty" db:"-"`
}

// Browse is what the audit team sees of the audited units, read-only.
type Browse struct {
	Documents []Entry       `json:"documents"`
	NCs       []Entry       `json:"ncs"`
	Actions   []Entry       `json:"actions"`
	Trail     []trail.Entry `json:"trail"`
}

// ClauseCoverage is the evidence tagged to one clause.
type ClauseCoverage struct {
	Clause    string `json:"clause" db:"clause"`
	TitleVI   string `json:"title_vi" db:"title_vi"`
	TitleEN   string `json:"title_en" db:"title_en"`
	Documents int    `json:"documents" db:"documents"`
	Records   int    `json:"records" db:"records"`
	Audits    int    `json:"audits" db:"audits"`
	NCs       int    `json:"ncs" db:"ncs"`
}

// Total is the number of pieces of evidence.
func (c ClauseCoverage) Total() int { return c.Documents + c.Records + c.Audits + c.NCs }

// Coverage is the coordinator's audit-readiness view.
type Coverage struct {
	Clauses    []ClauseCoverage `json:"clauses"`
	NoEvidence []string         `json:"no_evidence"`
}

// Manifest is manifest.json.
type Manifest struct {
	Format      string        `json:"format"`
	GeneratedAt time.Time     `json:"generated_at"`
	GeneratedBy string        `json:"generated_by"`
	Selection   Query         `json:"selection"`
	Audit       string        `json:"audit,omitempty"`
	Files       []Item        `json:"files"`
	Problems    []string      `json:"problems"`
	Trail       TrailManifest `json:"trail"`
}

// TrailManifest describes trail.jsonl.
type TrailManifest struct {
	Path    string `json:"path"`
	Entries int64  `json:"entries"`
	SHA256  string `json:"sha256"`
	// HeadSeq is the last entry of the live chain when the pack was made;
	// the excerpt holds entries up to it.
	HeadSeq int64 `json:"head_seq"`
}

// ManifestFormat names the layout, so a verifier knows what it reads.
const ManifestFormat = "qmstrack-evidence-pack/1"

// CSVHeader is the header of manifest.csv.
var CSVHeader = []string{"path", "kind", "object_id", "unit", "title", "file_name", "object_key", "version_id", "sha256", "size", "media_type", "clauses", "date"}

// Store is what the evidence capability reads from the database.
type Store interface {
	// Items lists the files matching f, in a stable order.
	Items(ctx context.Context, f Filter) ([]Item, error)
	// TrailExcerpt calls fn for every trail entry up to maxSeq that concerns
	// one of ids, or a unit of f.Units within [f.From, f.To), in sequence
	// order, streaming.
	TrailExcerpt(ctx context.Context, f Filter, ids []string, maxSeq int64, fn func(trail.Entry) error) error
	// Coverage counts the evidence tagged to each clause in scope.
	Coverage(ctx context.Context, units []string) ([]ClauseCoverage, error)
	// Record appends one trail event (the download of a pack) and returns
	// its sequence number.
	Record(ctx context.Context, ev trail.Event) (int64, error)
	// Evidence lists the documents, NCs and actions of units (read-only).
	Evidence(ctx context.Context, units []string, limit int) ([]Entry, error)
	// Trail returns the latest trail entries of units, newest first.
	Trail(ctx context.Context, units []string, limit int) ([]trail.Entry, error)
}

// Opener opens one object version for streaming.
type Opener interface {
	OpenVersion(ctx context.Context, key, versionID string) (io.ReadSeekCloser, error)
}

// Authorizer answers permission questions.
type Authorizer interface {
	Scope(userID, obj, act string) qms.Scope
}

// Audit is what evidence needs to know of an internal audit.
type Audit struct {
	ID      string
	Number  string
	Units   []string
	Clauses []string // the audit's scope; none for every clause
	Team    []string // user ids
	Start   qms.Date
	End     qms.Date
}

// inWindow reports whether day lies in the audit's planned dates.
func (a Audit) inWindow(day qms.Date) bool { return !day.Before(a.Start) && !day.After(a.End) }

// onTeam reports whether userID is on the audit's team.
func (a Audit) onTeam(userID string) bool {
	for _, u := range a.Team {
		if u == userID {
			return true
		}
	}
	return false
}

// Audits gives the audit of a pack (if the actor may read it), an auditor's
// window access, and the impartiality rule (the internal-audit capability,
// wired in the app).
type Audits interface {
	Audit(ctx context.Context, id string) (Audit, error)
	AuditedUnits(ctx context.Context, userID string, now time.Time) ([]string, error)
	// Impartial refuses the actor's reading of a's evidence as a member of
	// its team when they now hold a role in one of its units; nil when
	// they may.
	Impartial(ctx context.Context, a Audit) error
}
