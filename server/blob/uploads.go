package blob

import (
	"context"
	"errors"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/lifecycle"
)

// Incomplete multipart uploads.
//
// A streamed upload is a multipart upload of PartSize parts; each part sent
// before a failure stays in the store's multipart area (not a version, not
// listed, yet on disk) until the upload is aborted. qmstrack aborts it on
// every failed upload, and asks the bucket to abort what is left anyway
// (a process killed mid-upload) a day later.

// abortRetry is how long a failed upload's abort is retried in the
// background while the store does not answer, and abortSettle how long after
// an abort during an outage it is made once more: a frozen store may still
// carry out requests that were queued on its connections when it resumes
// (the upload's initiation among them), after the first abort ran.
const (
	abortRetry  = 2 * time.Minute
	abortSettle = 3 * time.Second
)

// abortUpload aborts every incomplete multipart upload of key, with a
// context of its own: the upload's context may be cancelled, or its
// deadline passed, which is why it failed. After an outage (the store
// stalled, refused or failed) the abort runs in the background, so the
// answer to the person is not held up by a store that does not answer: it
// is retried until the store answers (for up to abortRetry) and repeated
// once abortSettle later.
func (s *Store) abortUpload(ctx context.Context, key string, outage bool) {
	ctx = context.WithoutCancel(ctx)
	if !outage && s.removeUploads(ctx, key) == nil {
		return
	}
	go func() {
		deadline := time.Now().Add(abortRetry)
		wait := 250 * time.Millisecond
		done := false
		for time.Now().Before(deadline) {
			time.Sleep(wait)
			if s.removeUploads(ctx, key) == nil {
				if done {
					return
				}
				done, wait = true, abortSettle
				continue
			}
			wait = min(2*wait, 5*time.Second)
		}
	}()
}

// removeUploads aborts the incomplete uploads of key, under the per-call
// timeout.
func (s *Store) removeUploads(parent context.Context, key string) error {
	ctx, w := watched(parent, s.timeout)
	defer w.done()
	return s.fail(parent, w, s.c.RemoveIncompleteUpload(ctx, s.bucket, key))
}

// uploadExpiryRule is the ID of the bucket's lifecycle rule that aborts
// incomplete multipart uploads.
const uploadExpiryRule = "qmstrack-abort-incomplete-uploads"

// EnsureUploadExpiry adds to the bucket's lifecycle a rule that aborts
// incomplete multipart uploads one day after they began (the shortest S3
// allows), keeping the bucket's other rules, and reports whether the rule is
// in force: it reads the lifecycle back, because a store may accept the
// configuration and drop the part it does not implement (MinIO keeps no
// AbortIncompleteMultipartUpload; it removes stale uploads on its own after
// its api stale_uploads_expiry, 24 h by default). A key without the
// lifecycle permissions (the service policy grants none), or a store that
// refuses the rule, reports false and no error; the reconciler then aborts
// old incomplete uploads itself. Only an outage is an error.
func (s *Store) EnsureUploadExpiry(parent context.Context) (bool, error) {
	ctx, w := watched(parent, s.timeout)
	defer w.done()
	cfg, err := s.c.GetBucketLifecycle(ctx, s.bucket)
	if err != nil {
		if minio.ToErrorResponse(err).Code != "NoSuchLifecycleConfiguration" {
			return false, refusal(s.fail(parent, w, err))
		}
		cfg = lifecycle.NewConfiguration()
	}
	if hasUploadExpiry(cfg) {
		return true, nil
	}
	cfg.Rules = append(cfg.Rules, lifecycle.Rule{
		ID:                             uploadExpiryRule,
		Status:                         "Enabled",
		RuleFilter:                     lifecycle.Filter{Prefix: ""},
		AbortIncompleteMultipartUpload: lifecycle.AbortIncompleteMultipartUpload{DaysAfterInitiation: 1},
	})
	if err := s.c.SetBucketLifecycle(ctx, s.bucket, cfg); err != nil {
		// MinIO refuses the rule as malformed XML: it has no such action.
		return false, refusal(s.fail(parent, w, err))
	}
	back, err := s.c.GetBucketLifecycle(ctx, s.bucket)
	if err != nil {
		return false, s.fail(parent, w, err)
	}
	return hasUploadExpiry(back), nil
}

// refusal drops an error that is the store's answer about the request
// (no permission, no such feature, a configuration it does not take): only
// an outage is an error of EnsureUploadExpiry.
func refusal(err error) error {
	var er minio.ErrorResponse
	if errors.As(err, &er) && er.StatusCode >= 400 && er.StatusCode < 500 {
		return nil
	}
	return err
}

func hasUploadExpiry(cfg *lifecycle.Configuration) bool {
	for _, r := range cfg.Rules {
		if r.Status == "Enabled" && r.AbortIncompleteMultipartUpload.DaysAfterInitiation > 0 {
			return true
		}
	}
	return false
}

// UploadExpiry reports whether EnsureBucket found or set the lifecycle rule
// that aborts incomplete multipart uploads; false: the store does not keep
// it, and incomplete uploads are the reconciler's to abort.
func (s *Store) UploadExpiry() bool { return s.lifecycle }
