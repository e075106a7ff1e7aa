package process

import (
	"context"
	"sync"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Service is the entry point of this capability.
type Service struct {
	store Store
	authz Authorizer
	o     Options

	pubMu sync.Mutex
	pub   *publicCatalogue // the last public catalogue read (public.go)
}

// Options are the settings and the other capabilities the service uses;
// every field may be left zero.
type Options struct {
	Now func() time.Time // time.Now when nil
	// Clock is the time every instance shares (the database's): every
	// rule of this capability that compares times asks it, read once per
	// operation. Now stands in for it when nil (a single instance).
	Clock    func(ctx context.Context) time.Time
	Location *time.Location // the office's time zone (QMS_TIMEZONE); UTC when nil
	// MaxImport bounds one import file (QMS_MAX_UPLOAD_BYTES);
	// DefaultMaxImport when 0.
	MaxImport int64
	// NC raises the nonconformity of a late dossier; without it late
	// dossiers wait in the triage list.
	NC NCRaiser
	// NCs gives the dashboard open nonconformities per unit.
	NCs NCSummary
	// Directives gives the dashboard and the list of units not complying
	// the leadership's directives.
	Directives Directives
	// Papers prints the desk's receipt and control slip (nil: refused).
	Papers PaperRenderer
	// BaseURL is the address people open qmstrack at (QMS_BASE_URL), for
	// the status page printed on receipts.
	BaseURL string
	// Email and SMS send the notices of dossiers' status changes (nil: a
	// notice by that channel waits, then fails).
	Email EmailSender
	SMS   SMSSender
	// UnitName names a unit in a language for the notices (nil: the code).
	UnitName func(code, lang string) string
	// Render writes a message in a language (the one translator): the
	// notices are messages, written in the citizen's language when sent;
	// nil writes the English wording.
	Render func(lang string, m qms.Msg) string
	// Lookup bounds wrong codes of the public status lookup;
	// DefaultLookupLimits for each zero field.
	Lookup LookupLimits
}

// New returns the capability on store, asking authz about permissions.
func New(store Store, authz Authorizer, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Clock == nil {
		now := o.Now
		o.Clock = func(context.Context) time.Time { return now() }
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Lookup.PerAddr <= 0 {
		o.Lookup.PerAddr = DefaultLookupLimits.PerAddr
	}
	if o.Lookup.PerNumber <= 0 {
		o.Lookup.PerNumber = DefaultLookupLimits.PerNumber
	}
	if o.Lookup.Window <= 0 {
		o.Lookup.Window = DefaultLookupLimits.Window
	}
	if o.MaxImport <= 0 {
		o.MaxImport = DefaultMaxImport
	}
	return &Service{store: store, authz: authz, o: o}
}

// Location is the office's time zone.
func (p *Service) Location() *time.Location { return p.o.Location }

type nowKey struct{}

// now is the shared clock's time, read once per operation: an operation
// pins it in its context (withNow) so the acts it calls decide at the same
// instant.
func (p *Service) now(ctx context.Context) time.Time {
	if t, ok := ctx.Value(nowKey{}).(time.Time); ok {
		return t
	}
	return p.o.Clock(ctx)
}

// withNow reads the shared clock once and pins it in the context.
func (p *Service) withNow(ctx context.Context) (context.Context, time.Time) {
	if t, ok := ctx.Value(nowKey{}).(time.Time); ok {
		return ctx, t
	}
	t := p.o.Clock(ctx)
	return context.WithValue(ctx, nowKey{}, t), t
}

// Now is the time the capability's rules decide by (the shared clock).
func (p *Service) Now(ctx context.Context) time.Time { return p.now(ctx) }

func (p *Service) today(ctx context.Context) workday.Date {
	return workday.DateOf(p.now(ctx), p.o.Location)
}

// Permission objects and actions (policies/policy.csv).
const (
	ObjProcess = "process"
	ObjDossier = "dossier"
	ActRead    = "read"
	ActManage  = "manage"
	ActWrite   = "write"
	actWatch   = "watch"
	// The one-stop desk's acts on dossiers of every unit (role desk, held
	// in the desk's unit): receive, hand over, record supplements, return,
	// route to the competent unit, read.
	ActReceive    = "receive"
	ActHandOver   = "hand_over"
	ActSupplement = "supplement"
	ActReturn     = "return"
	ActRoute      = "route"
)

func (p *Service) require(ctx context.Context, unit, obj, act string) (qms.Actor, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if !p.authz.Can(a.UserID, unit, obj, act) {
		return a, qms.Errorf(qms.ErrForbidden, "you may not %s %s in unit %s", act, obj, unit)
	}
	return a, nil
}

func (p *Service) scope(ctx context.Context, obj, act string) (qms.Scope, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return qms.Scope{}, err
	}
	return p.authz.Scope(a.UserID, obj, act), nil
}

// Permissions are the acts a person may do on the process pages.
type Permissions struct {
	Manage bool `json:"manage"` // procedures, the calendar, objectives, late dossiers (in some unit)
	Write  bool `json:"write"`  // record dossiers and their events, import (in some unit)
	Desk   bool `json:"desk"`   // receive, hand over and return dossiers of every unit
}

// Permissions says which acts the actor may do, with the rules the acts
// enforce (each act still checks its own unit).
func (p *Service) Permissions(ctx context.Context) Permissions {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return Permissions{}
	}
	return Permissions{
		Manage: !p.authz.Scope(a.UserID, ObjProcess, ActManage).Empty(),
		Write:  !p.authz.Scope(a.UserID, ObjDossier, ActWrite).Empty(),
		Desk:   !p.authz.Scope(a.UserID, ObjDossier, ActReceive).Empty(),
	}
}
