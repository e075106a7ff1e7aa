package web_test

import (
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// TestEvidencePackOverHTTPKeepsMemoryFlat downloads a large pack through
// the whole server (session, Gin, ZIP streamed to the socket) and samples
// the heap of the process, which serves and reads it.
func TestEvidencePackOverHTTPKeepsMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads a large pack")
	}
	total := int64(128)
	if v, err := strconv.ParseInt(os.Getenv("QMS_PACK_TEST_MB"), 10, 64); err == nil && v >= 16 {
		total = v
	}
	env := apptest.New(t)
	staff := env.As("staff.tnmt")
	content := make([]byte, 8<<20)
	for i := int64(0); i < total/8; i++ {
		_, _ = rand.Read(content)
		copy(content, "%PDF-1.4\n")
		staff.Multipart("/api/v1/records", map[string]string{"type": "filled-form", "unit": "tnmt", "title": "Hồ sơ " + strconv.FormatInt(i, 10), "date": todayVN()},
			apptest.File{Field: "file", Name: "big.pdf", Content: content}).MustStatus(201)
	}
	content = nil
	coord := env.As("coordinator")
	var n int64
	var err error
	var status int
	peak, _ := testenv.PeakHeap(func() {
		req, _ := http.NewRequest("GET", env.URL+"/api/v1/evidence-pack?unit=tnmt&from=2000-01-01&to="+todayVN(), nil)
		res, rerr := coord.HTTP.Do(req)
		if rerr != nil {
			err = rerr
			return
		}
		n, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		status = res.StatusCode
	})
	if err != nil || status != 200 {
		t.Fatalf("download: %d %v", status, err)
	}
	grow := float64(peak) / (1 << 20)
	t.Logf("pack of %d MiB over HTTP: peak heap +%.1f MiB", n>>20, grow)
	if n < total<<20 {
		t.Fatalf("the pack has %d bytes", n)
	}
	// README: a 1 GiB pack over HTTP raised the heap in use by 3 MiB; the
	// bound is that and 1 MiB for the sampling's noise.
	if grow > 4 {
		t.Fatalf("heap grew by %.1f MiB while streaming %d MiB (at most 4 MiB)", grow, n>>20)
	}
}
