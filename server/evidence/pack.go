package evidence

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Item is one file in an evidence pack, as the database knows it.
type Item struct {
	Path      string            `json:"path"`
	Kind      string            `json:"kind"` // record, revision, nc
	ObjectID  string            `json:"object_id"`
	Unit      string            `json:"unit"`
	Title     string            `json:"title"`
	FileName  string            `json:"file_name"`
	Key       string            `json:"object_key"`
	VersionID string            `json:"version_id"`
	SHA256    string            `json:"sha256"`
	Size      int64             `json:"size"`
	MediaType string            `json:"media_type"`
	Clauses   []string          `json:"clauses"`
	Date      time.Time         `json:"date"`
	Metadata  map[string]string `json:"metadata"`
}

// Filter is a resolved selection: what the store lists.
type Filter struct {
	Units   []string // nil: every unit
	Clause  string   // the clause and its sub-clauses; "" for any
	Clauses []string // any of these clauses (an audit's scope); nil for any
	From    time.Time
	To      time.Time // exclusive
	// FromDay and ToDay are From and To as calendar days in Vietnam
	// (yyyy-mm-dd, ToDay exclusive), for date columns.
	FromDay string
	ToDay   string
	Audit   string // include records linked to this audit
}

// Store is what the evidence capability reads from the database.
type Store interface {
	// Items lists the files matching f, in a stable order.
	Items(ctx context.Context, f Filter) ([]Item, error)
	// TrailExcerpt calls fn for every trail entry up to maxSeq that concerns
	// one of ids, or a unit of f.Units within [f.From, f.To), in sequence
	// order, streaming.
	TrailExcerpt(ctx context.Context, f Filter, ids []string, maxSeq int64, fn func(trail.Entry) error) error
	// Coverage counts the evidence tagged to each clause in scope.
	Coverage(ctx context.Context, units []string) ([]ClauseCoverage, error)
	// Record appends one trail event (the download of a pack) and returns
	// its sequence number.
	Record(ctx context.Context, ev trail.Event) (int64, error)
	// Evidence lists the documents, NCs and actions of units (read-only).
	Evidence(ctx context.Context, units []string, limit int) ([]Entry, error)
	// Trail returns the latest trail entries of units, newest first.
	Trail(ctx context.Context, units []string, limit int) ([]trail.Entry, error)
}

// Opener opens one object version for streaming.
type Opener interface {
	OpenVersion(ctx context.Context, key, versionID string) (io.ReadSeekCloser, error)
}

// Authorizer answers permission questions.
type Authorizer interface {
	Scope(userID, obj, act string) qms.Scope
}

// Audits gives the audit of a pack and an auditor's window access.
type Audits interface {
	Get(ctx context.Context, id string) (internalaudit.Audit, error)
	AuditedUnits(ctx context.Context, userID string, now time.Time) ([]string, error)
}

// Service builds evidence packs and the clause coverage.
type Service struct {
	store  Store
	blobs  Opener
	authz  Authorizer
	audits Audits
	now    func() time.Time
}

// New returns the service.
func New(store Store, blobs Opener, az Authorizer, audits Audits, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, blobs: blobs, authz: az, audits: audits, now: now}
}

// Query is what the caller asks for: an audit, a clause, or a unit and period.
type Query struct {
	Audit  string
	Clause string
	Unit   string
	From   string // yyyy-mm-dd or dd/mm/yyyy
	To     string // inclusive day
}

// Plan is a resolved, authorized pack request.
type Plan struct {
	Query    Query
	Filter   Filter
	Items    []Item
	Name     string // file name of the ZIP
	actor    qms.Actor
	auditNum string
	headSeq  int64 // the trail entry of this download, once recorded
}

var dayLayouts = []string{"2006-01-02", "02/01/2006"}

func parseDay(s string) (time.Time, error) {
	for _, l := range dayLayouts {
		if t, err := time.ParseInLocation(l, strings.TrimSpace(s), internalaudit.Location); err == nil {
			return t, nil
		}
	}
	return time.Time{}, qms.Errorf(qms.ErrInvalid, "dates: use yyyy-mm-dd or dd/mm/yyyy")
}

// readable is the set of units whose evidence the actor may read: Casbin's
// record-read scope plus the units the actor is auditing today.
func (s *Service) readable(ctx context.Context, a qms.Actor) (qms.Scope, error) {
	sc := s.authz.Scope(a.UserID, "record", "read")
	if sc.All {
		return sc, nil
	}
	units, err := s.audits.AuditedUnits(ctx, a.UserID, s.now())
	if err != nil {
		return sc, err
	}
	for _, u := range units {
		if !sc.Has(u) {
			sc.Units = append(sc.Units, u)
		}
	}
	return sc, nil
}

// Prepare checks the query and the actor's access and lists the files.
func (s *Service) Prepare(ctx context.Context, q Query) (*Plan, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := s.readable(ctx, a)
	if err != nil {
		return nil, err
	}
	if sc.Empty() {
		return nil, qms.Errorf(qms.ErrForbidden, "you may not read evidence")
	}
	p := &Plan{Query: q, actor: a}
	n := 0
	for _, v := range []string{q.Audit, q.Clause, q.Unit} {
		if strings.TrimSpace(v) != "" {
			n++
		}
	}
	if n != 1 {
		return nil, qms.Errorf(qms.ErrInvalid, "choose one of audit, clause, or unit (with from and to)")
	}
	now := s.now().In(internalaudit.Location)
	// Whole days in Vietnam: up to the end of today unless asked otherwise.
	p.Filter.To = time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, internalaudit.Location)
	p.Filter.From = time.Date(1900, 1, 1, 0, 0, 0, 0, internalaudit.Location)
	if q.From != "" {
		if p.Filter.From, err = parseDay(q.From); err != nil {
			return nil, err
		}
	}
	if q.To != "" {
		t, err := parseDay(q.To)
		if err != nil {
			return nil, err
		}
		p.Filter.To = t.AddDate(0, 0, 1)
	}
	if !p.Filter.From.Before(p.Filter.To) {
		return nil, qms.Errorf(qms.ErrInvalid, "from must be before to")
	}
	p.Filter.FromDay = p.Filter.From.In(internalaudit.Location).Format("2006-01-02")
	p.Filter.ToDay = p.Filter.To.In(internalaudit.Location).Format("2006-01-02")
	switch {
	case q.Audit != "":
		au, err := s.audits.Get(ctx, q.Audit)
		if err != nil {
			return nil, err
		}
		for _, u := range au.Units {
			if sc.Has(u) {
				p.Filter.Units = append(p.Filter.Units, u)
			}
		}
		if len(p.Filter.Units) == 0 {
			return nil, qms.Errorf(qms.ErrForbidden, "you may not read the evidence of this audit's units now")
		}
		if len(au.Clauses) > 0 {
			p.Filter.Clauses = au.Clauses
		}
		p.Filter.Audit = au.ID
		p.auditNum = au.Number
		p.Name = "evidence-" + au.Number + ".zip"
	case q.Clause != "":
		if !qms.ValidClause(q.Clause) {
			return nil, qms.Errorf(qms.ErrInvalid, "clause: use numbers such as 7.5.3")
		}
		p.Filter.Clause = q.Clause
		if !sc.All {
			p.Filter.Units = sc.Units
		}
		p.Name = "evidence-clause-" + q.Clause + ".zip"
	default:
		if !qms.ValidUnitCode(q.Unit) {
			return nil, qms.Errorf(qms.ErrInvalid, "unit: a unit code")
		}
		if !sc.Has(q.Unit) {
			return nil, qms.Errorf(qms.ErrForbidden, "you may not read the evidence of unit %s", q.Unit)
		}
		if q.From == "" || q.To == "" {
			return nil, qms.Errorf(qms.ErrInvalid, "a unit's pack needs a period: from and to")
		}
		p.Filter.Units = []string{q.Unit}
		p.Name = "evidence-" + q.Unit + "-" + p.Filter.From.Format("20060102") + "-" + p.Filter.To.AddDate(0, 0, -1).Format("20060102") + ".zip"
	}
	if p.Items, err = s.store.Items(ctx, p.Filter); err != nil {
		return nil, err
	}
	assignPaths(p.Items)
	return p, nil
}

var unsafePath = regexp.MustCompile(`[^\p{L}\p{N}._ -]+`)

// assignPaths names each file inside the ZIP from trusted parts (kind,
// object id) plus a cleaned file name, unique within the pack.
func assignPaths(items []Item) {
	seen := map[string]bool{}
	for i := range items {
		name := unsafePath.ReplaceAllString(items[i].FileName, "_")
		name = strings.Trim(name, ". ")
		if name == "" {
			name = "file"
		}
		if r := []rune(name); len(r) > 100 {
			name = string(r[len(r)-100:])
		}
		p := path.Join("files", items[i].Kind, items[i].ObjectID, name)
		for n := 2; seen[p]; n++ {
			p = path.Join("files", items[i].Kind, items[i].ObjectID, fmt.Sprintf("%d-%s", n, name))
		}
		seen[p] = true
		items[i].Path = p
	}
}

// Manifest is manifest.json.
type Manifest struct {
	Format      string        `json:"format"`
	GeneratedAt time.Time     `json:"generated_at"`
	GeneratedBy string        `json:"generated_by"`
	Selection   Query         `json:"selection"`
	Audit       string        `json:"audit,omitempty"`
	Files       []Item        `json:"files"`
	Problems    []string      `json:"problems"`
	Trail       TrailManifest `json:"trail"`
}

// TrailManifest describes trail.jsonl.
type TrailManifest struct {
	Path    string `json:"path"`
	Entries int64  `json:"entries"`
	SHA256  string `json:"sha256"`
	// HeadSeq is the last entry of the live chain when the pack was made;
	// the excerpt holds entries up to it.
	HeadSeq int64 `json:"head_seq"`
}

// ManifestFormat names the layout, so a verifier knows what it reads.
const ManifestFormat = "qmstrack-evidence-pack/1"

// CSVHeader is the header of manifest.csv.
var CSVHeader = []string{"path", "kind", "object_id", "unit", "title", "file_name", "object_key", "version_id", "sha256", "size", "media_type", "clauses", "date"}

// Begin records the download in the trail; the pack's trail excerpt ends
// with this entry. Call it before the first byte is sent, so that a failure
// is still a proper error response.
func (s *Service) Begin(ctx context.Context, p *Plan) error {
	if p.headSeq != 0 {
		return nil
	}
	detail := map[string]any{"audit": p.Query.Audit, "clause": p.Query.Clause, "unit": p.Query.Unit,
		"from": p.Query.From, "to": p.Query.To, "files": len(p.Items)}
	unit := ""
	if len(p.Filter.Units) == 1 {
		unit = p.Filter.Units[0]
	}
	head, err := s.store.Record(ctx, trail.NewEvent(ctx, "evidence.pack", "evidence_pack", p.Name, unit, detail))
	p.headSeq = head
	return err
}

// Write streams the pack as a ZIP to w: each file straight from the object
// store (one copy buffer at a time), then trail.jsonl, manifest.json and
// manifest.csv. It calls Begin first if the caller did not.
func (s *Service) Write(ctx context.Context, w io.Writer, p *Plan) error {
	if err := s.Begin(ctx, p); err != nil {
		return err
	}
	head := p.headSeq
	zw := zip.NewWriter(w)
	m := Manifest{Format: ManifestFormat, GeneratedAt: s.now().UTC(), GeneratedBy: p.actor.Login, Selection: p.Query,
		Audit: p.auditNum, Files: p.Items, Problems: []string{}}
	modified := s.now()
	buf := make([]byte, 256<<10)
	ids := make([]string, 0, len(p.Items)+2)
	for i := range p.Items {
		it := &p.Items[i]
		ids = append(ids, it.ObjectID)
		if err := ctx.Err(); err != nil {
			return err
		}
		rc, err := s.blobs.OpenVersion(ctx, it.Key, it.VersionID)
		if err != nil {
			m.Problems = append(m.Problems, fmt.Sprintf("%s: cannot be read from the object store: %s", it.Path, qms.Message(err)))
			continue
		}
		// Already-compressed formats (PDF, office, images) are stored as
		// they are: deflating them costs CPU and saves nothing.
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: it.Path, Method: zip.Store, Modified: modified})
		if err != nil {
			rc.Close()
			return err
		}
		h := sha256.New()
		n, err := io.CopyBuffer(io.MultiWriter(fw, h), rc, buf)
		rc.Close()
		if err != nil {
			return fmt.Errorf("stream %s: %w", it.Path, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != it.SHA256 || n != it.Size {
			m.Problems = append(m.Problems, fmt.Sprintf("%s: the object store returned %d bytes with SHA-256 %s; the database recorded %d bytes and %s",
				it.Path, n, got, it.Size, it.SHA256))
		}
	}
	if p.Filter.Audit != "" {
		ids = append(ids, p.Filter.Audit)
	}
	ids = append(ids, p.Name)
	tw, err := zw.CreateHeader(&zip.FileHeader{Name: "trail.jsonl", Method: zip.Deflate, Modified: modified})
	if err != nil {
		return err
	}
	th := sha256.New()
	enc := json.NewEncoder(io.MultiWriter(tw, th))
	m.Trail = TrailManifest{Path: "trail.jsonl", HeadSeq: head}
	if err := s.store.TrailExcerpt(ctx, p.Filter, ids, head, func(e trail.Entry) error {
		m.Trail.Entries++
		return enc.Encode(e)
	}); err != nil {
		return err
	}
	m.Trail.SHA256 = hex.EncodeToString(th.Sum(nil))
	if err := writeManifests(zw, m, modified); err != nil {
		return err
	}
	return zw.Close()
}

func writeManifests(zw *zip.Writer, m Manifest, modified time.Time) error {
	jw, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: modified})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(jw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	cw, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.csv", Method: zip.Deflate, Modified: modified})
	if err != nil {
		return err
	}
	w := csv.NewWriter(cw)
	_ = w.Write(CSVHeader)
	for _, it := range m.Files {
		_ = w.Write(csvRow(it))
	}
	w.Flush()
	return w.Error()
}

func csvRow(it Item) []string {
	return []string{it.Path, it.Kind, it.ObjectID, it.Unit, csvSafe(it.Title), csvSafe(it.FileName), it.Key, it.VersionID,
		it.SHA256, fmt.Sprint(it.Size), it.MediaType, strings.Join(it.Clauses, " "), it.Date.Format("2006-01-02")}
}

// csvSafe neutralises cells a spreadsheet would run as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ClauseCoverage is the evidence tagged to one clause.
type ClauseCoverage struct {
	Clause    string `json:"clause" db:"clause"`
	TitleVI   string `json:"title_vi" db:"title_vi"`
	TitleEN   string `json:"title_en" db:"title_en"`
	Documents int    `json:"documents" db:"documents"`
	Records   int    `json:"records" db:"records"`
	Audits    int    `json:"audits" db:"audits"`
	NCs       int    `json:"ncs" db:"ncs"`
}

// Total is the number of pieces of evidence.
func (c ClauseCoverage) Total() int { return c.Documents + c.Records + c.Audits + c.NCs }

// Coverage is the coordinator's audit-readiness view.
type Coverage struct {
	Clauses    []ClauseCoverage `json:"clauses"`
	NoEvidence []string         `json:"no_evidence"`
}

// Coverage returns, for every ISO 9001 clause, the documents, records,
// audits and NCs tagged to it in the units the actor may read, and the
// clauses with no evidence at all.
func (s *Service) Coverage(ctx context.Context) (Coverage, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Coverage{}, err
	}
	sc, err := s.readable(ctx, a)
	if err != nil {
		return Coverage{}, err
	}
	if sc.Empty() {
		return Coverage{}, qms.Errorf(qms.ErrForbidden, "you may not read evidence")
	}
	var units []string
	if !sc.All {
		units = sc.Units
	}
	cs, err := s.store.Coverage(ctx, units)
	if err != nil {
		return Coverage{}, err
	}
	out := Coverage{Clauses: cs, NoEvidence: []string{}}
	for _, c := range cs {
		if c.Total() == 0 {
			out.NoEvidence = append(out.NoEvidence, c.Clause)
		}
	}
	return out, nil
}
