package web

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/qms"
)

// scopeRoutes: the QMS scope, the conformity announcement and the
// conversion checklist (ISO 9001 4.3, QĐ 19/2014/QĐ-TTg, QĐ 101/QĐ-BKHCN).
func (s *Server) scopeRoutes() {
	sc := s.Scope
	s.AddTasks(s.scopeTasks(sc))
	a := s.apiGroup("scope", false)
	ui := s.engine.Group("/ui", requireUser)
	a.GET("/scope", "The QMS scope: procedures, units, clauses not applicable, standard, decision, version", h(func(c *gin.Context) error {
		v, err := sc.Scope(ctxOf(c))
		return replyOK(c, v, err)
	}))
	a.PUT("/scope", "A new version of the scope {version, services, units, exclusions, standard, decision_number, decision_date, decision_signer, record_unit} (coordinator); a change of services outdates the announcement", h(func(c *gin.Context) error {
		var r leadership.ScopeIn
		if err := decode(c, &r); err != nil {
			return err
		}
		v, err := sc.SaveScope(ctxOf(c), r)
		return replyOK(c, v, err)
	}))
	a.GET("/scope/announcement", "The conformity announcement: the draft, the effective one, the outdated one and the history", h(func(c *gin.Context) error {
		v, err := sc.Announcements(ctxOf(c))
		return replyOK(c, v, err)
	}))
	a.GET("/scope/announcement.pdf", "The announcement's PDF (id; by default the draft, else the effective one)", s.handleAnnouncementPDF(sc))
	sa := scopeActs{s, sc}
	serve(a, ui, "/scope/announcement", "Draft the conformity announcement from the current scope {place, date} (coordinator)", sa.draft())
	serve(a, ui, "/scope/announcement/sign", "Sign the draft announcement {password} (the head of the agency); it becomes effective and public", sa.sign())
	serve(a, ui, "/scope", "", sa.scopeForm())
	a.GET("/conversion-checklist", "The checklist of the conversion to TCVN ISO 9001:2015 with each item's state", h(func(c *gin.Context) error {
		v, err := sc.Checklist(ctxOf(c))
		return replyItems(c, v, err)
	}))
	a.PUT("/conversion-checklist", "Change items of the checklist {items: [{code, done, note, evidence: [{kind, id}], version}]} (coordinator)", h(func(c *gin.Context) error {
		var r leadership.ConversionIn
		if err := decode(c, &r); err != nil {
			return err
		}
		v, err := sc.SaveChecklist(ctxOf(c), r)
		return replyItems(c, v, err)
	}))
	serve(a, ui, "/conversion-checklist/item", "", sa.itemForm())

	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/scope":      h(s.scopePage(sc)),
		"/conversion": h(s.conversionPage(sc)),
	})
	pub := s.apiGroup("public", true)
	pub.GET("/public/announcement", "The conformity announcement in force, signed by the head of the agency", h(func(c *gin.Context) error {
		v, err := sc.Effective(ctxOf(c))
		return replyOK(c, v, err)
	}))
	s.engine.GET("/public/announcement", s.handlePublicAnnouncement(sc))
	s.engine.GET("/public/announcement.pdf", h(func(c *gin.Context) error {
		ann, rc, err := sc.OpenEffectivePDF(ctxOf(c))
		if err != nil {
			return err
		}
		serveInline(c, "cong-bo-htqlcl-"+ann.Date.String()+".pdf", rc)
		return nil
	}))
}

// scopeActs are the acts of the scope pages and API.
type scopeActs struct {
	s  *Server
	sc *leadership.ScopeService
}

func (sa scopeActs) draft() act[leadership.AnnouncementIn, leadership.Announcement] {
	return act[leadership.AnnouncementIn, leadership.Announcement]{Created: true, Do: with(sa.sc.DraftAnnouncement),
		Back: func(*gin.Context, leadership.Announcement) string { return "/scope#announcement" }, Flash: "scope.flash.drafted",
		Refused: sa.s.procRefused(sa.s.scopePage(sa.sc))}
}

func (sa scopeActs) sign() act[leadership.SignIn, leadership.Announcement] {
	return act[leadership.SignIn, leadership.Announcement]{Do: with(sa.sc.SignAnnouncement),
		Back: func(*gin.Context, leadership.Announcement) string { return "/scope#announcement" }, Flash: "scope.flash.signed",
		Refused: sa.s.procRefused(sa.s.scopePage(sa.sc))}
}

// scopeFormIn is the scope form: the clauses not applicable are lines of
// "clause: justification".
type scopeFormIn struct {
	Version        int      `json:"version"`
	Services       []string `json:"services"`
	Units          []string `json:"units"`
	Exclusions     string   `json:"exclusions"`
	Standard       string   `json:"standard"`
	DecisionNumber string   `json:"decision_number"`
	DecisionDate   string   `json:"decision_date"`
	DecisionSigner string   `json:"decision_signer"`
	RecordUnit     string   `json:"record_unit"`
}

func (sa scopeActs) scopeForm() act[scopeFormIn, leadership.Scope] {
	return act[scopeFormIn, leadership.Scope]{NoAPI: true,
		Do: func(c *gin.Context, r *scopeFormIn) (leadership.Scope, error) {
			day, err := qms.ParseDateField("decision_date", r.DecisionDate)
			if err != nil {
				return leadership.Scope{}, err
			}
			in := leadership.ScopeIn{Version: r.Version, Services: r.Services, Units: r.Units, Standard: r.Standard,
				DecisionNumber: r.DecisionNumber, DecisionDate: day, DecisionSigner: r.DecisionSigner, RecordUnit: r.RecordUnit}
			for _, line := range strings.Split(r.Exclusions, "\n") {
				if strings.TrimSpace(line) == "" {
					continue
				}
				clause, why, _ := strings.Cut(line, ":")
				in.Exclusions = append(in.Exclusions, leadership.Exclusion{Clause: strings.TrimSpace(clause), Justification: strings.TrimSpace(why)})
			}
			return sa.sc.SaveScope(ctxOf(c), in)
		},
		Back: func(*gin.Context, leadership.Scope) string { return "/scope" }, Flash: "scope.flash.saved",
		Refused: sa.s.procRefused(sa.s.scopePage(sa.sc))}
}

// itemFormIn is one item's form of the conversion page: evidence lines of
// "document CODE" or "record ID".
type itemFormIn struct {
	Code     string `json:"code"`
	Done     bool   `json:"done"`
	Note     string `json:"note"`
	Evidence string `json:"evidence"`
	Version  int    `json:"version"`
}

func (sa scopeActs) itemForm() act[itemFormIn, []leadership.ConversionItem] {
	return act[itemFormIn, []leadership.ConversionItem]{NoAPI: true,
		Do: func(c *gin.Context, r *itemFormIn) ([]leadership.ConversionItem, error) {
			it := leadership.ConversionItemIn{Code: r.Code, Done: r.Done, Note: r.Note, Version: r.Version, Evidence: []leadership.EvidenceLink{}}
			for _, line := range strings.Split(r.Evidence, "\n") {
				f := strings.Fields(line)
				if len(f) == 0 {
					continue
				}
				e := leadership.EvidenceLink{Kind: leadership.KindDocument, ID: f[0]}
				if len(f) > 1 {
					e = leadership.EvidenceLink{Kind: f[0], ID: f[1]}
				}
				it.Evidence = append(it.Evidence, e)
			}
			return sa.sc.SaveChecklist(ctxOf(c), leadership.ConversionIn{Items: []leadership.ConversionItemIn{it}})
		},
		Back: func(c *gin.Context, _ []leadership.ConversionItem) string {
			return "/conversion#item-" + c.Request.PostFormValue("code")
		}, Flash: "scope.flash.saved",
		Refused: sa.s.procRefused(sa.s.conversionPage(sa.sc))}
}

// handleAnnouncementPDF answers an announcement's PDF: the one named by
// id, or the draft (a preview marked as a draft), or the effective one.
func (s *Server) handleAnnouncementPDF(sc *leadership.ScopeService) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		id := c.Query("id")
		if id == "" {
			st, err := sc.Announcements(ctxOf(c))
			if err != nil {
				return err
			}
			switch {
			case st.Draft != nil:
				id = st.Draft.ID
			case st.Effective != nil:
				id = st.Effective.ID
			default:
				return qms.Errorf(qms.ErrNotFound, "no conformity announcement is in force")
			}
		}
		ann, rc, err := sc.OpenPDF(ctxOf(c), id)
		if err != nil {
			return err
		}
		serveInline(c, "cong-bo-htqlcl-"+ann.State+"-"+ann.Date.String()+".pdf", rc)
		return nil
	})
}

// serveInline answers a PDF to be shown in the browser, and closes it.
func serveInline(c *gin.Context, name string, rc io.ReadSeekCloser) {
	defer rc.Close()
	c.Header("Content-Type", "application/pdf")
	c.Header("Content-Disposition", contentDisposition("inline", name))
	c.Header("X-Content-Type-Options", "nosniff")
	http.ServeContent(c.Writer, c.Request, "", time.Time{}, rc)
}

// scopeOption is a service or unit offered on the scope form.
type scopeOption struct {
	Code, Name string
	In         bool
}

func (s *Server) scopePage(sc *leadership.ScopeService) handlerFunc {
	return func(c *gin.Context) error {
		ctx := ctxOf(c)
		cur, err := sc.Scope(ctx)
		if err != nil {
			return err
		}
		st, err := sc.Announcements(ctx)
		if err != nil {
			return err
		}
		lang := c.GetString("lang")
		can := sc.Permissions(ctx)
		in := func(list []string, code string) bool {
			for _, x := range list {
				if x == code {
					return true
				}
			}
			return false
		}
		var services, units []scopeOption
		if can.Manage {
			procs, err := s.Process.Procedures(ctx)
			if err != nil {
				return err
			}
			for _, p := range procs {
				services = append(services, scopeOption{Code: p.Code, Name: qms.Text{VI: p.NameVI, EN: p.NameEN}.In(lang), In: in(cur.Services, p.Code)})
			}
		}
		us, err := s.Org.Units(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			units = append(units, scopeOption{Code: u.Code, Name: qms.Text{VI: u.NameVI, EN: u.NameEN}.In(lang), In: in(cur.Units, u.Code)})
		}
		var excl []string
		for _, x := range cur.Exclusions {
			excl = append(excl, x.Clause+": "+x.Justification)
		}
		return s.scopeRender(c, "leadership/scope.html", "scope.title", map[string]any{"Scope": cur, "Ann": st, "Can": can,
			"Services": services, "Units": units, "Exclusions": strings.Join(excl, "\n"),
			"Today": s.Now().In(s.Location).Format("2006-01-02")})
	}
}

func (s *Server) conversionPage(sc *leadership.ScopeService) handlerFunc {
	return func(c *gin.Context) error {
		ctx := ctxOf(c)
		items, err := sc.Checklist(ctx)
		if err != nil {
			return err
		}
		done := 0
		evidence := map[string]string{}
		for _, it := range items {
			if it.Done {
				done++
			}
			var lines []string
			for _, e := range it.Evidence {
				lines = append(lines, e.Kind+" "+e.ID)
			}
			evidence[it.Code] = strings.Join(lines, "\n")
		}
		return s.scopeRender(c, "leadership/scope_conversion.html", "scope.conversion.title", map[string]any{"Items": items,
			"Done": done, "Total": len(items), "Evidence": evidence, "Can": sc.Permissions(ctx)})
	}
}

// scopeRender renders a scope page, with the refusal of a form if any.
func (s *Server) scopeRender(c *gin.Context, name, title string, data map[string]any) error {
	pg, status := s.page(c, title, data), http.StatusOK
	if v, ok := c.Get(refusalKey); ok {
		r := v.(refusal)
		pg.Error, pg.Flash, status = s.refusalText(c, r.err), "", r.status
	}
	s.render(c, status, name, pg)
	return nil
}

// publicAnnouncement is the public page's data: the announcement in force,
// if any.
type publicAnnouncement struct {
	Ann *leadership.Announcement
}

func (s *Server) handlePublicAnnouncement(sc *leadership.ScopeService) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		data := publicAnnouncement{}
		ann, err := sc.Effective(ctxOf(c))
		switch {
		case err == nil:
			data.Ann = &ann
		case qms.KindOf(err) != qms.ErrNotFound:
			return err
		}
		pg := s.publicPageOf(c, "pub.announcement.title", &data)
		s.render(c, http.StatusOK, "public/announcement.html", pg)
		return nil
	})
}

// scopeTasks puts the announcement to make again, and the draft to sign,
// on the home pages of the coordinator and the head of the agency.
func (s *Server) scopeTasks(sc *leadership.ScopeService) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		ts, err := sc.Tasks(ctx, a)
		out := make([]qms.Task, 0, len(ts))
		for _, t := range ts {
			out = append(out, qms.Task{Kind: "announcement-" + t.Kind, Link: "/scope#announcement",
				Title: s.trLang(a.Lang).T("scope.task." + t.Kind)})
		}
		return out, err
	}
}
