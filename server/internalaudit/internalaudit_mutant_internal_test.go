package internalaudit

import "testing"

// TestMutantClauseSort: clause numbers sort numerically, the main clause in
// hundreds and each sub-level a tenth of the one above (10.1 after 9.3).
func TestMutantClauseSort(t *testing.T) {
	for c, want := range map[string]int{"4": 400, "7.5": 750, "7.5.3": 753, "9.3": 930, "10.1": 1010, "10": 1000} {
		if got := clauseSort(c); got != want {
			t.Errorf("clauseSort(%q) = %d, want %d", c, got, want)
		}
	}
}

// TestMutantChecklistNumbering: the checklist numbers its items from 1 in
// order, the active ISO clauses with a question under the audit's clauses
// first, then the office's own questions.
func TestMutantChecklistNumbering(t *testing.T) {
	all := []Clause{
		{Clause: "7.5", QuestionVI: "Kiểm soát thông tin dạng văn bản?", Active: true},
		{Clause: "7.5.3", QuestionVI: "Tài liệu lỗi thời bị ngăn sử dụng?", Active: true},
		{Clause: "7.6", QuestionVI: "Ngoài phạm vi", Active: true},
		{Clause: "7.5.1", QuestionVI: "Không còn dùng", Active: false},
		{Clause: "7.5.2", Active: true}, // no question
	}
	items := checklist(all, []string{"7.5"}, []string{"Câu hỏi riêng 1", "Câu hỏi riêng 2"}, "vi")
	want := []Item{
		{Seq: 1, Clause: "7.5", Question: "Kiểm soát thông tin dạng văn bản?", Source: "iso"},
		{Seq: 2, Clause: "7.5.3", Question: "Tài liệu lỗi thời bị ngăn sử dụng?", Source: "iso"},
		{Seq: 3, Question: "Câu hỏi riêng 1", Source: "own"},
		{Seq: 4, Question: "Câu hỏi riêng 2", Source: "own"},
	}
	if len(items) != len(want) {
		t.Fatalf("items %+v", items)
	}
	for i := range want {
		if items[i].Seq != want[i].Seq || items[i].Clause != want[i].Clause || items[i].Question != want[i].Question || items[i].Source != want[i].Source {
			t.Fatalf("item %d: %+v, want %+v", i, items[i], want[i])
		}
	}
}
