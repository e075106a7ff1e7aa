package process

import "testing"

// Citizens type without accents: the search folds Vietnamese letters and
// case on both sides, needs every word, and keeps the field filter.
func TestFoldAndFilterPublic(t *testing.T) {
	for in, want := range map[string]string{
		"Đăng ký biến động ĐẤT ĐAI": "dang ky bien dong dat dai",
		"Cấp Giấy phép xây dựng":    "cap giay phep xay dung",
		"Khai sinh, kết hôn":        "khai sinh, ket hon",
		"Ưu đãi người có công":      "uu dai nguoi co cong",
		"Thủy lợi, Quỹ, Ỹ":          "thuy loi, quy, y",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	list := []Procedure{
		{Code: "DD-01", NameVI: "Đăng ký biến động đất đai", Field: "land"},
		{Code: "XD-01", NameVI: "Cấp giấy phép xây dựng", NameEN: "Building permit", Field: "construction"},
		{Code: "HT-01", NameVI: "Đăng ký khai sinh", Field: "civil_status"},
	}
	codes := func(ps []Procedure) (out []string) {
		for _, p := range ps {
			out = append(out, p.Code)
		}
		return out
	}
	for _, tc := range []struct {
		q, field string
		want     []string
	}{
		{"", "", []string{"DD-01", "XD-01", "HT-01"}},
		{"dang ky", "", []string{"DD-01", "HT-01"}},
		{"dang ky", "civil_status", []string{"HT-01"}},
		{"ĐĂNG KÝ đất", "", []string{"DD-01"}},
		{"building", "", []string{"XD-01"}},
		{"xd-01", "", []string{"XD-01"}},
		{"dang xay", "", nil},
	} {
		got := codes(FilterPublic(list, tc.q, tc.field))
		if len(got) != len(tc.want) {
			t.Errorf("%q/%q: %v, want %v", tc.q, tc.field, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q/%q: %v, want %v", tc.q, tc.field, got, tc.want)
			}
		}
	}
	if list[0].Code != "DD-01" || list[2].Code != "HT-01" {
		t.Fatalf("FilterPublic changed its list: %v", codes(list))
	}
}
