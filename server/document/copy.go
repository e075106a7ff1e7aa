package document

import (
	"context"
	"io"
	"path"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Controlled copies (ISO 9001 7.5.3.2): a revision in force is printed with
// its header (code, issue, issue date, pages), its sign-off block, the
// table of its revisions and a QR code to the public check page, either as
// an uncontrolled copy (for reading; nothing is logged) or as a numbered
// controlled copy issued to a holder of a unit, logged per revision. When a
// revision stops being in force, its copies still out are the copies to
// withdraw; withdrawing one is logged.

// ObjectCopy is the object type of controlled copies in the trail.
const ObjectCopy = "controlled_copy"

// actIssueCopy is the permission to issue, print and withdraw controlled
// copies of a unit's documents (the document controller's work).
const actIssueCopy = "issue_copy"

// Copy is one controlled copy of a revision, handed to a holder of a unit.
type Copy struct {
	ID           string     `json:"id" db:"id"`
	RevisionID   string     `json:"revision_id" db:"revision_id"`
	DocumentID   string     `json:"document_id" db:"document_id"`
	Code         string     `json:"code" db:"code"`
	Title        string     `json:"title" db:"title"`
	DocUnit      string     `json:"document_unit" db:"doc_unit"`
	Issue        int        `json:"issue" db:"issue"`
	RevStatus    string     `json:"revision_status" db:"rev_status"`
	No           int        `json:"no" db:"no"`
	Unit         string     `json:"unit" db:"unit"`
	Holder       string     `json:"holder" db:"holder"`
	IssuedBy     string     `json:"issued_by" db:"issued_by"`
	IssuedByName string     `json:"issued_by_name" db:"issued_by_name"`
	IssuedAt     time.Time  `json:"issued_at" db:"issued_at"`
	WithdrawnAt  *time.Time `json:"withdrawn_at,omitempty" db:"withdrawn_at"`
	WithdrawnBy  *string    `json:"withdrawn_by,omitempty" db:"withdrawn_by"`
	// ToWithdraw: the copy is still out and its revision is no longer in force.
	ToWithdraw bool `json:"to_withdraw" db:"-"`
}

// IssueLabel is the copy's issue number as offices write it (01, 02, ...).
func (c Copy) IssueLabel() string { return Revision{Issue: c.Issue}.IssueLabel() }

func (c *Copy) derive() {
	c.ToWithdraw = c.WithdrawnAt == nil && c.RevStatus != StatusEffective
}

// HistoryLine is one line of a printed copy's revision table (Sửa đổi tài
// liệu): an issue that has been in force, when, and what it changed.
type HistoryLine struct {
	Issue       int       `json:"issue" db:"issue"`
	EffectiveAt time.Time `json:"effective_at" db:"effective_at"`
	Change      string    `json:"change" db:"change"`
}

// IssueLabel is the issue number as offices write it.
func (h HistoryLine) IssueLabel() string { return Revision{Issue: h.Issue}.IssueLabel() }

// Public states of a revision on the check page.
const (
	CheckEffective  = "effective"
	CheckSuperseded = "superseded"
	CheckWithdrawn  = "withdrawn"
)

// Check is what the public check page says of a revision that has been in
// force: whether it still is, and if not what replaced it and since when.
type Check struct {
	RevisionID   string     `json:"revision_id" db:"revision_id"`
	Code         string     `json:"code" db:"code"`
	Title        string     `json:"title" db:"title"`
	Issue        int        `json:"issue" db:"issue"`
	RevStatus    string     `json:"-" db:"rev_status"`
	EffectiveAt  time.Time  `json:"effective_at" db:"effective_at"`
	SupersededAt *time.Time `json:"superseded_at,omitempty" db:"superseded_at"`
	// By is the issue that superseded it, when one did.
	ByIssue     *int       `json:"superseded_by_issue,omitempty" db:"by_issue"`
	ByID        *string    `json:"superseded_by,omitempty" db:"by_id"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty" db:"withdrawn_at"`
	// State is effective, superseded or withdrawn (filled by the service).
	State string `json:"state" db:"-"`
}

// IssueLabel is the issue number as offices write it.
func (c Check) IssueLabel() string { return Revision{Issue: c.Issue}.IssueLabel() }

// ByIssueLabel is the superseding issue as offices write it, "" without one.
func (c Check) ByIssueLabel() string {
	if c.ByIssue == nil {
		return ""
	}
	return Revision{Issue: *c.ByIssue}.IssueLabel()
}

// Printout is what a printed copy shows.
type Printout struct {
	Doc     Document
	Rev     Revision
	History []HistoryLine
	// Copy is the controlled copy printed; nil for an uncontrolled copy.
	Copy *Copy
	// CheckURL is the address of the public check page the QR code opens.
	CheckURL string
	// Drafted, Reviewed and Approved are the sign-off block.
	Drafted  qms.Signature
	Reviewed []qms.Signature
	Approved *qms.Signature
	At       time.Time
	// Pages is the content of the main file when it is a PDF of at most
	// MaxPrintedPDF bytes: the copy prints its pages after the cover sheet,
	// each under the copy's header and mark. Nil otherwise: the sheet then
	// identifies the file by its SHA-256.
	Pages []byte
}

// MaxPrintedPDF is the largest main file whose pages a printed copy
// carries (a scanned procedure of a few hundred pages); a larger one is
// printed from the file, as a file of another kind is.
const MaxPrintedPDF = 64 << 20

// CopyStore is what controlled copies need from the database.
type CopyStore interface {
	// IssueCopy numbers c after the revision's last copy (under the
	// revision's lock) and inserts it with ev, checking in the same
	// transaction that the revision is still in force (ErrState otherwise).
	IssueCopy(ctx context.Context, c Copy, ev trail.Event) (Copy, error)
	// WithdrawCopy marks a copy withdrawn by userID with ev, unless decide,
	// called on the locked copy, refuses.
	WithdrawCopy(ctx context.Context, id, userID string, decide func(Copy) error, ev func(Copy) trail.Event) (Copy, error)
	Copy(ctx context.Context, id string) (Copy, error)
	// Copies lists the copies of a revision by number.
	Copies(ctx context.Context, revID string) ([]Copy, error)
	// Outstanding lists the copies still out of revisions no longer in
	// force, of documents of scope, oldest first.
	Outstanding(ctx context.Context, scope qms.Scope) ([]Copy, error)
	// History lists the issues of a document that have been in force.
	History(ctx context.Context, docID string) ([]HistoryLine, error)
	// Check reads a revision that has been in force (ErrNotFound otherwise).
	Check(ctx context.Context, revID string) (Check, error)
}

// CopyPrinter writes a printout as PDF in a language.
type CopyPrinter interface {
	Print(w io.Writer, p Printout, lang string) error
}

// Copies is the controlled-copy part of document control.
type Copies struct {
	docs    *Service
	store   CopyStore
	printer CopyPrinter
	base    string
}

// NewCopies returns controlled copies on the document service; baseURL is
// the public address the check page's QR code points at.
func NewCopies(docs *Service, store CopyStore, printer CopyPrinter, baseURL string) *Copies {
	return &Copies{docs: docs, store: store, printer: printer, base: strings.TrimRight(baseURL, "/")}
}

// CheckURL is the address of the public check page of a revision.
func (c *Copies) CheckURL(revID string) string { return c.base + "/public/check/" + revID }

// Errors of controlled copies.
var (
	ErrNoCopy = qms.Errorf(qms.ErrNotFound, "controlled copy not found")
	// ErrNotInForce refuses a controlled copy of a revision that is not in
	// force (also decided by the store, under the lock).
	ErrNotInForce = qms.Errorf(qms.ErrState, "only the revision in force can be issued as a controlled copy")
)

// IssueRequest is the input of Issue.
type IssueRequest struct {
	Unit   string `json:"unit" form:"unit"`
	Holder string `json:"holder" form:"holder"`
}

// Issue issues the next numbered controlled copy of the revision in force
// revID to a holder of a unit.
func (c *Copies) Issue(ctx context.Context, revID string, r IssueRequest) (Copy, error) {
	fe := qms.FieldErrors{}
	unit := strings.TrimSpace(r.Unit)
	if !qms.ValidUnitCode(unit) {
		fe.Add("unit", "choose the unit that receives the copy")
	}
	holder, err := qms.CleanText("holder", r.Holder, 200, true, false)
	if err != nil {
		fe.AddErr("holder", err)
	}
	if err := fe.Err(); err != nil {
		return Copy{}, err
	}
	a, d, rev, err := c.docs.onRev(ctx, revID, actIssueCopy, func(d Document) error {
		return qms.Errorf(qms.ErrForbidden, "you may not issue controlled copies of documents of unit %s", d.Unit)
	})
	if err != nil {
		return Copy{}, err
	}
	if rev.Status != StatusEffective {
		return Copy{}, ErrNotInForce
	}
	cp := Copy{RevisionID: rev.ID, DocumentID: d.ID, Unit: unit, Holder: holder, IssuedBy: a.UserID}
	ev := trail.NewEvent(ctx, "copy.issue", ObjectCopy, "", d.Unit, map[string]any{
		"revision": rev.ID, "document": d.ID, "code": d.Code, "issue": rev.Issue, "unit": unit, "holder": holder})
	return c.store.IssueCopy(ctx, cp, ev)
}

// Withdraw marks a controlled copy withdrawn (returned and destroyed).
func (c *Copies) Withdraw(ctx context.Context, id string) (Copy, error) {
	a, cp, err := c.visibleCopy(ctx, id)
	if err != nil {
		return Copy{}, err
	}
	if !c.docs.can(a, cp.DocUnit, actIssueCopy) {
		return Copy{}, qms.Errorf(qms.ErrForbidden, "you may not withdraw controlled copies of documents of unit %s", cp.DocUnit)
	}
	out, err := c.store.WithdrawCopy(ctx, id, a.UserID, func(l Copy) error {
		if l.WithdrawnAt != nil {
			return qms.Errorf(qms.ErrState, "controlled copy %d is already withdrawn", l.No)
		}
		return nil
	}, func(l Copy) trail.Event {
		return trail.NewEvent(ctx, "copy.withdraw", ObjectCopy, l.ID, l.DocUnit, map[string]any{
			"revision": l.RevisionID, "document": l.DocumentID, "code": l.Code, "issue": l.Issue, "no": l.No,
			"unit": l.Unit, "holder": l.Holder, "revision_status": l.RevStatus})
	})
	if err != nil {
		return Copy{}, err
	}
	out.derive()
	return out, nil
}

// visibleCopy returns a copy whose revision the actor may see; otherwise
// "not found", as for the revision itself.
func (c *Copies) visibleCopy(ctx context.Context, id string) (qms.Actor, Copy, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return a, Copy{}, err
	}
	cp, err := c.store.Copy(ctx, id)
	if qms.KindOf(err) == qms.ErrNotFound {
		return a, Copy{}, ErrNoCopy
	}
	if err != nil {
		return a, Copy{}, err
	}
	if _, _, err := c.docs.visibleRev(ctx, a, cp.RevisionID); err != nil {
		if qms.KindOf(err) == qms.ErrNotFound {
			return a, Copy{}, ErrNoCopy
		}
		return a, Copy{}, err
	}
	cp.derive()
	return a, cp, nil
}

// List returns the copies of a revision the actor may see.
func (c *Copies) List(ctx context.Context, revID string) ([]Copy, error) {
	if _, _, _, err := c.docs.onRev(ctx, revID, "", nil); err != nil {
		return nil, err
	}
	list, err := c.store.Copies(ctx, revID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].derive()
	}
	return list, nil
}

// ToWithdraw lists the copies still out of revisions no longer in force, in
// the units where the actor issues copies.
func (c *Copies) ToWithdraw(ctx context.Context) ([]Copy, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	sc := c.docs.authz.Scope(a.UserID, obj, actIssueCopy)
	if sc.Empty() {
		return []Copy{}, nil
	}
	list, err := c.store.Outstanding(ctx, sc)
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].derive()
	}
	return list, nil
}

// CanIssue reports whether the actor issues controlled copies of unit's documents.
func (c *Copies) CanIssue(ctx context.Context, unit string) bool {
	a, ok := qms.ActorFrom(ctx)
	return ok && c.docs.can(a, unit, actIssueCopy)
}

// Print writes a copy of a revision as PDF: the controlled copy copyID
// when given (the revision in force, a copy not withdrawn, printed by who
// issues copies), else an uncontrolled copy of a revision the reader may
// see that has been in force.
func (c *Copies) Print(ctx context.Context, w io.Writer, revID, copyID, lang string) error {
	p, err := c.Printout(ctx, revID, copyID)
	if err != nil {
		return err
	}
	return c.printer.Print(w, p, lang)
}

// Printout gathers what a printed copy shows (see Print).
func (c *Copies) Printout(ctx context.Context, revID, copyID string) (Printout, error) {
	a, d, rev, err := c.docs.onRev(ctx, revID, "", nil)
	if err != nil {
		return Printout{}, err
	}
	if rev.EffectiveAt == nil || rev.Working() {
		return Printout{}, qms.Errorf(qms.ErrState, "only a revision that has been in force can be printed (revision %s is %s)", rev.IssueLabel(), revStatus(rev.Status))
	}
	p := Printout{Doc: d, Rev: rev, CheckURL: c.CheckURL(rev.ID), At: c.docs.o.Clock(ctx)}
	if copyID != "" {
		if !c.docs.can(a, d.Unit, actIssueCopy) {
			return Printout{}, qms.Errorf(qms.ErrForbidden, "you may not print controlled copies of documents of unit %s", d.Unit)
		}
		cp, err := c.store.Copy(ctx, copyID)
		if qms.KindOf(err) == qms.ErrNotFound || (err == nil && cp.RevisionID != rev.ID) {
			return Printout{}, ErrNoCopy
		}
		if err != nil {
			return Printout{}, err
		}
		if cp.WithdrawnAt != nil {
			return Printout{}, qms.Errorf(qms.ErrState, "controlled copy %d is withdrawn and cannot be printed again", cp.No)
		}
		if rev.Status != StatusEffective {
			return Printout{}, ErrNotInForce
		}
		cp.derive()
		p.Copy = &cp
	}
	if p.History, err = c.store.History(ctx, d.ID); err != nil {
		return Printout{}, err
	}
	if f, ok := rev.MainFile(); ok && isPDF(f) && f.Size <= MaxPrintedPDF {
		o, err := c.docs.blobs.OpenVersion(ctx, f.Key, f.VersionID)
		if err != nil {
			return Printout{}, err
		}
		p.Pages, err = io.ReadAll(io.LimitReader(o, MaxPrintedPDF+1))
		o.Close()
		if err != nil {
			return Printout{}, err
		}
	}
	p.Drafted = qms.Signature{UserID: rev.CreatedBy, Name: rev.CreatedByName,
		Role: c.docs.o.RoleOf(rev.CreatedBy, d.Unit, obj, actDraft), SignedAt: rev.CreatedAt}
	if rev.SubmittedAt != nil {
		p.Drafted.SignedAt = *rev.SubmittedAt
	}
	for i := range rev.Signatures {
		sg := rev.Signatures[i]
		if sg.VoidedAt != nil {
			continue
		}
		switch sg.Meaning {
		case MeaningReviewed:
			p.Reviewed = append(p.Reviewed, sg)
		case MeaningApproved:
			p.Approved = &rev.Signatures[i]
		}
	}
	return p, nil
}

// isPDF says whether a file was stored as a PDF (by its media type, or by
// its name when the type is a generic one).
func isPDF(f File) bool {
	mt := strings.ToLower(strings.TrimSpace(strings.Split(f.MediaType, ";")[0]))
	if mt == "application/pdf" {
		return true
	}
	return (mt == "" || mt == "application/octet-stream") && strings.EqualFold(path.Ext(f.Name), ".pdf")
}

// CheckRevision is the public check of a revision that has been in force:
// no sign-in; any other id is "not found".
func (c *Copies) CheckRevision(ctx context.Context, revID string) (Check, error) {
	ch, err := c.store.Check(ctx, revID)
	if qms.KindOf(err) == qms.ErrNotFound {
		return Check{}, ErrNoRevision
	}
	if err != nil {
		return Check{}, err
	}
	switch {
	case ch.RevStatus == StatusEffective:
		ch.State = CheckEffective
	case ch.RevStatus == StatusSuperseded:
		ch.State = CheckSuperseded
	default:
		ch.State = CheckWithdrawn
	}
	return ch, nil
}
