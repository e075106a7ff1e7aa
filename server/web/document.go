package web

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/qms"
)

// docFilter reads the register's query parameters.
func docFilter(c *gin.Context) (document.Filter, error) {
	f := document.Filter{Q: c.Query("q"), Unit: c.Query("unit"), Type: c.Query("type"), Status: c.Query("status"),
		Clause: c.Query("clause"), Sort: c.Query("sort"), Cursor: c.Query("cursor")}
	switch c.Query("review_due") {
	case "", "0", "false":
	default:
		f.ReviewDue = true
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return f, qms.Errorf(qms.ErrInvalid, "limit must be a number between 1 and 200")
		}
		f.Limit = n
	}
	return f, nil
}

func handleDocList(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := docFilter(c)
		if err != nil {
			fail(c, err)
			return
		}
		p, err := docs.List(c.Request.Context(), f)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, p)
	}
}

func handleDocCreate(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req document.NewDocument
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		d, err := docs.Create(c.Request.Context(), req)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, d)
	}
}

func handleDocUpdate(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req document.NewDocument
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		d, err := docs.Update(c.Request.Context(), c.Param("id"), req)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, d)
	}
}

func handleDocGet(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		d, err := docs.Get(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"document": d, "actions": docs.DocActions(c.Request.Context(), d)})
	}
}

func handleRevGet(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		d, r, err := docs.Revision(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"document": d, "revision": r})
	}
}

// maxFieldBytes bounds the text fields of an upload.
const maxFieldBytes = 64 << 10

// maxFilesPerUpload bounds the files of one request: each becomes an object
// before any row is written.
const maxFilesPerUpload = 20

// readDocUpload streams a multipart body: text fields (change, kind,
// replace) and files, each file straight into the object store as it
// arrives. Nothing is spooled to disk or held whole in memory. "replace"
// and "kind" apply to the file part that follows them.
func readDocUpload(c *gin.Context, docs *document.Service, docID, revID string) (string, []document.Staged, error) {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return "", nil, qms.Errorf(qms.ErrInvalid, "send the files as multipart/form-data")
	}
	var change, replace, kind string
	var staged []document.Staged
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", nil, qms.Wrap(qms.ErrInvalid, err, "the upload was interrupted or is not valid multipart")
		}
		name := part.FormName()
		if name != "file" && name != "attachment" {
			b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			part.Close()
			if err != nil {
				return "", nil, qms.Wrap(qms.ErrInvalid, err, "the upload was interrupted")
			}
			if len(b) > maxFieldBytes {
				return "", nil, qms.Errorf(qms.ErrInvalid, "field %q is too long", name)
			}
			switch name {
			case "change":
				change = string(b)
			case "replace":
				replace = strings.TrimSpace(string(b))
			case "kind":
				kind = strings.TrimSpace(string(b))
			}
			continue
		}
		fname := part.FileName() // already the last path element
		if fname == "" {
			// A form's empty file input sends a nameless, empty part.
			var one [1]byte
			n, _ := io.ReadFull(part, one[:])
			part.Close()
			if n == 0 {
				continue
			}
			return "", nil, qms.Errorf(qms.ErrInvalid, "the file has no name")
		}
		if len(staged) >= maxFilesPerUpload {
			part.Close()
			return "", nil, qms.Errorf(qms.ErrInvalid, "at most %d files per upload", maxFilesPerUpload)
		}
		k := kind
		if name == "attachment" {
			k = document.KindAttachment
		}
		st, err := docs.Stage(c.Request.Context(), docID, revID, document.Upload{Name: fname, Body: part, Kind: k, Replace: replace})
		part.Close()
		if err != nil {
			return "", nil, err
		}
		staged = append(staged, st)
		replace, kind = "", ""
	}
	return change, staged, nil
}

func handleRevCreate(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		change, staged, err := readDocUpload(c, docs, c.Param("id"), "")
		if err != nil {
			fail(c, err)
			return
		}
		r, err := docs.CreateRevision(c.Request.Context(), c.Param("id"), change, staged)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, r)
	}
}

func handleRevFiles(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		_, staged, err := readDocUpload(c, docs, "", c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		r, err := docs.AddFiles(c.Request.Context(), c.Param("id"), staged)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, r)
	}
}

// signRequest is the body of the signing acts.
type signRequest struct {
	Reviewers   []string `json:"reviewers"`
	Decision    string   `json:"decision"`
	Comment     string   `json:"comment"`
	Password    string   `json:"password"`
	EffectiveAt string   `json:"effective_at"`
	Reason      string   `json:"reason"`
}

// parseEffectiveAt reads a publication date: RFC 3339, or a day as
// yyyy-mm-dd or dd/mm/yyyy (the start of that day in the office's zone).
// Empty means now.
func parseEffectiveAt(v string, loc *time.Location) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	for _, layout := range []string{"2006-01-02", "02/01/2006"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return &t, nil
		}
	}
	return nil, qms.Errorf(qms.ErrInvalid, "effective_at must be a date (dd/mm/yyyy or yyyy-mm-dd) or an RFC 3339 time")
}

// revAct runs one act on a revision from a JSON body.
func revAct(act func(ctx context.Context, id string, req signRequest) (document.Revision, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req signRequest
		if c.Request.ContentLength != 0 {
			if err := bindJSON(c, &req); err != nil {
				fail(c, err)
				return
			}
		}
		r, err := act(c.Request.Context(), c.Param("id"), req)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, r)
	}
}

func handleRevAck(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := docs.Acknowledge(c.Request.Context(), c.Param("id")); err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"ok": true})
	}
}

func handleRevAcks(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		acks, err := docs.Acks(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		pending := 0
		for _, a := range acks {
			if a.AckedAt == nil {
				pending++
			}
		}
		c.JSON(http.StatusOK, gin.H{"items": acks, "pending": pending})
	}
}

func handleDocWithdraw(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req signRequest
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		d, err := docs.Withdraw(c.Request.Context(), c.Param("id"), req.Reason)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, d)
	}
}

func handleDocConfirmReview(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req signRequest
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		d, err := docs.ConfirmReview(c.Request.Context(), c.Param("id"), req.Comment)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, d)
	}
}

// serveDocFile streams one object version with Range, ETag and the SHA-256.
func serveDocFile(c *gin.Context, f document.File, obj document.Object) {
	defer obj.Close()
	h := c.Writer.Header()
	h.Set("Content-Type", f.MediaType)
	h.Set("Content-Disposition", contentDisposition("attachment", f.Name))
	h.Set("ETag", `"`+f.SHA256+`"`)
	h.Set("X-Content-SHA256", f.SHA256)
	if raw, err := hex.DecodeString(f.SHA256); err == nil {
		h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(raw)+":")
	}
	h.Set("Cache-Control", "private, no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(bigCopyWriter{c.Writer}, c.Request, "", f.UploadedAt, obj)
}

// copyBufs are the buffers of file downloads. Each Read of an object-store
// object is a round trip through minio-go's reader goroutine, so 1 MiB
// reads instead of io.Copy's 32 KiB cut that overhead per byte.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// bigCopyWriter gives http.ServeContent's copy a large buffer.
type bigCopyWriter struct{ http.ResponseWriter }

// ReadFrom copies r to the response with a pooled 1 MiB buffer.
func (w bigCopyWriter) ReadFrom(r io.Reader) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	return io.CopyBuffer(struct{ io.Writer }{w.ResponseWriter}, r, *bp)
}

func handleRevFile(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		_, _, f, obj, err := docs.Open(c.Request.Context(), c.Param("id"), c.Param("file_id"))
		if err != nil {
			fail(c, err)
			return
		}
		serveDocFile(c, f, obj)
	}
}

func handleDocCurrent(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		_, _, f, obj, err := docs.OpenCurrent(c.Request.Context(), strings.TrimPrefix(c.Param("code"), "/"))
		if err != nil {
			fail(c, err)
			return
		}
		serveDocFile(c, f, obj)
	}
}

func handlePublicFile(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		_, _, f, obj, err := docs.OpenPublic(c.Request.Context(), c.Param("rev"), c.Param("file"))
		if err != nil {
			fail(c, err)
			return
		}
		serveDocFile(c, f, obj)
	}
}

func handlePublicList(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := docs.PublicList(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": list})
	}
}

// docTasks words the document tasks of the home page in the reader's language.
func (s *Server) docTasks(docs *document.Service) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		acks, revs, err := docs.MyWork(ctx)
		if err != nil {
			return nil, err
		}
		out := []qms.Task{}
		for _, p := range acks {
			out = append(out, qms.Task{Kind: "acknowledge", Link: "/documents/" + p.DocumentID + "#rev-" + p.RevisionID,
				Title: s.TLang(a.Lang, "doc.task.ack", "Code", p.Code, "Title", p.Title, "Issue", fmt.Sprintf("%02d", p.Issue))})
		}
		for _, p := range revs {
			out = append(out, qms.Task{Kind: "review", Link: "/documents/" + p.DocumentID + "#rev-" + p.RevisionID,
				Title: s.TLang(a.Lang, "doc.task.review", "Code", p.Code, "Title", p.Title, "Issue", fmt.Sprintf("%02d", p.Issue))})
		}
		due, err := docs.DueReviews(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range due {
			out = append(out, qms.Task{Kind: "periodic_review", Link: "/documents/" + d.ID, Due: d.NextReviewAt, Overdue: d.ReviewOverdue,
				Title: s.TLang(a.Lang, "doc.task.periodic", "Code", d.Code, "Title", d.Title)})
		}
		return out, nil
	}
}
