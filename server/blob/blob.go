// Package blob keeps files in an S3-compatible object store through
// minio-go: a bucket with versioning and object lock, streaming uploads with
// a size limit, SHA-256 and media-type detection while streaming, downloads
// of a given version, retention (WORM) and legal hold. The application never
// deletes object versions except by a signed disposition of an expired record.
package blob

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/qmstrack/qmstrack/server/qms"
)

// PartSize is the fixed multipart part size of uploads, and PartsInFlight
// how many parts of one upload are sent at once. minio-go holds one buffer of
// PartSize per part in flight (the size is unknown while streaming), so an
// upload needs PartSize × PartsInFlight = 32 MiB whatever the file's size;
// sending two parts at once lets reading the next part overlap sending the
// previous one.
const (
	PartSize      = 16 << 20
	PartsInFlight = 2
)

// Options configure the connection to the object store.
type Options struct {
	Endpoint  string
	AccessKey string
	SecretKey string
	UseSSL    bool
	Region    string
	Bucket    string
	// DisposalAccessKey and DisposalSecretKey, when set, are the only
	// credentials that delete object versions (DeleteVersion, the last step
	// of a signed disposition); the service's own key then needs no
	// s3:DeleteObjectVersion. See policies/s3-*-policy.json.
	DisposalAccessKey string
	DisposalSecretKey string
	// Timeout bounds each call that is not a streamed body: when the store
	// has not answered for this long the call fails as unavailable (503).
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// StallTimeout bounds a streamed upload or download by its progress:
	// when qmstrack waits on the store and no byte moves for this long,
	// the transfer is aborted. Zero means DefaultStallTimeout.
	StallTimeout time.Duration
}

// Defaults of Options.Timeout and Options.StallTimeout.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultStallTimeout = 30 * time.Second
)

// maxRetries is how often minio-go tries one request: a store that refuses
// connections is reported after a second of back-off, not ten.
const maxRetries = 3

// Store is one bucket of an S3-compatible object store.
type Store struct {
	c       *minio.Client
	del     *minio.Client // deletes versions: the disposal key's client, or c
	bucket  string
	region  string
	timeout time.Duration // see Options.Timeout
	stall   time.Duration // see Options.StallTimeout

	probe probeCache // the last write probe, for readiness

	// lifecycle reports whether the bucket's lifecycle aborts incomplete
	// multipart uploads (see EnsureUploadExpiry).
	lifecycle bool
}

// New connects to the object store. It does not touch the bucket: call
// EnsureBucket at start.
func New(o Options) (*Store, error) {
	if o.Timeout < 0 || o.StallTimeout < 0 {
		return nil, fmt.Errorf("object store: negative timeout")
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.StallTimeout == 0 {
		o.StallTimeout = DefaultStallTimeout
	}
	client := func(access, secret string) (*minio.Client, error) {
		base, err := minio.DefaultTransport(o.UseSSL)
		if err != nil {
			return nil, err
		}
		return minio.New(o.Endpoint, &minio.Options{
			Creds:      credentials.NewStaticV4(access, secret, ""),
			Secure:     o.UseSSL,
			Region:     o.Region,
			Transport:  watchTransport{base: base},
			MaxRetries: maxRetries,
		})
	}
	c, err := client(o.AccessKey, o.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("object store: %w", err)
	}
	s := &Store{c: c, del: c, bucket: o.Bucket, region: o.Region, timeout: o.Timeout, stall: o.StallTimeout}
	if o.DisposalAccessKey != "" {
		s.del, err = client(o.DisposalAccessKey, o.DisposalSecretKey)
		if err != nil {
			return nil, fmt.Errorf("object store (disposal key): %w", err)
		}
	}
	return s, nil
}

// CanBypassGovernance reports whether the service's key may override
// GOVERNANCE-mode retention (s3:BypassGovernanceRetention): with such a key
// anyone holding it can delete a filled form or minutes before their time.
// It asks the store itself: it writes a small probe object locked in
// governance mode for a minute under probe/ and tries to delete that version
// with the bypass header. The disposal key removes the probe once its lock
// has passed (on the next start), when it may.
func (s *Store) CanBypassGovernance(parent context.Context) (bool, error) {
	s.removeOldProbes(parent)
	ctx, w := watched(parent, s.timeout)
	defer w.done()
	until := time.Now().Add(time.Minute).UTC()
	mode := minio.Governance
	info, err := s.c.PutObject(ctx, s.bucket, "probe/"+qms.NewID(), strings.NewReader("governance probe"), 16,
		minio.PutObjectOptions{ContentType: "text/plain", Mode: mode, RetainUntilDate: until})
	if err != nil {
		return false, fmt.Errorf("governance probe: %w", s.fail(parent, w, err))
	}
	err = s.c.RemoveObject(ctx, s.bucket, info.Key, minio.RemoveObjectOptions{VersionID: info.VersionID, GovernanceBypass: true})
	if err == nil {
		return true, nil
	}
	if code := minio.ToErrorResponse(err).Code; code == "AccessDenied" || code == "ObjectLocked" {
		return false, nil
	}
	return false, fmt.Errorf("governance probe: %w", s.fail(parent, w, err))
}

// removeOldProbes deletes probe versions whose lock has passed, with the
// key that may delete versions; errors are ignored (a probe is a few bytes).
func (s *Store) removeOldProbes(parent context.Context) {
	ctx, w := watched(parent, s.timeout)
	defer w.done()
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: "probe/", Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			return
		}
		if time.Since(o.LastModified) > 2*time.Minute {
			_ = s.del.RemoveObject(ctx, s.bucket, o.Key, minio.RemoveObjectOptions{VersionID: o.VersionID})
		}
	}
}

// Client exposes the minio client for tests and benchmarks.
func (s *Store) Client() *minio.Client { return s.c }

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.bucket }

// EnsureBucket creates the bucket with object lock (which turns versioning
// on) when it is missing, and refuses an existing bucket that lacks
// versioning or object lock: object lock cannot be added to a bucket later.
//
// It then asks the bucket to abort incomplete multipart uploads a day after
// they began (EnsureUploadExpiry); a store without that lifecycle rule is
// no reason to refuse to start.
func (s *Store) EnsureBucket(parent context.Context) error {
	ctx, w := watched(parent, s.timeout)
	defer w.done()
	exists, err := s.c.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("object store %q: %w", s.bucket, s.fail(parent, w, err))
	}
	if !exists {
		err := s.c.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: s.region, ObjectLocking: true})
		if err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
			return fmt.Errorf("create bucket %q: %w", s.bucket, s.fail(parent, w, err))
		}
	}
	if err := s.CheckBucket(parent); err != nil {
		return err
	}
	s.lifecycle, _ = s.EnsureUploadExpiry(parent)
	return nil
}

// CheckBucket verifies that versioning and object lock are on.
func (s *Store) CheckBucket(parent context.Context) error {
	ctx, w := watched(parent, s.timeout)
	defer w.done()
	v, err := s.c.GetBucketVersioning(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("bucket %q versioning: %w", s.bucket, s.fail(parent, w, err))
	}
	if !v.Enabled() {
		return fmt.Errorf("bucket %q does not have versioning enabled; qmstrack needs a bucket created with versioning and object lock", s.bucket)
	}
	lock, _, _, _, err := s.c.GetObjectLockConfig(ctx, s.bucket)
	if err != nil && qms.KindOf(s.fail(parent, w, err)) == qms.ErrUnavailable {
		return fmt.Errorf("bucket %q object lock: %w", s.bucket, s.fail(parent, w, err))
	}
	if err != nil || lock != "Enabled" {
		return fmt.Errorf("bucket %q does not have object lock enabled (object lock cannot be added to an existing bucket; create a new bucket or let qmstrack create it)", s.bucket)
	}
	return nil
}

// Accepted media types and their short names, for messages.
var Accepted = map[string]string{
	"application/pdf": "PDF",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":       "XLSX",
	"application/vnd.oasis.opendocument.text":                                 "ODT",
	"application/vnd.oasis.opendocument.spreadsheet":                          "ODS",
	"image/png":                 "PNG",
	"image/jpeg":                "JPEG",
	"text/plain":                "plain text",
	"text/csv":                  "plain text (CSV)",
	"text/tab-separated-values": "plain text (TSV)",
}

// AcceptedList names the accepted types (pages show it in their help text).
const AcceptedList = "PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, plain text"

// sniffSize is how much of the start of a file is read to decide its type;
// office formats are ZIP files whose first entries name the format.
const sniffSize = 64 << 10

// Detect decides the media type from the first bytes of a file, ignoring
// whatever the client claimed. It returns ErrInvalid for other types.
func Detect(head []byte) (string, error) {
	if len(head) == 0 {
		return "", qms.Errorf(qms.ErrInvalid, "the file is empty")
	}
	// Only the most specific type counts: HTML or SVG are text too, but are
	// refused rather than stored as plain text.
	t := strings.SplitN(mimetype.Detect(head).String(), ";", 2)[0]
	if _, ok := Accepted[t]; ok {
		return t, nil
	}
	// The list is part of the message, not an argument: "plain text" is
	// words the reader's language says its own way.
	return "", qms.Errorf(qms.ErrInvalid, "this kind of file is not accepted; accepted types: PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, plain text")
}

// PutOptions tune one upload.
type PutOptions struct {
	MaxSize   int64          // refuse (ErrTooLarge) beyond this many bytes
	Retention *qms.Retention // object lock for this version, if any
	LegalHold bool
	Metadata  map[string]string
	// Types, when set, restricts the accepted media types further.
	Types []string
}

// Put streams r into a new version of key: it decides the media type from the
// first bytes, hashes while streaming and stops at MaxSize. A streamed body
// is read ahead of the client by up to 2 MiB (see readAhead); nothing is
// buffered beyond that and the parts in flight.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, o PutOptions) (qms.StoredObject, error) {
	if !inMemory(r) {
		ra := newReadAhead(r)
		defer ra.Close()
		r = ra
	}
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return qms.StoredObject{}, qms.Wrap(qms.ErrInvalid, err, "the upload could not be read")
	}
	mt, err := Detect(head)
	if err != nil {
		return qms.StoredObject{}, err
	}
	if len(o.Types) > 0 && !contains(o.Types, mt) {
		return qms.StoredObject{}, qms.Errorf(qms.ErrInvalid, "a %s file is not accepted here", Accepted[mt])
	}
	lr := &limitHashReader{r: br, max: o.MaxSize, h: sha256.New()}
	opts := minio.PutObjectOptions{
		ContentType:           mt,
		PartSize:              PartSize,
		NumThreads:            PartsInFlight,
		ConcurrentStreamParts: true,
		// qmstrack hashes every byte with SHA-256 itself (and minio-go adds a
		// CRC32C checksum per part), so the request signature need not hash
		// the payload a second time.
		DisableContentSha256: true,
		UserMetadata:         o.Metadata,
	}
	if o.Retention != nil && o.Retention.Mode != "" {
		opts.Mode = minio.RetentionMode(o.Retention.Mode)
		opts.RetainUntilDate = o.Retention.Until
	}
	if o.LegalHold {
		opts.LegalHold = minio.LegalHoldEnabled
	}
	wctx, w := watched(ctx, s.stall)
	info, err := s.c.PutObject(wctx, s.bucket, key, lr, -1, opts)
	w.done()
	if err != nil || lr.over {
		// minio-go's own abort of the failed multipart upload fails against
		// a store that is down, and is refused by the watch after a stall
		// (it would wait a minute): without this the parts sent so far stay
		// in the store's multipart area.
		s.abortUpload(ctx, key, err != nil && !lr.over && lr.readErr == nil)
	}
	if lr.over {
		return qms.StoredObject{}, qms.Errorf(qms.ErrTooLarge, "the file is larger than the limit of %s", HumanSize(o.MaxSize))
	}
	if err != nil {
		if lr.readErr != nil {
			return qms.StoredObject{}, qms.Wrap(qms.ErrInvalid, lr.readErr, "the upload was interrupted")
		}
		return qms.StoredObject{}, fmt.Errorf("put object: %w", s.fail(ctx, w, err))
	}
	return qms.StoredObject{Key: key, VersionID: info.VersionID, Size: lr.n, SHA256: hex.EncodeToString(lr.h.Sum(nil)), MediaType: mt}, nil
}

// inMemory reports whether r already holds its bytes, so reading ahead
// of the object store client gains nothing.
func inMemory(r io.Reader) bool {
	switch r.(type) {
	case *bytes.Reader, *strings.Reader, *bytes.Buffer:
		return true
	}
	return false
}

// readAhead keeps reading an upload from the client into a bounded queue
// of chunks while the object store client is busy sending the previous
// part. minio-go reads a whole part (PartSize) and then sends it, so without
// it the client's upload and the transfer to the object store take turns
// instead of overlapping. The queue holds at most readAheadDepth chunks of
// readAheadChunk bytes (2 MiB), which bounds the extra memory per upload.
type readAhead struct {
	ch     chan []byte
	cur    []byte
	buf    []byte
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	errMu  sync.Mutex
	srcErr error
}

const (
	readAheadChunk = 256 << 10
	readAheadDepth = 8 // 2 MiB ahead: with PartsInFlight parts sending, more only costs memory
)

var chunkPool = sync.Pool{New: func() any { b := make([]byte, readAheadChunk); return &b }}

func newReadAhead(r io.Reader) *readAhead {
	ra := &readAhead{ch: make(chan []byte, readAheadDepth), stop: make(chan struct{}), done: make(chan struct{})}
	go ra.fill(r)
	return ra
}

func (ra *readAhead) fill(r io.Reader) {
	defer close(ra.done)
	defer close(ra.ch)
	for {
		select {
		case <-ra.stop: // the consumer gave up (size limit, error): read no further
			return
		default:
		}
		bp := chunkPool.Get().(*[]byte)
		n, err := io.ReadFull(r, *bp)
		if n > 0 {
			select {
			case ra.ch <- (*bp)[:n]:
			case <-ra.stop:
				chunkPool.Put(bp)
				return
			}
		} else {
			chunkPool.Put(bp)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return
		}
		if err != nil {
			ra.errMu.Lock()
			ra.srcErr = err
			ra.errMu.Unlock()
			return
		}
	}
}

// Read returns queued bytes; at the end it reports the source's error, or EOF.
func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.buf != nil {
			b := ra.buf[:cap(ra.buf)]
			chunkPool.Put(&b)
			ra.buf = nil
		}
		c, ok := <-ra.ch
		if !ok {
			ra.errMu.Lock()
			defer ra.errMu.Unlock()
			if ra.srcErr != nil {
				return 0, ra.srcErr
			}
			return 0, io.EOF
		}
		ra.buf, ra.cur = c, c
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the reader goroutine and waits for it, so the caller may use
// the source again (the next multipart part) once Put returns.
func (ra *readAhead) Close() {
	ra.once.Do(func() { close(ra.stop) })
	for range ra.ch { // drain so fill is never blocked on a send
	}
	<-ra.done
}

type limitHashReader struct {
	r       io.Reader
	max     int64
	n       int64
	h       hash.Hash
	over    bool
	readErr error
}

var errTooLarge = errors.New("upload exceeds the size limit")

func (l *limitHashReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.max > 0 && l.n > l.max {
		l.over = true
		return 0, errTooLarge
	}
	l.h.Write(p[:n])
	if err != nil && !errors.Is(err, io.EOF) {
		l.readErr = err
	}
	return n, err
}

// Object is an open object version for reading; it supports Seek for Range requests.
//
// Its reads are watched with the stall timeout: when a read waits on the
// store and no byte arrives for that long, the read fails (and a download
// being served is cut) instead of hanging.
type Object struct {
	*minio.Object
	Size         int64
	ContentType  string
	LastModified time.Time
	ETag         string

	parent context.Context
	w      *watch
}

// Read reads the object; an outage reads as ErrUnavailable.
func (o *Object) Read(p []byte) (int, error) {
	n, err := o.Object.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = failOf(o.parent, o.w, err)
	}
	return n, err
}

// Close releases the object and ends its watch.
func (o *Object) Close() error {
	err := o.Object.Close()
	o.w.done()
	return err
}

// Open opens one version of key for reading. Its first request (the
// object's metadata) has the per-call timeout; the reads that follow, the
// stall timeout.
func (s *Store) Open(parent context.Context, key, versionID string) (*Object, error) {
	ctx, w := watched(parent, s.timeout)
	o, err := s.c.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{VersionID: versionID})
	if err != nil {
		w.done()
		return nil, fmt.Errorf("get object: %w", s.fail(parent, w, err))
	}
	st, err := o.Stat()
	if err != nil {
		o.Close()
		w.done()
		if minio.ToErrorResponse(err).StatusCode == 404 {
			return nil, qms.Errorf(qms.ErrNotFound, "the file is missing from the object store")
		}
		return nil, fmt.Errorf("stat object: %w", s.fail(parent, w, err))
	}
	w.setLimit(s.stall)
	return &Object{Object: o, Size: st.Size, ContentType: st.ContentType, LastModified: st.LastModified, ETag: st.ETag, parent: parent, w: w}, nil
}

// SetRetention sets (or extends) the retention of one version.
func (s *Store) SetRetention(parent context.Context, key, versionID string, r qms.Retention) error {
	ctx, w := watched(parent, s.timeout)
	defer w.done()
	mode := minio.RetentionMode(r.Mode)
	until := r.Until
	return s.fail(parent, w, s.c.PutObjectRetention(ctx, s.bucket, key, minio.PutObjectRetentionOptions{
		VersionID: versionID, Mode: &mode, RetainUntilDate: &until,
	}))
}

// SetLegalHold turns the legal hold of one version on or off.
func (s *Store) SetLegalHold(parent context.Context, key, versionID string, on bool) error {
	ctx, w := watched(parent, s.timeout)
	defer w.done()
	st := minio.LegalHoldDisabled
	if on {
		st = minio.LegalHoldEnabled
	}
	return s.fail(parent, w, s.c.PutObjectLegalHold(ctx, s.bucket, key, minio.PutObjectLegalHoldOptions{VersionID: versionID, Status: &st}))
}

// DeleteVersion deletes one version, the final step of a signed disposition
// after retention expired. The object store refuses while a lock holds.
func (s *Store) DeleteVersion(parent context.Context, key, versionID string) error {
	ctx, w := watched(parent, s.timeout)
	defer w.done()
	err := s.del.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: versionID})
	if err != nil {
		if minio.ToErrorResponse(err).StatusCode == 403 || minio.ToErrorResponse(err).StatusCode == 400 {
			return qms.Wrap(qms.ErrState, err, "the object store refuses to delete this version: it is still locked or held")
		}
		return s.fail(parent, w, err)
	}
	return nil
}

// HumanSize formats a byte count for messages.
func HumanSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// PutFile streams r into a new version of key with a size limit: the
// domain-facing form of Put, with only standard and qms types, so capability
// packages can declare it in their own interfaces.
func (s *Store) PutFile(ctx context.Context, key string, r io.Reader, maxSize int64) (qms.StoredObject, error) {
	return s.Put(ctx, key, r, PutOptions{MaxSize: maxSize})
}

// PutLocked is PutFile with an object lock (WORM) on the new version when
// ret names a mode.
func (s *Store) PutLocked(ctx context.Context, key string, r io.Reader, maxSize int64, ret qms.Retention) (qms.StoredObject, error) {
	o := PutOptions{MaxSize: maxSize}
	if ret.Mode != "" {
		o.Retention = &ret
	}
	return s.Put(ctx, key, r, o)
}

// OpenVersion opens one version for reading, as an io.ReadSeekCloser (for
// Range requests).
func (s *Store) OpenVersion(ctx context.Context, key, versionID string) (io.ReadSeekCloser, error) {
	o, err := s.Open(ctx, key, versionID)
	if err != nil {
		return nil, err
	}
	return o, nil
}
