package blob

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// These exercise the watch on plain HTTP servers that stall or trickle:
// what is measured is the transport's view of waiting and progress, which
// is the same whatever the server is. The store's own stalls are in the
// fault tests (minio_fault_test.go, a frozen MinIO).

func watchedClient() *http.Client {
	return &http.Client{Transport: watchTransport{base: http.DefaultTransport.(*http.Transport).Clone()}}
}

func get(t *testing.T, ctx context.Context, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := watchedClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestWatchCancelsASilentResponse(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 1024))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, w := watched(context.Background(), 300*time.Millisecond)
	defer w.done()
	res := get(t, ctx, srv.URL)
	defer res.Body.Close()
	start := time.Now()
	_, err := io.Copy(io.Discard, res.Body)
	took := time.Since(start)
	if err == nil || !w.stalled() || !errors.Is(context.Cause(ctx), errStalled) {
		t.Fatalf("a silent body: err %v, stalled %v, cause %v", err, w.stalled(), context.Cause(ctx))
	}
	if took < 300*time.Millisecond || took > 2*time.Second {
		t.Errorf("cancelled after %s; the limit is 300ms", took)
	}
	// Follow-up requests of a stalled call fail at once.
	req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, srv.URL, nil)
	if _, err := watchedClient().Do(req); !errors.Is(err, errStalled) {
		t.Errorf("a request after the stall: %v, want errStalled", err)
	}
}

func TestWatchLetsASlowButMovingResponseFinish(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 12 {
			w.Write([]byte("x"))
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	}))
	defer srv.Close()
	ctx, w := watched(context.Background(), 300*time.Millisecond)
	defer w.done()
	res := get(t, ctx, srv.URL)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || len(b) != 12 || w.stalled() {
		t.Fatalf("a body moving a byte every 100ms for 1.2s under a 300ms limit: %d bytes, %v, stalled %v", len(b), err, w.stalled())
	}
}

// A reader that does not read (a download whose client is slow) is not
// waiting on the store: the store's silence meanwhile is no stall.
func TestWatchIgnoresTimeNotSpentWaiting(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 2048))
	}))
	defer srv.Close()
	ctx, w := watched(context.Background(), 200*time.Millisecond)
	defer w.done()
	res := get(t, ctx, srv.URL)
	defer res.Body.Close()
	buf := make([]byte, 1024)
	if _, err := io.ReadFull(res.Body, buf); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	if _, err := io.ReadFull(res.Body, buf); err != nil || w.stalled() {
		t.Fatalf("read after a pause of the reader: %v, stalled %v", err, w.stalled())
	}
}

// The limit of the first request (the per-call timeout) and of the body
// that follows (the stall timeout) differ.
func TestWatchLimitChanges(t *testing.T) {
	ctx, w := watched(context.Background(), time.Hour)
	defer w.done()
	w.begin()
	w.setLimit(100 * time.Millisecond)
	select {
	case <-ctx.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("the shortened limit did not apply")
	}
	if !w.stalled() {
		t.Fatal("cancelled, but not as a stall")
	}
}
