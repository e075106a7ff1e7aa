package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

// Retained records over HTTP: the list, one record and its files (reads),
// and the acts (file, correct, hold, dispose, save a record type), each
// served on /api/v1 and /ui from one request struct (see handler.go). The
// pages are in record_pages.go.

// recordFilter reads the list's query parameters.
func recordFilter(c *gin.Context) (record.Filter, error) {
	f := record.Filter{Type: c.Query("type"), Unit: c.Query("unit"), Clause: c.Query("clause"), Audit: c.Query("audit"),
		Status: c.Query("status"), Q: c.Query("q")}
	f.DueOnly, _ = parseFormBool(c.Query("due"))
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return f, qms.Errorf(qms.ErrInvalid, "limit must be a number between 1 and 500")
		}
		f.Limit = n
	}
	return f, nil
}

// listRecords is the list f asks for: the disposition list when f.DueOnly.
func listRecords(c *gin.Context, recs *record.Service, f record.Filter) ([]record.Record, error) {
	if f.DueOnly {
		return recs.DueForDisposition(c.Request.Context())
	}
	return recs.List(c.Request.Context(), f)
}

func handleRecordList(recs *record.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		f, err := recordFilter(c)
		if err != nil {
			return err
		}
		items, err := listRecords(c, recs, f)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": items})
	})
}

func handleRecordGet(recs *record.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		r, err := recs.Get(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, r)
	})
}

func handleRecordTypes(recs *record.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		ts, err := recs.Types(c.Request.Context())
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": ts})
	})
}

// handleRecordFile streams one version of a record with Range and ETag;
// version "latest" (or 0) is the newest.
func handleRecordFile(recs *record.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		no := 0
		if v := c.Param("no"); v != "latest" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return qms.Errorf(qms.ErrNotFound, "no such version")
			}
			no = n
		}
		rc, v, _, err := recs.Open(c.Request.Context(), c.Param("id"), no)
		if err != nil {
			return err
		}
		serveDownload(c, download{Name: v.FileName, MediaType: v.MediaType, SHA256: v.SHA256, ModTime: v.CreatedAt}, rc)
		return nil
	})
}

// holdReq sets (on) or lifts the legal hold; on is required.
type holdReq struct {
	On     *bool  `json:"on"`
	Reason string `json:"reason"`
}

type disposeReq struct {
	Reason   string `json:"reason"`
	Password string `json:"password"`
}

// recordActs builds the acts on records; routes.go registers each on its
// path. A refused act is shown on the page of its form: the records list
// (filing, record types) or the record.
type recordActs struct {
	s    *Server
	recs *record.Service
}

func (ra recordActs) onList(c *gin.Context, status int, err error) error {
	return ra.s.renderRecordsPage(c, ra.recs, record.Filter{}, status, err)
}

func (ra recordActs) onRecord(c *gin.Context, status int, err error) error {
	return ra.s.renderRecordPage(c, ra.recs, c.Param("id"), status, err)
}

// backToParam sends a form back to prefix followed by the route's :id.
func backToParam[T any](prefix string) func(*gin.Context, T) string {
	return func(c *gin.Context, _ T) string { return prefix + c.Param("id") }
}

// recordFiled is the API's answer to a filed record.
type recordFiled struct {
	ID          string        `json:"id"`
	VersionID   string        `json:"version_id"`
	SHA256      string        `json:"sha256"`
	RetainUntil time.Time     `json:"retain_until"`
	Mode        string        `json:"mode"`
	Record      record.Record `json:"record"`
}

func (ra recordActs) create() act[record.NewRecord, record.Record] {
	recs := ra.recs
	return act[record.NewRecord, record.Record]{
		Upload: true, Created: true,
		Do: func(c *gin.Context, r *record.NewRecord) (record.Record, error) { return recs.Create(ctxOf(c), *r) },
		Reply: func(r record.Record) any {
			v := r.Versions[len(r.Versions)-1]
			return recordFiled{ID: r.ID, VersionID: v.VersionID, SHA256: v.SHA256, RetainUntil: r.RetainUntil, Mode: r.Mode, Record: r}
		},
		ReplyType: recordFiled{},
		Back:      func(c *gin.Context, r record.Record) string { return "/records/" + r.ID },
		Flash:     "records.flash.created", Refused: ra.onList,
	}
}

func (ra recordActs) correct() act[record.Correction, record.Version] {
	recs := ra.recs
	return act[record.Correction, record.Version]{
		Upload: true, Created: true,
		Do: func(c *gin.Context, r *record.Correction) (record.Version, error) {
			return recs.AddVersion(ctxOf(c), c.Param("id"), *r)
		},
		Back:  backToParam[record.Version]("/records/"),
		Flash: "records.flash.corrected", Refused: ra.onRecord,
	}
}

func (ra recordActs) hold() act[holdReq, record.Record] {
	recs := ra.recs
	return act[holdReq, record.Record]{
		Do: func(c *gin.Context, r *holdReq) (record.Record, error) {
			if r.On == nil {
				return record.Record{}, qms.Errorf(qms.ErrInvalid, "on: true to set the legal hold, false to lift it")
			}
			return recs.SetHold(ctxOf(c), c.Param("id"), *r.On, r.Reason)
		},
		Back: func(c *gin.Context, r record.Record) string { return "/records/" + r.ID },
		// Two outcomes, two messages: which one was done.
		FlashOf: func(r record.Record) string {
			if r.Held {
				return "records.flash.held"
			}
			return "records.flash.released"
		},
		Refused: ra.onRecord,
	}
}

func (ra recordActs) dispose() act[disposeReq, record.Record] {
	recs := ra.recs
	return act[disposeReq, record.Record]{
		Do: func(c *gin.Context, r *disposeReq) (record.Record, error) {
			return recs.Dispose(ctxOf(c), c.Param("id"), r.Reason, r.Password)
		},
		Back: func(c *gin.Context, r record.Record) string { return "/records/" + r.ID },
		// The signed decision stands either way; the answer (200 in both
		// cases) says whether the versions are all deleted yet.
		FlashOf: func(r record.Record) string {
			if r.Status == record.StatusDisposing {
				return "records.flash.disposing"
			}
			return "records.flash.disposed"
		},
		Refused: ra.onRecord,
	}
}

func (ra recordActs) saveType() act[record.Type, record.Type] {
	recs := ra.recs
	return act[record.Type, record.Type]{
		Created: true,
		Do:      func(c *gin.Context, r *record.Type) (record.Type, error) { return recs.SaveType(ctxOf(c), *r) },
		Back:    func(*gin.Context, record.Type) string { return "/records#rec-types" },
		Flash:   "records.flash.type_saved", Refused: ra.onList,
	}
}
