package web

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/unicode/norm"
)

// This file is the one way a stored file is served for download: the
// headers every download carries (its name for old and new clients, its
// type, its SHA-256 as ETag and digest, no caching by shared caches, no
// type sniffing) and the streaming with Range and conditional requests.

// download describes a stored file version as a response serves it.
type download struct {
	Name      string    // shown to the person (any language; see contentDisposition)
	MediaType string    // as detected when it was stored
	SHA256    string    // hex: the ETag and the Repr-Digest
	ModTime   time.Time // Last-Modified
}

// serveDownload streams r as an attachment with Range, If-None-Match and
// If-Modified-Since, and closes it.
func serveDownload(c *gin.Context, d download, r io.ReadSeekCloser) {
	defer r.Close()
	h := c.Writer.Header()
	h.Set("Content-Type", d.MediaType)
	h.Set("Content-Disposition", contentDisposition("attachment", d.Name))
	if d.SHA256 != "" {
		h.Set("ETag", `"`+d.SHA256+`"`)
		h.Set("X-Content-SHA256", d.SHA256)
		if raw, err := hex.DecodeString(d.SHA256); err == nil {
			h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(raw)+":")
		}
	}
	h.Set("Cache-Control", "private, no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(bigCopyWriter{c.Writer}, c.Request, "", d.ModTime, r)
}

// copyBufs are the buffers of file downloads. Each Read of an object-store
// object is a round trip through minio-go's reader goroutine, so 1 MiB
// reads instead of io.Copy's 32 KiB cut that overhead per byte.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// bigCopyWriter gives http.ServeContent's copy a large buffer.
type bigCopyWriter struct{ http.ResponseWriter }

// ReadFrom copies r to the response with a pooled 1 MiB buffer.
func (w bigCopyWriter) ReadFrom(r io.Reader) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	return io.CopyBuffer(struct{ io.Writer }{w.ResponseWriter}, r, *bp)
}

// contentDisposition builds an RFC 6266 header: an ASCII fallback name for
// old clients and the exact UTF-8 name in filename* (RFC 8187), so
// Vietnamese names survive.
func contentDisposition(disposition, name string) string {
	name = norm.NFC.String(name)
	var ascii strings.Builder
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			ascii.WriteByte('d')
		case r == 'Đ':
			ascii.WriteByte('D')
		case r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%' || r == ';':
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(r)
		}
	}
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, disposition, ascii.String(), rfc8187(name))
}

// rfc8187 percent-encodes every byte that is not an attr-char of RFC 8187.
func rfc8187(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
