package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	qrcode "github.com/piglig/go-qr"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
)

// Office is the office's identity (QMS_OFFICE_*): its name in the header
// of every page, on printouts, on the public page and the kiosk.
type Office struct {
	NameVI     string
	NameEN     string
	Address    string
	Emblem     []byte // an image, served at /public/emblem
	EmblemType string
}

// Name is the office's name in lang, "" when none is configured.
func (o *Office) Name(lang string) string {
	if o == nil {
		return ""
	}
	return qms.Text{VI: o.NameVI, EN: o.NameEN}.In(lang)
}

// HasEmblem reports whether an emblem image is configured.
func (o *Office) HasEmblem() bool { return o != nil && len(o.Emblem) > 0 }

// The public figures settings (QMS_PUBLIC_FIGURES).
const (
	FiguresNone   = "none"
	FiguresOffice = "office"
	FiguresFields = "fields"
)

// publicPerPage is how many procedures one page of the catalogue lists;
// kioskPerScreen how many one screen of the kiosk shows.
const (
	publicPerPage  = 50
	kioskPerScreen = 6
)

// publicRoutes: the office's public page, the procedures' pages, the
// status lookup and the notice-board kiosk; no sign-in, no cookie set.
func (s *Server) publicRoutes() {
	p, docs := s.Process, s.Documents
	pub := s.apiGroup("public", true)
	pub.GET("/public/services", "The catalogue of administrative procedures for the public (q without accents, field)", s.handlePublicServices(p, docs))
	pub.GET("/public/services/*code", "One procedure for the public: time limit, fee, papers, legal basis, forms, procedure document", s.handlePublicService(p, docs))
	pub.GET("/public/dossiers/:number", "A dossier's status by the code on its receipt (code); wrong codes are throttled", s.handlePublicDossier(p))
	e := s.engine
	e.GET("/public", s.handlePublicPage(p, docs))
	e.GET("/public/services/*code", s.handlePublicServicePage(p, docs))
	e.GET("/public/lookup", s.handleLookupPage(p))
	e.GET("/public/kiosk", s.handleKiosk(p))
	e.GET("/public/emblem", s.handleEmblem())
}

// PublicFile is a controlled document the public may download: the file of
// its effective revision in the public register.
type PublicFile struct {
	Code     string `json:"code"`
	Title    string `json:"title"`
	Issue    int    `json:"issue"`
	FileName string `json:"file_name,omitempty"`
	URL      string `json:"url,omitempty"`
}

// PublicService is a procedure as the public reads it; forms and the
// procedure document that are not public are left out.
type PublicService struct {
	Code         string       `json:"code"`
	NameVI       string       `json:"name_vi"`
	NameEN       string       `json:"name_en"`
	Field        string       `json:"field"`
	Days         int          `json:"days"`
	HasFee       bool         `json:"has_fee"`
	FeeAmount    *int64       `json:"fee_amount,omitempty"`
	FeeVI        string       `json:"fee_vi"`
	FeeEN        string       `json:"fee_en"`
	Papers       []qms.Text   `json:"papers"`
	LegalBasisVI string       `json:"legal_basis_vi"`
	LegalBasisEN string       `json:"legal_basis_en"`
	Forms        []PublicFile `json:"forms"`
	Document     *PublicFile  `json:"document,omitempty"`
	URL          string       `json:"url"`
}

// Name is the procedure's name in lang.
func (p PublicService) Name(lang string) string { return qms.Text{VI: p.NameVI, EN: p.NameEN}.In(lang) }

// Fee is the fee's text in lang.
func (p PublicService) Fee(lang string) string { return qms.Text{VI: p.FeeVI, EN: p.FeeEN}.In(lang) }

// FeeAmountText is the fee's amount with dots between thousands, as
// Vietnamese write it (1.000.000), "" when the fee has no single amount.
func (p PublicService) FeeAmountText() string {
	if p.FeeAmount == nil {
		return ""
	}
	d := strconv.FormatInt(*p.FeeAmount, 10)
	var b strings.Builder
	for i, r := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// LegalBasis is the legal basis in lang.
func (p PublicService) LegalBasis(lang string) string {
	return qms.Text{VI: p.LegalBasisVI, EN: p.LegalBasisEN}.In(lang)
}

// publicDocs maps the codes of the public register to their files.
func publicDocs(ctx context.Context, docs *document.Service) (map[string]PublicFile, error) {
	list, err := docs.PublicList(ctx)
	if err != nil {
		return nil, err
	}
	return publicFiles(list), nil
}

func publicFiles(list []document.PublicEntry) map[string]PublicFile {
	m := make(map[string]PublicFile, len(list))
	for _, e := range list {
		f := PublicFile{Code: e.Code, Title: e.Title, Issue: e.Issue, URL: e.URL}
		if e.FileName != nil {
			f.FileName = *e.FileName
		}
		m[e.Code] = f
	}
	return m
}

// publicServicePath is the public page of a procedure.
func publicServicePath(code string) string {
	return "/public/services/" + (&url.URL{Path: code}).EscapedPath()
}

func toPublic(svc process.Procedure, docs map[string]PublicFile) PublicService {
	out := PublicService{Code: svc.Code, NameVI: svc.NameVI, NameEN: svc.NameEN, Field: svc.Field, Days: svc.Days,
		HasFee: svc.HasFee, FeeAmount: svc.FeeAmount, FeeVI: svc.FeeVI, FeeEN: svc.FeeEN, Papers: svc.Papers,
		LegalBasisVI: svc.LegalBasisVI, LegalBasisEN: svc.LegalBasisEN, Forms: []PublicFile{}, URL: publicServicePath(svc.Code)}
	if out.Papers == nil {
		out.Papers = []qms.Text{}
	}
	for _, code := range svc.Forms {
		if f, ok := docs[code]; ok {
			out.Forms = append(out.Forms, f)
		}
	}
	if f, ok := docs[svc.Document]; ok && svc.Document != "" {
		out.Document = &f
	}
	return out
}

// publicCatalog is the catalogue matching q and field, for the public.
func publicCatalog(ctx context.Context, p *process.Service, docs *document.Service, q, field string) ([]PublicService, error) {
	list, err := p.PublicServices(ctx, q, field)
	if err != nil {
		return nil, err
	}
	dm, err := publicDocs(ctx, docs)
	if err != nil {
		return nil, err
	}
	out := make([]PublicService, 0, len(list))
	for _, svc := range list {
		out = append(out, toPublic(svc, dm))
	}
	return out, nil
}

func publicOne(ctx context.Context, p *process.Service, docs *document.Service, code string) (PublicService, error) {
	svc, err := p.PublicService(ctx, strings.TrimPrefix(code, "/"))
	if err != nil {
		return PublicService{}, err
	}
	dm, err := publicDocs(ctx, docs)
	if err != nil {
		return PublicService{}, err
	}
	return toPublic(svc, dm), nil
}

func (s *Server) handlePublicServices(p *process.Service, docs *document.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		list, err := publicCatalog(ctxOf(c), p, docs, c.Query("q"), c.Query("field"))
		return replyItems(c, list, err)
	})
}

func (s *Server) handlePublicService(p *process.Service, docs *document.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		svc, err := publicOne(ctxOf(c), p, docs, c.Param("code"))
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, svc)
	})
}

func (s *Server) handlePublicDossier(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		d, err := p.LookupDossier(ctxOf(c), c.Param("number"), c.Query("code"), c.ClientIP())
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, d)
	})
}

// fieldGroup is one field's part of a list of procedures.
type fieldGroup struct {
	Field    string
	Services []PublicService
}

func groupByField(list []PublicService) []fieldGroup {
	var out []fieldGroup
	for _, svc := range list {
		if len(out) == 0 || out[len(out)-1].Field != svc.Field {
			out = append(out, fieldGroup{Field: svc.Field})
		}
		g := &out[len(out)-1]
		g.Services = append(g.Services, svc)
	}
	return out
}

// publicFigures are the on-time figures the office publishes.
type publicFigures struct {
	From, To time.Time
	Office   *process.KPI
	Fields   []process.KPI
}

// figuresTTL is how long an instance shows the figures it computed: they
// sum months of dossiers (over 100 ms with 100,000 of them), and a figure
// published for the public may be a few minutes old.
const figuresTTL = 5 * time.Minute

// figuresCache holds the last figures computed and when.
type figuresCache struct {
	mu  sync.Mutex
	at  time.Time
	val *publicFigures
}

func (s *Server) publicFigures(ctx context.Context, p *process.Service) (*publicFigures, error) {
	if s.PublicFigures == "" || s.PublicFigures == FiguresNone {
		return nil, nil
	}
	now := s.Now()
	s.figures.mu.Lock()
	defer s.figures.mu.Unlock()
	if s.figures.val != nil && now.Sub(s.figures.at) < figuresTTL && now.After(s.figures.at) {
		return s.figures.val, nil
	}
	f, err := s.computeFigures(ctx, p)
	if err != nil {
		return nil, err
	}
	s.figures.at, s.figures.val = now, f
	return f, nil
}

func (s *Server) computeFigures(ctx context.Context, p *process.Service) (*publicFigures, error) {
	months := s.PublicFiguresMonths
	if months <= 0 {
		months = 12
	}
	rows, from, to, err := p.PublicFigures(ctx, false, months)
	if err != nil {
		return nil, err
	}
	f := &publicFigures{From: from.In(s.Location), To: to.In(s.Location)}
	if len(rows) > 0 {
		f.Office = &rows[0]
	}
	if s.PublicFigures == FiguresFields {
		if f.Fields, _, _, err = p.PublicFigures(ctx, true, months); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// publicPage is the public page's data.
type publicPage struct {
	Q, Field  string
	Fields    []string
	Groups    []fieldGroup
	Total     int
	Page      int
	Pages     int
	PrevURL   string
	NextURL   string
	Figures   *publicFigures
	Documents []publicUnit
}

func (s *Server) handlePublicPage(p *process.Service, docs *document.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		ctx := ctxOf(c)
		q, field := c.Query("q"), c.Query("field")
		found, fields, err := p.PublicSearch(ctx, q, field)
		if err != nil {
			return err
		}
		entries, err := docs.PublicList(ctx)
		if err != nil {
			return err
		}
		dm := publicFiles(entries)
		data := publicPage{Q: q, Field: field, Fields: fields, Total: len(found), Page: 1}
		data.Pages = (len(found) + publicPerPage - 1) / publicPerPage
		if n, err := strconv.Atoi(c.Query("page")); err == nil && n > 1 && n <= data.Pages {
			data.Page = n
		}
		start := (data.Page - 1) * publicPerPage
		shown := make([]PublicService, 0, publicPerPage)
		for _, svc := range found[start:min(start+publicPerPage, len(found))] {
			shown = append(shown, toPublic(svc, dm))
		}
		data.Groups = groupByField(shown)
		pageURL := func(n int) string {
			v := url.Values{}
			if q != "" {
				v.Set("q", q)
			}
			if field != "" {
				v.Set("field", field)
			}
			v.Set("page", strconv.Itoa(n))
			return "/public?" + v.Encode()
		}
		if data.Page > 1 {
			data.PrevURL = pageURL(data.Page - 1)
		}
		if data.Page < data.Pages {
			data.NextURL = pageURL(data.Page + 1)
		}
		if data.Figures, err = s.publicFigures(ctx, p); err != nil {
			return err
		}
		for _, e := range entries {
			name := qms.Text{VI: e.UnitNameVI, EN: e.UnitNameEN}.In(c.GetString("lang"))
			if len(data.Documents) == 0 || data.Documents[len(data.Documents)-1].Unit != e.Unit {
				data.Documents = append(data.Documents, publicUnit{Unit: e.Unit, Name: name})
			}
			g := &data.Documents[len(data.Documents)-1]
			g.Entries = append(g.Entries, e)
		}
		s.render(c, http.StatusOK, "public/index.html", s.publicPageOf(c, "pub.title", data))
		return nil
	})
}

// publicPageOf is the Page of a public page: no flash is read (taking
// one would set a cookie) and no navigation is built.
func (s *Server) publicPageOf(c *gin.Context, title string, data any) *Page {
	p := &Page{Lang: c.GetString("lang"), Title: title, Data: data, views: s.views, CSRF: c.GetString("csrf"), Path: c.Request.URL.Path, Office: &s.Office}
	if a, ok := qms.ActorFrom(c.Request.Context()); ok {
		p.User = &a
	}
	return p
}

func (s *Server) handlePublicServicePage(p *process.Service, docs *document.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		svc, err := publicOne(ctxOf(c), p, docs, c.Param("code"))
		if err != nil {
			return err
		}
		pg := s.publicPageOf(c, "pub.service.title", svc)
		pg.Title = svc.Code
		s.render(c, http.StatusOK, "public/service.html", pg)
		return nil
	})
}

// lookupPage is the status lookup's data: the form's values, and the
// dossier or the refusal.
type lookupPage struct {
	Number, Code string
	Dossier      *process.PublicDossier
}

func (s *Server) handleLookupPage(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		data := lookupPage{Number: c.Query("number"), Code: c.Query("code")}
		status := http.StatusOK
		pg := s.publicPageOf(c, "pub.lookup.title", &data)
		if data.Number != "" || data.Code != "" {
			d, err := p.LookupDossier(ctxOf(c), data.Number, data.Code, c.ClientIP())
			if err != nil {
				st, _ := statusOf(err)
				if st == http.StatusInternalServerError || st == http.StatusServiceUnavailable {
					return err
				}
				status, pg.Error = st, s.errorText(c, err)
			} else {
				data.Dossier = &d
			}
		}
		pg.Status = status
		s.render(c, status, "public/lookup.html", pg)
		return nil
	})
}

// kioskScreen is one screen of the kiosk: some procedures of one field.
type kioskScreen struct {
	Field    string
	Part     int // 1-based, of Parts of the field
	Parts    int
	Services []kioskService
	Next     string
	Seconds  int
	Now      time.Time
}

type kioskService struct {
	PublicService
	QR template.HTML
}

// handleKiosk serves the notice-board screen: one field's procedures at a
// time with a QR code to each one's page, moving on to the next screen by
// itself (a refresh, no script), without sign-in and without a cookie.
func (s *Server) handleKiosk(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		ctx := ctxOf(c)
		list, err := p.PublicServices(ctx, "", c.Query("field"))
		if err != nil {
			return err
		}
		type ref struct {
			field      string
			from, to   int
			part, want int
		}
		var screens []ref
		for i := 0; i < len(list); {
			j := i
			for j < len(list) && list[j].Field == list[i].Field {
				j++
			}
			parts := (j - i + kioskPerScreen - 1) / kioskPerScreen
			for k := 0; k < parts; k++ {
				screens = append(screens, ref{field: list[i].Field, from: i + k*kioskPerScreen, to: min(i+(k+1)*kioskPerScreen, j), part: k + 1, want: parts})
			}
			i = j
		}
		seconds := s.KioskSeconds
		if seconds <= 0 {
			seconds = 20
		}
		scr := kioskScreen{Seconds: seconds, Now: s.Process.Now(ctx).In(s.Location)}
		if len(screens) > 0 {
			n, _ := strconv.Atoi(c.Query("s"))
			if n < 0 || n >= len(screens) {
				n = 0
			}
			r := screens[n]
			scr.Field, scr.Part, scr.Parts = r.field, r.part, r.want
			v := url.Values{"s": {strconv.Itoa((n + 1) % len(screens))}}
			if f := c.Query("field"); f != "" {
				v.Set("field", f)
			}
			scr.Next = "/public/kiosk?" + v.Encode()
			for _, svc := range list[r.from:r.to] {
				ps := toPublic(svc, nil)
				qr, err := s.qrSVG(strings.TrimRight(s.BaseURL, "/") + ps.URL)
				if err != nil {
					return err
				}
				scr.Services = append(scr.Services, kioskService{PublicService: ps, QR: qr})
			}
		} else {
			scr.Next = "/public/kiosk"
		}
		pg := s.publicPageOf(c, "pub.kiosk.title", scr)
		t, ok := s.views.pages["public/kiosk.html"]
		if !ok {
			return fmt.Errorf("no template public/kiosk.html")
		}
		var b strings.Builder
		if err := t.ExecuteTemplate(&b, "kiosk", pg); err != nil {
			return fmt.Errorf("render kiosk: %w", err)
		}
		c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'none'; frame-ancestors 'none'; base-uri 'self'")
		c.Header("Cache-Control", "no-store")
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(b.String()))
		return nil
	})
}

// qrCache keeps the SVG of the QR codes drawn, by text: the kiosk draws
// the same few hundred again on every screen. Bounded: it starts afresh
// when full.
type qrCache struct {
	mu sync.Mutex
	m  map[string]template.HTML
}

const qrCacheMax = 5000

// qrSVG draws text as a QR code (error correction M) in SVG.
func (s *Server) qrSVG(text string) (template.HTML, error) {
	s.qr.mu.Lock()
	if v, ok := s.qr.m[text]; ok {
		s.qr.mu.Unlock()
		return v, nil
	}
	s.qr.mu.Unlock()
	q, err := qrcode.EncodeText(text, qrcode.Medium)
	if err != nil {
		return "", err
	}
	n, border := q.Size(), 4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" class="qr" role="img" shape-rendering="crispEdges"><rect width="100%%" height="100%%" fill="#fff"/><path fill="#000" d="`, n+2*border, n+2*border)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if q.Module(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+border, y+border)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	v := template.HTML(b.String()) // built here from numbers only
	s.qr.mu.Lock()
	if s.qr.m == nil || len(s.qr.m) >= qrCacheMax {
		s.qr.m = map[string]template.HTML{}
	}
	s.qr.m[text] = v
	s.qr.mu.Unlock()
	return v, nil
}

// handleEmblem serves the office's emblem image; an SVG may hold no
// script that runs (its own Content-Security-Policy).
func (s *Server) handleEmblem() gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		if !s.Office.HasEmblem() {
			return qms.Errorf(qms.ErrNotFound, "no such page")
		}
		c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
		c.Header("Cache-Control", "public, max-age=3600")
		c.Data(http.StatusOK, s.Office.EmblemType, s.Office.Emblem)
		return nil
	})
}
