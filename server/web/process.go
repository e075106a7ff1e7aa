package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/web/chart"
	"github.com/qmstrack/qmstrack/server/web/export"
	"github.com/qmstrack/qmstrack/server/workday"
)

// The API's reads and its acts that have no form of the same shape.

func handleCalendarGet(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		y, err := yearParam(c.Param("year"))
		if err != nil {
			return err
		}
		cy, err := p.CalendarYear(c.Request.Context(), y)
		return replyOK(c, cy, err)
	})
}

func handleCalendarPut(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		y, err := yearParam(c.Param("year"))
		if err != nil {
			return err
		}
		var req process.CalendarYear
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		req.Year = y
		out, err := p.SaveCalendarYear(c.Request.Context(), req)
		return replyOK(c, out, err)
	})
}

func handleDossierList(p *process.Service, loc *time.Location) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		f, err := dossierFilter(c, loc)
		if err != nil {
			return err
		}
		list, total, err := p.Dossiers(c.Request.Context(), f)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": list, "total": total, "total_capped": total > 10000})
	})
}

func handleDossierCreate(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req process.NewDossier
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		d, created, err := p.CreateDossier(c.Request.Context(), req)
		if err != nil {
			return err
		}
		return reply(c, statusIf(created, http.StatusCreated), gin.H{"dossier": d, "created": created})
	})
}

func handleDossierImport(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		rep, err := importFrom(c, p)
		return replyOK(c, rep, err)
	})
}

func handleImportRejections(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		id := c.Param("id")
		if _, err := p.GetImport(c.Request.Context(), id); err != nil {
			return err
		}
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", contentDisposition("attachment", "rejected-"+id+".csv"))
		c.Status(http.StatusOK)
		rows := func(yield func([]string) error) error {
			return p.ImportRejections(c.Request.Context(), id, func(r process.Rejection) error {
				return yield([]string{strconv.Itoa(r.Line), r.Number, r.Reason})
			})
		}
		if err := export.CSV(c.Writer, []string{"line", "number", "reason"}, rows, tr(c).Err); err != nil {
			_ = c.Error(err) // the answer has begun: logged, not written
		}
		return nil
	})
}

func handleDossierEvent(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req process.Event
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		req.Seq, req.Actor = 0, ""
		d, dup, err := p.AddEvent(c.Request.Context(), c.Param("number"), req)
		if err != nil {
			return err
		}
		status := http.StatusCreated
		switch {
		case d.Pending:
			status = http.StatusAccepted // kept until the dossier's receipt arrives
		case dup:
			status = http.StatusOK
		}
		return reply(c, status, gin.H{"dossier": d, "duplicate": dup, "pending": d.Pending})
	})
}

func handleLateList(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var list []process.LateRecord
		var err error
		if state := c.DefaultQuery("state", "triage"); state == "triage" {
			list, err = p.Triage(c.Request.Context())
		} else {
			list, err = p.LateRecords(c.Request.Context(), state)
		}
		return replyItems(c, list, err)
	})
}

func handleKPIs(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		q, err := kpiQuery(c)
		if err != nil {
			return err
		}
		rows, err := p.KPIs(c.Request.Context(), q)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": rows, "by": q.By})
	})
}

// with adapts a capability's act taking the request to an act's Do.
func with[R, T any](fn func(context.Context, R) (T, error)) func(*gin.Context, *R) (T, error) {
	return func(c *gin.Context, r *R) (T, error) { return fn(c.Request.Context(), *r) }
}

// withParam is with for an act on the object named by the route's param.
func withParam[R, T any](param string, fn func(context.Context, string, R) (T, error)) func(*gin.Context, *R) (T, error) {
	return func(c *gin.Context, r *R) (T, error) { return fn(c.Request.Context(), c.Param(param), *r) }
}

// one answers GET with the object get returns for the route's param.
func one[T any](param string, get func(context.Context, string) (T, error)) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		v, err := get(c.Request.Context(), c.Param(param))
		return replyOK(c, v, err)
	})
}

// replyOK answers v, or the error.
func replyOK(c *gin.Context, v any, err error) error {
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, v)
}

// replyItems answers a list as {"items": [...]}, or the error.
func replyItems(c *gin.Context, items any, err error) error {
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, gin.H{"items": items})
}

// statusIf is yes when cond holds, else 200.
func statusIf(cond bool, yes int) int {
	if cond {
		return yes
	}
	return http.StatusOK
}

func handleProcedureSave(p *process.Service, create bool) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req process.Procedure
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		if !create {
			req.Code = c.Param("code")
		}
		out, err := p.SaveProcedure(c.Request.Context(), req, create)
		if err != nil {
			return err
		}
		return reply(c, statusIf(create, http.StatusCreated), out)
	})
}

// procActs are the acts of the process pages and API, each a request
// struct, a Do that calls the capability, where the form goes back to, and
// the page that shows a refusal.
type procActs struct {
	s *Server
	p *process.Service
}

// lateReq decides on a late dossier in the triage list: raise its
// nonconformity or dismiss it with a reason (the form says which in op).
type lateReq struct {
	Op     string `json:"op"`
	Reason string `json:"reason"`
}

func (pa procActs) objective() act[process.Objective, process.Objective] {
	return act[process.Objective, process.Objective]{Created: true, Do: with(pa.p.CreateObjective),
		Back: backTo[process.Objective]("/objectives"), Flash: "proc.saved", Refused: pa.s.procRefused(pa.s.procObjectivesPage(pa.p))}
}

func (pa procActs) raiseLate() act[noBody, process.Dossier] {
	return act[noBody, process.Dossier]{NoUI: true, Do: func(c *gin.Context, _ *noBody) (process.Dossier, error) {
		return pa.p.RaiseFromTriage(ctxOf(c), c.Param("number"))
	}}
}

func (pa procActs) dismissLate() act[lateReq, process.Dossier] {
	return act[lateReq, process.Dossier]{NoUI: true, Do: func(c *gin.Context, r *lateReq) (process.Dossier, error) {
		return pa.p.DismissLate(ctxOf(c), c.Param("number"), r.Reason)
	}}
}

// lateForm is the form of the late-dossiers list: op raise or dismiss.
func (pa procActs) lateForm() act[lateReq, process.Dossier] {
	return act[lateReq, process.Dossier]{NoAPI: true,
		Do: func(c *gin.Context, r *lateReq) (process.Dossier, error) {
			if r.Op == "dismiss" {
				return pa.p.DismissLate(ctxOf(c), c.Param("number"), r.Reason)
			}
			return pa.p.RaiseFromTriage(ctxOf(c), c.Param("number"))
		},
		Back: backTo[process.Dossier]("/late-dossiers"), Flash: "proc.saved", Refused: pa.s.procRefused(pa.s.procLatePage(pa.p))}
}

func (pa procActs) procedureForm() act[procedureForm, process.Procedure] {
	return act[procedureForm, process.Procedure]{NoAPI: true,
		Do: func(c *gin.Context, r *procedureForm) (process.Procedure, error) {
			svc, err := r.procedure()
			if err != nil {
				return svc, err
			}
			return pa.p.SaveProcedure(ctxOf(c), svc, r.Op != "update")
		},
		Back: backTo[process.Procedure]("/services"), Flash: "proc.saved", Refused: pa.s.procRefused(pa.s.procServicesPage(pa.p))}
}

func (pa procActs) calendarForm() act[calendarForm, process.CalendarYear] {
	return act[calendarForm, process.CalendarYear]{NoAPI: true,
		Do: func(c *gin.Context, r *calendarForm) (process.CalendarYear, error) {
			cy, err := r.calendarYear()
			if err != nil {
				return cy, err
			}
			return pa.p.SaveCalendarYear(ctxOf(c), cy)
		},
		Back:  func(_ *gin.Context, cy process.CalendarYear) string { return fmt.Sprintf("/calendar?year=%d", cy.Year) },
		Flash: "proc.saved", Refused: pa.s.procRefused(pa.s.procCalendarPage(pa.p))}
}

// importForm is sent by the upload script (CSRF header), which follows the
// redirect to the import's report.
func (pa procActs) importForm() act[importReq, process.ImportReport] {
	return act[importReq, process.ImportReport]{NoAPI: true,
		Do:      func(c *gin.Context, r *importReq) (process.ImportReport, error) { return r.run(c, pa.p, -1) },
		Back:    func(_ *gin.Context, rep process.ImportReport) string { return "/dossiers/imports/" + rep.ID },
		Refused: pa.s.procRefused(pa.s.procImportPage(pa.p))}
}

func (pa procActs) eventForm() act[eventForm, process.Dossier] {
	return act[eventForm, process.Dossier]{NoAPI: true,
		Do: func(c *gin.Context, r *eventForm) (process.Dossier, error) {
			e, err := r.event(pa.s.Location)
			if err != nil {
				return process.Dossier{}, err
			}
			d, _, err := pa.p.AddEvent(ctxOf(c), c.Param("number"), e)
			return d, err
		},
		Back: func(c *gin.Context, _ process.Dossier) string {
			if c.PostForm("next") == "/desk" {
				return "/desk"
			}
			return "/dossiers/" + url.PathEscape(c.Param("number"))
		},
		Flash: "proc.saved", Refused: pa.s.procRefused(pa.s.procDossierPage(pa.p))}
}

// backTo is an act's Back that always returns to path.
func backTo[T any](path string) func(*gin.Context, T) string {
	return func(*gin.Context, T) string { return path }
}

// refusalKey holds, in a request whose form was refused, the refusal the
// form's page shows (procRefused, procPage).
const refusalKey = "proc.refusal"

type refusal struct {
	status int
	err    error
}

// procRefused is the Refused of every process and leadership form: page
// shows the form's page again, with the refusal and its status.
func (s *Server) procRefused(page handlerFunc) func(c *gin.Context, status int, err error) error {
	return func(c *gin.Context, status int, err error) error {
		c.Set(refusalKey, refusal{status, err})
		return page(c)
	}
}

// procedureForm is the procedure form of the services page: the steps are
// lines of "code:days[:unit]".
type procedureForm struct {
	Code     string `json:"code"`
	NameVI   string `json:"name_vi"`
	NameEN   string `json:"name_en"`
	Field    string `json:"field"`
	Unit     string `json:"unit"`
	Days     string `json:"days"`
	Steps    string `json:"steps"`
	Document string `json:"document"`
	Op       string `json:"op"` // update, or create
	// The public part (services_form.go): papers are lines of
	// "Vietnamese | English", forms lines of document codes.
	HasFee    string `json:"has_fee"`
	FeeAmount string `json:"fee_amount"`
	FeeVI     string `json:"fee_vi"`
	FeeEN     string `json:"fee_en"`
	Papers    string `json:"papers"`
	LegalVI   string `json:"legal_basis_vi"`
	LegalEN   string `json:"legal_basis_en"`
	Forms     string `json:"forms"`
}

func (f procedureForm) procedure() (process.Procedure, error) {
	svc := process.Procedure{Code: f.Code, NameVI: f.NameVI, NameEN: f.NameEN, Field: f.Field, Unit: f.Unit, Document: f.Document, Active: true}
	days, err := strconv.Atoi(strings.TrimSpace(f.Days))
	if err != nil {
		return svc, qms.Errorf(qms.ErrInvalid, "the processing time must be a number of working days")
	}
	svc.Days = days
	if svc.PublicInfo, err = f.publicInfo(); err != nil {
		return svc, err
	}
	for _, line := range strings.Split(f.Steps, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, ":")
		st := process.Step{Code: strings.TrimSpace(parts[0])}
		if len(parts) > 1 {
			if st.Days, err = strconv.Atoi(strings.TrimSpace(parts[1])); err != nil {
				return svc, qms.Errorf(qms.ErrInvalid, "steps: %q needs the form code:days[:unit]", line)
			}
		}
		if len(parts) > 2 {
			st.Unit = strings.TrimSpace(parts[2])
		}
		svc.Steps = append(svc.Steps, st)
	}
	return svc, nil
}

// calendarForm is the calendar page's form: one day a line as
// "yyyy-mm-dd holiday|workday name", office hours as hh:mm.
type calendarForm struct {
	Year       string `json:"year"`
	Days       string `json:"days"`
	Open       string `json:"open"`
	Close      string `json:"close"`
	AfterHours string `json:"after_hours"`
	LateMode   string `json:"late_mode"`
}

func (f calendarForm) calendarYear() (process.CalendarYear, error) {
	year, err := strconv.Atoi(strings.TrimSpace(f.Year))
	if err != nil {
		return process.CalendarYear{}, qms.Errorf(qms.ErrInvalid, "year must be a number")
	}
	cy := process.CalendarYear{Year: year, Days: []workday.Day{}}
	for i, line := range strings.Split(f.Days, "\n") {
		fs := strings.Fields(line)
		if len(fs) == 0 {
			continue
		}
		if len(fs) < 2 {
			return cy, qms.Errorf(qms.ErrInvalid, "line %d: write yyyy-mm-dd holiday|workday name", i+1)
		}
		d, err := workday.ParseDate(fs[0])
		if err != nil {
			return cy, qms.Errorf(qms.ErrInvalid, "line %d: %s", i+1, err.Error())
		}
		day := workday.Day{Date: d, Kind: fs[1], Name: strings.Join(fs[2:], " ")}
		if workday.KnownName(day.Name) {
			day.NameID, day.Name = day.Name, "" // a named holiday as the page wrote it
		}
		cy.Days = append(cy.Days, day)
	}
	if cy.Settings.Open, err = parseHHMM(f.Open); err != nil {
		return cy, err
	}
	if cy.Settings.Close, err = parseHHMM(f.Close); err != nil {
		return cy, err
	}
	cy.Settings.AfterHours, cy.Settings.LateMode = workday.AfterHoursRule(f.AfterHours), f.LateMode
	return cy, nil
}

func parseHHMM(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, qms.Errorf(qms.ErrInvalid, "office hours must be written hh:mm")
	}
	return t.Hour()*60 + t.Minute(), nil
}

// eventForm is the event form of a dossier's page: times as people write
// them in the office's time zone, and an id made up when none is given.
type eventForm struct {
	EventID  string `json:"event_id"`
	Type     string `json:"type"`
	At       string `json:"at"`
	ToUnit   string `json:"to_unit"`
	Step     string `json:"step"`
	Result   string `json:"result"`
	Reason   string `json:"reason"`
	NewDueAt string `json:"new_due_at"`
	// ReturnChannel is how the result was returned (a return).
	ReturnChannel string `json:"return_channel"`
	// Next: "/desk" returns to the desk's page (its hand-over and return
	// buttons), anything else to the dossier's page.
	Next string `json:"next"`
}

func (f eventForm) event(loc *time.Location) (process.Event, error) {
	e := process.Event{EventID: f.EventID, Type: f.Type, ToUnit: f.ToUnit, Step: f.Step, Result: f.Result, Reason: f.Reason,
		ReturnChannel: f.ReturnChannel}
	var err error
	if e.At, err = process.ParseTime(f.At, loc); err != nil {
		return e, qms.Errorf(qms.ErrInvalid, "%s", err.Error())
	}
	if e.EventID == "" {
		e.EventID = fmt.Sprintf("ui-%d", time.Now().UnixNano())
	}
	if strings.TrimSpace(f.NewDueAt) != "" {
		nd, err := process.ParseTime(f.NewDueAt, loc)
		if err != nil {
			return e, qms.Errorf(qms.ErrInvalid, "%s", err.Error())
		}
		e.NewDueAt = &nd
	}
	return e, nil
}

// importReq is an import sent as a multipart form: the optional mapping
// (JSON) before the CSV file.
type importReq struct {
	Mapping string         `json:"mapping"`
	File    qms.FileSource `json:"-" form:"file"`
}

var errMapping = qms.Errorf(qms.ErrInvalid, "mapping must be a JSON object {\"number\": \"Số hồ sơ\", ...}")

// errOneFile ends the reading of an import's form after its first file.
var errOneFile = errors.New("one file an import")

// run imports the first file of the form (size is the file's length when
// the sender announced it, else -1); the file is never buffered whole, and
// what follows it in the form is not read.
func (r importReq) run(c *gin.Context, p *process.Service, size int64) (process.ImportReport, error) {
	opts := process.ImportOptions{Mapping: map[string]string{}, Filename: c.Query("filename"), Size: size}
	for _, m := range []string{c.Query("mapping"), r.Mapping} {
		if strings.TrimSpace(m) != "" && json.Unmarshal([]byte(m), &opts.Mapping) != nil {
			return process.ImportReport{}, errMapping
		}
	}
	var rep process.ImportReport
	done := false
	if r.File != nil {
		err := r.File(func(f qms.Upload) error {
			opts.Filename, done = f.Name, true
			var err error
			if rep, err = p.Import(c.Request.Context(), f.Body, opts); err != nil {
				return err
			}
			return errOneFile
		})
		if err != nil && !errors.Is(err, errOneFile) {
			return rep, err
		}
	}
	if !done {
		return rep, qms.Errorf(qms.ErrInvalid, "no file part in the form")
	}
	return rep, nil
}

// importFrom reads the CSV of an API import: the raw body (text/csv), or
// the "file" part of a multipart form with an optional "mapping" part
// before it.
func importFrom(c *gin.Context, p *process.Service) (process.ImportReport, error) {
	var r importReq
	if !isMultipart(c) {
		r.File = qms.FilesOf(qms.Upload{Name: c.Query("filename"), Body: c.Request.Body})
		return r.run(c, p, c.Request.ContentLength)
	}
	if err := decode(c, &r); err != nil {
		return process.ImportReport{}, err
	}
	return r.run(c, p, -1)
}

func isMultipart(c *gin.Context) bool {
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	return ct == "multipart/form-data"
}

// maxImportForm is the room an import's multipart body has beside its
// file: the mapping field and the parts' headers.
const maxImportForm = 1 << 20

// importGate comes before the import routes (API and form): it refuses the
// import before anything of the body is read when the person may not
// import (403) or the sender announced a body over the bound (413), then
// bounds the body to the file's bound plus the form's room. The capability
// checks the same again, and bounds the file itself while it reads it.
func importGate(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		size := c.Request.ContentLength
		if isMultipart(c) && size > 0 {
			size = max(size-maxImportForm, 0)
		}
		if err := p.CheckImport(c.Request.Context(), size); err != nil {
			return err
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, p.MaxImport()+maxImportForm)
		return nil
	})
}

func handleDashboard(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		db, err := dashboard(c, p)
		return replyOK(c, db, err)
	})
}

// dashboard reads month=yyyy-mm (the monthly report) or from and to, and
// assembles the dashboard.
func dashboard(c *gin.Context, p *process.Service) (process.Dashboard, error) {
	var from, to workday.Date
	if m := c.Query("month"); m != "" {
		t, err := time.Parse("2006-01", m)
		if err != nil {
			return process.Dashboard{}, qms.Errorf(qms.ErrInvalid, "month must be written yyyy-mm")
		}
		from, to = qms.NewDate(t.Year(), t.Month(), 1), qms.NewDate(t.Year(), t.Month()+1, 0)
	} else {
		var err error
		if from, err = dateParam(c, "from"); err != nil {
			return process.Dashboard{}, err
		}
		if to, err = dateParam(c, "to"); err != nil {
			return process.Dashboard{}, err
		}
	}
	return p.Dashboard(c.Request.Context(), from, to)
}

// dateParam reads a date query parameter: yyyy-mm-dd, dd/mm/yyyy, or a
// month yyyy-mm (its first day); empty is the zero Date.
func dateParam(c *gin.Context, name string) (workday.Date, error) {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return workday.Date{}, nil
	}
	if d, err := qms.ParseDate(v); err == nil {
		return d, nil
	}
	if t, err := time.Parse("2006-01", v); err == nil {
		return qms.NewDate(t.Year(), t.Month(), 1), nil
	}
	return workday.Date{}, qms.Errorf(qms.ErrInvalid, "%s must be a date (yyyy-mm-dd)", name)
}

func kpiQuery(c *gin.Context) (process.KPIQuery, error) {
	q := process.KPIQuery{Unit: c.Query("unit"), Field: c.Query("field"), Service: c.Query("service"), By: c.Query("by")}
	var err error
	if q.From, err = dateParam(c, "from"); err != nil {
		return q, err
	}
	if q.To, err = dateParam(c, "to"); err != nil {
		return q, err
	}
	// A month given as "to" means up to its end.
	if v := c.Query("to"); len(v) == 7 && q.To.Day == 1 {
		q.To = qms.NewDate(q.To.Year, q.To.Month+1, 0)
	}
	return q, nil
}

func dossierFilter(c *gin.Context, loc *time.Location) (process.DossierFilter, error) {
	f := process.DossierFilter{Unit: c.Query("unit"), Service: c.Query("service"), Field: c.Query("field"), Status: c.Query("status"),
		Outcome: c.Query("outcome"), Channel: c.Query("channel"), Q: c.Query("q")}
	switch c.Query("late") {
	case "true", "1", "on":
		t := true
		f.Late = &t
	case "false", "0":
		t := false
		f.Late = &t
	}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		d, err := dateParam(c, name)
		if err != nil {
			return f, err
		}
		if !d.IsZero() {
			if name == "to" {
				d = d.AddDays(1)
			}
			*dst = d.In(loc)
		}
	}
	for name, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return f, qms.Errorf(qms.ErrInvalid, "%s must be a non-negative number", name)
			}
			*dst = n
		}
	}
	return f, nil
}

func yearParam(v string) (int, error) {
	y, err := strconv.Atoi(v)
	if err != nil {
		return 0, qms.Errorf(qms.ErrInvalid, "year must be a number such as 2026")
	}
	return y, nil
}

// procNav is the sub-navigation of the process and leadership pages.
var procNav = []struct{ Key, Href string }{
	{"proc.nav.dashboard", "/dashboard"},
	{"proc.nav.dossiers", "/dossiers"},
	{"desk.nav", "/desk"},
	{"route.nav", "/desk/routing"},
	{"proc.nav.kpis", "/kpis"},
	{"proc.nav.index766", "/index766"},
	{"proc.nav.objectives", "/objectives"},
	{"proc.nav.meetings", "/meetings"},
	{"proc.nav.plans", "/plans"},
	{"review.nav", "/management-reviews"},
	{"proc.nav.late", "/late-dossiers"},
	{"proc.nav.pending", "/dossier-events/pending"},
	{"proc.nav.services", "/services"},
	{"proc.nav.calendar", "/calendar"},
}

// procPage renders a process or leadership page with the sub-navigation in
// data["Nav"] and the acts the person may do, as the capability says.
func (s *Server) procPage(c *gin.Context, name, title string, data map[string]any) error {
	can := s.Process.Permissions(c.Request.Context())
	var nav []NavItem
	for _, n := range procNav {
		if n.Href == "/dossier-events/pending" && !can.Write {
			continue // only those who record dossier events may see the waiting ones
		}
		if (n.Href == "/desk" || n.Href == "/desk/routing") && !can.Desk {
			continue // the one-stop desk's own page
		}
		nav = append(nav, NavItem{Key: n.Key, Href: n.Href, Active: c.Request.URL.Path == n.Href})
	}
	data["Nav"] = nav
	data["CanManage"], data["CanWrite"], data["CanDesk"] = can.Manage, can.Write || can.Desk, can.Desk
	pg, status := s.page(c, title, data), http.StatusOK
	if v, ok := c.Get(refusalKey); ok {
		r := v.(refusal)
		pg.Error, pg.Flash, status = s.refusalText(c, r.err), "", r.status
	}
	s.render(c, status, name, pg)
	return nil
}

func (s *Server) procDashboardPage(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		db, err := dashboard(c, p)
		if err != nil {
			return err
		}
		return s.procPage(c, "process/dashboard.html", "proc.dashboard.title", map[string]any{
			"D": db, "Trend": chart.ProcessTrend(db, tr(c).T("proc.kpi.on_time_rate"), c.GetString("lang") == "vi"), "UnitsChart": s.unitsChart(c, db),
			"Heat": chart.ProcessHeat(db), "HasNCs": db.HasNCs,
			"DStates": []string{"open", "reported", "returned", "accepted", "overdue"},
			"Month":   c.Query("month"),
			"Index":   s.dashboardIndex(c),
			"Printed": s.Now().In(s.Location).Format("02/01/2006 15:04"),
		})
	}
}

func (s *Server) procExport(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		db, err := dashboard(c, p)
		if err != nil {
			return err
		}
		_, names, err := s.unitNames(c)
		if err != nil {
			return err
		}
		f, err := export.ProcessDashboard(db, func(id string) string { return tr(c).T(id) }, func(code string) string {
			if n := names[code]; n != "" {
				return n
			}
			return code
		})
		if err != nil {
			return err
		}
		defer f.Close()
		name := fmt.Sprintf("qmstrack-dashboard-%s-%s.xlsx", db.From, db.To)
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Header("Content-Disposition", contentDisposition("attachment", name))
		c.Status(http.StatusOK)
		if err := f.Write(c.Writer); err != nil {
			s.Log.Error("xlsx export", "err", err)
		}
		return nil
	}
}

func (s *Server) procServicesPage(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		list, err := p.Procedures(c.Request.Context())
		if err != nil {
			return err
		}
		units, _ := s.Org.Units(c.Request.Context())
		return s.procPage(c, "process/services.html", "proc.services.title", map[string]any{"Services": list, "Units": units, "Fields": process.Fields,
			"Form": serviceFormValues(c, list)})
	}
}

func (s *Server) procDossiersPage(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		f, err := dossierFilter(c, s.Location)
		if err != nil {
			return err
		}
		list, total, err := p.Dossiers(c.Request.Context(), f)
		if err != nil {
			return err
		}
		svcs, _ := p.Procedures(c.Request.Context())
		q := c.Request.URL.Query()
		next := ""
		if f.Offset+len(list) < total {
			q.Set("offset", strconv.Itoa(f.Offset+len(list)))
			next = "/dossiers?" + q.Encode()
		}
		return s.procPage(c, "process/dossiers.html", "proc.dossiers.title", map[string]any{
			"Items": list, "Total": total, "Capped": total > 10000, "F": c.Request.URL.Query(), "Services": svcs, "Next": next,
			"Statuses": []string{process.StatusProcessing, process.StatusSupplement, process.StatusReturned, process.StatusWithdrawn}})
	}
}

func (s *Server) procDossierPage(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		d, err := p.GetDossier(c.Request.Context(), c.Param("number"))
		if err != nil {
			return err
		}
		cal, _, err := p.Calendar(c.Request.Context())
		if err != nil {
			return err
		}
		svc, _ := p.Procedure(c.Request.Context(), d.Service)
		end := s.Now()
		switch {
		case d.ReturnedAt != nil:
			end = *d.ReturnedAt
		case d.PausedAt != nil:
			end = *d.PausedAt
		}
		used := cal.Elapsed(d.ClockStart, end)
		frac := 1.0
		if svc.Days > 0 {
			frac = used / float64(svc.Days)
		}
		return s.procPage(c, "process/dossier.html", "proc.dossier.title", map[string]any{
			"D": d, "Svc": svc, "Used": fmt.Sprintf("%.2f", used), "Pct": fmt.Sprintf("%.0f", 100*min(frac, 1)), "Over": frac > 1,
			"EventTypes": process.EventTypes, "FactFlags": factFlags, "FactValues": factValues(d.Facts), "Satisfactions": process.Satisfactions,
			"SatNow": deref(d.Satisfaction)})
	}
}

// importColumn is one column an import reads, as the import page names
// it: its name (a page text) beside the code the mapping and the header
// use, and the values of a closed list by name beside their code.
type importColumn struct {
	Code     string
	Required bool
	YesNo    bool
	Values   []importValue
}

// importValue is one accepted value: the page text of its name and its code.
type importValue struct{ Label, Code string }

func importColumns() []importColumn {
	values := func(prefix string, codes ...string) []importValue {
		out := make([]importValue, len(codes))
		for i, c := range codes {
			out[i] = importValue{Label: prefix + c, Code: c}
		}
		return out
	}
	yesNo := map[string]bool{}
	for _, c := range []string{process.ColResultElectronic, process.ColDigitised, process.ColDataReused, process.ColFeePaidOnline,
		process.ColComplaint, process.ColComplaintOnTime} {
		yesNo[c] = true
	}
	out := make([]importColumn, len(process.ImportColumns))
	for i, c := range process.ImportColumns {
		col := importColumn{Code: c, Required: i < 4, YesNo: yesNo[c]}
		switch c {
		case process.ColChannel:
			col.Values = values("proc.channel.", process.ChannelInPerson, process.ChannelPostal, process.ChannelOnlinePartial, process.ChannelOnlineFull)
		case process.ColReturnVia:
			col.Values = values("proc.channel.", process.ReturnInPerson, process.ReturnPostal, process.ReturnOnline)
		case process.ColResult:
			col.Values = values("proc.result.", process.ResultGranted, process.ResultRefused)
		case process.ColSatisfaction:
			col.Values = values("idx.sat.", process.Satisfactions...)
		}
		out[i] = col
	}
	return out
}

// procImportPage is the import form, and an import's report under it.
func (s *Server) procImportPage(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		data := map[string]any{"Columns": importColumns(), "MaxImport": p.MaxImport(), "MaxLine": int64(process.MaxImportLine)}
		if id := c.Param("id"); id != "" {
			rep, err := p.GetImport(c.Request.Context(), id)
			if err != nil {
				return err
			}
			data["Report"] = rep
		}
		return s.procPage(c, "process/import.html", "proc.import.title", data)
	}
}

func (s *Server) procLatePage(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		tri, err := p.Triage(c.Request.Context())
		if err != nil {
			return err
		}
		raised, err := p.LateRecords(c.Request.Context(), process.LateRaised)
		if err != nil {
			return err
		}
		nc, err := p.NonCompliantUnits(c.Request.Context())
		if err != nil {
			return err
		}
		return s.procPage(c, "process/late.html", "proc.late.title", map[string]any{"Triage": tri, "Raised": raised, "NonCompliant": nc})
	}
}

func (s *Server) procPendingPage(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		list, err := p.WaitingEvents(c.Request.Context())
		if err != nil {
			return err
		}
		return s.procPage(c, "process/pending.html", "proc.pending.title", map[string]any{"Events": list})
	}
}

func (s *Server) procKPIPage(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		q, err := kpiQuery(c)
		if err != nil {
			return err
		}
		if q.By == "" {
			q.By = "month"
		}
		rows, err := p.KPIs(c.Request.Context(), q)
		if err != nil {
			return err
		}
		svcs, _ := p.Procedures(c.Request.Context())
		return s.procPage(c, "process/kpis.html", "proc.kpis.title", map[string]any{"Rows": rows, "Q": c.Request.URL.Query(), "By": q.By,
			"Groupings": process.KPIGroupings[1:], "Services": svcs, "Fields": process.Fields})
	}
}

func (s *Server) procObjectivesPage(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		list, err := p.Objectives(c.Request.Context())
		if err != nil {
			return err
		}
		units, _ := s.Org.Units(c.Request.Context())
		return s.procPage(c, "process/objectives.html", "proc.objectives.title", map[string]any{"Items": list, "Units": units, "KPIs": process.ObjectiveKPIs, "Fields": process.Fields})
	}
}

// procTasks puts off-track objectives on the home page, worded in the
// reader's language.
func (s *Server) procTasks(p *process.Service) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		items, err := p.OffTrack(ctx, a)
		t := s.trLang(a.Lang)
		out := make([]qms.Task, 0, len(items))
		for _, it := range items {
			out = append(out, qms.Task{Kind: "objective", Link: "/objectives#obj-" + it.ID, Badge: "proc.status.off_track",
				Title: t.T("proc.task.objective", "Title", it.Title, "KPI", t.T("proc.kpi."+it.KPI),
					"Value", fmt.Sprintf("%.2f", it.Value), "Cmp", it.Comparator, "Target", fmt.Sprintf("%.2f", it.Target))})
		}
		return out, err
	}
}

// unitsChart draws the per-unit bars with the units' names and the parts'
// names in the reader's language.
func (s *Server) unitsChart(c *gin.Context, db process.Dashboard) template.HTML {
	_, names, err := s.unitNames(c)
	if err != nil {
		names = map[string]string{}
	}
	t := tr(c)
	return chart.ProcessUnits(db, chart.UnitLabels{
		Unit: func(code string) string {
			if n := names[code]; n != "" {
				return n
			}
			return code
		},
		Parts: [3]string{t.T("proc.outcome.early"), t.T("proc.outcome.on_time"), t.T("proc.outcome.late")},
		Title: t.T("proc.dashboard.units"), Comma: c.GetString("lang") == "vi",
	})
}

// handleDossierSync answers the portal sync status of a dossier the
// reader may see (the same 404 as an unknown number otherwise).
func (s *Server) handleDossierSync(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		number := c.Param("number")
		if _, err := p.GetDossier(c.Request.Context(), number); err != nil {
			return err
		}
		if !s.PortalSync.Enabled() {
			return reply(c, http.StatusOK, gin.H{"enabled": false, "items": []any{}})
		}
		st, err := s.PortalSync.Dossier(c.Request.Context(), number)
		if qms.KindOf(err) == qms.ErrNotFound {
			return reply(c, http.StatusOK, gin.H{"enabled": true, "items": []any{}})
		}
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"enabled": true, "items": st})
	})
}
