// Package record owns retained documented information (ISO 9001 7.5.3):
// record types with their retention period and lock mode, records and their
// versions (a correction is a new version with a reason), legal hold, the
// list of records whose retention has expired, and disposition, an
// electronic signature after which the object versions may be deleted. The
// object store enforces retention (WORM); this package decides the dates.
package record

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Lock modes of the object store.
const (
	ModeCompliance = "COMPLIANCE"
	ModeGovernance = "GOVERNANCE"
)

// Record statuses.
const (
	StatusActive   = "active"
	StatusDisposed = "disposed"
)

// PermanentYears is how far ahead the object lock of a permanent record is
// set: S3 object lock needs a date, and a century outlives any system.
const PermanentYears = 100

// DefaultMaxSize is the upload limit when none is configured.
const DefaultMaxSize = 256 << 20

// Type is a kind of record with its retention rule.
type Type struct {
	Code           string    `json:"code" db:"code"`
	NameVI         string    `json:"name_vi" db:"name_vi"`
	NameEN         string    `json:"name_en" db:"name_en"`
	RetentionYears *int      `json:"retention_years" db:"retention_years"` // nil: permanent
	Mode           string    `json:"mode" db:"lock_mode"`
	UpdatedAt      time.Time `json:"updated_at" db:"updated_at"`
}

// Permanent reports whether records of this type are kept forever.
func (t Type) Permanent() bool { return t.RetentionYears == nil }

// Name returns the name in lang ("vi" or "en").
func (t Type) Name(lang string) string {
	if lang == "en" {
		return t.NameEN
	}
	return t.NameVI
}

// Links name objects of other capabilities that a record belongs to.
type Links struct {
	Revision string `json:"revision,omitempty" db:"link_revision"`
	NC       string `json:"nc,omitempty" db:"link_nc"`
	Action   string `json:"action,omitempty" db:"link_action"`
	Audit    string `json:"audit,omitempty" db:"link_audit"`
}

// Record is one retained record.
type Record struct {
	ID          string     `json:"id" db:"id"`
	Type        string     `json:"type" db:"type_code"`
	Unit        string     `json:"unit" db:"unit"`
	Title       string     `json:"title" db:"title"`
	Date        time.Time  `json:"date" db:"record_date"`
	Clauses     []string   `json:"clauses" db:"-"`
	Links       Links      `json:"links"`
	Mode        string     `json:"mode" db:"lock_mode"`
	Permanent   bool       `json:"permanent" db:"permanent"`
	RetainUntil time.Time  `json:"retain_until" db:"retain_until"`
	Held        bool       `json:"held" db:"held"`
	HoldReason  string     `json:"hold_reason,omitempty" db:"hold_reason"`
	Status      string     `json:"status" db:"status"`
	DisposedAt  *time.Time `json:"disposed_at,omitempty" db:"disposed_at"`
	VersionsN   int        `json:"version_count" db:"versions"`
	CreatedBy   string     `json:"created_by" db:"created_by"`
	CreatedAt   time.Time  `json:"created_at" db:"created_at"`
	Versions    []Version  `json:"versions,omitempty" db:"-"`
	// Disposal is the signature of the disposition, once disposed.
	Disposal *qms.Signature `json:"disposal,omitempty" db:"-"`
}

// LastDay is the last day the record is kept (retention ends at the start
// of the next day); shown to people, where the instant would read a day late.
func (r Record) LastDay() time.Time { return r.RetainUntil.Add(-time.Second) }

// Due reports whether the record's retention has expired at now and it may
// be disposed of (not permanent, not held, not yet disposed).
func (r Record) Due(now time.Time) bool {
	return r.Status == StatusActive && !r.Permanent && !r.Held && !now.Before(r.RetainUntil)
}

// Version is one file of a record; version 1 is the original, later ones are
// corrections with a reason.
type Version struct {
	RecordID string `json:"-" db:"record_id"`
	No       int    `json:"no" db:"no"`
	qms.StoredObject
	FileName    string     `json:"file_name" db:"file_name"`
	Reason      string     `json:"reason,omitempty" db:"reason"`
	RetainUntil time.Time  `json:"retain_until" db:"retain_until"`
	Locked      bool       `json:"locked" db:"locked"`
	CreatedBy   string     `json:"created_by" db:"created_by"`
	CreatedAt   time.Time  `json:"created_at" db:"created_at"`
	DeletedAt   *time.Time `json:"deleted_at,omitempty" db:"deleted_at"`
}

// Filter selects records in a list.
type Filter struct {
	Type    string
	Unit    string
	Clause  string
	Audit   string
	Status  string // "" = active
	Q       string // title contains
	DueOnly bool   // retention expired at Now
	Now     time.Time
	Limit   int
}

// Store is what the record capability needs from the database. Each method
// that changes state writes ev to the trail in the same transaction.
type Store interface {
	// NotifyDue tells the coordinators about every record whose retention
	// ended by now, once per record and coordinator; it returns how many
	// notifications it added.
	NotifyDue(ctx context.Context, now time.Time) (int, error)
	Types(ctx context.Context) ([]Type, error)
	Type(ctx context.Context, code string) (Type, error)
	SaveType(ctx context.Context, t Type, ev trail.Event) (Type, error)
	// CheckLinks refuses (ErrInvalid) links to objects that do not exist;
	// asked before the file is stored, so a refusal leaves no locked object.
	CheckLinks(ctx context.Context, l Links) error
	Create(ctx context.Context, r Record, v Version, ev trail.Event) (Record, error)
	// AddVersion locks the record, refuses a disposed one (ErrState) and
	// stores v as the next version number; when the record is under legal
	// hold it calls hold(v) under the row lock, so a hold set at the same
	// time cannot miss the new version.
	AddVersion(ctx context.Context, id string, v Version, ev trail.Event, hold func(Version) error) (Version, error)
	Get(ctx context.Context, id string) (Record, error)
	List(ctx context.Context, f Filter, scope qms.Scope) ([]Record, error)
	// SetHold locks the record, calls apply with its live versions (to set
	// the hold in the object store) and stores the new state only if apply
	// succeeds.
	SetHold(ctx context.Context, id string, on bool, reason string, ev trail.Event, apply func([]Version) error) (Record, error)
	// Dispose locks the record, calls check on it, stores the signature, marks
	// it disposed and calls del with its live versions before committing: if
	// the object store refuses, nothing is recorded.
	Dispose(ctx context.Context, id string, sig qms.Signature, ev trail.Event, check func(Record) error, del func([]Version) error) (Record, error)
}

// Blobs is what the record capability needs from the object store.
type Blobs interface {
	// PutLocked streams r into a new version of key, refusing beyond maxSize
	// and unaccepted types; with a non-empty ret.Mode the version is locked
	// until ret.Until.
	PutLocked(ctx context.Context, key string, r io.Reader, maxSize int64, ret qms.Retention) (qms.StoredObject, error)
	SetLegalHold(ctx context.Context, key, versionID string, on bool) error
	DeleteVersion(ctx context.Context, key, versionID string) error
	OpenVersion(ctx context.Context, key, versionID string) (io.ReadSeekCloser, error)
}

// Authorizer answers permission questions (Casbin).
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
	Scope(userID, obj, act string) qms.Scope
}

// PasswordChecker re-authenticates a signer.
type PasswordChecker interface {
	CheckPassword(ctx context.Context, userID, password string) error
}

// AuditAccess gives the units an auditor is auditing right now (the window
// of an audit they are on the team of): they read those units' records.
type AuditAccess interface {
	AuditedUnits(ctx context.Context, userID string, now time.Time) ([]string, error)
}

// Service is the record capability.
type Service struct {
	store   Store
	blobs   Blobs
	authz   Authorizer
	pw      PasswordChecker
	audits  AuditAccess
	now     func() time.Time
	maxSize int64
	newID   func() string
}

// Options configure a Service.
type Options struct {
	MaxSize int64
	Now     func() time.Time
	// Audits may be nil (no audit window access).
	Audits AuditAccess
	// NewKey names object keys; defaults to a random UUID.
	NewKey func() string
}

// NotifyDue tells the coordinators about the records whose retention has
// ended (the scheduled retention-expiry job); it returns how many new
// notifications it added.
func (s *Service) NotifyDue(ctx context.Context) (int, error) {
	return s.store.NotifyDue(ctx, s.now())
}

// New returns the record service.
func New(store Store, blobs Blobs, az Authorizer, pw PasswordChecker, o Options) *Service {
	s := &Service{store: store, blobs: blobs, authz: az, pw: pw, audits: o.Audits, now: o.Now, maxSize: o.MaxSize, newID: o.NewKey}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxSize <= 0 {
		s.maxSize = DefaultMaxSize
	}
	if s.newID == nil {
		s.newID = randomUUID
	}
	return s
}

// MaxSize is the upload limit.
func (s *Service) MaxSize() int64 { return s.maxSize }

// Types lists the record types.
func (s *Service) Types(ctx context.Context) ([]Type, error) {
	if _, err := qms.MustActor(ctx); err != nil {
		return nil, err
	}
	return s.store.Types(ctx)
}

var typeCodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// SaveType creates or changes a record type (coordinator). A changed period
// applies to records filed afterwards: a lock already set is never shortened.
func (s *Service) SaveType(ctx context.Context, t Type) (Type, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Type{}, err
	}
	if !s.authz.Can(a.UserID, qms.AllUnits, "record", "types") {
		return Type{}, qms.Errorf(qms.ErrForbidden, "only the QMS coordinator may edit record types")
	}
	fe := qms.FieldErrors{}
	t.Code = strings.TrimSpace(t.Code)
	if !typeCodeRE.MatchString(t.Code) {
		fe.Add("code", "use lower-case letters, digits and hyphens (at most 32)")
	}
	if t.NameVI, err = qms.CleanText("name_vi", t.NameVI, 200, true, false); err != nil {
		fe.AddErr("name_vi", err)
	}
	if t.NameEN, err = qms.CleanText("name_en", t.NameEN, 200, true, false); err != nil {
		fe.AddErr("name_en", err)
	}
	if t.RetentionYears != nil && (*t.RetentionYears < 1 || *t.RetentionYears > PermanentYears) {
		fe.Add("retention_years", "between 1 and %d years, or empty for permanent", PermanentYears)
	}
	t.Mode = strings.ToUpper(strings.TrimSpace(t.Mode))
	if t.Mode != ModeCompliance && t.Mode != ModeGovernance {
		fe.Add("mode", "COMPLIANCE or GOVERNANCE")
	}
	if err := fe.Err(); err != nil {
		return Type{}, err
	}
	ev := trail.NewEvent(ctx, "record_type.save", "record_type", t.Code, "", map[string]any{
		"retention_years": t.RetentionYears, "mode": t.Mode, "name_vi": t.NameVI, "name_en": t.NameEN})
	return s.store.SaveType(ctx, t, ev)
}

// NewRecord is the input of Create.
type NewRecord struct {
	Type     string
	Unit     string
	Title    string
	Date     string // yyyy-mm-dd or dd/mm/yyyy
	Clauses  []string
	Links    Links
	FileName string
	File     io.Reader
}

// Location is the time zone of dates (Vietnam).
var Location = loadLocation()

func loadLocation() *time.Location {
	if l, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return l
	}
	return time.FixedZone("ICT", 7*3600)
}

// ParseDate reads yyyy-mm-dd or dd/mm/yyyy as a calendar date.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, qms.Errorf(qms.ErrInvalid, "date: use dd/mm/yyyy")
}

// RetainUntil is the end of retention: the record date plus the period, at
// the end of that day in Vietnam.
func RetainUntil(date time.Time, years int) time.Time {
	d := time.Date(date.Year()+years, date.Month(), date.Day(), 0, 0, 0, 0, Location)
	return d.AddDate(0, 0, 1).UTC()
}

var linkRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

func cleanLinks(l Links, fe qms.FieldErrors) Links {
	for _, f := range []struct {
		name string
		v    *string
	}{{"link_revision", &l.Revision}, {"link_nc", &l.NC}, {"link_action", &l.Action}, {"link_audit", &l.Audit}} {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v != "" && !linkRE.MatchString(*f.v) {
			fe.Add(f.name, "not a valid identifier")
		}
	}
	return l
}

// CleanFileName keeps the base name of a client's file name for display and
// download only (object keys never derive from it).
func CleanFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`"<>|:*?`, r) {
			continue
		}
		b.WriteRune(r)
	}
	out := strings.TrimSpace(b.String())
	if out == "" || out == "." || out == ".." {
		out = "file"
	}
	if r := []rune(out); len(r) > 200 {
		out = string(r[len(r)-200:])
	}
	return out
}

// Create files a new record: the file is streamed into the object store
// locked until the record date plus the type's period, then the row is
// written.
func (s *Service) Create(ctx context.Context, in NewRecord) (Record, error) {
	return s.create(ctx, in, true)
}

// FileTrusted files a record for a capability that authorized the act
// itself: an internal audit files its report as the lead auditor, who holds
// no right to file records in the audited unit.
func (s *Service) FileTrusted(ctx context.Context, in NewRecord) (Record, error) {
	return s.create(ctx, in, false)
}

func (s *Service) create(ctx context.Context, in NewRecord, checkAccess bool) (Record, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Record{}, err
	}
	fe := qms.FieldErrors{}
	r := Record{Unit: strings.TrimSpace(in.Unit), Status: StatusActive, CreatedBy: a.UserID, VersionsN: 1}
	if !qms.ValidUnitCode(r.Unit) {
		fe.Add("unit", "choose a unit")
	} else if checkAccess && !s.authz.Can(a.UserID, r.Unit, "record", "create") {
		return Record{}, qms.Errorf(qms.ErrForbidden, "you may not file records in unit %s", r.Unit)
	}
	var typ Type
	if strings.TrimSpace(in.Type) == "" {
		fe.Add("type", "choose a record type")
	} else if typ, err = s.store.Type(ctx, strings.TrimSpace(in.Type)); err != nil {
		if qms.KindOf(err) != qms.ErrNotFound {
			return Record{}, err
		}
		fe.Add("type", "unknown record type")
	}
	if r.Title, err = qms.CleanText("title", in.Title, 300, true, false); err != nil {
		fe.AddErr("title", err)
	}
	if r.Date, err = ParseDate(in.Date); err != nil {
		fe.Add("date", "use dd/mm/yyyy")
	} else if r.Date.After(s.now().In(Location).AddDate(0, 0, 1)) {
		fe.Add("date", "a record cannot be dated in the future")
	} else if r.Date.Year() < 1900 {
		fe.Add("date", "too far in the past")
	}
	if r.Clauses, err = qms.NormalizeClauses(in.Clauses); err != nil {
		fe.AddErr("clauses", err)
	}
	r.Links = cleanLinks(in.Links, fe)
	if in.File == nil {
		fe.Add("file", "attach the file")
	}
	if err := fe.Err(); err != nil {
		return Record{}, err
	}
	if err := s.store.CheckLinks(ctx, r.Links); err != nil {
		return Record{}, err
	}
	r.Type, r.Mode, r.Permanent = typ.Code, typ.Mode, typ.Permanent()
	years := PermanentYears
	if !r.Permanent {
		years = *typ.RetentionYears
	}
	r.RetainUntil = RetainUntil(r.Date, years)
	v, err := s.put(ctx, r, in.FileName, in.File, "")
	if err != nil {
		return Record{}, err
	}
	ev := trail.NewEvent(ctx, "record.create", "record", "", r.Unit, map[string]any{
		"type": r.Type, "title": r.Title, "date": r.Date.Format("2006-01-02"), "retain_until": r.RetainUntil,
		"mode": r.Mode, "sha256": v.SHA256, "version_id": v.VersionID, "key": v.Key})
	return s.store.Create(ctx, r, v, ev)
}

// put streams a file for record r; blob first, the row comes after.
func (s *Service) put(ctx context.Context, r Record, fileName string, file io.Reader, reason string) (Version, error) {
	a, _ := qms.ActorFrom(ctx)
	ret := qms.Retention{Mode: r.Mode, Until: r.RetainUntil}
	locked := true
	// The object store only accepts a retain-until date in the future; a
	// record filed after its period ended is stored unlocked and is due.
	if !r.RetainUntil.After(s.now().Add(time.Minute)) || !r.RetainUntil.After(time.Now().Add(time.Minute)) {
		ret, locked = qms.Retention{}, false
	}
	obj, err := s.blobs.PutLocked(ctx, "record/"+s.newID(), file, s.maxSize, ret)
	if err != nil {
		return Version{}, err
	}
	return Version{StoredObject: obj, FileName: CleanFileName(fileName), Reason: reason, RetainUntil: r.RetainUntil,
		Locked: locked, CreatedBy: a.UserID}, nil
}

// readable returns the units whose records the actor may read: Casbin's
// scope plus the units of audits the actor is conducting now.
func (s *Service) readable(ctx context.Context, a qms.Actor) (qms.Scope, error) {
	sc := s.authz.Scope(a.UserID, "record", "read")
	if sc.All || s.audits == nil {
		return sc, nil
	}
	units, err := s.audits.AuditedUnits(ctx, a.UserID, s.now())
	if err != nil {
		return sc, err
	}
	seen := map[string]bool{}
	for _, u := range sc.Units {
		seen[u] = true
	}
	for _, u := range units {
		if !seen[u] {
			seen[u] = true
			sc.Units = append(sc.Units, u)
		}
	}
	return sc, nil
}

// Get returns a record with its versions, if the actor may read it.
func (s *Service) Get(ctx context.Context, id string) (Record, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Record{}, err
	}
	if !validID(id) {
		return Record{}, qms.Errorf(qms.ErrNotFound, "record not found")
	}
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	sc, err := s.readable(ctx, a)
	if err != nil {
		return Record{}, err
	}
	if !sc.Has(r.Unit) {
		// Not found rather than forbidden: the id tells nothing to outsiders.
		return Record{}, qms.Errorf(qms.ErrNotFound, "record not found")
	}
	return r, nil
}

// List returns the records the actor may read that match f.
func (s *Service) List(ctx context.Context, f Filter) ([]Record, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := s.readable(ctx, a)
	if err != nil {
		return nil, err
	}
	if f.Clause != "" && !qms.ValidClause(f.Clause) {
		return nil, qms.Errorf(qms.ErrInvalid, "clause: use numbers such as 7.5.3")
	}
	if f.Status != "" && f.Status != StatusActive && f.Status != StatusDisposed {
		return nil, qms.Errorf(qms.ErrInvalid, "status: active or disposed")
	}
	if f.Q, err = qms.CleanText("q", f.Q, 200, false, false); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	f.Now = s.now()
	return s.store.List(ctx, f, sc)
}

// DueForDisposition lists the records whose retention has expired (not
// permanent, not held) in the units where the actor may dispose of records.
func (s *Service) DueForDisposition(ctx context.Context) ([]Record, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	sc := s.authz.Scope(a.UserID, "record", "dispose")
	if sc.Empty() {
		return nil, qms.Errorf(qms.ErrForbidden, "only the QMS coordinator sees the disposition list")
	}
	return s.store.List(ctx, Filter{DueOnly: true, Now: s.now(), Limit: 500}, sc)
}

// AddVersion files a correction: a new version with a reason; the earlier
// versions stay retrievable and locked.
func (s *Service) AddVersion(ctx context.Context, id, reason, fileName string, file io.Reader) (Version, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Version{}, err
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return Version{}, err
	}
	if !s.authz.Can(a.UserID, r.Unit, "record", "create") {
		return Version{}, qms.Errorf(qms.ErrForbidden, "you may not correct records of unit %s", r.Unit)
	}
	if r.Status != StatusActive {
		return Version{}, qms.Errorf(qms.ErrState, "the record was disposed of")
	}
	if reason, err = qms.CleanText("reason", reason, 1000, true, true); err != nil {
		return Version{}, err
	}
	if file == nil {
		return Version{}, qms.Errorf(qms.ErrInvalid, "attach the corrected file")
	}
	v, err := s.put(ctx, r, fileName, file, reason)
	if err != nil {
		return Version{}, err
	}
	ev := trail.NewEvent(ctx, "record.correct", "record", r.ID, r.Unit, map[string]any{
		"reason": reason, "sha256": v.SHA256, "version_id": v.VersionID, "key": v.Key})
	return s.store.AddVersion(ctx, r.ID, v, ev, func(v Version) error {
		return s.blobs.SetLegalHold(ctx, v.Key, v.VersionID, true)
	})
}

// SetHold sets or lifts the legal hold of a record (coordinator), with a
// reason. While held, the record is never due and the object store refuses
// to delete its versions even in governance mode.
func (s *Service) SetHold(ctx context.Context, id string, on bool, reason string) (Record, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Record{}, err
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	if !s.authz.Can(a.UserID, r.Unit, "record", "hold") {
		return Record{}, qms.Errorf(qms.ErrForbidden, "only the QMS coordinator may set or lift a legal hold")
	}
	if reason, err = qms.CleanText("reason", reason, 1000, true, true); err != nil {
		return Record{}, err
	}
	action := "record.hold"
	if !on {
		action = "record.release"
	}
	ev := trail.NewEvent(ctx, action, "record", r.ID, r.Unit, map[string]any{"reason": reason})
	return s.store.SetHold(ctx, r.ID, on, reason, ev, func(vs []Version) error {
		for _, v := range vs {
			if err := s.blobs.SetLegalHold(ctx, v.Key, v.VersionID, on); err != nil {
				return fmt.Errorf("legal hold on %s: %w", v.Key, err)
			}
		}
		return nil
	})
}

// Dispose signs the disposition of a record whose retention has expired and
// then deletes its object versions. The signer re-enters the password; the
// signature records who, when and why. If the object store still refuses
// (locked or held), nothing is recorded.
func (s *Service) Dispose(ctx context.Context, id, reason, password string) (Record, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Record{}, err
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	if !s.authz.Can(a.UserID, r.Unit, "record", "dispose") {
		return Record{}, qms.Errorf(qms.ErrForbidden, "only the QMS coordinator may dispose of records")
	}
	if reason, err = qms.CleanText("reason", reason, 1000, true, true); err != nil {
		return Record{}, err
	}
	if password == "" {
		return Record{}, qms.Errorf(qms.ErrInvalid, "re-enter your password to sign")
	}
	if err := s.pw.CheckPassword(ctx, a.UserID, password); err != nil {
		return Record{}, err
	}
	now := s.now()
	check := func(cur Record) error {
		switch {
		case cur.Status != StatusActive:
			return qms.Errorf(qms.ErrState, "the record was already disposed of")
		case cur.Permanent:
			return qms.Errorf(qms.ErrState, "records of this type are kept permanently")
		case cur.Held:
			return qms.Errorf(qms.ErrState, "the record is under legal hold")
		case now.Before(cur.RetainUntil):
			return qms.Errorf(qms.ErrState, "the retention period runs until the end of %s", cur.LastDay().In(Location).Format("02/01/2006"))
		}
		return nil
	}
	if err := check(r); err != nil {
		return Record{}, err
	}
	hashes := make([]string, 0, len(r.Versions))
	for _, v := range r.Versions {
		hashes = append(hashes, v.SHA256)
	}
	sig := qms.Signature{UserID: a.UserID, Login: a.Login, Name: a.Name, Role: "coordinator", Meaning: "disposed",
		ObjectType: "record", ObjectID: r.ID, Comment: reason, SHA256s: hashes}
	ev := trail.NewEvent(ctx, "record.dispose", "record", r.ID, r.Unit, map[string]any{"reason": reason, "sha256s": hashes})
	return s.store.Dispose(ctx, r.ID, sig, ev, check, func(vs []Version) error {
		for _, v := range vs {
			if err := s.blobs.DeleteVersion(ctx, v.Key, v.VersionID); err != nil {
				return err
			}
		}
		return nil
	})
}

// Open opens version no of a record for download (0 = the latest).
func (s *Service) Open(ctx context.Context, id string, no int) (io.ReadSeekCloser, Version, Record, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, Version{}, Record{}, err
	}
	if len(r.Versions) == 0 {
		return nil, Version{}, r, qms.Errorf(qms.ErrNotFound, "the record has no file")
	}
	if no == 0 {
		no = r.Versions[len(r.Versions)-1].No
	}
	for _, v := range r.Versions {
		if v.No == no {
			if v.DeletedAt != nil {
				return nil, v, r, qms.Errorf(qms.ErrNotFound, "this version was disposed of")
			}
			rc, err := s.blobs.OpenVersion(ctx, v.Key, v.VersionID)
			return rc, v, r, err
		}
	}
	return nil, Version{}, r, qms.Errorf(qms.ErrNotFound, "version %d not found", no)
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func validID(id string) bool { return uuidRE.MatchString(id) }
