package evidence_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// packEntry is one file of a pack being rebuilt; unreadable stores it with
// a compression method no reader knows, so opening it fails.
type packEntry struct {
	name       string
	body       []byte
	unreadable bool
}

// packParts is a pack taken apart, to be changed and zipped again.
type packParts struct {
	t       *testing.T
	entries []packEntry
}

func partsOf(t *testing.T, zr *zip.Reader) *packParts {
	t.Helper()
	p := &packParts{t: t}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		p.entries = append(p.entries, packEntry{name: f.Name, body: b})
	}
	return p
}

func (p *packParts) find(name string) *packEntry {
	for i := range p.entries {
		if p.entries[i].name == name {
			return &p.entries[i]
		}
	}
	p.t.Fatalf("no %s in the pack", name)
	return nil
}

func (p *packParts) drop(name string) {
	p.find(name)
	out := p.entries[:0]
	for _, e := range p.entries {
		if e.name != name {
			out = append(out, e)
		}
	}
	p.entries = out
}

func (p *packParts) add(name string, body []byte) {
	p.entries = append(p.entries, packEntry{name: name, body: body})
}

func (p *packParts) manifest() evidence.Manifest {
	var m evidence.Manifest
	if err := json.Unmarshal(p.find("manifest.json").body, &m); err != nil {
		p.t.Fatal(err)
	}
	return m
}

// editManifest changes manifest.json (re-encoded).
func (p *packParts) editManifest(edit func(*evidence.Manifest)) {
	m := p.manifest()
	edit(&m)
	b, err := json.Marshal(m)
	if err != nil {
		p.t.Fatal(err)
	}
	p.find("manifest.json").body = b
}

// editCSV changes the rows of manifest.csv (header first).
func (p *packParts) editCSV(edit func([][]string) [][]string) {
	e := p.find("manifest.csv")
	rows, err := csv.NewReader(bytes.NewReader(e.body)).ReadAll()
	if err != nil {
		p.t.Fatal(err)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(edit(rows)); err != nil {
		p.t.Fatal(err)
	}
	e.body = buf.Bytes()
}

func (p *packParts) trailEntries() []trail.Entry {
	var out []trail.Entry
	for _, line := range strings.Split(strings.TrimSuffix(string(p.find("trail.jsonl").body), "\n"), "\n") {
		var e trail.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			p.t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// editTrail rewrites trail.jsonl and records its new SHA-256 and length in
// the manifest, so only what edit did to the entries is wrong.
func (p *packParts) editTrail(edit func([]trail.Entry) []trail.Entry) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	es := edit(p.trailEntries())
	for _, e := range es {
		if err := enc.Encode(e); err != nil {
			p.t.Fatal(err)
		}
	}
	p.find("trail.jsonl").body = buf.Bytes()
	sum := sha256.Sum256(buf.Bytes())
	p.editManifest(func(m *evidence.Manifest) {
		m.Trail.SHA256, m.Trail.Entries = hex.EncodeToString(sum[:]), int64(len(es))
	})
}

func (p *packParts) zip() *zip.Reader {
	p.t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range p.entries {
		var w io.Writer
		var err error
		if e.unreadable {
			w, err = zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: 99, CRC32: crc32.ChecksumIEEE(e.body),
				CompressedSize64: uint64(len(e.body)), UncompressedSize64: uint64(len(e.body))})
		} else {
			w, err = zw.Create(e.name)
		}
		if err != nil {
			p.t.Fatal(err)
		}
		if _, err := w.Write(e.body); err != nil {
			p.t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		p.t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		p.t.Fatal(err)
	}
	return zr
}

func rehash(t *testing.T, e *trail.Entry) {
	t.Helper()
	h, err := trail.ComputeHash(*e)
	if err != nil {
		t.Fatal(err)
	}
	e.Hash = h
}

// closedTrail is the live trail of a database that cannot be reached.
func closedTrail(t *testing.T) evidence.LiveTrail {
	db := testenv.DB(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return postgres.NewTrailStore(db)
}

// brokenTrail is a live chain of another database altered behind the
// application's back at entry 2.
func brokenTrail(t *testing.T) evidence.LiveTrail {
	db := testenv.DB(t)
	s := postgres.NewTrailStore(db)
	for i := 0; i < 3; i++ {
		if err := s.Record(context.Background(), trail.Event{ActorLogin: "a", Action: "x", ObjectType: "t", ObjectID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SequenceNow(context.Background()); err != nil { // the entries have their place before one is altered
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{`SET session_replication_role = replica`, `UPDATE trail SET action = 'y' WHERE seq = 2`, `SET session_replication_role = origin`} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestVerifyFailurePaths takes a genuine pack apart and breaks it one way at
// a time: each way is reported by its own problem (or refused with its own
// error), so disabling any one check of evidence.Verify fails a case.
func TestVerifyFailurePaths(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	live := postgres.NewTrailStore(f.env.DB)
	f.file(t, "lan", "land", "Phiếu kiểm soát hồ sơ", []string{"7.5.3"}, "slip")
	f.file(t, "lan", "land", "Sổ theo dõi", []string{"7.5.3"}, "register")
	zr, _ := f.pack(t, "coord", evidence.Query{Clause: "7.5"})
	m := manifest(t, zr)
	if len(m.Files) != 2 || m.Trail.Entries < 2 {
		t.Fatalf("setup: want 2 files and 2 trail entries, got %d and %d", len(m.Files), m.Trail.Entries)
	}
	f0, f1 := m.Files[0], m.Files[1]
	es := partsOf(t, zr).trailEntries()
	last := es[len(es)-1]
	follow := -1 // an entry whose successor in the excerpt is the next in the chain
	for i := 0; i+1 < len(es); i++ {
		if es[i+1].Seq == es[i].Seq+1 {
			follow = i
		}
	}
	if follow < 0 {
		t.Fatalf("setup: no two consecutive entries in the excerpt %v", es)
	}
	otherDB := postgres.NewTrailStore(testenv.DB(t)) // an empty chain of another organisation

	cases := []struct {
		name string
		edit func(p *packParts)
		live evidence.LiveTrail
		// offline verifies without a live trail.
		offline bool
		ctx     context.Context
		// want is the problem reported, or the start of the error when
		// fatal is set.
		want  string
		fatal error
	}{
		// The pack as made, and taken apart and zipped again: no problem.
		{name: "genuine", edit: func(*packParts) {}},
		{name: "re-encoded", edit: func(p *packParts) {
			p.editManifest(func(*evidence.Manifest) {})
			p.editCSV(func(r [][]string) [][]string { return r })
			p.editTrail(func(e []trail.Entry) []trail.Entry { return e })
		}},

		// Refused outright.
		{name: "no manifest.json", edit: func(p *packParts) { p.drop("manifest.json") },
			fatal: qms.ErrInvalid, want: "not an evidence pack: manifest.json is missing"},
		{name: "manifest.json not JSON", edit: func(p *packParts) { p.find("manifest.json").body = []byte(`{"format":`) },
			fatal: qms.ErrInvalid, want: "manifest.json cannot be read: unexpected EOF"},
		{name: "manifest.json unreadable", edit: func(p *packParts) { p.find("manifest.json").unreadable = true },
			fatal: qms.ErrInvalid, want: "manifest.json cannot be read: zip: unsupported compression algorithm"},
		{name: "unknown format", edit: func(p *packParts) { p.editManifest(func(m *evidence.Manifest) { m.Format = "other-pack/9" }) },
			fatal: qms.ErrInvalid, want: `unknown pack format "other-pack/9"`},
		{name: "cancelled", edit: func(*packParts) {}, ctx: cancelled(), fatal: context.Canceled, want: "context canceled"},

		// The files.
		{name: "a name twice", edit: func(p *packParts) { p.add(f0.Path, p.find(f0.Path).body) },
			want: f0.Path + " appears twice in the ZIP"},
		{name: "problem recorded at packing", edit: func(p *packParts) {
			p.editManifest(func(m *evidence.Manifest) { m.Problems = []string{"object missing"} })
		}, want: "recorded when the pack was made: object missing"},
		{name: "missing file", edit: func(p *packParts) { p.drop(f0.Path) },
			want: f0.Path + " is listed in the manifest but missing from the pack"},
		{name: "unreadable file", edit: func(p *packParts) { p.find(f1.Path).unreadable = true },
			want: f1.Path + " cannot be read: zip: unsupported compression algorithm"},
		{name: "altered file, same size", edit: func(p *packParts) {
			b := p.find(f0.Path).body
			b[len(b)-1] ^= 1
		}, want: f0.Path + ": SHA-256 "},
		{name: "size differs from the manifest", edit: func(p *packParts) {
			p.editManifest(func(m *evidence.Manifest) { m.Files[1].Size++ })
		}, want: fmt.Sprintf("%s: %d bytes, the manifest says %d", f1.Path, f1.Size, f1.Size+1)},
		{name: "extra file", edit: func(p *packParts) { p.add("files/extra.pdf", []byte("%PDF-1.4\n")) },
			want: "files/extra.pdf is in the pack but not in the manifest"},

		// manifest.csv.
		{name: "no manifest.csv", edit: func(p *packParts) { p.drop("manifest.csv") }, want: "manifest.csv is missing"},
		{name: "manifest.csv unreadable", edit: func(p *packParts) { p.find("manifest.csv").unreadable = true },
			want: "manifest.csv cannot be read: zip: unsupported compression algorithm"},
		{name: "manifest.csv header", edit: func(p *packParts) {
			p.editCSV(func(r [][]string) [][]string { r[0][8] = "md5"; return r })
		}, want: "manifest.csv has an unexpected header"},
		{name: "manifest.csv bad line", edit: func(p *packParts) {
			p.editCSV(func(r [][]string) [][]string { return append(r[:1], append([][]string{{"a", "b"}}, r[1:]...)...) })
		}, want: "manifest.csv line 2: record on line 2: wrong number of fields"},
		{name: "manifest.csv longer", edit: func(p *packParts) {
			p.editCSV(func(r [][]string) [][]string { return append(r, r[len(r)-1]) })
		}, want: "manifest.csv lists more files than manifest.json"},
		{name: "manifest.csv shorter", edit: func(p *packParts) {
			p.editCSV(func(r [][]string) [][]string { return r[:len(r)-1] })
		}, want: "manifest.csv lists 1 files, manifest.json 2"},
		{name: "manifest.csv path differs", edit: csvCell(1, 0, "files/other.pdf"),
			want: "manifest.csv line 2 does not match manifest.json (" + f0.Path + ")"},
		{name: "manifest.csv version differs", edit: csvCell(2, 7, "v-other"),
			want: "manifest.csv line 3 does not match manifest.json (" + f1.Path + ")"},
		{name: "manifest.csv SHA-256 differs", edit: csvCell(1, 8, strings.Repeat("0", 64)),
			want: "manifest.csv line 2 does not match manifest.json (" + f0.Path + ")"},
		{name: "manifest.csv size differs", edit: csvCell(2, 9, "1"),
			want: "manifest.csv line 3 does not match manifest.json (" + f1.Path + ")"},

		// The trail excerpt.
		{name: "no trail excerpt", edit: func(p *packParts) { p.drop("trail.jsonl") }, want: "the trail excerpt trail.jsonl is missing"},
		{name: "trail excerpt unreadable", edit: func(p *packParts) { p.find("trail.jsonl").unreadable = true },
			want: "the trail excerpt cannot be read: zip: unsupported compression algorithm"},
		{name: "live trail unreachable", edit: func(*packParts) {}, live: closedTrail(t),
			want: "the live trail cannot be verified: "},
		{name: "live trail broken", edit: func(*packParts) {}, live: brokenTrail(t),
			want: "the live trail itself is broken at entry 2: content does not match its hash"},
		{name: "excerpt line not JSON", edit: func(p *packParts) {
			e := p.find("trail.jsonl")
			e.body = append(e.body, []byte("not json\n")...)
		}, want: fmt.Sprintf("trail excerpt line %d: invalid character", len(es)+1)},
		{name: "excerpt line too long", edit: func(p *packParts) {
			e := p.find("trail.jsonl")
			e.body = append(e.body, bytes.Repeat([]byte("x"), 9<<20)...)
		}, want: "the trail excerpt cannot be read: bufio.Scanner: token too long"},
		{name: "entry altered", edit: func(p *packParts) {
			p.editTrail(func(e []trail.Entry) []trail.Entry { e[0].Action = "record.dispose"; return e })
		}, want: fmt.Sprintf("trail entry %d does not match its own hash (altered)", es[0].Seq)},
		{name: "entries swapped", edit: func(p *packParts) {
			p.editTrail(func(e []trail.Entry) []trail.Entry { e[0], e[1] = e[1], e[0]; return e })
		}, want: fmt.Sprintf("trail entry %d is out of order", es[0].Seq)},
		// Offline, as the live chain would also (rightly) refuse the entry.
		{name: "entry replaced, rehashed", offline: true, edit: func(p *packParts) {
			p.editTrail(func(e []trail.Entry) []trail.Entry {
				e[follow].ObjectID = "forged"
				rehash(t, &e[follow])
				return e
			})
		}, want: fmt.Sprintf("trail entry %d does not follow entry %d", es[follow+1].Seq, es[follow].Seq)},
		{name: "entry after the head", edit: func(p *packParts) {
			p.editManifest(func(m *evidence.Manifest) { m.Trail.HeadSeq = last.Seq - 1 })
		}, want: fmt.Sprintf("trail entry %d is after the pack's head %d", last.Seq, last.Seq-1)},
		{name: "entries not in the live chain", edit: func(*packParts) {}, live: otherDB,
			want: fmt.Sprintf("trail entry %d is not in the live chain: ", es[0].Seq)},
		{name: "last entry forged, rehashed", edit: func(p *packParts) {
			p.editTrail(func(e []trail.Entry) []trail.Entry {
				e[len(e)-1].ObjectID = "forged"
				rehash(t, &e[len(e)-1])
				return e
			})
		}, want: fmt.Sprintf("trail entry %d differs from the live chain", last.Seq)},
		{name: "entry count differs", edit: func(p *packParts) {
			p.editManifest(func(m *evidence.Manifest) { m.Trail.Entries++ })
		}, want: fmt.Sprintf("the trail excerpt has %d entries, the manifest says %d", len(es), len(es)+1)},
		{name: "excerpt SHA-256 differs", edit: func(p *packParts) {
			p.editManifest(func(m *evidence.Manifest) { m.Trail.SHA256 = strings.Repeat("0", 64) })
		}, want: "differs from the manifest's " + strings.Repeat("0", 64)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := partsOf(t, zr)
			p.t = t
			c.edit(p)
			lt := evidence.LiveTrail(live)
			if c.live != nil {
				lt = c.live
			}
			if c.offline {
				lt = nil
			}
			vctx := ctx
			if c.ctx != nil {
				vctx = c.ctx
			}
			rep, err := evidence.Verify(vctx, p.zip(), lt)
			if c.fatal != nil {
				if !errors.Is(err, c.fatal) || !strings.HasPrefix(err.Error(), c.want) {
					t.Fatalf("want %v %q, got %v (report %+v)", c.fatal, c.want, err, rep)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if !rep.OK || len(rep.Problems) != 0 || rep.Files != 2 || rep.TrailEntries != int64(len(es)) || !rep.LiveChecked {
					t.Fatalf("a sound pack: %+v", rep)
				}
				return
			}
			if rep.OK {
				t.Fatalf("passed; want %q", c.want)
			}
			found := false
			for _, pr := range rep.Problems {
				found = found || strings.Contains(pr, c.want)
			}
			if !found {
				t.Fatalf("want a problem %q, got %q", c.want, rep.Problems)
			}
			if strings.HasPrefix(c.name, "live trail") && rep.LiveChecked {
				t.Fatal("reported as checked against the live trail")
			}
		})
	}
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// csvCell sets one cell of manifest.csv (row 0 is the header).
func csvCell(row, col int, v string) func(*packParts) {
	return func(p *packParts) {
		p.editCSV(func(r [][]string) [][]string { r[row][col] = v; return r })
	}
}
