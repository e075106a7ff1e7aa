package leadership

// The input pack of a management review (ISO 9001 9.3.2): a list of section
// builders, each reading the office's live data for the review's period
// through ReviewData. A new input is one entry in reviewSections and, when
// it reads new data, one method of ReviewData.

import (
	"context"
	"io"
	"math"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Pack is the compiled input pack of a review.
type Pack struct {
	ReviewID     string           `json:"review_id"`
	Title        string           `json:"title"`
	HeldOn       workday.Date     `json:"held_on"`
	From         workday.Date     `json:"period_from"`
	To           workday.Date     `json:"period_to"`
	Chair        string           `json:"chair"`
	Participants string           `json:"participants"`
	Unit         string           `json:"unit"`
	CompiledAt   time.Time        `json:"compiled_at"`
	Sections     []Section        `json:"sections"`
	Decisions    []ReviewDecision `json:"decisions"`
	RecordID     string           `json:"record_id,omitempty"`
	ClosedBy     string           `json:"closed_by,omitempty"`
}

// OpenSections lists the keys of the required sections still open.
func (p Pack) OpenSections() []string {
	var out []string
	for _, s := range p.Sections {
		if s.Open {
			out = append(out, s.Key)
		}
	}
	return out
}

// Section is one input of the pack: figures read from the data, and for a
// written section the coordinator's text.
type Section struct {
	Key      string   `json:"key"`    // its title is the message review.section.<key>
	Clause   string   `json:"clause"` // of ISO 9001, e.g. 9.3.2 c)
	Text     bool     `json:"text"`   // the coordinator writes it
	Required bool     `json:"required"`
	Body     string   `json:"body,omitempty"`
	Version  int      `json:"version"` // of the text, for the next write
	Open     bool     `json:"open"`    // required and not written yet
	Figures  []Figure `json:"figures"`
}

// Figure is one line of a section: a label (a message id), what it is
// about (a unit, a name, a text), a value and a link to the data.
type Figure struct {
	Group   string   `json:"group,omitempty"` // message id of the sub-heading it stands under
	Label   string   `json:"label"`           // message id
	Unit    string   `json:"unit,omitempty"`  // a unit it is about (shown by its name)
	Name    qms.Text `json:"name,omitempty"`  // a name it is about, in both languages
	Subject string   `json:"subject,omitempty"`
	Value   *float64 `json:"value"` // nil: no data (or a line without a number)
	Percent bool     `json:"percent,omitempty"`
	Status  string   `json:"status,omitempty"` // message id of a state
	Link    string   `json:"link,omitempty"`
}

// Data the input sections read, for a period (both days inclusive).

// KPIRow is the dossier figures of one unit (or of the office when Unit is
// empty).
type KPIRow struct {
	Unit       string
	Received   int64
	Returned   int64
	OnTime     int64 // returned early or on time
	Late       int64
	Online     int64
	OnTimeRate *float64 // percent of the returned
	Online100  *float64 // online share of the received, percent
}

// ReviewKPIs are the dossiers' figures of a period: the office, each unit,
// and the dossiers received or returned by public post (the external
// provider whose performance the office records).
type ReviewKPIs struct {
	Total  KPIRow
	ByUnit []KPIRow
	Postal KPIRow
}

// IndexGroup is one group of the reform index.
type IndexGroup struct {
	Code   string
	Name   qms.Text
	Points *float64
	Weight float64
}

// ReviewIndex is qmstrack's estimate of the reform index over a period.
type ReviewIndex struct {
	Points, Possible, Max float64
	Groups                []IndexGroup
}

// ReviewObjective is a quality objective whose period meets the review's,
// measured.
type ReviewObjective struct {
	ID, Title, Unit, KPI string
	Value                *float64
	Status               string // on_track (met), off_track (missed), no_data
}

// Count is a number of things of one key.
type Count struct {
	Key string `db:"key"`
	N   int64  `db:"n"`
}

// ReviewNCs are the nonconformities and corrective actions of a period.
type ReviewNCs struct {
	Opened, Closed, ClosedOnTime, OpenAtEnd, Complaints int64
	ByUnit, ByCause, BySource, ByMonth                  []Count
	ActionsDue, ActionsLate, Effective, NotEffective    int64
}

// ReviewAudit is an internal audit of the period with its findings.
type ReviewAudit struct {
	ID, Number, Title, Status                    string
	Nonconformities, Observations, OFIs, Conform int64
}

// ReviewSatisfaction is the citizens' ratings of the dossiers received in
// the period.
type ReviewSatisfaction struct {
	Rated, Satisfied, Dissatisfied int64
}

// ReviewChanges are the changes of the period in the external and internal
// issues (9.3.2 b)): the legal-basis register and the risk register.
type ReviewChanges struct {
	LegalEffective, LegalSuperseded, TasksOpened, TasksClosed, TasksOverdue int64
	RisksAdded, OpportunitiesAdded, RisksClosed                             int64
}

// ReviewRiskActions are the figures of the actions taken on risks and
// opportunities (9.3.2 e)): the risks under treatment, those whose
// residual score is below the inherent one, the actions linked and the
// risks whose review date has passed, at the period's end.
type ReviewRiskActions struct {
	Treated, Reduced, Unchanged, ActionsLinked, ReviewOverdue int64
}

// ReviewData reads the office's figures for the inputs (app wires the
// process, index and store behind it).
type ReviewData interface {
	Changes(ctx context.Context, from, to workday.Date) (ReviewChanges, error)
	RiskActions(ctx context.Context, from, to workday.Date) (ReviewRiskActions, error)
	DossierKPIs(ctx context.Context, from, to workday.Date) (ReviewKPIs, error)
	Index(ctx context.Context, from, to workday.Date) (ReviewIndex, error)
	Objectives(ctx context.Context, from, to workday.Date) ([]ReviewObjective, error)
	NCs(ctx context.Context, from, to workday.Date) (ReviewNCs, error)
	Audits(ctx context.Context, from, to workday.Date) ([]ReviewAudit, error)
	Satisfaction(ctx context.Context, from, to workday.Date) (ReviewSatisfaction, error)
}

// sectionBuilder makes one section of the pack.
type sectionBuilder struct {
	key, clause    string
	text, required bool
	build          func(rv *Reviews, ctx context.Context, r Review, d ReviewData) ([]Figure, error)
}

// reviewSections are the inputs of 9.3.2, in the standard's order.
var reviewSections = []sectionBuilder{
	{key: "previous_actions", clause: "9.3.2 a)", build: (*Reviews).previousActions},
	{key: "changes", clause: "9.3.2 b)", build: (*Reviews).changes},
	{key: "satisfaction", clause: "9.3.2 c) 1)", build: (*Reviews).satisfaction},
	{key: "objectives", clause: "9.3.2 c) 2)", build: (*Reviews).objectives},
	{key: "process_performance", clause: "9.3.2 c) 3)", build: (*Reviews).processPerformance},
	{key: "nonconformities", clause: "9.3.2 c) 4)", build: (*Reviews).nonconformities},
	{key: "audits", clause: "9.3.2 c) 6)", build: (*Reviews).audits},
	{key: "providers", clause: "9.3.2 c) 7)", build: (*Reviews).providers},
	{key: "resources", clause: "9.3.2 d)", text: true, required: true},
	{key: "risk_actions", clause: "9.3.2 e)", build: (*Reviews).riskActions},
	{key: "improvement", clause: "9.3.2 f)", text: true, required: true, build: (*Reviews).improvementLeads},
}

func builderOf(key string) (sectionBuilder, bool) {
	for _, b := range reviewSections {
		if b.key == key {
			return b, true
		}
	}
	return sectionBuilder{}, false
}

// Inputs returns the input pack of a review (review read): compiled from
// the live data while it is open, as frozen at closing once closed.
func (rv *Reviews) Inputs(ctx context.Context, id string) (Pack, error) {
	r, err := rv.Get(ctx, id)
	if err != nil {
		return Pack{}, err
	}
	if r.Pack != nil {
		return *r.Pack, nil
	}
	return rv.compile(ctx, r)
}

// compile builds every section of r's pack.
func (rv *Reviews) compile(ctx context.Context, r Review) (Pack, error) {
	p := Pack{ReviewID: r.ID, Title: r.Title, HeldOn: r.HeldOn, From: r.From, To: r.To, Chair: r.Chair,
		Participants: r.Participants, Unit: r.Unit, CompiledAt: rv.s.o.Now(), Decisions: r.Decisions}
	if p.Decisions == nil {
		p.Decisions = []ReviewDecision{}
	}
	// the sections that read the same figures read them once
	data := &onceData{ReviewData: rv.o.Data}
	for _, b := range reviewSections {
		sec := Section{Key: b.key, Clause: b.clause, Text: b.text, Required: b.required, Figures: []Figure{}}
		if b.text {
			t := r.Texts[b.key]
			sec.Body, sec.Version = t.Body, t.Version
			sec.Open = b.required && t.Body == ""
		}
		if b.build != nil {
			fs, err := b.build(rv, ctx, r, data)
			if err != nil {
				return p, err
			}
			if fs != nil {
				sec.Figures = fs
			}
		}
		p.Sections = append(p.Sections, sec)
	}
	return p, nil
}

func num(n int64) *float64 {
	v := float64(n)
	return &v
}

// share is a/b in percent with two decimals, nil when b is 0.
func share(a, b int64) *float64 {
	if b == 0 {
		return nil
	}
	v := math.Round(float64(a)*10000/float64(b)) / 100
	return &v
}

// previousActions: the decisions of earlier reviews and where they stand.
func (rv *Reviews) previousActions(ctx context.Context, r Review, data ReviewData) ([]Figure, error) {
	ds, err := rv.o.Store.EarlierDecisions(ctx, r.ID, r.HeldOn)
	if err != nil {
		return nil, err
	}
	today := rv.s.today()
	var done, open, late int64
	var lines []Figure
	for _, d := range ds {
		d.mark(today)
		st := "review.status.open"
		switch {
		case d.Done:
			st, done = "review.status.done", done+1
		case d.Overdue:
			st, late, open = "review.status.overdue", late+1, open+1
		default:
			open++
		}
		link := "/management-reviews/" + d.ReviewID
		if d.DirectiveID != "" {
			link = "/directives/" + d.DirectiveID
		}
		f := Figure{Group: "review.fig.previous_list", Label: "review.kind." + d.Kind, Unit: d.Unit,
			Subject: d.Title, Status: st, Link: link}
		if c := d.Change; c != nil {
			// A change to an objective shows the objective with the target
			// (and period) the review gave it.
			f.Label, f.Subject, f.Link = "review.fig.previous_objective", d.Title+" — "+d.ObjectiveTitle, "/objectives"
			if c.ChangesPeriod() {
				f.Subject += " (" + c.From.Display() + " – " + c.To.Display() + ")"
			}
			t := c.OldTarget
			if c.Target != nil {
				t = *c.Target
			}
			f.Value, f.Percent = &t, percentKPIs[d.ObjectiveKPI]
		}
		lines = append(lines, f)
	}
	out := []Figure{
		{Label: "review.fig.previous_total", Value: num(int64(len(ds)))},
		{Label: "review.fig.previous_done", Value: num(done)},
		{Label: "review.fig.previous_open", Value: num(open)},
		{Label: "review.fig.previous_overdue", Value: num(late)},
	}
	return append(out, lines...), nil
}

// changes: the changes of the period in the legal-basis register (bases
// taking effect or superseded, the revision tasks they opened and closed,
// those overdue at the period's end) and in the risk register.
func (rv *Reviews) changes(ctx context.Context, r Review, data ReviewData) ([]Figure, error) {
	c, err := data.Changes(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	return []Figure{
		{Group: "review.fig.legal", Label: "review.fig.legal_effective", Value: num(c.LegalEffective), Link: "/legal-bases"},
		{Group: "review.fig.legal", Label: "review.fig.legal_superseded", Value: num(c.LegalSuperseded), Link: "/legal-bases"},
		{Group: "review.fig.legal", Label: "review.fig.tasks_opened", Value: num(c.TasksOpened), Link: "/legal-bases"},
		{Group: "review.fig.legal", Label: "review.fig.tasks_closed", Value: num(c.TasksClosed), Link: "/legal-bases"},
		{Group: "review.fig.legal", Label: "review.fig.tasks_overdue", Value: num(c.TasksOverdue), Link: "/legal-bases"},
		{Group: "review.fig.risk_register", Label: "review.fig.risks_added", Value: num(c.RisksAdded), Link: "/risks"},
		{Group: "review.fig.risk_register", Label: "review.fig.opportunities_added", Value: num(c.OpportunitiesAdded), Link: "/risks"},
		{Group: "review.fig.risk_register", Label: "review.fig.risks_closed", Value: num(c.RisksClosed), Link: "/risks"},
	}, nil
}

// riskActions: how effective the actions on risks and opportunities were.
func (rv *Reviews) riskActions(ctx context.Context, r Review, data ReviewData) ([]Figure, error) {
	a, err := data.RiskActions(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	return []Figure{
		{Label: "review.fig.risks_treated", Value: num(a.Treated), Link: "/risks"},
		{Label: "review.fig.risks_reduced", Value: num(a.Reduced), Link: "/risks"},
		{Label: "review.fig.risks_reduced_share", Value: share(a.Reduced, a.Treated), Percent: true},
		{Label: "review.fig.risks_unchanged", Value: num(a.Unchanged), Link: "/risks"},
		{Label: "review.fig.risk_actions_linked", Value: num(a.ActionsLinked)},
		{Label: "review.fig.risks_review_overdue", Value: num(a.ReviewOverdue), Link: "/risks"},
	}, nil
}

// satisfaction: the citizens' ratings and the complaints.
func (rv *Reviews) satisfaction(ctx context.Context, r Review, data ReviewData) ([]Figure, error) {
	s, err := data.Satisfaction(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	n, err := data.NCs(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	return []Figure{
		{Label: "review.fig.rated", Value: num(s.Rated), Link: "/dashboard"},
		{Label: "review.fig.satisfied_share", Value: share(s.Satisfied, s.Rated), Percent: true},
		{Label: "review.fig.dissatisfied", Value: num(s.Dissatisfied)},
		{Label: "review.fig.complaints", Value: num(n.Complaints), Link: "/ncs?source=complaint"},
	}, nil
}

// objectives: the quality objectives of the period, met and missed.
func (rv *Reviews) objectives(ctx context.Context, r Review, data ReviewData) ([]Figure, error) {
	os, err := data.Objectives(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	var met, missed, none int64
	var lines []Figure
	for _, o := range os {
		st := "review.status.no_data"
		switch o.Status {
		case "on_track":
			st, met = "review.status.met", met+1
		case "off_track":
			st, missed = "review.status.missed", missed+1
		default:
			none++
		}
		lines = append(lines, Figure{Group: "review.fig.objective_list", Label: "review.fig.objective", Unit: o.Unit, Subject: o.Title,
			Value: o.Value, Percent: o.KPI != "late_count" && o.KPI != "mean_days", Status: st, Link: "/objectives"})
	}
	out := []Figure{
		{Label: "review.fig.objectives_met", Value: num(met), Link: "/objectives"},
		{Label: "review.fig.objectives_missed", Value: num(missed), Link: "/objectives"},
		{Label: "review.fig.objectives_no_data", Value: num(none)},
	}
	return append(out, lines...), nil
}

// processPerformance: the dossiers' KPIs of the office and of each unit,
// and the reform index.
func (rv *Reviews) processPerformance(ctx context.Context, r Review, data ReviewData) ([]Figure, error) {
	k, err := data.DossierKPIs(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	link := "/kpis?from=" + r.From.String() + "&to=" + r.To.String()
	out := []Figure{
		{Label: "review.fig.received", Value: num(k.Total.Received), Link: link},
		{Label: "review.fig.returned", Value: num(k.Total.Returned), Link: link},
		{Label: "review.fig.on_time_rate", Value: k.Total.OnTimeRate, Percent: true, Link: link},
		{Label: "review.fig.late", Value: num(k.Total.Late), Link: "/late-dossiers"},
		{Label: "review.fig.online_share", Value: k.Total.Online100, Percent: true, Link: link},
	}
	for _, u := range k.ByUnit {
		out = append(out, Figure{Group: "review.fig.by_unit", Label: "review.fig.unit_on_time", Unit: u.Unit, Value: u.OnTimeRate, Percent: true,
			Subject: "", Link: link + "&unit=" + u.Unit})
	}
	ix, err := data.Index(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	ilink := "/index766?from=" + r.From.String()[:7] + "&to=" + r.To.String()[:7]
	pts, poss := ix.Points, ix.Possible
	out = append(out, Figure{Group: "review.fig.index", Label: "review.fig.index_points", Value: &pts, Link: ilink},
		Figure{Group: "review.fig.index", Label: "review.fig.index_possible", Value: &poss, Link: ilink})
	for _, g := range ix.Groups {
		out = append(out, Figure{Group: "review.fig.index", Label: "review.fig.index_group", Name: g.Name, Value: g.Points, Link: ilink})
	}
	return out, nil
}

// nonconformities: the NCs and corrective actions of the period, by unit,
// cause, source and month.
func (rv *Reviews) nonconformities(ctx context.Context, r Review, data ReviewData) ([]Figure, error) {
	n, err := data.NCs(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	out := []Figure{
		{Label: "review.fig.nc_opened", Value: num(n.Opened), Link: "/ncs"},
		{Label: "review.fig.nc_closed", Value: num(n.Closed), Link: "/ncs"},
		{Label: "review.fig.nc_closed_on_time", Value: share(n.ClosedOnTime, n.Closed), Percent: true},
		{Label: "review.fig.nc_open_at_end", Value: num(n.OpenAtEnd), Link: "/ncs"},
		{Label: "review.fig.actions_due", Value: num(n.ActionsDue)},
		{Label: "review.fig.actions_late", Value: num(n.ActionsLate)},
		{Label: "review.fig.actions_effective", Value: num(n.Effective)},
		{Label: "review.fig.actions_not_effective", Value: num(n.NotEffective)},
	}
	for _, c := range n.ByUnit {
		out = append(out, Figure{Group: "review.fig.nc_by_unit", Label: "review.fig.nc_unit", Unit: c.Key, Value: num(c.N), Link: "/ncs?unit=" + c.Key})
	}
	for _, c := range n.ByCause {
		out = append(out, Figure{Group: "review.fig.nc_by_cause", Label: "nc.cause." + c.Key, Value: num(c.N)})
	}
	for _, c := range n.BySource {
		out = append(out, Figure{Group: "review.fig.nc_by_source", Label: "nc.source." + c.Key, Value: num(c.N)})
	}
	for _, c := range n.ByMonth {
		// yyyy-mm shown as mm/yyyy, as dates are written
		month := c.Key
		if len(month) == 7 {
			month = month[5:] + "/" + month[:4]
		}
		out = append(out, Figure{Group: "review.fig.nc_by_month", Label: "review.fig.month", Subject: month, Value: num(c.N)})
	}
	return out, nil
}

// audits: the internal audits of the period and their findings.
func (rv *Reviews) audits(ctx context.Context, r Review, data ReviewData) ([]Figure, error) {
	as, err := data.Audits(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	var ncs, obs, ofi int64
	var lines []Figure
	for _, a := range as {
		ncs, obs, ofi = ncs+a.Nonconformities, obs+a.Observations, ofi+a.OFIs
		lines = append(lines, Figure{Group: "review.fig.audit_list", Label: "review.fig.audit", Subject: a.Number + " " + a.Title,
			Value: num(a.Nonconformities), Status: "audits.status." + a.Status, Link: "/audits/" + a.ID})
	}
	out := []Figure{
		{Label: "review.fig.audits", Value: num(int64(len(as))), Link: "/audits"},
		{Label: "review.fig.findings_nc", Value: num(ncs)},
		{Label: "review.fig.findings_obs", Value: num(obs)},
		{Label: "review.fig.findings_ofi", Value: num(ofi)},
	}
	return append(out, lines...), nil
}

// providers: the public postal service, the external provider through
// which dossiers are received and results returned.
func (rv *Reviews) providers(ctx context.Context, r Review, data ReviewData) ([]Figure, error) {
	k, err := data.DossierKPIs(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	return []Figure{
		{Label: "review.fig.postal_received", Value: num(k.Postal.Received)},
		{Label: "review.fig.postal_on_time", Value: k.Postal.OnTimeRate, Percent: true},
	}, nil
}

// improvementLeads: what the data offers the written section on
// opportunities for improvement: the audits' opportunities.
func (rv *Reviews) improvementLeads(ctx context.Context, r Review, data ReviewData) ([]Figure, error) {
	as, err := data.Audits(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	var ofi int64
	for _, a := range as {
		ofi += a.OFIs
	}
	return []Figure{{Label: "review.fig.findings_ofi", Value: num(ofi), Link: "/audits"}}, nil
}

// WritePack prints the input pack of a review as a PDF in lang (review
// read): the frozen pack of a closed review, the live one of an open one.
func (rv *Reviews) WritePack(ctx context.Context, id, lang string, w io.Writer) (Pack, error) {
	p, err := rv.Inputs(ctx, id)
	if err != nil {
		return p, err
	}
	if rv.o.PDF == nil {
		return p, qms.Errorf(qms.ErrState, "no printer of review packs is configured")
	}
	return p, rv.o.PDF.RenderPack(ctx, w, p, lang)
}

// onceData reads each figure of the period once per pack, however many
// sections show it.
type onceData struct {
	ReviewData
	kpis   *ReviewKPIs
	ncs    *ReviewNCs
	audits []ReviewAudit
	read   bool
}

func (o *onceData) DossierKPIs(ctx context.Context, from, to workday.Date) (ReviewKPIs, error) {
	if o.kpis == nil {
		k, err := o.ReviewData.DossierKPIs(ctx, from, to)
		if err != nil {
			return k, err
		}
		o.kpis = &k
	}
	return *o.kpis, nil
}

func (o *onceData) NCs(ctx context.Context, from, to workday.Date) (ReviewNCs, error) {
	if o.ncs == nil {
		n, err := o.ReviewData.NCs(ctx, from, to)
		if err != nil {
			return n, err
		}
		o.ncs = &n
	}
	return *o.ncs, nil
}

func (o *onceData) Audits(ctx context.Context, from, to workday.Date) ([]ReviewAudit, error) {
	if !o.read {
		as, err := o.ReviewData.Audits(ctx, from, to)
		if err != nil {
			return as, err
		}
		o.audits, o.read = as, true
	}
	return o.audits, nil
}
