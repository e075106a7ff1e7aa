package document_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/qms"
)

// titled creates a draft document of unit tnmt with its own title.
func (f *fixture) titled(code, title string) document.Document {
	f.t.Helper()
	months := 12
	return must[document.Document](f.t)(f.svc.Create(f.as("coordinator"), document.NewDocument{Code: code, Title: title,
		Type: document.TypeProcedure, Unit: "tnmt", Clauses: []string{"8.2"}, ReviewMonths: &months}))
}

// codes lists the codes of a search by the coordinator, in the order given.
func (f *fixture) codes(fl document.Filter) []string {
	f.t.Helper()
	p := must[document.ListPage](f.t)(f.svc.List(f.as("coordinator"), fl))
	out := []string{}
	for _, it := range p.Items {
		out = append(out, it.Code)
	}
	return out
}

// Complete words match as they are; only the word being typed is a prefix.
// "tin" (tin học) is the start of "tinh" (tỉnh): as a complete word it does
// not find the province's plan, as the word being typed it does.
func TestSearchExactWordsPrefixOnlyLast(t *testing.T) {
	f := newFixture(t)
	f.titled("SR-01", "Hướng dẫn tin học văn phòng")
	f.titled("SR-02", "Kế hoạch của tỉnh về học tập")
	f.titled("SR-03", "Quy trình phúc khảo bài thi")
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"tin học", []string{"SR-01"}},          // "tin" is complete: not "tinh"
		{"TIN HOC", []string{"SR-01"}},          // accents and case folded
		{"tin  học ", []string{"SR-01"}},        // a trailing space: every word complete
		{"tin", []string{"SR-01", "SR-02"}},     // the word being typed is a prefix: tin, tinh
		{"tin ", []string{"SR-01"}},             // ... until the space ends it
		{"tin.", []string{"SR-01"}},             // or a mark does
		{"hoc tin", []string{"SR-01", "SR-02"}}, // the last word, whatever its place
		{"phúc kh", []string{"SR-03"}},          // "kh" typed: khảo
		{"phuc kh ", nil},                       // "kh" complete: no such word
		{"phu khao", nil},                       // "phu" complete: not "phuc"
		{"phúc khảo", []string{"SR-03"}},        //
	} {
		if got := f.codes(document.Filter{Q: tc.q}); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("searching %q: %v, want %v", tc.q, got, tc.want)
		}
	}
}

// A search sorted by relevance orders by rank (the words in the code and
// title, nearer together ranking higher), then the most recent; the
// default sort stays the code.
func TestSearchRankThenRecency(t *testing.T) {
	f := newFixture(t)
	f.titled("SR-11", "Quy trình phúc khảo bài thi")  // words side by side
	f.titled("SR-12", "Khắc phục sự cố sau khảo sát") // both words, apart: newer, yet after SR-11
	f.titled("SR-13", "Phúc khảo hồ sơ")              // same rank as SR-11, newer: before it
	e := f.titled("SR-14", "Biểu mẫu tổng hợp")       // only in its file's text: newest, yet last
	must[document.Revision](t)(f.revise(f.as("author.tnmt"), e.ID, "Dự thảo", file("x.txt", []byte("Đơn đề nghị phúc khảo"))))
	f.index()
	f.titled("SR-15", "Quy trình cấp phép") // no match at all

	want := "SR-13,SR-11,SR-12,SR-14"
	if got := strings.Join(f.codes(document.Filter{Q: "phúc khảo", Sort: "relevance"}), ","); got != want {
		t.Fatalf("by relevance: %s, want %s", got, want)
	}
	if got := strings.Join(f.codes(document.Filter{Q: "PHUC KHAO", Sort: "relevance"}), ","); got != want {
		t.Fatalf("folded, by relevance: %s, want %s", got, want)
	}
	if got := strings.Join(f.codes(document.Filter{Q: "phúc khảo", Sort: "code"}), ","); got != "SR-11,SR-12,SR-13,SR-14" {
		t.Fatalf("sorted by code: %s", got)
	}
	if got := strings.Join(f.codes(document.Filter{Q: "phúc khảo"}), ","); got != "SR-11,SR-12,SR-13,SR-14" {
		t.Fatalf("default sort: %s, want the code order", got)
	}
	// Without a search the register keeps its code order.
	for _, sort := range []string{"", "relevance"} {
		if got := f.codes(document.Filter{Unit: "tnmt", Limit: 2, Sort: sort}); strings.Join(got, ",") != "SR-11,SR-12" {
			t.Fatalf("no search, sort %q: %v", sort, got)
		}
	}
	_, err := f.svc.List(f.as("coordinator"), document.Filter{Q: "phúc khảo", Sort: "rank"})
	if !errors.Is(err, qms.ErrInvalid) || !strings.Contains(err.Error(), "sort must be relevance, code, title or updated") {
		t.Fatalf("unknown sort: %v", err)
	}
}

// Pages of a ranked search join up: the cursor holds the rank, so rows of
// a higher rank but older than the last row of a page are not lost, and
// rows of equal rank are neither repeated nor skipped.
func TestSearchRankPaging(t *testing.T) {
	f := newFixture(t)
	// Three ranks, interleaved in time, with ties in each.
	titles := []string{"Phúc khảo hồ sơ", "Khắc phục sự cố sau khảo sát", "Phúc khảo kết quả", "Mẫu biên bản phúc khảo",
		"Khắc phục và khảo sát lại"}
	for i := 0; i < 17; i++ {
		f.titled(fmt.Sprintf("PK-%02d", i), titles[i%len(titles)])
	}
	f.titled("PK-99", "Quy trình cấp phép")
	all := f.codes(document.Filter{Q: "phúc khảo", Sort: "relevance", Limit: 100})
	if len(all) != 17 {
		t.Fatalf("one page: %d documents %v", len(all), all)
	}
	var paged []string
	cur := ""
	pages := 0
	for {
		p := must[document.ListPage](t)(f.svc.List(f.as("coordinator"), document.Filter{Q: "phúc khảo", Sort: "relevance", Limit: 4, Cursor: cur}))
		pages++
		for _, it := range p.Items {
			paged = append(paged, it.Code)
		}
		if p.NextCursor == "" || pages > 10 {
			break
		}
		cur = p.NextCursor
	}
	if strings.Join(paged, ",") != strings.Join(all, ",") || pages != 5 {
		t.Fatalf("%d pages of 4: %v, want %v", pages, paged, all)
	}
	// The first rows are the best: side by side in a short title.
	if all[0] != "PK-12" && all[0] != "PK-15" {
		t.Fatalf("first row %s of %v", all[0], all)
	}
	// A ranked cursor is refused for another sort, and a damaged one at all.
	p := must[document.ListPage](t)(f.svc.List(f.as("coordinator"), document.Filter{Q: "phúc khảo", Sort: "relevance", Limit: 4}))
	_, err := f.svc.List(f.as("coordinator"), document.Filter{Q: "phúc khảo", Sort: "updated", Cursor: p.NextCursor})
	mustKind(t, err, qms.ErrInvalid)
	_, err = f.svc.List(f.as("coordinator"), document.Filter{Q: "phúc khảo", Sort: "relevance", Cursor: "eyJzIjoicmFuayIsImsiOiJ4IiwiaSI6IjAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMCJ9"})
	mustKind(t, err, qms.ErrInvalid)
}
