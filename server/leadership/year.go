package leadership

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// The QMS year: the chairman or the coordinator closes a year in one act
// (one transaction) that carries its quality objectives (with new targets
// where given, the others kept), its audit programme (each audit planned
// again a year later, with its team and checklist) and its open items
// (nonconformities, corrective actions and directives still open, which
// stay open and are referenced in the new year) into the next year, with
// the review schedule: the yearly management review due in the new year (a
// year after the last closed review, as review_schedule.go counts it; by
// 31/12 of the new year when none closed yet), recorded with the act. The
// closed year is then read-only: the database refuses any write to its
// objectives and audits (migration 00077), answered with a message id. A
// year is closed once.

// Permissions on the QMS year, asked in every unit ("*"): the chairman (a
// head of "*") and the coordinator close a year; who may close or read sees
// the closed years.
const (
	ObjQMSYear   = "qms_year"
	actCloseYear = "close"
	actReadYear  = "read"
)

// Kinds of what a closed year carries.
const (
	CarryObjective = "objective"
	CarryAudit     = "audit"
	CarryNC        = "nc"
	CarryAction    = "action"
	CarryDirective = "directive"
)

// Targets are new targets of objectives by id. In a form they are written
// one per line as "id=target" (a decimal comma is read as a point).
type Targets map[string]float64

// UnmarshalJSON reads an object {id: target}, or the text of a form.
func (t *Targets) UnmarshalJSON(b []byte) error {
	var m map[string]float64
	if err := json.Unmarshal(b, &m); err == nil {
		*t = m
		return nil
	}
	var text string
	if err := json.Unmarshal(b, &text); err != nil {
		return qms.Errorf(qms.ErrInvalid, "targets is an object of objective ids and new targets")
	}
	return t.UnmarshalText([]byte(text))
}

// UnmarshalText reads one "id=target" per line.
func (t *Targets) UnmarshalText(b []byte) error {
	out := Targets{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		id, v, ok := strings.Cut(line, "=")
		f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(v), ",", "."), 64)
		if !ok || err != nil {
			return qms.Errorf(qms.ErrInvalid, "write each new target as id=target on its own line")
		}
		out[strings.TrimSpace(id)] = f
	}
	*t = out
	return nil
}

// NewYear is the input of CloseYear.
type NewYear struct {
	// Year is the year closed; its objectives and audits are carried into Year+1.
	Year int `json:"year"`
	// Targets are the new targets of some of the year's objectives; the others keep theirs.
	Targets Targets `json:"targets"`
}

// YearObjective is an objective of the year closed, as the act decides on it.
type YearObjective struct {
	ID     string  `db:"id"`
	Title  string  `db:"title"`
	KPI    string  `db:"kpi"`
	Target float64 `db:"target"`
}

// YearItem is one thing a closed year carried: the objective or audit it
// became (To), or an open item referenced in the new year.
type YearItem struct {
	Kind  string  `json:"kind" db:"kind"`
	From  string  `json:"from_id" db:"from_id"`
	To    *string `json:"to_id,omitempty" db:"to_id"`
	Label string  `json:"label" db:"label"`
	Unit  string  `json:"unit" db:"unit"`
}

// ClosedYear is a closed QMS year and what it carried.
type ClosedYear struct {
	Year       int            `json:"year" db:"year"`
	Next       int            `json:"next_year" db:"-"`
	ClosedAt   time.Time      `json:"closed_at" db:"closed_at"`
	ClosedBy   string         `json:"closed_by" db:"closed_by"`
	ClosedName string         `json:"closed_by_name" db:"closed_by_name"`
	Carried    map[string]int `json:"carried" db:"-"`
	Items      []YearItem     `json:"items" db:"-"`
	// ReviewDue is when the yearly management review is due in the new
	// year, as the act carried it; ReviewLast the closed review it counts
	// from (empty when none had closed).
	ReviewDue  workday.Date `json:"review_due" db:"-"`
	ReviewLast string       `json:"review_last,omitempty" db:"-"`
}

// Count is the number carried of a kind.
func (y ClosedYear) Count(kind string) int { return y.Carried[kind] }

// YearStore is what the QMS year needs from the database.
type YearStore interface {
	// CloseYear closes year in one transaction: it refuses a year closed
	// already (ErrState), reads the year's objectives and asks decide for
	// their targets (decide's refusal writes nothing), carries objectives,
	// audits and open items into year+1, records the management review due
	// in year+1, and appends the event ev makes of what was carried.
	CloseYear(ctx context.Context, year int, userID, login string, decide func([]YearObjective) (map[string]float64, error),
		ev func(ClosedYear) trail.Event) (ClosedYear, error)
	ClosedYears(ctx context.Context) ([]ClosedYear, error)
	ClosedYear(ctx context.Context, year int) (ClosedYear, error)
}

// Years is the QMS year of the leadership.
type Years struct {
	store YearStore
	authz Authorizer
	now   func() time.Time
	loc   *time.Location
}

// NewYears returns the QMS year on store; now and loc decide the current
// year (time.Now and UTC when nil).
func NewYears(store YearStore, authz Authorizer, now func() time.Time, loc *time.Location) *Years {
	if now == nil {
		now = time.Now
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Years{store: store, authz: authz, now: now, loc: loc}
}

// percentKPIs are the objectives' KPIs measured in percent (process.Objective).
var percentKPIs = map[string]bool{"on_time_rate": true, "early_rate": true, "online_share": true, "postal_share": true}

// CloseYear closes a QMS year and opens the next (see the top of this file).
func (y *Years) CloseYear(ctx context.Context, r NewYear) (ClosedYear, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return ClosedYear{}, err
	}
	if !y.authz.Can(a.UserID, qms.AllUnits, ObjQMSYear, actCloseYear) {
		return ClosedYear{}, qms.Errorf(qms.ErrForbidden, "only the chairman or the coordinator closes a QMS year")
	}
	current := y.now().In(y.loc).Year()
	switch {
	case r.Year < 2000 || r.Year > 2198:
		fe := qms.FieldErrors{}
		fe.Add("year", "a year between 2000 and 2198")
		return ClosedYear{}, fe.Err()
	case r.Year > current:
		return ClosedYear{}, qms.Errorf(qms.ErrInvalid, "the QMS year %d has not begun; a year is closed once it has begun", r.Year)
	}
	for id, t := range r.Targets {
		if math.IsNaN(t) || math.IsInf(t, 0) || t < 0 {
			return ClosedYear{}, qms.Errorf(qms.ErrInvalid, "the new target of objective %s must be a number not below zero", id)
		}
	}
	decide := func(objs []YearObjective) (map[string]float64, error) {
		byID := map[string]YearObjective{}
		for _, o := range objs {
			byID[o.ID] = o
		}
		ids := make([]string, 0, len(r.Targets))
		for id := range r.Targets {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		out := map[string]float64{}
		for _, o := range objs {
			out[o.ID] = o.Target
		}
		for _, id := range ids {
			o, ok := byID[id]
			if !ok {
				return nil, qms.Errorf(qms.ErrInvalid, "objective %s is not an objective of the QMS year %d", id, r.Year)
			}
			if t := r.Targets[id]; percentKPIs[o.KPI] && t > 100 {
				return nil, qms.Errorf(qms.ErrInvalid, "the new target of objective %q is a percentage: at most 100", o.Title)
			}
			out[id] = r.Targets[id]
		}
		return out, nil
	}
	return y.store.CloseYear(ctx, r.Year, a.UserID, a.Login, decide, func(c ClosedYear) trail.Event {
		return trail.NewEvent(ctx, "qms_year.close", ObjQMSYear, strconv.Itoa(c.Year), qms.AllUnits, map[string]any{
			"year": c.Year, "next_year": c.Year + 1, "carried": c.Carried, "targets": r.Targets, "review_due": c.ReviewDue.String()})
	})
}

// Permissions on the QMS year.
type YearPermissions struct {
	Close bool `json:"close"`
	Read  bool `json:"read"`
}

// Permissions says what the actor may do on the QMS year.
func (y *Years) Permissions(ctx context.Context) YearPermissions {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return YearPermissions{}
	}
	p := YearPermissions{Close: y.authz.Can(a.UserID, qms.AllUnits, ObjQMSYear, actCloseYear)}
	p.Read = p.Close || !y.authz.Scope(a.UserID, ObjQMSYear, actReadYear).Empty()
	return p
}

// ClosedYears lists the closed years, newest first, to who may read them.
func (y *Years) ClosedYears(ctx context.Context) ([]ClosedYear, error) {
	if _, err := qms.MustActor(ctx); err != nil {
		return nil, err
	}
	if !y.Permissions(ctx).Read {
		return nil, qms.Errorf(qms.ErrForbidden, "you may not read the QMS years")
	}
	return y.store.ClosedYears(ctx)
}

// ClosedYear returns one closed year with what it carried.
func (y *Years) ClosedYear(ctx context.Context, year int) (ClosedYear, error) {
	if _, err := qms.MustActor(ctx); err != nil {
		return ClosedYear{}, err
	}
	if !y.Permissions(ctx).Read {
		return ClosedYear{}, qms.Errorf(qms.ErrForbidden, "you may not read the QMS years")
	}
	return y.store.ClosedYear(ctx, year)
}

// CurrentYear is the year of today in the office's time zone.
func (y *Years) CurrentYear() int { return y.now().In(y.loc).Year() }
