package evidence_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

type fixture struct {
	env      *testenv.Env
	records  *record.Service
	audits   *internalaudit.Service
	evidence *evidence.Service
	ncs      *nonconformity.Service
	users    map[string]qms.Actor
	now      time.Time
}

// loc is the office's time zone of these tests.
var loc = testenv.Location()

func newFixture(t testing.TB) *fixture {
	t.Helper()
	env := testenv.New(t)
	testenv.AddUnits(t, env.DB, "land", "finance", "justice")
	f := &fixture{env: env, users: map[string]qms.Actor{}, now: time.Now()}
	f.users["coord"] = testenv.AddUser(t, env.DB, "coord", "coordinator@*")
	f.users["huong"] = testenv.AddUser(t, env.DB, "huong", "auditor@finance")
	f.users["duc"] = testenv.AddUser(t, env.DB, "duc", "auditor@justice")
	f.users["lan"] = testenv.AddUser(t, env.DB, "lan", "staff@land")
	f.users["fin"] = testenv.AddUser(t, env.DB, "fin", "staff@finance")
	az, err := authz.New(env.DB)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return f.now }
	as := postgres.NewAuditStore(env.DB)
	f.records = record.New(postgres.NewRecordStore(env.DB), env.Blob, az, testenv.NoPasswords{},
		record.Options{Now: clock, Location: loc, Audits: app.AuditWindow{Store: as, Location: loc}})
	pdf, err := auditpdf.New(auditpdf.Options{Now: clock, Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	f.ncs = nonconformity.New(postgres.NewNCStore(env.DB, loc), nil, az, testenv.NoPasswords{}, nonconformity.Options{Now: clock, Location: loc})
	f.audits = internalaudit.New(as, az, internalaudit.Options{Now: clock, Location: loc, Records: app.AuditReports{Records: f.records},
		Renderer: pdf, NC: app.AuditNCs{NCs: f.ncs}})
	f.evidence = evidence.New(postgres.NewEvidenceStore(env.DB), env.Blob, az, app.EvidenceAudits{Audits: f.audits},
		evidence.Options{Now: clock, Location: loc})
	return f
}

func (f *fixture) as(login string) context.Context {
	return qms.WithActor(context.Background(), f.users[login])
}

func (f *fixture) today() string { return f.now.In(loc).Format("2006-01-02") }

// pdf is the one file of a record.
func pdf(name string, body io.Reader) qms.FileSource {
	return qms.FilesOf(qms.Upload{Name: name, Body: io.MultiReader(strings.NewReader("%PDF-1.4\n"), body)})
}

func (f *fixture) file(t testing.TB, login, unit, title string, clauses []string, body string) record.Record {
	t.Helper()
	r, err := f.records.Create(f.as(login), record.NewRecord{Type: "filled-form", Unit: unit, Title: title, Date: f.today(),
		Clauses: clauses, File: pdf(title+".pdf", strings.NewReader(body+"\n%%EOF"))})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) pack(t testing.TB, login string, q evidence.Query) (*zip.Reader, []byte) {
	t.Helper()
	p, err := f.evidence.Prepare(f.as(login), q)
	if err != nil {
		t.Fatalf("prepare %+v: %v", q, err)
	}
	var buf bytes.Buffer
	if err := f.evidence.Write(f.as(login), &buf, p); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return zr, buf.Bytes()
}

func manifest(t testing.TB, zr *zip.Reader) evidence.Manifest {
	t.Helper()
	var m evidence.Manifest
	if err := json.Unmarshal(zipEntry(t, zr, "manifest.json"), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// rewrite copies a pack, changing the named entry with edit.
func rewrite(t testing.TB, zr *zip.Reader, name string, edit func([]byte) []byte) *zip.Reader {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == name {
			b = edit(b)
		}
		w, _ := zw.Create(f.Name)
		_, _ = w.Write(b)
	}
	_ = zw.Close()
	out, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAuditScenarioPackVerifyAndCoverage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	live := postgres.NewTrailStore(f.env.DB)

	before, err := f.evidence.Coverage(f.as("coord"))
	if err != nil {
		t.Fatal(err)
	}
	count := func(c evidence.Coverage, clause string) evidence.ClauseCoverage {
		for _, x := range c.Clauses {
			if x.Clause == clause {
				return x
			}
		}
		t.Fatalf("clause %s missing from coverage", clause)
		return evidence.ClauseCoverage{}
	}
	if len(before.NoEvidence) != len(before.Clauses) {
		t.Fatalf("a fresh database has evidence: %v", before.NoEvidence)
	}

	slip := f.file(t, "lan", "land", "Phiếu kiểm soát hồ sơ", []string{"8.5"}, "slip")
	if _, err := f.records.AddVersion(f.as("lan"), slip.ID, record.Correction{Reason: "Bổ sung chữ ký", File: pdf("slip2.pdf", strings.NewReader("slip v2\n%%EOF"))}); err != nil {
		t.Fatal(err)
	}
	f.file(t, "lan", "land", "Sổ theo dõi", []string{"7.5.3"}, "register")
	secret := f.file(t, "fin", "finance", "Chứng từ chi", []string{"7.5.3"}, "finance only")

	day := f.now.In(loc).Format("02/01/2006")
	a, err := f.audits.Create(f.as("coord"), internalaudit.Plan{Title: "Đánh giá Phòng Tài nguyên", Units: []string{"land"},
		Start: day, End: day, Lead: "huong", Team: []string{"duc"}})
	if err != nil {
		t.Fatal(err)
	}
	var item string
	for _, it := range a.Items {
		if it.Clause == "7.5.3" {
			item = it.ID
		}
	}
	// A nonconformity finding raises a linked NC through the real
	// nonconformity capability.
	fnd, err := f.audits.AddFinding(f.as("duc"), a.ID, internalaudit.NewFinding{ItemID: item, Kind: "nonconformity", Severity: "minor",
		Description: "Sổ theo dõi không ghi ngày trả kết quả", Evidence: []string{"record:" + slip.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if fnd.NCID == "" || !strings.HasPrefix(fnd.NCNumber, "NC-") {
		t.Fatalf("finding without NC: %+v", fnd)
	}
	nc, err := f.ncs.Get(f.as("coord"), fnd.NCID)
	if err != nil || nc.Source != "internal_audit" || nc.Unit != "land" || nc.SourceRef != "audit:"+a.ID+"/"+fnd.ID ||
		strings.Join(nc.Clauses, ",") != "7.5.3" || !strings.Contains(nc.Description, "record:"+slip.ID) {
		t.Fatalf("nc %+v %v", nc, err)
	}
	if _, err := f.audits.AddFinding(f.as("huong"), a.ID, internalaudit.NewFinding{ItemID: item, Kind: "conformity", Description: "Đạt"}); err != nil {
		t.Fatal(err)
	}

	// The auditor from another unit downloads the audit's pack.
	zr, raw := f.pack(t, "duc", evidence.Query{Audit: a.ID})
	m := manifest(t, zr)
	if len(m.Files) != 3 || len(m.Problems) != 0 || m.GeneratedBy != "duc" || m.Audit != a.Number {
		t.Fatalf("manifest %+v", m)
	}
	for _, it := range m.Files {
		if it.Unit != "land" || it.ObjectID == secret.ID || it.VersionID == "" || len(it.SHA256) != 64 {
			t.Fatalf("item %+v", it)
		}
	}
	if m.Trail.Entries < 5 {
		t.Fatalf("trail excerpt has %d entries", m.Trail.Entries)
	}
	// The excerpt holds the audit's own acts (its plan, its findings).
	if tj := zipEntry(t, zr, "trail.jsonl"); !bytes.Contains(tj, []byte(`"object_id":"`+a.ID+`"`)) {
		t.Fatalf("the audit's own acts are not in the trail excerpt:\n%s", tj)
	}
	if bytes.Contains(raw, []byte("finance only")) {
		t.Fatal("another unit's file is in the pack")
	}
	rep, err := evidence.Verify(ctx, zr, live)
	if err != nil || !rep.OK || !rep.LiveChecked || rep.Files != 3 {
		t.Fatalf("verify: %+v %v", rep, err)
	}

	// Tampering is caught: a changed file, a changed trail entry, an extra file.
	bad := rewrite(t, zr, m.Files[0].Path, func(b []byte) []byte { return append(b, ' ') })
	if rep, _ := evidence.Verify(ctx, bad, live); rep.OK || !strings.Contains(strings.Join(rep.Problems, "\n"), "SHA-256") {
		t.Fatalf("altered file passed: %+v", rep)
	}
	bad = rewrite(t, zr, "trail.jsonl", func(b []byte) []byte { return bytes.Replace(b, []byte(`"actor":"lan"`), []byte(`"actor":"fin"`), 1) })
	if rep, _ := evidence.Verify(ctx, bad, live); rep.OK || !strings.Contains(strings.Join(rep.Problems, "\n"), "own hash") {
		t.Fatalf("altered trail passed: %+v", rep)
	}
	// An entry given twice (its first line repeated) is out of order.
	bad = rewrite(t, zr, "trail.jsonl", func(b []byte) []byte {
		first := b[:bytes.IndexByte(b, '\n')+1]
		return append(append([]byte{}, first...), b...)
	})
	if rep, _ := evidence.Verify(ctx, bad, live); rep.OK || !strings.Contains(strings.Join(rep.Problems, "\n"), "is out of order") {
		t.Fatalf("a repeated trail entry passed: %+v", rep)
	}
	// Against another organisation's chain the excerpt does not verify.
	other := postgres.NewTrailStore(testenv.DB(t))
	if rep, _ := evidence.Verify(ctx, zr, other); rep.OK {
		t.Fatalf("verified against a foreign chain: %+v", rep)
	}

	// Access: outsiders cannot pack the audit; a unit pack needs a period and
	// a readable unit; exactly one selector.
	cases := []struct {
		login string
		q     evidence.Query
		kind  error
	}{
		{"fin", evidence.Query{Audit: a.ID}, qms.ErrNotFound},
		{"fin", evidence.Query{Unit: "land", From: "2026-01-01", To: "2026-12-31"}, qms.ErrForbidden},
		{"lan", evidence.Query{Unit: "land"}, qms.ErrInvalid},
		{"lan", evidence.Query{}, qms.ErrInvalid},
		{"lan", evidence.Query{Unit: "land", Clause: "7.5"}, qms.ErrInvalid},
		{"lan", evidence.Query{Clause: "12"}, qms.ErrInvalid},
		{"lan", evidence.Query{Unit: "land", From: "2026-12-31", To: "2026-01-01"}, qms.ErrInvalid},
		{"lan", evidence.Query{Unit: "land", From: "yesterday", To: "2026-01-01"}, qms.ErrInvalid},
	}
	for _, c := range cases {
		if _, err := f.evidence.Prepare(f.as(c.login), c.q); qms.KindOf(err) != c.kind {
			t.Errorf("%s %+v: want %v, got %v", c.login, c.q, c.kind, err)
		}
	}
	// A clause pack holds only what the caller may read.
	zr, _ = f.pack(t, "lan", evidence.Query{Clause: "7.5"})
	if m := manifest(t, zr); len(m.Files) != 1 || m.Files[0].Unit != "land" {
		t.Fatalf("clause pack for land staff: %+v", m.Files)
	}
	zr, _ = f.pack(t, "coord", evidence.Query{Clause: "7.5"})
	if m := manifest(t, zr); len(m.Files) != 2 {
		t.Fatalf("clause pack for the coordinator: %d files", len(m.Files))
	}

	// Coverage moved: records, the audit's findings and the NC count.
	after, err := f.evidence.Coverage(f.as("coord"))
	if err != nil {
		t.Fatal(err)
	}
	c753 := count(after, "7.5.3")
	if c753.Records != 2 || c753.Audits != 1 || c753.NCs != 1 {
		t.Fatalf("7.5.3 coverage %+v", c753)
	}
	if c7 := count(after, "7"); c7.Records != 2 || c7.NCs != 1 {
		t.Fatalf("clause 7 aggregates its sub-clauses: %+v", c7)
	}
	if len(after.NoEvidence) >= len(before.NoEvidence) || strings.Contains(" "+strings.Join(after.NoEvidence, " ")+" ", " 7.5.3 ") {
		t.Fatalf("no-evidence list did not shrink: %v", after.NoEvidence)
	}
	staff, err := f.evidence.Coverage(f.as("lan"))
	if err != nil {
		t.Fatal(err)
	}
	if c := count(staff, "7.5.3"); c.Records != 1 {
		t.Fatalf("land staff see %d records for 7.5.3", c.Records)
	}
}

// TestPackAndCoverageIncludeDocumentsAndNCFiles puts a document revision
// file and an NC evidence file in the tables of those capabilities (their
// objects written first, as they do) and checks that clause packs and the
// coverage count them, and that drafts stay out.
func TestPackAndCoverageIncludeDocumentsAndNCFiles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	coord := f.users["coord"].UserID
	put := func(key, body string) qms.StoredObject {
		o, err := f.env.Blob.Put(ctx, key, strings.NewReader("%PDF-1.4\n"+body+"\n%%EOF"), blob.PutOptions{MaxSize: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	doc := func(code, status, revStatus string) {
		var docID, revID string
		if err := f.env.DB.Get(&docID, `INSERT INTO documents (code, code_key, title, title_key, type, unit, clauses, review_months, status, created_by)
			VALUES ($1, upper($1), 'Quy trình kiểm soát hồ sơ', 'quy trinh kiem soat ho so', 'procedure', 'land', '{7.5.3}', 12, $2, $3) RETURNING id`,
			code, status, coord); err != nil {
			t.Fatal(err)
		}
		if err := f.env.DB.Get(&revID, `INSERT INTO revisions (document_id, issue, status, change, created_by, effective_at)
			VALUES ($1, 1, $2, 'Ban hành lần đầu', $3, now()) RETURNING id`, docID, revStatus, coord); err != nil {
			t.Fatal(err)
		}
		o := put("documents/"+code, code)
		if _, err := f.env.DB.Exec(`INSERT INTO revision_files (revision_id, kind, file_name, object_key, version_id, size, sha256, media_type, uploaded_by)
			VALUES ($1, 'main', $2, $3, $4, $5, $6, $7, $8)`, revID, code+".pdf", o.Key, o.VersionID, o.Size, o.SHA256, o.MediaType, coord); err != nil {
			t.Fatal(err)
		}
	}
	doc("QT-07", "effective", "effective")
	doc("QT-99", "draft", "draft")
	nc, err := f.ncs.Raise(f.as("coord"), nonconformity.NewNC{Source: "self_report", SourceRef: "test:1", Severity: "minor", Unit: "land",
		Clauses: []string{"7.5.3"}, Title: "Hồ sơ thiếu chữ ký"})
	if err != nil {
		t.Fatal(err)
	}
	o := put("ncs/00000000-0000-4000-8000-000000000001", "nc evidence")
	if _, err := f.env.DB.Exec(`INSERT INTO nc_files (nc_id, purpose, object_key, version_id, size, sha256, media_type, file_name, uploaded_by)
		VALUES ($1, 'evidence', $2, $3, $4, $5, $6, 'bang-chung.pdf', $7)`, nc.ID, o.Key, o.VersionID, o.Size, o.SHA256, o.MediaType, coord); err != nil {
		t.Fatal(err)
	}
	zr, raw := f.pack(t, "coord", evidence.Query{Clause: "7.5"})
	m := manifest(t, zr)
	kinds := map[string]int{}
	for _, it := range m.Files {
		kinds[it.Kind]++
	}
	if kinds["revision"] != 1 || kinds["nc"] != 1 || bytes.Contains(raw, []byte("QT-99")) {
		t.Fatalf("pack kinds %v", kinds)
	}
	if rep, err := evidence.Verify(ctx, zr, postgres.NewTrailStore(f.env.DB)); err != nil || !rep.OK || rep.Files != 2 {
		t.Fatalf("verify %+v %v", rep, err)
	}
	cov, err := f.evidence.Coverage(f.as("coord"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cov.Clauses {
		if c.Clause == "7.5.3" && (c.Documents != 1 || c.NCs != 1) {
			t.Fatalf("7.5.3 coverage %+v", c)
		}
	}
	// A unit pack for a period picks the NC by its detection date.
	zr, _ = f.pack(t, "coord", evidence.Query{Unit: "land", From: f.today(), To: f.today()})
	if m := manifest(t, zr); len(m.Files) != 2 {
		t.Fatalf("unit pack: %d files", len(m.Files))
	}
}

// zipEntry reads one file of a pack.
func zipEntry(t testing.TB, zr *zip.Reader, name string) []byte {
	t.Helper()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("the pack has no %s", name)
	return nil
}
