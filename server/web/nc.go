package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/qms"
)

// ncMaxField bounds one text field of a multipart form.
const ncMaxField = 64 << 10

// parseDay reads a date as yyyy-mm-dd (the API and <input type=date>) or
// dd/mm/yyyy (as people write it); empty is the zero time.
func parseDay(field, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02", "02/01/2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	fe := qms.FieldErrors{}
	fe.Add(field, "a date as yyyy-mm-dd or dd/mm/yyyy")
	return time.Time{}, fe.Err()
}

// ncFilter reads the register's query parameters.
func ncFilter(c *gin.Context) (nonconformity.Filter, error) {
	f := nonconformity.Filter{Status: c.Query("status"), Unit: c.Query("unit"), Severity: c.Query("severity"),
		Source: c.Query("source"), Clause: c.Query("clause"), Cursor: c.Query("cursor"), Q: c.Query("q")}
	switch c.Query("overdue") {
	case "", "0", "false":
	default:
		f.Overdue = true
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return f, qms.Errorf(qms.ErrInvalid, "limit must be a number between 1 and 500")
		}
		f.Limit = n
	}
	return f, nil
}

func first(m map[string][]string, k string) string {
	if v := m[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// ncCreateReq is the JSON body of POST /api/v1/ncs.
type ncCreateReq struct {
	Source      string   `json:"source"`
	SourceRef   string   `json:"source_ref"`
	Severity    string   `json:"severity"`
	Unit        string   `json:"unit"`
	Clauses     []string `json:"clauses"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	DetectedBy  string   `json:"detected_by"`
	DetectedOn  string   `json:"detected_on"`
}

// readNCCreate reads the new NC from JSON, or from a multipart form whose
// "file" parts are evidence.
func readNCCreate(c *gin.Context) (nonconformity.NewNC, error) {
	var r ncCreateReq
	var files qms.FileSource
	if strings.HasPrefix(c.ContentType(), "multipart/") {
		fields, src, err := readMultipart(c, "file")
		if err != nil {
			return nonconformity.NewNC{}, err
		}
		r = ncCreateReq{Source: first(fields, "source"), SourceRef: first(fields, "source_ref"), Severity: first(fields, "severity"),
			Unit: first(fields, "unit"), Clauses: fields["clauses"], Title: first(fields, "title"),
			Description: first(fields, "description"), DetectedBy: first(fields, "detected_by"), DetectedOn: first(fields, "detected_on")}
		files = src
	} else if err := bindJSON(c, &r); err != nil {
		return nonconformity.NewNC{}, err
	}
	on, err := parseDay("detected_on", r.DetectedOn)
	if err != nil {
		return nonconformity.NewNC{}, err
	}
	return nonconformity.NewNC{Source: r.Source, SourceRef: r.SourceRef, Severity: r.Severity, Unit: r.Unit, Clauses: r.Clauses,
		Title: r.Title, Description: r.Description, DetectedBy: r.DetectedBy, DetectedOn: on, Files: files}, nil
}

func handleNCCreate(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		in, err := readNCCreate(c)
		if err != nil {
			fail(c, err)
			return
		}
		nc, err := ncs.Create(c.Request.Context(), in)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, gin.H{"id": nc.ID, "number": nc.Number, "status": nc.Status})
	}
}

func handleNCList(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := ncFilter(c)
		if err != nil {
			fail(c, err)
			return
		}
		if f.Limit == 0 {
			f.Limit = 100
		}
		items, err := ncs.List(c.Request.Context(), f)
		if err != nil {
			fail(c, err)
			return
		}
		next := ""
		if len(items) == f.Limit {
			next = items[len(items)-1].Number
		}
		c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": next})
	}
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
	return func(c *gin.Context) {
		d, err := ncDetailOf(c.Request.Context(), ncs, c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, d)
	}
}

func ncReply(c *gin.Context, nc nonconformity.NC, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, nc)
}

func handleNCContainment(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var r struct {
			Text string `json:"text"`
			By   string `json:"by"`
			On   string `json:"on"`
		}
		if err := bindJSON(c, &r); err != nil {
			fail(c, err)
			return
		}
		on, err := parseDay("on", r.On)
		if err != nil {
			fail(c, err)
			return
		}
		nc, err := ncs.RecordContainment(c.Request.Context(), c.Param("id"), nonconformity.Containment{Text: r.Text, By: r.By, On: on})
		ncReply(c, nc, err)
	}
}

func handleNCCause(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var r nonconformity.Cause
		if err := bindJSON(c, &r); err != nil {
			fail(c, err)
			return
		}
		nc, err := ncs.RecordCause(c.Request.Context(), c.Param("id"), r)
		if err != nil {
			fail(c, err)
			return
		}
		sim, err := ncs.Similar(c.Request.Context(), nc)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"nc": nc, "similar": sim})
	}
}

// actionReq is the body of POST /api/v1/ncs/{id}/actions. owner and
// verifier are user ids or logins.
type actionReq struct {
	Unit        string `json:"unit"`
	Owner       string `json:"owner"`
	Verifier    string `json:"verifier"`
	Description string `json:"description"`
	Due         string `json:"due"`
	VerifyAfter string `json:"verify_after"`
}

// userRef turns a login into a user id; ids pass through. An unknown login
// is left as it is and refused by the service as "not a person of the unit".
func (s *Server) userRef(ctx context.Context, v string) string {
	v = strings.TrimSpace(v)
	if v == "" || len(v) == 36 && strings.Count(v, "-") == 4 {
		return v
	}
	if u, err := s.Identity.UserByLogin(ctx, v); err == nil {
		return u.ID
	}
	return v
}

func (s *Server) newAction(ctx context.Context, r actionReq) (nonconformity.NewAction, error) {
	due, err := parseDay("due", r.Due)
	if err != nil {
		return nonconformity.NewAction{}, err
	}
	va, err := parseDay("verify_after", r.VerifyAfter)
	if err != nil {
		return nonconformity.NewAction{}, err
	}
	return nonconformity.NewAction{Unit: strings.TrimSpace(r.Unit), Owner: s.userRef(ctx, r.Owner), Verifier: s.userRef(ctx, r.Verifier),
		Description: r.Description, Due: due, VerifyAfter: va}, nil
}

func (s *Server) handleNCAddAction(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var r actionReq
		if err := bindJSON(c, &r); err != nil {
			fail(c, err)
			return
		}
		in, err := s.newAction(c.Request.Context(), r)
		if err != nil {
			fail(c, err)
			return
		}
		nc, act, err := ncs.AddAction(c.Request.Context(), c.Param("id"), in)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, gin.H{"action": act, "nc": gin.H{"id": nc.ID, "number": nc.Number, "status": nc.Status}})
	}
}

func handleActionStart(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		nc, err := ncs.Start(c.Request.Context(), c.Param("id"))
		ncReply(c, nc, err)
	}
}

func handleActionDone(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		fields, files, err := readMultipart(c, "file")
		if err != nil {
			fail(c, err)
			return
		}
		nc, err := ncs.Done(c.Request.Context(), c.Param("id"), first(fields, "report"), files)
		ncReply(c, nc, err)
	}
}

func handleActionSignoff(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var r struct {
			Password string `json:"password"`
		}
		if err := bindJSON(c, &r); err != nil {
			fail(c, err)
			return
		}
		nc, err := ncs.SignOff(c.Request.Context(), c.Param("id"), r.Password)
		ncReply(c, nc, err)
	}
}

// readVerification reads {"effective","comment","password"} as JSON, or as
// a multipart form with evidence "file" parts after the fields.
func readVerification(c *gin.Context) (nonconformity.Verification, error) {
	if strings.HasPrefix(c.ContentType(), "multipart/") {
		fields, files, err := readMultipart(c, "file")
		if err != nil {
			return nonconformity.Verification{}, err
		}
		eff, err := parseBool("effective", first(fields, "effective"))
		if err != nil {
			return nonconformity.Verification{}, err
		}
		return nonconformity.Verification{Effective: eff, Comment: first(fields, "comment"), Password: first(fields, "password"), Files: files}, nil
	}
	var r struct {
		Effective *bool  `json:"effective"`
		Comment   string `json:"comment"`
		Password  string `json:"password"`
	}
	if err := bindJSON(c, &r); err != nil {
		return nonconformity.Verification{}, err
	}
	if r.Effective == nil {
		fe := qms.FieldErrors{}
		fe.Add("effective", "say whether the action was effective (true or false)")
		return nonconformity.Verification{}, fe.Err()
	}
	return nonconformity.Verification{Effective: *r.Effective, Comment: r.Comment, Password: r.Password}, nil
}

func parseBool(field, v string) (bool, error) {
	switch strings.TrimSpace(v) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	fe := qms.FieldErrors{}
	fe.Add(field, "say whether the action was effective (true or false)")
	return false, fe.Err()
}

func handleActionVerify(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		in, err := readVerification(c)
		if err != nil {
			fail(c, err)
			return
		}
		nc, err := ncs.Verify(c.Request.Context(), c.Param("id"), in)
		ncReply(c, nc, err)
	}
}

func handleActionReverify(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		in, err := readReverification(c)
		if err != nil {
			fail(c, err)
			return
		}
		nc, err := ncs.Reverify(c.Request.Context(), c.Param("id"), in)
		ncReply(c, nc, err)
	}
}

// readReverification reads {"comment","password"} as JSON, or a multipart
// form with evidence "file" parts after the fields.
func readReverification(c *gin.Context) (nonconformity.Verification, error) {
	if strings.HasPrefix(c.ContentType(), "multipart/") {
		fields, files, err := readMultipart(c, "file")
		if err != nil {
			return nonconformity.Verification{}, err
		}
		return nonconformity.Verification{Comment: first(fields, "comment"), Password: first(fields, "password"), Files: files}, nil
	}
	var r struct {
		Comment  string `json:"comment"`
		Password string `json:"password"`
	}
	if err := bindJSON(c, &r); err != nil {
		return nonconformity.Verification{}, err
	}
	return nonconformity.Verification{Comment: r.Comment, Password: r.Password}, nil
}

func handleNCCancel(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var r struct {
			Reason string `json:"reason"`
		}
		if err := bindJSON(c, &r); err != nil {
			fail(c, err)
			return
		}
		nc, err := ncs.Cancel(c.Request.Context(), c.Param("id"), r.Reason)
		ncReply(c, nc, err)
	}
}

func handleNCScorecard(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		sc, err := ncs.Scorecard(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, sc)
	}
}

func handleMyActions(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		as, err := ncs.MyActions(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": as})
	}
}

func handleNCTimeline(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		nc, err := ncs.Get(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		es, err := ncs.Timeline(c.Request.Context(), nc)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": es})
	}
}

// handleNCFile streams one evidence file (Range requests supported).
func handleNCFile(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, open, err := ncs.OpenFile(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		r, err := open()
		if err != nil {
			fail(c, err)
			return
		}
		defer r.Close()
		c.Header("Content-Type", f.MediaType)
		c.Header("Content-Disposition", contentDisposition("attachment", f.FileName))
		c.Header("X-Content-Type-Options", "nosniff")
		c.Header("ETag", `"`+f.SHA256+`"`)
		http.ServeContent(c.Writer, c.Request, "", f.UploadedAt, r)
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
			key := "nc.task." + x.Status
			due := x.Due
			t := qms.Task{Kind: "nc-action", Link: "/ncs/" + x.NCID + "#action-" + x.ID,
				Title: s.TLang(a.Lang, key, "Number", x.NCNumber, "No", x.No, "Title", x.NCTitle),
				Due:   &due, Overdue: x.OverdueOn(today)}
			if x.Status == nonconformity.ActionSignedOff {
				va := x.VerifyAfter
				t.Due = &va
			}
			out = append(out, t)
		}
		return out, nil
	}
}
