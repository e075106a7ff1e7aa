package web

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// The one-stop desk: routing a dossier to its competent unit, the desk's
// queue of the day, its hand-over figures.

func handleDossierRoute(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var req process.RouteRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		d, dup, err := p.Route(c.Request.Context(), c.Param("number"), req)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"dossier": d, "duplicate": dup})
	})
}

func handleDeskQueue(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		q, err := p.Queue(c.Request.Context())
		return replyOK(c, q, err)
	})
}

// handleHandovers answers the desk's hand-overs per officer and day
// (from, to: yyyy-mm-dd, office dates; this month by default).
func handleHandovers(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		ctx := c.Request.Context()
		today := workday.DateOf(p.Now(ctx), p.Location())
		from, to := workday.Date{Year: today.Year, Month: today.Month, Day: 1}, today
		fe := qms.FieldErrors{}
		if v := c.Query("from"); v != "" {
			d, err := workday.ParseDate(v)
			if err != nil {
				fe.AddErr("from", err)
			}
			from = d
		}
		if v := c.Query("to"); v != "" {
			d, err := workday.ParseDate(v)
			if err != nil {
				fe.AddErr("to", err)
			}
			to = d
		}
		if err := fe.Err(); err != nil {
			return err
		}
		list, err := p.Handovers(ctx, from, to)
		return replyItems(c, list, err)
	})
}

// handleDossierPaper prints a paper of a dossier (the receipt, the control
// slip) in the reader's language, or the one asked (?lang=vi|en). The PDF
// is a page or two: it is made whole before the answer begins, so a failure
// is answered as an error.
func handleDossierPaper(p *process.Service, kind string) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		lang := c.GetString("lang")
		if l := c.Query("lang"); l == "vi" || l == "en" {
			lang = l
		}
		var buf bytes.Buffer
		number := c.Param("number")
		if err := p.WritePaper(c.Request.Context(), &buf, number, kind, lang); err != nil {
			return err
		}
		name := "giay-tiep-nhan-"
		if kind == process.PaperControlSlip {
			name = "phieu-kiem-soat-"
		}
		c.Header("Content-Disposition", contentDisposition("inline", name+number+".pdf"))
		c.Data(http.StatusOK, "application/pdf", buf.Bytes())
		return nil
	})
}

// The papers' kinds, for routes.go.
const (
	processPaperReceipt     = process.PaperReceipt
	processPaperControlSlip = process.PaperControlSlip
)

func handleNotices(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		list, err := p.Notices(c.Request.Context(), c.Param("number"))
		return replyItems(c, list, err)
	})
}
