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

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

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

// parseDay reads a day of the period asked for.
func parseDay(s string) (qms.Date, error) {
	d, err := qms.ParseDate(s)
	if err != nil {
		return d, qms.Errorf(qms.ErrInvalid, "dates: use yyyy-mm-dd or dd/mm/yyyy")
	}
	return d, nil
}

// compact writes a day as yyyymmdd (in file names).
func compact(d qms.Date) string { return strings.ReplaceAll(d.String(), "-", "") }

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
	// Whole days in the office's time zone: up to the end of today unless
	// asked otherwise (to is exclusive).
	from, to := qms.NewDate(1900, 1, 1), s.today().AddDays(1)
	if q.From != "" {
		if from, err = parseDay(q.From); err != nil {
			return nil, err
		}
	}
	if q.To != "" {
		last, err := parseDay(q.To)
		if err != nil {
			return nil, err
		}
		to = last.AddDays(1)
	}
	if !from.Before(to) {
		return nil, qms.Errorf(qms.ErrInvalid, "from must be before to")
	}
	p.Filter.From, p.Filter.To = from.In(s.o.Location), to.In(s.o.Location)
	p.Filter.FromDay, p.Filter.ToDay = from.String(), to.String()
	switch {
	case q.Audit != "":
		au, err := s.audits.Audit(ctx, q.Audit)
		if err != nil {
			return nil, err
		}
		if !s.readsAudit(a, au) {
			if err := s.asTeam(ctx, a, au); err != nil {
				return nil, err
			}
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
		p.Name = "evidence-" + q.Unit + "-" + compact(from) + "-" + compact(to.AddDays(-1)) + ".zip"
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
	m := Manifest{Format: ManifestFormat, GeneratedAt: s.o.Now().UTC(), GeneratedBy: p.actor.Login, Selection: p.Query,
		Audit: p.auditNum, Files: p.Items, Problems: []string{}}
	modified := s.o.Now()
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
