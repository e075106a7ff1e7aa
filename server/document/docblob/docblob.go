// Package docblob adapts the object store (server/blob) to the small
// interface the document capability declares, so the domain package never
// imports minio-go.
package docblob

import (
	"context"
	"io"

	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/qms"
)

// Store wraps a *blob.Store.
type Store struct{ b *blob.Store }

// New returns the adapter.
func New(b *blob.Store) Store { return Store{b: b} }

var _ document.Blobs = Store{}

// Put streams r into a new version of key with the size limit.
// The upload is read ahead of the object store client (see readAhead).
func (s Store) Put(ctx context.Context, key string, r io.Reader, maxSize int64) (qms.StoredObject, error) {
	ra := newReadAhead(r)
	defer ra.Close()
	return s.b.Put(ctx, key, ra, blob.PutOptions{MaxSize: maxSize})
}

// Open opens one version for reading.
func (s Store) Open(ctx context.Context, key, versionID string) (document.Object, error) {
	o, err := s.b.Open(ctx, key, versionID)
	if err != nil {
		return nil, err
	}
	return o, nil
}
