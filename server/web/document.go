package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/qms"
)

// The document capability over HTTP: the register, a document and a
// revision (reads), the downloads, and the acts, each served on /api/v1 and
// /ui from one request struct (see handler.go). The pages are in
// document_pages.go.

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
	return h(func(c *gin.Context) error {
		f, err := docFilter(c)
		if err != nil {
			return err
		}
		p, err := docs.List(ctxOf(c), f)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, p)
	})
}

func handleDocGet(docs *document.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		d, err := docs.Get(ctxOf(c), c.Param("id"))
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"document": d, "actions": docs.DocActions(ctxOf(c), d)})
	})
}

func handleRevGet(docs *document.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		d, r, err := docs.Revision(ctxOf(c), c.Param("id"))
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"document": d, "revision": r})
	})
}

func handleRevAcks(docs *document.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		acks, err := docs.Acks(ctxOf(c), c.Param("id"))
		if err != nil {
			return err
		}
		pending := 0
		for _, a := range acks {
			if a.AckedAt == nil {
				pending++
			}
		}
		return reply(c, http.StatusOK, gin.H{"items": acks, "pending": pending})
	})
}

func handlePublicList(docs *document.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		list, err := docs.PublicList(ctxOf(c))
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": list})
	})
}

// docOpener opens a file for download from two route parameters: a
// revision's file, a file of the public register.
type docOpener func(ctx context.Context, a, b string) (document.Document, document.Revision, document.File, io.ReadSeekCloser, error)

// handleDocFile serves the file open finds from the parameters a and b
// (Range, ETag, SHA-256).
func handleDocFile(open docOpener, a, b string) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		_, _, f, obj, err := open(ctxOf(c), c.Param(a), c.Param(b))
		if err != nil {
			return err
		}
		serveDownload(c, download{Name: f.Name, MediaType: f.MediaType, SHA256: f.SHA256, ModTime: f.UploadedAt}, obj)
		return nil
	})
}

// openCurrent opens the main file in force under a code (/d/{code}; codes
// may hold "/", as QT/ISO-07).
func openCurrent(docs *document.Service) docOpener {
	return func(ctx context.Context, code, _ string) (document.Document, document.Revision, document.File, io.ReadSeekCloser, error) {
		return docs.OpenCurrent(ctx, strings.TrimPrefix(code, "/"))
	}
}

// The acts. Each request struct is decoded from JSON or from the form.

type commentReq struct {
	Comment string `json:"comment"`
}

type submitReq struct {
	Reviewers []string `json:"reviewers"`
}

type reviewReq struct {
	Decision string `json:"decision"`
	Comment  string `json:"comment"`
	Password string `json:"password"`
}

type publishReq struct {
	Password    string `json:"password"`
	EffectiveAt string `json:"effective_at"` // RFC 3339, or a day (yyyy-mm-dd, dd/mm/yyyy); empty for now
}

// ackRes is the API's answer to an acknowledgement.
type ackRes struct {
	OK  bool              `json:"ok"`
	Rev document.Revision `json:"-"`
}

// docActs builds the acts on documents and revisions; routes.go registers
// each on its path. A refused act is shown on the document's page, next to
// its form; a refused register form on the register form.
type docActs struct {
	s    *Server
	docs *document.Service
}

// onDoc shows the refusal of an act on the document :id.
func (da docActs) onDoc(c *gin.Context, status int, err error) error {
	return da.s.renderDocPage(c, da.docs, c.Param("id"), status, err)
}

// onRev shows the refusal of an act on the revision :id on its document's page.
func (da docActs) onRev(c *gin.Context, status int, err error) error {
	d, _, rerr := da.docs.Revision(ctxOf(c), c.Param("id"))
	if rerr != nil {
		return err
	}
	return da.s.renderDocPage(c, da.docs, d.ID, status, err)
}

func docBack(c *gin.Context, d document.Document) string { return "/documents/" + d.ID }
func revBack(c *gin.Context, r document.Revision) string { return "/documents/" + r.DocumentID }

// docAct is an act on the document :id, answered with the document.
func docAct[R any](da docActs, flash string, do func(ctx context.Context, id string, r *R) (document.Document, error)) act[R, document.Document] {
	return act[R, document.Document]{
		Do:   func(c *gin.Context, r *R) (document.Document, error) { return do(ctxOf(c), c.Param("id"), r) },
		Back: docBack, Flash: flash, Refused: da.onDoc,
	}
}

// revAct is an act on the revision :id, answered with the revision.
func revAct[R any](da docActs, flash string, do func(ctx context.Context, id string, r *R) (document.Revision, error)) act[R, document.Revision] {
	return act[R, document.Revision]{
		Do:   func(c *gin.Context, r *R) (document.Revision, error) { return do(ctxOf(c), c.Param("id"), r) },
		Back: revBack, Flash: flash, Refused: da.onRev,
	}
}

// multipartOnly refuses a body that cannot carry files.
func multipartOnly(c *gin.Context) error {
	if !strings.HasPrefix(c.ContentType(), "multipart/") {
		return qms.Errorf(qms.ErrInvalid, "send the files as multipart/form-data")
	}
	return nil
}

func (da docActs) create() act[document.NewDocument, document.Document] {
	return act[document.NewDocument, document.Document]{
		Created: true,
		Do: func(c *gin.Context, r *document.NewDocument) (document.Document, error) {
			return da.docs.Create(ctxOf(c), *r)
		},
		Back: docBack, Flash: "doc.flash.created", Refused: da.s.renderDocNew,
	}
}

// update is the edit form of the register data (POST /ui/documents/:id/edit);
// the API changes them with PUT /api/v1/documents/:id (handleDocUpdate).
func (da docActs) update() act[document.NewDocument, document.Document] {
	return act[document.NewDocument, document.Document]{
		NoAPI: true, Do: docUpdate(da.docs), Back: docBack, Flash: "doc.flash.updated", Refused: da.s.renderDocEdit,
	}
}

func docUpdate(docs *document.Service) func(c *gin.Context, r *document.NewDocument) (document.Document, error) {
	return func(c *gin.Context, r *document.NewDocument) (document.Document, error) {
		return docs.Update(ctxOf(c), c.Param("id"), *r)
	}
}

func handleDocUpdate(docs *document.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var r document.NewDocument
		if err := decode(c, &r); err != nil {
			return err
		}
		d, err := docUpdate(docs)(c, &r)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, d)
	})
}

func (da docActs) newRevision() act[document.NewRevision, document.Revision] {
	return act[document.NewRevision, document.Revision]{
		Upload: true, Created: true,
		Do: func(c *gin.Context, r *document.NewRevision) (document.Revision, error) {
			if err := multipartOnly(c); err != nil {
				return document.Revision{}, err
			}
			return da.docs.CreateRevision(ctxOf(c), c.Param("id"), *r)
		},
		Back: revBack, Flash: "doc.flash.revision", Refused: da.onDoc,
	}
}

func (da docActs) files() act[document.NewFiles, document.Revision] {
	return act[document.NewFiles, document.Revision]{
		Upload: true,
		Do: func(c *gin.Context, r *document.NewFiles) (document.Revision, error) {
			if err := multipartOnly(c); err != nil {
				return document.Revision{}, err
			}
			return da.docs.AddFiles(ctxOf(c), c.Param("id"), *r)
		},
		Back: revBack, Flash: "doc.flash.files", Refused: da.onRev,
	}
}

func (da docActs) withdraw() act[reasonReq, document.Document] {
	return docAct(da, "doc.flash.withdraw", func(ctx context.Context, id string, r *reasonReq) (document.Document, error) {
		return da.docs.Withdraw(ctx, id, r.Reason)
	})
}

func (da docActs) confirmReview() act[commentReq, document.Document] {
	return docAct(da, "doc.flash.confirm_review", func(ctx context.Context, id string, r *commentReq) (document.Document, error) {
		return da.docs.ConfirmReview(ctx, id, r.Comment)
	})
}

func (da docActs) submit() act[submitReq, document.Revision] {
	return revAct(da, "doc.flash.submit", func(ctx context.Context, id string, r *submitReq) (document.Revision, error) {
		return da.docs.Submit(ctx, id, r.Reviewers)
	})
}

func (da docActs) review() act[reviewReq, document.Revision] {
	return revAct(da, "doc.flash.review", func(ctx context.Context, id string, r *reviewReq) (document.Revision, error) {
		return da.docs.Review(ctx, id, r.Decision, r.Comment, r.Password)
	})
}

func (da docActs) approve() act[passwordReq, document.Revision] {
	return revAct(da, "doc.flash.approve", func(ctx context.Context, id string, r *passwordReq) (document.Revision, error) {
		return da.docs.Approve(ctx, id, r.Password)
	})
}

func (da docActs) publish() act[publishReq, document.Revision] {
	return revAct(da, "doc.flash.publish", func(ctx context.Context, id string, r *publishReq) (document.Revision, error) {
		return da.docs.Publish(ctx, id, r.Password, r.EffectiveAt)
	})
}

func (da docActs) discard() act[reasonReq, document.Revision] {
	return revAct(da, "doc.flash.discard", func(ctx context.Context, id string, r *reasonReq) (document.Revision, error) {
		return da.docs.Discard(ctx, id, r.Reason)
	})
}

func (da docActs) acknowledge() act[noBody, ackRes] {
	return act[noBody, ackRes]{
		Do: func(c *gin.Context, _ *noBody) (ackRes, error) {
			r, err := da.docs.Acknowledge(ctxOf(c), c.Param("id"))
			return ackRes{OK: true, Rev: r}, err
		},
		Back:  func(c *gin.Context, r ackRes) string { return revBack(c, r.Rev) },
		Flash: "doc.flash.acknowledge", Refused: da.onRev,
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
