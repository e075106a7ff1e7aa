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
