package reconcile

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/trail"
)

// ignoredPrefixes are keys the check leaves alone: the start-up probe of
// the object store writes and removes its own objects there, and the
// trail's checkpoints have no row by design (trail.Checkpoint).
var ignoredPrefixes = []string{"probe/", trail.CheckpointPrefix}

func ignored(key string) bool {
	for _, p := range ignoredPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

type vkey struct{ key, version string }

// check compares the rows with the bucket. The rows are read first and the
// bucket listed after: a row is written after its object, so every row read
// has its object in the listing unless the object is really gone. What
// looks wrong is looked at a second time before anything is reported or
// removed (the row read again, the version asked for by id), so a file
// written or disposed of during the check is neither reported nor removed.
func (s *Service) check(ctx context.Context, repair bool) (Check, error) {
	now := s.o.Now()
	c := Check{Started: now, Repaired: repair, Grace: s.o.Grace, GraceS: int64(s.o.Grace / time.Second)}
	refs, n, err := s.readRefs(ctx)
	if err != nil {
		return c, err
	}
	c.RowsChecked = n

	seen := map[vkey]bool{}
	var orphans []Version
	for v, err := range s.objects.Versions(ctx) {
		if err != nil {
			return c, fmt.Errorf("list the bucket's versions: %w", err)
		}
		if v.DeleteMarker || ignored(v.Key) {
			continue
		}
		c.VersionsSeen++
		k := vkey{v.Key, v.VersionID}
		if _, ok := refs[k]; ok {
			seen[k] = true
			continue
		}
		if now.Sub(v.LastModified) < s.o.Grace {
			c.OrphansYoung++
			continue
		}
		orphans = append(orphans, v)
	}

	var missing []Ref
	for k, rs := range refs {
		if seen[k] {
			continue
		}
		for _, r := range rs {
			if !r.Gone {
				missing = append(missing, r)
			}
		}
	}
	if len(missing) > 0 || len(orphans) > 0 {
		// The second look at the rows: one written, or disposed of, since
		// the first read changes the verdict.
		again, _, err := s.readRefs(ctx)
		if err != nil {
			return c, err
		}
		kept := orphans[:0]
		for _, v := range orphans {
			if _, ok := again[vkey{v.Key, v.VersionID}]; ok {
				continue
			}
			kept = append(kept, v)
		}
		orphans = kept
		var still []Ref
		for _, r := range missing {
			if live(again[vkey{r.Key, r.VersionID}]) {
				still = append(still, r)
			}
		}
		missing = still
	}

	for _, r := range missing {
		ok, err := s.objects.VersionExists(ctx, r.Key, r.VersionID)
		if err != nil {
			return c, fmt.Errorf("look for %s version %s: %w", r.Key, r.VersionID, err)
		}
		if ok {
			continue
		}
		c.Missing++
		c.Findings = append(c.Findings, Finding{Kind: KindMissing, Source: r.Source, RowID: r.RowID, Parent: r.Parent,
			Key: r.Key, VersionID: r.VersionID})
	}

	for _, v := range orphans {
		if err := s.orphan(ctx, &c, v, now, repair); err != nil {
			return c, err
		}
	}

	for u, err := range s.objects.Uploads(ctx) {
		if err != nil {
			return c, fmt.Errorf("list incomplete uploads: %w", err)
		}
		if now.Sub(u.Initiated) < s.o.Grace {
			c.UploadsYoung++
			continue
		}
		at := u.Initiated
		f := Finding{Kind: KindAborted, Key: u.Key, VersionID: u.UploadID, Modified: &at}
		if repair {
			if err := s.objects.AbortUpload(ctx, u.Key, u.UploadID); err != nil {
				code := s.objects.StoreCode(err)
				if code == "" {
					return c, fmt.Errorf("abort the upload of %s: %w", u.Key, err)
				}
				f.Kind, f.Source, f.Detail = KindNotRemoved, "multipart_upload", code
				c.OrphansListed++
				c.Findings = append(c.Findings, f)
				continue
			}
		}
		c.UploadsAborted++
		c.Findings = append(c.Findings, f)
	}
	c.Finished = s.o.Now()
	return c, nil
}

// orphan deals with one version no row references, older than the grace
// period: listed when locked or held, removed otherwise (when repairing).
func (s *Service) orphan(ctx context.Context, c *Check, v Version, now time.Time, repair bool) error {
	mod := v.LastModified
	f := Finding{Key: v.Key, VersionID: v.VersionID, Size: v.Size, Modified: &mod}
	lock, err := s.objects.LockOf(ctx, v.Key, v.VersionID)
	if err != nil {
		return fmt.Errorf("object lock of %s version %s: %w", v.Key, v.VersionID, err)
	}
	if lock.LegalHold || lock.Until.After(now) {
		f.Kind, f.LegalHold = KindLocked, lock.LegalHold
		if !lock.Until.IsZero() {
			until := lock.Until
			f.Until = &until
		}
		c.OrphansListed++
		c.Findings = append(c.Findings, f)
		return nil
	}
	if repair {
		if err := s.objects.RemoveVersion(ctx, v.Key, v.VersionID); err != nil {
			code := s.objects.StoreCode(err)
			if code == "" {
				return fmt.Errorf("remove %s version %s: %w", v.Key, v.VersionID, err)
			}
			f.Kind, f.Detail = KindNotRemoved, code
			c.OrphansListed++
			c.Findings = append(c.Findings, f)
			return nil
		}
	}
	f.Kind = KindRemoved
	c.OrphansRemoved++
	c.Findings = append(c.Findings, f)
	return nil
}

// readRefs reads every row that references a version, by version, and
// counts the rows.
func (s *Service) readRefs(ctx context.Context) (map[vkey][]Ref, int, error) {
	refs := map[vkey][]Ref{}
	n := 0
	for r, err := range s.store.Refs(ctx) {
		if err != nil {
			return nil, 0, fmt.Errorf("read the rows that reference files: %w", err)
		}
		k := vkey{r.Key, r.VersionID}
		refs[k] = append(refs[k], r)
		n++
	}
	return refs, n, nil
}

// live reports whether one of rs still expects its version to be there.
func live(rs []Ref) bool {
	for _, r := range rs {
		if !r.Gone {
			return true
		}
	}
	return false
}
