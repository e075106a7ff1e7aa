package qms

import (
	"encoding/json"
	"reflect"
	"testing"
)

// A stored message reads back with the same kinds of arguments, so %d still
// gets a number and a label is still a label.
func TestMsgJSONKeepsArgumentKinds(t *testing.T) {
	in := M("action #%d of %s is %s, due %s (%s)", 3, "NC-2026-0001", Label{Prefix: "nc.action", Code: "done"},
		NewDate(2026, 12, 1), M("%d days late", int64(2)))
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Msg
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	want := Msg{ID: in.ID, Args: []any{int64(3), "NC-2026-0001", Label{Prefix: "nc.action", Code: "done"},
		NewDate(2026, 12, 1), Msg{ID: "%d days late", Args: []any{int64(2)}}}}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("read back %#v\nwant %#v", out, want)
	}
	if got := out.String(); got != "action #3 of NC-2026-0001 is done, due 2026-12-01 (2 days late)" {
		t.Fatalf("English %q", got)
	}
}

// A name kept in both languages is stored as such and read in the reader's
// language; English wording takes its English form.
func TestMsgTextArgumentInReadersLanguage(t *testing.T) {
	unit := Text{VI: "Phòng Tài nguyên và Môi trường", EN: "Natural Resources and Environment Office"}
	in := M("Overdue directive (%s, %s): %s", unit, NewDate(2026, 12, 1), "Báo cáo")
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Msg
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("read back %#v\nwant %#v", out, in)
	}
	if got := out.String(); got != "Overdue directive (Natural Resources and Environment Office, 2026-12-01): Báo cáo" {
		t.Fatalf("English %q", got)
	}
	if got := out.InLang("vi").String(); got != "Overdue directive (Phòng Tài nguyên và Môi trường, 01/12/2026): Báo cáo" {
		t.Fatalf("vi arguments %q", got)
	}
	if got := M("%s", M("(%s)", unit)).InLang("en").String(); got != "(Natural Resources and Environment Office)" {
		t.Fatalf("nested %q", got)
	}
}
