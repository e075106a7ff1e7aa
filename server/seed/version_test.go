package seed

import (
	"os"
	"testing"
	"testing/fstest"
)

// TestSourceHashIsTheCode: the embedded hash is the hash of the package's
// files as they are on disk, so it cannot drift from the seed code.
func TestSourceHashIsTheCode(t *testing.T) {
	got := SourceHash()
	if want := hashSources(os.DirFS(".")); got != want {
		t.Fatalf("SourceHash() = %s, the files on disk hash to %s", got, want)
	}
	if len(got) != 12 {
		t.Fatalf("SourceHash() = %q, want 12 hex digits", got)
	}
}

// TestSourceHashFollowsEveryChange: one byte changed, a file added, a file
// renamed each give a new hash; a test file changes nothing.
func TestSourceHashFollowsEveryChange(t *testing.T) {
	base := fstest.MapFS{
		"seed.go":    {Data: []byte("package seed\nvar Units = 1\n")},
		"version.go": {Data: []byte("package seed\n")},
	}
	h0 := hashSources(base)
	variants := map[string]fstest.MapFS{
		"one byte": {"seed.go": {Data: []byte("package seed\nvar Units = 2\n")}, "version.go": base["version.go"]},
		"new file": {"seed.go": base["seed.go"], "version.go": base["version.go"], "more.go": {Data: []byte("package seed\n")}},
		"renamed":  {"seeds.go": base["seed.go"], "version.go": base["version.go"]},
		"moved":    {"seed.go": {Data: []byte("package seed\nvar Units = ")}, "version.go": {Data: []byte("1\npackage seed\n")}},
	}
	for name, fsys := range variants {
		if h := hashSources(fsys); h == h0 {
			t.Errorf("%s: hash unchanged (%s)", name, h)
		}
	}
	withTest := fstest.MapFS{"seed.go": base["seed.go"], "version.go": base["version.go"], "seed_test.go": {Data: []byte("package seed\n")}}
	if h := hashSources(withTest); h != h0 {
		t.Errorf("a test file changed the hash: %s, want %s", h, h0)
	}
}
