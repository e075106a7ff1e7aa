package document

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// The register: documents are registered in an owner unit, their register
// data edited, and the register listed as the reader may see it.

var codeRE = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._/-]{0,39}$`)

// NewDocument is the input of Create and Update.
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
		fe.Add("type", "choose one of: %s", strings.Join(Types, ", "))
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

// registerDetails are the register data as the trail records them.
func registerDetails(d Document) map[string]any {
	return map[string]any{"code": d.Code, "title": d.Title, "type": d.Type, "clauses": d.Clauses, "public": d.Public,
		"review_months": d.ReviewMonths, "distribution_units": d.DistUnits, "distribution_roles": d.DistRoles}
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
	if !s.can(a, d.Unit, actCreate) {
		return Document{}, qms.Errorf(qms.ErrForbidden, "you may not register documents in unit %s", d.Unit)
	}
	d.CreatedBy = a.UserID
	d.Status = DocDraft
	ev := trail.NewEvent(ctx, "document.create", ObjectDocument, "", d.Unit, registerDetails(d))
	out, err := s.store.Create(ctx, d, ev)
	if qms.KindOf(err) == qms.ErrConflict {
		return Document{}, qms.Errorf(qms.ErrConflict, "a document with code %s already exists", d.Code)
	}
	return out, err
}

// Update changes a document's register data (not its code or unit).
func (s *Service) Update(ctx context.Context, id string, n NewDocument) (Document, error) {
	a, cur, err := s.onDoc(ctx, id, "", nil)
	if err != nil {
		return Document{}, err
	}
	n.Code, n.Unit = cur.Code, cur.Unit
	d, err := n.validate()
	if err != nil {
		return Document{}, err
	}
	if !s.can(a, cur.Unit, actCreate) {
		return Document{}, qms.Errorf(qms.ErrForbidden, "you may not change this document's register data")
	}
	return s.mutateDoc(ctx, id, func(l Locked) (Change, error) {
		x := l.Doc
		if x.Status == DocObsolete {
			return Change{}, qms.Errorf(qms.ErrState, "document %s is withdrawn", x.Code)
		}
		x.Title, x.Type, x.Clauses, x.ReviewMonths, x.Public, x.DistUnits, x.DistRoles =
			d.Title, d.Type, d.Clauses, d.ReviewMonths, d.Public, d.DistUnits, d.DistRoles
		return Change{Register: &x,
			Event: trail.NewEvent(ctx, "document.update", ObjectDocument, x.ID, x.Unit, registerDetails(x))}, nil
	})
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
	if q != "" && strings.TrimRight(f.Q, " \t\u00a0\u3000") != f.Q {
		q += " " // a search ending with a space has no word being typed (a prefix)
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
	case "", "relevance", "code", "title", "updated":
	default:
		return ListPage{}, qms.Errorf(qms.ErrInvalid, "sort must be relevance, code, title or updated")
	}
	v, err := s.visibility(ctx, a)
	if err != nil {
		return ListPage{}, err
	}
	return s.list(ctx, f, v)
}

// list reads one page and marks the documents overdue for review.
func (s *Service) list(ctx context.Context, f Filter, v Visibility) (ListPage, error) {
	now := s.o.Clock(ctx)
	p, err := s.store.List(ctx, f, v, now)
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
