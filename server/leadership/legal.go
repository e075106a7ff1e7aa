package leadership

// The register of legal bases (căn cứ pháp lý) and the revision tasks a
// legal change opens (QĐ 19/2014/QĐ-TTg: the QMS is updated within three
// months of a relevant change in the law). A legal basis is a law, decree,
// circular or decision, linked to the services (administrative procedures)
// and the procedure documents it governs. Registering one opens, for each
// linked procedure document, a revision task of the document's unit due
// three calendar months after the text's effective date (RevisionDue). The
// task closes by itself when a revision of the document published after the
// task opened is effective (the document capability tells app, which calls
// CloseRevised; the scheduled scan calls it too), and an overdue task is
// escalated to the unit's head and the coordinators and counts among the
// units not complying.
//
// The coordinator keeps the register (legal manage in every unit); everyone
// signed in reads it and its tasks; heads and authors see their units' open
// tasks on their home page (legal revise).

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Kinds of legal text.
const (
	KindLaw        = "law"        // luật, bộ luật
	KindOrdinance  = "ordinance"  // pháp lệnh
	KindResolution = "resolution" // nghị quyết
	KindDecree     = "decree"     // nghị định
	KindDecision   = "decision"   // quyết định
	KindCircular   = "circular"   // thông tư
	KindDirective  = "directive"  // chỉ thị
	KindOther      = "other"
)

// LegalKinds lists the kinds in display order.
var LegalKinds = []string{KindLaw, KindOrdinance, KindResolution, KindDecree, KindDecision, KindCircular, KindDirective, KindOther}

// Statuses of a legal basis.
const (
	LegalInForce    = "in_force"   // còn hiệu lực
	LegalSuperseded = "superseded" // replaced by another text (SupersededBy)
	LegalRepealed   = "repealed"   // hết hiệu lực, without a successor
)

// LegalStatuses lists the statuses in display order.
var LegalStatuses = []string{LegalInForce, LegalSuperseded, LegalRepealed}

// Ways a revision task closes.
const (
	ClosedRevised   = "revised"   // a new revision of the document is effective
	ClosedUnlinked  = "unlinked"  // the register no longer links the document
	ClosedWithdrawn = "withdrawn" // the document was withdrawn
)

// ObjLegal is the permission object of the register: manage (the
// coordinator) keeps it; revise (heads, authors) puts a unit's revision
// tasks on the home page.
const (
	ObjLegal  = "legal"
	actRevise = "revise" // manage is actManage (scope.go)
)

// LegalBasis is one text of the register.
type LegalBasis struct {
	ID          string       `json:"id" db:"id"`
	Number      string       `json:"number" db:"number"`
	Title       string       `json:"title" db:"title"`
	Kind        string       `json:"kind" db:"kind"`
	Issuer      string       `json:"issuer" db:"issuer"`
	IssuedOn    workday.Date `json:"issued_on" db:"-"`
	EffectiveOn workday.Date `json:"effective_on" db:"-"`
	Status      string       `json:"status" db:"status"`
	// SupersededBy is the id of the text that replaced this one ("" when
	// none); SupersededByNumber its number.
	SupersededBy       string        `json:"superseded_by,omitempty" db:"superseded_by"`
	SupersededByNumber string        `json:"superseded_by_number,omitempty" db:"superseded_by_number"`
	Supersedes         []LegalRef    `json:"supersedes" db:"-"` // the texts this one replaced
	AlreadyApplied     bool          `json:"already_applied" db:"already_applied"`
	Services           []ServiceRef  `json:"services" db:"-"`
	Documents          []DocumentRef `json:"documents" db:"-"`
	Version            int           `json:"version" db:"version"`
	CreatedBy          string        `json:"created_by" db:"created_login"`
	CreatedAt          time.Time     `json:"created_at" db:"created_at"`
	UpdatedAt          time.Time     `json:"updated_at" db:"updated_at"`
	// OpenTasks counts the open revision tasks (lists); Tasks are all of
	// them, on one text.
	OpenTasks int            `json:"open_tasks" db:"open_tasks"`
	Tasks     []RevisionTask `json:"tasks,omitempty" db:"-"`
}

// LegalRef names another legal basis.
type LegalRef struct {
	ID     string `json:"id" db:"id"`
	Number string `json:"number" db:"number"`
	Title  string `json:"title" db:"title"`
}

// ServiceRef is a service the text governs.
type ServiceRef struct {
	Code   string `json:"code" db:"code"`
	NameVI string `json:"name_vi" db:"name_vi"`
	NameEN string `json:"name_en" db:"name_en"`
	Unit   string `json:"unit" db:"unit"`
}

// Name is the service's name in lang.
func (s ServiceRef) Name(lang string) string { return qms.Text{VI: s.NameVI, EN: s.NameEN}.In(lang) }

// DocumentRef is a document the text governs.
type DocumentRef struct {
	ID     string `json:"id" db:"id"`
	Code   string `json:"code" db:"code"`
	Title  string `json:"title" db:"title"`
	Type   string `json:"type" db:"type"`
	Unit   string `json:"unit" db:"unit"`
	Status string `json:"status" db:"status"`
}

// RevisionTask is the task to revise one procedure after a legal change.
type RevisionTask struct {
	ID             string       `json:"id" db:"id"`
	LegalBasisID   string       `json:"legal_basis_id" db:"legal_basis_id"`
	LegalNumber    string       `json:"legal_number" db:"legal_number"`
	LegalTitle     string       `json:"legal_title" db:"legal_title"`
	DocumentID     string       `json:"document_id" db:"document_id"`
	DocumentCode   string       `json:"document_code" db:"document_code"`
	DocumentTitle  string       `json:"document_title" db:"document_title"`
	Unit           string       `json:"unit" db:"unit"` // the document's unit
	DueOn          workday.Date `json:"due_on" db:"-"`
	OpenedAt       time.Time    `json:"opened_at" db:"opened_at"`
	ClosedAt       *time.Time   `json:"closed_at,omitempty" db:"closed_at"`
	ClosedReason   string       `json:"closed_reason,omitempty" db:"closed_reason"`
	ClosedRevision string       `json:"closed_revision,omitempty" db:"closed_revision"`
	ClosedIssue    int          `json:"closed_issue,omitempty" db:"closed_issue"` // the revision's issue number
	Overdue        bool         `json:"overdue" db:"-"`
}

// Open reports whether the task is still open.
func (t RevisionTask) Open() bool { return t.ClosedAt == nil }

// IsOverdue reports whether the task is open past its due date on today
// (the due date itself is the last day allowed).
func (t RevisionTask) IsOverdue(today workday.Date) bool { return t.Open() && t.DueOn.Before(today) }

// RevisionDue is the day by which a procedure must be revised after a legal
// text that takes effect on effective: three calendar months later (QĐ
// 19/2014/QĐ-TTg Điều 4: the QMS is updated within three months of a
// relevant change in the law). It is the same day of the month three months
// on, or the last day of that month when it has no such day: 15/01 → 15/04,
// 31/05 → 31/08, 31/03 → 30/06, 30/11/2025 → 28/02/2026, 30/11/2027 →
// 29/02/2028. (Go's AddDate would roll 31/06 over to 01/07.)
func RevisionDue(effective workday.Date) workday.Date {
	y, m := effective.Year, effective.Month+3
	if m > 12 {
		y, m = y+1, m-12
	}
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return workday.Date{Year: y, Month: m, Day: min(effective.Day, last)}
}

// LegalFilter selects legal bases.
type LegalFilter struct {
	Status   string // one status, "" for all
	Service  string // linked to this service
	Document string // linked to this document (id)
}

// TaskFilter selects revision tasks.
type TaskFilter struct {
	State      string // "open", "overdue", "closed"; "" for all
	Unit       string // the document's unit
	LegalBasis string
	Document   string
	Scope      *qms.Scope   // only these units, when set
	Today      workday.Date // for "overdue"
}

// Task filter states.
const (
	TaskOpen    = "open"
	TaskOverdue = "overdue"
	TaskClosed  = "closed"
)

// LegalUpdate is what a locked change of a legal basis writes: its new
// fields and links, the tasks of the documents newly linked, the documents
// no longer linked (their open tasks close as unlinked), the due date of
// the open tasks when the effective date moved, and the trail entry.
type LegalUpdate struct {
	Basis  LegalBasis
	Open   []RevisionTask
	Unlink []string
	Due    *workday.Date
	Event  trail.Event
}

// LegalStore keeps the register and its tasks (server/postgres). Every
// change writes its trail entries in the same transaction.
type LegalStore interface {
	LegalBases(ctx context.Context, f LegalFilter) ([]LegalBasis, error)
	// LegalBasis returns one text with its links, the texts it superseded
	// and its tasks.
	LegalBasis(ctx context.Context, id string) (LegalBasis, error)
	// Targets returns, of the services and documents named, those that
	// exist, by code and by id.
	Targets(ctx context.Context, services, documents []string) (map[string]ServiceRef, map[string]DocumentRef, error)
	// CreateLegalBasis writes a text, its links and the tasks to open (one
	// trail entry for the text, one per task), and supersedes by it the
	// texts of sup, each with its entry, all in one transaction: a text of
	// sup changed since it was read (another version, or no longer in
	// force) refuses the whole act (ErrConflict).
	CreateLegalBasis(ctx context.Context, b LegalBasis, tasks []RevisionTask, ev trail.Event, sup []Supersession) (LegalBasis, error)
	// MutateLegalBasis loads the text FOR UPDATE, lets fn decide, and
	// writes the update with its trail entries in the same transaction; it
	// refuses a text superseded, through its successors, by itself. An
	// error from fn aborts it.
	MutateLegalBasis(ctx context.Context, id string, fn func(cur LegalBasis) (LegalUpdate, error)) (LegalBasis, error)
	RevisionTasks(ctx context.Context, f TaskFilter) ([]RevisionTask, error)
	// CloseRevisionTasks closes the open tasks whose document has an
	// effective (or since superseded) revision published after the task
	// opened, and those whose document was withdrawn, with one trail entry
	// each; it returns how many it closed.
	CloseRevisionTasks(ctx context.Context) (int, error)
	// EscalateRevisionTasks notifies the head of the document's unit and
	// every coordinator of each task past due on today, once per task and
	// due date, with one trail entry per newly escalated task, and queues
	// the e-mail mail makes of each new notification in the transaction
	// that writes it (Mailed set on those it queued), as EscalateOverdue.
	EscalateRevisionTasks(ctx context.Context, today workday.Date, subject func(RevisionTask) qms.Msg, mail func(RevisionEscalation) qms.Email) ([]RevisionEscalation, error)
	// OverdueRevisionsByUnit counts per unit the tasks open past due on today.
	OverdueRevisionsByUnit(ctx context.Context, today workday.Date) (map[string]int, error)
}

// Supersession is a text in force that a text registered supersedes, as
// it was read (its version), with the trail entry of its change (the store
// adds the new text's id to it as superseded_by).
type Supersession struct {
	ID      string
	Number  string
	Version int
	Event   trail.Event
}

// RevisionEscalation is one new notification of an overdue revision task.
type RevisionEscalation struct {
	UserID  string
	Email   string
	Lang    string
	Subject qms.Msg
	Link    string
	Task    string
	Mailed  bool // its e-mail was queued with it
}

// Legal is the register of legal bases and its revision tasks.
type Legal struct {
	store LegalStore
	authz Authorizer
	o     Options
}

// NewLegal returns the register on store; of o it uses Now, Location,
// BaseURL and Render.
func NewLegal(store LegalStore, authz Authorizer, o Options) *Legal {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Render == nil {
		o.Render = func(_ string, m qms.Msg) string { return m.String() }
	}
	return &Legal{store: store, authz: authz, o: o}
}

func (l *Legal) today() workday.Date { return workday.DateOf(l.o.Now(), l.o.Location) }

// CanManage says whether the actor keeps the register.
func (l *Legal) CanManage(ctx context.Context) bool {
	a, ok := qms.ActorFrom(ctx)
	return ok && l.authz.Can(a.UserID, qms.AllUnits, ObjLegal, actManage)
}

func (l *Legal) mayManage(ctx context.Context) error {
	a, err := qms.MustActor(ctx)
	if err == nil && !l.authz.Can(a.UserID, qms.AllUnits, ObjLegal, actManage) {
		err = qms.Errorf(qms.ErrForbidden, "only the QMS coordinator keeps the register of legal bases")
	}
	return err
}

// LegalBasisIn is what registering or changing a legal basis takes.
type LegalBasisIn struct {
	Number      string       `json:"number"`
	Title       string       `json:"title"`
	Kind        string       `json:"kind"`
	Issuer      string       `json:"issuer"`
	IssuedOn    workday.Date `json:"issued_on"`
	EffectiveOn workday.Date `json:"effective_on"`
	// Status defaults to in force, or superseded when SupersededBy is set.
	Status       string   `json:"status"`
	SupersededBy string   `json:"superseded_by"`
	Services     []string `json:"services"`  // service codes
	Documents    []string `json:"documents"` // procedure document ids
	// Supersedes names, when a text is registered, the texts in force it
	// replaces: they become superseded by it in the same act, and their
	// services and procedures are linked to it too (the procedures that
	// followed the old text are revised after the new one).
	Supersedes []string `json:"supersedes"`
	// AlreadyApplied: the linked procedures already follow this text (the
	// register is being filled with texts applied long ago), so no
	// revision task opens for them.
	AlreadyApplied bool `json:"already_applied"`
	// Version is the version read, required to change a text (optimistic
	// concurrency: a change made meanwhile is refused).
	Version int `json:"version"`
}

// A number as offices write it: digits, a slash, then the year and the
// issuer's code (118/2025/NĐ-CP, 19/2014/QĐ-TTg, 101/QĐ-BKHCN, 31/2024/QH15).
var legalNumberRE = regexp.MustCompile(`^[0-9]{1,6}/[\p{L}\p{N}][\p{L}\p{N}./-]{0,52}$`)

// clean checks the fields of in and returns the text they describe, the
// service codes and document ids to link (each once) and the problems.
func (l *Legal) clean(in LegalBasisIn) (LegalBasis, []string, []string, qms.FieldErrors) {
	fe := qms.FieldErrors{}
	var b LegalBasis
	var err error
	if b.Number, err = qms.CleanText("number", in.Number, 60, true, false); err != nil {
		fe.AddErr("number", err)
	} else if !legalNumberRE.MatchString(b.Number) || !strings.ContainsFunc(b.Number, unicode.IsLetter) {
		fe.Add("number", "a number as the text gives it, such as 118/2025/NĐ-CP")
	}
	if b.Title, err = qms.CleanText("title", in.Title, 500, true, false); err != nil {
		fe.AddErr("title", err)
	}
	if b.Issuer, err = qms.CleanText("issuer", in.Issuer, 200, true, false); err != nil {
		fe.AddErr("issuer", err)
	}
	b.Kind = strings.TrimSpace(in.Kind)
	if !oneOf(b.Kind, LegalKinds) {
		fe.Add("kind", "choose the kind of text (law, decree, circular, decision...)")
	}
	b.IssuedOn, b.EffectiveOn = in.IssuedOn, in.EffectiveOn
	if b.IssuedOn.IsZero() {
		fe.Add("issued_on", "the date the text was issued is required")
	}
	if b.EffectiveOn.IsZero() {
		fe.Add("effective_on", "the date the text takes effect is required")
	} else if !b.IssuedOn.IsZero() && b.EffectiveOn.Before(b.IssuedOn) {
		fe.Add("effective_on", "a text cannot take effect before it is issued")
	}
	b.SupersededBy = strings.TrimSpace(in.SupersededBy)
	b.Status = strings.TrimSpace(in.Status)
	if b.Status == "" {
		b.Status = LegalInForce
		if b.SupersededBy != "" {
			b.Status = LegalSuperseded
		}
	}
	switch {
	case !oneOf(b.Status, LegalStatuses):
		fe.Add("status", "choose in force, superseded or repealed")
	case b.Status == LegalSuperseded && b.SupersededBy == "":
		fe.Add("superseded_by", "a superseded text names the text that supersedes it")
	case b.Status != LegalSuperseded && b.SupersededBy != "":
		fe.Add("superseded_by", "only a superseded text names the text that supersedes it")
	}
	b.AlreadyApplied = in.AlreadyApplied
	return b, dedupe(in.Services), dedupe(in.Documents), fe
}

// link checks the services and documents to link and puts them on b: every
// service must exist, every document must be a procedure not withdrawn;
// keep lists documents already linked, which may stay even if withdrawn
// since.
func (l *Legal) link(ctx context.Context, b *LegalBasis, services, docs []string, keep map[string]bool, fe qms.FieldErrors) error {
	svcs, found, err := l.store.Targets(ctx, services, docs)
	if err != nil {
		return err
	}
	b.Services, b.Documents = []ServiceRef{}, []DocumentRef{}
	for _, code := range services {
		s, ok := svcs[code]
		if !ok {
			fe.Add("services", "no service %s", code)
			continue
		}
		b.Services = append(b.Services, s)
	}
	for _, id := range docs {
		d, ok := found[id]
		switch {
		case !ok:
			fe.Add("documents", "no document %s", id)
		case keep[id]:
			b.Documents = append(b.Documents, d)
		case d.Type != "procedure":
			fe.Add("documents", "%s is not a procedure: only procedures are revised after a legal change", d.Code)
		case d.Status == "obsolete":
			fe.Add("documents", "%s is withdrawn", d.Code)
		default:
			b.Documents = append(b.Documents, d)
		}
	}
	return nil
}

// CreateLegalBasis registers a text (the coordinator). Unless it is
// registered as already applied, a text in force opens a revision task for
// each linked procedure, due RevisionDue(effective date).
func (l *Legal) CreateLegalBasis(ctx context.Context, in LegalBasisIn) (LegalBasis, error) {
	if err := l.mayManage(ctx); err != nil {
		return LegalBasis{}, err
	}
	a, _ := qms.ActorFrom(ctx)
	b, services, docs, fe := l.clean(in)
	if b.SupersededBy != "" {
		if _, err := l.store.LegalBasis(ctx, b.SupersededBy); err != nil {
			if qms.KindOf(err) != qms.ErrNotFound {
				return b, err
			}
			fe.Add("superseded_by", "no legal basis %s", b.SupersededBy)
		}
	}
	// The texts it supersedes: in force, their links carried to it (a
	// procedure withdrawn since, or no longer a procedure, is left out).
	var sup []Supersession
	olds := dedupe(in.Supersedes)
	if len(olds) > 0 && b.Status != LegalInForce {
		fe.Add("supersedes", "only a text in force supersedes other texts")
	}
	for _, id := range olds {
		old, err := l.store.LegalBasis(ctx, id)
		switch {
		case qms.KindOf(err) == qms.ErrNotFound:
			fe.Add("supersedes", "no legal basis %s", id)
			continue
		case err != nil:
			return b, err
		case old.Status != LegalInForce:
			fe.Add("supersedes", "%s is not in force: only a text in force is superseded", old.Number)
			continue
		}
		for _, sv := range old.Services {
			services = appendNew(services, sv.Code)
		}
		for _, d := range old.Documents {
			if d.Type == "procedure" && d.Status != "obsolete" {
				docs = appendNew(docs, d.ID)
			}
		}
		sup = append(sup, Supersession{ID: old.ID, Number: old.Number, Version: old.Version,
			Event: trail.NewEvent(ctx, "legal.update", "legal_basis", old.ID, "", map[string]any{"number": old.Number,
				"version": old.Version + 1, "status": LegalSuperseded, "superseded_by_number": b.Number})})
	}
	if err := l.link(ctx, &b, services, docs, nil, fe); err != nil {
		return b, err
	}
	if err := fe.Err(); err != nil {
		return b, err
	}
	b.CreatedBy = a.Login
	var tasks []RevisionTask
	if b.Status == LegalInForce && !b.AlreadyApplied {
		tasks = l.tasksFor(b, b.Documents)
	}
	det := map[string]any{"number": b.Number, "kind": b.Kind,
		"effective_on": b.EffectiveOn.String(), "status": b.Status, "services": codesOf(b.Services), "documents": idsOf(b.Documents),
		"tasks": len(tasks), "already_applied": b.AlreadyApplied}
	if len(sup) > 0 {
		det["supersedes"] = olds
	}
	ev := trail.NewEvent(ctx, "legal.create", "legal_basis", "", "", det)
	return l.store.CreateLegalBasis(ctx, b, tasks, ev, sup)
}

// appendNew appends s to list unless it is there.
func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// tasksFor returns the revision tasks b opens for docs.
func (l *Legal) tasksFor(b LegalBasis, docs []DocumentRef) []RevisionTask {
	due := RevisionDue(b.EffectiveOn)
	out := make([]RevisionTask, 0, len(docs))
	for _, d := range docs {
		out = append(out, RevisionTask{DocumentID: d.ID, DocumentCode: d.Code, Unit: d.Unit, DueOn: due})
	}
	return out
}

// UpdateLegalBasis changes a text (the coordinator), given the version
// read: a procedure newly linked gets its revision task (unless the change
// says the procedures already apply the text), one no longer linked has its
// open task closed as unlinked, and a new effective date moves the due date
// of the open tasks.
func (l *Legal) UpdateLegalBasis(ctx context.Context, id string, in LegalBasisIn) (LegalBasis, error) {
	if err := l.mayManage(ctx); err != nil {
		return LegalBasis{}, err
	}
	b, services, docs, fe := l.clean(in)
	if in.Version <= 0 {
		fe.Add("version", "the version you read is required")
	}
	if len(in.Supersedes) > 0 {
		fe.Add("supersedes", "a text names what it supersedes when it is registered; mark an older text superseded by setting its superseded_by")
	}
	if b.SupersededBy == id {
		fe.Add("superseded_by", "a text cannot supersede itself")
	}
	cur, err := l.store.LegalBasis(ctx, id)
	if err != nil {
		return b, err
	}
	if b.SupersededBy != "" && b.SupersededBy != id {
		if _, err := l.store.LegalBasis(ctx, b.SupersededBy); err != nil {
			if qms.KindOf(err) != qms.ErrNotFound {
				return b, err
			}
			fe.Add("superseded_by", "no legal basis %s", b.SupersededBy)
		}
	}
	if err := l.link(ctx, &b, services, docs, docIDs(cur.Documents), fe); err != nil {
		return b, err
	}
	if err := fe.Err(); err != nil {
		return b, err
	}
	return l.store.MutateLegalBasis(ctx, id, func(cur LegalBasis) (LegalUpdate, error) {
		if cur.Version != in.Version {
			return LegalUpdate{}, qms.Errorf(qms.ErrConflict, "%s was changed meanwhile (version %d, yours is %d): reload it and make your change again",
				cur.Number, cur.Version, in.Version)
		}
		b.ID, b.Version, b.AlreadyApplied = cur.ID, cur.Version, cur.AlreadyApplied
		up := LegalUpdate{Basis: b}
		was := docIDs(cur.Documents)
		var added []DocumentRef
		for _, d := range b.Documents {
			if !was[d.ID] {
				added = append(added, d)
			}
			delete(was, d.ID)
		}
		for id := range was {
			up.Unlink = append(up.Unlink, id)
		}
		if b.Status == LegalInForce && !in.AlreadyApplied {
			up.Open = l.tasksFor(b, added)
		}
		if b.EffectiveOn != cur.EffectiveOn {
			due := RevisionDue(b.EffectiveOn)
			up.Due = &due
		}
		det := map[string]any{"number": b.Number, "version": cur.Version + 1, "status": b.Status, "effective_on": b.EffectiveOn.String(),
			"superseded_by": b.SupersededBy, "services": codesOf(b.Services), "documents": idsOf(b.Documents),
			"tasks_opened": len(up.Open), "documents_unlinked": len(up.Unlink)}
		if in.AlreadyApplied {
			det["already_applied"] = true
		}
		up.Event = trail.NewEvent(ctx, "legal.update", "legal_basis", cur.ID, "", det)
		return up, nil
	})
}

// LegalBases lists the register (everyone signed in).
func (l *Legal) LegalBases(ctx context.Context, f LegalFilter) ([]LegalBasis, error) {
	if _, err := qms.MustActor(ctx); err != nil {
		return nil, err
	}
	if f.Status != "" && !oneOf(f.Status, LegalStatuses) {
		return nil, qms.Errorf(qms.ErrInvalid, "status must be in_force, superseded or repealed")
	}
	return l.store.LegalBases(ctx, f)
}

// LegalBasis returns one text with its links and tasks (everyone signed in).
func (l *Legal) LegalBasis(ctx context.Context, id string) (LegalBasis, error) {
	if _, err := qms.MustActor(ctx); err != nil {
		return LegalBasis{}, err
	}
	b, err := l.store.LegalBasis(ctx, id)
	if err != nil {
		return b, err
	}
	today := l.today()
	for i := range b.Tasks {
		b.Tasks[i].Overdue = b.Tasks[i].IsOverdue(today)
	}
	return b, nil
}

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

// dedupe trims the values and keeps each once, in order.
func dedupe(in []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, v := range in {
		if v = strings.TrimSpace(v); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func docIDs(ds []DocumentRef) map[string]bool {
	out := make(map[string]bool, len(ds))
	for _, d := range ds {
		out[d.ID] = true
	}
	return out
}

func idsOf(ds []DocumentRef) string {
	ids := make([]string, 0, len(ds))
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	return strings.Join(ids, ",")
}

func codesOf(ss []ServiceRef) string {
	codes := make([]string, 0, len(ss))
	for _, s := range ss {
		codes = append(codes, s.Code)
	}
	return strings.Join(codes, ",")
}
