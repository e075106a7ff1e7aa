package evidence

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// LiveTrail is the live chain a pack's trail excerpt is checked against.
type LiveTrail interface {
	Get(ctx context.Context, seq int64) (trail.Entry, error)
	Verify(ctx context.Context) (trail.Result, error)
}

// Report is the outcome of verifying a pack.
type Report struct {
	OK           bool     `json:"ok"`
	Files        int      `json:"files"`
	Bytes        int64    `json:"bytes"`
	TrailEntries int64    `json:"trail_entries"`
	LiveChecked  bool     `json:"live_checked"`
	Problems     []string `json:"problems"`
}

func (r *Report) fail(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// Verify checks a pack: every file against manifest.json (SHA-256 and size,
// streaming), no file missing or unlisted, manifest.csv agreeing with
// manifest.json, trail.jsonl against its hash in the manifest, each trail
// entry against its own hash, and, when live is not nil, each entry against
// the live chain, which is itself verified from its genesis.
func Verify(ctx context.Context, zr *zip.Reader, live LiveTrail) (Report, error) {
	rep := Report{Problems: []string{}}
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if _, dup := entries[f.Name]; dup {
			rep.fail("%s appears twice in the ZIP", f.Name)
		}
		entries[f.Name] = f
	}
	mf, ok := entries["manifest.json"]
	if !ok {
		return rep, qms.Errorf(qms.ErrInvalid, "not an evidence pack: manifest.json is missing")
	}
	var m Manifest
	if err := readJSON(mf, &m); err != nil {
		return rep, qms.Errorf(qms.ErrInvalid, "manifest.json cannot be read: %v", err)
	}
	if m.Format != ManifestFormat {
		return rep, qms.Errorf(qms.ErrInvalid, "unknown pack format %q", m.Format)
	}
	for _, p := range m.Problems {
		rep.fail("recorded when the pack was made: %s", p)
	}
	listed := map[string]bool{"manifest.json": true, "manifest.csv": true, m.Trail.Path: true}
	buf := make([]byte, 256<<10)
	for _, it := range m.Files {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		listed[it.Path] = true
		f, ok := entries[it.Path]
		if !ok {
			rep.fail("%s is listed in the manifest but missing from the pack", it.Path)
			continue
		}
		sum, n, err := hashEntry(f, buf)
		if err != nil {
			rep.fail("%s cannot be read: %v", it.Path, err)
			continue
		}
		rep.Files++
		rep.Bytes += n
		if sum != it.SHA256 {
			rep.fail("%s: SHA-256 %s, the manifest says %s", it.Path, sum, it.SHA256)
		}
		if n != it.Size {
			rep.fail("%s: %d bytes, the manifest says %d", it.Path, n, it.Size)
		}
	}
	for name := range entries {
		if !listed[name] {
			rep.fail("%s is in the pack but not in the manifest", name)
		}
	}
	checkCSV(entries["manifest.csv"], m, &rep)
	checkTrail(ctx, entries[m.Trail.Path], m, live, &rep)
	rep.OK = len(rep.Problems) == 0
	return rep, nil
}

func readJSON(f *zip.File, v any) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return json.NewDecoder(io.LimitReader(rc, 512<<20)).Decode(v)
}

func hashEntry(f *zip.File, buf []byte) (string, int64, error) {
	rc, err := f.Open()
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, rc, buf)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

func checkCSV(f *zip.File, m Manifest, rep *Report) {
	if f == nil {
		rep.fail("manifest.csv is missing")
		return
	}
	rc, err := f.Open()
	if err != nil {
		rep.fail("manifest.csv cannot be read: %v", err)
		return
	}
	defer rc.Close()
	r := csv.NewReader(rc)
	head, err := r.Read()
	if err != nil || strings.Join(head, ",") != strings.Join(CSVHeader, ",") {
		rep.fail("manifest.csv has an unexpected header")
		return
	}
	i := 0
	for ; ; i++ {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			rep.fail("manifest.csv line %d: %v", i+2, err)
			return
		}
		if i >= len(m.Files) {
			rep.fail("manifest.csv lists more files than manifest.json")
			return
		}
		want := csvRow(m.Files[i])
		if row[0] != want[0] || row[8] != want[8] || row[9] != want[9] || row[7] != want[7] {
			rep.fail("manifest.csv line %d does not match manifest.json (%s)", i+2, want[0])
		}
	}
	if i != len(m.Files) {
		rep.fail("manifest.csv lists %d files, manifest.json %d", i, len(m.Files))
	}
}

func checkTrail(ctx context.Context, f *zip.File, m Manifest, live LiveTrail, rep *Report) {
	if f == nil {
		rep.fail("the trail excerpt %s is missing", m.Trail.Path)
		return
	}
	rc, err := f.Open()
	if err != nil {
		rep.fail("the trail excerpt cannot be read: %v", err)
		return
	}
	defer rc.Close()
	h := sha256.New()
	sc := bufio.NewScanner(io.TeeReader(rc, h))
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	if live != nil {
		res, err := live.Verify(ctx)
		switch {
		case err != nil:
			rep.fail("the live trail cannot be verified: %v", err)
			live = nil
		case !res.OK:
			rep.fail("the live trail itself is broken at entry %d: %s", res.BrokenAt, res.Reason)
			live = nil
		default:
			rep.LiveChecked = true
		}
	}
	var prev *trail.Entry
	for sc.Scan() {
		var e trail.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			rep.fail("trail excerpt line %d: %v", rep.TrailEntries+1, err)
			return
		}
		rep.TrailEntries++
		if got, err := trail.ComputeHash(e); err != nil || got != e.Hash {
			rep.fail("trail entry %d does not match its own hash (altered)", e.Seq)
		}
		if prev != nil {
			if e.Seq <= prev.Seq {
				rep.fail("trail entry %d is out of order", e.Seq)
			} else if e.Seq == prev.Seq+1 && e.PrevHash != prev.Hash {
				rep.fail("trail entry %d does not follow entry %d", e.Seq, prev.Seq)
			}
		}
		if e.Seq > m.Trail.HeadSeq {
			rep.fail("trail entry %d is after the pack's head %d", e.Seq, m.Trail.HeadSeq)
		}
		if live != nil {
			le, err := live.Get(ctx, e.Seq)
			if err != nil {
				rep.fail("trail entry %d is not in the live chain: %s", e.Seq, qms.Message(err))
			} else if le.Hash != e.Hash {
				rep.fail("trail entry %d differs from the live chain", e.Seq)
			}
		}
		cp := e
		prev = &cp
	}
	if err := sc.Err(); err != nil {
		rep.fail("the trail excerpt cannot be read: %v", err)
		return
	}
	if rep.TrailEntries != m.Trail.Entries {
		rep.fail("the trail excerpt has %d entries, the manifest says %d", rep.TrailEntries, m.Trail.Entries)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != m.Trail.SHA256 {
		rep.fail("the trail excerpt's SHA-256 %s differs from the manifest's %s", sum, m.Trail.SHA256)
	}
}

// Summary is a human-readable verdict.
func (r Report) Summary() string {
	var b strings.Builder
	verdict := "OK"
	if !r.OK {
		verdict = "FAILED"
	}
	b.WriteString("evidence pack " + verdict + ": " + strconv.Itoa(r.Files) + " files, " + strconv.FormatInt(r.Bytes, 10) +
		" bytes, " + strconv.FormatInt(r.TrailEntries, 10) + " trail entries")
	if r.LiveChecked {
		b.WriteString(", checked against the live trail")
	} else {
		b.WriteString(", NOT checked against the live trail")
	}
	b.WriteString("\n")
	for _, p := range r.Problems {
		b.WriteString("  - " + p + "\n")
	}
	return b.String()
}
