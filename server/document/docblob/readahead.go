package docblob

import (
	"io"
	"sync"
)

// readAhead keeps reading the upload from the client into a bounded queue
// of chunks while the object store client is busy sending the previous
// part. minio-go reads a whole part (16 MiB) and then sends it, so without
// it the client's upload and the transfer to the object store take turns
// instead of overlapping. The queue holds at most depth chunks of chunkSize
// bytes, which bounds the extra memory.
type readAhead struct {
	ch     chan []byte
	cur    []byte
	buf    []byte
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	errMu  sync.Mutex
	srcErr error
}

const (
	chunkSize = 256 << 10
	depth     = 8 // 2 MiB ahead: with blob.PartsInFlight parts sending, more only costs memory
)

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

func newReadAhead(r io.Reader) *readAhead {
	ra := &readAhead{ch: make(chan []byte, depth), stop: make(chan struct{}), done: make(chan struct{})}
	go ra.fill(r)
	return ra
}

func (ra *readAhead) fill(r io.Reader) {
	defer close(ra.done)
	defer close(ra.ch)
	for {
		select {
		case <-ra.stop: // the consumer gave up (size limit, error): read no further
			return
		default:
		}
		bp := chunkPool.Get().(*[]byte)
		n, err := io.ReadFull(r, *bp)
		if n > 0 {
			select {
			case ra.ch <- (*bp)[:n]:
			case <-ra.stop:
				chunkPool.Put(bp)
				return
			}
		} else {
			chunkPool.Put(bp)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return
		}
		if err != nil {
			ra.errMu.Lock()
			ra.srcErr = err
			ra.errMu.Unlock()
			return
		}
	}
}

// Read returns queued bytes; at the end it reports the source's error, or EOF.
func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.buf != nil {
			b := ra.buf[:cap(ra.buf)]
			chunkPool.Put(&b)
			ra.buf = nil
		}
		c, ok := <-ra.ch
		if !ok {
			ra.errMu.Lock()
			defer ra.errMu.Unlock()
			if ra.srcErr != nil {
				return 0, ra.srcErr
			}
			return 0, io.EOF
		}
		ra.buf, ra.cur = c, c
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the reader goroutine and waits for it, so the caller may use
// the source again (the next multipart part) once Close returns.
func (ra *readAhead) Close() {
	ra.once.Do(func() { close(ra.stop) })
	for range ra.ch { // drain so fill is never blocked on a send
	}
	<-ra.done
}
