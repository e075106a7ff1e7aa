package leadership

// The QMS scope (ISO 9001 4.3) and its conformity announcement (QĐ
// 19/2014/QĐ-TTg): scope.go holds the types, the store and the service of
// the scope; announcement.go drafts, signs and publishes the announcement;
// conversion.go is the checklist of the move to the 2015 version. They
// have a service of their own (ScopeService) so that they can be wired
// without the meetings' store.

import (
	"context"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// StandardDefault is the standard a scope applies when none is given.
const StandardDefault = "TCVN ISO 9001:2015"

// Scope is one version of the QMS scope.
type Scope struct {
	Version    int         `json:"version"` // 0: no scope yet
	Services   []string    `json:"services"`
	Units      []string    `json:"units"`
	Exclusions []Exclusion `json:"exclusions"`
	Standard   string      `json:"standard"`
	// The decision that applies the QMS (quyết định áp dụng).
	DecisionNumber string   `json:"decision_number"`
	DecisionDate   qms.Date `json:"decision_date"`
	DecisionSigner string   `json:"decision_signer"`
	// RecordUnit keeps the signed announcement as a record (usually the
	// office of the agency).
	RecordUnit string     `json:"record_unit"`
	ChangedBy  string     `json:"changed_by,omitempty"`
	ChangedAt  *time.Time `json:"changed_at,omitempty"`
}

// Exclusion is a clause of the standard that does not apply, with the
// justification (8.3 design and development, typically).
type Exclusion struct {
	Clause        string `json:"clause"`
	Justification string `json:"justification"`
}

// ScopeIn is a new version of the scope. Version is the version it was
// edited from: a scope changed meanwhile refuses it.
type ScopeIn struct {
	Version        int         `json:"version"`
	Services       []string    `json:"services"`
	Units          []string    `json:"units"`
	Exclusions     []Exclusion `json:"exclusions"`
	Standard       string      `json:"standard"`
	DecisionNumber string      `json:"decision_number"`
	DecisionDate   qms.Date    `json:"decision_date"`
	DecisionSigner string      `json:"decision_signer"`
	RecordUnit     string      `json:"record_unit"`
}

// Kinds of codes the scope names, for ScopeStore.Names.
const (
	KindService  = "service"
	KindUnit     = "unit"
	KindClause   = "clause"
	KindDocument = "document"
	KindRecord   = "record"
)

// ScopeStore keeps the scope, the announcements and the conversion
// checklist. Every change writes its trail entries in the same transaction.
type ScopeStore interface {
	// Scope returns the current version (Version 0 when there is none).
	Scope(ctx context.Context) (Scope, error)
	// Names returns, for those of codes that exist as kind, their names;
	// a code missing from the map does not exist. For documents the code
	// may be the document's code or id, and the map's key is the code
	// given.
	Names(ctx context.Context, kind string, codes []string) (map[string]qms.Text, error)
	// SaveScope writes s as the version after base, under the scope's
	// lock: ErrConflict when the current version is not base. outdate is
	// given the effective announcement, if any, and says whether the new
	// version outdates it (with the services added and removed) and the
	// trail entry of that.
	SaveScope(ctx context.Context, base int, s Scope, ev trail.Event,
		outdate func(eff Announcement) (added, removed []string, ev *trail.Event)) (Scope, error)

	// Announcements lists the latest announcements, newest first.
	Announcements(ctx context.Context, limit int) ([]Announcement, error)
	Announcement(ctx context.Context, id string) (Announcement, error)
	// DraftAnnouncement stores a as the draft (a draft before it is
	// discarded), refused with ErrConflict when the scope is no longer at
	// a.ScopeVersion.
	DraftAnnouncement(ctx context.Context, a Announcement, ev trail.Event) (Announcement, error)
	// SignAnnouncement, under the announcement's and the scope's locks,
	// lets check refuse (the announcement as stored, the current scope
	// version), then stores the signature, makes the announcement the
	// effective one with its signed PDF and record, and supersedes the
	// one effective before.
	SignAnnouncement(ctx context.Context, id string, check func(a Announcement, scopeVersion int) error,
		signed SignedAnnouncement, ev trail.Event) (Announcement, error)

	// ConversionState returns the state of the checklist's items that have one.
	ConversionState(ctx context.Context) (map[string]ConversionItem, error)
	// SaveConversion writes the items' states, each only if its stored
	// version is still item.Version (0: never saved): ErrConflict naming
	// the item otherwise, and nothing is written.
	SaveConversion(ctx context.Context, items []ConversionItem, ev trail.Event) ([]ConversionItem, error)
}

// PasswordChecker re-authenticates a signer (step-up before a signature).
type PasswordChecker interface {
	CheckPassword(ctx context.Context, userID, password string) error
}

// AnnouncementRenderer prints an announcement as a PDF.
type AnnouncementRenderer interface {
	RenderAnnouncement(w io.Writer, a Announcement) error
}

// AnnouncementFiler files a signed announcement as a retained record (the
// record capability implements it, app wires it) and returns its id.
type AnnouncementFiler interface {
	FileAnnouncement(ctx context.Context, r MinutesRecord) (string, error)
}

// ScopeOptions are the settings and the other capabilities the scope
// service uses.
type ScopeOptions struct {
	Now      func() time.Time // time.Now when nil
	Location *time.Location   // UTC when nil
	// Agency names the agency on the announcement; Address is its address.
	Agency  qms.Text
	Address string
	// Renderer prints the announcement; Records files the signed one
	// (without it the PDF is kept in the object store only).
	Renderer AnnouncementRenderer
	Records  AnnouncementFiler
	// Checklist is the conversion checklist's default list (the data
	// file); Clauses is checked against it by the caller.
	Checklist []ChecklistItem
}

// ScopeService is the entry point of the scope, the announcement and the
// conversion checklist.
type ScopeService struct {
	store ScopeStore
	authz Authorizer
	blobs Blobs
	pw    PasswordChecker
	o     ScopeOptions
}

// NewScope returns the scope service on store.
func NewScope(store ScopeStore, authz Authorizer, blobs Blobs, pw PasswordChecker, o ScopeOptions) *ScopeService {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	return &ScopeService{store: store, authz: authz, blobs: blobs, pw: pw, o: o}
}

// Permissions of the scope (policies/policy.csv). read and manage are
// asked in any unit; sign in every unit ("*"): only the head of the
// agency (the chairman, a head in every unit) holds it there.
const (
	ObjScope  = "scope"
	actRead   = "read"
	actManage = "manage"
	actSign   = "sign"
)

// ScopePermissions are the acts a person may do on the scope pages.
type ScopePermissions struct {
	Read   bool `json:"read"`
	Manage bool `json:"manage"` // edit the scope, draft the announcement, tick the checklist
	Sign   bool `json:"sign"`   // sign the announcement (the head of the agency)
}

// Permissions says what the actor may do.
func (s *ScopeService) Permissions(ctx context.Context) ScopePermissions {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return ScopePermissions{}
	}
	return ScopePermissions{
		Read:   !s.authz.Scope(a.UserID, ObjScope, actRead).Empty(),
		Manage: s.authz.Can(a.UserID, qms.AllUnits, ObjScope, actManage),
		Sign:   s.authz.Can(a.UserID, qms.AllUnits, ObjScope, actSign),
	}
}

func (s *ScopeService) mayRead(ctx context.Context) error {
	a, err := qms.MustActor(ctx)
	if err == nil && s.authz.Scope(a.UserID, ObjScope, actRead).Empty() {
		err = qms.Errorf(qms.ErrForbidden, "you may not read the QMS scope")
	}
	return err
}

func (s *ScopeService) mayManage(ctx context.Context) (qms.Actor, error) {
	a, err := qms.MustActor(ctx)
	if err == nil && !s.authz.Can(a.UserID, qms.AllUnits, ObjScope, actManage) {
		err = qms.Errorf(qms.ErrForbidden, "only the QMS coordinator may change the QMS scope")
	}
	return a, err
}

// Scope returns the current scope.
func (s *ScopeService) Scope(ctx context.Context) (Scope, error) {
	if err := s.mayRead(ctx); err != nil {
		return Scope{}, err
	}
	return s.store.Scope(ctx)
}

// SaveScope writes a new version of the scope. Every service, unit and
// clause must exist; a clause not applicable needs its justification. A
// change of the services outdates the effective announcement, which then
// has to be announced again.
func (s *ScopeService) SaveScope(ctx context.Context, in ScopeIn) (Scope, error) {
	a, err := s.mayManage(ctx)
	if err != nil {
		return Scope{}, err
	}
	sc, err := s.checkScope(ctx, in)
	if err != nil {
		return Scope{}, err
	}
	ev := trail.NewEvent(ctx, "scope.update", ObjScope, "qms", sc.RecordUnit, map[string]any{
		"base": in.Version, "services": sc.Services, "units": sc.Units, "exclusions": clausesOf(sc.Exclusions)})
	sc.ChangedBy = a.Login
	return s.store.SaveScope(ctx, in.Version, sc, ev, func(eff Announcement) ([]string, []string, *trail.Event) {
		added, removed := diff(eff.Content.serviceCodes(), sc.Services)
		if len(added) == 0 && len(removed) == 0 {
			return nil, nil, nil
		}
		oev := trail.NewEvent(ctx, "announcement.outdate", ObjAnnouncement, eff.ID, sc.RecordUnit,
			map[string]any{"added": added, "removed": removed, "scope_version": in.Version + 1})
		return added, removed, &oev
	})
}

// checkScope validates in against the services, units and clauses that
// exist, reporting every problem at once.
func (s *ScopeService) checkScope(ctx context.Context, in ScopeIn) (Scope, error) {
	fe := qms.FieldErrors{}
	if in.Version < 0 {
		fe.Add("version", "the version the scope was edited from")
	}
	sc := Scope{Services: uniq(in.Services), Units: uniq(in.Units), Exclusions: []Exclusion{},
		DecisionDate: in.DecisionDate}
	var err error
	if len(sc.Services) == 0 {
		fe.Add("services", "choose at least one administrative procedure")
	} else if len(sc.Services) > 2000 {
		fe.Add("services", "at most %d procedures", 2000)
	}
	if len(sc.Units) == 0 {
		fe.Add("units", "choose at least one unit")
	} else if len(sc.Units) > 500 {
		fe.Add("units", "at most %d units", 500)
	}
	if sc.Standard, err = qms.CleanText("standard", in.Standard, 100, false, false); err != nil {
		fe.AddErr("standard", err)
	} else if sc.Standard == "" {
		sc.Standard = StandardDefault
	}
	if sc.DecisionNumber, err = qms.CleanText("decision_number", in.DecisionNumber, 100, true, false); err != nil {
		fe.AddErr("decision_number", err)
	}
	if sc.DecisionSigner, err = qms.CleanText("decision_signer", in.DecisionSigner, 200, true, false); err != nil {
		fe.AddErr("decision_signer", err)
	}
	if sc.DecisionDate.IsZero() {
		fe.Add("decision_date", "the date of the decision")
	} else if sc.DecisionDate.After(qms.DateOf(s.o.Now(), s.o.Location)) {
		fe.Add("decision_date", "the decision cannot be dated in the future")
	}
	sc.RecordUnit = strings.TrimSpace(in.RecordUnit)
	if sc.RecordUnit == "" {
		fe.Add("record_unit", "choose the unit that keeps the announcement")
	}
	seen := map[string]bool{}
	var clauses []string
	for i, x := range in.Exclusions {
		c := strings.TrimSpace(x.Clause)
		j, err := qms.CleanText("justification", x.Justification, 1000, true, true)
		switch {
		case c == "":
			fe.Add("exclusions", "exclusion %d: name the clause", i+1)
		case seen[c]:
			fe.Add("exclusions", "clause %s is listed twice", c)
		case err != nil:
			fe.Add("exclusions", "clause %s: give the justification", c)
		}
		seen[c] = true
		clauses = append(clauses, c)
		sc.Exclusions = append(sc.Exclusions, Exclusion{Clause: c, Justification: j})
	}
	if len(fe) > 0 {
		return sc, fe.Err()
	}
	u, err := s.firstUnknown(ctx, KindService, sc.Services)
	if err != nil {
		return sc, err
	} else if u != "" {
		fe.Add("services", "no administrative procedure %s", u)
	}
	if u, err = s.firstUnknown(ctx, KindUnit, append(slices.Clone(sc.Units), sc.RecordUnit)); err != nil {
		return sc, err
	} else if u != "" {
		fe.Add("units", "no unit %s", u)
	}
	if u, err = s.firstUnknown(ctx, KindClause, clauses); err != nil {
		return sc, err
	} else if u != "" {
		fe.Add("exclusions", "%s is not a clause of the standard", u)
	}
	if len(fe) == 0 && !slices.Contains(sc.Units, sc.RecordUnit) {
		fe.Add("record_unit", "the unit keeping the announcement must be in the scope")
	}
	return sc, fe.Err()
}

// firstUnknown returns the first of codes that is not a kind, "" when
// all are.
func (s *ScopeService) firstUnknown(ctx context.Context, kind string, codes []string) (string, error) {
	if len(codes) == 0 {
		return "", nil
	}
	names, err := s.store.Names(ctx, kind, codes)
	if err != nil {
		return "", err
	}
	for _, c := range codes {
		if _, ok := names[c]; !ok {
			return c, nil
		}
	}
	return "", nil
}

func clausesOf(xs []Exclusion) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, x.Clause)
	}
	return out
}

// uniq trims, drops empty and repeated codes, and sorts.
func uniq(in []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, c := range in {
		c = strings.TrimSpace(c)
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// diff returns the codes of next that are not in prev, and those of prev
// that are not in next.
func diff(prev, next []string) (added, removed []string) {
	in := func(list []string, c string) bool { return slices.Contains(list, c) }
	for _, c := range next {
		if !in(prev, c) {
			added = append(added, c)
		}
	}
	for _, c := range prev {
		if !in(next, c) {
			removed = append(removed, c)
		}
	}
	return added, removed
}
