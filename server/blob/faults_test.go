package blob_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/qms"
)

// refused is a real "connection refused": a dial to a port nobody listens on.
func refused(t *testing.T) error {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		t.Skip("a closed port accepted a connection")
	}
	return fmt.Errorf("put object: %w", err)
}

func TestClassifyMapsOutagesOfTheStore(t *testing.T) {
	live := context.Background()
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	kinded := qms.Errorf(qms.ErrNotFound, "the file is missing from the object store")
	cases := []struct {
		name   string
		parent context.Context
		err    error
		want   error // nil: passes unchanged, with no kind
		msg    string
	}{
		{"storage full code", live, minio.ErrorResponse{Code: "XMinioStorageFull", StatusCode: 507,
			Message: "Storage backend has reached its minimum free drive threshold. Please delete a few objects to proceed."},
			qms.ErrStorageFull, "the file store is full; the file was not saved; ask the administrator to free space"},
		{"free drive threshold without a code", live, errors.New("Storage reached its minimum free drive threshold."), qms.ErrStorageFull, ""},
		{"disk filled during the write", live, minio.ErrorResponse{Code: "InternalError", StatusCode: 500,
			Message: "We encountered an internal error, please try again.: cause(no space left on device)"}, qms.ErrStorageFull, ""},
		{"503 starting", live, minio.ErrorResponse{Code: "XMinioServerNotInitialized", StatusCode: 503}, qms.ErrUnavailable,
			"the file store is unavailable; try again in a few seconds"},
		{"slow down", live, fmt.Errorf("put: %w", minio.ErrorResponse{Code: "SlowDown", StatusCode: 503}), qms.ErrUnavailable, ""},
		{"write quorum", live, minio.ErrorResponse{Code: "XMinioWriteQuorum", StatusCode: 503}, qms.ErrUnavailable, ""},
		{"502 from a proxy", live, minio.ErrorResponse{StatusCode: 502}, qms.ErrUnavailable, ""},
		{"504 from a proxy", live, minio.ErrorResponse{StatusCode: 504}, qms.ErrUnavailable, ""},
		{"connection refused", live, refused(t), qms.ErrUnavailable, ""},
		{"deadline passed", live, fmt.Errorf("get: %w", context.DeadlineExceeded), qms.ErrUnavailable, ""},
		{"no such key", live, minio.ErrorResponse{Code: "NoSuchKey", StatusCode: 404}, nil, ""},
		{"access denied", live, minio.ErrorResponse{Code: "AccessDenied", StatusCode: 403}, nil, ""},
		{"internal error", live, minio.ErrorResponse{Code: "InternalError", StatusCode: 500, Message: "We encountered an internal error"}, nil, ""},
		{"caller left: refused", gone, refused(t), nil, ""},
		{"caller left: cancelled", gone, fmt.Errorf("get: %w", context.Canceled), nil, ""},
		{"already kinded", live, kinded, qms.ErrNotFound, "the file is missing from the object store"},
	}
	for _, c := range cases {
		got := blob.Classify(c.parent, c.err)
		if k := qms.KindOf(got); k != c.want {
			t.Errorf("%s: kind %v, want %v (%v)", c.name, k, c.want, got)
			continue
		}
		if c.want == nil && got != c.err {
			t.Errorf("%s: changed to %v", c.name, got)
		}
		if c.msg != "" && qms.Message(got) != c.msg {
			t.Errorf("%s: message %q, want %q", c.name, qms.Message(got), c.msg)
		}
		if c.want != nil && c.err != kinded && !errors.Is(got, c.err) {
			t.Errorf("%s: the cause is lost", c.name)
		}
	}
}

// Readiness writes a probe and deletes its version (with the disposal key:
// the service key may not), and keeps the result for ProbeTTL.
func TestReadyProbesWritesAndKeepsTheResult(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("a healthy store is not ready: %v", err)
	}
	admin := testenv.AdminClient(t)
	for o := range admin.ListObjects(ctx, s.Bucket(), minio.ListObjectsOptions{Prefix: "probe/health-", WithVersions: true, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		t.Errorf("the write probe left version %s of %s", o.VersionID, o.Key)
	}
	// A bucket that is gone: the store answers, but nothing can be written.
	if err := admin.RemoveBucket(ctx, s.Bucket()); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("within ProbeTTL the last probe's result is reused; got %v", err)
	}
	time.Sleep(blob.ProbeTTL + 100*time.Millisecond)
	if err := s.Ready(ctx); err == nil {
		t.Fatal("a store whose bucket is gone is ready")
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping only asks whether the store answers: %v", err)
	}
}

// MinIO keeps no rule that aborts incomplete uploads, and the service key
// may not change the lifecycle: either way the store reports that the rule
// is not in force, without an error, and the bucket keeps no half rule.
func TestUploadExpiryOnAStoreWithoutTheRule(t *testing.T) {
	ctx := context.Background()
	service := testenv.Blob(t)
	if on, err := service.EnsureUploadExpiry(ctx); on || err != nil {
		t.Errorf("service key: in force %v, err %v; want false, nil", on, err)
	}
	if service.UploadExpiry() {
		t.Error("EnsureBucket reports the rule in force on MinIO")
	}
	o := testenv.AdminS3Options()
	o.Bucket = service.Bucket()
	admin, err := blob.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if on, err := admin.EnsureUploadExpiry(ctx); on || err != nil {
		t.Errorf("root key on MinIO: in force %v, err %v; want false, nil", on, err)
	}
	if cfg, err := admin.Client().GetBucketLifecycle(ctx, service.Bucket()); err == nil && len(cfg.Rules) > 0 {
		t.Errorf("the bucket was left with lifecycle rules %+v", cfg.Rules)
	}
}
