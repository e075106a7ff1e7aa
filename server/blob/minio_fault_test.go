//go:build fault

package blob_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/internal/faultenv"
	"github.com/qmstrack/qmstrack/server/qms"
)

// Deadlines of the fault tests: short, so a test takes seconds.
const (
	blobFaultTimeout = time.Second
	blobFaultStall   = 2 * time.Second
)

// blobFaultText is an endless plain-text upload (up to max bytes) that calls
// at once, when after bytes have been read.
type blobFaultText struct {
	n, max, after int64
	at            func()
	once          sync.Once
}

func (s *blobFaultText) Read(p []byte) (int, error) {
	if s.n >= s.max {
		return 0, io.EOF
	}
	if s.n >= s.after && s.at != nil {
		s.once.Do(s.at)
	}
	const line = "a line of a long plain-text record, written again and again\n"
	k := 0
	for k < len(p) && s.n < s.max {
		c := copy(p[k:], line[s.n%int64(len(line)):])
		k += c
		s.n += int64(c)
	}
	return k, nil
}

// blobFaultUploads lists the blobFaultUploads multipart uploads of key.
func blobFaultUploads(t *testing.T, s *blob.Store, key string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var ids []string
	for u := range s.Client().ListIncompleteUploads(ctx, s.Bucket(), key, true) {
		if u.Err != nil {
			t.Fatalf("list blobFaultUploads uploads: %v", u.Err)
		}
		ids = append(ids, u.UploadID)
	}
	return ids
}

// blobFaultNoUploads waits (up to within) until key has no blobFaultUploads upload.
func blobFaultNoUploads(t *testing.T, s *blob.Store, key string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ids := blobFaultUploads(t, s, key)
		if len(ids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d blobFaultUploads multipart upload(s) of %s left %s after the failed upload: %v", len(ids), key, within, ids)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func blobFaultNoVersion(t *testing.T, s *blob.Store, key string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for o := range s.Client().ListObjects(ctx, s.Bucket(), minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		t.Fatalf("a failed upload left version %s of %s", o.VersionID, o.Key)
	}
}

func blobFaultStore(t *testing.T, m *faultenv.MinIO) *blob.Store {
	o := m.Options("faults")
	o.Timeout, o.StallTimeout = blobFaultTimeout, blobFaultStall
	return m.Store(o)
}

// A store that freezes mid-upload (SIGSTOP) fails the upload as unavailable
// within the stall deadline, and once it answers again the upload's parts
// are gone from its multipart area.
func TestFaultFrozenMidUpload(t *testing.T) {
	m := faultenv.StartMinIO(t, "")
	s := blobFaultStore(t, m)
	var frozeAt time.Time
	src := &blobFaultText{max: 64 << 20, after: 20 << 20, at: func() { m.Freeze(); frozeAt = time.Now() }}
	key := "nc/frozen/" + qms.NewID()
	_, err := s.Put(context.Background(), key, src, blob.PutOptions{MaxSize: 1 << 30})
	took := time.Since(frozeAt)
	m.Thaw()
	if !errors.Is(err, qms.ErrUnavailable) {
		t.Fatalf("upload to a frozen store: %v; want ErrUnavailable", err)
	}
	if qms.Message(err) != "the file store is unavailable; try again in a few seconds" {
		t.Errorf("message %q", qms.Message(err))
	}
	if took > blobFaultStall+faultSlack {
		t.Errorf("the upload failed %s after the freeze; the stall deadline is %s", took, blobFaultStall)
	}
	t.Logf("frozen store: upload failed %s after the freeze (stall deadline %s)", took.Round(10*time.Millisecond), blobFaultStall)
	blobFaultNoUploads(t, s, key, 10*time.Second)
	blobFaultNoVersion(t, s, key)

	// Small calls have the per-call deadline.
	m.Freeze()
	start := time.Now()
	err = s.Ping(context.Background())
	took = time.Since(start)
	m.Thaw()
	if !errors.Is(err, qms.ErrUnavailable) || took > blobFaultTimeout+faultSlack {
		t.Errorf("ping of a frozen store: %v after %s; want ErrUnavailable within about %s", err, took, blobFaultTimeout)
	}
}

// A store killed mid-upload fails the upload as unavailable at once; when
// it is back, the parts it kept are aborted.
func TestFaultKilledMidUpload(t *testing.T) {
	m := faultenv.StartMinIO(t, "")
	s := blobFaultStore(t, m)
	var killedAt time.Time
	src := &blobFaultText{max: 64 << 20, after: 24 << 20, at: func() { m.Kill(); killedAt = time.Now() }}
	key := "nc/killed/" + qms.NewID()
	_, err := s.Put(context.Background(), key, src, blob.PutOptions{MaxSize: 1 << 30})
	took := time.Since(killedAt)
	if !errors.Is(err, qms.ErrUnavailable) {
		t.Fatalf("upload to a killed store: %v; want ErrUnavailable", err)
	}
	if took > blobFaultStall+faultSlack {
		t.Errorf("the upload failed %s after the kill", took)
	}
	t.Logf("killed store: upload failed %s after the kill", took.Round(10*time.Millisecond))
	m.Restart()
	blobFaultNoUploads(t, s, key, 15*time.Second)
	blobFaultNoVersion(t, s, key)
}

// A download from a store that freezes mid-body fails within the stall
// deadline instead of hanging.
func TestFaultFrozenMidDownload(t *testing.T) {
	m := faultenv.StartMinIO(t, "")
	s := blobFaultStore(t, m)
	key := "nc/download/" + qms.NewID()
	if _, err := s.Put(context.Background(), key, &blobFaultText{max: 24 << 20}, blob.PutOptions{MaxSize: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	o, err := s.Open(context.Background(), key, "")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	buf := make([]byte, 1<<20)
	if _, err := io.ReadFull(o, buf); err != nil {
		t.Fatal(err)
	}
	m.Freeze()
	defer m.Thaw()
	start := time.Now()
	_, err = io.Copy(io.Discard, o)
	took := time.Since(start)
	if !errors.Is(err, qms.ErrUnavailable) {
		t.Fatalf("reading from a frozen store: %v; want ErrUnavailable", err)
	}
	if took > blobFaultStall+faultSlack {
		t.Errorf("the read failed %s after the freeze; the stall deadline is %s", took, blobFaultStall)
	}
	t.Logf("frozen store: download failed %s after the freeze", took.Round(10*time.Millisecond))
}

// A store whose disk is full refuses an upload as ErrStorageFull, leaves
// no parts behind, still takes a small file, and is not ready while the
// write probe cannot write.
func TestFaultStorageFull(t *testing.T) {
	disk := faultenv.Tmpfs(t, 64<<20)
	m := faultenv.StartMinIO(t, disk+"/data")
	s := blobFaultStore(t, m)
	unfill := faultenv.Fill(t, disk, 6<<20)
	time.Sleep(1500 * time.Millisecond) // MinIO looks at its disk's free space about once a second
	key := "nc/full/" + qms.NewID()
	_, err := s.Put(context.Background(), key, &blobFaultText{max: 24 << 20}, blob.PutOptions{MaxSize: 1 << 30})
	if !errors.Is(err, qms.ErrStorageFull) {
		t.Fatalf("upload to a full store: %v; want ErrStorageFull", err)
	}
	if !strings.Contains(qms.Message(err), "the file store is full") {
		t.Errorf("message %q", qms.Message(err))
	}
	blobFaultNoUploads(t, s, key, 10*time.Second)
	blobFaultNoVersion(t, s, key)
	small, err := s.Put(context.Background(), "nc/full/"+qms.NewID(), strings.NewReader("a small file after the refusal\n"), blob.PutOptions{MaxSize: 1 << 20})
	if err != nil {
		t.Fatalf("a small upload after the refusal: %v", err)
	}
	if small.Size != 31 {
		t.Errorf("small upload stored %d bytes", small.Size)
	}
	unfill()
	unfill = faultenv.Fill(t, disk, 256<<10)
	defer unfill()
	if err, ok := blobFaultReady(s, qms.ErrStorageFull, 10*time.Second); !ok {
		t.Fatalf("write probe of a store without room: %v; want ErrStorageFull", err)
	}
}

// blobFaultReady calls Ready until it fails with want (MinIO refreshes its view
// of the free space every second or so; Ready keeps a result for ProbeTTL).
func blobFaultReady(s *blob.Store, want error, within time.Duration) (error, bool) {
	deadline := time.Now().Add(within + blob.ProbeTTL)
	var err error
	for time.Now().Before(deadline) {
		err = s.Ready(context.Background())
		if errors.Is(err, want) {
			return err, true
		}
		time.Sleep(250 * time.Millisecond)
	}
	return err, false
}
