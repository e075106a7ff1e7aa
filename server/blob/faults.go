package blob

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Messages of the object store's outages, shown to the person whose request
// failed (and translated like every message).
const (
	msgUnavailable = "the file store is unavailable; try again in a few seconds"
	msgFull        = "the file store is full; the file was not saved; ask the administrator to free space"
)

// Classify gives an error of an object-store call the kind of the outage it
// reports, so the answer is 503 (ErrUnavailable, with Retry-After) or 507
// (ErrStorageFull) with a message that says so, instead of "internal error":
//
//   - the store full: the S3 code XMinioStorageFull, or MinIO's "minimum
//     free drive threshold" (its text where a code is missing);
//   - the store unavailable: no answer within the deadline (the call's
//     watch fired, or its own deadline passed while its caller still
//     waited), a refused, reset or failed connection, a response cut short,
//     or an answer of 502, 503 (starting, quorum lost, slowing down) or 504.
//
// Errors that already carry a kind, and answers of the store that are
// about the request (403, 404, 409, ...), pass through unchanged. parent is
// the caller's context: when it is done, the caller left and its
// cancellation is no outage.
func Classify(parent context.Context, err error) error {
	if err == nil || qms.KindOf(err) != nil {
		return err
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		switch {
		case er.Code == "XMinioStorageFull", strings.Contains(er.Message, "minimum free drive threshold"),
			// MinIO answers a disk that filled during the write (between its
			// free-space check and the write) with a bare InternalError.
			er.StatusCode == 500 && strings.Contains(er.Message, "no space left on device"):
			return qms.Wrap(qms.ErrStorageFull, err, msgFull)
		case er.StatusCode == 502, er.StatusCode == 503, er.StatusCode == 504,
			er.Code == "XMinioServerNotInitialized", er.Code == "SlowDown", er.Code == "ServiceUnavailable",
			er.Code == "XMinioReadQuorum", er.Code == "XMinioWriteQuorum":
			return qms.Wrap(qms.ErrUnavailable, err, msgUnavailable)
		}
		if er.StatusCode != 0 {
			return err
		}
	}
	if strings.Contains(err.Error(), "minimum free drive threshold") {
		return qms.Wrap(qms.ErrStorageFull, err, msgFull)
	}
	if errors.Is(err, errStalled) || (parent.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled))) {
		return qms.Wrap(qms.ErrUnavailable, err, msgUnavailable)
	}
	var ne net.Error
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) ||
		errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		if parent.Err() == nil {
			return qms.Wrap(qms.ErrUnavailable, err, msgUnavailable)
		}
	}
	return err
}

// fail classifies the error of a call made under w: a call its watch
// cancelled is an outage whatever minio-go made of the cancellation.
func (s *Store) fail(parent context.Context, w *watch, err error) error {
	return failOf(parent, w, err)
}

func failOf(parent context.Context, w *watch, err error) error {
	if err == nil {
		return nil
	}
	if w != nil && w.stalled() && qms.KindOf(err) == nil {
		return qms.Wrap(qms.ErrUnavailable, err, msgUnavailable)
	}
	return Classify(parent, err)
}
