package web

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
)

// The routing page of the one-stop desk: the dossiers received without a
// competent unit (NĐ 118/2025 as amended by NĐ 309/2026: receipt
// regardless of administrative boundary), oldest first, each with a form
// that routes it. The API twin is POST /api/v1/dossiers/{number}/route
// (desk.go); the form is its own act because the API answers the dossier
// with a duplicate flag.

// deskRouteForm routes one dossier: the competent unit and, when the unit
// received it earlier than now, when (dd/mm/yyyy hh:mm).
type deskRouteForm struct {
	ToUnit string `json:"to_unit"`
	At     string `json:"at"`
	Next   string `json:"next"`
}

func (pa procActs) deskRoute() act[deskRouteForm, process.Dossier] {
	return act[deskRouteForm, process.Dossier]{NoAPI: true,
		Do: func(c *gin.Context, r *deskRouteForm) (process.Dossier, error) {
			in := process.RouteRequest{ToUnit: strings.TrimSpace(r.ToUnit)}
			if v := strings.TrimSpace(r.At); v != "" {
				t, err := process.ParseTime(v, pa.s.Location)
				if err != nil {
					return process.Dossier{}, qms.Errorf(qms.ErrInvalid, "%s", err.Error())
				}
				in.At = t
			}
			d, _, err := pa.p.Route(ctxOf(c), c.Param("number"), in)
			return d, err
		},
		Back: func(c *gin.Context, d process.Dossier) string {
			if c.PostForm("next") == "dossier" {
				return "/dossiers/" + d.Number
			}
			return "/desk/routing"
		},
		Flash: "route.done", Refused: pa.routeRefused}
}

// routeRefused shows the page the routing form came from again with the
// refusal: the routing page for the desk, the dossier's page for others
// (a writer of the competent unit) or when posted from there; the
// refusal alone, on the error page, when the person may read neither.
func (pa procActs) routeRefused(c *gin.Context, status int, err error) error {
	page := pa.s.deskRoutingPage(pa.p)
	if c.PostForm("next") == "dossier" || !pa.p.Permissions(ctxOf(c)).Desk {
		page = pa.s.procDossierPage(pa.p)
	}
	if perr := pa.s.procRefused(page)(c, status, err); perr != nil {
		return err
	}
	return nil
}

// routingRow is a dossier of the routing queue with the unit its service
// names, which the form proposes.
type routingRow struct {
	process.Dossier
	Suggested string
}

// deskRoutingPage lists the dossiers waiting for their competent unit with
// the routing form of each.
func (s *Server) deskRoutingPage(p *process.Service) handlerFunc {
	return func(c *gin.Context) error {
		list, err := p.RoutingQueue(c.Request.Context())
		if err != nil {
			return err
		}
		rows := make([]routingRow, 0, len(list))
		for _, d := range list {
			rows = append(rows, routingRow{Dossier: d, Suggested: d.Unit})
		}
		return s.procPage(c, "process/routing.html", "route.title", map[string]any{
			"Rows": rows, "Now": p.Now(c.Request.Context()).In(s.Location).Format("02/01/2006 15:04"),
		})
	}
}
