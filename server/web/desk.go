package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"

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

// deskReceiveForm is the desk's receipt form: built for speed, the number
// is made when left empty and the receipt time is now unless changed.
type deskReceiveForm struct {
	Number        string `json:"number"`
	Service       string `json:"service"`
	Channel       string `json:"channel"`
	ReturnChannel string `json:"return_channel"`
	ApplicantRef  string `json:"applicant_ref"`
	NotifyEmail   string `json:"notify_email"`
	NotifyPhone   string `json:"notify_phone"`
	ReceivedAt    string `json:"received_at"`
	RoutePending  string `json:"route_pending"`
}

func (pa procActs) deskReceive() act[deskReceiveForm, process.Dossier] {
	return act[deskReceiveForm, process.Dossier]{NoAPI: true,
		Do: func(c *gin.Context, r *deskReceiveForm) (process.Dossier, error) {
			ctx := ctxOf(c)
			now := pa.p.Now(ctx)
			at := now
			if v := strings.TrimSpace(r.ReceivedAt); v != "" {
				t, err := process.ParseTime(v, pa.s.Location)
				if err != nil {
					return process.Dossier{}, qms.Errorf(qms.ErrInvalid, "%s", err.Error())
				}
				at = t
			}
			number := strings.TrimSpace(r.Number)
			if number == "" {
				number = fmt.Sprintf("MC-%s-%04d", now.In(pa.s.Location).Format("060102-150405"), now.Nanosecond()/100000%10000)
			}
			d, _, err := pa.p.CreateDossier(ctx, process.NewDossier{Number: number, Service: r.Service, Channel: r.Channel,
				ReturnChannel: r.ReturnChannel, ApplicantRef: r.ApplicantRef, ReceivedAt: at, NotifyEmail: r.NotifyEmail,
				NotifyPhone: r.NotifyPhone, RoutePending: r.RoutePending == "on" || r.RoutePending == "true"})
			return d, err
		},
		Back:  func(_ *gin.Context, d process.Dossier) string { return "/desk?received=" + url.QueryEscape(d.Number) },
		Flash: "desk.received", Refused: pa.s.procRefused(pa.s.deskPage(pa.p))}
}

// deskService is a service in the desk's picker, with its name folded for
// a search with or without diacritics.
type deskService struct {
	Code, Name, Unit, Fold string
}

// deskPage is the one-stop desk's page: the receipt form and the day's
// queue, with a hand-over button on what is at the desk and a return form
// on what is ready.
func (s *Server) deskPage(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		q, err := p.Queue(ctx)
		if err != nil {
			return err
		}
		all, err := p.AllProcedures(ctx)
		if err != nil {
			return err
		}
		lang := c.GetString("lang")
		svcs := make([]deskService, 0, len(all))
		for _, sv := range all {
			if sv.Active {
				svcs = append(svcs, deskService{Code: sv.Code, Name: sv.Name(lang), Unit: sv.Unit,
					Fold: process.Fold(sv.Code + " " + sv.NameVI + " " + sv.NameEN)})
			}
		}
		now := p.Now(ctx).In(s.Location)
		return s.procPage(c, "process/desk.html", "desk.title", map[string]any{
			"Q": q, "Services": svcs, "Now": now.Format("02/01/2006 15:04"), "Channels": process.Channels,
			"ReturnChannels": process.ReturnChannels, "Received": c.Query("received"),
			"Day": q.Day.Display(),
		})
	}
}
