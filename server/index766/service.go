package index766

import (
	"context"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Permission objects and actions (policies/policy.csv): the index is read
// by who reads the process figures, the published score entered by who
// manages them.
const (
	ObjProcess = "process"
	ActRead    = "read"
	ActManage  = "manage"
)

// AllUnits is the unit of a score published for the whole office.
const AllUnits = "*"

// Options are the service's settings; every field may be left zero but
// the definition.
type Options struct {
	Definition *Definition
	// Clock is the time the rules decide by (the database's, shared by
	// every instance); time.Now when nil.
	Clock    func(ctx context.Context) time.Time
	Location *time.Location // the office's time zone; UTC when nil
}

// Service is the entry point of this capability.
type Service struct {
	store Store
	authz Authorizer
	o     Options
}

// New returns the capability on store.
func New(store Store, authz Authorizer, o Options) *Service {
	if o.Clock == nil {
		o.Clock = func(context.Context) time.Time { return time.Now() }
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	return &Service{store: store, authz: authz, o: o}
}

// Definition is the version of the index in use.
func (s *Service) Definition() *Definition { return s.o.Definition }

// Location is the office's time zone.
func (s *Service) Location() *time.Location { return s.o.Location }

// Groupings of a query.
var Groupings = []string{"", "month", "unit"}

// Query selects the index: units, field, service, the months from..to
// (yyyy-mm; the last 12 months up to the current one by default) and the
// grouping.
type Query struct {
	Unit    string `form:"unit"`
	Field   string `form:"field"`
	Service string `form:"service"`
	From    string `form:"from"`
	To      string `form:"to"`
	By      string `form:"by"`
}

// Result is the index for a query: one scorecard per key.
type Result struct {
	Version  string      `json:"version"`
	Decision string      `json:"decision"`
	From     string      `json:"from"`
	To       string      `json:"to"`
	By       string      `json:"by"`
	Unit     string      `json:"unit,omitempty"`
	Current  string      `json:"current_month"` // its progress counts are as of now
	Items    []Scorecard `json:"items"`
}

var monthRE = regexp.MustCompile(`^(\d{4})-(\d{2})(-\d{2})?$`)

// ParseMonth reads yyyy-mm (or a date yyyy-mm-dd, whose month is taken).
func ParseMonth(s string) (time.Time, error) {
	m := monthRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, qms.Errorf(qms.ErrInvalid, "%q is not a month (yyyy-mm)", s)
	}
	t, err := time.Parse("2006-01", m[1]+"-"+m[2])
	if err != nil {
		return time.Time{}, qms.Errorf(qms.ErrInvalid, "%q is not a month (yyyy-mm)", s)
	}
	return t, nil
}

func monthKey(t time.Time) string { return t.Format("2006-01") }

// Scorecard answers GET /index766: the index of the actor's units.
func (s *Service) Scorecard(ctx context.Context, q Query) (Result, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Result{}, err
	}
	if s.o.Definition == nil {
		return Result{}, qms.Errorf(qms.ErrState, "no index definition is loaded")
	}
	sc := s.authz.Scope(a.UserID, ObjProcess, ActRead)
	if sc.Empty() {
		return Result{}, qms.Errorf(qms.ErrForbidden, "you may not read process figures")
	}
	if q.Unit != "" && !sc.Has(q.Unit) {
		return Result{}, qms.Errorf(qms.ErrForbidden, "you may not read the figures of unit %s", q.Unit)
	}
	found := false
	for _, g := range Groupings {
		found = found || g == q.By
	}
	if !found {
		return Result{}, qms.Errorf(qms.ErrInvalid, "by must be month or unit")
	}
	now := s.o.Clock(ctx)
	cur := time.Date(now.In(s.o.Location).Year(), now.In(s.o.Location).Month(), 1, 0, 0, 0, 0, time.UTC)
	to := cur
	if q.To != "" {
		if to, err = ParseMonth(q.To); err != nil {
			return Result{}, err
		}
		if to.After(cur) {
			to = cur
		}
	}
	from := to.AddDate(0, -11, 0)
	if q.From != "" {
		if from, err = ParseMonth(q.From); err != nil {
			return Result{}, err
		}
	}
	if from.After(to) {
		return Result{}, qms.Errorf(qms.ErrInvalid, "from must not be after to")
	}
	if to.Sub(from) > 10*366*24*time.Hour {
		return Result{}, qms.Errorf(qms.ErrInvalid, "the period is too long (at most 10 years)")
	}
	f := Filter{Scope: sc, Unit: q.Unit, Field: q.Field, Service: q.Service, ByUnit: q.By == "unit"}
	if f.Unit == "" && !sc.All && len(sc.Units) == 1 {
		f.Unit = sc.Units[0]
	}
	rows, err := s.store.MonthCounts(ctx, f, to.Format("2006-01-02"))
	if err != nil {
		return Result{}, err
	}
	isCur := to.Equal(cur)
	var overdue map[string]int64
	if isCur {
		if overdue, err = s.store.RunningOverdue(ctx, f, now); err != nil {
			return Result{}, err
		}
	}
	res := Result{Version: s.o.Definition.Version, Decision: s.o.Definition.Decision, From: monthKey(from), To: monthKey(to),
		By: q.By, Unit: q.Unit, Current: monthKey(cur), Items: []Scorecard{}}
	switch q.By {
	case "month":
		for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
			k := monthKey(m)
			var od map[string]int64
			if m.Equal(cur) {
				od = overdue
			}
			t := tallies(rows, k, k, m.Equal(cur), od)[""]
			if t == nil {
				t = Tally{}
			}
			card := Score(s.o.Definition, t)
			card.Key, card.From, card.To = k, k, k
			res.Items = append(res.Items, card)
		}
	default:
		ts := tallies(rows, res.From, res.To, isCur, overdue)
		keys := make([]string, 0, len(ts))
		for k := range ts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if q.By == "" && len(keys) == 0 {
			keys = []string{""}
			ts[""] = Tally{}
		}
		for _, k := range keys {
			card := Score(s.o.Definition, ts[k])
			card.Key, card.From, card.To = k, res.From, res.To
			res.Items = append(res.Items, card)
		}
	}
	return res, s.attachPublished(ctx, &res, sc)
}

// attachPublished puts the published score beside each one-month
// scorecard of one unit (or of the whole office) with the difference.
func (s *Service) attachPublished(ctx context.Context, res *Result, sc qms.Scope) error {
	unitOf := func(c Scorecard) string {
		switch {
		case res.By == "unit":
			return c.Key
		case res.Unit != "":
			return res.Unit
		case sc.All:
			return AllUnits
		case len(sc.Units) == 1:
			return sc.Units[0]
		}
		return ""
	}
	units := map[string]bool{}
	for _, c := range res.Items {
		if c.From == c.To {
			if u := unitOf(c); u != "" {
				units[u] = true
			}
		}
	}
	if len(units) == 0 {
		return nil
	}
	list := make([]string, 0, len(units))
	for u := range units {
		list = append(list, u)
	}
	pubs, err := s.store.Published(ctx, res.From, res.To, list)
	if err != nil {
		return err
	}
	byKey := map[string]Published{}
	for _, p := range pubs {
		byKey[p.Month+"|"+p.Unit] = p
	}
	for i := range res.Items {
		c := &res.Items[i]
		if c.From != c.To {
			continue
		}
		if p, ok := byKey[c.From+"|"+unitOf(*c)]; ok {
			p := p
			c.Published = &p
			d := round2(c.Points - p.Score)
			c.Difference = &d
		}
	}
	return nil
}

// PublishedIn is what the office enters for a month: the unit ("*" for
// the whole office), the score the national portal published, a note.
type PublishedIn struct {
	Unit  string   `json:"unit" form:"unit"`
	Score *float64 `json:"score" form:"score"`
	Note  string   `json:"note" form:"note"`
}

// SetPublished records the score the national portal published for a
// month (PUT /index766/published/{yyyy-mm}); entering it again replaces it.
func (s *Service) SetPublished(ctx context.Context, month string, in PublishedIn) (Published, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Published{}, err
	}
	fe := qms.FieldErrors{}
	m, err := ParseMonth(month)
	if err != nil || len(strings.TrimSpace(month)) != 7 {
		fe.Add("month", "a month yyyy-mm")
	}
	in.Unit = strings.TrimSpace(in.Unit)
	if in.Unit == "" {
		in.Unit = AllUnits
	}
	if in.Unit != AllUnits && !qms.ValidUnitCode(in.Unit) {
		fe.Add("unit", "a unit code, or * for the whole office")
	}
	if in.Score == nil || math.IsNaN(*in.Score) || *in.Score < 0 || *in.Score > 100 {
		fe.Add("score", "a number from 0 to 100")
	}
	note, err := qms.CleanText("note", in.Note, 500, false, true)
	if err != nil {
		fe.AddErr("note", err)
	}
	if err := fe.Err(); err != nil {
		return Published{}, err
	}
	cur := s.o.Clock(ctx).In(s.o.Location)
	if m.After(time.Date(cur.Year(), cur.Month(), 1, 0, 0, 0, 0, time.UTC)) {
		return Published{}, qms.Errorf(qms.ErrInvalid, "month %s has not begun", monthKey(m))
	}
	if !s.authz.Can(a.UserID, in.Unit, ObjProcess, ActManage) {
		return Published{}, qms.Errorf(qms.ErrForbidden, "you may not enter the published score of unit %s", in.Unit)
	}
	p := Published{Month: monthKey(m), Unit: in.Unit, Score: round2(*in.Score), Note: note, EnteredBy: a.Login}
	ev := trail.NewEvent(ctx, "index766.published", "index766_published", p.Month+"/"+p.Unit, in.Unit,
		map[string]any{"month": p.Month, "unit": p.Unit, "score": p.Score, "note": p.Note})
	return s.store.SavePublished(ctx, p, ev)
}
