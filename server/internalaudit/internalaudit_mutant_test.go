package internalaudit_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/qms"
)

// Tests that pin the rules the mutation run (make mutate) found untested.

// TestMutantCounts: Counts gives the number of findings of each kind, and
// no entry for a kind without findings.
func TestMutantCounts(t *testing.T) {
	a := internalaudit.Audit{Findings: []internalaudit.Finding{
		{Kind: internalaudit.KindNonconformity}, {Kind: internalaudit.KindOFI}, {Kind: internalaudit.KindNonconformity},
		{Kind: internalaudit.KindNonconformity}, {Kind: internalaudit.KindObservation},
	}}
	got := a.Counts()
	want := map[string]int{internalaudit.KindNonconformity: 3, internalaudit.KindOFI: 1, internalaudit.KindObservation: 1}
	if len(got) != len(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("counts %v, want %v", got, want)
		}
	}
	if n := len((internalaudit.Audit{}).Counts()); n != 0 {
		t.Fatalf("an audit without findings counts %d kinds", n)
	}
}

// TestMutantAddQuestionReturnsTheItem: a question added by the team comes
// back as the stored item, numbered after the last item of the checklist;
// an empty question is refused as invalid.
func TestMutantAddQuestionReturnsTheItem(t *testing.T) {
	f := newFixture(t)
	a := f.plan(t)
	last := 0
	for _, it := range a.Items {
		last = max(last, it.Seq)
	}
	if last == 0 {
		t.Fatalf("planned checklist %+v", a.Items)
	}
	it, err := f.audits.AddQuestion(f.as("huong"), a.ID, internalaudit.NewQuestion{Clause: "7.5.3", Question: "  Có sổ ký nhận không?  "})
	if err != nil || it.ID == "" || it.Seq != last+1 || it.Question != "Có sổ ký nhận không?" || it.Clause != "7.5.3" || it.Source != "own" {
		t.Fatalf("added %+v %v (last seq %d)", it, err, last)
	}
	got, err := f.audits.Get(f.as("coord"), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range got.Items {
		found = found || (x.ID == it.ID && x.Seq == it.Seq && x.Question == it.Question)
	}
	if !found || len(got.Items) != len(a.Items)+1 {
		t.Fatalf("stored checklist %+v", got.Items)
	}
	if _, err := f.audits.AddQuestion(f.as("huong"), a.ID, internalaudit.NewQuestion{Question: "   "}); qms.KindOf(err) != qms.ErrInvalid {
		t.Fatalf("an empty question: %v", err)
	}
}

// TestMutantFindingSeverity: a nonconformity is major or minor, each
// accepted and kept; any other severity is refused on the field severity.
func TestMutantFindingSeverity(t *testing.T) {
	f := newFixture(t)
	a := f.plan(t)
	for _, sev := range []string{"major", "minor"} {
		got, err := f.audits.AddFinding(f.as("huong"), a.ID, internalaudit.NewFinding{ItemID: a.Items[0].ID, Kind: internalaudit.KindNonconformity,
			Severity: sev, Description: "Hồ sơ thiếu phiếu kiểm soát."})
		if err != nil || got.Severity != sev || got.Kind != internalaudit.KindNonconformity {
			t.Fatalf("severity %s: %+v %v", sev, got, err)
		}
	}
	_, err := f.audits.AddFinding(f.as("huong"), a.ID, internalaudit.NewFinding{ItemID: a.Items[0].ID, Kind: internalaudit.KindNonconformity,
		Severity: "critical", Description: "x"})
	var ve *qms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("severity critical: %v", err)
	}
	if _, ok := ve.Fields["severity"]; !ok || len(ve.Fields) != 1 {
		t.Fatalf("severity critical: fields %+v", ve.Fields)
	}
}

// TestMutantFindingEvidenceBound: a finding takes at most 50 evidence
// references: 50 are kept, 51 are refused on the field evidence.
func TestMutantFindingEvidenceBound(t *testing.T) {
	f := newFixture(t)
	a := f.plan(t)
	refs := func(n int) internalaudit.Lines {
		var l internalaudit.Lines
		for i := range n {
			l = append(l, fmt.Sprintf("HS-%03d", i))
		}
		return l
	}
	got, err := f.audits.AddFinding(f.as("huong"), a.ID, internalaudit.NewFinding{ItemID: a.Items[0].ID, Kind: internalaudit.KindObservation,
		Description: "Sổ theo dõi ghi chưa đủ.", Evidence: refs(50)})
	if err != nil || len(got.Evidence) != 50 {
		t.Fatalf("50 references: %d %v", len(got.Evidence), err)
	}
	_, err = f.audits.AddFinding(f.as("huong"), a.ID, internalaudit.NewFinding{ItemID: a.Items[0].ID, Kind: internalaudit.KindObservation,
		Description: "Sổ theo dõi ghi chưa đủ.", Evidence: refs(51)})
	var ve *qms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("51 references: %v", err)
	}
	if _, ok := ve.Fields["evidence"]; !ok || len(ve.Fields) != 1 {
		t.Fatalf("51 references: fields %+v", ve.Fields)
	}
}
