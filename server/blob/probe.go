package blob

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/qms"
)

// ProbeTTL is how long the result of a write probe is reused: readiness is
// asked every few seconds by every load balancer, and each probe writes an
// object version.
const ProbeTTL = 5 * time.Second

// probeCache holds the last write probe's result; mu is held while a probe
// runs, so concurrent readiness checks share one probe.
type probeCache struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

// Ping checks that the object store answers (any answer about the bucket),
// under the per-call timeout.
func (s *Store) Ping(parent context.Context) error {
	ctx, w := watched(parent, s.timeout)
	defer w.done()
	_, err := s.c.BucketExists(ctx, s.bucket)
	return s.fail(parent, w, err)
}

// Ready reports the object store's write health, for readiness: a store that
// answers but cannot store a file (its disk full, its quorum lost, the key
// refused) is not ready. It writes a small object under probe/ with the
// service key and deletes that version with the key that may delete versions
// (the disposal key may delete under probe/, see
// policies/s3-disposal-policy.json); the result is kept for ProbeTTL. The
// error has the kind of the outage (ErrUnavailable, ErrStorageFull).
func (s *Store) Ready(ctx context.Context) error {
	s.probe.mu.Lock()
	defer s.probe.mu.Unlock()
	if !s.probe.at.IsZero() && time.Since(s.probe.at) < ProbeTTL {
		return s.probe.err
	}
	err := s.writeProbe(ctx)
	if errors.Is(ctx.Err(), context.Canceled) && err != nil {
		// The caller left before the store answered: that says nothing
		// about the store, so it is not kept. (A caller's deadline that
		// passed first is kept: the store did not answer in that time.)
		return err
	}
	s.probe.at, s.probe.err = time.Now(), err
	return err
}

func (s *Store) writeProbe(parent context.Context) error {
	ctx, w := watched(parent, s.timeout)
	defer w.done()
	const body = "write probe"
	info, err := s.c.PutObject(ctx, s.bucket, "probe/health-"+qms.NewID(), strings.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{ContentType: "text/plain"})
	if err != nil {
		if errors.Is(parent.Err(), context.DeadlineExceeded) {
			return qms.Wrap(qms.ErrUnavailable, err, msgUnavailable)
		}
		return s.fail(parent, w, err)
	}
	err = s.del.RemoveObject(ctx, s.bucket, info.Key, minio.RemoveObjectOptions{VersionID: info.VersionID})
	return s.fail(parent, w, err)
}
