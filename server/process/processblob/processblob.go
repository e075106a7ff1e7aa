// Package processblob adapts the object store (server/blob) to the Blobs
// interface of the process capability (meeting minutes, directive
// evidence), so the domain package never imports minio-go.
package processblob

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

// PutFile streams r into a new version of key, refusing more than maxSize bytes.
func (s Store) PutFile(ctx context.Context, key string, r io.Reader, maxSize int64) (qms.StoredObject, error) {
	return s.Put(ctx, key, r, blob.PutOptions{MaxSize: maxSize})
}

// OpenVersion opens one version for reading.
func (s Store) OpenVersion(ctx context.Context, key, versionID string) (io.ReadSeekCloser, error) {
	o, err := s.Open(ctx, key, versionID)
	if err != nil {
		return nil, err
	}
	return o, nil
}
