package blob_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/qms"
)

// TestApplyRetentionAfterUpload: a file stored without a lock carries none
// until ApplyRetention locks it (and holds it when asked).
func TestApplyRetentionAfterUpload(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	obj, err := s.PutFile(ctx, "record/a", strings.NewReader("%PDF-1.4\nx\n%%EOF\n"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	if mode, _, err := c.GetObjectRetention(ctx, s.Bucket(), obj.Key, obj.VersionID); err == nil && mode != nil {
		t.Fatalf("stored with a lock %v before the row", *mode)
	}
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	if err := s.ApplyRetention(ctx, obj.Key, obj.VersionID, qms.Retention{Mode: "GOVERNANCE", Until: until}, true); err != nil {
		t.Fatal(err)
	}
	mode, got, err := c.GetObjectRetention(ctx, s.Bucket(), obj.Key, obj.VersionID)
	if err != nil || mode == nil || *mode != minio.Governance || got == nil || !got.Equal(until) {
		t.Fatalf("retention after apply: %v %v %v", mode, got, err)
	}
	lh, err := c.GetObjectLegalHold(ctx, s.Bucket(), obj.Key, minio.GetObjectLegalHoldOptions{VersionID: obj.VersionID})
	if err != nil || lh == nil || *lh != minio.LegalHoldEnabled {
		t.Fatalf("legal hold after apply: %v %v", lh, err)
	}
	// Applied again (a retried job): still fine.
	if err := s.ApplyRetention(ctx, obj.Key, obj.VersionID, qms.Retention{Mode: "GOVERNANCE", Until: until}, true); err != nil {
		t.Fatalf("second apply: %v", err)
	}
	// The held, locked version is refused to the disposal key, as a state
	// error naming the reason.
	err = s.DisposeVersion(ctx, obj.Key, obj.VersionID)
	if qms.KindOf(err) != qms.ErrState || !strings.Contains(qms.Message(err), "still locked or held") {
		t.Fatalf("dispose of a held version: %v", err)
	}
	if _, err := s.Open(ctx, obj.Key, obj.VersionID); err != nil {
		t.Fatalf("refused version gone: %v", err)
	}
}

// TestDisposeVersionTwice: a version deleted once and asked again (an
// interrupted disposition resumed) counts as deleted.
func TestDisposeVersionTwice(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	obj, err := s.PutFile(ctx, "record/b", strings.NewReader("%PDF-1.4\ny\n%%EOF\n"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.DisposeVersion(ctx, obj.Key, obj.VersionID); err != nil {
			t.Fatalf("delete %d: %v", i+1, err)
		}
	}
	if _, err := s.Open(ctx, obj.Key, obj.VersionID); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("version still there: %v", err)
	}
	// A key that never existed: also nothing left to delete.
	if err := s.DisposeVersion(ctx, "record/never", obj.VersionID); err != nil {
		t.Fatalf("missing key: %v", err)
	}
}

// TestLegalHoldAloneBlocksDeletion: with no retention lock on either
// version, the disposal key deletes the version that is not held (the
// control: nothing else protects them) and is refused the held one, with
// the store's reason; once the hold is lifted the same version deletes.
// So the refusal is the hold's and nothing else's.
func TestLegalHoldAloneBlocksDeletion(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	c := s.Client()
	put := func(key string) (string, string) {
		t.Helper()
		obj, err := s.PutFile(ctx, key, strings.NewReader("%PDF-1.4\n"+key+"\n%%EOF\n"), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if mode, _, err := c.GetObjectRetention(ctx, s.Bucket(), obj.Key, obj.VersionID); err == nil && mode != nil {
			t.Fatalf("setup: %s stored with a retention lock %v", key, *mode)
		}
		return obj.Key, obj.VersionID
	}
	heldKey, heldVersion := put("record/held")
	ctlKey, ctlVersion := put("record/control")
	if err := s.SetLegalHold(ctx, heldKey, heldVersion, true); err != nil {
		t.Fatal(err)
	}

	if err := s.DisposeVersion(ctx, ctlKey, ctlVersion); err != nil {
		t.Fatalf("the control (no lock, no hold) was refused: %v", err)
	}
	if _, err := s.Open(ctx, ctlKey, ctlVersion); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("the control is still there: %v", err)
	}

	err := s.DisposeVersion(ctx, heldKey, heldVersion)
	if qms.KindOf(err) != qms.ErrState || qms.Message(err) != "the object store refuses to delete this version: it is still locked or held" {
		t.Fatalf("dispose of a held version: want the hold's refusal, got %v", err)
	}
	if _, err := s.Open(ctx, heldKey, heldVersion); err != nil {
		t.Fatalf("refused version gone: %v", err)
	}

	if err := s.SetLegalHold(ctx, heldKey, heldVersion, false); err != nil {
		t.Fatal(err)
	}
	if err := s.DisposeVersion(ctx, heldKey, heldVersion); err != nil {
		t.Fatalf("the version after its hold was lifted: %v", err)
	}
	if _, err := s.Open(ctx, heldKey, heldVersion); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("the released version is still there: %v", err)
	}
}
