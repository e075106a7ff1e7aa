package evidence

import (
	"strings"
	"testing"
	"time"
)

// TestAssignPaths: each file of a pack is named inside the ZIP from its kind,
// its object and its cleaned name: a name cleaned to nothing becomes "file",
// a name of up to 100 characters is kept whole and a longer one keeps its
// last 100, and the same name twice in one object is numbered 2, 3, ...
func TestAssignPaths(t *testing.T) {
	long100 := strings.Repeat("ắ", 96) + ".pdf"
	long101 := "X" + long100
	items := []Item{
		{Kind: "record", ObjectID: "r1", FileName: "biên bản họp.pdf"},
		{Kind: "record", ObjectID: "r1", FileName: "..."},
		{Kind: "record", ObjectID: "r1", FileName: long100},
		{Kind: "record", ObjectID: "r2", FileName: long101},
		{Kind: "nc", ObjectID: "n1", FileName: "ảnh.png"},
		{Kind: "nc", ObjectID: "n1", FileName: "ảnh.png"},
		{Kind: "nc", ObjectID: "n1", FileName: "ảnh.png"},
		{Kind: "nc", ObjectID: "n2", FileName: "../../etc/passwd"},
	}
	assignPaths(items)
	want := []string{
		"files/record/r1/biên bản họp.pdf",
		"files/record/r1/file",
		"files/record/r1/" + long100,
		"files/record/r2/" + long100,
		"files/nc/n1/ảnh.png",
		"files/nc/n1/2-ảnh.png",
		"files/nc/n1/3-ảnh.png",
		"files/nc/n2/_.._etc_passwd", // one path component: no slash survives
	}
	for i, w := range want {
		if items[i].Path != w {
			t.Errorf("item %d (%q): path %q, want %q", i, items[i].FileName, items[i].Path, w)
		}
	}
}

// TestClauseCoverageTotalAndTeam: a clause's total adds its four kinds of
// evidence; a user is on an audit's team only when listed in it.
func TestClauseCoverageTotalAndTeam(t *testing.T) {
	if n := (ClauseCoverage{Documents: 1, Records: 2, Audits: 4, NCs: 8}).Total(); n != 15 {
		t.Errorf("total %d, want 15", n)
	}
	a := Audit{Team: []string{"u1", "u2"}}
	if !a.onTeam("u2") || a.onTeam("u3") || (Audit{}).onTeam("u1") {
		t.Error("onTeam does not follow the team")
	}
}

// TestCSVSafe: a manifest cell a spreadsheet would run as a formula is
// quoted; others, the empty one included, are kept.
func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"=SUM(A1)": "'=SUM(A1)", "+1": "'+1", "-1": "'-1", "@x": "'@x", "\tx": "'\tx",
		"": "", "biên bản": "biên bản", "1=1": "1=1"} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNewKeepsTheClock: the service reads the clock it is given, and the
// system's when given none.
func TestNewKeepsTheClock(t *testing.T) {
	at := time.Date(2020, 2, 3, 4, 5, 6, 0, time.UTC)
	if got := New(nil, nil, nil, nil, Options{Now: func() time.Time { return at }}).o.Now(); !got.Equal(at) {
		t.Errorf("the given clock reads %v", got)
	}
	if s := New(nil, nil, nil, nil, Options{}); s.o.Now == nil || s.o.Location == nil || time.Since(s.o.Now()) > time.Minute {
		t.Errorf("no clock given: %+v", s.o)
	}
}
