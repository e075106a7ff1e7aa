package blob

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"
)

// Deadlines of object-store calls.
//
// A frozen object store (a stopped process, a partitioned network) accepts
// TCP connections and then answers nothing, and minio-go waits for it as
// long as the caller's context lets it. Every call therefore runs under a
// watch: the transport reports when qmstrack starts and stops waiting on the
// store (a request sent and no answer yet, a response body read that has not
// returned) and every byte that moves to or from it. When qmstrack has been
// waiting and no byte moved for the watch's limit, the call's context is
// cancelled with errStalled. Short calls are watched with the per-call
// timeout; a streamed upload or download with the stall timeout, which
// measures only the store's silence: a slow client that keeps qmstrack busy
// writing its download, or a person still choosing the next part of a form,
// is no stall of the store.

// errStalled is the cause of a call cancelled by its watch.
var errStalled = errors.New("the object store made no progress within the deadline")

type watchKey struct{}

// watch tracks one call's waits on the store.
type watch struct {
	mu      sync.Mutex
	waiting int       // requests and body reads in flight
	last    time.Time // last byte moved, or start of the current wait
	limit   time.Duration
	fired   bool

	cancel context.CancelCauseFunc
	stop   chan struct{}
	once   sync.Once
}

// watched returns a context whose store calls are watched with limit, and
// the function that ends the watch (and cancels the context).
func watched(ctx context.Context, limit time.Duration) (context.Context, *watch) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &watch{limit: limit, last: time.Now(), cancel: cancel, stop: make(chan struct{})}
	go w.run()
	return context.WithValue(ctx, watchKey{}, w), w
}

// tick is how often a watch looks at the clock: a tenth of its limit, at
// least every 10 ms and at most every second.
func (w *watch) tick() time.Duration {
	w.mu.Lock()
	t := w.limit / 10
	w.mu.Unlock()
	return min(max(t, 10*time.Millisecond), time.Second)
}

func (w *watch) run() {
	t := time.NewTimer(w.tick())
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			t.Reset(w.tick())
			w.mu.Lock()
			stalled := w.waiting > 0 && now.Sub(w.last) > w.limit
			if stalled {
				w.fired = true
			}
			w.mu.Unlock()
			if stalled {
				w.cancel(errStalled)
				return
			}
		}
	}
}

// setLimit changes the limit (from the per-call timeout of the first
// request of a download to the stall timeout of its body).
func (w *watch) setLimit(d time.Duration) {
	w.mu.Lock()
	w.limit = d
	w.mu.Unlock()
}

// begin starts a wait on the store; the silence is measured from here.
func (w *watch) begin() {
	w.mu.Lock()
	if w.waiting == 0 {
		w.last = time.Now()
	}
	w.waiting++
	w.mu.Unlock()
}

func (w *watch) end() {
	w.mu.Lock()
	w.waiting--
	w.last = time.Now()
	w.mu.Unlock()
}

// moved records bytes sent to or received from the store.
func (w *watch) moved() {
	w.mu.Lock()
	w.last = time.Now()
	w.mu.Unlock()
}

// stalled reports whether the watch cancelled its call.
func (w *watch) stalled() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fired
}

// done ends the watch and cancels its context.
func (w *watch) done() {
	w.once.Do(func() {
		close(w.stop)
		w.cancel(context.Canceled)
	})
}

// watchTransport is the object-store client's transport: it tells the
// request's watch, if any, about waits and bytes.
type watchTransport struct{ base http.RoundTripper }

func (t watchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	w, _ := req.Context().Value(watchKey{}).(*watch)
	if w == nil {
		return t.base.RoundTrip(req)
	}
	if w.stalled() {
		// minio-go makes its own follow-up requests of a failed call (the
		// abort of a multipart upload) with the call's context values and a
		// minute of its own: against a store that just stalled they would
		// hang that minute. qmstrack aborts the upload itself (abortUpload).
		return nil, errStalled
	}
	if req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(req.Context())
		req.Body = &watchedBody{rc: req.Body, w: w}
	}
	// From sending the request to its response headers qmstrack waits on
	// the store; the request body's reads are the transport writing it out,
	// as fast as the store takes it.
	w.begin()
	resp, err := t.base.RoundTrip(req)
	w.end()
	if err != nil {
		return nil, err
	}
	resp.Body = &watchedResponse{rc: resp.Body, w: w}
	return resp, nil
}

// watchedBody counts the request body's bytes as progress.
type watchedBody struct {
	rc io.ReadCloser
	w  *watch
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.w.moved()
	}
	return n, err
}

func (b *watchedBody) Close() error { return b.rc.Close() }

// watchedResponse makes each read of a response body a wait on the store.
type watchedResponse struct {
	rc io.ReadCloser
	w  *watch
}

func (r *watchedResponse) Read(p []byte) (int, error) {
	r.w.begin()
	n, err := r.rc.Read(p)
	r.w.end()
	return n, err
}

func (r *watchedResponse) Close() error { return r.rc.Close() }
