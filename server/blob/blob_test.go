package blob_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/qms"
)

func docx(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"word/document.xml":   `<w:document><w:body><w:p><w:r><w:t>Quy trình cấp phép</w:t></w:r></w:p></w:body></w:document>`,
	} {
		w, _ := z.Create(name)
		_, _ = w.Write([]byte(body))
	}
	_ = z.Close()
	return buf.Bytes()
}

func TestDetect(t *testing.T) {
	cases := []struct {
		name    string
		content []byte
		want    string
		kind    error
	}{
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), "application/pdf", nil},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"), "image/png", nil},
		{"text", []byte("Biên bản họp xem xét của lãnh đạo\n"), "text/plain", nil},
		{"docx", docx(t), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", nil},
		{"csv-like text", []byte("so_ho_so,ngay_nhan,linh_vuc\n000.00.01.H12,01/11/2026,dat_dai\n000.00.01.H13,02/11/2026,ho_tich\n"), "text/csv", nil},
		{"empty", nil, "", qms.ErrInvalid},
		{"exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), "", qms.ErrInvalid},
		{"html", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "", qms.ErrInvalid},
	}
	for _, tc := range cases {
		got, err := blob.Detect(tc.content)
		if got != tc.want || qms.KindOf(err) != tc.kind {
			t.Errorf("%s: got %q, %v; want %q, %v", tc.name, got, err, tc.want, tc.kind)
		}
	}
}

func TestPutStreamsHashesAndVersions(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	body := []byte(strings.Repeat("Hồ sơ lưu trữ. ", 5000))
	o1, err := s.Put(ctx, "records/x", bytes.NewReader(body), blob.PutOptions{MaxSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if o1.SHA256 != hex.EncodeToString(sum[:]) || o1.Size != int64(len(body)) || o1.MediaType != "text/plain" || o1.VersionID == "" {
		t.Fatalf("stored = %+v", o1)
	}
	o2, err := s.Put(ctx, "records/x", bytes.NewReader(docx(t)), blob.PutOptions{MaxSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if o2.VersionID == o1.VersionID {
		t.Fatal("a second put did not make a new version")
	}
	// The first version is still there, byte for byte.
	obj, err := s.Open(ctx, "records/x", o1.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	got, _ := io.ReadAll(obj)
	if !bytes.Equal(got, body) {
		t.Fatal("old version changed")
	}
}

func TestPutRefusesOversizeAndLeavesNoObject(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	big := bytes.Repeat([]byte("a"), 3<<20)
	_, err := s.Put(ctx, "documents/big", bytes.NewReader(big), blob.PutOptions{MaxSize: 1 << 20})
	if qms.KindOf(err) != qms.ErrTooLarge {
		t.Fatalf("want too_large, got %v", err)
	}
	for o := range s.Client().ListObjects(ctx, s.Bucket(), minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err == nil {
			t.Fatalf("an oversize upload left %s (%s)", o.Key, o.VersionID)
		}
	}
}

func TestBucketWithoutObjectLockIsRefused(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	name := s.Bucket() + "-nolock"
	admin := testenv.AdminClient(t)
	if err := admin.MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	defer admin.RemoveBucket(ctx, name)
	o := testenv.S3Options()
	o.Bucket = name
	plain, err := blob.New(o)
	if err != nil {
		t.Fatal(err)
	}
	err = plain.EnsureBucket(ctx)
	if err == nil || !strings.Contains(err.Error(), "versioning") {
		t.Fatalf("a bucket without versioning/object lock was accepted: %v", err)
	}
	_ = admin.EnableVersioning(ctx, name)
	err = plain.EnsureBucket(ctx)
	if err == nil || !strings.Contains(err.Error(), "object lock") {
		t.Fatalf("a bucket without object lock was accepted: %v", err)
	}
}

func TestRetentionBlocksDeletion(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	o, err := s.Put(ctx, "records/locked", strings.NewReader("biên bản"), blob.PutOptions{MaxSize: 1 << 20,
		Retention: &qms.Retention{Mode: "GOVERNANCE", Until: time.Now().Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteVersion(ctx, o.Key, o.VersionID); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("deleting a locked version: %v", err)
	}
}

// countingReader is a streamed source (not an in-memory reader, so Put
// reads ahead of it) that counts what was taken from it and can fail.
type countingReader struct {
	r    io.Reader
	n    atomic.Int64
	fail error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	if err == io.EOF && c.fail != nil {
		return n, c.fail
	}
	return n, err
}

func TestPutReadsAheadOfAStream(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	body := []byte(strings.Repeat("Quy trình cấp phép xây dựng. ", 150_000)) // ~4.5 MiB: several read-ahead chunks
	src := &countingReader{r: bytes.NewReader(body)}
	o, err := s.Put(ctx, "documents/stream", src, blob.PutOptions{MaxSize: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if o.SHA256 != hex.EncodeToString(sum[:]) || o.Size != int64(len(body)) {
		t.Fatalf("stored = %+v, want size %d", o, len(body))
	}

	// A client that stops sending: the upload is refused as interrupted.
	broken := &countingReader{r: bytes.NewReader(body[:300<<10]), fail: errors.New("connection reset")}
	if _, err := s.Put(ctx, "documents/broken", broken, blob.PutOptions{MaxSize: 64 << 20}); qms.KindOf(err) != qms.ErrInvalid {
		t.Fatalf("an interrupted stream: %v, want invalid", err)
	}

	// Beyond the limit Put stops, and nothing reads the source after it
	// returns (the caller goes on to the next multipart part).
	big := &countingReader{r: bytes.NewReader(bytes.Repeat([]byte("a"), 40<<20))}
	if _, err := s.Put(ctx, "documents/big", big, blob.PutOptions{MaxSize: 1 << 20}); qms.KindOf(err) != qms.ErrTooLarge {
		t.Fatalf("oversize stream: %v, want too_large", err)
	}
	read := big.n.Load()
	time.Sleep(50 * time.Millisecond)
	if big.n.Load() != read {
		t.Fatal("the source was read after Put returned")
	}
	if read > blob.PartSize+(8<<20) {
		t.Fatalf("read %d bytes of an oversize upload with a 1 MiB limit", read)
	}
}

// TestServiceKeyCannotOverrideGovernance: the key the service runs with
// (policies/s3-service-policy.json) cannot delete a version at all, nor
// bypass a governance lock; the disposal key deletes versions but cannot
// bypass a lock either; the start-up probe tells the two kinds of key apart.
func TestServiceKeyCannotOverrideGovernance(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	obj, err := s.PutLocked(ctx, "record/"+qms.NewID(), strings.NewReader("Biên bản họp"), 1<<20,
		qms.Retention{Mode: "GOVERNANCE", Until: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, bypass := range []bool{false, true} {
		err := s.Client().RemoveObject(ctx, s.Bucket(), obj.Key, minio.RemoveObjectOptions{VersionID: obj.VersionID, GovernanceBypass: bypass})
		if err == nil || minio.ToErrorResponse(err).Code != "AccessDenied" {
			t.Fatalf("service key deleted a version (bypass=%v): %v", bypass, err)
		}
	}
	if err := s.DeleteVersion(ctx, obj.Key, obj.VersionID); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("the disposal key deleted a governance-locked version: %v", err)
	}
	if _, err := s.Open(ctx, obj.Key, obj.VersionID); err != nil {
		t.Fatalf("the version is gone: %v", err)
	}
	if bypass, err := s.CanBypassGovernance(ctx); err != nil || bypass {
		t.Fatalf("probe with the service key: bypass=%v err=%v", bypass, err)
	}
	ao := testenv.AdminS3Options()
	ao.Bucket = s.Bucket()
	root, err := blob.New(ao)
	if err != nil {
		t.Fatal(err)
	}
	if bypass, err := root.CanBypassGovernance(ctx); err != nil || !bypass {
		t.Fatalf("probe with the root key: bypass=%v err=%v", bypass, err)
	}
}

// TestDeleteVersionRefusedByPolicy: a deletion the disposal key may not make
// (a file outside the record and upload folders, with no lock at all: the
// store answers 403 AccessDenied) is a refusal of state with its reason,
// like a locked version, never an unclassified failure.
func TestDeleteVersionRefusedByPolicy(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	o, err := s.Put(ctx, "evidence-packs/"+qms.NewID(), strings.NewReader("gói bằng chứng"), blob.PutOptions{MaxSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	err = s.DeleteVersion(ctx, o.Key, o.VersionID)
	var er minio.ErrorResponse
	if qms.KindOf(err) != qms.ErrState || !errors.As(err, &er) || er.StatusCode != 403 ||
		!strings.Contains(err.Error(), "the object store refuses to delete this version") {
		t.Fatalf("deleting outside the disposal key's folders: %v", err)
	}
	if _, err := s.Open(ctx, o.Key, o.VersionID); err != nil {
		t.Fatalf("the version is gone: %v", err)
	}
}
