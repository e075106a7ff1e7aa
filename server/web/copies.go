package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/qms"
)

// Controlled copies of documents (ISO 9001 7.5.3.2) and the public check
// page a printed copy's QR code opens.
//
// Printing never writes: GET .../controlled-copy.pdf prints an uncontrolled
// copy, or with ?copy=<id> reprints a controlled copy already issued (same
// number). Issuing a numbered copy to a unit's holder is the act POST
// .../copies, logged and in the trail.

// copyRoutes: the copies' API, the copies page of a revision, the list of
// copies to withdraw, and the public check.
func (s *Server) copyRoutes() {
	cp := s.Copies
	api := s.apiGroup("documents", false)
	ui := s.engine.Group("/ui", requireUser)
	api.GET("/revisions/:id/controlled-copy.pdf", "Print a copy of a revision (PDF): uncontrolled, or with copy=<id> a controlled copy already issued (lang)", handleCopyPDF(cp))
	api.GET("/revisions/:id/copies", "The controlled copies of a revision, with those to withdraw", handleCopyList(cp))
	api.GET("/copies/to-withdraw", "Controlled copies still out whose revision is no longer in force", items(cp.ToWithdraw))
	ca := copyActs{s, cp}
	serve(api, ui, "/revisions/:id/copies", "Issue the next numbered controlled copy of the revision in force {unit, holder}", ca.issue())
	serve(api, ui, "/copies/:id/withdraw", "Mark a controlled copy withdrawn", ca.withdraw())

	pub := s.apiGroup("public", true)
	pub.GET("/public/check/:revision", "Whether a revision is in force, superseded (by which, since when) or withdrawn", handleCheckAPI(cp))
	s.engine.GET("/public/check/:revision", s.handleCheckPage(cp))

	s.AddTasks(s.copyTasks(cp))
	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/copies":               h(s.copiesPage(cp)),
		"/revisions/:id/copies": h(s.revCopiesPage(cp)),
	})
}

// copyTasks gives who issues copies a task per controlled copy still out
// of a revision no longer in force: withdraw it.
func (s *Server) copyTasks(cp *document.Copies) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		list, err := cp.ToWithdraw(ctx)
		if err != nil {
			return nil, err
		}
		out := []qms.Task{}
		if len(list) == 0 {
			return out, nil
		}
		units, err := s.Org.Units(ctx)
		if err != nil {
			return nil, err
		}
		names := map[string]string{}
		for _, u := range units {
			names[u.Code] = u.Name(a.Lang)
		}
		for _, c := range list {
			unit := names[c.Unit]
			if unit == "" {
				unit = c.Unit
			}
			out = append(out, qms.Task{Kind: "withdraw_copy", Link: "/copies#copy-" + c.ID,
				Title: s.TLang(a.Lang, "copy.task.withdraw", "No", fmt.Sprintf("%02d", c.No), "Code", c.Code, "Issue", c.IssueLabel(),
					"Unit", unit, "Holder", c.Holder)})
		}
		return out, nil
	}
}

func handleCopyPDF(cp *document.Copies) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		lang := c.GetString("lang")
		if l := c.Query("lang"); l == "vi" || l == "en" {
			lang = l
		}
		// Printing never issues: a request that means to issue a copy is
		// told how, instead of getting an uncontrolled one silently.
		if c.Query("unit") != "" || c.Query("holder") != "" {
			return qms.Errorf(qms.ErrInvalid, "a controlled copy is issued with POST /api/v1/revisions/%s/copies {unit, holder}, then printed with copy=<its id>", c.Param("id"))
		}
		var buf bytes.Buffer
		if err := cp.Print(ctxOf(c), &buf, c.Param("id"), c.Query("copy"), lang); err != nil {
			return err
		}
		c.Header("Content-Disposition", contentDisposition("inline", "ban-sao-"+c.Param("id")+".pdf"))
		c.Data(http.StatusOK, "application/pdf", buf.Bytes())
		return nil
	})
}

func handleCopyList(cp *document.Copies) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		list, err := cp.List(ctxOf(c), c.Param("id"))
		return replyItems(c, list, err)
	})
}

type copyActs struct {
	s  *Server
	cp *document.Copies
}

func (ca copyActs) issue() act[document.IssueRequest, document.Copy] {
	return act[document.IssueRequest, document.Copy]{
		Created: true,
		Do: func(c *gin.Context, r *document.IssueRequest) (document.Copy, error) {
			return ca.cp.Issue(ctxOf(c), c.Param("id"), *r)
		},
		Back: func(_ *gin.Context, cp document.Copy) string {
			return "/revisions/" + cp.RevisionID + "/copies#copy-" + cp.ID
		},
		Flash: "copy.flash.issue",
		Refused: func(c *gin.Context, status int, err error) error {
			return ca.s.renderRevCopies(c, ca.cp, c.Param("id"), status, err)
		},
	}
}

func (ca copyActs) withdraw() act[noBody, document.Copy] {
	return act[noBody, document.Copy]{
		Do: func(c *gin.Context, _ *noBody) (document.Copy, error) {
			return ca.cp.Withdraw(ctxOf(c), c.Param("id"))
		},
		Back:  func(*gin.Context, document.Copy) string { return "/copies" },
		Flash: "copy.flash.withdraw",
	}
}

func (s *Server) copiesPage(cp *document.Copies) handlerFunc {
	return func(c *gin.Context) error {
		list, err := cp.ToWithdraw(ctxOf(c))
		if err != nil {
			return err
		}
		s.render(c, http.StatusOK, "documents/copies.html", s.page(c, "copy.withdraw.title", gin.H{"Items": list}))
		return nil
	}
}

func (s *Server) revCopiesPage(cp *document.Copies) handlerFunc {
	return func(c *gin.Context) error { return s.renderRevCopies(c, cp, c.Param("id"), http.StatusOK, nil) }
}

// renderRevCopies is the copies page of a revision: print an uncontrolled
// copy, issue a controlled one, the copies issued.
func (s *Server) renderRevCopies(c *gin.Context, cp *document.Copies, revID string, status int, refusal error) error {
	ctx := ctxOf(c)
	d, r, err := s.Documents.Revision(ctx, revID)
	if err != nil {
		return err
	}
	list, err := cp.List(ctx, revID)
	if err != nil {
		return err
	}
	canIssue := cp.CanIssue(ctx, d.Unit) && r.Status == document.StatusEffective
	p := s.page(c, "copy.rev.title", gin.H{"Doc": d, "Rev": r, "Items": list, "CanIssue": canIssue,
		"Printable": r.EffectiveAt != nil && !r.Working(), "CheckURL": cp.CheckURL(r.ID)})
	p.Title = d.Code
	if refusal != nil {
		p.Error = s.errorText(c, refusal)
	}
	s.render(c, status, "documents/copies_rev.html", p)
	return nil
}

func handleCheckAPI(cp *document.Copies) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		ch, err := cp.CheckRevision(ctxOf(c), c.Param("revision"))
		return replyOK(c, ch, err)
	})
}

// checkLine is one sentence of the check page in both languages.
type checkLine struct{ VI, EN string }

// handleCheckPage says, in Vietnamese and in English whatever the reader's
// language, whether a revision is in force; an unknown id is the 404 page.
func (s *Server) handleCheckPage(cp *document.Copies) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		ch, err := cp.CheckRevision(ctxOf(c), c.Param("revision"))
		if err != nil {
			return err
		}
		day := func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.In(s.Location).Format("02/01/2006")
		}
		both := func(id string, args ...any) checkLine {
			return checkLine{VI: s.TLang("vi", id, args...), EN: s.TLang("en", id, args...)}
		}
		eff := ch.EffectiveAt
		lines := []checkLine{both("copy.check.doc", "Code", ch.Code, "Title", ch.Title, "Issue", ch.IssueLabel(), "Date", day(&eff))}
		switch ch.State {
		case document.CheckEffective:
			lines = append(lines, both("copy.check.effective"))
		case document.CheckSuperseded:
			if ch.ByIssue != nil {
				lines = append(lines, both("copy.check.superseded.by", "Issue", ch.ByIssueLabel(), "Date", day(ch.SupersededAt)))
			} else {
				lines = append(lines, both("copy.check.superseded", "Date", day(ch.SupersededAt)))
			}
		default:
			when := ch.WithdrawnAt
			if when == nil {
				when = ch.SupersededAt
			}
			lines = append(lines, both("copy.check.withdrawn", "Date", day(when)))
		}
		pg := s.publicPageOf(c, "copy.check.title", gin.H{"Check": ch, "Lines": lines,
			"Title": checkLine{VI: s.TLang("vi", "copy.check.title"), EN: s.TLang("en", "copy.check.title")}})
		pg.Title = strings.TrimSpace(ch.Code + " " + ch.IssueLabel())
		s.render(c, http.StatusOK, "public/check.html", pg)
		return nil
	})
}
