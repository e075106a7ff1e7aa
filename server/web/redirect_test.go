package web

import "testing"

// TestLocalPathBypasses: known open-redirect bypasses never leave the site;
// ordinary paths stay as they are.
func TestLocalPathBypasses(t *testing.T) {
	for _, in := range []string{
		"//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example",
		"/\r/evil.example", " //evil.example", "\t//evil.example", "/\x00/evil.example", "/\x7f/evil.example",
		"https://evil.example", "http:evil.example", "http:/evil.example", "javascript:alert(1)", "evil.example",
		"/\\/evil.example", "/ /evil.example", "//evil.example/%2F..", "/\u00a0", "", "@evil.example", "/%zz",
	} {
		got := localPath(in)
		if got != "/" && in != "/\u00a0" {
			t.Errorf("localPath(%q) = %q, want /", in, got)
		}
		if len(got) > 1 && (got[1] == '/' || got[1] == '\\') {
			t.Errorf("localPath(%q) = %q leaves the site", in, got)
		}
	}
	for _, in := range []string{"/", "/ncs/1?x=1#a", "/documents?q=h%E1%BB%93+s%C6%A1", "/d/QT/ISO-07"} {
		if got := localPath(in); got != in {
			t.Errorf("localPath(%q) = %q, want it kept", in, got)
		}
	}
}
