package auditpdf_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
)

// Tests that pin the rules the mutation run (make mutate) found untested.

// render writes a's report in English and returns the PDF's words joined
// by single spaces, and the top (points from the top of the page) of the
// word "Page", which only the footer has.
func render(t *testing.T, a internalaudit.Audit) (string, float64) {
	t.Helper()
	testenv.Tool(t, "pdftotext")
	r, err := auditpdf.New(auditpdf.Options{Now: func() time.Time { return time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.RenderReport(context.Background(), &buf, a, "en"); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	box, err := exec.Command("pdftotext", "-bbox", "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`yMin="([0-9.]+)"[^>]*>Page</word>`).FindSubmatch(box)
	if m == nil {
		t.Fatalf("no footer word Page in\n%s", box)
	}
	top, _ := strconv.ParseFloat(string(m[1]), 64)
	return strings.Join(strings.Fields(string(out)), " "), top
}

func dates(a *internalaudit.Audit) {
	a.Start = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	a.End = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
}

// TestMutantReportParts: the optional rows (processes, clauses, team) and
// the parts of a finding (clause, evidence, the NC raised, by number or
// else by id) appear exactly when they have content; findings are numbered
// from 1; the summary counts each kind; the page footer is at the bottom.
func TestMutantReportParts(t *testing.T) {
	full := internalaudit.Audit{Number: "IA-2026-03", Title: "Full audit", Units: []string{"land"},
		Processes: "Issuing land certificates", Clauses: []string{"7.5", "8.5"},
		Team: []internalaudit.Member{{Name: "Lead Person", Lead: true}, {Name: "Team Member"}},
		Findings: []internalaudit.Finding{
			{Kind: "nonconformity", Severity: "major", Clause: "7.5.3", Unit: "land", Description: "Obsolete form in use.",
				Evidence: []string{"E-1", "E-2"}, NCNumber: "NC-2026-0007", NCID: "nc-id-one"},
			{Kind: "ofi", Unit: "land", Description: "Digitise the ledger.", NCID: "nc-id-two"},
			{Kind: "observation", Unit: "land", Description: "Queue signs are small."},
		}}
	dates(&full)
	text, top := render(t, full)
	for _, w := range []string{
		"Processes Issuing land certificates", "Clauses 7.5, 8.5", "Audit team Team Member", "Lead auditor Lead Person",
		"1. Nonconformity (major) · Clause 7.5.3 · land", "2. Opportunity for improvement · land Digitise",
		"3. Observation · land Queue", "Evidence: E-1; E-2", "Nonconformity: NC-2026-0007", "Nonconformity: nc-id-two",
		"Audit dates 24/11/2026 – 26/11/2026",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("%q missing from the report:\n%s", w, text)
		}
	}
	for w, n := range map[string]int{"Evidence:": 1, "Nonconformity: ": 2, "No findings.": 0, "nc-id-one": 0, "Clause ": 1} {
		if got := strings.Count(text, w); got != n {
			t.Errorf("%q appears %d times, want %d:\n%s", w, got, n, text)
		}
	}
	for _, w := range []string{"Conformity 0", "Nonconformity 1", "Observation 1", "Opportunity for improvement 1"} {
		if !strings.Contains(text, w) {
			t.Errorf("summary %q missing:\n%s", w, text)
		}
	}
	if top < 780 { // A4 is 842 points high; the footer is 12 mm from the bottom
		t.Errorf("footer at %.1f points from the top, want the bottom of the page", top)
	}

	bare := internalaudit.Audit{Number: "IA-2026-04", Title: "Bare audit", Units: []string{"land"},
		Team: []internalaudit.Member{{Name: "Lead Person", Lead: true}}}
	dates(&bare)
	text, _ = render(t, bare)
	if !strings.Contains(text, "Findings No findings.") {
		t.Errorf("a report without findings says so:\n%s", text)
	}
	for _, w := range []string{"Processes", "Clauses", "Audit team", "Evidence", "1. "} {
		if strings.Contains(text, w) {
			t.Errorf("%q in a report that has none:\n%s", w, text)
		}
	}
}
