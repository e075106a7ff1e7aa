package document

import (
	"context"
	"time"
)

// Indexing: the text of every stored file is read for search after its
// upload, by the documents.index job, one file at a time and each within
// the TextBudget. Until then a document is found by its code, title and
// change descriptions; a file whose text cannot be read within the budget
// is marked "not indexed" with the reason, shown on the document page.

// maxTextTries is how many times a file is claimed before it is given up
// as unreadable: a file whose extraction never ends with an outcome (the
// object store keeps failing, or the process died reading it) must not
// hold the queue for ever.
const maxTextTries = 5

// indexRun bounds one run of IndexText, so the jobs after it are not held
// up; the next run goes on with the queue.
const indexRun = time.Minute

// IndexReport counts what one run of IndexText did.
type IndexReport struct {
	Indexed    int // files whose text is now searchable
	NotIndexed int // files recorded as not indexed
}

// IndexText extracts the text of the files waiting for it, oldest first,
// until none waits or the run has taken its time. Each file is claimed in
// the database, so instances running the job at once never read the same
// file. When the object store fails, the file goes back to the queue and
// the run stops with the error: the next run tries again.
func (s *Service) IndexText(ctx context.Context) (IndexReport, error) {
	var rep IndexReport
	b := s.o.TextBudget
	if b.Bytes <= 0 {
		b.Bytes = DefaultTextBudget.Bytes
	}
	if b.Time <= 0 {
		b.Time = DefaultTextBudget.Time
	}
	// The lease outlasts the extraction's deadline and the object store's
	// grace after it, so a claim is never taken over while it is read.
	lease := 2*b.Time + 30*time.Second
	start := time.Now()
	for time.Since(start) < indexRun {
		f, ok, err := s.store.ClaimText(ctx, lease)
		if err != nil || !ok {
			return rep, err
		}
		x := Extracted{Reason: TextUnreadable}
		if f.TextTries <= maxTextTries {
			if x, err = s.extract(ctx, f, b); err != nil {
				if rerr := s.store.ReleaseText(context.WithoutCancel(ctx), f.ID); rerr != nil {
					return rep, rerr
				}
				return rep, err
			}
		}
		if err := s.store.RecordText(ctx, f.ID, x); err != nil {
			return rep, err
		}
		if x.Reason == "" {
			rep.Indexed++
		} else {
			rep.NotIndexed++
		}
	}
	return rep, nil
}

// extract reads one file's text within the budget b; an error is a
// failure of the object store (or ctx), not of the file.
func (s *Service) extract(ctx context.Context, f File, b TextBudget) (Extracted, error) {
	if !hasText(f.MediaType) {
		return Extracted{Reason: TextNoText}, nil // an image is not read at all
	}
	// Extract's own deadline comes first (too slow); the object store's
	// reads get a little longer to notice it.
	ctx, cancel := context.WithTimeout(ctx, b.Time+5*time.Second)
	defer cancel()
	obj, err := s.blobs.OpenVersion(ctx, f.Key, f.VersionID)
	if err != nil {
		return Extracted{}, err
	}
	defer obj.Close()
	return Extract(ctx, f.MediaType, obj, f.Size, b)
}
