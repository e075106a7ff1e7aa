package i18n

import "testing"

// A message that reached the web layer as text (a field message) is
// translated by its shape, the matched values carried over in order.
func TestErrorCatalogMatchesFormattedText(t *testing.T) {
	cat, err := loadErrorCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{"the file is empty", "Tệp không có nội dung"},
		{"title is too long (250 characters, at most 200)", "Trường title quá dài (250 ký tự, tối đa 200 ký tự)"},
		{`"9.9.9" is not an ISO 9001 clause (use numbers such as 7.5.3)`, `"9.9.9" không phải là điều khoản của ISO 9001 (ghi số hiệu, ví dụ 7.5.3)`},
		{`"a\"b" is not a unit code`, `"a\"b" không phải là mã đơn vị`},
		{"line 7: the file is empty", "Dòng 7: Tệp không có nội dung"},
		{"reason is required (say why the action was not effective)", "Trường reason không được để trống (nêu lý do hành động không có hiệu lực)"},
	} {
		got, ok := cat.lookup(tc.in)
		if !ok || got != tc.want {
			t.Errorf("lookup(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, in := range []string{"", "something nobody wrote", "title"} {
		if got, ok := cat.lookup(in); ok {
			t.Errorf("lookup(%q) = %q, want no translation", in, got)
		}
	}
}
