package i18n

import (
	"testing"

	"github.com/qmstrack/qmstrack/server/qms"
)

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

// TestMsgRendersLabelsAndInnerMessages: a message is rendered with the one
// rendering errors use: its inner messages translated, a code shown as its
// label, in Vietnamese and (for people, not the API) in English.
func TestMsgRendersLabelsAndInnerMessages(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	inner := qms.M("Corrective action overdue: %s #%d (due %s)", "NC-2026-0001", 2, "10/03/2026")
	body := qms.M("%s\n\nOpen it in qmstrack: %s\n", inner, "http://q/ncs/1")
	if got := c.Msg("vi", body); got != "Hành động khắc phục quá hạn: NC-2026-0001 #2 (hạn 10/03/2026)\n\nXem trên qmstrack: http://q/ncs/1\n" {
		t.Errorf("vi: %q", got)
	}
	st := qms.M("nonconformity %s is %s", "NC-2026-0001", qms.Label{Prefix: "nc.status", Code: "closed"})
	if got := c.Msg("vi", st); got != "Điểm không phù hợp NC-2026-0001 đang ở trạng thái «Đã đóng»" {
		t.Errorf("vi label: %q", got)
	}
	if got, want := c.Msg("en", st), "nonconformity NC-2026-0001 is "+c.T("en", "nc.status.closed"); got != want || want == "nonconformity NC-2026-0001 is closed" {
		t.Errorf("en label: %q, want %q", got, want)
	}
	if got := c.Err("en", qms.Errorf(qms.ErrState, st.ID, st.Args...)); got != "nonconformity NC-2026-0001 is closed" {
		t.Errorf("the API's English error keeps the code: %q", got)
	}
}
