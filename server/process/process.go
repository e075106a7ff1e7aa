// Package process owns the monitoring of the office's processes (ISO 9001
// 9.1) and the leadership's follow-up: administrative services with their
// statutory processing time, the working-day calendar, dossiers and their
// clock (replayed from idempotent events), CSV import, KPIs, quality
// objectives (6.2) with progress, meetings and their directives reported
// back with evidence, and the late dossiers that become nonconformities.
//
// It imports qms, trail, workday and the standard library only; the store,
// the object store, the authorizer and the nonconformity capability are
// interfaces declared here and wired in main.
package process

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
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

// Service is an administrative procedure the office handles.
type Service struct {
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
}

// Name returns the name in lang.
func (s Service) Name(lang string) string {
	if lang == "en" && s.NameEN != "" {
		return s.NameEN
	}
	return s.NameVI
}

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

// lateDossierNC says what the nonconformity of late dossier d of service
// svc records; times are shown in the office's time zone loc.
func lateDossierNC(d Dossier, svc Service, loc *time.Location) LateDossierNC {
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

// NCRaiser creates a nonconformity of source "late dossier"; the
// nonconformity capability implements it and main wires it.
type NCRaiser interface {
	RaiseLateDossier(ctx context.Context, in LateDossierNC) (id, number string, err error)
}

// Authorizer answers permission questions once per request.
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
	Scope(userID, obj, act string) qms.Scope
}

// Blobs stores evidence and minutes in the versioned object store.
type Blobs interface {
	PutFile(ctx context.Context, key string, r io.Reader, maxSize int64) (qms.StoredObject, error)
	OpenVersion(ctx context.Context, key, versionID string) (io.ReadSeekCloser, error)
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

// newID returns a random UUID (version 4) for object keys: keys never
// derive from user file names.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
