package web

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"

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

// readDocUpload streams a multipart body: the text fields before the
// first file (change, replace, kind), then the files, each straight into
// the object store as the service reads it. "replace" and "kind" apply to
// the file part that follows them; a part named "attachment" is one.
func readDocUpload(c *gin.Context) (fields map[string]string, files qms.FileSource, err error) {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, nil, qms.Errorf(qms.ErrInvalid, "send the files as multipart/form-data")
	}
	fields = map[string]string{}
	field := func(part *multipart.Part) error {
		b, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
		part.Close()
		if err != nil {
			return qms.Wrap(qms.ErrInvalid, err, "the upload was interrupted")
		}
		if len(b) > maxFormField {
			return qms.Errorf(qms.ErrInvalid, "field %q is too long", part.FormName())
		}
		fields[part.FormName()] = string(b)
		return nil
	}
	isFile := func(p *multipart.Part) bool { return p.FormName() == "file" || p.FormName() == "attachment" }
	next := func() (*multipart.Part, error) {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, qms.Wrap(qms.ErrInvalid, err, "the upload was interrupted or is not valid multipart")
		}
		return part, nil
	}
	var first *multipart.Part
	for {
		if first, err = next(); err != nil || first == nil || isFile(first) {
			break
		}
		if err = field(first); err != nil {
			break
		}
	}
	if err != nil {
		return nil, nil, err
	}
	replace, kind := strings.TrimSpace(fields["replace"]), strings.TrimSpace(fields["kind"])
	files = func(yield func(qms.Upload) error) error {
		for part := first; part != nil; {
			if !isFile(part) {
				if err := field(part); err != nil {
					return err
				}
				replace, kind = strings.TrimSpace(fields["replace"]), strings.TrimSpace(fields["kind"])
			} else if part.FileName() == "" {
				// A form's empty file input sends a nameless, empty part.
				var one [1]byte
				n, _ := io.ReadFull(part, one[:])
				part.Close()
				if n != 0 {
					return qms.Errorf(qms.ErrInvalid, "the file has no name")
				}
			} else {
				k := kind
				if part.FormName() == "attachment" {
					k = document.KindAttachment
				}
				err := yield(qms.Upload{Name: part.FileName(), Body: part, Kind: k, Replace: replace})
				part.Close()
				if err != nil {
					return err
				}
				replace, kind = "", ""
			}
			var err error
			if part, err = next(); err != nil {
				return err
			}
		}
		return nil
	}
	return fields, files, nil
}

func handleRevCreate(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		fields, files, err := readDocUpload(c)
		if err != nil {
			fail(c, err)
			return
		}
		r, err := docs.CreateRevision(c.Request.Context(), c.Param("id"), document.NewRevision{Change: fields["change"], Files: files})
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, r)
	}
}

func handleRevFiles(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		_, files, err := readDocUpload(c)
		if err != nil {
			fail(c, err)
			return
		}
		r, err := docs.AddFiles(c.Request.Context(), c.Param("id"), document.NewFiles{Files: files})
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
func serveDocFile(c *gin.Context, f document.File, obj io.ReadSeekCloser) {
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
