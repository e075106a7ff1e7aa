package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/web/export"
)

// The nonconformity capability over HTTP: the register and one NC (reads),
// and its acts, each served on /api/v1 and /ui from one request struct (see
// handler.go). The pages are in nc_pages.go. This file is the worked example
// of the act shape: a request struct, a Do that calls the service, where
// the form goes back to, and the page that shows a refusal.

// ncFilter reads the register's query parameters.
func ncFilter(c *gin.Context) (nonconformity.Filter, error) {
	f := nonconformity.Filter{Status: c.Query("status"), Unit: c.Query("unit"), Severity: c.Query("severity"),
		Source: c.Query("source"), Clause: c.Query("clause"), Cursor: c.Query("cursor"), Q: c.Query("q")}
	f.Overdue, _ = parseFormBool(c.Query("overdue"))
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return f, qms.Errorf(qms.ErrInvalid, "limit must be a number between 1 and 500")
		}
		f.Limit = n
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	return f, nil
}

func handleNCList(ncs *nonconformity.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		f, err := ncFilter(c)
		if err != nil {
			return err
		}
		items, err := ncs.List(c.Request.Context(), f)
		if err != nil {
			return err
		}
		next := ""
		if len(items) == f.Limit {
			next = items[len(items)-1].Number
		}
		return reply(c, http.StatusOK, gin.H{"items": items, "next_cursor": next})
	})
}

// ncDetail is the NC with what the page and API clients need around it.
type ncDetail struct {
	nonconformity.NC
	Similar     []nonconformity.Similar   `json:"similar"`
	Permissions nonconformity.Permissions `json:"permissions"`
}

func ncDetailOf(ctx context.Context, ncs *nonconformity.Service, id string) (ncDetail, error) {
	nc, err := ncs.Get(ctx, id)
	if err != nil {
		return ncDetail{}, err
	}
	sim, err := ncs.Similar(ctx, nc)
	if err != nil {
		return ncDetail{}, err
	}
	return ncDetail{NC: nc, Similar: sim, Permissions: ncs.PermissionsOf(ctx, nc)}, nil
}

func handleNCGet(ncs *nonconformity.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		d, err := ncDetailOf(c.Request.Context(), ncs, c.Param("id"))
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, d)
	})
}

func handleNCTimeline(ncs *nonconformity.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		nc, err := ncs.Get(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		es, err := ncs.Timeline(c.Request.Context(), nc)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": es})
	})
}

func handleNCScorecard(ncs *nonconformity.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		sc, err := ncs.Scorecard(c.Request.Context())
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, sc)
	})
}

func handleMyActions(ncs *nonconformity.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		as, err := ncs.MyActions(c.Request.Context())
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": as})
	})
}

// handleNCFile streams one evidence file (Range requests supported).
func handleNCFile(ncs *nonconformity.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		f, open, err := ncs.OpenFile(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		r, err := open()
		if err != nil {
			return err
		}
		defer r.Close()
		c.Header("Content-Type", f.MediaType)
		c.Header("Content-Disposition", contentDisposition("attachment", f.FileName))
		c.Header("X-Content-Type-Options", "nosniff")
		c.Header("ETag", `"`+f.SHA256+`"`)
		http.ServeContent(c.Writer, c.Request, "", f.UploadedAt, r)
		return nil
	})
}

// maxExportRows bounds one export; the register's filters narrow it.
const maxExportRows = 20000

// handleNCExport writes the register as CSV or XLSX (web/export: text cells,
// formulas neutralised). The filters and the reader's access are checked
// before the first byte is written.
func (s *Server) handleNCExport(ncs *nonconformity.Service, format string) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		f, err := ncFilter(c)
		if err != nil {
			return err
		}
		probe := f
		probe.Limit, probe.Cursor, probe.Overdue = 1, "", false
		if _, err := ncs.List(c.Request.Context(), probe); err != nil {
			return err
		}
		rows, err := s.ncExportRows(c, ncs, f)
		if err != nil {
			return err
		}
		header := s.ncExportHeader(c)
		if format == "csv" {
			c.Header("Content-Type", "text/csv; charset=utf-8")
			c.Header("Content-Disposition", `attachment; filename="nonconformities.csv"`)
			c.Status(http.StatusOK)
			_ = export.CSV(c.Writer, header, rows, tr(c).Err)
			return nil
		}
		var buf bytes.Buffer // the workbook is zipped whole; its rows are bounded above
		if err := export.XLSX(&buf, s.T(c, "nc.export.sheet"), header, rows); err != nil {
			return err
		}
		c.Header("Content-Disposition", `attachment; filename="nonconformities.xlsx"`)
		c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
		return nil
	})
}

// The acts. Each request struct is decoded from JSON or from the form.

// ncCreateReq reports an NC; a form may carry evidence files.
type ncCreateReq struct {
	Source      string         `json:"source"`
	SourceRef   string         `json:"source_ref"`
	Severity    string         `json:"severity"`
	Unit        string         `json:"unit"`
	Clauses     []string       `json:"clauses"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	DetectedBy  string         `json:"detected_by"`
	DetectedOn  string         `json:"detected_on"`
	Files       qms.FileSource `json:"-" form:"file"`
}

func ncCreate(ncs *nonconformity.Service) func(c *gin.Context, r *ncCreateReq) (nonconformity.NC, error) {
	return func(c *gin.Context, r *ncCreateReq) (nonconformity.NC, error) {
		on, err := qms.ParseDateField("detected_on", r.DetectedOn)
		if err != nil {
			return nonconformity.NC{}, err
		}
		return ncs.Create(c.Request.Context(), nonconformity.NewNC{Source: r.Source, SourceRef: r.SourceRef, Severity: r.Severity,
			Unit: r.Unit, Clauses: r.Clauses, Title: r.Title, Description: r.Description, DetectedBy: r.DetectedBy,
			DetectedOn: dateTime(on), Files: r.Files})
	}
}

type containmentReq struct {
	Text string `json:"text"`
	By   string `json:"by"`
	On   string `json:"on"`
}

type reasonReq struct {
	Reason string `json:"reason"`
}

type passwordReq struct {
	Password string `json:"password"`
}

type noBody struct{}

// actionReq plans a corrective action. owner and verifier are user ids or
// logins; the form's owner list sends "unit|user", so one list serves every
// unit.
type actionReq struct {
	Unit        string `json:"unit"`
	Owner       string `json:"owner"`
	Verifier    string `json:"verifier"`
	Description string `json:"description"`
	Due         string `json:"due"`
	VerifyAfter string `json:"verify_after"`
}

// actionDoneReq reports an action done with evidence files.
type actionDoneReq struct {
	Report string         `json:"report"`
	Files  qms.FileSource `json:"-" form:"file"`
}

// verifyReq verifies an action's effectiveness (effective is required), or
// finds an action of a closed NC not effective after all (reverify).
type verifyReq struct {
	Effective *bool          `json:"effective"`
	Comment   string         `json:"comment"`
	Password  string         `json:"password"`
	Files     qms.FileSource `json:"-" form:"file"`
}

// userRef turns a login into a user id; ids pass through. An unknown login
// is left as it is and refused by the service as "not a person of the unit".
func (s *Server) userRef(ctx context.Context, v string) string {
	v = strings.TrimSpace(v)
	if v == "" || qms.ValidID(v) {
		return v
	}
	if u, err := s.Identity.UserByLogin(ctx, v); err == nil {
		return u.ID
	}
	return v
}

func (s *Server) newAction(ctx context.Context, r actionReq) (nonconformity.NewAction, error) {
	unit, owner := strings.TrimSpace(r.Unit), r.Owner
	if u, o, ok := strings.Cut(owner, "|"); ok {
		if unit == "" {
			unit = u
		}
		owner = o
	}
	fe := qms.FieldErrors{}
	due, err := qms.ParseDateField("due", r.Due)
	if err != nil {
		fe.Add("due", "a date as yyyy-mm-dd or dd/mm/yyyy")
	}
	va, err := qms.ParseDateField("verify_after", r.VerifyAfter)
	if err != nil {
		fe.Add("verify_after", "a date as yyyy-mm-dd or dd/mm/yyyy")
	}
	if err := fe.Err(); err != nil {
		return nonconformity.NewAction{}, err
	}
	return nonconformity.NewAction{Unit: unit, Owner: s.userRef(ctx, owner), Verifier: s.userRef(ctx, r.Verifier),
		Description: r.Description, Due: dateTime(due), VerifyAfter: dateTime(va)}, nil
}

// dateTime is a date as the capability's dates are kept: midnight UTC, or
// the zero time for no date.
func dateTime(d qms.Date) (t time.Time) {
	if d.IsZero() {
		return t
	}
	return d.UTC()
}

// ncActs builds the acts on NCs and their corrective actions; routes.go
// registers each on its path. A refused act is shown on the NC page, next to
// its form.
type ncActs struct {
	s   *Server
	ncs *nonconformity.Service
}

func (na ncActs) onNC(c *gin.Context, status int, err error) error {
	return na.s.renderNCPage(c, na.ncs, c.Param("id"), status, err)
}

func (na ncActs) onAction(c *gin.Context, status int, err error) error {
	ncID, nerr := na.ncs.NCOfAction(c.Request.Context(), c.Param("id"))
	if nerr != nil {
		return err
	}
	return na.s.renderNCPage(c, na.ncs, ncID, status, err)
}

func ncBackTo(anchor string) func(*gin.Context, nonconformity.NC) string {
	return func(c *gin.Context, nc nonconformity.NC) string {
		if anchor == "" {
			return "/ncs/" + nc.ID
		}
		return "/ncs/" + nc.ID + "#" + anchor
	}
}

func actionBack(c *gin.Context, nc nonconformity.NC) string {
	return "/ncs/" + nc.ID + "#action-" + c.Param("id")
}

func ctxOf(c *gin.Context) context.Context { return c.Request.Context() }

type ncCauseRes struct {
	NC      nonconformity.NC        `json:"nc"`
	Similar []nonconformity.Similar `json:"similar"`
}
type ncActionRes struct {
	NC     nonconformity.NC     `json:"-"`
	Action nonconformity.Action `json:"action"`
	Ref    gin.H                `json:"nc"`
}

// ncCreated is the API's answer to a reported NC.
type ncCreated struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Status string `json:"status"`
}

func (na ncActs) create() act[ncCreateReq, nonconformity.NC] {
	ncs := na.ncs
	return act[ncCreateReq, nonconformity.NC]{
		Created: true, Do: ncCreate(ncs),
		Reply:     func(nc nonconformity.NC) any { return ncCreated{ID: nc.ID, Number: nc.Number, Status: nc.Status} },
		ReplyType: ncCreated{},
		Back:      ncBackTo(""), Flash: "nc.flash.created",
		Refused: na.s.renderNCNew,
	}
}

func (na ncActs) containment() act[containmentReq, nonconformity.NC] {
	ncs := na.ncs
	return act[containmentReq, nonconformity.NC]{
		Do: func(c *gin.Context, r *containmentReq) (nonconformity.NC, error) {
			on, err := qms.ParseDateField("on", r.On)
			if err != nil {
				return nonconformity.NC{}, err
			}
			return ncs.RecordContainment(ctxOf(c), c.Param("id"), nonconformity.Containment{Text: r.Text, By: r.By, On: dateTime(on)})
		},
		Back: ncBackTo("containment"), Flash: "nc.flash.saved", Refused: na.onNC,
	}
}

func (na ncActs) cause() act[nonconformity.Cause, ncCauseRes] {
	ncs := na.ncs
	return act[nonconformity.Cause, ncCauseRes]{
		Do: func(c *gin.Context, r *nonconformity.Cause) (ncCauseRes, error) {
			nc, err := ncs.RecordCause(ctxOf(c), c.Param("id"), *r)
			if err != nil {
				return ncCauseRes{}, err
			}
			sim, err := ncs.Similar(ctxOf(c), nc)
			return ncCauseRes{NC: nc, Similar: sim}, err
		},
		Back:  func(c *gin.Context, r ncCauseRes) string { return "/ncs/" + r.NC.ID + "#cause" },
		Flash: "nc.flash.saved", Refused: na.onNC,
	}
}

func (na ncActs) action() act[actionReq, ncActionRes] {
	s, ncs := na.s, na.ncs
	return act[actionReq, ncActionRes]{
		Created: true,
		Do: func(c *gin.Context, r *actionReq) (ncActionRes, error) {
			in, err := s.newAction(ctxOf(c), *r)
			if err != nil {
				return ncActionRes{}, err
			}
			nc, a, err := ncs.AddAction(ctxOf(c), c.Param("id"), in)
			return ncActionRes{NC: nc, Action: a, Ref: gin.H{"id": nc.ID, "number": nc.Number, "status": nc.Status}}, err
		},
		Back:  func(c *gin.Context, r ncActionRes) string { return "/ncs/" + r.NC.ID + "#action-" + r.Action.ID },
		Flash: "nc.flash.action", Refused: na.onNC,
	}
}

func (na ncActs) cancel() act[reasonReq, nonconformity.NC] {
	ncs := na.ncs
	return act[reasonReq, nonconformity.NC]{
		Do: func(c *gin.Context, r *reasonReq) (nonconformity.NC, error) {
			return ncs.Cancel(ctxOf(c), c.Param("id"), r.Reason)
		},
		Back: ncBackTo(""), Flash: "nc.flash.cancelled", Refused: na.onNC,
	}
}

func (na ncActs) start() act[noBody, nonconformity.NC] {
	ncs := na.ncs
	return act[noBody, nonconformity.NC]{
		Do:   func(c *gin.Context, _ *noBody) (nonconformity.NC, error) { return ncs.Start(ctxOf(c), c.Param("id")) },
		Back: actionBack, Flash: "nc.flash.saved", Refused: na.onAction,
	}
}

func (na ncActs) done() act[actionDoneReq, nonconformity.NC] {
	ncs := na.ncs
	return act[actionDoneReq, nonconformity.NC]{
		Upload: true,
		Do: func(c *gin.Context, r *actionDoneReq) (nonconformity.NC, error) {
			return ncs.Done(ctxOf(c), c.Param("id"), r.Report, r.Files)
		},
		Back: actionBack, Flash: "nc.flash.done", Refused: na.onAction,
	}
}

func (na ncActs) signoff() act[passwordReq, nonconformity.NC] {
	ncs := na.ncs
	return act[passwordReq, nonconformity.NC]{
		Do: func(c *gin.Context, r *passwordReq) (nonconformity.NC, error) {
			return ncs.SignOff(ctxOf(c), c.Param("id"), r.Password)
		},
		Back: actionBack, Flash: "nc.flash.signedoff", Refused: na.onAction,
	}
}

func (na ncActs) verify() act[verifyReq, nonconformity.NC] {
	ncs := na.ncs
	return act[verifyReq, nonconformity.NC]{
		Do: func(c *gin.Context, r *verifyReq) (nonconformity.NC, error) {
			if r.Effective == nil {
				fe := qms.FieldErrors{}
				fe.Add("effective", "say whether the action was effective (true or false)")
				return nonconformity.NC{}, fe.Err()
			}
			return ncs.Verify(ctxOf(c), c.Param("id"), nonconformity.Verification{Effective: *r.Effective, Comment: r.Comment,
				Password: r.Password, Files: r.Files})
		},
		Back: actionBack, Flash: "nc.flash.verified", Refused: na.onAction,
	}
}

func (na ncActs) reverify() act[verifyReq, nonconformity.NC] {
	ncs := na.ncs
	return act[verifyReq, nonconformity.NC]{
		Do: func(c *gin.Context, r *verifyReq) (nonconformity.NC, error) {
			return ncs.Reverify(ctxOf(c), c.Param("id"), nonconformity.Verification{Comment: r.Comment, Password: r.Password, Files: r.Files})
		},
		Back: actionBack, Flash: "nc.flash.reopened", Refused: na.onAction,
	}
}

// ncTasks contributes the actor's corrective actions to the home page.
func (s *Server) ncTasks(ncs *nonconformity.Service) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		as, err := ncs.MyActions(ctx)
		if err != nil {
			return nil, err
		}
		today := ncs.Today()
		out := make([]qms.Task, 0, len(as))
		for _, x := range as {
			due := x.Due
			t := qms.Task{Kind: "nc-action", Link: "/ncs/" + x.NCID + "#action-" + x.ID,
				Title: s.trLang(a.Lang).T("nc.task."+x.Status, "Number", x.NCNumber, "No", x.No, "Title", s.storedText(a.Lang, x.NCTitle, x.NCTitleMsg)),
				Due:   &due, Overdue: x.OverdueOn(today)}
			if x.Status == nonconformity.ActionSignedOff {
				va := x.VerifyAfter
				t.Due = &va
			}
			out = append(out, t)
		}
		// A unit head (who manages the unit's NCs) also has the unit's NCs
		// still waiting for their root cause: oldest last on the page, the
		// overdue analyses first in the list's own order.
		if manage := s.Authz.Scope(a.UserID, "nc", "manage"); !manage.Empty() {
			open, err := ncs.List(ctx, nonconformity.Filter{Status: nonconformity.StatusOpen, Limit: 50})
			if err != nil {
				return nil, err
			}
			for _, nc := range open {
				if !manage.Has(nc.Unit) {
					continue
				}
				out = append(out, qms.Task{Kind: "nc-cause", Link: "/ncs/" + nc.ID,
					Title:   s.trLang(a.Lang).T("nc.task.cause", "Number", nc.Number, "Title", s.ncTitle(a.Lang, nc)),
					Overdue: nc.AnalysisLateAt != nil})
			}
		}
		return out, nil
	}
}
