package process_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
)

// moved counts what an import may leave behind: dossiers, import reports,
// their rejected rows and trail entries.
func (f *fixture) moved(t *testing.T) [4]int {
	t.Helper()
	var n [4]int
	for i, table := range []string{"dossiers", "dossier_imports", "dossier_import_rejections", "trail"} {
		if err := f.db.Get(&n[i], `SELECT count(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// readCounter counts the bytes read from it.
type readCounter struct {
	r io.Reader
	n int64
}

func (c *readCounter) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

// TestImportNeedsWritePermission: an import needs the right to write
// dossiers in some unit. The auditor (read-only everywhere) is refused with
// ErrForbidden before the file is read; no report, no rejected rows, no trail
// entry. A person who may write dossiers in one unit still imports, and
// rows of other units are rejected one by one.
func TestImportNeedsWritePermission(t *testing.T) {
	f := setup(t)
	before := f.moved(t)
	src := &readCounter{r: strings.NewReader(importCSV)}
	_, err := f.p.Import(f.as("aud"), src, process.ImportOptions{Filename: "nov.csv"})
	if !errors.Is(err, qms.ErrForbidden) || qms.Message(err) != "you may not import dossiers: you may not write dossiers in any unit" {
		t.Fatalf("auditor import: %v", err)
	}
	if src.n != 0 {
		t.Fatalf("the refused file was read: %d bytes", src.n)
	}
	if after := f.moved(t); after != before {
		t.Fatalf("a refused import moved dossiers, reports, rejections, trail: %v -> %v", before, after)
	}
	if err := f.p.CheckImport(f.as("aud"), -1); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("CheckImport for the auditor: %v", err)
	}
	if err := f.p.CheckImport(f.as("jstaff"), -1); err != nil {
		t.Fatalf("CheckImport for justice staff: %v", err)
	}
	rep, err := f.p.Import(f.as("jstaff"), strings.NewReader("number,service,channel,received_at\nJ-1,HT-01,online,2026-11-24 09:00\nJ-2,DD-01,online,2026-11-24 09:00\n"), process.ImportOptions{})
	if err != nil || rep.Inserted != 1 || rep.Rejected != 1 || !strings.Contains(rep.Rejections[0].Reason, "land") {
		t.Fatalf("justice staff import: %+v %v", rep, err)
	}
}

// boundedService is the fixture's capability with a small import bound.
func boundedService(t *testing.T, f *fixture, max int64) *process.Service {
	t.Helper()
	enf, err := authz.New(f.db)
	if err != nil {
		t.Fatal(err)
	}
	return process.New(postgres.NewProcessStore(f.db), enf, process.Options{Now: func() time.Time { return f.now }, Location: hcm, MaxImport: max})
}

// rowsCSV is a header and n valid rows.
func rowsCSV(n int) string {
	var b strings.Builder
	b.WriteString("number,service,channel,received_at\n")
	for i := 0; i < n; i++ {
		b.WriteString("B-")
		b.WriteString(strings.Repeat("0", 6-len(itoa(i))) + itoa(i))
		b.WriteString(",HT-01,online,2026-11-24 09:00\n")
	}
	return b.String()
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestImportBounds: an import file is bounded by the configured limit
// (QMS_MAX_UPLOAD_BYTES) and each of its lines by MaxImportLine. Beyond
// either the whole file is refused with ErrTooLarge and nothing is stored:
// no dossier, no report, no trail entry. A file announced larger than the
// limit is refused before it is read.
func TestImportBounds(t *testing.T) {
	f := setup(t)
	const max = 256 << 10
	p := boundedService(t, f, max)
	coord := f.as("coord")
	before := f.moved(t)

	big := rowsCSV(10000) // about 400 KiB of valid rows
	_, err := p.Import(coord, strings.NewReader(big), process.ImportOptions{})
	if !errors.Is(err, qms.ErrTooLarge) || qms.Message(err) != "the file is larger than the limit of 256 KiB" {
		t.Fatalf("file over the limit: %v", err)
	}
	src := &readCounter{r: strings.NewReader(big)}
	if _, err := p.Import(coord, src, process.ImportOptions{Size: int64(len(big))}); !errors.Is(err, qms.ErrTooLarge) || src.n != 0 {
		t.Fatalf("announced over the limit: %v, %d bytes read", err, src.n)
	}
	if err := p.CheckImport(coord, max+1); !errors.Is(err, qms.ErrTooLarge) {
		t.Fatalf("CheckImport over the limit: %v", err)
	}

	// One line of 6 MiB under the default limit.
	long := "number,service,channel,received_at,reason\nL-1,HT-01,online,2026-11-24 09:00," + strings.Repeat("x", 6<<20) + "\n"
	_, err = f.p.Import(coord, strings.NewReader(long), process.ImportOptions{})
	if !errors.Is(err, qms.ErrTooLarge) || qms.Message(err) != "line 2 of the file is longer than 64 KiB" {
		t.Fatalf("6 MiB line: %v", err)
	}
	// A quote left open swallows the rest of the file into one row: refused the same way.
	open := "number,service,channel,received_at,reason\nL-1,HT-01,online,2026-11-24 09:00,\"" + strings.Repeat("x\n", 40<<10) + "\n"
	if _, err = f.p.Import(coord, strings.NewReader(open), process.ImportOptions{}); !errors.Is(err, qms.ErrTooLarge) {
		t.Fatalf("open quote: %v", err)
	}
	if after := f.moved(t); after != before {
		t.Fatalf("a refused import moved dossiers, reports, rejections, trail: %v -> %v", before, after)
	}

	// The line bound is exact: a line of MaxImportLine bytes (its newline
	// included) is read (its row rejected for its too long reason), one
	// byte more refuses the file.
	head := "number,service,channel,received_at,reason\n"
	row := "L-2,HT-01,online,2026-11-24 09:00,"
	at := head + row + strings.Repeat("y", process.MaxImportLine-len(row)-1) + "\n" + "L-3,HT-01,online,2026-11-24 09:00,\n"
	rep, err := p.Import(coord, strings.NewReader(at), process.ImportOptions{})
	if err != nil || rep.Total != 2 || rep.Inserted != 1 || rep.Rejected != 1 {
		t.Fatalf("a line of exactly %d bytes: %+v %v", process.MaxImportLine, rep, err)
	}
	over := head + row + strings.Repeat("y", process.MaxImportLine-len(row)) + "\n"
	if _, err := p.Import(coord, strings.NewReader(over), process.ImportOptions{}); !errors.Is(err, qms.ErrTooLarge) || !strings.Contains(qms.Message(err), "line 2") {
		t.Fatalf("a line of %d bytes: %v", process.MaxImportLine+1, err)
	}
	// A file of exactly the limit is read.
	exact := rowsCSV(100)
	exact += strings.Repeat("\n", max-len(exact)) // empty lines are skipped
	if rep, err := p.Import(coord, strings.NewReader(exact), process.ImportOptions{Size: int64(len(exact))}); err != nil || rep.Inserted != 100 {
		t.Fatalf("a file of exactly the limit: %+v %v", rep, err)
	}
}

// endless is a reader of n bytes of b.
type endless struct {
	b byte
	n int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), e.n)
	for i := range p[:k] {
		p[i] = e.b
	}
	e.n -= k
	return int(k), nil
}

// TestImportLongLineMemory: a 60 MiB line (which once raised the service's
// memory by 430 MB) is refused after reading little more than the line
// bound, and the heap stays within a few MiB while it is.
func TestImportLongLineMemory(t *testing.T) {
	f := setup(t)
	coord := f.as("coord")
	src := &readCounter{r: io.MultiReader(strings.NewReader("number,service,channel,received_at,reason\nL-1,HT-01,online,2026-11-24 09:00,"),
		&endless{b: 'x', n: 60 << 20}, bytes.NewReader([]byte("\n")))}
	stop := testenv.HeapPeak(time.Millisecond)
	_, err := f.p.Import(coord, src, process.ImportOptions{})
	base, peak := stop()
	if !errors.Is(err, qms.ErrTooLarge) {
		t.Fatalf("60 MiB line: %v", err)
	}
	t.Logf("read %d KiB of the 60 MiB line; heap in use %.1f MiB, peak %.1f MiB", src.n>>10, float64(base)/(1<<20), float64(peak)/(1<<20))
	if src.n > 256<<10 {
		t.Fatalf("read %d bytes of a line refused at %d", src.n, process.MaxImportLine)
	}
	if peak-base > 4<<20 {
		t.Fatalf("the heap grew by %.1f MiB for one long line", float64(peak-base)/(1<<20))
	}
}
