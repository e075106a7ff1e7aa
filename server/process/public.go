package process

import (
	"context"
	"crypto/subtle"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// PublicInfo is what the public reads of a procedure beside its name, field
// and processing time: the fee, the papers to bring, the legal basis and the
// forms to download (codes of controlled documents; the web layer links each
// to the file of its effective public revision), in Vietnamese and English.
type PublicInfo struct {
	HasFee       bool       `json:"has_fee" db:"has_fee"`
	FeeAmount    *int64     `json:"fee_amount,omitempty" db:"fee_amount"` // in VND, when the fee is one amount
	FeeVI        string     `json:"fee_vi" db:"fee_vi"`                   // the fee in words (several amounts, reductions)
	FeeEN        string     `json:"fee_en" db:"fee_en"`
	Papers       []qms.Text `json:"papers" db:"-"`
	LegalBasisVI string     `json:"legal_basis_vi" db:"legal_basis_vi"`
	LegalBasisEN string     `json:"legal_basis_en" db:"legal_basis_en"`
	Forms        []string   `json:"forms" db:"-"`
}

// Fee is the fee's text in lang.
func (i PublicInfo) Fee(lang string) string { return qms.Text{VI: i.FeeVI, EN: i.FeeEN}.In(lang) }

// LegalBasis is the legal basis in lang.
func (i PublicInfo) LegalBasis(lang string) string {
	return qms.Text{VI: i.LegalBasisVI, EN: i.LegalBasisEN}.In(lang)
}

// Bounds of the public fields.
const (
	maxPapers = 50
	maxForms  = 20
)

// validatePublic checks the public fields of s into fe and cleans them.
func validatePublic(s *Procedure, fe qms.FieldErrors) {
	var err error
	if s.FeeVI, err = qms.CleanText("fee_vi", s.FeeVI, 500, false, true); err != nil {
		fe.AddErr("fee_vi", err)
	}
	if s.FeeEN, err = qms.CleanText("fee_en", s.FeeEN, 500, false, true); err != nil {
		fe.AddErr("fee_en", err)
	}
	if s.FeeAmount != nil && (*s.FeeAmount < 0 || *s.FeeAmount > 1e12) {
		fe.Add("fee_amount", "the fee must be an amount in VND between 0 and 1,000,000,000,000")
	}
	switch {
	case !s.HasFee && (s.FeeAmount != nil || s.FeeVI != "" || s.FeeEN != ""):
		fe.Add("has_fee", "a service without a fee has no fee amount or fee text")
	case s.HasFee && s.FeeAmount == nil && s.FeeVI == "":
		fe.Add("fee_vi", "a service with a fee needs its amount or its text")
	}
	if s.LegalBasisVI, err = qms.CleanText("legal_basis_vi", s.LegalBasisVI, 4000, false, true); err != nil {
		fe.AddErr("legal_basis_vi", err)
	}
	if s.LegalBasisEN, err = qms.CleanText("legal_basis_en", s.LegalBasisEN, 4000, false, true); err != nil {
		fe.AddErr("legal_basis_en", err)
	}
	if len(s.Papers) > maxPapers {
		fe.Add("papers", "at most %d papers", maxPapers)
	}
	for i := range s.Papers {
		k := fmt.Sprintf("papers[%d]", i)
		if s.Papers[i].VI, err = qms.CleanText("vi", s.Papers[i].VI, 500, true, false); err != nil {
			fe.AddErr(k+".vi", err)
		}
		if s.Papers[i].EN, err = qms.CleanText("en", s.Papers[i].EN, 500, false, false); err != nil {
			fe.AddErr(k+".en", err)
		}
	}
	if len(s.Forms) > maxForms {
		fe.Add("forms", "at most %d forms", maxForms)
	}
	seen := map[string]bool{}
	for i, f := range s.Forms {
		f = strings.TrimSpace(f)
		if !codeRE.MatchString(f) || seen[f] {
			fe.Add(fmt.Sprintf("forms[%d]", i), "a document code, each once")
		}
		seen[f] = true
		s.Forms[i] = f
	}
	if s.Papers == nil {
		s.Papers = []qms.Text{}
	}
	if s.Forms == nil {
		s.Forms = []string{}
	}
}

// PublicStore keeps what the public pages read and the lookup throttle.
type PublicStore interface {
	// PublicProcedures lists the active procedures by field, then code.
	PublicProcedures(ctx context.Context) ([]Procedure, error)
	// PublicVersion changes whenever a procedure is added or changed.
	PublicVersion(ctx context.Context) (string, error)
	// LookupCode returns a dossier's service code and the code printed on
	// its receipt (ErrNotFound when there is no such dossier).
	LookupCode(ctx context.Context, number string) (string, error)
	// LookupFailures returns the failures of each key in the window that
	// is still running at now (keys without failures are left out).
	LookupFailures(ctx context.Context, keys []LookupKey, now time.Time, window time.Duration) ([]LookupCount, error)
	// RecordLookupFailure counts one more failure for each key, starting
	// a new window for a key whose window has passed.
	RecordLookupFailure(ctx context.Context, keys []LookupKey, now time.Time, window time.Duration) error
}

// LookupKey is what wrong codes are counted by: a client address
// (kind "addr") or a dossier number (kind "number").
type LookupKey struct {
	Kind string `db:"kind"`
	Key  string `db:"key"`
}

// LookupCount is the failures of one key in its window.
type LookupCount struct {
	LookupKey
	Failures    int       `db:"failures"`
	WindowStart time.Time `db:"window_start"`
}

// PublicServices lists the active procedures for the public, those whose
// name or code holds every word of q (accents and case aside) and, when
// field is given, of that field. No one needs to be signed in.
func (p *Service) PublicServices(ctx context.Context, q, field string) ([]Procedure, error) {
	found, _, err := p.PublicSearch(ctx, q, field)
	return found, err
}

// PublicSearch is PublicServices with the fields of every active
// procedure, in order (the page's filter), read from the same catalogue.
func (p *Service) PublicSearch(ctx context.Context, q, field string) ([]Procedure, []string, error) {
	if field != "" && !fieldRE.MatchString(field) {
		return nil, nil, qms.Errorf(qms.ErrInvalid, "field must be a short code such as land")
	}
	if len(q) > 200 {
		return nil, nil, qms.Errorf(qms.ErrInvalid, "the search is too long (at most %d characters)", 200)
	}
	c, err := p.catalogue(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c.find(q, field), c.fields, nil
}

// publicCatalogue is the active procedures at one version of the services
// table, with their folded text for the search. Each instance keeps the
// last one it read and asks the database for the table's version on every
// use (one aggregate over the table, no rows sent), so a change made
// through any instance is seen at once by all.
type publicCatalogue struct {
	version string
	list    []Procedure
	folded  []string
	fields  []string
}

func (p *Service) catalogue(ctx context.Context) (*publicCatalogue, error) {
	v, err := p.store.PublicVersion(ctx)
	if err != nil {
		return nil, err
	}
	p.pubMu.Lock()
	c := p.pub
	p.pubMu.Unlock()
	if c != nil && c.version == v {
		return c, nil
	}
	list, err := p.store.PublicProcedures(ctx)
	if err != nil {
		return nil, err
	}
	c = &publicCatalogue{version: v, list: list, folded: make([]string, len(list))}
	seen := map[string]bool{}
	for i, s := range list {
		c.folded[i] = Fold(s.Code + " " + s.NameVI + " " + s.NameEN)
		if !seen[s.Field] {
			seen[s.Field] = true
			c.fields = append(c.fields, s.Field)
		}
	}
	sort.Strings(c.fields)
	p.pubMu.Lock()
	p.pub = c
	p.pubMu.Unlock()
	return c, nil
}

func (c *publicCatalogue) find(q, field string) []Procedure {
	words := strings.Fields(Fold(q))
	out := make([]Procedure, 0, len(c.list))
	for i := range c.list {
		if field != "" && c.list[i].Field != field || len(words) > 0 && !matchAll(c.folded[i], words) {
			continue
		}
		out = append(out, c.list[i])
	}
	return out
}

// FilterPublic keeps of list the procedures whose code or name holds every
// word of q (accents and case aside) and, when field is given, of that
// field; list is left as it was.
func FilterPublic(list []Procedure, q, field string) []Procedure {
	c := &publicCatalogue{list: list, folded: make([]string, len(list))}
	for i, s := range list {
		c.folded[i] = Fold(s.Code + " " + s.NameVI + " " + s.NameEN)
	}
	return c.find(q, field)
}

func matchAll(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// PublicService returns one active procedure for the public.
func (p *Service) PublicService(ctx context.Context, code string) (Procedure, error) {
	s, err := p.store.Procedure(ctx, code)
	if err != nil || !s.Active {
		return Procedure{}, qms.Errorf(qms.ErrNotFound, "no service %s", code)
	}
	return s, nil
}

// PublicFigures are the on-time figures the office publishes: the whole
// office's and, with byField, one row per field, over the last months.
func (p *Service) PublicFigures(ctx context.Context, byField bool, months int) ([]KPI, workday.Date, workday.Date, error) {
	to := p.today(ctx)
	t := time.Date(to.Year, to.Month-time.Month(months-1), 1, 12, 0, 0, 0, time.UTC)
	from := workday.Date{Year: t.Year(), Month: t.Month(), Day: 1}
	q := KPIQuery{Scope: qms.Scope{All: true}, From: from, To: to}
	if byField {
		q.By = "field"
	}
	rows, err := p.store.KPIs(ctx, q)
	for i := range rows {
		rows[i].Derive()
	}
	return rows, from, to, err
}

// LookupLimits bound wrong codes of the public status lookup: after
// PerAddr failures from one client address, or PerNumber for one dossier
// number, within Window, every lookup by that address or of that number is
// refused, a right code too, until the window that started at the first
// failure has passed.
type LookupLimits struct {
	PerAddr   int
	PerNumber int
	Window    time.Duration
}

// Default lookup limits.
var DefaultLookupLimits = LookupLimits{PerAddr: 20, PerNumber: 5, Window: 15 * time.Minute}

// PublicDossier is what anyone holding a dossier's number and code may read
// of it: where it stands, never who filed it or who handles it.
type PublicDossier struct {
	Number      string       `json:"number"`
	Service     string       `json:"service"`
	ServiceName qms.Text     `json:"service_name"`
	Field       string       `json:"field"`
	Status      string       `json:"status"`
	ReceivedAt  time.Time    `json:"received_at"`
	DueAt       time.Time    `json:"due_at"`
	ReturnedAt  *time.Time   `json:"returned_at,omitempty"`
	Outcome     string       `json:"outcome,omitempty"`
	Steps       []PublicStep `json:"steps"`
}

// PublicStep is one step of a procedure and how far the dossier is in it.
type PublicStep struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	State string `json:"state"` // waiting, current, done
}

var lookupCodeRE = regexp.MustCompile(`^[A-Za-z0-9]{4,16}$`)

// ErrLookupRefused is the answer to a wrong number or code: the same for
// both, so the lookup does not tell which dossier numbers exist.
var ErrLookupRefused = qms.Errorf(qms.ErrNotFound, "no dossier has this number and code")

// LookupDossier returns the public status of dossier number to whoever
// gives its receipt's code, from client address addr. Wrong codes are
// counted per address and per number (LookupLimits).
func (p *Service) LookupDossier(ctx context.Context, number, code, addr string) (PublicDossier, error) {
	number, code = strings.TrimSpace(number), strings.ToUpper(strings.TrimSpace(code))
	if !ValidNumber(number) {
		return PublicDossier{}, qms.Errorf(qms.ErrInvalid, "the dossier number is not valid")
	}
	if !lookupCodeRE.MatchString(code) {
		return PublicDossier{}, qms.Errorf(qms.ErrInvalid, "the code is the letters and digits printed on the receipt")
	}
	lim := p.o.Lookup
	ctx, now := p.withNow(ctx)
	if len(addr) > 100 {
		addr = addr[:100]
	}
	keys := []LookupKey{{"addr", addr}, {"number", number}}
	counts, err := p.store.LookupFailures(ctx, keys, now, lim.Window)
	if err != nil {
		return PublicDossier{}, err
	}
	var until time.Time
	for _, c := range counts {
		max := lim.PerNumber
		if c.Kind == "addr" {
			max = lim.PerAddr
		}
		if c.Failures >= max {
			if end := c.WindowStart.Add(lim.Window); end.After(until) {
				until = end
			}
		}
	}
	if !until.IsZero() {
		return PublicDossier{}, qms.Errorf(qms.ErrTooManyRequests, "too many wrong codes; try again after %s", until.In(p.o.Location).Format("15:04 02/01/2006"))
	}
	want, err := p.store.LookupCode(ctx, number)
	if err != nil && qms.KindOf(err) != qms.ErrNotFound {
		return PublicDossier{}, err
	}
	if err != nil || subtle.ConstantTimeCompare([]byte(strings.ToUpper(want)), []byte(code)) != 1 {
		if err := p.store.RecordLookupFailure(ctx, keys, now, lim.Window); err != nil {
			return PublicDossier{}, err
		}
		return PublicDossier{}, ErrLookupRefused
	}
	d, err := p.store.Dossier(ctx, number)
	if err != nil {
		return PublicDossier{}, err
	}
	svc, err := p.store.Procedure(ctx, d.Service)
	if err != nil {
		return PublicDossier{}, err
	}
	return publicDossier(d, svc), nil
}

// publicDossier keeps of d what the public may read, with the names of its
// procedure's steps.
func publicDossier(d Dossier, svc Procedure) PublicDossier {
	out := PublicDossier{Number: d.Number, Service: svc.Code, ServiceName: qms.Text{VI: svc.NameVI, EN: svc.NameEN}, Field: svc.Field,
		Status: d.Status, ReceivedAt: d.ReceivedAt, DueAt: d.DueAt, ReturnedAt: d.ReturnedAt, Outcome: d.Outcome, Steps: []PublicStep{}}
	if d.ExtendedDueAt != nil {
		out.DueAt = *d.ExtendedDueAt
	}
	state := map[string]string{}
	for _, st := range d.Steps {
		if st.End != nil {
			state[st.Step] = "done"
		} else {
			state[st.Step] = "current"
		}
	}
	for _, st := range svc.Steps {
		s := state[st.Code]
		if s == "" {
			s = "waiting"
		}
		if d.ReturnedAt != nil {
			s = "done"
		}
		name := st.Name
		if name == "" {
			name = st.Code
		}
		out.Steps = append(out.Steps, PublicStep{Code: st.Code, Name: name, State: s})
	}
	return out
}
