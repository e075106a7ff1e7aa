// Package process owns the monitoring of the office's processes (ISO 9001
// 9.1): administrative procedures with their statutory processing time, the
// working-day calendar, dossiers and their clock (replayed from idempotent
// events), CSV import, KPIs, quality objectives (6.2) with progress, the
// dashboard, and the late dossiers that become nonconformities. The
// leadership's meetings and directives are the leadership capability's.
//
// It imports qms, trail, workday and the standard library only; the store,
// the authorizer, the nonconformity and leadership capabilities are
// interfaces declared here and wired in server/app.
//
// Files: process.go (types, the interfaces it needs), service.go (New,
// Options, permissions), then one file per stage: procedure.go (procedures
// and the calendar), clock.go (the replay of a dossier's events), dossier.go
// (receipt and events), import.go (the import and its permission) and
// importfile.go (its bounded CSV reader), late.go (late dossiers), kpi.go and
// objective.go, dashboard.go.
package process

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Channels by which a dossier is received.
const (
	ChannelInPerson = "in_person"
	ChannelPostal   = "postal"
	ChannelOnline   = "online"
)

// Channels lists the channels.
var Channels = []string{ChannelInPerson, ChannelPostal, ChannelOnline}

// Fields are the usual procedure fields; others are accepted as long as
// they are short codes.
var Fields = []string{"land", "construction", "civil_status", "business", "social", "justice", "other"}

// Late dossier handling modes.
const (
	LateAuto   = "auto"   // every late dossier raises a nonconformity at once
	LateTriage = "triage" // late dossiers wait in a list for the coordinator
)

// Step is one stage of a service with its own allowance in working days.
type Step struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Unit string `json:"unit,omitempty"`
	Days int    `json:"days"`
}

// Procedure is an administrative procedure the office handles (its routes
// and JSON say "service", as the one-stop software does).
type Procedure struct {
	Code      string    `json:"code" db:"code"`
	NameVI    string    `json:"name_vi" db:"name_vi"`
	NameEN    string    `json:"name_en" db:"name_en"`
	Field     string    `json:"field" db:"field"`
	Unit      string    `json:"unit" db:"unit"`
	Days      int       `json:"days" db:"days"`
	Steps     []Step    `json:"steps" db:"-"`
	Document  string    `json:"document,omitempty" db:"document_code"`
	Active    bool      `json:"active" db:"active"`
	UpdatedAt time.Time `json:"updated_at" db:"updated_at"`

	// HasFee: the procedure charges a fee (the online-payment indicator
	// counts only these); OnlineFullEligible: it may be done fully online
	// (the online indicator's denominator).
	HasFee             bool `json:"has_fee" db:"has_fee"`
	OnlineFullEligible bool `json:"online_full_eligible" db:"online_full_eligible"`
}

// Name returns the name in lang.
func (s Procedure) Name(lang string) string { return qms.Text{VI: s.NameVI, EN: s.NameEN}.In(lang) }

// Settings are the office-wide settings of this capability.
type Settings struct {
	Open       int                    `json:"open_minutes" db:"open_min"`
	Close      int                    `json:"close_minutes" db:"close_min"`
	AfterHours workday.AfterHoursRule `json:"after_hours" db:"after_hours"`
	LateMode   string                 `json:"late_mode" db:"late_mode"`
}

// CalendarYear is one year of the calendar as the API shows and edits it.
type CalendarYear struct {
	Year     int           `json:"year"`
	Days     []workday.Day `json:"days"`
	Settings Settings      `json:"settings"`
}

// Dossier is one administrative-procedure dossier with its derived clock.
type Dossier struct {
	ID           string    `json:"id"`
	Number       string    `json:"number"`
	Service      string    `json:"service"`
	ServiceName  string    `json:"service_name,omitempty"`
	Field        string    `json:"field"`
	Unit         string    `json:"unit"`
	Channel      string    `json:"channel"`
	ApplicantRef string    `json:"applicant_ref"`
	ReceivedAt   time.Time `json:"received_at"`
	Clock
	Facts
	Late bool `json:"late"`
	// Pending is set on the answer to an event pushed before the dossier's
	// receipt: the event is kept and applied when the dossier is recorded.
	Pending   bool        `json:"pending,omitempty"`
	Overdue   bool        `json:"overdue"`
	NC        *LateRecord `json:"nc,omitempty"`
	Events    []Event     `json:"events,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// LateRecord is what became of a late dossier: a nonconformity raised, or
// waiting in the coordinator's triage list, or dismissed with a reason.
type LateRecord struct {
	DossierID string    `json:"dossier_id" db:"dossier_id"`
	Number    string    `json:"number" db:"number"`
	Unit      string    `json:"unit" db:"unit"`
	State     string    `json:"state" db:"state"` // pending, triage, raised, dismissed
	NCID      string    `json:"nc_id,omitempty" db:"nc_id"`
	NCNumber  string    `json:"nc_number,omitempty" db:"nc_number"`
	Reason    string    `json:"reason,omitempty" db:"reason"`
	Error     string    `json:"error,omitempty" db:"last_error"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

// Late record states.
const (
	LatePending   = "pending"
	LateInTriage  = "triage"
	LateRaised    = "raised"
	LateDismissed = "dismissed"
)

// LateDossierNC is the nonconformity a late dossier raises: source
// "process", reference "dossier:<number>" (idempotent on the nonconformity
// side), its unit, severity, clauses and texts.
type LateDossierNC struct {
	DossierID   string
	Number      string
	Ref         string
	Unit        string
	Severity    string
	Clauses     []string
	Title       string
	Description string
}

// lateDossierNC says what the nonconformity of late dossier d of procedure
// svc records; times are shown in the office's time zone loc.
func lateDossierNC(d Dossier, svc Procedure, loc *time.Location) LateDossierNC {
	desc := fmt.Sprintf("Hồ sơ %s (%s, %d ngày làm việc) hạn trả %s", d.Number, svc.Name("vi"), svc.Days, d.DueAt.In(loc).Format("02/01/2006 15:04"))
	if d.ReturnedAt != nil {
		desc += fmt.Sprintf(", trả kết quả %s.", d.ReturnedAt.In(loc).Format("02/01/2006 15:04"))
	} else {
		desc += ", chưa trả kết quả."
	}
	desc += "\nLate dossier " + d.Number + "."
	return LateDossierNC{DossierID: d.ID, Number: d.Number, Ref: "dossier:" + d.Number, Unit: d.Unit, Severity: "minor",
		Clauses: []string{"8.5.1", "9.1.1"}, Title: "Hồ sơ trễ hạn / Late dossier " + d.Number, Description: desc}
}

// Authorizer answers permission questions once per request.
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
	Scope(userID, obj, act string) qms.Scope
}

// Store keeps this capability's data. Every state change writes its trail
// entry in the same transaction.
type Store interface {
	Procedures(ctx context.Context, scope qms.Scope) ([]Procedure, error)
	Procedure(ctx context.Context, code string) (Procedure, error)
	SaveProcedure(ctx context.Context, s Procedure, create bool, ev trail.Event) (Procedure, error)

	Calendar(ctx context.Context) ([]workday.Day, Settings, error)
	SaveCalendarYear(ctx context.Context, year int, days []workday.Day, st Settings, ev trail.Event) error

	CreateDossier(ctx context.Context, d Dossier, ev trail.Event) (Dossier, bool, error)
	// SetFacts replaces the index facts of a dossier, with the trail entry.
	SetFacts(ctx context.Context, dossierID string, f Facts, ev trail.Event) error
	// AddEvent is the dossier's one locked change: it locks the dossier,
	// returns it unchanged with duplicate=true when the event id is known,
	// otherwise replays the history with the new event through apply and
	// stores the event, the new clock and the trail entry of ev together.
	AddEvent(ctx context.Context, number string, e Event, apply func(d Dossier, history []Event) (Clock, error), ev func(d Dossier) trail.Event) (Dossier, bool, error)
	Dossier(ctx context.Context, number string) (Dossier, error)
	// AddPendingEvent keeps an event for a dossier not recorded yet
	// (duplicate when the number and event id are known); PendingEvents
	// lists them in the order they happened; ResolvePending removes one, or
	// keeps it with the reason it could not be applied.
	AddPendingEvent(ctx context.Context, number string, e Event, actorID string) (bool, error)
	PendingEvents(ctx context.Context, number string) ([]PendingEvent, error)
	ResolvePending(ctx context.Context, number, eventID, failure string) error
	// PendingRecorded lists numbers with pending events whose dossier now exists.
	PendingRecorded(ctx context.Context, limit int) ([]string, error)
	// WaitingEvents lists the pending events, oldest first, with the unit
	// of their dossier when it exists.
	WaitingEvents(ctx context.Context, limit int) ([]WaitingEvent, error)
	Dossiers(ctx context.Context, f DossierFilter) ([]Dossier, int, error)
	Import(ctx context.Context, rows func(yield func(ImportRow) error) error, report *ImportReport, ev trail.Event) error
	ImportReport(ctx context.Context, id string) (ImportReport, string, error)
	SetImportNCs(ctx context.Context, id string, n int) error
	ImportRejections(ctx context.Context, id string, fn func(Rejection) error) error

	// MarkLate flags open dossiers past their due time and returned late
	// ones, and queues every late dossier without a late record as
	// pending (auto) or triage; it returns how many it queued.
	MarkLate(ctx context.Context, now time.Time, mode string) (int, error)
	LateRecords(ctx context.Context, state string, scope qms.Scope, limit int) ([]LateRecord, error)
	// QueueLate adds the late record of one dossier unless it has one.
	QueueLate(ctx context.Context, dossierID, unit, state string) (bool, error)
	CountLate(ctx context.Context, states []string, scope qms.Scope) (int, error)
	SetLateRecord(ctx context.Context, dossierID string, from []string, r LateRecord, ev *trail.Event) error
	// OpenLateByUnit counts, per unit, the late dossiers still open.
	OpenLateByUnit(ctx context.Context) (map[string]int, error)

	KPIs(ctx context.Context, q KPIQuery) ([]KPI, error)
	LateHeatmap(ctx context.Context, from, to workday.Date, scope qms.Scope) ([]HeatCell, error)

	Objectives(ctx context.Context, scope qms.Scope) ([]Objective, error)
	CreateObjective(ctx context.Context, o Objective, ev trail.Event) (Objective, error)
}

// NCRaiser creates a nonconformity of source "late dossier"; the
// nonconformity capability implements it and app wires it.
type NCRaiser interface {
	RaiseLateDossier(ctx context.Context, in LateDossierNC) (id, number string, err error)
}

// NCSummary counts open nonconformities and overdue corrective actions per
// unit for the dashboard; the nonconformity capability implements it and
// app wires it (nil: the dashboard leaves those columns empty).
type NCSummary interface {
	OpenByUnit(ctx context.Context) (map[string]NCCount, error)
}

// NCCount is one unit's open nonconformities and overdue actions.
type NCCount struct{ Open, OverdueActions int }

// Directives counts the leadership's directives (the leadership capability
// implements it and app wires it; nil: no directives are counted).
type Directives interface {
	// DirectivesByUnit counts, per unit, the directives overdue and those
	// returned, as of today, in every unit.
	DirectivesByUnit(ctx context.Context) (map[string]DirectiveCount, error)
	// DirectiveStates counts the directives the actor may read by state,
	// plus "overdue".
	DirectiveStates(ctx context.Context) (map[string]int, error)
}

// DirectiveCount is one unit's directives that count against it.
type DirectiveCount struct{ Overdue, Returned int }

var (
	codeRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$`)
	fieldRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	numberRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// ValidNumber reports whether s may be a dossier number or event id (no
// slash: numbers appear in URL paths).
func ValidNumber(s string) bool { return numberRE.MatchString(s) }

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if v == s {
			return true
		}
	}
	return false
}

// NormalizeChannel accepts the channel codes and their usual Vietnamese and
// English spellings in imports.
func NormalizeChannel(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "in_person", "in person", "direct", "trực tiếp", "truc tiep", "tructiep", "counter":
		return ChannelInPerson, true
	case "postal", "post", "bưu chính", "buu chinh", "bưu điện", "buu dien", "bcci":
		return ChannelPostal, true
	case "online", "trực tuyến", "truc tuyen", "dvc", "dịch vụ công trực tuyến":
		return ChannelOnline, true
	}
	return "", false
}
