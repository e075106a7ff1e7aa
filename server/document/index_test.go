package document_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
)

// textStates maps the file names of a revision to "state/reason".
func (f *fixture) textStates(revID string) map[string]string {
	f.t.Helper()
	_, r, err := f.svc.Revision(f.as("coordinator"), revID)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]string{}
	for _, x := range r.Files {
		out[x.Name] = x.TextState + "/" + x.TextReason
	}
	return out
}

func (f *fixture) search(login, q string) int {
	f.t.Helper()
	p, err := f.svc.List(f.as(login), document.Filter{Q: q})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(p.Items)
}

// withService builds a second document service on the fixture's database,
// as another instance would be, with its own blobs and options.
func (f *fixture) withService(bl document.Blobs, o document.Options) *document.Service {
	o.Now = f.clock
	return document.New(postgres.NewDocumentStore(f.db), bl, f.authz, f.ids, o)
}

// TestTextIndexedAfterUpload: files that would stall the extraction (many
// sheets of empty elements, deeply nested paragraphs), a damaged one and an
// image are stored with their revision at once, their text pending; the
// index job then ends each with its outcome, never failing the upload,
// and a normal DOCX becomes searchable.
func TestTextIndexedAfterUpload(t *testing.T) {
	f := newFixture(t)
	d := f.newDoc("QT-50", "tnmt", false)
	author := f.as("author.tnmt")
	good := docx("Thẩm định hồ sơ giao đất")
	r, err := f.revise(author, d.ID, "Dự thảo",
		file("sheets.xlsx", emptySheets(20)),
		file("nested.docx", nestedParagraphs(10<<20)),
		file("good.docx", good),
		file("damaged.docx", good[:len(good)-30]),
		file("stamp.png", pngImage()))
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	for name, st := range f.textStates(r.ID) {
		if st != "pending/" {
			t.Errorf("%s right after the upload: %s", name, st)
		}
	}
	if n := f.search("author.tnmt", "tham dinh ho so"); n != 0 {
		t.Fatalf("found by file text before indexing: %d", n)
	}
	// The byte budget decides here, not the clock: a slow machine (the race
	// detector) must not turn "too large" into "too slow".
	// A run stops after its minute (indexRun) and the next goes on, so on a
	// slow machine the five files may take more than one run: the runs
	// until one finds no work have, together, indexed each file once.
	patient := f.withService(f.blobs, document.Options{TextBudget: document.TextBudget{Time: 10 * time.Minute}})
	var total document.IndexReport
	for range 6 {
		rep, err := patient.IndexText(context.Background())
		if err != nil {
			t.Fatalf("index run: %v", err)
		}
		if rep == (document.IndexReport{}) {
			break
		}
		total.Indexed += rep.Indexed
		total.NotIndexed += rep.NotIndexed
	}
	if total != (document.IndexReport{Indexed: 1, NotIndexed: 4}) {
		t.Errorf("index runs: %+v", total)
	}
	want := map[string]string{
		"sheets.xlsx":  "not_indexed/too_large",
		"nested.docx":  "not_indexed/too_large",
		"good.docx":    "indexed/",
		"damaged.docx": "not_indexed/malformed",
		"stamp.png":    "not_indexed/no_text",
	}
	got := f.textStates(r.ID)
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %s, want %s", name, got[name], w)
		}
	}
	if n := f.search("author.tnmt", "tham dinh ho so"); n != 1 {
		t.Fatalf("the DOCX text is not searchable after indexing: %d", n)
	}
	if rep := f.index(); rep != (document.IndexReport{}) {
		t.Errorf("a second run found work: %+v", rep)
	}

	// A file replaced before its text was read is not read; its successor is.
	r2, err := f.revise(author, f.newDoc("QT-51", "tnmt", false).ID, "Dự thảo", file("v1.docx", docx("bản một")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddFiles(author, r2.ID, document.NewFiles{Replace: r2.Files[0].ID,
		Files: qms.FilesOf(file("v2.docx", docx("bản hai")))}); err != nil {
		t.Fatal(err)
	}
	if rep := f.index(); rep != (document.IndexReport{Indexed: 1}) {
		t.Errorf("index run after a replacement: %+v", rep)
	}
	if f.search("author.tnmt", "ban hai") != 1 || f.search("author.tnmt", "ban mot") != 0 {
		t.Error("the search holds the replaced file's text, or not the replacement's")
	}
}

// TestTextIndexOverTime: a budget whose time runs out ends the file "too
// slow", recorded like any other outcome.
func TestTextIndexOverTime(t *testing.T) {
	f := newFixture(t)
	r, err := f.revise(f.as("author.tnmt"), f.newDoc("QT-52", "tnmt", false).ID, "Dự thảo", file("a.docx", docx("chậm")))
	if err != nil {
		t.Fatal(err)
	}
	slow := f.withService(f.blobs, document.Options{TextBudget: document.TextBudget{Time: time.Nanosecond}})
	if rep, err := slow.IndexText(context.Background()); err != nil || rep.NotIndexed != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	if got := f.textStates(r.ID)["a.docx"]; got != "not_indexed/too_slow" {
		t.Fatalf("a.docx: %s", got)
	}
}

// TestTextIndexClaimsEachFileOnce: instances running the job together
// share the queue; each file is read by exactly one of them.
func TestTextIndexClaimsEachFileOnce(t *testing.T) {
	f := newFixture(t)
	var files []qms.Upload
	for i := 0; i < 16; i++ {
		files = append(files, file("f.docx", docx("tệp")))
	}
	if _, err := f.revise(f.as("author.tnmt"), f.newDoc("QT-53", "tnmt", false).ID, "Dự thảo", files...); err != nil {
		t.Fatal(err)
	}
	var opened atomic.Int64
	var wg sync.WaitGroup
	var total atomic.Int64
	for i := 0; i < 4; i++ {
		svc := f.withService(countingBlobs{f.blobs, &opened}, document.Options{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := svc.IndexText(context.Background())
			if err != nil {
				t.Error(err)
			}
			total.Add(int64(rep.Indexed + rep.NotIndexed))
		}()
	}
	wg.Wait()
	if total.Load() != 16 || opened.Load() != 16 {
		t.Fatalf("16 files: %d outcomes recorded, %d objects read", total.Load(), opened.Load())
	}
}

// TestTextIndexObjectStoreFailure: when the object store fails, the file
// goes back to the queue and the run reports the error; the next run reads
// it. A file that keeps failing is given up as unreadable after five
// claims, so it cannot hold the queue.
func TestTextIndexObjectStoreFailure(t *testing.T) {
	f := newFixture(t)
	author := f.as("author.tnmt")
	r, err := f.revise(author, f.newDoc("QT-54", "tnmt", false).ID, "Dự thảo", file("a.docx", docx("kho lỗi")))
	if err != nil {
		t.Fatal(err)
	}
	down := f.withService(failingBlobs{f.blobs}, document.Options{})
	if _, err := down.IndexText(context.Background()); err == nil {
		t.Fatal("a failing object store gave no error")
	}
	if got := f.textStates(r.ID)["a.docx"]; got != "pending/" {
		t.Fatalf("after a failure: %s", got)
	}
	if rep := f.index(); rep.Indexed != 1 || f.search("author.tnmt", "kho loi") != 1 {
		t.Fatalf("the next run: %+v", rep)
	}

	r, err = f.revise(author, f.newDoc("QT-55", "tnmt", false).ID, "Dự thảo", file("b.docx", docx("mất")))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := down.IndexText(context.Background()); err == nil {
			t.Fatalf("run %d: no error", i+1)
		}
	}
	if rep, err := down.IndexText(context.Background()); err != nil || rep.NotIndexed != 1 {
		t.Fatalf("the sixth claim: %+v %v", rep, err)
	}
	if got := f.textStates(r.ID)["b.docx"]; got != "not_indexed/unreadable" {
		t.Fatalf("b.docx: %s", got)
	}
}

// countingBlobs counts the objects opened for reading.
type countingBlobs struct {
	document.Blobs
	n *atomic.Int64
}

func (c countingBlobs) OpenVersion(ctx context.Context, key, version string) (io.ReadSeekCloser, error) {
	c.n.Add(1)
	return c.Blobs.OpenVersion(ctx, key, version)
}

// failingBlobs is an object store that cannot be read: a fault the real
// one does not produce on demand.
type failingBlobs struct{ document.Blobs }

func (failingBlobs) OpenVersion(context.Context, string, string) (io.ReadSeekCloser, error) {
	return nil, errors.New("object store unreachable")
}

// pngImage is a 1x1 PNG.
func pngImage() []byte {
	return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
		"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
}
