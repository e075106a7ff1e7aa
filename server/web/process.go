package web

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

func parseDateParam(c *gin.Context, name string) (workday.Date, error) {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return workday.Date{}, nil
	}
	if d, err := workday.ParseDate(v); err == nil {
		return d, nil
	}
	if t, err := time.Parse("02/01/2006", v); err == nil {
		return workday.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
	}
	if t, err := time.Parse("2006-01", v); err == nil {
		return workday.Date{Year: t.Year(), Month: t.Month(), Day: 1}, nil
	}
	return workday.Date{}, qms.Errorf(qms.ErrInvalid, "%s must be a date (yyyy-mm-dd)", name)
}

// dashboardPeriod reads month=yyyy-mm (the monthly report) or from and to.
func dashboardPeriod(c *gin.Context) (workday.Date, workday.Date, error) {
	if m := c.Query("month"); m != "" {
		t, err := time.Parse("2006-01", m)
		if err != nil {
			return workday.Date{}, workday.Date{}, qms.Errorf(qms.ErrInvalid, "month must be written yyyy-mm")
		}
		end := time.Date(t.Year(), t.Month()+1, 0, 12, 0, 0, 0, time.UTC)
		return workday.Date{Year: t.Year(), Month: t.Month(), Day: 1}, workday.Date{Year: end.Year(), Month: end.Month(), Day: end.Day()}, nil
	}
	from, err := parseDateParam(c, "from")
	if err != nil {
		return from, from, err
	}
	to, err := parseDateParam(c, "to")
	return from, to, err
}

func kpiQuery(c *gin.Context) (process.KPIQuery, error) {
	q := process.KPIQuery{Unit: c.Query("unit"), Field: c.Query("field"), Service: c.Query("service"), By: c.Query("by")}
	var err error
	if q.From, err = parseDateParam(c, "from"); err != nil {
		return q, err
	}
	if q.To, err = parseDateParam(c, "to"); err != nil {
		return q, err
	}
	// A month given as "to" means up to its end.
	if v := c.Query("to"); len(v) == 7 && q.To.Day == 1 {
		t := time.Date(q.To.Year, q.To.Month+1, 0, 12, 0, 0, 0, time.UTC)
		q.To = workday.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
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
		d, err := parseDateParam(c, name)
		if err != nil {
			return f, err
		}
		if d != (workday.Date{}) {
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

func handleServiceList(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := p.Services(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": list})
	}
}

func handleServiceSave(p *process.Process, create bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req process.Service
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		if !create {
			req.Code = c.Param("code")
		}
		out, err := p.SaveService(c.Request.Context(), req, create)
		if err != nil {
			fail(c, err)
			return
		}
		status := http.StatusOK
		if create {
			status = http.StatusCreated
		}
		c.JSON(status, out)
	}
}

func yearParam(c *gin.Context) (int, error) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		return 0, qms.Errorf(qms.ErrInvalid, "year must be a number such as 2026")
	}
	return y, nil
}

func handleCalendarGet(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		y, err := yearParam(c)
		if err == nil {
			var cy process.CalendarYear
			if cy, err = p.CalendarYear(c.Request.Context(), y); err == nil {
				c.JSON(http.StatusOK, cy)
				return
			}
		}
		fail(c, err)
	}
}

func handleCalendarPut(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		y, err := yearParam(c)
		if err != nil {
			fail(c, err)
			return
		}
		var req process.CalendarYear
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		req.Year = y
		out, err := p.SaveCalendarYear(c.Request.Context(), req)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
	}
}

func handleDossierCreate(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req process.NewDossier
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		d, created, err := p.CreateDossier(c.Request.Context(), req)
		if err != nil {
			fail(c, err)
			return
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		c.JSON(status, gin.H{"dossier": d, "created": created})
	}
}

func handleDossierEvent(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req process.Event
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		req.Seq, req.Actor = 0, ""
		d, dup, err := p.AddEvent(c.Request.Context(), c.Param("number"), req)
		if err != nil {
			fail(c, err)
			return
		}
		status := http.StatusCreated
		switch {
		case d.Pending:
			status = http.StatusAccepted // kept until the dossier's receipt arrives
		case dup:
			status = http.StatusOK
		}
		c.JSON(status, gin.H{"dossier": d, "duplicate": dup, "pending": d.Pending})
	}
}

func handleDossierList(s *Server, p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := dossierFilter(c, s.Location)
		if err != nil {
			fail(c, err)
			return
		}
		list, total, err := p.Dossiers(c.Request.Context(), f)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": list, "total": total, "total_capped": total > 10000})
	}
}

func handleDossierGet(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		d, err := p.GetDossier(c.Request.Context(), c.Param("number"))
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, d)
	}
}

// importFrom reads the CSV of an import request: the raw body (text/csv),
// or the "file" part of a multipart form with an optional "mapping" part
// (JSON) before it. The file is never buffered whole.
func importFrom(c *gin.Context, p *process.Process) (process.ImportReport, error) {
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	opts := process.ImportOptions{Mapping: map[string]string{}}
	if m := c.Query("mapping"); m != "" {
		if err := json.Unmarshal([]byte(m), &opts.Mapping); err != nil {
			return process.ImportReport{}, qms.Errorf(qms.ErrInvalid, "mapping must be a JSON object {\"number\": \"Số hồ sơ\", ...}")
		}
	}
	opts.Filename = c.Query("filename")
	if ct != "multipart/form-data" {
		return p.Import(c.Request.Context(), c.Request.Body, opts)
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return process.ImportReport{}, qms.Errorf(qms.ErrInvalid, "send the CSV as text/csv or as the file part of a multipart form")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return process.ImportReport{}, qms.Errorf(qms.ErrInvalid, "no file part in the form")
		}
		if err != nil {
			return process.ImportReport{}, qms.Wrap(qms.ErrInvalid, err, "the upload could not be read")
		}
		switch part.FormName() {
		case "mapping":
			b, _ := io.ReadAll(io.LimitReader(part, 64<<10))
			if strings.TrimSpace(string(b)) != "" {
				if err := json.Unmarshal(b, &opts.Mapping); err != nil {
					return process.ImportReport{}, qms.Errorf(qms.ErrInvalid, "mapping must be a JSON object {\"number\": \"Số hồ sơ\", ...}")
				}
			}
		case "file":
			opts.Filename = part.FileName()
			return p.Import(c.Request.Context(), part, opts)
		}
	}
}

func handleDossierImport(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		rep, err := importFrom(c, p)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, rep)
	}
}

func handleImportGet(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		rep, err := p.GetImport(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, rep)
	}
}

// handleImportRejections streams every rejected row of an import as CSV
// (line, number, reason), with a byte-order mark so spreadsheets read the
// Vietnamese text as UTF-8. Cells that a spreadsheet would take for a
// formula are prefixed with a quote.
func handleImportRejections(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("id")
		if _, err := p.GetImport(c.Request.Context(), id); err != nil {
			fail(c, err)
			return
		}
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", contentDisposition("attachment", "rejected-"+id+".csv"))
		c.Status(http.StatusOK)
		w := csv.NewWriter(c.Writer)
		_, _ = c.Writer.WriteString("\ufeff")
		_ = w.Write([]string{"line", "number", "reason"})
		err := p.ImportRejections(c.Request.Context(), id, func(r process.Rejection) error {
			return w.Write([]string{strconv.Itoa(r.Line), csvSafe(r.Number), csvSafe(r.Reason)})
		})
		w.Flush()
		if err != nil {
			_ = c.Error(err)
		}
	}
}

func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func handleLateList(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		state := c.DefaultQuery("state", "triage")
		var list []process.LateRecord
		var err error
		if state == "triage" {
			list, err = p.Triage(c.Request.Context())
		} else {
			list, err = p.LateRecords(c.Request.Context(), state)
		}
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": list})
	}
}

func handleLateDecide(p *process.Process, raise bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req struct {
			Reason string `json:"reason"`
		}
		if !raise {
			if err := bindJSON(c, &req); err != nil {
				fail(c, err)
				return
			}
		}
		var d process.Dossier
		var err error
		if raise {
			d, err = p.RaiseFromTriage(c.Request.Context(), c.Param("number"))
		} else {
			d, err = p.DismissLate(c.Request.Context(), c.Param("number"), req.Reason)
		}
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, d)
	}
}

func handleKPIs(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		q, err := kpiQuery(c)
		if err != nil {
			fail(c, err)
			return
		}
		rows, err := p.KPIs(c.Request.Context(), q)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": rows, "by": q.By})
	}
}

func handleObjectiveList(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := p.Objectives(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": list})
	}
}

func handleObjectiveCreate(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req process.Objective
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		o, err := p.CreateObjective(c.Request.Context(), req)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, o)
	}
}

func handleMeetingList(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := p.Meetings(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": list})
	}
}

func handleMeetingGet(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		m, err := p.GetMeeting(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, m)
	}
}

// readForm streams a multipart form: text fields (bounded) into fields,
// and each file part to onFile, in order. Files are never buffered whole.
func readForm(c *gin.Context, fields map[string]string, onFile func(field, name string, r io.Reader) error) error {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return qms.Errorf(qms.ErrInvalid, "send a multipart/form-data body")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return qms.Wrap(qms.ErrInvalid, err, "the upload could not be read")
		}
		if part.FileName() != "" {
			if err := onFile(part.FormName(), part.FileName(), part); err != nil {
				return err
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, 64<<10))
		if err != nil {
			return qms.Wrap(qms.ErrInvalid, err, "the form could not be read")
		}
		fields[part.FormName()] = string(b)
	}
}

// createMeeting reads a meeting from JSON or from a multipart form whose
// "minutes" file part comes after the fields.
func createMeeting(c *gin.Context, p *process.Process) (process.Meeting, error) {
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if ct != "multipart/form-data" {
		var m process.Meeting
		if err := bindJSON(c, &m); err != nil {
			return m, err
		}
		return p.CreateMeeting(c.Request.Context(), m, nil)
	}
	fields := map[string]string{}
	var out process.Meeting
	done := false
	build := func() (process.Meeting, error) {
		m := process.Meeting{Title: fields["title"], Chair: fields["chair"], Participants: fields["participants"], MinutesRef: fields["minutes_record"],
			Unit: fields["unit"]}
		if v := fields["held_on"]; v != "" {
			d, err := workday.ParseDate(v)
			if err != nil {
				return m, qms.Errorf(qms.ErrInvalid, "held_on must be a date (yyyy-mm-dd)")
			}
			m.HeldOn = d
		}
		return m, nil
	}
	err := readForm(c, fields, func(field, name string, r io.Reader) error {
		if field != "minutes" || done {
			_, _ = io.Copy(io.Discard, r)
			return nil
		}
		m, err := build()
		if err != nil {
			return err
		}
		out, err = p.CreateMeeting(c.Request.Context(), m, &process.Upload{Filename: name, Body: r})
		done = true
		return err
	})
	if err != nil || done {
		return out, err
	}
	m, err := build()
	if err != nil {
		return m, err
	}
	return p.CreateMeeting(c.Request.Context(), m, nil)
}

func handleMeetingCreate(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		m, err := createMeeting(c, p)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, m)
	}
}

func handleDirectiveCreate(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req process.Directive
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		d, err := p.AddDirective(c.Request.Context(), c.Param("id"), req)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, d)
	}
}

func handleDirectiveList(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		f := process.DirectiveFilter{Unit: c.Query("unit"), MeetingID: c.Query("meeting")}
		if st := c.Query("state"); st != "" {
			f.States = strings.Split(st, ",")
		}
		list, err := p.Directives(c.Request.Context(), f)
		if err != nil {
			fail(c, err)
			return
		}
		if c.Query("overdue") == "true" {
			out := []process.Directive{}
			for _, d := range list {
				if d.Overdue {
					out = append(out, d)
				}
			}
			list = out
		}
		c.JSON(http.StatusOK, gin.H{"items": list})
	}
}

func handleDirectiveGet(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		d, err := p.GetDirective(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, d)
	}
}

// reportDirective streams the report's evidence files straight into the
// object store; the "text" field must come before the files.
func reportDirective(c *gin.Context, p *process.Process) (process.Directive, error) {
	fields := map[string]string{}
	var uploads []process.Upload
	// Parts of a multipart body can only be read in order, so each file is
	// handed to the domain as it arrives: the domain stores it (blob first)
	// before the next part is read, and the row comes after the last file.
	pr := &pendingReport{p: p, c: c, id: c.Param("id")}
	err := readForm(c, fields, func(field, name string, r io.Reader) error {
		if field != "files" && field != "file" && field != "evidence" {
			_, _ = io.Copy(io.Discard, r)
			return nil
		}
		obj, err := pr.stage(name, r)
		if err != nil {
			return err
		}
		uploads = append(uploads, obj)
		return nil
	})
	if err != nil {
		return process.Directive{}, err
	}
	return p.ReportDirective(c.Request.Context(), pr.id, fields["text"], uploads)
}

// pendingReport checks the permission before the first file is stored, so
// a forbidden report leaves no object behind.
type pendingReport struct {
	p       *process.Process
	c       *gin.Context
	id      string
	checked bool
}

func (r *pendingReport) stage(name string, body io.Reader) (process.Upload, error) {
	if !r.checked {
		if err := r.p.CanReport(r.c.Request.Context(), r.id); err != nil {
			return process.Upload{}, err
		}
		r.checked = true
	}
	return r.p.StageEvidence(r.c.Request.Context(), name, body)
}

func handleDirectiveReport(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		d, err := reportDirective(c, p)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, d)
	}
}

func handleDirectiveDecide(p *process.Process, accept bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req struct {
			Comment string `json:"comment"`
		}
		if c.Request.ContentLength != 0 {
			if err := bindJSON(c, &req); err != nil {
				fail(c, err)
				return
			}
		}
		d, err := p.DecideDirective(c.Request.Context(), c.Param("id"), accept, req.Comment)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, d)
	}
}

func handleEvidence(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		e, rc, err := p.OpenEvidence(c.Request.Context(), c.Param("id"), c.Param("eid"))
		if err != nil {
			fail(c, err)
			return
		}
		defer rc.Close()
		c.Header("Content-Type", e.MediaType)
		c.Header("Content-Disposition", contentDisposition("attachment", e.Filename))
		c.Header("X-Content-Type-Options", "nosniff")
		http.ServeContent(c.Writer, c.Request, "", time.Time{}, rc)
	}
}

func handleNonCompliant(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := p.NonCompliantUnits(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": list})
	}
}

func handleDashboard(s *Server, p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		from, to, err := dashboardPeriod(c)
		if err != nil {
			fail(c, err)
			return
		}
		db, err := p.Dashboard(c.Request.Context(), from, to, s.NCSummary)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, db)
	}
}
