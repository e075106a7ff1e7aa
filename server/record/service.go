package record

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Options configure a Service.
type Options struct {
	Now func() time.Time
	// Location is the office's time zone: record dates and the end of
	// retention are days there. Defaults to UTC.
	Location *time.Location
	// MaxSize is the upload limit; defaults to DefaultMaxSize.
	MaxSize int64
	// Audits may be nil (no audit window access).
	Audits AuditAccess
	// Links checks what a filing links to; nil refuses every link of a
	// filing by a person (a capability filing a record itself, through
	// FileTrusted, links without it).
	Links LinkTargets
	// NewKey names object keys; defaults to a random UUID.
	NewKey func() string
	// DisposeWithin bounds how long a disposition deletes versions in its
	// own request (the scheduled job finishes the rest); defaults to 2
	// minutes.
	DisposeWithin time.Duration
	// Step is called at each named step of a filing's lock and of a
	// disposition ("dispose.after-decision", "dispose.after-delete", ...),
	// so the fault tests can stop the process there; nil does nothing. The
	// application wires it to internal/failpoint.
	Step func(name string)
	// Render writes a message in a language (the one translator), for the
	// titles capabilities write; nil writes the English wording.
	Render func(lang string, m qms.Msg) string
}

// step reports that the service reached the named step (see Options.Step).
func (s *Service) step(name string) {
	if s.o.Step != nil {
		s.o.Step(name)
	}
}

// Service is the record capability.
type Service struct {
	store Store
	blobs Blobs
	authz Authorizer
	pw    PasswordChecker
	o     Options
}

// New returns the record service.
func New(store Store, blobs Blobs, az Authorizer, pw PasswordChecker, o Options) *Service {
	return &Service{store: store, blobs: blobs, authz: az, pw: pw, o: o.withDefaults()}
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.NewKey == nil {
		o.NewKey = qms.NewID
	}
	if o.DisposeWithin <= 0 {
		o.DisposeWithin = defaultDisposeWithin
	}
	return o
}

// today is the current date in the office's time zone.
func (s *Service) today() qms.Date { return qms.DateOf(s.o.Now(), s.o.Location) }

// Today is the current date in the office's time zone (the default date of
// the filing form).
func (s *Service) Today() qms.Date { return s.today() }

// RetainUntil is the end of retention of a record dated d and kept years:
// the start of the day after d plus years, in loc.
func RetainUntil(d qms.Date, years int, loc *time.Location) time.Time {
	return time.Date(d.Year+years, d.Month, d.Day+1, 0, 0, 0, 0, loc).UTC()
}

// Permissions are the buttons an actor may press on a record's page.
type Permissions struct {
	Correct bool // file a new version
	Hold    bool // set or lift the legal hold
	Dispose bool // sign the disposition (the record is due)
}

// PermissionsOf computes what the actor may do now on r, with the same
// rules the acts enforce.
func (s *Service) PermissionsOf(ctx context.Context, r Record) Permissions {
	a, ok := qms.ActorFrom(ctx)
	if !ok || r.Status != StatusActive {
		return Permissions{}
	}
	return Permissions{Correct: s.authz.Can(a.UserID, r.Unit, permRecord, actCreate),
		Hold:    s.authz.Can(a.UserID, r.Unit, permRecord, actHold),
		Dispose: r.Due(s.o.Now()) && s.authz.Can(a.UserID, r.Unit, permRecord, actDispose)}
}

// ListPermissions are what the records list offers the actor.
type ListPermissions struct {
	File    qms.Scope // the units of the filing form
	Dispose bool      // the disposition list
	Types   bool      // the record types' editor
}

// ListPermissionsOf computes the actor's ListPermissions.
func (s *Service) ListPermissionsOf(ctx context.Context) ListPermissions {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return ListPermissions{}
	}
	return ListPermissions{File: s.authz.Scope(a.UserID, permRecord, actCreate),
		Dispose: !s.authz.Scope(a.UserID, permRecord, actDispose).Empty(),
		Types:   s.authz.Can(a.UserID, qms.AllUnits, permRecord, actTypes)}
}

// officeLang is the language generated titles are stored in for search.
const officeLang = "vi"

// render writes m in the office's language.
func (s *Service) render(m qms.Msg) string {
	if s.o.Render == nil {
		return m.String()
	}
	return s.o.Render(officeLang, m)
}
