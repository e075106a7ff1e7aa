package testenv

import (
	"runtime"
	"sync"
	"time"
)

// HeapPeak measures the memory a piece of work holds: it collects garbage,
// notes the heap in use, then samples it every interval until the returned
// stop is called, which gives the heap in use at the start and the highest
// seen since (bytes). Streaming code shows a peak close to the start
// whatever the size of what it streams.
func HeapPeak(interval time.Duration) (stop func() (base, peak uint64)) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapInuse
	var mu sync.Mutex
	peak := base
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var m runtime.MemStats
		tk := time.NewTicker(interval)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				runtime.ReadMemStats(&m)
				mu.Lock()
				peak = max(peak, m.HeapInuse)
				mu.Unlock()
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return base, peak
	}
}
