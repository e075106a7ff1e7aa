// Package recordblob adapts the object store (server/blob) to the small
// interfaces the record and internal-audit capabilities declare, so those
// domain packages never import minio-go.
package recordblob

import (
	"context"
	"io"

	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/qms"
)

// Store wraps a *blob.Store.
type Store struct{ *blob.Store }

// New returns the adapter.
func New(b *blob.Store) Store { return Store{b} }

// PutLocked streams r into key, locked until ret.Until in ret.Mode when set.
func (s Store) PutLocked(ctx context.Context, key string, r io.Reader, maxSize int64, ret qms.Retention) (qms.StoredObject, error) {
	o := blob.PutOptions{MaxSize: maxSize}
	if ret.Mode != "" {
		o.Retention = &ret
	}
	return s.Put(ctx, key, r, o)
}

// OpenVersion opens one version for reading.
func (s Store) OpenVersion(ctx context.Context, key, versionID string) (io.ReadSeekCloser, error) {
	o, err := s.Open(ctx, key, versionID)
	if err != nil {
		return nil, err
	}
	return o, nil
}
