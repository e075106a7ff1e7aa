package document

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
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

// Service is the document capability.
type Service struct {
	store     Store
	blobs     Blobs
	authz     Authorizer
	pw        PasswordChecker
	roleOf    RoleNamer
	now       func() time.Time
	maxUpload int64
	newKey    func() string
}

// Options configure a Service.
type Options struct {
	MaxUpload int64
	Now       func() time.Time
	RoleOf    RoleNamer
	NewKey    func() string
}

// New returns the document service.
func New(store Store, blobs Blobs, az Authorizer, pw PasswordChecker, o Options) *Service {
	s := &Service{store: store, blobs: blobs, authz: az, pw: pw, roleOf: o.RoleOf, now: o.Now, maxUpload: o.MaxUpload, newKey: o.NewKey}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxUpload <= 0 {
		s.maxUpload = DefaultMaxUpload
	}
	if s.newKey == nil {
		s.newKey = randomUUID
	}
	if s.roleOf == nil {
		s.roleOf = func(_, _, _, act string) string { return act }
	}
	return s
}

// MaxUpload is the size limit of one file.
func (s *Service) MaxUpload() int64 { return s.maxUpload }

func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

var codeRE = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._/-]{0,39}$`)

// NewDocument is the input of Create.
type NewDocument struct {
	Code         string   `json:"code"`
	Title        string   `json:"title"`
	Type         string   `json:"type"`
	Unit         string   `json:"unit"`
	Clauses      []string `json:"clauses"`
	ReviewMonths *int     `json:"review_months"`
	Public       bool     `json:"public"`
	DistUnits    []string `json:"distribution_units"`
	DistRoles    []string `json:"distribution_roles"`
}

var roles = map[string]bool{"admin": true, "coordinator": true, "head": true, "author": true, "staff": true, "auditor": true}

func (n NewDocument) validate() (Document, error) {
	fe := qms.FieldErrors{}
	var d Document
	code := strings.TrimSpace(n.Code)
	if code == "" {
		fe.Add("code", "the code is required")
	} else if !codeRE.MatchString(code) {
		fe.Add("code", "the code may hold letters, digits and . _ / - (at most 40), e.g. QT-07 or QT.ISO.07")
	}
	d.Code = code
	title, err := qms.CleanText("title", n.Title, 300, true, false)
	if err != nil {
		fe.AddErr("title", err)
	}
	d.Title = title
	if !validType(n.Type) {
		fe.Add("type", "choose one of: "+strings.Join(Types, ", "))
	}
	d.Type = n.Type
	if !qms.ValidUnitCode(n.Unit) {
		fe.Add("unit", "choose the owner unit")
	}
	d.Unit = n.Unit
	cl, err := qms.NormalizeClauses(n.Clauses)
	if err != nil {
		fe.AddErr("clauses", err)
	}
	d.Clauses = cl
	d.ReviewMonths = 12
	if n.ReviewMonths != nil {
		d.ReviewMonths = *n.ReviewMonths
	}
	if d.ReviewMonths < 0 || d.ReviewMonths > 120 {
		fe.Add("review_months", "the review interval is 0 (none) to 120 months")
	}
	d.Public = n.Public
	d.DistUnits = []string{}
	for _, u := range dedupe(n.DistUnits) {
		if u != qms.AllUnits && !qms.ValidUnitCode(u) {
			fe.Add("distribution_units", "%q is not a unit code", trunc(u, 40))
			continue
		}
		d.DistUnits = append(d.DistUnits, u)
	}
	d.DistRoles = []string{}
	for _, r := range dedupe(n.DistRoles) {
		if !roles[r] {
			fe.Add("distribution_roles", "%q is not a role", trunc(r, 40))
			continue
		}
		d.DistRoles = append(d.DistRoles, r)
	}
	return d, fe.Err()
}

func validType(t string) bool {
	for _, x := range Types {
		if x == t {
			return true
		}
	}
	return false
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func trunc(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Create registers a new document in a unit where the actor may create documents.
func (s *Service) Create(ctx context.Context, n NewDocument) (Document, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Document{}, err
	}
	d, err := n.validate()
	if err != nil {
		return Document{}, err
	}
	if !s.authz.Can(a.UserID, d.Unit, obj, actCreate) {
		return Document{}, qms.Errorf(qms.ErrForbidden, "you may not register documents in unit %s", d.Unit)
	}
	d.CreatedBy = a.UserID
	d.Status = DocDraft
	ev := trail.NewEvent(ctx, "document.create", ObjectDocument, "", d.Unit, map[string]any{
		"code": d.Code, "title": d.Title, "type": d.Type, "clauses": d.Clauses, "public": d.Public,
		"review_months": d.ReviewMonths, "distribution_units": d.DistUnits, "distribution_roles": d.DistRoles})
	out, err := s.store.Create(ctx, d, ev)
	if qms.KindOf(err) == qms.ErrConflict {
		return Document{}, qms.Errorf(qms.ErrConflict, "a document with code %s already exists", d.Code)
	}
	return out, err
}

// Update changes a document's register data (not its code or unit).
func (s *Service) Update(ctx context.Context, id string, n NewDocument) (Document, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Document{}, err
	}
	cur, err := s.visibleDoc(ctx, a, id)
	if err != nil {
		return Document{}, err
	}
	n.Code, n.Unit = cur.Code, cur.Unit
	d, err := n.validate()
	if err != nil {
		return Document{}, err
	}
	if !s.authz.Can(a.UserID, cur.Unit, obj, actCreate) {
		return Document{}, qms.Errorf(qms.ErrForbidden, "you may not change this document's register data")
	}
	return s.store.Update(ctx, id, func(x *Document) error {
		if x.Status == DocObsolete {
			return qms.Errorf(qms.ErrState, "document %s is withdrawn", x.Code)
		}
		x.Title, x.Type, x.Clauses, x.ReviewMonths, x.Public, x.DistUnits, x.DistRoles =
			d.Title, d.Type, d.Clauses, d.ReviewMonths, d.Public, d.DistUnits, d.DistRoles
		return nil
	}, func(x Document) trail.Event {
		return trail.NewEvent(ctx, "document.update", ObjectDocument, x.ID, x.Unit, map[string]any{
			"code": x.Code, "title": x.Title, "type": x.Type, "clauses": x.Clauses, "public": x.Public,
			"review_months": x.ReviewMonths, "distribution_units": x.DistUnits, "distribution_roles": x.DistRoles})
	})
}

// visibility computes the reader's scopes once per request.
func (s *Service) visibility(a qms.Actor) Visibility {
	return Visibility{
		UserID:  a.UserID,
		Read:    s.authz.Scope(a.UserID, obj, actRead),
		Draft:   s.authz.Scope(a.UserID, obj, actDraft),
		History: s.authz.Scope(a.UserID, obj, actHistory),
	}
}

// List returns one page of the register as the actor may see it.
func (s *Service) List(ctx context.Context, f Filter) (ListPage, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return ListPage{}, err
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 200 {
		return ListPage{}, qms.Errorf(qms.ErrInvalid, "limit must be between 1 and 200")
	}
	q, err := qms.CleanText("q", f.Q, 200, false, false)
	if err != nil {
		return ListPage{}, err
	}
	f.Q = q
	if f.Unit != "" && !qms.ValidUnitCode(f.Unit) {
		return ListPage{}, qms.Errorf(qms.ErrInvalid, "unit %q is not a unit code", trunc(f.Unit, 40))
	}
	if f.Type != "" && !validType(f.Type) {
		return ListPage{}, qms.Errorf(qms.ErrInvalid, "type must be one of: %s", strings.Join(Types, ", "))
	}
	switch f.Status {
	case "", DocDraft, StatusInReview, StatusApproved, DocEffective, DocObsolete:
	default:
		return ListPage{}, qms.Errorf(qms.ErrInvalid, "status must be one of: draft, in_review, approved, effective, obsolete")
	}
	if f.Clause != "" && !qms.ValidClause(f.Clause) {
		return ListPage{}, qms.Errorf(qms.ErrInvalid, "clause must be an ISO 9001 clause such as 7.5.3")
	}
	switch f.Sort {
	case "", "code", "title", "updated":
	default:
		return ListPage{}, qms.Errorf(qms.ErrInvalid, "sort must be code, title or updated")
	}
	now := s.now()
	p, err := s.store.List(ctx, f, s.visibility(a), now)
	if err != nil {
		return p, err
	}
	for i := range p.Items {
		markOverdue(&p.Items[i], now)
	}
	return p, nil
}

func markOverdue(d *Document, now time.Time) {
	d.ReviewOverdue = d.Status == DocEffective && d.NextReviewAt != nil && now.After(*d.NextReviewAt)
}

// canSeeDoc decides whether the actor may know the document exists. A
// document they may not see is "not found", never "forbidden", so ids of
// other units' drafts leak nothing.
func (s *Service) canSeeDoc(ctx context.Context, a qms.Actor, d Document) (bool, error) {
	switch {
	case s.authz.Can(a.UserID, d.Unit, obj, actDraft):
		return true, nil
	case d.Status == DocEffective && s.authz.Can(a.UserID, d.Unit, obj, actRead):
		return true, nil
	case d.Status == DocObsolete && s.authz.Can(a.UserID, d.Unit, obj, actHistory):
		return true, nil
	case d.Status == DocEffective:
		// People in the distribution from other units read it too.
		return s.store.HasAck(ctx, d.ID, a.UserID)
	}
	return false, nil
}

// canSeeRev decides whether the actor may see one revision of a visible document.
func (s *Service) canSeeRev(a qms.Actor, d Document, r Revision) bool {
	switch r.Status {
	case StatusEffective:
		return true
	case StatusSuperseded, StatusObsolete:
		return s.authz.Can(a.UserID, d.Unit, obj, actHistory)
	}
	if s.authz.Can(a.UserID, d.Unit, obj, actDraft) {
		return true
	}
	for _, rv := range r.Reviewers {
		if rv.UserID == a.UserID {
			return true
		}
	}
	return false
}

func notFoundDoc() error { return qms.Errorf(qms.ErrNotFound, "document not found") }
func notFoundRev() error { return qms.Errorf(qms.ErrNotFound, "revision not found") }

func (s *Service) visibleDoc(ctx context.Context, a qms.Actor, id string) (Document, error) {
	d, err := s.store.Get(ctx, id)
	if qms.KindOf(err) == qms.ErrNotFound {
		return Document{}, notFoundDoc()
	}
	if err != nil {
		return Document{}, err
	}
	ok, err := s.canSeeDoc(ctx, a, d)
	if err != nil {
		return Document{}, err
	}
	if !ok {
		return Document{}, notFoundDoc()
	}
	return d, nil
}

// visibleRev returns a revision and its document if the actor may see both.
func (s *Service) visibleRev(ctx context.Context, a qms.Actor, id string) (Document, Revision, error) {
	r, err := s.store.Revision(ctx, id)
	if qms.KindOf(err) == qms.ErrNotFound {
		return Document{}, Revision{}, notFoundRev()
	}
	if err != nil {
		return Document{}, Revision{}, err
	}
	d, err := s.store.Get(ctx, r.DocumentID)
	if err != nil {
		return Document{}, Revision{}, err
	}
	reviewer := false
	for _, rv := range r.Reviewers {
		reviewer = reviewer || rv.UserID == a.UserID
	}
	if !reviewer {
		ok, err := s.canSeeDoc(ctx, a, d)
		if err != nil {
			return Document{}, Revision{}, err
		}
		if !ok {
			return Document{}, Revision{}, notFoundRev()
		}
	}
	if !s.canSeeRev(a, d, r) {
		return Document{}, Revision{}, notFoundRev()
	}
	return d, r, nil
}

// Get returns a document with the revisions the actor may see and, on each,
// the actions the actor may take.
func (s *Service) Get(ctx context.Context, id string) (Document, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Document{}, err
	}
	d, err := s.visibleDoc(ctx, a, id)
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
		if !s.canSeeRev(a, d, r) {
			continue
		}
		r.Actions = s.actions(a, d, r, owes[r.ID])
		r.CreatedByRole = s.roleOf(r.CreatedBy, d.Unit, obj, actDraft)
		d.Revisions = append(d.Revisions, r)
	}
	markOverdue(&d, s.now())
	return d, nil
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
	if !working && s.authz.Can(a.UserID, d.Unit, obj, actDraft) {
		out = append(out, "new_revision")
	}
	if s.authz.Can(a.UserID, d.Unit, obj, actCreate) {
		out = append(out, "edit")
	}
	if s.authz.Can(a.UserID, d.Unit, obj, actWithdraw) {
		out = append(out, "withdraw")
	}
	if d.Status == DocEffective && s.authz.Can(a.UserID, d.Unit, obj, actPeriodic) {
		out = append(out, "confirm_review")
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

func (s *Service) actions(a qms.Actor, d Document, r Revision, owesAck bool) []string {
	out := []string{}
	if d.Status == DocObsolete {
		return out
	}
	u := a.UserID
	switch r.Status {
	case StatusDraft:
		if s.authz.Can(u, d.Unit, obj, actDraft) {
			out = append(out, ActionUpload, ActionSubmit, ActionDiscard)
		}
	case StatusInReview:
		if rv, ok := reviewerOf(r, u); ok && rv.Decision == nil && !isAuthor(r, u) {
			out = append(out, ActionReview)
		}
		if allApproved(r) && s.authz.Can(u, d.Unit, obj, actApprove) && !isAuthor(r, u) {
			if _, ok := reviewerOf(r, u); !ok {
				out = append(out, ActionApprove)
			}
		}
	case StatusApproved:
		if r.PublishedAt == nil && s.authz.Can(u, d.Unit, obj, actPublish) {
			out = append(out, ActionPublish)
		}
	case StatusEffective:
		if owesAck {
			out = append(out, ActionAcknowledge)
		}
		if s.authz.Can(u, d.Unit, obj, actAckReport) {
			out = append(out, ActionAckReport)
		}
	}
	return out
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

// Revision returns one revision the actor may see.
func (s *Service) Revision(ctx context.Context, id string) (Document, Revision, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Document{}, Revision{}, err
	}
	d, r, err := s.visibleRev(ctx, a, id)
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

// Upload is one file arriving in a request, streamed.
type Upload struct {
	Name    string
	Body    io.Reader
	Kind    string // main or attachment; "" lets the service choose
	Replace string // id of a file of the draft it replaces
}

// CleanFileName keeps a display name from what the client sent: the last
// path element, no control characters, at most 255 characters. It is never
// used as a storage key.
func CleanFileName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", qms.Errorf(qms.ErrInvalid, "the file name is not valid UTF-8")
	}
	for _, r := range name {
		if r == 0 || unicode.IsControl(r) {
			return "", qms.Errorf(qms.ErrInvalid, "the file name contains control characters")
		}
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "", qms.Errorf(qms.ErrInvalid, "the file has no name")
	}
	if utf8.RuneCountInString(name) > 255 {
		return "", qms.Errorf(qms.ErrInvalid, "the file name is longer than 255 characters")
	}
	return name, nil
}

// Stage checks that the actor may add files to the document (or to the
// draft revision revID), then streams the file into the object store and
// extracts its text for search. Nothing is written to the database: the
// caller passes the staged files to CreateRevision or AddFiles.
func (s *Service) Stage(ctx context.Context, docID, revID string, u Upload) (Staged, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Staged{}, err
	}
	var d Document
	var key string
	if revID != "" {
		var r Revision
		d, r, err = s.visibleRev(ctx, a, revID)
		if err != nil {
			return Staged{}, err
		}
		if r.Status != StatusDraft {
			return Staged{}, qms.Errorf(qms.ErrState, "files can be changed only while the revision is a draft (it is %s)", r.Status)
		}
		if u.Replace != "" {
			for _, f := range r.Files {
				if f.ID == u.Replace {
					key = f.Key // a new version of the same object
					u.Kind = f.Kind
				}
			}
			if key == "" {
				return Staged{}, qms.Errorf(qms.ErrNotFound, "the file to replace is not a current file of this revision")
			}
		}
	} else {
		d, err = s.visibleDoc(ctx, a, docID)
		if err != nil {
			return Staged{}, err
		}
	}
	if !s.authz.Can(a.UserID, d.Unit, obj, actDraft) {
		return Staged{}, qms.Errorf(qms.ErrForbidden, "you may not draft revisions of %s", d.Code)
	}
	if d.Status == DocObsolete {
		return Staged{}, qms.Errorf(qms.ErrState, "document %s is withdrawn", d.Code)
	}
	name, err := CleanFileName(u.Name)
	if err != nil {
		return Staged{}, err
	}
	if key == "" {
		key = "documents/" + s.newKey()
	}
	o, err := s.blobs.Put(ctx, key, u.Body, s.maxUpload)
	if err != nil {
		return Staged{}, err
	}
	st := Staged{Kind: u.Kind, Name: name, Replace: u.Replace, Object: o}
	if f, err := s.blobs.Open(ctx, o.Key, o.VersionID); err == nil {
		st.Text = ExtractText(ctx, o.MediaType, f, o.Size)
		f.Close()
	}
	return st, nil
}

// CreateRevision starts the next issue of a document with a change
// description and the staged files (the first file is the main one unless
// a kind says otherwise).
func (s *Service) CreateRevision(ctx context.Context, docID, change string, files []Staged) (Revision, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Revision{}, err
	}
	d, err := s.visibleDoc(ctx, a, docID)
	if err != nil {
		return Revision{}, err
	}
	if !s.authz.Can(a.UserID, d.Unit, obj, actDraft) {
		return Revision{}, qms.Errorf(qms.ErrForbidden, "you may not draft revisions of %s", d.Code)
	}
	change, err = qms.CleanText("change", change, maxChangeLen, true, true)
	if err != nil {
		return Revision{}, err
	}
	files, err = assignKinds(files, false)
	if err != nil {
		return Revision{}, err
	}
	ev := trail.NewEvent(ctx, "revision.create", ObjectRevision, "", d.Unit, map[string]any{
		"document": d.ID, "code": d.Code, "change": change, "files": fileDetails(files)})
	return s.store.CreateRevision(ctx, d.ID, Revision{Change: change, CreatedBy: a.UserID}, files, ev)
}

func assignKinds(files []Staged, haveMain bool) ([]Staged, error) {
	for i := range files {
		if files[i].Replace != "" {
			continue
		}
		switch files[i].Kind {
		case "":
			if !haveMain {
				files[i].Kind = KindMain
			} else {
				files[i].Kind = KindAttachment
			}
		case KindMain:
			if haveMain {
				return nil, qms.Errorf(qms.ErrInvalid, "a revision has one main file; replace it or add attachments")
			}
		case KindAttachment:
		default:
			return nil, qms.Errorf(qms.ErrInvalid, "kind must be main or attachment")
		}
		if files[i].Kind == KindMain {
			haveMain = true
		}
	}
	return files, nil
}

func fileDetails(files []Staged) []map[string]any {
	out := []map[string]any{}
	for _, f := range files {
		out = append(out, map[string]any{"name": f.Name, "kind": f.Kind, "sha256": f.Object.SHA256, "size": f.Object.Size,
			"version_id": f.Object.VersionID, "replaces": f.Replace})
	}
	return out
}

// AddFiles attaches staged files to a draft revision; a file replacing
// another becomes a new version of its object and voids the signatures
// given on the earlier files.
func (s *Service) AddFiles(ctx context.Context, revID string, files []Staged) (Revision, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Revision{}, err
	}
	if len(files) == 0 {
		return Revision{}, qms.Errorf(qms.ErrInvalid, "send at least one file")
	}
	d, _, err := s.visibleRev(ctx, a, revID)
	if err != nil {
		return Revision{}, err
	}
	if !s.authz.Can(a.UserID, d.Unit, obj, actDraft) {
		return Revision{}, qms.Errorf(qms.ErrForbidden, "you may not draft revisions of %s", d.Code)
	}
	return s.store.AddFiles(ctx, revID, files, a.UserID, func(l Locked) error {
		if l.Doc.Status == DocObsolete {
			return qms.Errorf(qms.ErrState, "document %s is withdrawn", l.Doc.Code)
		}
		if l.Rev.Status != StatusDraft {
			return qms.Errorf(qms.ErrState, "files can be changed only while the revision is a draft (it is %s)", l.Rev.Status)
		}
		_, hasMain := l.Rev.MainFile()
		cur := map[string]bool{}
		for _, f := range l.Rev.Files {
			cur[f.ID] = true
		}
		for _, f := range files {
			if f.Replace != "" && !cur[f.Replace] {
				return qms.Errorf(qms.ErrConflict, "the file to replace was replaced meanwhile; reload")
			}
		}
		_, err := assignKinds(files, hasMain)
		return err
	}, func(l Locked) trail.Event {
		return trail.NewEvent(ctx, "revision.files", ObjectRevision, l.Rev.ID, l.Doc.Unit, map[string]any{
			"document": l.Doc.ID, "code": l.Doc.Code, "issue": l.Rev.Issue, "files": fileDetails(files)})
	})
}

// signature builds an e-signature after re-checking the password.
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
	return &qms.Signature{UserID: a.UserID, Login: a.Login, Name: name, Role: s.roleOf(a.UserID, unit, obj, act),
		Meaning: meaning, ObjectType: ObjectRevision, Comment: comment}, nil
}

// Submit sends a draft to review by the chosen reviewers (logins).
func (s *Service) Submit(ctx context.Context, revID string, reviewerLogins []string) (Revision, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Revision{}, err
	}
	d, _, err := s.visibleRev(ctx, a, revID)
	if err != nil {
		return Revision{}, err
	}
	if !s.authz.Can(a.UserID, d.Unit, obj, actDraft) {
		return Revision{}, qms.Errorf(qms.ErrForbidden, "you may not submit revisions of %s", d.Code)
	}
	logins := dedupe(reviewerLogins)
	if len(logins) == 0 {
		return Revision{}, qms.Errorf(qms.ErrInvalid, "choose at least one reviewer")
	}
	if len(logins) > 20 {
		return Revision{}, qms.Errorf(qms.ErrInvalid, "at most 20 reviewers")
	}
	people, err := s.store.People(ctx, logins)
	if err != nil {
		return Revision{}, err
	}
	found := map[string]Person{}
	for _, p := range people {
		found[p.Login] = p
	}
	for _, l := range logins {
		p, ok := found[l]
		if !ok || !p.Active {
			return Revision{}, qms.Errorf(qms.ErrInvalid, "no active user with login %q", trunc(l, 64))
		}
		if !s.authz.Can(p.UserID, d.Unit, obj, actReview) {
			return Revision{}, qms.Errorf(qms.ErrInvalid, "%s may not review documents of unit %s", p.Login, d.Unit)
		}
	}
	return s.store.Act(ctx, revID, func(l Locked) (Effect, error) {
		if l.Doc.Status == DocObsolete {
			return Effect{}, qms.Errorf(qms.ErrState, "document %s is withdrawn", l.Doc.Code)
		}
		if l.Rev.Status != StatusDraft {
			return Effect{}, qms.Errorf(qms.ErrState, "only a draft can be submitted (revision %s is %s)", l.Rev.IssueLabel(), l.Rev.Status)
		}
		if _, ok := l.Rev.MainFile(); !ok {
			return Effect{}, qms.Errorf(qms.ErrState, "upload the main file before submitting")
		}
		for _, p := range people {
			if isAuthor(l.Rev, p.UserID) {
				return Effect{}, qms.Errorf(qms.ErrForbidden, "%s drafted this revision and cannot review it", p.Login)
			}
		}
		eff := Effect{Status: StatusInReview, Reviewers: people,
			Event: trail.NewEvent(ctx, "revision.submit", ObjectRevision, l.Rev.ID, l.Doc.Unit, map[string]any{
				"document": l.Doc.ID, "code": l.Doc.Code, "issue": l.Rev.Issue, "reviewers": logins})}
		for _, p := range people {
			eff.Notify = append(eff.Notify, Notice{UserID: p.UserID, Kind: "document.review",
				Subject: fmt.Sprintf("%s %s (%s)", l.Doc.Code, l.Doc.Title, l.Rev.IssueLabel()),
				Link:    "/documents/" + l.Doc.ID, Dedupe: "review:" + l.Rev.ID + ":" + s.now().UTC().Format(time.RFC3339Nano)})
		}
		return eff, nil
	})
}

// Review records a reviewer's decision as an electronic signature: approve,
// or request changes with a comment (the revision goes back to draft).
func (s *Service) Review(ctx context.Context, revID, decision, comment, password string) (Revision, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Revision{}, err
	}
	d, _, err := s.visibleRev(ctx, a, revID)
	if err != nil {
		return Revision{}, err
	}
	if decision != DecisionApprove && decision != DecisionChanges {
		return Revision{}, qms.Errorf(qms.ErrInvalid, "decision must be approve or changes")
	}
	comment, err = qms.CleanText("comment", comment, maxCommentLen, decision == DecisionChanges, true)
	if err != nil {
		return Revision{}, err
	}
	if !s.authz.Can(a.UserID, d.Unit, obj, actReview) {
		return Revision{}, qms.Errorf(qms.ErrForbidden, "you may not review documents of unit %s", d.Unit)
	}
	meaning := MeaningReviewed
	if decision == DecisionChanges {
		meaning = MeaningChanges
	}
	sig, err := s.sign(ctx, a, password, d.Unit, actReview, meaning, comment)
	if err != nil {
		return Revision{}, err
	}
	return s.store.Act(ctx, revID, func(l Locked) (Effect, error) {
		if l.Rev.Status != StatusInReview {
			return Effect{}, qms.Errorf(qms.ErrState, "revision %s is not in review (it is %s)", l.Rev.IssueLabel(), l.Rev.Status)
		}
		if isAuthor(l.Rev, a.UserID) {
			return Effect{}, qms.Errorf(qms.ErrForbidden, "the author of a revision cannot review it")
		}
		rv, ok := reviewerOf(l.Rev, a.UserID)
		if !ok {
			return Effect{}, qms.Errorf(qms.ErrForbidden, "you are not a reviewer of this revision")
		}
		if rv.Decision != nil {
			return Effect{}, qms.Errorf(qms.ErrState, "you have already reviewed this revision")
		}
		sig.ObjectID = l.Rev.ID
		sig.SHA256s = l.Rev.Hashes()
		eff := Effect{Signature: sig, Decision: &ReviewDecision{UserID: a.UserID, Decision: decision, Comment: comment},
			Event: trail.NewEvent(ctx, "revision.review", ObjectRevision, l.Rev.ID, l.Doc.Unit, map[string]any{
				"document": l.Doc.ID, "code": l.Doc.Code, "issue": l.Rev.Issue, "decision": decision, "comment": comment,
				"sha256s": sig.SHA256s})}
		if decision == DecisionChanges {
			eff.Status = StatusDraft
			eff.Notify = append(eff.Notify, Notice{UserID: l.Rev.CreatedBy, Kind: "document.changes",
				Subject: fmt.Sprintf("%s (%s): %s", l.Doc.Code, l.Rev.IssueLabel(), trunc(comment, 120)),
				Link:    "/documents/" + l.Doc.ID})
		}
		return eff, nil
	})
}

// Approve is the approval signature of someone holding approve in the owner
// unit, after every reviewer approved. The author and the reviewers may not.
func (s *Service) Approve(ctx context.Context, revID, password string) (Revision, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Revision{}, err
	}
	d, _, err := s.visibleRev(ctx, a, revID)
	if err != nil {
		return Revision{}, err
	}
	if !s.authz.Can(a.UserID, d.Unit, obj, actApprove) {
		return Revision{}, qms.Errorf(qms.ErrForbidden, "you may not approve documents of unit %s", d.Unit)
	}
	sig, err := s.sign(ctx, a, password, d.Unit, actApprove, MeaningApproved, "")
	if err != nil {
		return Revision{}, err
	}
	return s.store.Act(ctx, revID, func(l Locked) (Effect, error) {
		if l.Rev.Status != StatusInReview {
			return Effect{}, qms.Errorf(qms.ErrState, "revision %s is not in review (it is %s)", l.Rev.IssueLabel(), l.Rev.Status)
		}
		if isAuthor(l.Rev, a.UserID) {
			return Effect{}, qms.Errorf(qms.ErrForbidden, "the author of a revision cannot approve it")
		}
		if _, ok := reviewerOf(l.Rev, a.UserID); ok {
			return Effect{}, qms.Errorf(qms.ErrForbidden, "a reviewer of a revision cannot also approve it")
		}
		if !allApproved(l.Rev) {
			return Effect{}, qms.Errorf(qms.ErrState, "every reviewer must approve before the revision can be approved")
		}
		sig.ObjectID = l.Rev.ID
		sig.SHA256s = l.Rev.Hashes()
		return Effect{Status: StatusApproved, Signature: sig,
			Event: trail.NewEvent(ctx, "revision.approve", ObjectRevision, l.Rev.ID, l.Doc.Unit, map[string]any{
				"document": l.Doc.ID, "code": l.Doc.Code, "issue": l.Rev.Issue, "sha256s": sig.SHA256s})}, nil
	})
}

// Publish makes an approved revision effective now, or at a later date
// (effectiveAt). Going effective supersedes the revision in force in the
// same transaction and gives everyone in the distribution a task to
// acknowledge it.
func (s *Service) Publish(ctx context.Context, revID, password string, effectiveAt *time.Time) (Revision, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Revision{}, err
	}
	d, _, err := s.visibleRev(ctx, a, revID)
	if err != nil {
		return Revision{}, err
	}
	if !s.authz.Can(a.UserID, d.Unit, obj, actPublish) {
		return Revision{}, qms.Errorf(qms.ErrForbidden, "you may not publish documents of unit %s", d.Unit)
	}
	now := s.now().UTC()
	at := now
	if effectiveAt != nil && effectiveAt.After(now) {
		if effectiveAt.After(now.AddDate(2, 0, 0)) {
			return Revision{}, qms.Errorf(qms.ErrInvalid, "the effective date is more than two years ahead")
		}
		at = effectiveAt.UTC()
	}
	sig, err := s.sign(ctx, a, password, d.Unit, actPublish, MeaningPublished, "")
	if err != nil {
		return Revision{}, err
	}
	return s.store.Act(ctx, revID, func(l Locked) (Effect, error) {
		if l.Doc.Status == DocObsolete {
			return Effect{}, qms.Errorf(qms.ErrState, "document %s is withdrawn", l.Doc.Code)
		}
		if l.Rev.Status != StatusApproved || l.Rev.PublishedAt != nil {
			st := l.Rev.Status
			if l.Rev.Scheduled() {
				st = "already published"
			}
			return Effect{}, qms.Errorf(qms.ErrState, "only an approved revision can be published (revision %s is %s)", l.Rev.IssueLabel(), st)
		}
		sig.ObjectID = l.Rev.ID
		sig.SHA256s = l.Rev.Hashes()
		return Effect{Signature: sig, PublishAt: &at, MakeActive: !at.After(now),
			Event: trail.NewEvent(ctx, "revision.publish", ObjectRevision, l.Rev.ID, l.Doc.Unit, map[string]any{
				"document": l.Doc.ID, "code": l.Doc.Code, "issue": l.Rev.Issue, "effective_at": at.Format(time.RFC3339),
				"sha256s": sig.SHA256s})}, nil
	})
}

// Discard abandons a draft revision with a reason: it becomes obsolete
// (kept, with its files, for the history) and the document may start a
// new revision.
func (s *Service) Discard(ctx context.Context, revID, reason string) (Revision, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Revision{}, err
	}
	d, _, err := s.visibleRev(ctx, a, revID)
	if err != nil {
		return Revision{}, err
	}
	if !s.authz.Can(a.UserID, d.Unit, obj, actDraft) {
		return Revision{}, qms.Errorf(qms.ErrForbidden, "you may not discard revisions of %s", d.Code)
	}
	reason, err = qms.CleanText("reason", reason, maxCommentLen, true, true)
	if err != nil {
		return Revision{}, err
	}
	return s.store.Act(ctx, revID, func(l Locked) (Effect, error) {
		if l.Rev.Status != StatusDraft {
			return Effect{}, qms.Errorf(qms.ErrState, "only a draft can be discarded (revision %s is %s)", l.Rev.IssueLabel(), l.Rev.Status)
		}
		return Effect{Status: StatusObsolete, Event: trail.NewEvent(ctx, "revision.discard", ObjectRevision, l.Rev.ID, l.Doc.Unit,
			map[string]any{"document": l.Doc.ID, "code": l.Doc.Code, "issue": l.Rev.Issue, "reason": reason})}, nil
	})
}

// ActivateDue makes effective the revisions published for a date that has come.
func (s *Service) ActivateDue(ctx context.Context) (int, error) {
	return s.store.ActivateDue(ctx, s.now().UTC())
}

// Withdraw makes a whole document obsolete with a reason: its revisions stay
// readable for those with history access and are never served as current.
func (s *Service) Withdraw(ctx context.Context, docID, reason string) (Document, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Document{}, err
	}
	d, err := s.visibleDoc(ctx, a, docID)
	if err != nil {
		return Document{}, err
	}
	if !s.authz.Can(a.UserID, d.Unit, obj, actWithdraw) {
		return Document{}, qms.Errorf(qms.ErrForbidden, "you may not withdraw documents of unit %s", d.Unit)
	}
	reason, err = qms.CleanText("reason", reason, maxCommentLen, true, true)
	if err != nil {
		return Document{}, err
	}
	ev := trail.NewEvent(ctx, "document.withdraw", ObjectDocument, d.ID, d.Unit, map[string]any{"code": d.Code, "reason": reason})
	return s.store.Withdraw(ctx, d.ID, reason, func(x Document) error {
		if x.Status == DocObsolete {
			return qms.Errorf(qms.ErrState, "document %s is already withdrawn", x.Code)
		}
		return nil
	}, ev)
}

// Acknowledge records that the actor has read an effective revision.
func (s *Service) Acknowledge(ctx context.Context, revID string) error {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return err
	}
	d, r, err := s.visibleRev(ctx, a, revID)
	if err != nil {
		return err
	}
	if r.Status != StatusEffective {
		return qms.Errorf(qms.ErrState, "only the effective revision can be acknowledged")
	}
	return s.store.Acknowledge(ctx, revID, a.UserID, trail.NewEvent(ctx, "revision.acknowledge", ObjectRevision, r.ID, d.Unit,
		map[string]any{"document": d.ID, "code": d.Code, "issue": r.Issue}))
}

// Acks lists who must acknowledge a revision and who has, for those
// holding ack_report in the owner unit.
func (s *Service) Acks(ctx context.Context, revID string) ([]Ack, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	d, _, err := s.visibleRev(ctx, a, revID)
	if err != nil {
		return nil, err
	}
	if !s.authz.Can(a.UserID, d.Unit, obj, actAckReport) {
		return nil, qms.Errorf(qms.ErrForbidden, "you may not see the acknowledgements of unit %s", d.Unit)
	}
	return s.store.Acks(ctx, revID)
}

// ConfirmReview records a periodic review without change; the next review
// falls due one interval later.
func (s *Service) ConfirmReview(ctx context.Context, docID, comment string) (Document, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Document{}, err
	}
	d, err := s.visibleDoc(ctx, a, docID)
	if err != nil {
		return Document{}, err
	}
	if !s.authz.Can(a.UserID, d.Unit, obj, actPeriodic) {
		return Document{}, qms.Errorf(qms.ErrForbidden, "you may not carry out periodic reviews in unit %s", d.Unit)
	}
	comment, err = qms.CleanText("comment", comment, maxCommentLen, true, true)
	if err != nil {
		return Document{}, err
	}
	ev := trail.NewEvent(ctx, "document.periodic_review", ObjectDocument, d.ID, d.Unit, map[string]any{
		"code": d.Code, "outcome": "no_change", "comment": comment})
	return s.store.ConfirmReview(ctx, d.ID, a.UserID, comment, s.now().UTC(), func(x Document) error {
		if x.Status != DocEffective {
			return qms.Errorf(qms.ErrState, "only an effective document is reviewed periodically")
		}
		if x.ReviewMonths == 0 {
			return qms.Errorf(qms.ErrState, "document %s has no review interval", x.Code)
		}
		return nil
	}, ev)
}

// Tasks are the actor's document tasks: revisions to acknowledge and to review.
func (s *Service) Tasks(ctx context.Context, lang string) ([]qms.Task, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	acks, err := s.store.PendingAcks(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	out := []qms.Task{}
	for _, p := range acks {
		title := fmt.Sprintf("Tôi đã đọc %s %s, lần ban hành %02d", p.Code, p.Title, p.Issue)
		if lang == "en" {
			title = fmt.Sprintf("I have read %s %s, revision %02d", p.Code, p.Title, p.Issue)
		}
		out = append(out, qms.Task{Kind: "acknowledge", Title: title, Link: "/documents/" + p.DocumentID + "#rev-" + p.RevisionID})
	}
	revs, err := s.store.PendingReviews(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	for _, p := range revs {
		title := fmt.Sprintf("Soát xét %s %s, lần ban hành %02d", p.Code, p.Title, p.Issue)
		if lang == "en" {
			title = fmt.Sprintf("Review %s %s, revision %02d", p.Code, p.Title, p.Issue)
		}
		out = append(out, qms.Task{Kind: "review", Title: title, Link: "/documents/" + p.DocumentID + "#rev-" + p.RevisionID})
	}
	return out, nil
}

// Open returns a file of a revision the actor may see, for download.
func (s *Service) Open(ctx context.Context, revID, fileID string) (Document, Revision, File, Object, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Document{}, Revision{}, File{}, nil, err
	}
	d, r, err := s.visibleRev(ctx, a, revID)
	if err != nil {
		return d, r, File{}, nil, err
	}
	return s.openFile(ctx, d, r, fileID)
}

func (s *Service) openFile(ctx context.Context, d Document, r Revision, fileID string) (Document, Revision, File, Object, error) {
	for _, list := range [][]File{r.Files, r.OldFiles} {
		for _, f := range list {
			if f.ID == fileID {
				o, err := s.blobs.Open(ctx, f.Key, f.VersionID)
				return d, r, f, o, err
			}
		}
	}
	return d, r, File{}, nil, qms.Errorf(qms.ErrNotFound, "file not found")
}

// OpenCurrent serves GET /d/{code}: the main file of the effective revision.
// Public documents are served to anyone; others need a reader who may see
// the document. Anonymous callers get "sign in" for every other code, so the
// answer does not tell whether a code exists.
func (s *Service) OpenCurrent(ctx context.Context, code string) (Document, Revision, File, Object, error) {
	a, signedIn := qms.ActorFrom(ctx)
	d, err := s.store.GetByCode(ctx, code)
	if err != nil && qms.KindOf(err) != qms.ErrNotFound {
		return d, Revision{}, File{}, nil, err
	}
	anonOK := err == nil && d.Public && d.Status == DocEffective && d.EffectiveRev != nil
	if !anonOK {
		if !signedIn {
			return Document{}, Revision{}, File{}, nil, qms.Errorf(qms.ErrUnauthenticated, "sign in to open this document")
		}
		if err != nil {
			return Document{}, Revision{}, File{}, nil, notFoundDoc()
		}
		ok, err := s.canSeeDoc(ctx, a, d)
		if err != nil {
			return Document{}, Revision{}, File{}, nil, err
		}
		if !ok {
			return Document{}, Revision{}, File{}, nil, notFoundDoc()
		}
	}
	if d.Status != DocEffective || d.EffectiveRev == nil {
		return Document{}, Revision{}, File{}, nil, qms.Errorf(qms.ErrNotFound, "document %s has no effective revision", d.Code)
	}
	r, err := s.store.Revision(ctx, *d.EffectiveRev)
	if err != nil {
		return Document{}, Revision{}, File{}, nil, err
	}
	if r.Status != StatusEffective {
		return Document{}, Revision{}, File{}, nil, qms.Errorf(qms.ErrNotFound, "document %s has no effective revision", d.Code)
	}
	f, ok := r.MainFile()
	if !ok {
		return Document{}, Revision{}, File{}, nil, qms.Errorf(qms.ErrNotFound, "the effective revision has no main file")
	}
	return s.openFile(ctx, d, r, f.ID)
}

// PublicList is the public register: effective revisions of public documents.
func (s *Service) PublicList(ctx context.Context) ([]PublicEntry, error) {
	out, err := s.store.PublicList(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].FileID != nil {
			out[i].URL = "/public/files/" + out[i].RevisionID + "/" + *out[i].FileID
		}
	}
	return out, nil
}

// OpenPublic serves a file of the effective revision of a public document
// to anyone; everything else is "not found", whatever the id.
func (s *Service) OpenPublic(ctx context.Context, revID, fileID string) (Document, Revision, File, Object, error) {
	nf := qms.Errorf(qms.ErrNotFound, "file not found")
	r, err := s.store.Revision(ctx, revID)
	if err != nil {
		if qms.KindOf(err) == qms.ErrNotFound {
			return Document{}, Revision{}, File{}, nil, nf
		}
		return Document{}, Revision{}, File{}, nil, err
	}
	d, err := s.store.Get(ctx, r.DocumentID)
	if err != nil {
		return Document{}, Revision{}, File{}, nil, err
	}
	if !d.Public || d.Status != DocEffective || r.Status != StatusEffective || d.EffectiveRev == nil || *d.EffectiveRev != r.ID {
		return Document{}, Revision{}, File{}, nil, nf
	}
	for _, f := range r.Files { // current files only, never replaced ones
		if f.ID == fileID {
			return s.openFile(ctx, d, r, fileID)
		}
	}
	return Document{}, Revision{}, File{}, nil, nf
}

// MyWork returns the actor's open acknowledgements and reviews, for the
// home page (the web layer words them in the reader's language).
func (s *Service) MyWork(ctx context.Context) ([]PendingAck, []PendingReview, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, nil, err
	}
	acks, err := s.store.PendingAcks(ctx, a.UserID)
	if err != nil {
		return nil, nil, err
	}
	revs, err := s.store.PendingReviews(ctx, a.UserID)
	return acks, revs, err
}

// DueReviews lists the effective documents, in units where the actor
// carries out periodic reviews, that are due within 30 days or overdue.
func (s *Service) DueReviews(ctx context.Context) ([]Document, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	sc := s.authz.Scope(a.UserID, obj, actPeriodic)
	if sc.Empty() {
		return []Document{}, nil
	}
	// Only the periodic-review scope: Draft lets the store show every
	// document of those units, ReviewDue keeps the effective ones due.
	now := s.now()
	p, err := s.store.List(ctx, Filter{ReviewDue: true, Limit: 100}, Visibility{UserID: a.UserID, Draft: sc}, now)
	if err != nil {
		return nil, err
	}
	for i := range p.Items {
		markOverdue(&p.Items[i], now)
	}
	return p.Items, nil
}

// Reviewable reports whether a user may be chosen as reviewer in a unit.
func (s *Service) Reviewable(userID, unit string) bool {
	return s.authz.Can(userID, unit, obj, actReview)
}

// CanCreate reports whether the actor may register documents in unit.
func (s *Service) CanCreate(ctx context.Context, unit string) bool {
	a, ok := qms.ActorFrom(ctx)
	return ok && s.authz.Can(a.UserID, unit, obj, actCreate)
}

// CreateScope is the units where the actor may register documents.
func (s *Service) CreateScope(ctx context.Context) qms.Scope {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return qms.Scope{}
	}
	return s.authz.Scope(a.UserID, obj, actCreate)
}
