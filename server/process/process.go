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
// objective.go, dashboard.go, public.go (what the public reads of
// procedures and dossiers, and the lookup throttle).
package process

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Channels by which a dossier is received. Online is two channels: the
// index of QĐ 766 scores the full-process online service ("toàn trình",
// formerly level 4) apart from the partial one (formerly level 3).
const (
	ChannelInPerson      = "in_person"
	ChannelPostal        = "postal" // submitted by the public postal service (bưu chính công ích)
	ChannelOnlinePartial = "online_partial"
	ChannelOnlineFull    = "online_full"
)

// Channels lists the channels.
var Channels = []string{ChannelInPerson, ChannelPostal, ChannelOnlinePartial, ChannelOnlineFull}

// Channels by which the result is returned (separately from the one the
// dossier came by: a dossier submitted online may have its result posted).
const (
	ReturnInPerson = "in_person"
	ReturnPostal   = "postal"
	ReturnOnline   = "online"
)

// ReturnChannels lists the channels by which a result is returned.
var ReturnChannels = []string{ReturnInPerson, ReturnPostal, ReturnOnline}

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
	PublicInfo

	// OnlineFullEligible: the procedure may be done fully online (the online
	// indicator's denominator). HasFee (in PublicInfo) says it charges a fee:
	// the online-payment indicator counts only these.
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

// CalendarYear is one year of the calendar as the API shows and edits it:
// the days that differ from the Monday-to-Friday week in force (computed
// from the Labour Code, published or edited, as each one's source says),
// the exceptions that cancel a computed day off, and the settings.
type CalendarYear struct {
	Year     int           `json:"year"`
	Days     []workday.Day `json:"days"`
	Removed  []workday.Day `json:"removed"`
	Settings Settings      `json:"settings"`
	// Rules: the year's public holidays are computed (the rules' years).
	Rules bool `json:"rules"`
	// Moved, on the answer to a change, is how many open dossiers' due
	// dates the change moved.
	Moved int `json:"moved"`
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
	// ReturnChannel is how the result is (to be) returned: chosen at
	// receipt, set again by the return; empty when not said.
	ReturnChannel string `json:"return_channel,omitempty"`
	// ReceivingUnit and ReceivingOfficer are the unit (the one-stop desk,
	// or the competent unit itself) and the login of the officer who
	// received the dossier; empty for imports and dossiers pushed without.
	ReceivingUnit    string `json:"receiving_unit,omitempty"`
	ReceivingOfficer string `json:"receiving_officer,omitempty"`
	// RoutePending: the dossier was received at a unit that is not the
	// competent one and has not been routed yet (Unit is provisional, the
	// service's unit).
	RoutePending bool `json:"route_pending"`
	// LookupCode is printed on the receipt; with the number it opens the
	// public status page.
	LookupCode string `json:"lookup_code,omitempty"`
	// NotifyEmail and NotifyPhone are where the applicant asked to be told
	// of the dossier's status changes (optional).
	NotifyEmail string `json:"notify_email,omitempty"`
	NotifyPhone string `json:"notify_phone,omitempty"`
	// NotifyLang is the language the applicant reads the notices in (vi,
	// the default, or en).
	NotifyLang string `json:"notify_lang,omitempty"`
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
	DossierID string
	Number    string
	Ref       string
	Unit      string
	Severity  string
	Clauses   []string
	// Title and Description are messages, rendered in each reader's
	// language (the NC keeps them so).
	Title       qms.Msg
	Description qms.Msg
}

// lateDossierNC says what the nonconformity of late dossier d of procedure
// svc records; times are shown in the office's time zone loc.
func lateDossierNC(d Dossier, svc Procedure, loc *time.Location) LateDossierNC {
	name := qms.Text{VI: svc.Name("vi"), EN: svc.Name("en")}
	due := d.DueAt.In(loc).Format("02/01/2006 15:04")
	desc := qms.M("Dossier %s (%s, %d working days) was due %s and has not been returned.", d.Number, name, svc.Days, due)
	if d.ReturnedAt != nil {
		desc = qms.M("Dossier %s (%s, %d working days) was due %s and was returned %s.", d.Number, name, svc.Days, due,
			d.ReturnedAt.In(loc).Format("02/01/2006 15:04"))
	}
	return LateDossierNC{DossierID: d.ID, Number: d.Number, Ref: "dossier:" + d.Number, Unit: d.Unit, Severity: "minor",
		Clauses: []string{"8.5.1", "9.1.1"}, Title: qms.M("Late dossier %s", d.Number), Description: desc}
}

// Authorizer answers permission questions once per request.
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
	Scope(userID, obj, act string) qms.Scope
}

// Store keeps this capability's data. Every state change writes its trail
// entry in the same transaction.
type Store interface {
	PublicStore
	Procedures(ctx context.Context, scope qms.Scope) ([]Procedure, error)
	Procedure(ctx context.Context, code string) (Procedure, error)
	SaveProcedure(ctx context.Context, s Procedure, create bool, ev trail.Event) (Procedure, error)

	// Calendar returns the stored exceptions of every year and the
	// settings.
	Calendar(ctx context.Context) ([]workday.Day, Settings, error)
	// SaveCalendarYear replaces one year's exceptions and the settings;
	// SetCalendarDay stores one exception (replacing one of its date);
	// DeleteCalendarDay removes the exception of a date (ErrNotFound
	// without one). Each serialises with the other calendar changes,
	// replays the dossiers rc selects with the calendar as it stands after
	// the change, and writes the trail entry ev gives for the count moved,
	// all in one transaction.
	SaveCalendarYear(ctx context.Context, year int, days []workday.Day, st Settings, rc Recompute, ev func(Recomputed) trail.Event) (Recomputed, error)
	SetCalendarDay(ctx context.Context, d workday.Day, rc Recompute, ev func(Recomputed) trail.Event) (Recomputed, error)
	DeleteCalendarDay(ctx context.Context, day workday.Date, rc Recompute, ev func(Recomputed) trail.Event) (Recomputed, error)
	// RecomputeDossiers replays the dossiers rc selects with the calendar
	// in force, and writes ev's trail entry, in one transaction.
	RecomputeDossiers(ctx context.Context, rc Recompute, ev func(Recomputed) trail.Event) (Recomputed, error)

	CreateDossier(ctx context.Context, d Dossier, ev trail.Event) (Dossier, bool, error)
	// SetFacts replaces the index facts of a dossier, with the trail entry.
	SetFacts(ctx context.Context, dossierID string, f Facts, ev trail.Event) error
	// AddEvent is the dossier's one locked change: it locks the dossier,
	// returns it unchanged with duplicate=true when the event id is known,
	// otherwise replays the history with the new event (its Seq set, last
	// among the events of its instant) through apply and
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

	// Notices lists a dossier's notices, oldest first; SendNotices claims
	// at most limit waiting notices (one instance each), hands each to
	// send and stores what send returns.
	Notices(ctx context.Context, dossierID string) ([]Notice, error)
	SendNotices(ctx context.Context, limit int, send func(Notice) Notice) error

	// DeskLists answers the desk's queue; Handovers counts the desk's
	// hand-overs per officer and day of receipt in [from, to) within desks
	// (nil: every unit).
	DeskLists(ctx context.Context, q DeskQuery) (DeskLists, error)
	Handovers(ctx context.Context, desks []string, from, to, now time.Time) ([]HandoverCount, error)

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
type DirectiveCount struct {
	Overdue, Returned int
	// OverdueRevisions counts the unit's procedures not revised within
	// three months of a legal change (the register of legal bases).
	OverdueRevisions int
}

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

// channelSpellings maps the channel codes and the spellings one-stop
// software exports use, folded (lower case, no diacritics, single spaces:
// fold), to a channel. "online" alone, the code before the channel was
// split, is partial online: a full-process dossier is the exception that
// must be shown (its result issued online too), so the unqualified word is
// never counted as one.
var channelSpellings = map[string]string{
	"in_person": ChannelInPerson, "in person": ChannelInPerson, "direct": ChannelInPerson, "truc tiep": ChannelInPerson,
	"tructiep": ChannelInPerson, "counter": ChannelInPerson, "nop truc tiep": ChannelInPerson, "tai bo phan mot cua": ChannelInPerson,
	"postal": ChannelPostal, "post": ChannelPostal, "buu chinh": ChannelPostal, "buu dien": ChannelPostal, "bcci": ChannelPostal,
	"buu chinh cong ich": ChannelPostal, "qua buu dien": ChannelPostal, "qua buu chinh": ChannelPostal,
	"qua buu chinh cong ich": ChannelPostal, "dich vu buu chinh cong ich": ChannelPostal,
	"online_partial": ChannelOnlinePartial, "online": ChannelOnlinePartial, "online partial": ChannelOnlinePartial,
	"truc tuyen": ChannelOnlinePartial, "dvc": ChannelOnlinePartial, "dich vu cong truc tuyen": ChannelOnlinePartial,
	"truc tuyen mot phan": ChannelOnlinePartial, "dich vu cong truc tuyen mot phan": ChannelOnlinePartial,
	"truc tuyen muc do 3": ChannelOnlinePartial, "dich vu cong truc tuyen muc do 3": ChannelOnlinePartial,
	"muc do 3": ChannelOnlinePartial, "dvc muc do 3": ChannelOnlinePartial, "level 3": ChannelOnlinePartial,
	"online_full": ChannelOnlineFull, "online full": ChannelOnlineFull, "truc tuyen toan trinh": ChannelOnlineFull,
	"toan trinh": ChannelOnlineFull, "dich vu cong truc tuyen toan trinh": ChannelOnlineFull, "dvc toan trinh": ChannelOnlineFull,
	"truc tuyen muc do 4": ChannelOnlineFull, "dich vu cong truc tuyen muc do 4": ChannelOnlineFull,
	"muc do 4": ChannelOnlineFull, "dvc muc do 4": ChannelOnlineFull, "level 4": ChannelOnlineFull,
}

// returnSpellings maps the spellings of how a result is returned.
var returnSpellings = map[string]string{
	"in_person": ReturnInPerson, "in person": ReturnInPerson, "truc tiep": ReturnInPerson, "tai bo phan mot cua": ReturnInPerson,
	"nhan truc tiep": ReturnInPerson, "counter": ReturnInPerson,
	"postal": ReturnPostal, "post": ReturnPostal, "buu chinh": ReturnPostal, "buu dien": ReturnPostal, "qua buu dien": ReturnPostal,
	"buu chinh cong ich": ReturnPostal, "qua buu chinh cong ich": ReturnPostal, "qua buu chinh": ReturnPostal,
	"online": ReturnOnline, "truc tuyen": ReturnOnline, "dien tu": ReturnOnline, "ket qua dien tu": ReturnOnline,
	"qua mang": ReturnOnline, "tra ket qua truc tuyen": ReturnOnline,
}

// NormalizeChannel accepts the channel codes and their usual Vietnamese and
// English spellings in imports, with or without diacritics.
func NormalizeChannel(s string) (string, bool) {
	c, ok := channelSpellings[Fold(s)]
	return c, ok
}

// NormalizeReturnChannel accepts the codes of how a result is returned and
// their usual spellings.
func NormalizeReturnChannel(s string) (string, bool) {
	c, ok := returnSpellings[Fold(s)]
	return c, ok
}

// Fold lowers s, strips Vietnamese diacritics (đ becomes d) and collapses
// spaces, so that spellings and searches match with or without accents.
func Fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if r == ' ' || r == '\t' || r == '\u00a0' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		if r >= 0x300 && r <= 0x36f {
			continue // a combining mark of decomposed text
		}
		if f, ok := foldTable[r]; ok {
			r = f
		}
		b.WriteRune(r)
	}
	return b.String()
}

var foldTable = func() map[rune]rune {
	groups := map[rune]string{
		'a': "àáảãạăằắẳẵặâầấẩẫậ", 'e': "èéẻẽẹêềếểễệ", 'i': "ìíỉĩị", 'o': "òóỏõọôồốổỗộơờớởỡợ",
		'u': "ùúủũụưừứửữự", 'y': "ỳýỷỹỵ", 'd': "đ",
	}
	m := map[rune]rune{}
	for base, rs := range groups {
		for _, r := range rs {
			m[r] = base
		}
	}
	return m
}()
