package blob

import (
	"context"
	"fmt"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Retention after the row: a record's file is stored without a lock, its
// row is committed, and only then is the version locked (ApplyRetention).
// A version whose row never came (the database failed after the upload) is
// thus left unlocked, and the reconciler can remove it; a version locked in
// COMPLIANCE mode before its row existed could be removed by nobody until
// its retention ends.

// ApplyRetention locks one version until ret.Until in ret.Mode (when ret
// names a mode) and, when hold is set, puts it under legal hold. Applying
// the same retention again is harmless, so an interrupted apply is retried
// as a whole.
func (s *Store) ApplyRetention(ctx context.Context, key, versionID string, ret qms.Retention, hold bool) error {
	if ret.Mode != "" {
		if err := s.SetRetention(ctx, key, versionID, ret); err != nil {
			return fmt.Errorf("set retention of %s: %w", key, err)
		}
	}
	if hold {
		if err := s.SetLegalHold(ctx, key, versionID, true); err != nil {
			return fmt.Errorf("set legal hold of %s: %w", key, err)
		}
	}
	return nil
}

// DisposeVersion deletes one version with the disposal key, a step of a
// signed disposition. A version the store no longer has (NoSuchVersion,
// NoSuchKey: deleted by an earlier attempt that was interrupted before it
// was recorded) counts as deleted. A refusal because the version is still
// locked or held is an ErrState error; anything else (the store did not
// answer) is returned as it is, to be retried.
func (s *Store) DisposeVersion(ctx context.Context, key, versionID string) error {
	err := s.del.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: versionID})
	if err == nil {
		return nil
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "NoSuchVersion" || resp.Code == "NoSuchKey":
		return nil
	case resp.StatusCode == 403 || resp.StatusCode == 400 || resp.Code == "ObjectLocked":
		return qms.Wrap(qms.ErrState, err, "the object store refuses to delete this version: it is still locked or held")
	}
	return fmt.Errorf("delete version of %s: %w", key, err)
}
