// The service: its options, its construction, and the rules every act
// shares (the locked change, what an actor may do on an NC).

package nonconformity

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Options configure a Service.
type Options struct {
	Now func() time.Time
	// Clock is the time every instance shares (the database's): due dates,
	// overdue marks and the overdue scan are decided by it. Now stands in
	// for it when nil.
	Clock        func(ctx context.Context) time.Time
	Location     *time.Location // the organisation's time zone for dates
	MaxFileSize  int64
	AnalysisDays int    // QMS_NC_ANALYSIS_DAYS
	BaseURL      string // for links in emails
	// AuditorsMayVerify lets an auditor of a unit be named the verifier of
	// its actions (QMS_NC_AUDITOR_VERIFIER); by default they may not.
	AuditorsMayVerify bool
	// Render writes a message in a language (the one translator,
	// server/i18n), for e-mails in the recipient's language; nil writes
	// English.
	Render func(lang string, m qms.Msg) string
	Trail  TrailReader // for the NC timeline
	// Audits, when set, lets auditors read the NCs of the units they audit
	// during the audit's window.
	Audits AuditAccess
	// Directives, when set, adds overdue leadership directives to the list of
	// units not complying.
	Directives OverdueDirectives
}

// Service is the nonconformity capability.
type Service struct {
	store Store
	blobs Blobs
	authz Authorizer
	pw    PasswordChecker
	o     Options
}

// New returns the service.
func New(store Store, blobs Blobs, az Authorizer, pw PasswordChecker, o Options) *Service {
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
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = 64 << 20
	}
	if o.AnalysisDays <= 0 {
		o.AnalysisDays = 14
	}
	return &Service{store: store, blobs: blobs, authz: az, pw: pw, o: o}
}

// today is the current date in the organisation's time zone, as a UTC
// midnight so it compares with DATE columns.
func (s *Service) today(ctx context.Context) time.Time {
	return dateOf(s.o.Clock(ctx).In(s.o.Location))
}

// Today exposes today's date for views (overdue marks), by the instance's
// clock: it only colours a page; the rules ask the shared clock.
func (s *Service) Today() time.Time { return dateOf(s.o.Now().In(s.o.Location)) }

// Location is the office's time zone, in which its dates are told.
func (s *Service) Location() *time.Location { return s.o.Location }

// dateOf returns the calendar date of t (in t's location) as UTC midnight.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// mutate runs fn on the locked NC after checking the actor.
func (s *Service) mutate(ctx context.Context, id string, fn func(a qms.Actor, nc *NC) (Change, error)) (NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return NC{}, err
	}
	sc, err := s.readScope(ctx, a.UserID)
	if err != nil {
		return NC{}, err
	}
	return s.store.Mutate(ctx, id, func(nc *NC) (Change, error) {
		if !canRead(sc, a.UserID, *nc) {
			return Change{}, qms.Errorf(qms.ErrNotFound, "nonconformity not found")
		}
		return fn(a, nc)
	})
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Permissions are the buttons an actor may press on an NC page.
type Permissions struct {
	Manage  bool                `json:"manage"`
	Cancel  bool                `json:"cancel"`
	Actions map[string][]string `json:"actions"` // action id -> acts: start, done, signoff, verify, reverify
}

// ReportScope is the units where the actor may report nonconformities (the
// units the report form offers); empty when signed out.
func (s *Service) ReportScope(ctx context.Context) qms.Scope {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return qms.Scope{}
	}
	return s.authz.Scope(a.UserID, permNC, actReport)
}

// PermissionsOf computes what the actor may do now on nc, with the same
// rules the acts enforce.
func (s *Service) PermissionsOf(ctx context.Context, nc NC) Permissions {
	p := Permissions{Actions: map[string][]string{}}
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return p
	}
	isLive := live(&nc) == nil
	today := s.today(ctx)
	p.Manage = isLive && s.authz.Can(a.UserID, nc.Unit, permNC, actManage)
	p.Cancel = isLive && s.authz.Can(a.UserID, nc.Unit, permNC, actCancel)
	if nc.Status == StatusClosed {
		for i := range nc.Actions {
			if s.checkVerify(today, a, &nc, &nc.Actions[i], true) == nil {
				p.Actions[nc.Actions[i].ID] = []string{"reverify"}
			}
		}
		return p
	}
	if !isLive {
		return p
	}
	for i := range nc.Actions {
		act := &nc.Actions[i]
		var acts []string
		owner := s.requireOwner(a, act) == nil
		if owner && act.Status == ActionOpen {
			acts = append(acts, "start")
		}
		if owner && act.Status == ActionInProgress {
			acts = append(acts, "done")
		}
		if s.checkSignoff(a, act) == nil {
			acts = append(acts, "signoff")
		}
		if s.checkVerify(today, a, &nc, act, false) == nil {
			acts = append(acts, "verify")
		}
		if len(acts) > 0 {
			p.Actions[act.ID] = acts
		}
	}
	return p
}
