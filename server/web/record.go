package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

// maxRecordField bounds one text field of a record upload.
const maxRecordField = 16 << 10

// recordUpload is a streamed multipart record upload: the text fields come
// first, then the file, which goes straight to the domain as it arrives.
type recordUpload struct {
	fields map[string][]string
}

func (u recordUpload) get(k string) string {
	if v := u.fields[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// readRecordUpload reads the fields of a multipart body up to the first file
// part and calls withFile with that part (never spooled to disk, never held
// whole). Fields after the file are refused: the record must be validated
// before its file is stored.
func readRecordUpload(c *gin.Context, withFile func(u recordUpload, name string, file io.Reader) error) error {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return qms.Errorf(qms.ErrInvalid, "send the record as multipart/form-data")
	}
	u := recordUpload{fields: map[string][]string{}}
	done := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return qms.Wrap(qms.ErrInvalid, err, "the upload was interrupted or is not valid multipart")
		}
		name := part.FormName()
		if name == "file" {
			if done {
				part.Close()
				return qms.Errorf(qms.ErrInvalid, "send one file per record")
			}
			fname := part.FileName()
			if fname == "" {
				// An empty file input of a form: a nameless, empty part.
				var one [1]byte
				n, _ := io.ReadFull(part, one[:])
				part.Close()
				if n == 0 {
					continue
				}
				return qms.Errorf(qms.ErrInvalid, "the file has no name")
			}
			err := withFile(u, fname, part)
			part.Close()
			if err != nil {
				return err
			}
			done = true
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxRecordField+1))
		part.Close()
		if err != nil {
			return qms.Wrap(qms.ErrInvalid, err, "the upload was interrupted")
		}
		if len(b) > maxRecordField {
			return qms.Errorf(qms.ErrInvalid, "field %q is too long", name)
		}
		if done {
			return qms.Errorf(qms.ErrInvalid, "send the fields before the file (field %q came after it)", name)
		}
		u.fields[name] = append(u.fields[name], string(b))
	}
	if !done {
		return withFile(u, "", nil)
	}
	return nil
}

func newRecordFrom(u recordUpload, fileName string, file io.Reader) record.NewRecord {
	return record.NewRecord{Type: u.get("type"), Unit: u.get("unit"), Title: u.get("title"), Date: u.get("date"),
		Clauses: u.fields["clauses"], FileName: fileName, File: file,
		Links: record.Links{Revision: u.get("link_revision"), NC: u.get("link_nc"), Action: u.get("link_action"), Audit: u.get("link_audit")}}
}

// createRecord streams a multipart upload into a new record.
func createRecord(c *gin.Context, recs *record.Service) (record.Record, error) {
	var out record.Record
	err := readRecordUpload(c, func(u recordUpload, name string, file io.Reader) error {
		r, err := recs.Create(c.Request.Context(), newRecordFrom(u, name, file))
		out = r
		return err
	})
	return out, err
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
	var out record.Version
	err := readRecordUpload(c, func(u recordUpload, name string, file io.Reader) error {
		v, err := recs.AddVersion(c.Request.Context(), c.Param("id"), u.get("reason"), name, file)
		out = v
		return err
	})
	return out, err
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
