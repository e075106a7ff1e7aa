package leadership

import (
	"reflect"
	"testing"
)

// TestScopeDiff: the services added and removed between an announcement
// and a new scope, which decide whether the announcement is outdated.
func TestScopeDiff(t *testing.T) {
	for _, tc := range []struct {
		prev, next     []string
		added, removed []string
	}{
		{[]string{"A", "B"}, []string{"A", "B"}, nil, nil},
		{[]string{"A"}, []string{"A", "B"}, []string{"B"}, nil},
		{[]string{"A", "B"}, []string{"B"}, nil, []string{"A"}},
		{[]string{"A"}, []string{"C"}, []string{"C"}, []string{"A"}},
	} {
		a, r := diff(tc.prev, tc.next)
		if !reflect.DeepEqual(a, tc.added) || !reflect.DeepEqual(r, tc.removed) {
			t.Errorf("diff(%v, %v) = %v, %v; want %v, %v", tc.prev, tc.next, a, r, tc.added, tc.removed)
		}
	}
	if got := uniq([]string{" B", "A", "", "B"}); !reflect.DeepEqual(got, []string{"A", "B"}) {
		t.Errorf("uniq %v", got)
	}
}

// TestParseChecklist: the checklist's data file needs unique codes and
// both titles.
func TestParseChecklist(t *testing.T) {
	if _, err := ParseChecklist([]byte(`{"items":[{"code":"a","title_vi":"x","title_en":"y"},{"code":"a","title_vi":"x","title_en":"y"}]}`)); err == nil {
		t.Error("a repeated code was accepted")
	}
	if _, err := ParseChecklist([]byte(`{"items":[{"code":"a","title_vi":"x"}]}`)); err == nil {
		t.Error("an item without its English title was accepted")
	}
	if _, err := ParseChecklist([]byte(`{"items":[]}`)); err == nil {
		t.Error("an empty list was accepted")
	}
	items, err := ParseChecklist([]byte(`{"items":[{"code":"risks","clauses":["6.1"],"title_vi":"Rủi ro","title_en":"Risks"}]}`))
	if err != nil || len(items) != 1 || items[0].Title("en") != "Risks" || items[0].Title("vi") != "Rủi ro" {
		t.Errorf("%+v %v", items, err)
	}
}
