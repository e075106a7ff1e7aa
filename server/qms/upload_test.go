package qms

import (
	"strings"
	"testing"
)

// TestCleanFileName: names that would mislead a reader or a computer are
// refused with a reason; ordinary Vietnamese names pass, path parts dropped.
func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"invoice\u202efdp.exe": "right-to-left", "a\u200bb.pdf": "invisible", "a\u2066b\u2069.pdf": "invisible",
		"CON": "reserves", "nul.pdf": "reserves", "Com1.txt": "reserves", "LPT9": "reserves", "aux .txt": "reserves",
		"report.": "dot", "a\x00b": "control", "a\tb": "control", "": "no name", "..": "no name", "dir/": "no name",
		strings.Repeat("a", 256): "longer", "\xff.pdf": "UTF-8",
	} {
		_, err := CleanFileName(in)
		if err == nil || KindOf(err) != ErrInvalid || !strings.Contains(Message(err), want) {
			t.Errorf("CleanFileName(%q) = %v, want a refusal saying %q", in, err, want)
		}
	}
	for in, want := range map[string]string{
		"Quy trình QT-07.docx": "Quy trình QT-07.docx", `C:\\Users\\lan\\Biên bản.pdf`: "Biên bản.pdf",
		"../../etc/passwd": "passwd", " console.pdf ": "console.pdf", "CONTRACT.pdf": "CONTRACT.pdf", "com10.txt": "com10.txt",
	} {
		if got, err := CleanFileName(in); err != nil || got != want {
			t.Errorf("CleanFileName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// FuzzCleanFileName: whatever the client sends, a kept name is valid text
// with no path separator, no control or format character, and not empty.
func FuzzCleanFileName(f *testing.F) {
	for _, s := range []string{"a.pdf", "invoice\u202efdp.exe", "CON", "../x", "Biên bản.docx", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := CleanFileName(in)
		if err != nil {
			return
		}
		if out == "" || strings.ContainsAny(out, `/\\`) || strings.ContainsRune(out, 0) {
			t.Fatalf("CleanFileName(%q) kept %q", in, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
				t.Fatalf("CleanFileName(%q) kept %q with %U", in, out, r)
			}
		}
	})
}
