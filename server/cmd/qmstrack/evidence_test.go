package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

func TestEvidenceVerifyCommand(t *testing.T) {
	env := apptest.New(t)
	staff := env.As("staff.tnmt")
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	staff.Multipart("/api/v1/records", map[string]string{"type": "filled-form", "unit": "tnmt", "title": "Phiếu kiểm soát",
		"date": time.Now().In(loc).Format("2006-01-02"), "clauses": "8.5"},
		apptest.File{Field: "file", Name: "phiếu.pdf", Content: []byte("%PDF-1.4\nslip\n%%EOF\n")}).MustStatus(201)
	pack := env.As("coordinator").Do("GET", "/api/v1/evidence-pack?clause=8.5", nil).MustStatus(200).Body
	dir := t.TempDir()
	good := filepath.Join(dir, "pack.zip")
	if err := os.WriteFile(good, pack, 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := envFor(t, env.DBURL, nil)
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"evidence", "verify", good}, getenv, &out, &errb); err != nil || !strings.Contains(out.String(), "evidence pack OK: 1 files") ||
		!strings.Contains(out.String(), "checked against the live trail") {
		t.Fatalf("verify good pack: %v\n%s%s", err, out.String(), errb.String())
	}

	// A tampered file: exit code 1 and the file named.
	zr, _ := zip.NewReader(bytes.NewReader(pack), int64(len(pack)))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if strings.HasPrefix(f.Name, "files/") {
			b = bytes.Replace(b, []byte("slip"), []byte("SLIP"), 1)
		}
		w, _ := zw.Create(f.Name)
		_, _ = w.Write(b)
	}
	_ = zw.Close()
	bad := filepath.Join(dir, "bad.zip")
	if err := os.WriteFile(bad, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := run(ctx, []string{"evidence", "verify", bad}, getenv, &out, &errb)
	if exitCode(err) != 1 || !strings.Contains(out.String(), "FAILED") || !strings.Contains(out.String(), "SHA-256") {
		t.Fatalf("verify bad pack: %v\n%s", err, out.String())
	}
	// Offline: files only, said plainly.
	out.Reset()
	if err := run(ctx, []string{"evidence", "verify", "-offline", good}, envFor(t, "", nil), &out, &errb); err != nil ||
		!strings.Contains(out.String(), "NOT checked against the live trail") {
		t.Fatalf("offline: %v\n%s", err, out.String())
	}
	for _, args := range [][]string{{"evidence"}, {"evidence", "check", good}, {"evidence", "verify"}} {
		if err := run(ctx, args, getenv, &out, &errb); exitCode(err) != 2 {
			t.Errorf("%v: exit %d", args, exitCode(err))
		}
	}
	if err := run(ctx, []string{"evidence", "verify", filepath.Join(dir, "missing.zip")}, getenv, &out, &errb); err == nil {
		t.Error("a missing pack verified")
	}
}
