package document

import (
	"context"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Drafting: a revision is started with a change description and its files,
// files are added or replaced while it is a draft, and a draft may be
// discarded. Files go to the object store first and the rows after (an
// object without a row is harmless; a row without its object is lost).

// maxFilesPerUpload bounds the files of one request: each becomes an object
// before any row is written.
const maxFilesPerUpload = 20

// NewRevision is the input of CreateRevision: the change description and
// the files, streamed (the first is the main file unless its kind says
// otherwise; the others are attachments).
type NewRevision struct {
	Change string         `json:"change"`
	Files  qms.FileSource `json:"-" form:"file,attachment"`
}

// NewFiles is the input of AddFiles. Replace and Kind apply to the first
// file (a form sends one file with the choice of the file it replaces).
type NewFiles struct {
	Replace string         `json:"replace"`
	Kind    string         `json:"kind"`
	Files   qms.FileSource `json:"-" form:"file,attachment"`
}

// revStatus is a revision status as a message argument: its label in the
// reader's language.
func revStatus(st string) qms.Label { return qms.Label{Prefix: "doc.status", Code: st} }

// CreateRevision starts the next issue of a document with a change
// description and its files.
func (s *Service) CreateRevision(ctx context.Context, docID string, in NewRevision) (Revision, error) {
	a, d, err := s.onDoc(ctx, docID, actDraft, func(d Document) error {
		return qms.Errorf(qms.ErrForbidden, "you may not draft revisions of %s", d.Code)
	})
	if err != nil {
		return Revision{}, err
	}
	if d.Status == DocObsolete {
		return Revision{}, qms.Errorf(qms.ErrState, "document %s is withdrawn", d.Code)
	}
	change, err := qms.CleanText("change", in.Change, maxChangeLen, true, true)
	if err != nil {
		return Revision{}, err
	}
	files, err := s.stream(ctx, a, in.Files, qms.Upload{}, nil)
	if err != nil {
		return Revision{}, err
	}
	if files, err = assignKinds(files, false); err != nil {
		return Revision{}, err
	}
	l, err := s.store.Mutate(ctx, Target{DocumentID: d.ID}, func(l Locked) (Change, error) {
		if l.Doc.Status == DocObsolete {
			return Change{}, qms.Errorf(qms.ErrState, "document %s is withdrawn", l.Doc.Code)
		}
		if l.Doc.PendingStatus != nil {
			return Change{}, qms.Errorf(qms.ErrState, "document %s already has a revision in progress (%s); finish it first",
				l.Doc.Code, revStatus(*l.Doc.PendingStatus))
		}
		return Change{NewRevision: &Revision{Change: change, CreatedBy: a.UserID}, Files: files,
			Event: trail.NewEvent(ctx, "revision.create", ObjectRevision, "", l.Doc.Unit, map[string]any{
				"document": l.Doc.ID, "code": l.Doc.Code, "change": change, "files": fileDetails(files)})}, nil
	})
	return l.Rev, err
}

// AddFiles adds files to a draft revision; a file replacing another
// becomes a new version of its object and voids the signatures given on
// the earlier files.
func (s *Service) AddFiles(ctx context.Context, revID string, in NewFiles) (Revision, error) {
	a, d, r, err := s.onRev(ctx, revID, actDraft, func(d Document) error {
		return qms.Errorf(qms.ErrForbidden, "you may not draft revisions of %s", d.Code)
	})
	if err != nil {
		return Revision{}, err
	}
	if d.Status == DocObsolete {
		return Revision{}, qms.Errorf(qms.ErrState, "document %s is withdrawn", d.Code)
	}
	if r.Status != StatusDraft {
		return Revision{}, qms.Errorf(qms.ErrState, "files can be changed only while the revision is a draft (it is %s)", revStatus(r.Status))
	}
	files, err := s.stream(ctx, a, in.Files, qms.Upload{Kind: in.Kind, Replace: in.Replace}, r.Files)
	if err != nil {
		return Revision{}, err
	}
	if len(files) == 0 {
		return Revision{}, qms.Errorf(qms.ErrInvalid, "send at least one file")
	}
	return s.mutateRev(ctx, revID, func(l Locked) (Change, error) {
		if l.Doc.Status == DocObsolete {
			return Change{}, qms.Errorf(qms.ErrState, "document %s is withdrawn", l.Doc.Code)
		}
		if l.Rev.Status != StatusDraft {
			return Change{}, qms.Errorf(qms.ErrState, "files can be changed only while the revision is a draft (it is %s)", revStatus(l.Rev.Status))
		}
		_, hasMain := l.Rev.MainFile()
		cur := map[string]bool{}
		for _, f := range l.Rev.Files {
			cur[f.ID] = true
		}
		for _, f := range files {
			if f.Replace != "" && !cur[f.Replace] {
				return Change{}, qms.Errorf(qms.ErrConflict, "the file to replace was replaced meanwhile; reload")
			}
		}
		files, err := assignKinds(files, hasMain)
		if err != nil {
			return Change{}, err
		}
		return Change{Files: files, VoidReason: "a file of the revision changed",
			Event: trail.NewEvent(ctx, "revision.files", ObjectRevision, l.Rev.ID, l.Doc.Unit, map[string]any{
				"document": l.Doc.ID, "code": l.Doc.Code, "issue": l.Rev.Issue, "files": fileDetails(files)})}, nil
	})
}

// stream puts each file of src into the object store; nothing is written
// to the database yet. first gives the kind and replaced file of the first
// file where it has none of its own; current are the revision's files a
// file may replace.
func (s *Service) stream(ctx context.Context, a qms.Actor, src qms.FileSource, first qms.Upload, current []File) ([]Staged, error) {
	staged := []Staged{}
	if src == nil {
		return staged, nil
	}
	err := src(func(u qms.Upload) error {
		if len(staged) >= maxFilesPerUpload {
			return qms.Errorf(qms.ErrInvalid, "at most %d files per upload", maxFilesPerUpload)
		}
		if u.Kind == "" && u.Field == KindAttachment {
			// A file sent in the form's attachment field is an attachment.
			u.Kind = KindAttachment
		}
		if len(staged) == 0 {
			if u.Kind == "" {
				u.Kind = first.Kind
			}
			if u.Replace == "" {
				u.Replace = first.Replace
			}
		}
		st, err := s.stage(ctx, u, current)
		if err != nil {
			return err
		}
		st.UploadedBy = a.UserID
		staged = append(staged, st)
		return nil
	})
	return staged, err
}

// stage streams one file into the object store: a replacement becomes a
// new version of the object it replaces, any other file a new object.
func (s *Service) stage(ctx context.Context, u qms.Upload, current []File) (Staged, error) {
	var key string
	if u.Replace != "" {
		for _, f := range current {
			if f.ID == u.Replace {
				key = f.Key
				u.Kind = f.Kind
			}
		}
		if key == "" {
			return Staged{}, qms.Errorf(qms.ErrNotFound, "the file to replace is not a current file of this revision")
		}
	}
	name, err := qms.CleanFileName(u.Name)
	if err != nil {
		return Staged{}, err
	}
	if key == "" {
		key = "documents/" + s.o.NewKey()
	}
	o, err := s.blobs.PutFile(ctx, key, u.Body, s.o.MaxUpload)
	if err != nil {
		return Staged{}, err
	}
	// The text for search is read later, by the documents.index job
	// (IndexText): whatever the file holds, the upload is answered now.
	return Staged{Kind: u.Kind, Name: name, Replace: u.Replace, Object: o}, nil
}

func assignKinds(files []Staged, haveMain bool) ([]Staged, error) {
	for i := range files {
		if files[i].Replace != "" {
			continue
		}
		switch files[i].Kind {
		case "":
			if !haveMain {
				files[i].Kind = KindMain
			} else {
				files[i].Kind = KindAttachment
			}
		case KindMain:
			if haveMain {
				return nil, qms.Errorf(qms.ErrInvalid, "a revision has one main file; replace it or add attachments")
			}
		case KindAttachment:
		default:
			return nil, qms.Errorf(qms.ErrInvalid, "kind must be main or attachment")
		}
		if files[i].Kind == KindMain {
			haveMain = true
		}
	}
	return files, nil
}

func fileDetails(files []Staged) []map[string]any {
	out := []map[string]any{}
	for _, f := range files {
		out = append(out, map[string]any{"name": f.Name, "kind": f.Kind, "sha256": f.Object.SHA256, "size": f.Object.Size,
			"version_id": f.Object.VersionID, "replaces": f.Replace})
	}
	return out
}

// Discard abandons a draft revision with a reason: it becomes obsolete
// (kept, with its files, for the history) and the document may start a
// new revision.
func (s *Service) Discard(ctx context.Context, revID, reason string) (Revision, error) {
	_, _, _, err := s.onRev(ctx, revID, actDraft, func(d Document) error {
		return qms.Errorf(qms.ErrForbidden, "you may not discard revisions of %s", d.Code)
	})
	if err != nil {
		return Revision{}, err
	}
	reason, err = qms.CleanText("reason", reason, maxCommentLen, true, true)
	if err != nil {
		return Revision{}, err
	}
	return s.mutateRev(ctx, revID, func(l Locked) (Change, error) {
		if l.Rev.Status != StatusDraft {
			return Change{}, qms.Errorf(qms.ErrState, "only a draft can be discarded (revision %s is %s)", l.Rev.IssueLabel(), revStatus(l.Rev.Status))
		}
		return Change{Status: StatusObsolete, Event: trail.NewEvent(ctx, "revision.discard", ObjectRevision, l.Rev.ID, l.Doc.Unit,
			map[string]any{"document": l.Doc.ID, "code": l.Doc.Code, "issue": l.Rev.Issue, "reason": reason})}, nil
	})
}
