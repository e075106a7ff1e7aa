package blob

import (
	"context"
	"errors"
	"iter"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/reconcile"
)

// Inventory is the bucket as the reconciler sees it (reconcile.Objects):
// every version, every incomplete upload, and the two ways to clear what no
// row references. Removal goes through the key that may delete versions
// (the disposal key), as the service key cannot.
type Inventory struct{ s *Store }

// Inventory returns the reconciler's view of the bucket.
func (s *Store) Inventory() Inventory { return Inventory{s} }

var _ reconcile.Objects = Inventory{}

// Versions yields every version and delete marker in the bucket.
func (i Inventory) Versions(ctx context.Context) iter.Seq2[reconcile.Version, error] {
	return func(yield func(reconcile.Version, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // stops the listing when the caller stops early
		for o := range i.s.c.ListObjects(ctx, i.s.bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
			if o.Err != nil {
				yield(reconcile.Version{}, o.Err)
				return
			}
			if !yield(reconcile.Version{Key: o.Key, VersionID: o.VersionID, Size: o.Size, LastModified: o.LastModified,
				DeleteMarker: o.IsDeleteMarker}, nil) {
				return
			}
		}
	}
}

// VersionExists asks for one version by id.
func (i Inventory) VersionExists(ctx context.Context, key, versionID string) (bool, error) {
	_, err := i.s.c.StatObject(ctx, i.s.bucket, key, minio.StatObjectOptions{VersionID: versionID})
	if err == nil {
		return true, nil
	}
	r := minio.ToErrorResponse(err)
	switch {
	case r.StatusCode == 404, r.Code == "NoSuchKey", r.Code == "NoSuchVersion":
		return false, nil
	case r.StatusCode == 400 && r.Code == "InvalidArgument":
		// Not a version id this store could have given: the row's version
		// cannot be there.
		return false, nil
	}
	return false, err
}

// LockOf reads the retention and legal hold of one version; a version
// without them has a zero Lock.
func (i Inventory) LockOf(ctx context.Context, key, versionID string) (reconcile.Lock, error) {
	var l reconcile.Lock
	mode, until, err := i.s.c.GetObjectRetention(ctx, i.s.bucket, key, versionID)
	switch {
	case err == nil:
		if mode != nil {
			l.Mode = string(*mode)
		}
		if until != nil {
			l.Until = until.UTC()
		}
	case noLock(err):
	default:
		return l, err
	}
	hold, err := i.s.c.GetObjectLegalHold(ctx, i.s.bucket, key, minio.GetObjectLegalHoldOptions{VersionID: versionID})
	switch {
	case err == nil:
		l.LegalHold = hold != nil && *hold == minio.LegalHoldEnabled
	case noLock(err):
	default:
		return l, err
	}
	return l, nil
}

// noLock reports whether err says a version has no retention or no hold.
func noLock(err error) bool {
	c := minio.ToErrorResponse(err).Code
	return c == "NoSuchObjectLockConfiguration" || c == "ObjectLockConfigurationNotFoundError"
}

// RemoveVersion deletes one version with the disposal key (the service's
// own key when none is configured). The store refuses while a lock holds.
func (i Inventory) RemoveVersion(ctx context.Context, key, versionID string) error {
	return i.s.del.RemoveObject(ctx, i.s.bucket, key, minio.RemoveObjectOptions{VersionID: versionID})
}

// Uploads yields the incomplete multipart uploads of the bucket.
func (i Inventory) Uploads(ctx context.Context) iter.Seq2[reconcile.Upload, error] {
	return func(yield func(reconcile.Upload, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for u := range i.s.c.ListIncompleteUploads(ctx, i.s.bucket, "", true) {
			if u.Err != nil {
				yield(reconcile.Upload{}, u.Err)
				return
			}
			if !yield(reconcile.Upload{Key: u.Key, UploadID: u.UploadID, Initiated: u.Initiated}, nil) {
				return
			}
		}
	}
}

// AbortUpload aborts one incomplete upload by its id (not every upload of
// the key: a newer one of the same key may be in flight).
func (i Inventory) AbortUpload(ctx context.Context, key, uploadID string) error {
	return minio.Core{Client: i.s.c}.AbortMultipartUpload(ctx, i.s.bucket, key, uploadID)
}

// StoreCode is the S3 error code of err, "" when err is not the store's answer.
func (Inventory) StoreCode(err error) string {
	var r minio.ErrorResponse
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}
