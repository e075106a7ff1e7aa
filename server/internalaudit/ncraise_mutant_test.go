package internalaudit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
)

// raiser stands in for the NC capability behind internalaudit.NCRaiser: it
// keeps the requests and answers a number per finding reference.
type raiser struct {
	mu   sync.Mutex
	reqs []internalaudit.NCRequest
}

func (r *raiser) RaiseFromAudit(_ context.Context, q internalaudit.NCRequest) (string, string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, q)
	n := len(r.reqs)
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", n), fmt.Sprintf("NC-2026-%04d", n), nil
}

// TestMutantNonconformityFindingRaisesAnNC: with the NC capability wired,
// a nonconformity finding raises one NC, named after the audit and linked
// to the finding; an observation raises none; each answer is the finding
// just added, with its NC.
func TestMutantNonconformityFindingRaisesAnNC(t *testing.T) {
	f := newFixture(t)
	az, err := authz.New(f.env.DB)
	if err != nil {
		t.Fatal(err)
	}
	nc := &raiser{}
	clock := func() time.Time { return f.now }
	f.audits = internalaudit.New(postgres.NewAuditStore(f.env.DB), az, internalaudit.Options{Now: clock, Location: loc,
		Records: app.AuditReports{Records: f.records}, NC: nc})
	a := f.plan(t)
	item := a.Items[0].ID
	obs, err := f.audits.AddFinding(f.as("huong"), a.ID, internalaudit.NewFinding{ItemID: item, Kind: "observation", Description: "Sổ ghi chép chưa gọn"})
	if err != nil || obs.NCID != "" || len(nc.reqs) != 0 {
		t.Fatalf("an observation: %+v %v, %d NCs raised", obs, err, len(nc.reqs))
	}
	got, err := f.audits.AddFinding(f.as("huong"), a.ID, internalaudit.NewFinding{ItemID: item, Kind: "nonconformity", Severity: "major",
		Description: "Hồ sơ trả quá hạn không có phiếu xin lỗi\nChi tiết: 3 hồ sơ"})
	if err != nil {
		t.Fatal(err)
	}
	if len(nc.reqs) != 1 {
		t.Fatalf("%d NCs raised, want 1", len(nc.reqs))
	}
	q := nc.reqs[0]
	if got.Kind != "nonconformity" || got.ID == obs.ID || got.NCNumber != "NC-2026-0001" || got.NCID != "00000000-0000-4000-8000-000000000001" {
		t.Fatalf("the answered finding: %+v", got)
	}
	if q.Unit != "land" || q.Severity != "major" || q.AuditID != a.ID || q.Title != a.Number+": Hồ sơ trả quá hạn không có phiếu xin lỗi" ||
		q.FindingRef != "audit:"+a.ID+"/"+got.ID || !strings.Contains(q.Description, "Chi tiết: 3 hồ sơ") {
		t.Fatalf("NC request %+v", q)
	}
}

// TestMutantLeadAndProgrammeYear: the first of the team is the lead, the
// others are not; the programme of a year outside 2000-2200 is refused
// with the bound, year 0 lists every year.
func TestMutantLeadAndProgrammeYear(t *testing.T) {
	f := newFixture(t)
	a := f.plan(t)
	leads := map[string]bool{}
	for _, m := range a.Team {
		leads[m.Login] = m.Lead
	}
	if len(leads) != 2 || !leads["huong"] || leads["duc"] {
		t.Fatalf("team %+v: want huong lead, duc not", a.Team)
	}
	for _, y := range []int{1999, 2201} {
		if _, err := f.audits.Programme(f.as("coord"), y); qms.KindOf(err) != qms.ErrInvalid || !strings.Contains(err.Error(), "between 2000 and 2200") {
			t.Errorf("programme of %d: %v, want the bound", y, err)
		}
	}
	for _, y := range []int{2000, 2200} {
		if got, err := f.audits.Programme(f.as("coord"), y); err != nil || len(got) != 0 {
			t.Errorf("programme of %d: %d audits (%v), want none and no refusal", y, len(got), err)
		}
	}
	for _, y := range []int{0, f.now.Year()} {
		if got, err := f.audits.Programme(f.as("coord"), y); err != nil || len(got) != 1 || got[0].ID != a.ID {
			t.Errorf("programme of %d: %d audits (%v), want the one planned", y, len(got), err)
		}
	}
}

// TestMutantReportLanguage: a report asked for in English is written in
// English; any other language gives the Vietnamese one. The report of an
// audit planned without clauses is filed under clause 9.2.
func TestMutantReportLanguage(t *testing.T) {
	for _, c := range []struct{ asked, want string }{{"en", "en"}, {"fr", "vi"}} {
		f := newFixture(t)
		a := f.plan(t)
		if _, err := f.audits.AddFinding(f.as("huong"), a.ID, internalaudit.NewFinding{ItemID: a.Items[0].ID, Kind: "conformity", Description: "Sổ cập nhật đầy đủ"}); err != nil {
			t.Fatal(err)
		}
		done, err := f.audits.IssueReport(f.as("huong"), a.ID, c.asked)
		if err != nil {
			t.Fatalf("report in %q: %v", c.asked, err)
		}
		// An audit planned without clauses files its report under 9.2.
		if r, err := f.records.Get(f.as("coord"), done.ReportRecord); err != nil || len(a.Clauses) != 0 || strings.Join(r.Clauses, " ") != "9.2" {
			t.Fatalf("report record of an audit of clauses %v: clauses %v (%v), want 9.2", a.Clauses, r.Clauses, err)
		}
		var lang string
		if err := f.env.DB.Get(&lang, `SELECT details->>'lang' FROM trail WHERE action = 'audit.report' AND object_id = $1`, a.ID); err != nil || lang != c.want {
			t.Fatalf("report asked in %q: written in %q (%v), want %q", c.asked, lang, err, c.want)
		}
	}
}

// TestMutantReviewObjectIDBound: an object id of 64 characters is looked
// up (and, naming nothing, not found); 65 are refused as no id.
func TestMutantReviewObjectIDBound(t *testing.T) {
	f := newFixture(t)
	a := f.plan(t)
	_, err := f.audits.Review(f.as("duc"), internalaudit.NewReview{AuditID: a.ID, ObjectType: "record", ObjectID: strings.Repeat("a", 64)})
	if qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("an id of 64 characters: %v, want not found", err)
	}
	_, err = f.audits.Review(f.as("duc"), internalaudit.NewReview{AuditID: a.ID, ObjectType: "record", ObjectID: strings.Repeat("a", 65)})
	if qms.KindOf(err) != qms.ErrInvalid || !strings.Contains(err.Error(), "object_id is required") {
		t.Fatalf("an id of 65 characters: %v, want refused", err)
	}
}

// TestMutantReportButton: the lead may issue the report once a finding is
// recorded, not before; a team member who is not the lead may not.
func TestMutantReportButton(t *testing.T) {
	f := newFixture(t)
	a := f.plan(t)
	if p := f.audits.PermissionsOf(f.as("huong"), a); p.Report {
		t.Fatal("the lead may report an audit without findings")
	}
	if _, err := f.audits.AddFinding(f.as("huong"), a.ID, internalaudit.NewFinding{ItemID: a.Items[0].ID, Kind: "conformity", Description: "Sổ cập nhật đầy đủ"}); err != nil {
		t.Fatal(err)
	}
	got, err := f.audits.Get(f.as("coord"), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p := f.audits.PermissionsOf(f.as("huong"), got); !p.Report {
		t.Fatal("the lead may not report an audit with a finding")
	}
	if p := f.audits.PermissionsOf(f.as("duc"), got); p.Report {
		t.Fatal("a team member who is not the lead may report")
	}
}
