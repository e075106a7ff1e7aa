// Package feed is a person's calendar feed: the due dates that are theirs
// to meet (corrective actions they own or verify, directives and revision
// reviews of the units they head or write for, audits they are on, records
// whose retention ends in their units, dossiers due in the units they
// process for), served as an iCal file at a secret address a calendar
// application subscribes to.
//
// The address holds a random token of 256 bits. Only its SHA-256 is kept,
// so the address is shown once, when it is made; making a new one replaces
// the old, and revoking ends it at once. The feed is read without a
// session (a calendar application has none), so it shows only what the
// token's holder may see, and no more than the window below.
//
// It imports qms, trail and the standard library only; the store is an
// interface implemented in server/postgres; the iCal encoding is the web
// layer's (a format, like JSON).
//
// Files: feed.go (types, the store), service.go (the acts).
package feed

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// The kinds of due date a feed holds; each is a message id's last part
// ("feed.kind." + Kind) naming it in the reader's language.
const (
	KindAction       = "action"        // a corrective action to carry out, by its owner
	KindActionVerify = "action_verify" // an action's effectiveness to verify, by its verifier
	KindDirective    = "directive"     // a directive to report on, for the unit's head
	KindReview       = "review"        // a document's periodic review, for its unit's head and authors
	KindAudit        = "audit"         // an audit's days, for its team
	KindRecord       = "record"        // a record's retention ends, for its unit's head
	KindDossier      = "dossier"       // a dossier's due date, for those who process the unit's dossiers
)

// Kinds lists every kind, in the order a feed's legend shows them.
var Kinds = []string{KindAction, KindActionVerify, KindDirective, KindReview, KindAudit, KindRecord, KindDossier}

// Window is how far a feed reaches: from PastDays before today to
// AheadDays after it. Older due dates are history, not work; a calendar
// keeps what it already fetched.
const (
	PastDays  = 60
	AheadDays = 400
)

// MaxItems bounds a feed, so a unit with a very long queue of dossiers
// still gives a file a calendar application can read; the nearest due
// dates are kept.
const MaxItems = 2000

// Item is one due date in a feed.
type Item struct {
	Kind   string `db:"kind"`
	ID     string `db:"id"`     // the object's id: with Kind, the event's stable UID
	Target string `db:"target"` // what its page is found by (an action's page is its NC's)
	Ref    string `db:"ref"`    // the reference a person knows it by: an NC number, a document code, a dossier number
	Title  string `db:"title"`  // as the person who wrote it wrote it
	// TitleEn is the English title where the object has one (a service's
	// English name); "" where only Title exists.
	TitleEn string `db:"title_en"`
	Unit    string `db:"unit"` // the unit code; the web layer shows the name
	// The store gives a calendar day (Day, EndDay: dates kept as dates)
	// or a moment (At: a time kept with its zone), which the service turns
	// into the office's day.
	Day    *time.Time `db:"day"`
	EndDay *time.Time `db:"end_day"`
	At     *time.Time `db:"at"`
	Start  qms.Date   `db:"-"`
	End    qms.Date   `db:"-"` // the last day (inclusive); equal to Start for a one-day item
	Path   string     `db:"-"` // the page in qmstrack
}

// Status is a person's feed, without its token.
type Status struct {
	Enabled   bool       `json:"enabled"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
	LastUsed  *time.Time `json:"last_used,omitempty"`
}

// Owner is the person a feed's token belongs to.
type Owner struct {
	UserID string
	Login  string
	Lang   string
}

// Store keeps the feeds and reads the due dates.
type Store interface {
	// FeedStatus is the person's feed.
	FeedStatus(ctx context.Context, userID string) (Status, error)
	// ReplaceFeed makes the person's feed hash the only live one, and
	// appends ev to the trail in the same transaction.
	ReplaceFeed(ctx context.Context, userID string, hash []byte, ev trail.Event) (Status, error)
	// DeleteFeed ends the person's feed; false when there was none (then
	// nothing is written).
	DeleteFeed(ctx context.Context, userID string, ev trail.Event) (bool, error)
	// FeedOwner is the active person whose live feed has this hash, and
	// notes the use; qms.ErrNotFound when there is none.
	FeedOwner(ctx context.Context, hash []byte, now time.Time) (Owner, error)
	// DueItems reads the person's due dates from..to (inclusive), nearest
	// first, at most limit.
	DueItems(ctx context.Context, userID string, from, to qms.Date, limit int) ([]Item, error)
}
