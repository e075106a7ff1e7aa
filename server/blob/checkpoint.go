package blob

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// PutCheckpoint writes a trail checkpoint under trail.CheckpointName with
// the object lock ret (see trail.Checkpoint).
func (s *Store) PutCheckpoint(ctx context.Context, cp trail.Checkpoint, ret qms.Retention) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	// Not through Put: a checkpoint is no upload of a user's, whose media
	// type Put decides and limits.
	opts := minio.PutObjectOptions{ContentType: "application/json"}
	if ret.Mode != "" {
		opts.Mode, opts.RetainUntilDate = minio.RetentionMode(ret.Mode), ret.Until
	}
	wctx, w := watched(ctx, s.stall)
	defer w.done()
	if _, err := s.c.PutObject(wctx, s.bucket, trail.CheckpointName(cp.Seq), bytes.NewReader(b), int64(len(b)), opts); err != nil {
		return fmt.Errorf("write the trail checkpoint of entry %d: %w", cp.Seq, err)
	}
	return nil
}

// Checkpoints reads every trail checkpoint of the bucket: every version of
// every object under trail.CheckpointPrefix, so that a checkpoint written
// over another (the same entry, checkpointed twice) is read too. A bucket
// that does not exist holds none.
func (s *Store) Checkpoints(ctx context.Context) ([]trail.Checkpoint, error) {
	var out []trail.Checkpoint
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: trail.CheckpointPrefix, Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			if minio.ToErrorResponse(o.Err).Code == "NoSuchBucket" {
				return nil, nil
			}
			return nil, fmt.Errorf("list the trail checkpoints: %w", o.Err)
		}
		if o.IsDeleteMarker {
			continue
		}
		r, err := s.c.GetObject(ctx, s.bucket, o.Key, minio.GetObjectOptions{VersionID: o.VersionID})
		if err != nil {
			return nil, fmt.Errorf("read the checkpoint %s: %w", o.Key, err)
		}
		b, err := io.ReadAll(io.LimitReader(r, 1<<16))
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("read the checkpoint %s: %w", o.Key, err)
		}
		var cp trail.Checkpoint
		if err := json.Unmarshal(b, &cp); err != nil {
			return nil, fmt.Errorf("the checkpoint %s (version %s) is not a checkpoint: %w", o.Key, o.VersionID, err)
		}
		if trail.CheckpointName(cp.Seq) != o.Key {
			return nil, fmt.Errorf("the checkpoint %s records entry %d, not the one its name says", o.Key, cp.Seq)
		}
		out = append(out, cp)
	}
	return out, nil
}
