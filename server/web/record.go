package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

// createRecord streams a multipart upload into a new record.
func createRecord(c *gin.Context, recs *record.Service) (record.Record, error) {
	var in record.NewRecord
	if err := decode(c, &in); err != nil {
		return record.Record{}, err
	}
	return recs.Create(c.Request.Context(), in)
}

func handleRecordCreate(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, err := createRecord(c, recs)
		if err != nil {
			fail(c, err)
			return
		}
		v := r.Versions[len(r.Versions)-1]
		c.JSON(http.StatusCreated, gin.H{"id": r.ID, "version_id": v.VersionID, "sha256": v.SHA256,
			"retain_until": r.RetainUntil, "mode": r.Mode, "record": r})
	}
}

func recordFilter(c *gin.Context) (record.Filter, error) {
	f := record.Filter{Type: c.Query("type"), Unit: c.Query("unit"), Clause: c.Query("clause"), Audit: c.Query("audit"),
		Status: c.Query("status"), Q: c.Query("q")}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return f, qms.Errorf(qms.ErrInvalid, "limit must be a number between 1 and 500")
		}
		f.Limit = n
	}
	return f, nil
}

func handleRecordList(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := recordFilter(c)
		if err != nil {
			fail(c, err)
			return
		}
		var items []record.Record
		if c.Query("due") == "1" || c.Query("due") == "true" {
			items, err = recs.DueForDisposition(c.Request.Context())
		} else {
			items, err = recs.List(c.Request.Context(), f)
		}
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": items})
	}
}

func handleRecordGet(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, err := recs.Get(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, r)
	}
}

// addRecordVersion streams a correction (multipart: reason, file).
func addRecordVersion(c *gin.Context, recs *record.Service) (record.Version, error) {
	var in record.Correction
	if err := decode(c, &in); err != nil {
		return record.Version{}, err
	}
	return recs.AddVersion(c.Request.Context(), c.Param("id"), in)
}

func handleRecordVersion(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, err := addRecordVersion(c, recs)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, v)
	}
}

func handleRecordHold(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req struct {
			On     *bool  `json:"on"`
			Reason string `json:"reason"`
		}
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		if req.On == nil {
			fail(c, qms.Errorf(qms.ErrInvalid, "on: true to set the legal hold, false to lift it"))
			return
		}
		r, err := recs.SetHold(c.Request.Context(), c.Param("id"), *req.On, req.Reason)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, r)
	}
}

func handleRecordDispose(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req struct {
			Reason   string `json:"reason"`
			Password string `json:"password"`
		}
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		r, err := recs.Dispose(c.Request.Context(), c.Param("id"), req.Reason, req.Password)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, r)
	}
}

func handleRecordTypes(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		ts, err := recs.Types(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": ts})
	}
}

func handleRecordTypeSave(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var t record.Type
		if err := bindJSON(c, &t); err != nil {
			fail(c, err)
			return
		}
		out, err := recs.SaveType(c.Request.Context(), t)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, out)
	}
}

// handleRecordFile streams one version of a record with Range and ETag;
// version "latest" (or 0) is the newest.
func handleRecordFile(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		no := 0
		if v := c.Param("no"); v != "latest" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				fail(c, qms.Errorf(qms.ErrNotFound, "no such version"))
				return
			}
			no = n
		}
		rc, v, _, err := recs.Open(c.Request.Context(), c.Param("id"), no)
		if err != nil {
			fail(c, err)
			return
		}
		defer rc.Close()
		h := c.Writer.Header()
		h.Set("Content-Type", v.MediaType)
		h.Set("Content-Disposition", contentDisposition("attachment", v.FileName))
		h.Set("ETag", `"`+v.SHA256+`"`)
		h.Set("X-Content-SHA256", v.SHA256)
		h.Set("Cache-Control", "private, no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(c.Writer, c.Request, "", v.CreatedAt, rc)
	}
}
