package qms

import (
	"fmt"
	"reflect"
	"testing"
)

func TestLocalize(t *testing.T) {
	vi := map[string]string{
		"%s is required":                 "%s không được để trống",
		"%q is not a unit code":          "%q không phải là mã đơn vị",
		"the file is empty":              "tệp rỗng",
		"%s (say why it failed)":         "%s (nêu lý do)",
		"at most %d%% of %s":             "tối đa %d%% của %s",
		"the upload was interrupted 5%":  "việc tải lên bị gián đoạn 5%",
		"%s is too long (%d characters)": "%s quá dài (%d ký tự)",
	}
	tr := func(f string) (string, bool) { s, ok := vi[f]; return s, ok }
	cause := fmt.Errorf("eof")
	fe := FieldErrors{}
	fe.Add("title", "the file is empty")
	fe.Add("code", "no translation here")
	cases := []struct {
		name    string
		err     error
		en, out string
	}{
		{"format", Errorf(ErrInvalid, "%s is required", "title"), "title is required", "title không được để trống"},
		{"quoted value kept", Errorf(ErrInvalid, "%q is not a unit code", "is required"), `"is required" is not a unit code`, `"is required" không phải là mã đơn vị`},
		{"no translation", Errorf(ErrInvalid, "%s is odd", "x"), "x is odd", "x is odd"},
		{"wrap keeps a literal percent", Wrap(ErrInvalid, cause, "the upload was interrupted 5%"), "the upload was interrupted 5%", "việc tải lên bị gián đoạn 5%"},
		{"escaped percent", Errorf(ErrInvalid, "at most %d%% of %s", 5, "x"), "at most 5% of x", "tối đa 5% của x"},
		{"inner message translated", Errorf(ErrInvalid, "%s (say why it failed)", "the file is empty"), "the file is empty (say why it failed)", "tệp rỗng (nêu lý do)"},
		{"inner error translated", Errorf(ErrInvalid, "%s (say why it failed)", Errorf(ErrInvalid, "%s is required", "why")), "why is required (say why it failed)", "why không được để trống (nêu lý do)"},
		{"validation", fe.Err(), "invalid", "code: no translation here; title: tệp rỗng"},
		{"wrapped", fmt.Errorf("ctx: %w", Errorf(ErrInvalid, "%s is too long (%d characters)", "name", 300)), "name is too long (300 characters)", "name quá dài (300 ký tự)"},
		{"kind only", ErrNotFound, "not_found", "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Message(c.err); got != c.en {
				t.Errorf("Message = %q, want %q", got, c.en)
			}
			if got := Localize(c.err, tr); got != c.out {
				t.Errorf("Localize = %q, want %q", got, c.out)
			}
		})
	}
	if got := Localize(fe.Err(), nil); got != "code: no translation here; title: the file is empty" {
		t.Errorf("English fields = %q", got)
	}
}

func TestVerbs(t *testing.T) {
	for in, want := range map[string]string{
		"%s is %d":         "sd",
		"100%% of %q":      "q",
		"%-5.2f and %[1]v": "fv",
		"no verbs":         "",
		"trailing %":       "",
	} {
		if got := string(Verbs(in)); !reflect.DeepEqual(got, want) {
			t.Errorf("Verbs(%q) = %q, want %q", in, got, want)
		}
	}
}
