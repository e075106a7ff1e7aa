package document

import (
	"context"
	"io"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Downloads: a file of a revision the reader may see, the main file of the
// revision in force (/d/{code}), and the public register, which anyone may
// read and download from.

// Open returns a file of a revision the actor may see, for download.
func (s *Service) Open(ctx context.Context, revID, fileID string) (Document, Revision, File, io.ReadSeekCloser, error) {
	_, d, r, err := s.onRev(ctx, revID, "", nil)
	if err != nil {
		return d, r, File{}, nil, err
	}
	return s.openFile(ctx, d, r, fileID, true)
}

// openFile opens the file fileID of r: a current file, or also a replaced
// one when old is set.
func (s *Service) openFile(ctx context.Context, d Document, r Revision, fileID string, old bool) (Document, Revision, File, io.ReadSeekCloser, error) {
	lists := [][]File{r.Files}
	if old {
		lists = append(lists, r.OldFiles)
	}
	for _, list := range lists {
		for _, f := range list {
			if f.ID == fileID {
				o, err := s.blobs.OpenVersion(ctx, f.Key, f.VersionID)
				return d, r, f, o, err
			}
		}
	}
	return Document{}, Revision{}, File{}, nil, ErrNoFile
}

// OpenCurrent serves GET /d/{code}: the main file of the effective revision.
// Public documents are served to anyone; others need a reader who may see
// the document. Anonymous callers get "sign in" for every other code, so the
// answer does not tell whether a code exists.
func (s *Service) OpenCurrent(ctx context.Context, code string) (Document, Revision, File, io.ReadSeekCloser, error) {
	a, signedIn := qms.ActorFrom(ctx)
	d, err := s.store.GetByCode(ctx, code)
	if err != nil && qms.KindOf(err) != qms.ErrNotFound {
		return Document{}, Revision{}, File{}, nil, err
	}
	anonOK := err == nil && d.Public && d.Status == DocEffective && d.EffectiveRev != nil
	if !anonOK {
		if !signedIn {
			return Document{}, Revision{}, File{}, nil, qms.Errorf(qms.ErrUnauthenticated, "sign in to open this document")
		}
		if err != nil {
			return Document{}, Revision{}, File{}, nil, ErrNoDocument
		}
		sg, err := s.seeDoc(ctx, a, d)
		if err != nil {
			return Document{}, Revision{}, File{}, nil, err
		}
		if !sg.ok {
			return Document{}, Revision{}, File{}, nil, ErrNoDocument
		}
	}
	none := qms.Errorf(qms.ErrNotFound, "document %s has no effective revision", d.Code)
	if d.Status != DocEffective || d.EffectiveRev == nil {
		return Document{}, Revision{}, File{}, nil, none
	}
	r, err := s.store.Revision(ctx, *d.EffectiveRev)
	if err != nil {
		return Document{}, Revision{}, File{}, nil, err
	}
	if r.Status != StatusEffective {
		return Document{}, Revision{}, File{}, nil, none
	}
	f, ok := r.MainFile()
	if !ok {
		return Document{}, Revision{}, File{}, nil, qms.Errorf(qms.ErrNotFound, "the effective revision has no main file")
	}
	return s.openFile(ctx, d, r, f.ID, false)
}

// PublicList is the public register: effective revisions of public documents.
func (s *Service) PublicList(ctx context.Context) ([]PublicEntry, error) {
	out, err := s.store.PublicList(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].FileID != nil {
			out[i].URL = "/public/files/" + out[i].RevisionID + "/" + *out[i].FileID
		}
	}
	return out, nil
}

// OpenPublic serves a current file of the effective revision of a public
// document to anyone; everything else is "not found", whatever the id.
func (s *Service) OpenPublic(ctx context.Context, revID, fileID string) (Document, Revision, File, io.ReadSeekCloser, error) {
	r, err := s.store.Revision(ctx, revID)
	if err != nil {
		if qms.KindOf(err) == qms.ErrNotFound {
			return Document{}, Revision{}, File{}, nil, ErrNoFile
		}
		return Document{}, Revision{}, File{}, nil, err
	}
	d, err := s.store.Get(ctx, r.DocumentID)
	if err != nil {
		return Document{}, Revision{}, File{}, nil, err
	}
	if !d.Public || d.Status != DocEffective || r.Status != StatusEffective || d.EffectiveRev == nil || *d.EffectiveRev != r.ID {
		return Document{}, Revision{}, File{}, nil, ErrNoFile
	}
	return s.openFile(ctx, d, r, fileID, false) // current files only, never replaced ones
}
