package leadership

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Service is the entry point of this capability.
type Service struct {
	store Store
	authz Authorizer
	blobs Blobs
	o     Options
}

// Options are the settings and the other capabilities the service uses;
// every field may be left zero.
type Options struct {
	Now         func() time.Time // time.Now when nil
	Location    *time.Location   // the office's time zone (QMS_TIMEZONE); UTC when nil
	MaxEvidence int64            // bound of each evidence or minutes file; 64 MiB when 0
	// Minutes files a meeting's minutes as a record of the unit keeping
	// them; without it the minutes file is kept in the object store only.
	Minutes MinutesFiler
	// BaseURL makes the links in the e-mails of overdue escalations
	// absolute (the store queues them: postgres WithMail).
	BaseURL string
	// Render writes a message in a language (the one translator); without
	// it e-mails are in English.
	Render func(lang string, m qms.Msg) string
	// Criteria says whether a code is a criterion of the reform index a
	// plan item may improve (app wires the index's definition); any short
	// code when nil.
	Criteria func(code string) bool
}

// New returns the capability on store, asking authz about permissions and
// keeping files in blobs.
func New(store Store, authz Authorizer, blobs Blobs, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Render == nil {
		o.Render = func(_ string, m qms.Msg) string { return m.String() }
	}
	if o.MaxEvidence <= 0 {
		o.MaxEvidence = 64 << 20
	}
	return &Service{store: store, authz: authz, blobs: blobs, o: o}
}

func (s *Service) today() workday.Date { return workday.DateOf(s.o.Now(), s.o.Location) }

// Permissions (policies/policy.csv): directive issue, report and decide;
// meetings and directives are read with the process read permission (see
// meetingScope for who sees a meeting).
const (
	ObjDirective = "directive"
	actIssue     = "issue"
	actDecide    = "decide"
	actReport    = "report"
)

// may returns the actor, refused unless they hold directive act in unit.
func (s *Service) may(ctx context.Context, unit, act string) (qms.Actor, error) {
	a, err := qms.MustActor(ctx)
	if err == nil && !s.authz.Can(a.UserID, unit, ObjDirective, act) {
		err = qms.Errorf(qms.ErrForbidden, "you may not %s %s in unit %s", act, ObjDirective, unit)
	}
	return a, err
}

// readScope is the units whose directives the actor may read.
func (s *Service) readScope(ctx context.Context) (qms.Scope, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return qms.Scope{}, err
	}
	return s.authz.Scope(a.UserID, "process", "read"), nil
}

// meetingScope is the units whose meetings the actor sees. A meeting is
// seen by those who hold the meetings (directive issue in every unit: the
// chairman, the coordinator), and otherwise by those who may read the
// process of the unit keeping its minutes or of a unit it gave a directive
// to; in that unit's directives they also see the meeting's title, chair
// and participants. An auditor holding process read in every unit sees
// them all. Others see neither the meeting in the list nor its page, API or
// minutes: the same answer as an id that does not exist.
func (s *Service) meetingScope(ctx context.Context) (qms.Scope, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return qms.Scope{}, err
	}
	if s.authz.Can(a.UserID, qms.AllUnits, ObjDirective, actIssue) {
		return qms.Scope{All: true}, nil
	}
	return s.authz.Scope(a.UserID, "process", "read"), nil
}

// Permissions are the acts a person may do on the meeting pages.
type Permissions struct {
	Issue bool `json:"issue"` // record meetings and assign directives (the coordinator, the chairman)
}

// Permissions says which acts the actor may do on meetings.
func (s *Service) Permissions(ctx context.Context) Permissions {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return Permissions{}
	}
	return Permissions{Issue: s.authz.Can(a.UserID, qms.AllUnits, ObjDirective, actIssue)}
}

// DirectivePermissions are the acts a person may do on one directive now.
type DirectivePermissions struct {
	Report bool `json:"report"`
	Decide bool `json:"decide"`
}

// PermissionsOf says which acts the actor may do on d now, with the rules
// the acts enforce.
func (s *Service) PermissionsOf(ctx context.Context, d Directive) DirectivePermissions {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return DirectivePermissions{}
	}
	return DirectivePermissions{
		Report: d.reportable() && s.authz.Can(a.UserID, d.Unit, ObjDirective, actReport),
		Decide: d.State == DirectiveReported && s.mayDecide(a, d),
	}
}

// mayDecide reports whether a may accept or return d's reports: the
// issuer, or a holder of directive decide in every unit.
func (s *Service) mayDecide(a qms.Actor, d Directive) bool {
	return a.UserID == d.IssuerID || s.authz.Can(a.UserID, qms.AllUnits, ObjDirective, actDecide)
}
