package blob

import (
	"context"
	"errors"
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

// DisposeVersion deletes one version with the disposal key (DeleteVersion,
// with its deadline and its refusal: an ErrState error while a lock or hold
// stands), a step of a signed disposition. A version the store no longer
// has counts as deleted: an earlier attempt deleted it and stopped before
// the register knew. MinIO answers such a delete with success; other
// S3 stores may answer NoSuchVersion or NoSuchKey, which count the same.
func (s *Store) DisposeVersion(ctx context.Context, key, versionID string) error {
	err := s.DeleteVersion(ctx, key, versionID)
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && (resp.Code == "NoSuchVersion" || resp.Code == "NoSuchKey") {
		return nil
	}
	return err
}
