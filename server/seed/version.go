package seed

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sort"
	"strings"
)

// sources is the seed package's own code. What the demo organisation holds
// is decided here, so a database filled by it (a test template, say) is
// named after a hash of these files: any change to them names a new one.
//
//go:embed *.go
var sources embed.FS

// SourceHash is a short hex SHA-256 over the package's non-test Go files
// (name and content, in name order).
func SourceHash() string { return hashSources(sources) }

func hashSources(fsys fs.FS) string {
	names, _ := fs.Glob(fsys, "*.go")
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			continue
		}
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
