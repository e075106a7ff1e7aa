package web

import (
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
