package evidence_test

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/record"
)

// countingWriter discards and counts, like a client reading the download.
type countingWriter struct{ n atomic.Int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n.Add(int64(len(p))); return len(p), nil }

// TestEvidencePackMemoryIsFlat streams a small and a large pack and checks
// that the heap the pack needs does not grow with its size. The large pack
// is QMS_PACK_TEST_MB MiB (default 96) in 8 MiB files.
func TestEvidencePackMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads a large pack")
	}
	total := int64(96)
	if v, err := strconv.ParseInt(os.Getenv("QMS_PACK_TEST_MB"), 10, 64); err == nil && v >= 16 {
		total = v
	}
	f := newFixture(t)
	const fileSize = 8 << 20
	upload := func(unit, login string, n int64) {
		for i := int64(0); i < n; i++ {
			if _, err := f.records.Create(f.as(login), record.NewRecord{Type: "filled-form", Unit: unit, Title: "Hồ sơ " + strconv.FormatInt(i, 10),
				Date: f.today(), File: pdf("big.pdf", io.LimitReader(rand.Reader, fileSize))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	upload("finance", "fin", 2)
	upload("land", "lan", total/8)
	measure := func(unit string) (uint64, int64) {
		p, err := f.evidence.Prepare(f.as("coord"), evidence.Query{Unit: unit, From: "2000-01-01", To: f.today()})
		if err != nil {
			t.Fatal(err)
		}
		var w countingWriter
		peak, _ := testenv.PeakHeap(func() {
			if err := f.evidence.Write(context.Background(), &w, p); err != nil {
				t.Fatal(err)
			}
		})
		return peak, w.n.Load()
	}
	smallPeak, smallBytes := measure("finance")
	largePeak, largeBytes := measure("land")
	t.Logf("small pack: %d MiB streamed, peak heap +%.1f MiB; large pack: %d MiB streamed, peak heap +%.1f MiB",
		smallBytes>>20, float64(smallPeak)/(1<<20), largeBytes>>20, float64(largePeak)/(1<<20))
	if largeBytes < total<<20 {
		t.Fatalf("the large pack has only %d bytes", largeBytes)
	}
	// README: a 1 GiB pack raised the heap in use by 2 MiB, a 16 MiB pack by
	// 1 MiB. The bound is those figures and 1 MiB for the sampling's noise.
	if largePeak > smallPeak+2<<20 || largePeak > 3<<20 {
		t.Fatalf("heap grows with the pack: +%.1f MiB for %d MiB vs +%.1f MiB for %d MiB (at most +3 MiB, and 2 MiB over the small pack)",
			float64(largePeak)/(1<<20), largeBytes>>20, float64(smallPeak)/(1<<20), smallBytes>>20)
	}
}

// BenchmarkEvidencePack streams a pack of QMS_PACK_TEST_MB MiB (default 64)
// per iteration and reports the peak heap growth while it streams.
func BenchmarkEvidencePack(b *testing.B) {
	total := int64(64)
	if v, err := strconv.ParseInt(os.Getenv("QMS_PACK_TEST_MB"), 10, 64); err == nil && v >= 16 {
		total = v
	}
	f := newFixture(b)
	for i := int64(0); i < total/8; i++ {
		if _, err := f.records.Create(f.as("lan"), record.NewRecord{Type: "filled-form", Unit: "land", Title: "Hồ sơ",
			Date: f.today(), File: pdf("big.pdf", io.LimitReader(rand.Reader, 8<<20))}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var worst uint64
	for i := 0; i < b.N; i++ {
		p, err := f.evidence.Prepare(f.as("coord"), evidence.Query{Unit: "land", From: "2000-01-01", To: f.today()})
		if err != nil {
			b.Fatal(err)
		}
		var w countingWriter
		peak, _ := testenv.PeakHeap(func() {
			if err := f.evidence.Write(context.Background(), &w, p); err != nil {
				b.Fatal(err)
			}
		})
		if peak > worst {
			worst = peak
		}
		b.SetBytes(w.n.Load())
	}
	b.ReportMetric(float64(worst)/(1<<20), "peak-heap-MiB")
}
