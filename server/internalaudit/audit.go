// Package internalaudit owns internal audits (ISO 9001 9.2): the yearly
// audit programme, impartiality of the audit team, the checklist built from
// the ISO 9001:2015 clause list plus the office's own questions, findings
// (a nonconformity finding raises a linked NC through the nonconformity
// capability when it is wired), the audit report filed as a record, and the
// evidence an auditor marks reviewed during the audit's window.
package internalaudit

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Audit statuses.
const (
	StatusPlanned  = "planned"
	StatusReported = "reported"
)

// Finding kinds.
const (
	KindConformity    = "conformity"
	KindObservation   = "observation"
	KindOFI           = "ofi" // opportunity for improvement
	KindNonconformity = "nonconformity"
)

// Kinds lists the finding kinds in display order.
var Kinds = []string{KindConformity, KindObservation, KindOFI, KindNonconformity}

// Clause is one ISO 9001:2015 clause with its checklist question.
type Clause struct {
	Clause     string    `json:"clause" db:"clause"`
	Sort       int       `json:"sort" db:"sort"`
	TitleVI    string    `json:"title_vi" db:"title_vi"`
	TitleEN    string    `json:"title_en" db:"title_en"`
	QuestionVI string    `json:"question_vi" db:"question_vi"`
	QuestionEN string    `json:"question_en" db:"question_en"`
	Active     bool      `json:"active" db:"active"`
	UpdatedAt  time.Time `json:"updated_at" db:"updated_at"`
}

// Title returns the title in lang.
func (c Clause) Title(lang string) string {
	if lang == "en" {
		return c.TitleEN
	}
	return c.TitleVI
}

// Question returns the question in lang.
func (c Clause) Question(lang string) string {
	if lang == "en" {
		return c.QuestionEN
	}
	return c.QuestionVI
}

// Member is a person on an audit team.
type Member struct {
	UserID string `json:"user_id" db:"user_id"`
	Login  string `json:"login" db:"login"`
	Name   string `json:"name" db:"name"`
	Lead   bool   `json:"lead" db:"is_lead"`
}

// Item is one checklist question of an audit.
type Item struct {
	ID       string `json:"id" db:"id"`
	Seq      int    `json:"seq" db:"seq"`
	Clause   string `json:"clause" db:"clause"`
	Question string `json:"question" db:"question"`
	Source   string `json:"source" db:"source"` // iso or own
}

// Finding is what an auditor found against a checklist item.
type Finding struct {
	ID           string    `json:"id" db:"id"`
	AuditID      string    `json:"audit_id" db:"audit_id"`
	ItemID       string    `json:"item_id" db:"item_id"`
	Clause       string    `json:"clause" db:"clause"`
	Unit         string    `json:"unit" db:"unit"`
	Kind         string    `json:"kind" db:"kind"`
	Severity     string    `json:"severity,omitempty" db:"severity"`
	Description  string    `json:"description" db:"description"`
	Evidence     []string  `json:"evidence" db:"-"`
	NCID         string    `json:"nc_id,omitempty" db:"nc_id"`
	NCNumber     string    `json:"nc_number,omitempty" db:"nc_number"`
	CreatedBy    string    `json:"created_by" db:"created_by"`
	CreatedLogin string    `json:"created_login" db:"created_login"`
	CreatedAt    time.Time `json:"created_at" db:"created_at"`
}

// Audit is one planned internal audit with its team, checklist and findings.
type Audit struct {
	ID           string     `json:"id"`
	Number       string     `json:"number"`
	Year         int        `json:"year"`
	Title        string     `json:"title"`
	Units        []string   `json:"units"`
	Processes    string     `json:"processes"`
	Clauses      []string   `json:"clauses"`
	Start        time.Time  `json:"planned_start"`
	End          time.Time  `json:"planned_end"`
	Lead         string     `json:"lead_auditor"`
	Team         []Member   `json:"team"`
	Status       string     `json:"status"`
	ReportRecord string     `json:"report_record,omitempty"`
	ReportedAt   *time.Time `json:"reported_at,omitempty"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	Items        []Item     `json:"items,omitempty"`
	Findings     []Finding  `json:"findings,omitempty"`
}

// InWindow reports whether day (in Vietnam) lies in the audit's planned dates.
func (a Audit) InWindow(now time.Time) bool {
	d := DateOf(now)
	return !d.Before(a.Start) && !d.After(a.End)
}

// OnTeam reports whether userID is on the team.
func (a Audit) OnTeam(userID string) bool {
	for _, m := range a.Team {
		if m.UserID == userID {
			return true
		}
	}
	return false
}

// Counts returns the number of findings of each kind.
func (a Audit) Counts() map[string]int {
	out := map[string]int{}
	for _, f := range a.Findings {
		out[f.Kind]++
	}
	return out
}

// Review is a piece of evidence an auditor marked reviewed.
type Review struct {
	ID            string    `json:"id" db:"id"`
	AuditID       string    `json:"audit_id" db:"audit_id"`
	ObjectType    string    `json:"object_type" db:"object_type"`
	ObjectID      string    `json:"object_id" db:"object_id"`
	Unit          string    `json:"unit" db:"unit"`
	Comment       string    `json:"comment" db:"comment"`
	Reviewer      string    `json:"reviewer" db:"reviewer"`
	ReviewerLogin string    `json:"reviewer_login" db:"reviewer_login"`
	ReviewedAt    time.Time `json:"reviewed_at" db:"reviewed_at"`
}

// ReviewTypes are the kinds of evidence that can be marked reviewed.
var ReviewTypes = []string{"document", "revision", "record", "nc", "action", "trail"}

// Store is what internal audits need from the database; state changes write
// ev to the trail in the same transaction.
type Store interface {
	Clauses(ctx context.Context) ([]Clause, error)
	SaveClause(ctx context.Context, c Clause, ev trail.Event) (Clause, error)
	// Members resolves logins to users (ErrInvalid naming an unknown login).
	Members(ctx context.Context, logins []string) ([]Member, error)
	// Units returns the codes of every unit of the organisation.
	Units(ctx context.Context) ([]string, error)
	// HomeUnits returns the units in which the user holds any role
	// assignment other than the organisation-wide "*".
	HomeUnits(ctx context.Context, userID string) ([]string, error)
	// Create numbers the audit in its year (IA-2026-01, gap-free), stores
	// team and checklist.
	Create(ctx context.Context, a Audit, items []Item, ev trail.Event) (Audit, error)
	Get(ctx context.Context, id string) (Audit, error)
	// List returns audits of year (0 = every year) touching units in scope
	// or having userID on the team.
	List(ctx context.Context, year int, scope qms.Scope, userID string) ([]Audit, error)
	AddItem(ctx context.Context, auditID string, it Item, ev trail.Event) (Item, error)
	// AddFinding locks the audit, refuses a reported one, calls raise (nil
	// when no NC is due) under the lock so that an NC is raised only for a
	// finding that will be stored, and stores f with the NC it returns.
	AddFinding(ctx context.Context, f Finding, ev trail.Event, raise func() (ncID, ncNumber string, err error)) (Finding, error)
	// Report locks the audit row for the whole act, so findings and a second
	// report wait: it refuses a reported audit (ErrState), calls issue with
	// the audit as it stands under the lock, links the record it returns,
	// marks the audit reported and writes ev (with "record" added).
	Report(ctx context.Context, auditID string, ev trail.Event, issue func(Audit) (string, error)) (Audit, error)
	// AuditedUnits returns the units of audits whose window contains day and
	// whose team includes userID.
	AuditedUnits(ctx context.Context, userID string, day time.Time) ([]string, error)
	// ObjectUnit returns the unit of a piece of evidence (ErrNotFound if none).
	ObjectUnit(ctx context.Context, objectType, objectID string) (string, error)
	AddReview(ctx context.Context, r Review, ev trail.Event) (Review, error)
	Reviews(ctx context.Context, auditID string) ([]Review, error)
}

// Authorizer answers permission questions (Casbin).
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
	Scope(userID, obj, act string) qms.Scope
}

// NCRequest asks the nonconformity capability for a new NC.
type NCRequest struct {
	Unit        string
	Severity    string // major or minor
	Clauses     []string
	Title       string
	Description string
	Evidence    []string // references (record ids, document codes, ...)
	AuditID     string
	AuditNumber string
	// FindingRef names the finding ("audit:<audit id>/<finding id>"), unique
	// per finding, so raising twice yields the same NC.
	FindingRef string
}

// ReportRecordType is the record type audit reports are filed under (seeded).
const ReportRecordType = "audit-report"

// NCDescription is the description of the nonconformity raised for the
// finding: the finding's text, its evidence and the audit it comes from,
// at most 8,000 characters.
func (r NCRequest) NCDescription() string {
	desc := r.Description
	if len(r.Evidence) > 0 {
		desc += "\n\nBằng chứng / Evidence:\n- " + strings.Join(r.Evidence, "\n- ")
	}
	desc += "\n\nĐánh giá nội bộ / Internal audit " + r.AuditNumber
	if rs := []rune(desc); len(rs) > 8000 {
		desc = string(rs[:7999]) + "…"
	}
	return desc
}

// NCRaiser creates a nonconformity of source "internal audit" and returns
// its id and number.
type NCRaiser interface {
	RaiseFromAudit(ctx context.Context, r NCRequest) (id, number string, err error)
}

// ReportFile is an audit report to be filed as a record of type audit report.
type ReportFile struct {
	Unit     string
	Title    string
	Date     time.Time
	Clauses  []string
	AuditID  string
	FileName string
	File     io.Reader
}

// RecordFiler files the report as a retained record and returns its id.
type RecordFiler interface {
	FileAuditReport(ctx context.Context, r ReportFile) (string, error)
}

// ReportRenderer writes the report document (PDF or HTML) for an audit.
type ReportRenderer interface {
	RenderReport(ctx context.Context, w io.Writer, a Audit, lang string) error
	// Extension is the file extension of what RenderReport writes ("pdf").
	Extension() string
}

// Service is the internal-audit capability.
type Service struct {
	store    Store
	authz    Authorizer
	nc       NCRaiser
	records  RecordFiler
	renderer ReportRenderer
	now      func() time.Time
}

// Options wire the optional collaborators.
type Options struct {
	Now      func() time.Time
	NC       NCRaiser       // nil: NC findings are stored with an empty link
	Records  RecordFiler    // needed to issue reports
	Renderer ReportRenderer // needed to issue reports
}

// New returns the service.
func New(store Store, az Authorizer, o Options) *Service {
	s := &Service{store: store, authz: az, nc: o.NC, records: o.Records, renderer: o.Renderer, now: o.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// SetNCRaiser wires the nonconformity capability after construction.
func (s *Service) SetNCRaiser(nc NCRaiser) { s.nc = nc }

// Location is the time zone of planned dates.
var Location = loadLocation()

func loadLocation() *time.Location {
	if l, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return l
	}
	return time.FixedZone("ICT", 7*3600)
}

// DateOf returns the calendar day of t in Vietnam, as a UTC midnight (the
// way PostgreSQL returns a date).
func DateOf(t time.Time) time.Time {
	y, m, d := t.In(Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, qms.Errorf(qms.ErrInvalid, "use dd/mm/yyyy")
}

// Clauses returns the clause checklist (every signed-in user may read it).
func (s *Service) Clauses(ctx context.Context) ([]Clause, error) {
	if _, err := qms.MustActor(ctx); err != nil {
		return nil, err
	}
	return s.store.Clauses(ctx)
}

// SaveClause edits the title or question of a clause, or adds a
// sub-clause (coordinator).
func (s *Service) SaveClause(ctx context.Context, c Clause) (Clause, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Clause{}, err
	}
	if !s.authz.Can(a.UserID, qms.AllUnits, "audit", "plan") {
		return Clause{}, qms.Errorf(qms.ErrForbidden, "only the QMS coordinator may edit the clause checklist")
	}
	fe := qms.FieldErrors{}
	c.Clause = strings.TrimSpace(c.Clause)
	if !qms.ValidClause(c.Clause) {
		fe.Add("clause", "an ISO 9001 clause number such as 7.5.3")
	}
	for _, f := range []struct {
		name     string
		v        *string
		max      int
		required bool
	}{{"title_vi", &c.TitleVI, 300, true}, {"title_en", &c.TitleEN, 300, true}, {"question_vi", &c.QuestionVI, 2000, false}, {"question_en", &c.QuestionEN, 2000, false}} {
		if *f.v, err = qms.CleanText(f.name, *f.v, f.max, f.required, true); err != nil {
			fe.AddErr(f.name, err)
		}
	}
	if err := fe.Err(); err != nil {
		return Clause{}, err
	}
	c.Sort = clauseSort(c.Clause)
	ev := trail.NewEvent(ctx, "audit_clause.save", "audit_clause", c.Clause, "", map[string]any{
		"title_vi": c.TitleVI, "title_en": c.TitleEN, "question_vi": c.QuestionVI, "question_en": c.QuestionEN, "active": c.Active})
	return s.store.SaveClause(ctx, c, ev)
}

// clauseSort orders clause numbers numerically (10.1 after 9.3).
func clauseSort(c string) int {
	parts := strings.Split(c, ".")
	n, mul := 0, 100
	for i, p := range parts {
		var v int
		fmt.Sscanf(p, "%d", &v)
		if i == 0 {
			n = v * 100
			continue
		}
		mul /= 10
		if mul == 0 {
			mul = 1
		}
		n += v * mul
	}
	return n
}

// Plan is the input of Create.
type Plan struct {
	Title     string
	Units     []string
	Processes string
	Clauses   []string
	Start     string
	End       string
	Lead      string   // login
	Team      []string // logins, besides the lead
	Questions []string // the office's own questions
}

// Create plans an audit (coordinator). Impartiality: nobody on the team may
// audit a unit in which they hold a role.
func (s *Service) Create(ctx context.Context, p Plan) (Audit, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return Audit{}, err
	}
	fe := qms.FieldErrors{}
	a := Audit{Status: StatusPlanned, CreatedBy: actor.UserID}
	if a.Title, err = qms.CleanText("title", p.Title, 300, true, false); err != nil {
		fe.AddErr("title", err)
	}
	seen := map[string]bool{}
	for _, u := range p.Units {
		for _, part := range strings.FieldsFunc(u, func(r rune) bool { return r == ',' || r == ' ' }) {
			if seen[part] {
				continue
			}
			seen[part] = true
			if !qms.ValidUnitCode(part) {
				fe.Add("units", "%q is not a unit code", part)
				continue
			}
			a.Units = append(a.Units, part)
		}
	}
	if len(a.Units) == 0 && fe["units"].ID == "" {
		// No unit named: the audit is scoped by processes or clauses and
		// covers the whole organisation.
		if !s.authz.Can(actor.UserID, qms.AllUnits, "audit", "plan") {
			return Audit{}, qms.Errorf(qms.ErrForbidden, "only the QMS coordinator may plan an audit of the whole organisation")
		}
		if a.Units, err = s.store.Units(ctx); err != nil {
			return Audit{}, err
		}
		if len(a.Units) == 0 {
			fe.Add("units", "there are no units to audit")
		}
	}
	for _, u := range a.Units {
		if !s.authz.Can(actor.UserID, u, "audit", "plan") {
			return Audit{}, qms.Errorf(qms.ErrForbidden, "you may not plan audits of unit %s", u)
		}
	}
	if a.Processes, err = qms.CleanText("processes", p.Processes, 1000, false, true); err != nil {
		fe.AddErr("processes", err)
	}
	if a.Clauses, err = qms.NormalizeClauses(p.Clauses); err != nil {
		fe.AddErr("clauses", err)
	}
	if a.Start, err = parseDate(p.Start); err != nil {
		fe.Add("planned_start", "use dd/mm/yyyy")
	}
	if a.End, err = parseDate(p.End); err != nil {
		fe.Add("planned_end", "use dd/mm/yyyy")
	}
	if fe["planned_start"].ID == "" && fe["planned_end"].ID == "" {
		switch {
		case a.End.Before(a.Start):
			fe.Add("planned_end", "the end is before the start")
		case a.End.Sub(a.Start) > 92*24*time.Hour:
			fe.Add("planned_end", "an audit lasts at most three months")
		case a.Start.Before(DateOf(s.now()).AddDate(-1, 0, 0)):
			fe.Add("planned_start", "more than a year in the past")
		}
	}
	a.Year = a.Start.Year()
	var questions []string
	for i, q := range p.Questions {
		q, err := qms.CleanText("question", q, 2000, false, true)
		if err != nil {
			fe.AddErr(fmt.Sprintf("questions[%d]", i), err)
		} else if q != "" {
			questions = append(questions, q)
		}
	}
	logins := []string{strings.TrimSpace(p.Lead)}
	if logins[0] == "" {
		fe.Add("lead_auditor", "choose the lead auditor")
	}
	for _, l := range p.Team {
		for _, part := range strings.FieldsFunc(l, func(r rune) bool { return r == ',' || r == ' ' }) {
			if part != logins[0] && !containsStr(logins, part) {
				logins = append(logins, part)
			}
		}
	}
	if err := fe.Err(); err != nil {
		return Audit{}, err
	}
	team, err := s.store.Members(ctx, logins)
	if err != nil {
		return Audit{}, err
	}
	for i := range team {
		team[i].Lead = i == 0
		m := team[i]
		if s.authz.Scope(m.UserID, "audit", "conduct").Empty() {
			fe.Add("team", "%s is not an internal auditor", m.Login)
			continue
		}
		home, err := s.store.HomeUnits(ctx, m.UserID)
		if err != nil {
			return Audit{}, err
		}
		for _, u := range a.Units {
			if containsStr(home, u) {
				fe.Add("team", "impartiality: %s belongs to unit %s and cannot audit it", m.Login, u)
			}
		}
	}
	if err := fe.Err(); err != nil {
		return Audit{}, err
	}
	a.Team = team
	a.Lead = team[0].UserID
	clauses, err := s.store.Clauses(ctx)
	if err != nil {
		return Audit{}, err
	}
	items := checklist(clauses, a.Clauses, questions, "vi")
	ev := trail.NewEvent(ctx, "audit.plan", "audit", "", a.Units[0], map[string]any{
		"title": a.Title, "units": a.Units, "clauses": a.Clauses, "start": a.Start.Format("2006-01-02"),
		"end": a.End.Format("2006-01-02"), "team": logins})
	return s.store.Create(ctx, a, items, ev)
}

// checklist builds the items: the active ISO clauses that carry a question
// (only those under the audit's clauses, when it names any), then the
// office's own questions.
func checklist(all []Clause, scope, own []string, lang string) []Item {
	var items []Item
	for _, c := range all {
		if !c.Active || c.Question(lang) == "" || !underAny(c.Clause, scope) {
			continue
		}
		items = append(items, Item{Seq: len(items) + 1, Clause: c.Clause, Question: c.Question(lang), Source: "iso"})
	}
	for _, q := range own {
		items = append(items, Item{Seq: len(items) + 1, Question: q, Source: "own"})
	}
	return items
}

// underAny reports whether clause c is one of scope or below one of them;
// an empty scope covers every clause.
func underAny(c string, scope []string) bool {
	if len(scope) == 0 {
		return true
	}
	for _, s := range scope {
		if c == s || strings.HasPrefix(c, s+".") {
			return true
		}
	}
	return false
}

func containsStr(xs []string, v string) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// mayRead reports whether the actor may see the audit: audit readers of
// one of its units, or its team.
func (s *Service) mayRead(userID string, a Audit) bool {
	if a.OnTeam(userID) {
		return true
	}
	sc := s.authz.Scope(userID, "audit", "read")
	for _, u := range a.Units {
		if sc.Has(u) {
			return true
		}
	}
	return false
}

// Get returns an audit with team, checklist and findings.
func (s *Service) Get(ctx context.Context, id string) (Audit, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return Audit{}, err
	}
	if !uuidRE.MatchString(id) {
		return Audit{}, qms.Errorf(qms.ErrNotFound, "audit not found")
	}
	a, err := s.store.Get(ctx, id)
	if err != nil {
		return Audit{}, err
	}
	if !s.mayRead(actor.UserID, a) {
		return Audit{}, qms.Errorf(qms.ErrNotFound, "audit not found")
	}
	return a, nil
}

// Programme lists the audits of a year the actor may see.
func (s *Service) Programme(ctx context.Context, year int) ([]Audit, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if year != 0 && (year < 2000 || year > 2200) {
		return nil, qms.Errorf(qms.ErrInvalid, "year: between 2000 and 2200")
	}
	return s.store.List(ctx, year, s.authz.Scope(actor.UserID, "audit", "read"), actor.UserID)
}

// AddQuestion adds one of the office's own questions to an audit's
// checklist (coordinator or the audit's team, before the report).
func (s *Service) AddQuestion(ctx context.Context, auditID, clause, question string) (Item, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return Item{}, err
	}
	a, err := s.Get(ctx, auditID)
	if err != nil {
		return Item{}, err
	}
	if !a.OnTeam(actor.UserID) && !s.authz.Can(actor.UserID, a.Units[0], "audit", "plan") {
		return Item{}, qms.Errorf(qms.ErrForbidden, "only the audit team or the coordinator may change the checklist")
	}
	if a.Status != StatusPlanned {
		return Item{}, qms.Errorf(qms.ErrState, "the audit report was issued; the checklist is closed")
	}
	it := Item{Source: "own"}
	if it.Question, err = qms.CleanText("question", question, 2000, true, true); err != nil {
		return Item{}, err
	}
	if clause = strings.TrimSpace(clause); clause != "" && !qms.ValidClause(clause) {
		return Item{}, qms.Errorf(qms.ErrInvalid, "clause: use numbers such as 7.5.3")
	}
	it.Clause = clause
	ev := trail.NewEvent(ctx, "audit.question", "audit", a.ID, a.Units[0], map[string]any{"clause": clause, "question": it.Question})
	return s.store.AddItem(ctx, a.ID, it, ev)
}

// NewFinding is the input of AddFinding.
type NewFinding struct {
	ItemID      string
	Unit        string
	Kind        string
	Severity    string
	Description string
	Evidence    []string
}

// AddFinding records a finding (a member of the audit team, during the
// audit's window, before the report). A nonconformity raises a linked NC
// through the nonconformity capability when it is wired; the NC comes first,
// so a finding never points at an NC that does not exist.
func (s *Service) AddFinding(ctx context.Context, auditID string, in NewFinding) (Finding, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return Finding{}, err
	}
	a, err := s.Get(ctx, auditID)
	if err != nil {
		return Finding{}, err
	}
	if !a.OnTeam(actor.UserID) {
		return Finding{}, qms.Errorf(qms.ErrForbidden, "only the audit team records findings")
	}
	if a.Status != StatusPlanned {
		return Finding{}, qms.Errorf(qms.ErrState, "the audit report was issued; findings are closed")
	}
	if !a.InWindow(s.now()) {
		return Finding{}, qms.Errorf(qms.ErrState, "findings are recorded during the audit (%s to %s)",
			a.Start.Format("02/01/2006"), a.End.Format("02/01/2006"))
	}
	fe := qms.FieldErrors{}
	// The id is chosen here so that the NC's source reference names it and
	// a retried request gets the same NC back.
	f := Finding{ID: randomUUID(), AuditID: a.ID, CreatedBy: actor.UserID, CreatedLogin: actor.Login}
	for _, it := range a.Items {
		if it.ID == strings.TrimSpace(in.ItemID) {
			f.ItemID, f.Clause = it.ID, it.Clause
		}
	}
	if f.ItemID == "" {
		fe.Add("item", "choose a checklist item of this audit")
	}
	f.Unit = strings.TrimSpace(in.Unit)
	if f.Unit == "" && len(a.Units) == 1 {
		f.Unit = a.Units[0]
	}
	if !containsStr(a.Units, f.Unit) {
		fe.Add("unit", "choose one of the audited units")
	}
	f.Kind = strings.TrimSpace(in.Kind)
	if !containsStr(Kinds, f.Kind) {
		fe.Add("kind", "conformity, observation, ofi or nonconformity")
	}
	f.Severity = strings.TrimSpace(in.Severity)
	if f.Kind == KindNonconformity {
		if f.Severity != "major" && f.Severity != "minor" {
			fe.Add("severity", "major or minor")
		}
	} else {
		f.Severity = ""
	}
	if f.Description, err = qms.CleanText("description", in.Description, 4000, true, true); err != nil {
		fe.AddErr("description", err)
	}
	f.Evidence = []string{}
	for _, e := range in.Evidence {
		for _, line := range strings.Split(e, "\n") {
			line, err := qms.CleanText("evidence", line, 300, false, false)
			if err != nil {
				fe.AddErr("evidence", err)
			} else if line != "" {
				f.Evidence = append(f.Evidence, line)
			}
		}
	}
	if len(f.Evidence) > 50 {
		fe.Add("evidence", "at most 50 references")
	}
	if err := fe.Err(); err != nil {
		return Finding{}, err
	}
	var raise func() (string, string, error)
	if f.Kind == KindNonconformity && s.nc != nil {
		var clauses []string
		if f.Clause != "" {
			clauses = []string{f.Clause}
		}
		title := fmt.Sprintf("%s: %s", a.Number, firstLine(f.Description, 120))
		req := NCRequest{Unit: f.Unit, Severity: f.Severity, Clauses: clauses, Title: title, Description: f.Description,
			Evidence: f.Evidence, AuditID: a.ID, AuditNumber: a.Number, FindingRef: "audit:" + a.ID + "/" + f.ID}
		raise = func() (string, string, error) { return s.nc.RaiseFromAudit(ctx, req) }
	}
	ev := trail.NewEvent(ctx, "audit.finding", "audit", a.ID, f.Unit, map[string]any{
		"kind": f.Kind, "severity": f.Severity, "clause": f.Clause, "description": f.Description, "evidence": f.Evidence})
	return s.store.AddFinding(ctx, f, ev, raise)
}

func firstLine(s string, n int) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// IssueReport renders the audit report from the findings and files it as a
// record of type audit report (the lead auditor or the coordinator). The
// audit is then closed to findings.
func (s *Service) IssueReport(ctx context.Context, auditID, lang string) (Audit, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return Audit{}, err
	}
	a, err := s.Get(ctx, auditID)
	if err != nil {
		return Audit{}, err
	}
	if a.Lead != actor.UserID && !s.authz.Can(actor.UserID, a.Units[0], "audit", "plan") {
		return Audit{}, qms.Errorf(qms.ErrForbidden, "only the lead auditor or the coordinator issues the report")
	}
	if a.Status != StatusPlanned {
		return Audit{}, qms.Errorf(qms.ErrState, "the report of this audit was already issued")
	}
	if len(a.Findings) == 0 {
		return Audit{}, qms.Errorf(qms.ErrState, "record at least one finding before issuing the report")
	}
	if s.records == nil || s.renderer == nil {
		return Audit{}, qms.Errorf(qms.ErrState, "reports cannot be filed: the record capability is not available")
	}
	if lang != "en" {
		lang = "vi"
	}
	ev := trail.NewEvent(ctx, "audit.report", "audit", a.ID, a.Units[0], map[string]any{"lang": lang})
	return s.store.Report(ctx, a.ID, ev, func(cur Audit) (string, error) {
		if len(cur.Findings) == 0 {
			return "", qms.Errorf(qms.ErrState, "record at least one finding before issuing the report")
		}
		return s.fileReport(ctx, cur, lang)
	})
}

// fileReport renders the report of a and streams it into a new record.
func (s *Service) fileReport(ctx context.Context, a Audit, lang string) (string, error) {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(s.renderer.RenderReport(ctx, pw, a, lang))
	}()
	clauses := a.Clauses
	if len(clauses) == 0 {
		clauses = []string{"9.2"}
	}
	recID, err := s.records.FileAuditReport(ctx, ReportFile{Unit: a.Units[0],
		Title: "Báo cáo đánh giá nội bộ " + a.Number + " / Internal audit report " + a.Number,
		Date:  DateOf(s.now()), Clauses: clauses, AuditID: a.ID,
		FileName: "bao-cao-danh-gia-noi-bo-" + a.Number + "." + s.renderer.Extension(), File: pr})
	// Unblocks the renderer if the filing stopped reading early.
	pr.CloseWithError(io.ErrClosedPipe)
	return recID, err
}

// Review marks a piece of evidence reviewed (a member of the audit team,
// during the audit's window). The evidence must belong to an audited unit.
// It changes nothing but the review list.
func (s *Service) Review(ctx context.Context, auditID, objectType, objectID, comment string) (Review, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return Review{}, err
	}
	a, err := s.Get(ctx, auditID)
	if err != nil {
		return Review{}, err
	}
	if !a.OnTeam(actor.UserID) {
		return Review{}, qms.Errorf(qms.ErrForbidden, "only the audit team marks evidence reviewed")
	}
	if !a.InWindow(s.now()) {
		return Review{}, qms.Errorf(qms.ErrState, "evidence is reviewed during the audit (%s to %s)",
			a.Start.Format("02/01/2006"), a.End.Format("02/01/2006"))
	}
	if !containsStr(ReviewTypes, objectType) {
		return Review{}, qms.Errorf(qms.ErrInvalid, "object_type: one of %s", strings.Join(ReviewTypes, ", "))
	}
	objectID = strings.TrimSpace(objectID)
	if objectID == "" || len(objectID) > 64 {
		return Review{}, qms.Errorf(qms.ErrInvalid, "object_id is required")
	}
	if comment, err = qms.CleanText("comment", comment, 2000, false, true); err != nil {
		return Review{}, err
	}
	unit, err := s.store.ObjectUnit(ctx, objectType, objectID)
	if err != nil {
		return Review{}, err
	}
	if !containsStr(a.Units, unit) {
		return Review{}, qms.Errorf(qms.ErrForbidden, "this %s belongs to unit %s, outside the audit", objectType, unit)
	}
	r := Review{AuditID: a.ID, ObjectType: objectType, ObjectID: objectID, Unit: unit, Comment: comment,
		Reviewer: actor.UserID, ReviewerLogin: actor.Login}
	ev := trail.NewEvent(ctx, "evidence.review", objectType, objectID, unit, map[string]any{"audit": a.ID, "comment": comment})
	return s.store.AddReview(ctx, r, ev)
}

// Reviews lists the evidence reviewed in an audit.
func (s *Service) Reviews(ctx context.Context, auditID string) ([]Review, error) {
	a, err := s.Get(ctx, auditID)
	if err != nil {
		return nil, err
	}
	return s.store.Reviews(ctx, a.ID)
}

// AuditedUnits returns the units the user audits on day now (their window
// access to evidence).
func (s *Service) AuditedUnits(ctx context.Context, userID string, now time.Time) ([]string, error) {
	return s.store.AuditedUnits(ctx, userID, DateOf(now))
}

// MyAudits returns the open audits (report not issued) that the actor is on
// the team of, from last year on, for the home page.
func (s *Service) MyAudits(ctx context.Context) ([]Audit, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	year := s.now().In(Location).Year()
	var out []Audit
	for _, y := range []int{year - 1, year} {
		list, err := s.store.List(ctx, y, qms.Scope{}, actor.UserID)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			if a.Status != StatusPlanned {
				continue
			}
			full, err := s.store.Get(ctx, a.ID)
			if err != nil {
				return nil, err
			}
			if full.OnTeam(actor.UserID) {
				out = append(out, full)
			}
		}
	}
	return out, nil
}
