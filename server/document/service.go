// The service: its options, its construction, and the rules every act
// shares (who may see a document or a revision, what an actor may do on
// it, entering an act, the locked change, signatures).

package document

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Permissions (Casbin actions on object "document").
const (
	obj           = "document"
	actRead       = "read"
	actHistory    = "read_history"
	actCreate     = "create"
	actDraft      = "draft"
	actReview     = "review"
	actApprove    = "approve"
	actPublish    = "publish"
	actWithdraw   = "withdraw"
	actAckReport  = "ack_report"
	actPeriodic   = "periodic_review"
	maxChangeLen  = 4000
	maxCommentLen = 2000
)

// Actions a reader may be offered on a revision or document.
const (
	ActionUpload      = "upload"
	ActionSubmit      = "submit"
	ActionReview      = "review"
	ActionApprove     = "approve"
	ActionPublish     = "publish"
	ActionAcknowledge = "acknowledge"
	ActionAckReport   = "ack_report"
	ActionDiscard     = "discard"
)

// Options configure a Service; zero fields take the defaults of New.
type Options struct {
	Now func() time.Time
	// Clock is the time every instance shares (the database's): a
	// publication's effective date, the job that makes scheduled ones
	// effective and review due dates are decided by it. Now stands in for
	// it when nil.
	Clock     func(ctx context.Context) time.Time
	Location  *time.Location // the office's time zone: a publication date starts at its midnight
	MaxUpload int64          // the size limit of one file (DefaultMaxUpload)
	RoleOf    RoleNamer      // the signer's role for the sign-off block
	NewKey    func() string  // object keys of new files (qms.NewID)
	// TextBudget bounds the extraction of each file's text for search
	// (DefaultTextBudget).
	TextBudget TextBudget
	// Audits gives auditors read access to the documents of the units
	// they audit during the audit's window; nil gives none.
	Audits AuditAccess
	// Effective hears of revisions made effective (effective_listener.go);
	// nil tells no one.
	Effective EffectiveListener
}

// Service is the document capability.
type Service struct {
	store Store
	blobs Blobs
	authz Authorizer
	pw    PasswordChecker
	o     Options
}

// New returns the document service.
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
	if o.MaxUpload <= 0 {
		o.MaxUpload = DefaultMaxUpload
	}
	if o.NewKey == nil {
		o.NewKey = qms.NewID
	}
	if o.RoleOf == nil {
		o.RoleOf = func(_, _, _, act string) string { return act }
	}
	return &Service{store: store, blobs: blobs, authz: az, pw: pw, o: o}
}

// MaxUpload is the size limit of one file.
func (s *Service) MaxUpload() int64 { return s.o.MaxUpload }

// can reports whether the actor holds act on documents of the unit.
func (s *Service) can(a qms.Actor, unit, act string) bool {
	return s.authz.Can(a.UserID, unit, obj, act)
}

// visibility computes the reader's scopes once per request.
func (s *Service) visibility(ctx context.Context, a qms.Actor) (Visibility, error) {
	units, err := s.audited(ctx, a)
	return Visibility{
		UserID:  a.UserID,
		Read:    s.authz.Scope(a.UserID, obj, actRead),
		Draft:   s.authz.Scope(a.UserID, obj, actDraft),
		History: s.authz.Scope(a.UserID, obj, actHistory),
		Audited: units,
	}, err
}

// audited returns the units of the audits the actor is conducting today.
func (s *Service) audited(ctx context.Context, a qms.Actor) ([]string, error) {
	if s.o.Audits == nil {
		return nil, nil
	}
	return s.o.Audits.AuditedUnits(ctx, a.UserID, s.o.Now())
}

// sight is how the actor sees a document: whether at all, and whether
// through an audit they are conducting today.
type sight struct {
	ok    bool
	audit bool // the document applies to a unit of the actor's audit in its window
}

// seeDoc decides whether the actor may know the document exists. A
// document they may not see is "not found", never "forbidden", so ids of
// other units' drafts leak nothing.
//
// An auditor reads, during the window of an audit they conduct, the
// documents that apply to the audited units (Document.AppliesTo) once they
// have been in force: the revision in force, the superseded and withdrawn
// ones, never the work in progress; reading gives no act.
func (s *Service) seeDoc(ctx context.Context, a qms.Actor, d Document) (sight, error) {
	if s.can(a, d.Unit, actDraft) {
		return sight{ok: true}, nil
	}
	if d.Status != DocDraft {
		units, err := s.audited(ctx, a)
		if err != nil {
			return sight{}, err
		}
		if d.AppliesTo(units) {
			return sight{ok: true, audit: true}, nil
		}
	}
	switch {
	case d.Status == DocEffective && s.can(a, d.Unit, actRead):
		return sight{ok: true}, nil
	case d.Status == DocObsolete && s.can(a, d.Unit, actHistory):
		return sight{ok: true}, nil
	case d.Status == DocEffective:
		// People in the distribution from other units read it too.
		ok, err := s.store.HasAck(ctx, d.ID, a.UserID)
		return sight{ok: ok}, err
	}
	return sight{}, nil
}

// canSeeRev decides whether the actor may see one revision of a visible document.
func (s *Service) canSeeRev(a qms.Actor, d Document, r Revision, sg sight) bool {
	switch r.Status {
	case StatusEffective:
		return true
	case StatusSuperseded, StatusObsolete:
		return sg.audit || s.can(a, d.Unit, actHistory)
	}
	if s.can(a, d.Unit, actDraft) {
		return true
	}
	_, ok := reviewerOf(r, a.UserID)
	return ok
}

func (s *Service) visibleDoc(ctx context.Context, a qms.Actor, id string) (Document, sight, error) {
	d, err := s.store.Get(ctx, id)
	if qms.KindOf(err) == qms.ErrNotFound {
		return Document{}, sight{}, ErrNoDocument
	}
	if err != nil {
		return Document{}, sight{}, err
	}
	sg, err := s.seeDoc(ctx, a, d)
	if err != nil {
		return Document{}, sight{}, err
	}
	if !sg.ok {
		return Document{}, sight{}, ErrNoDocument
	}
	return d, sg, nil
}

// visibleRev returns a revision and its document if the actor may see both.
func (s *Service) visibleRev(ctx context.Context, a qms.Actor, id string) (Document, Revision, error) {
	r, err := s.store.Revision(ctx, id)
	if qms.KindOf(err) == qms.ErrNotFound {
		return Document{}, Revision{}, ErrNoRevision
	}
	if err != nil {
		return Document{}, Revision{}, err
	}
	d, err := s.store.Get(ctx, r.DocumentID)
	if err != nil {
		return Document{}, Revision{}, err
	}
	sg := sight{ok: true}
	if _, reviewer := reviewerOf(r, a.UserID); !reviewer {
		if sg, err = s.seeDoc(ctx, a, d); err != nil {
			return Document{}, Revision{}, err
		}
		if !sg.ok {
			return Document{}, Revision{}, ErrNoRevision
		}
	}
	if !s.canSeeRev(a, d, r, sg) {
		return Document{}, Revision{}, ErrNoRevision
	}
	return d, r, nil
}

// onDoc enters an act on a document: the actor, and the document if they
// may see it and hold act in its unit (refused words the refusal).
func (s *Service) onDoc(ctx context.Context, docID, act string, refused func(Document) error) (qms.Actor, Document, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return a, Document{}, err
	}
	d, _, err := s.visibleDoc(ctx, a, docID)
	if err != nil {
		return a, Document{}, err
	}
	if act != "" && !s.can(a, d.Unit, act) {
		return a, Document{}, refused(d)
	}
	return a, d, nil
}

// onRev enters an act on a revision as onDoc does on a document; an empty
// act leaves the permission to the caller.
func (s *Service) onRev(ctx context.Context, revID, act string, refused func(Document) error) (qms.Actor, Document, Revision, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return a, Document{}, Revision{}, err
	}
	d, r, err := s.visibleRev(ctx, a, revID)
	if err != nil {
		return a, Document{}, Revision{}, err
	}
	if act != "" && !s.can(a, d.Unit, act) {
		return a, Document{}, Revision{}, refused(d)
	}
	return a, d, r, nil
}

// mutateRev applies an act decided on the locked revision and returns the
// revision after it.
func (s *Service) mutateRev(ctx context.Context, revID string, decide func(Locked) (Change, error)) (Revision, error) {
	l, err := s.store.Mutate(ctx, Target{RevisionID: revID}, decide)
	return l.Rev, err
}

// mutateDoc applies an act decided on the locked document and returns the
// document after it.
func (s *Service) mutateDoc(ctx context.Context, docID string, decide func(Locked) (Change, error)) (Document, error) {
	l, err := s.store.Mutate(ctx, Target{DocumentID: docID}, decide)
	return l.Doc, err
}

// Get returns a document with the revisions the actor may see and, on each,
// the actions the actor may take.
func (s *Service) Get(ctx context.Context, id string) (Document, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Document{}, err
	}
	d, sg, err := s.visibleDoc(ctx, a, id)
	if err != nil {
		return Document{}, err
	}
	revs, err := s.store.Revisions(ctx, d.ID)
	if err != nil {
		return Document{}, err
	}
	owes := map[string]bool{} // revisions the actor has yet to acknowledge
	pending, err := s.store.PendingAcks(ctx, a.UserID)
	if err != nil {
		return Document{}, err
	}
	for _, p := range pending {
		owes[p.RevisionID] = true
	}
	d.Revisions = []Revision{}
	for _, r := range revs {
		if !s.canSeeRev(a, d, r, sg) {
			continue
		}
		r.Actions = s.actions(a, d, r, owes[r.ID])
		r.CreatedByRole = s.o.RoleOf(r.CreatedBy, d.Unit, obj, actDraft)
		d.Revisions = append(d.Revisions, r)
	}
	markOverdue(&d, s.o.Clock(ctx))
	return d, nil
}

// Revision returns one revision the actor may see.
func (s *Service) Revision(ctx context.Context, id string) (Document, Revision, error) {
	a, d, r, err := s.onRev(ctx, id, "", nil)
	if err != nil {
		return d, r, err
	}
	owes := false
	if r.Status == StatusEffective {
		pending, err := s.store.PendingAcks(ctx, a.UserID)
		if err != nil {
			return d, r, err
		}
		for _, p := range pending {
			owes = owes || p.RevisionID == r.ID
		}
	}
	r.Actions = s.actions(a, d, r, owes)
	return d, r, nil
}

// DocActions lists what the actor may do on the document itself.
func (s *Service) DocActions(ctx context.Context, d Document) []string {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return nil
	}
	out := []string{}
	if d.Status == DocObsolete {
		return out
	}
	working := false
	for _, r := range d.Revisions {
		working = working || r.Working()
	}
	if !working && s.can(a, d.Unit, actDraft) {
		out = append(out, "new_revision")
	}
	if s.can(a, d.Unit, actCreate) {
		out = append(out, "edit")
	}
	if s.can(a, d.Unit, actWithdraw) {
		out = append(out, "withdraw")
	}
	if d.Status == DocEffective && s.can(a, d.Unit, actPeriodic) {
		out = append(out, "confirm_review")
	}
	return out
}

// actions lists what the actor may do on a revision now.
func (s *Service) actions(a qms.Actor, d Document, r Revision, owesAck bool) []string {
	out := []string{}
	if d.Status == DocObsolete {
		return out
	}
	u := a.UserID
	switch r.Status {
	case StatusDraft:
		if s.can(a, d.Unit, actDraft) {
			out = append(out, ActionUpload, ActionSubmit, ActionDiscard)
		}
	case StatusInReview:
		rv, reviewer := reviewerOf(r, u)
		if reviewer && rv.Decision == nil && !isAuthor(r, u) {
			out = append(out, ActionReview)
		}
		if !reviewer && allApproved(r) && s.can(a, d.Unit, actApprove) && !isAuthor(r, u) {
			out = append(out, ActionApprove)
		}
	case StatusApproved:
		if r.PublishedAt == nil && s.can(a, d.Unit, actPublish) {
			out = append(out, ActionPublish)
		}
	case StatusEffective:
		if owesAck {
			out = append(out, ActionAcknowledge)
		}
		if s.can(a, d.Unit, actAckReport) {
			out = append(out, ActionAckReport)
		}
	}
	return out
}

// isAuthor reports whether the user drafted the revision or uploaded any of
// its current files: both count as authorship for separation of duties.
func isAuthor(r Revision, userID string) bool {
	if r.CreatedBy == userID {
		return true
	}
	for _, f := range r.Files {
		if f.UploadedBy == userID {
			return true
		}
	}
	return false
}

func reviewerOf(r Revision, userID string) (Reviewer, bool) {
	for _, rv := range r.Reviewers {
		if rv.UserID == userID {
			return rv, true
		}
	}
	return Reviewer{}, false
}

func allApproved(r Revision) bool {
	if len(r.Reviewers) == 0 {
		return false
	}
	for _, rv := range r.Reviewers {
		if rv.Decision == nil || *rv.Decision != DecisionApprove {
			return false
		}
	}
	return true
}

// sign builds an e-signature after re-checking the password.
func (s *Service) sign(ctx context.Context, a qms.Actor, password string, unit, act, meaning, comment string) (*qms.Signature, error) {
	if s.pw == nil {
		return nil, qms.Errorf(qms.ErrForbidden, "electronic signatures are not available")
	}
	if password == "" {
		return nil, qms.Errorf(qms.ErrInvalid, "enter your password to sign")
	}
	if err := s.pw.CheckPassword(ctx, a.UserID, password); err != nil {
		return nil, err
	}
	name := a.Name
	if name == "" {
		name = a.Login
	}
	return &qms.Signature{UserID: a.UserID, Login: a.Login, Name: name, Role: s.o.RoleOf(a.UserID, unit, obj, act),
		Meaning: meaning, ObjectType: ObjectRevision, Comment: comment}, nil
}

// Reviewable reports whether a user may be chosen as reviewer in a unit.
func (s *Service) Reviewable(userID, unit string) bool {
	return s.authz.Can(userID, unit, obj, actReview)
}

// CanCreate reports whether the actor may register documents in unit.
func (s *Service) CanCreate(ctx context.Context, unit string) bool {
	a, ok := qms.ActorFrom(ctx)
	return ok && s.can(a, unit, actCreate)
}

// CreateScope is the units where the actor may register documents.
func (s *Service) CreateScope(ctx context.Context) qms.Scope {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return qms.Scope{}
	}
	return s.authz.Scope(a.UserID, obj, actCreate)
}
