package qms

import (
	"errors"
	"strings"
	"testing"
)

// TestErrorUnwrapsKindAndCause: an error made with a cause matches both its
// kind and the cause with errors.Is; one without a cause matches its kind.
func TestErrorUnwrapsKindAndCause(t *testing.T) {
	cause := errors.New("connection reset")
	withCause := Wrap(ErrConflict, cause, "the object store refused the upload")
	if !errors.Is(withCause, ErrConflict) || !errors.Is(withCause, cause) {
		t.Fatalf("errors.Is(kind) = %v, errors.Is(cause) = %v; want both true", errors.Is(withCause, ErrConflict), errors.Is(withCause, cause))
	}
	if errors.Is(withCause, ErrNotFound) {
		t.Fatal("an error matched a kind it does not have")
	}
	plain := Errorf(ErrNotFound, "document %s not found", "QT-01")
	if !errors.Is(plain, ErrNotFound) || errors.Is(plain, cause) {
		t.Fatalf("plain error: Is(kind) = %v, Is(other cause) = %v", errors.Is(plain, ErrNotFound), errors.Is(plain, cause))
	}
	var e *Error
	if !errors.As(plain, &e) || len(e.Unwrap()) != 1 {
		t.Fatalf("an error without a cause unwraps to %v, want its kind alone", e.Unwrap())
	}
}

// TestLocalizeEdges: a message translated only as a whole; labels rendered
// in an untranslated format; a quoted argument never translated while a %v
// message argument is; more verbs than arguments do not panic.
func TestLocalizeEdges(t *testing.T) {
	vi := map[string]string{
		"batch 7: 3 files":     "lô 7: 3 tệp",
		"label:severity.major": "nghiêm trọng",
		"closed":               "đã đóng",
		"%s is due":            "%s đến hạn",
	}
	tr := func(f string) (string, bool) { s, ok := vi[f]; return s, ok }
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"whole message", Errorf(ErrInvalid, "batch %d: %d files", 7, 3), "lô 7: 3 tệp"},
		{"label in an untranslated format", Errorf(ErrInvalid, "severity %s is not allowed here", Label{Prefix: "severity", Code: "major"}), "severity nghiêm trọng is not allowed here"},
		{"quoted argument kept", Errorf(ErrInvalid, "status %q is unknown", "closed"), `status "closed" is unknown`},
		{"%v message argument", Errorf(ErrState, "cannot act: %v", M("%s is due", "QT-01")), "cannot act: QT-01 đến hạn"},
		{"%v string argument", Errorf(ErrState, "now %v", "closed"), "now đã đóng"},
	} {
		if got := Localize(c.err, tr); got != c.want {
			t.Errorf("%s: Localize = %q, want %q", c.name, got, c.want)
		}
	}
	m := Msg{ID: "%s and %s", Args: []any{"closed"}}
	if got := LocalizeMsg(m, tr); !strings.HasPrefix(got, "đã đóng and %!s(MISSING)") {
		t.Errorf("more verbs than arguments: %q", got)
	}
}

// TestCleanFileNameEdges: a leading separator is a path element too, a
// name of exactly 255 characters is kept (256 is refused), and only COM and
// LPT with a digit or a superscript digit are Windows device names.
func TestCleanFileNameEdges(t *testing.T) {
	for _, n := range []string{"COMA.pdf", "LPTX.txt", "COM12.pdf", "COMET.docx"} {
		if got, err := CleanFileName(n); err != nil || got != n {
			t.Errorf("CleanFileName(%q) = %q, %v; want it kept", n, got, err)
		}
	}
	for _, n := range []string{"COM1.pdf", "com¹.pdf", "LPT².txt", "Com³", "lpt0.doc"} {
		if _, err := CleanFileName(n); err == nil || !strings.Contains(err.Error(), "Windows reserves") {
			t.Errorf("CleanFileName(%q): %v, want refused as a device name", n, err)
		}
	}
	for in, want := range map[string]string{"/bien-ban.pdf": "bien-ban.pdf", `\so-tay.docx`: "so-tay.docx"} {
		if got, err := CleanFileName(in); err != nil || got != want {
			t.Errorf("CleanFileName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	n255 := strings.Repeat("đ", 251) + ".pdf"
	if got, err := CleanFileName(n255); err != nil || got != n255 {
		t.Errorf("a 255-character name: %v", err)
	}
	if _, err := CleanFileName("đ" + n255); err == nil || !strings.Contains(err.Error(), "longer than 255") {
		t.Errorf("a 256-character name: %v, want refused as longer than 255 characters", err)
	}
}
