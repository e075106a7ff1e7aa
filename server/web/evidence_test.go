package web_test

import (
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
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
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		tk := time.NewTicker(2 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	req, _ := http.NewRequest("GET", env.URL+"/api/v1/evidence-pack?unit=tnmt&from=2000-01-01&to="+todayVN(), nil)
	res, err := coord.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	close(done)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("download: %d %v", res.StatusCode, err)
	}
	grow := float64(0)
	if p := peak.Load(); p > base {
		grow = float64(p-base) / (1 << 20)
	}
	t.Logf("pack of %d MiB over HTTP: peak heap +%.1f MiB", n>>20, grow)
	if n < total<<20 {
		t.Fatalf("the pack has %d bytes", n)
	}
	if grow > 48 {
		t.Fatalf("heap grew by %.0f MiB while streaming %d MiB", grow, n>>20)
	}
}
