package process

import (
	"context"
	"io"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Directive states.
const (
	DirectiveOpen     = "open"     // assigned, not reported yet
	DirectiveReported = "reported" // the unit reported back; the issuer decides
	DirectiveAccepted = "accepted" // closed
	DirectiveReturned = "returned" // the issuer sent it back with a comment
)

// Meeting is a leadership meeting whose minutes are a record and whose
// directives assign work to units.
type Meeting struct {
	ID           string            `json:"id" db:"id"`
	HeldOn       workday.Date      `json:"held_on" db:"-"`
	Title        string            `json:"title" db:"title"`
	Chair        string            `json:"chair" db:"chair"`
	Participants string            `json:"participants" db:"participants"`
	Unit         string            `json:"unit,omitempty" db:"unit"` // keeps the minutes`
	MinutesRef   string            `json:"minutes_record,omitempty" db:"minutes_record"`
	Minutes      *qms.StoredObject `json:"minutes,omitempty" db:"-"`
	MinutesName  string            `json:"minutes_filename,omitempty" db:"-"`
	CreatedBy    string            `json:"created_by" db:"created_login"`
	CreatedAt    time.Time         `json:"created_at" db:"created_at"`
	Directives   []Directive       `json:"directives" db:"-"`
}

// Directive is one task assigned at a meeting to a unit.
type Directive struct {
	ID             string       `json:"id" db:"id"`
	MeetingID      string       `json:"meeting_id" db:"meeting_id"`
	MeetingTitle   string       `json:"meeting_title,omitempty" db:"meeting_title"`
	Unit           string       `json:"unit" db:"unit"`
	Title          string       `json:"title" db:"title"`
	ReportRequired string       `json:"report_required" db:"report_required"`
	DueOn          workday.Date `json:"due_on" db:"-"`
	State          string       `json:"state" db:"state"`
	IssuerID       string       `json:"-" db:"issuer_id"`
	Issuer         string       `json:"issuer" db:"issuer_login"`
	CreatedAt      time.Time    `json:"created_at" db:"created_at"`
	ClosedAt       *time.Time   `json:"closed_at,omitempty" db:"closed_at"`
	Overdue        bool         `json:"overdue" db:"-"`
	Reports        []Report     `json:"reports,omitempty" db:"-"`
}

// Report is a unit's report back on a directive, with evidence, and the
// issuer's decision on it.
type Report struct {
	ID              string     `json:"id" db:"id"`
	ReporterID      string     `json:"-" db:"reporter_id"`
	Reporter        string     `json:"reporter" db:"reporter_login"`
	Text            string     `json:"text" db:"text"`
	At              time.Time  `json:"at" db:"at"`
	Decision        *string    `json:"decision,omitempty" db:"decision"`
	DecisionComment string     `json:"decision_comment,omitempty" db:"decision_comment"`
	DecidedBy       string     `json:"decided_by,omitempty" db:"decided_by"`
	DecidedAt       *time.Time `json:"decided_at,omitempty" db:"decided_at"`
	Evidence        []Evidence `json:"evidence" db:"-"`
}

// Evidence is one file attached to a report.
type Evidence struct {
	ID       string `json:"id" db:"id"`
	Filename string `json:"filename" db:"filename"`
	qms.StoredObject
}

// DirectiveFilter selects directives.
type DirectiveFilter struct {
	Scope     qms.Scope
	Unit      string
	MeetingID string
	States    []string
	Overdue   *workday.Date // only those due before this day and not closed
}

// UnitCompliance is one unit in the list of units not complying.
type UnitCompliance struct {
	Unit               string `json:"unit" db:"unit"`
	OverdueDirectives  int    `json:"overdue_directives" db:"overdue_directives"`
	ReturnedDirectives int    `json:"returned_directives" db:"returned_directives"`
	LateDossiersOpen   int    `json:"late_dossiers_open" db:"late_dossiers_open"`
}

// Upload is a file streamed from a multipart request; Stored is set once
// it is in the object store (StageEvidence).
type Upload struct {
	Filename string
	Body     io.Reader
	Stored   *qms.StoredObject
}

// MinutesFiler files a meeting's minutes as a retained record (the record
// capability implements it and main wires it) and returns the record's id.
type MinutesFiler interface {
	FileMinutes(ctx context.Context, m MinutesRecord) (string, error)
}

// MinutesRecord is the record a meeting's minutes are filed as.
type MinutesRecord struct {
	Type     string // the record type, "meeting-minutes"
	Unit     string
	Title    string
	Date     workday.Date
	Clauses  []string
	FileName string
	File     io.Reader
}

// minutesRecord says how the minutes of meeting m are filed.
func minutesRecord(m Meeting, filename string, r io.Reader) MinutesRecord {
	title := m.Title
	if rs := []rune(title); len(rs) > 200 {
		title = string(rs[:200]) + "…"
	}
	return MinutesRecord{Type: "meeting-minutes", Unit: m.Unit, Title: "Biên bản họp / Minutes: " + title, Date: m.HeldOn,
		Clauses: []string{"5.1", "9.3"}, FileName: filename, File: r}
}

// SetMinutesFiler wires the record capability.
func (p *Process) SetMinutesFiler(f MinutesFiler) { p.minutes = f }

// CreateMeeting records a meeting (directive issue anywhere: the
// coordinator or the chairman). Its minutes file, when given, is filed as a
// record of the unit keeping the minutes when the record capability is
// wired (retention and object lock apply), otherwise streamed into the
// object store; either way before the meeting's row is written.
func (p *Process) CreateMeeting(ctx context.Context, m Meeting, minutes *Upload) (Meeting, error) {
	a, err := p.require(ctx, qms.AllUnits, ObjDirective, ActIssue)
	if err != nil {
		return m, err
	}
	fe := qms.FieldErrors{}
	if m.Title, err = qms.CleanText("title", m.Title, 300, true, false); err != nil {
		fe.AddErr("title", err)
	}
	if m.Chair, err = qms.CleanText("chair", m.Chair, 200, true, false); err != nil {
		fe.AddErr("chair", err)
	}
	if m.Participants, err = qms.CleanText("participants", m.Participants, 4000, false, true); err != nil {
		fe.AddErr("participants", err)
	}
	if m.MinutesRef, err = qms.CleanText("minutes_record", m.MinutesRef, 100, false, false); err != nil {
		fe.AddErr("minutes_record", err)
	}
	if m.Unit != "" && !qms.ValidUnitCode(m.Unit) {
		fe.Add("unit", "unknown unit")
	}
	if minutes != nil && p.minutes != nil && m.Unit == "" {
		fe.Add("unit", "choose the unit that keeps the minutes")
	}
	if m.HeldOn == (workday.Date{}) {
		fe.Add("held_on", "required (yyyy-mm-dd)")
	} else if workday.DateOf(p.now(), p.loc).Before(m.HeldOn) {
		fe.Add("held_on", "is in the future")
	}
	if err := fe.Err(); err != nil {
		return m, err
	}
	if minutes != nil {
		name, _ := qms.CleanText("filename", minutes.Filename, 200, false, false)
		if p.minutes != nil {
			id, err := p.minutes.FileMinutes(ctx, minutesRecord(m, name, minutes.Body))
			if err != nil {
				return m, err
			}
			m.MinutesRef = id
		} else {
			obj, err := p.blobs.PutFile(ctx, "minutes/"+newID(), minutes.Body, p.MaxEvidence)
			if err != nil {
				return m, err
			}
			m.Minutes, m.MinutesName = &obj, name
		}
	}
	m.CreatedBy = a.Login
	ev := trail.NewEvent(ctx, "meeting.create", "meeting", "", "", map[string]any{"title": m.Title, "held_on": m.HeldOn.String(), "chair": m.Chair})
	return p.store.CreateMeeting(ctx, m, ev)
}

// Meetings lists meetings, newest first.
func (p *Process) Meetings(ctx context.Context) ([]Meeting, error) {
	if _, err := p.scope(ctx, ObjProcess, ActRead); err != nil {
		return nil, err
	}
	return p.store.Meetings(ctx)
}

// GetMeeting returns a meeting with the directives the actor may see.
func (p *Process) GetMeeting(ctx context.Context, id string) (Meeting, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return Meeting{}, err
	}
	m, err := p.store.Meeting(ctx, id)
	if err != nil {
		return m, err
	}
	ds, err := p.store.Directives(ctx, DirectiveFilter{Scope: sc, MeetingID: id})
	if err != nil {
		return m, err
	}
	today := workday.DateOf(p.now(), p.loc)
	for i := range ds {
		ds[i].Overdue = ds[i].IsOverdue(today)
	}
	m.Directives = ds
	return m, nil
}

// IsOverdue reports whether the directive is past due and not closed (a
// report waiting for the issuer's decision does not count against the
// unit).
func (d Directive) IsOverdue(today workday.Date) bool {
	return (d.State == DirectiveOpen || d.State == DirectiveReturned) && d.DueOn.Before(today)
}

// AddDirective assigns a directive of a meeting to a unit.
func (p *Process) AddDirective(ctx context.Context, meetingID string, d Directive) (Directive, error) {
	// Directives come from office meetings: the coordinator or the
	// chairman (directive issue in every unit) assigns them.
	a, err := p.require(ctx, qms.AllUnits, ObjDirective, ActIssue)
	if err != nil {
		return d, err
	}
	if !qms.ValidUnitCode(d.Unit) {
		return d, qms.Errorf(qms.ErrInvalid, "unknown unit %q", d.Unit)
	}
	if _, err := p.store.Meeting(ctx, meetingID); err != nil {
		return d, err
	}
	fe := qms.FieldErrors{}
	if d.Title, err = qms.CleanText("title", d.Title, 1000, true, true); err != nil {
		fe.AddErr("title", err)
	}
	if d.ReportRequired, err = qms.CleanText("report_required", d.ReportRequired, 2000, false, true); err != nil {
		fe.AddErr("report_required", err)
	}
	if d.DueOn == (workday.Date{}) {
		fe.Add("due_on", "required (yyyy-mm-dd)")
	}
	if err := fe.Err(); err != nil {
		return d, err
	}
	d.MeetingID, d.IssuerID, d.Issuer, d.State = meetingID, a.UserID, a.Login, DirectiveOpen
	ev := trail.NewEvent(ctx, "directive.issue", "directive", "", d.Unit, map[string]any{"meeting": meetingID, "title": d.Title, "due_on": d.DueOn.String()})
	return p.store.CreateDirective(ctx, d, ev)
}

// GetDirective returns a directive with its reports.
func (p *Process) GetDirective(ctx context.Context, id string) (Directive, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return Directive{}, err
	}
	d, err := p.store.Directive(ctx, id)
	if err != nil {
		return d, err
	}
	if !sc.Has(d.Unit) {
		return Directive{}, qms.Errorf(qms.ErrNotFound, "no directive %s", id)
	}
	d.Overdue = d.IsOverdue(workday.DateOf(p.now(), p.loc))
	return d, nil
}

// Directives lists directives in the actor's scope.
func (p *Process) Directives(ctx context.Context, f DirectiveFilter) ([]Directive, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return nil, err
	}
	f.Scope = sc
	ds, err := p.store.Directives(ctx, f)
	today := workday.DateOf(p.now(), p.loc)
	for i := range ds {
		ds[i].Overdue = ds[i].IsOverdue(today)
	}
	return ds, err
}

// ReportDirective records the unit's report with its evidence (directive
// report in the directive's unit). Files are stored first, then the row.
func (p *Process) ReportDirective(ctx context.Context, id, text string, files []Upload) (Directive, error) {
	d, err := p.store.Directive(ctx, id)
	if err != nil {
		return d, err
	}
	a, err := p.require(ctx, d.Unit, ObjDirective, ActReport)
	if err != nil {
		return d, err
	}
	if d.State != DirectiveOpen && d.State != DirectiveReturned {
		return d, qms.Errorf(qms.ErrState, "directive is %s; only an open or returned directive can be reported", d.State)
	}
	if text, err = qms.CleanText("text", text, 8000, true, true); err != nil {
		return d, err
	}
	r := Report{ReporterID: a.UserID, Reporter: a.Login, Text: text}
	for _, f := range files {
		if f.Stored == nil {
			if f, err = p.StageEvidence(ctx, f.Filename, f.Body); err != nil {
				return d, err
			}
		}
		name, _ := qms.CleanText("filename", f.Filename, 200, false, false)
		r.Evidence = append(r.Evidence, Evidence{Filename: name, StoredObject: *f.Stored})
	}
	if len(r.Evidence) == 0 {
		return d, qms.Errorf(qms.ErrInvalid, "a report needs evidence: attach at least one file")
	}
	hashes := []string{}
	for _, e := range r.Evidence {
		hashes = append(hashes, e.SHA256)
	}
	ev := trail.NewEvent(ctx, "directive.report", "directive", id, d.Unit, map[string]any{"evidence_sha256": hashes})
	return p.store.ReportDirective(ctx, id, r, ev)
}

// CanReport checks, before any file is stored, that the actor may report
// on the directive now.
func (p *Process) CanReport(ctx context.Context, id string) error {
	d, err := p.store.Directive(ctx, id)
	if err != nil {
		return err
	}
	if _, err := p.require(ctx, d.Unit, ObjDirective, ActReport); err != nil {
		return err
	}
	if d.State != DirectiveOpen && d.State != DirectiveReturned {
		return qms.Errorf(qms.ErrState, "directive is %s; only an open or returned directive can be reported", d.State)
	}
	return nil
}

// StageEvidence streams one evidence file into the object store (blob
// first; the report row follows).
func (p *Process) StageEvidence(ctx context.Context, name string, body io.Reader) (Upload, error) {
	obj, err := p.blobs.PutFile(ctx, "directive-evidence/"+newID(), body, p.MaxEvidence)
	if err != nil {
		return Upload{}, err
	}
	return Upload{Filename: name, Stored: &obj}, nil
}

// DecideDirective accepts or returns a reported directive: the issuer, or
// a holder of directive decide in every unit (the chairman, the
// coordinator), never the unit itself nor the person who reported it.
func (p *Process) DecideDirective(ctx context.Context, id string, accept bool, comment string) (Directive, error) {
	d, err := p.store.Directive(ctx, id)
	if err != nil {
		return d, err
	}
	a, err := qms.MustActor(ctx)
	if err != nil {
		return d, err
	}
	if !p.CanDecide(a, d) {
		return d, qms.Errorf(qms.ErrForbidden, "only the issuer, the chairman or the coordinator decides on a directive's report")
	}
	if comment, err = qms.CleanText("comment", comment, 2000, !accept, true); err != nil {
		if !accept {
			return d, qms.Errorf(qms.ErrInvalid, "returning a report needs a comment saying what is missing")
		}
		return d, err
	}
	action := "directive.accept"
	if !accept {
		action = "directive.return"
	}
	check := func(cur Directive) error {
		if cur.State != DirectiveReported {
			return qms.Errorf(qms.ErrState, "directive is %s; only a reported directive can be decided", cur.State)
		}
		if n := len(cur.Reports); n > 0 && cur.Reports[n-1].ReporterID == a.UserID {
			return qms.Errorf(qms.ErrForbidden, "you reported this directive; someone else must decide on it")
		}
		return nil
	}
	ev := trail.NewEvent(ctx, action, "directive", id, d.Unit, map[string]any{"comment": comment})
	return p.store.DecideDirective(ctx, id, accept, comment, a.Login, check, ev)
}

// CanDecide reports whether a may accept or return d's reports.
func (p *Process) CanDecide(a qms.Actor, d Directive) bool {
	return a.UserID == d.IssuerID || p.authz.Can(a.UserID, qms.AllUnits, ObjDirective, ActDecide)
}

// OpenEvidence opens one evidence file of a directive the actor may read.
func (p *Process) OpenEvidence(ctx context.Context, directiveID, evidenceID string) (Evidence, io.ReadSeekCloser, error) {
	if _, err := p.GetDirective(ctx, directiveID); err != nil {
		return Evidence{}, nil, err
	}
	e, _, err := p.store.Evidence(ctx, directiveID, evidenceID)
	if err != nil {
		return e, nil, err
	}
	r, err := p.blobs.OpenVersion(ctx, e.Key, e.VersionID)
	return e, r, err
}

// OpenMinutes opens the minutes file of a meeting.
func (p *Process) OpenMinutes(ctx context.Context, id string) (Meeting, io.ReadSeekCloser, error) {
	if _, err := p.scope(ctx, ObjProcess, ActRead); err != nil {
		return Meeting{}, nil, err
	}
	m, err := p.store.Meeting(ctx, id)
	if err != nil {
		return m, nil, err
	}
	if m.Minutes == nil {
		return m, nil, qms.Errorf(qms.ErrNotFound, "this meeting has no minutes file")
	}
	r, err := p.blobs.OpenVersion(ctx, m.Minutes.Key, m.Minutes.VersionID)
	return m, r, err
}

// NonCompliantUnits is the list of units not complying: overdue or
// returned directives and late dossiers still open, per unit. The
// nonconformity capability and the dashboard read it.
func (p *Process) NonCompliantUnits(ctx context.Context) ([]UnitCompliance, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return nil, err
	}
	all, err := p.store.NonCompliantUnits(ctx, workday.DateOf(p.now(), p.loc))
	out := []UnitCompliance{}
	for _, u := range all {
		if sc.Has(u.Unit) {
			out = append(out, u)
		}
	}
	return out, err
}

// Escalation is one new notification of an overdue directive, returned so
// that it can also be emailed.
type Escalation struct {
	UserID    string
	Email     string
	Subject   string
	Link      string
	Directive string
}

// Mailer sends one plain-text email (the mail package implements it).
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// SetMailer makes overdue escalations go out by email too; baseURL makes
// the link absolute.
func (p *Process) SetMailer(m Mailer, baseURL string) { p.mailer, p.baseURL = m, baseURL }

// EscalationReport counts what one run of the overdue scan did.
type EscalationReport struct {
	Directives  int `json:"directives"`
	Notified    int `json:"notified"`
	Emailed     int `json:"emailed"`
	EmailErrors int `json:"email_errors"`
}

// EscalateOverdue notifies the unit head and the coordinators of each
// directive past due, once per directive and due date (scheduled job), as
// overdue corrective actions are: in the application, and by email when a
// mail server is configured. Emails go after the notifications are
// committed; one that fails is counted, not retried (the in-app
// notification stands).
func (p *Process) EscalateOverdue(ctx context.Context) (EscalationReport, error) {
	var rep EscalationReport
	fresh, err := p.store.EscalateOverdueDirectives(ctx, workday.DateOf(p.now(), p.loc))
	if err != nil {
		return rep, err
	}
	seen := map[string]bool{}
	for _, e := range fresh {
		if !seen[e.Directive] {
			seen[e.Directive] = true
			rep.Directives++
		}
		rep.Notified++
		if p.mailer == nil || e.Email == "" {
			continue
		}
		body := e.Subject + "\n\n" + p.baseURL + e.Link + "\n"
		if err := p.mailer.Send(ctx, e.Email, e.Subject, body); err != nil {
			rep.EmailErrors++
			continue
		}
		rep.Emailed++
	}
	return rep, nil
}
