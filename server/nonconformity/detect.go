package nonconformity

import (
	"context"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// NewNC is the input to Create and Raise.
type NewNC struct {
	Source      string         `json:"source"`
	SourceRef   string         `json:"source_ref"`
	Severity    string         `json:"severity"`
	Unit        string         `json:"unit"`
	Clauses     []string       `json:"clauses"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	DetectedBy  string         `json:"detected_by"` // a name; defaults to the acting user's
	DetectedOn  time.Time      `json:"detected_on"` // a date; defaults to today
	Files       qms.FileSource `json:"-"`
	// TitleMsg and DescriptionMsg are the texts another capability writes
	// (a late dossier, an audit finding) kept as messages, so each reader
	// reads them in their language; Title and Description are then their
	// rendering in the office's language, for search and for programs.
	TitleMsg       *qms.Msg `json:"-"`
	DescriptionMsg *qms.Msg `json:"-"`
}

// OfficeLang is the language generated texts are stored in for search and
// programs (the office's working language); readers get them in their own.
const OfficeLang = "vi"

var sourceRefRE = regexp.MustCompile(`^[a-z][a-z_-]{0,31}:[^\s]{1,160}$`)

// Create records a nonconformity reported by the acting user, who must hold
// "nc report" in its unit (staff in their own unit, coordinators and
// auditors wherever their role holds).
func (s *Service) Create(ctx context.Context, in NewNC) (NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return NC{}, err
	}
	if qms.ValidUnitCode(in.Unit) && !s.authz.Can(a.UserID, in.Unit, permNC, actReport) {
		return NC{}, qms.Errorf(qms.ErrForbidden, "you may not report nonconformities in unit %s", in.Unit)
	}
	// A late dossier's or an audit finding's reference names the NC that
	// capability raises (Raise is idempotent by it): a person may not take it.
	if ref := strings.ToLower(strings.TrimSpace(in.SourceRef)); strings.HasPrefix(ref, "dossier:") || strings.HasPrefix(ref, "audit:") {
		fe := qms.FieldErrors{}
		fe.Add("source_ref", "references dossier:… and audit:… are set by qmstrack itself when it raises the nonconformity")
		return NC{}, fe.Err()
	}
	nc, _, err := s.create(ctx, in, a.UserID, a.Name)
	return nc, err
}

// Raise creates a nonconformity on behalf of another capability: an
// internal-audit finding (source internal_audit, SourceRef "audit:<id>") or
// a late dossier (source process, SourceRef "dossier:<number>"). The caller
// has already decided that the NC is due, so Raise does not check the
// actor's permission; it runs with or without an actor (a scheduled job).
// SourceRef is required and Raise is idempotent by it: when a live NC with
// that SourceRef exists, it is returned unchanged.
func (s *Service) Raise(ctx context.Context, in NewNC) (NC, error) {
	if strings.TrimSpace(in.SourceRef) == "" {
		return NC{}, qms.Errorf(qms.ErrInvalid, "source_ref is required to raise a nonconformity from another capability")
	}
	by, name := "", "system"
	if a, ok := qms.ActorFrom(ctx); ok {
		by, name = a.UserID, a.Name
	}
	nc, _, err := s.create(ctx, in, by, name)
	return nc, err
}

func (s *Service) create(ctx context.Context, in NewNC, by, byName string) (NC, bool, error) {
	fe := qms.FieldErrors{}
	today := s.today(ctx)
	if !oneOf(in.Source, Sources) {
		fe.Add("source", "one of "+strings.Join(Sources, ", "))
	}
	if !oneOf(in.Severity, Severities) {
		fe.Add("severity", "one of major, minor, observation")
	}
	if !qms.ValidUnitCode(in.Unit) {
		fe.Add("unit", "not a unit code")
	}
	ref := strings.TrimSpace(in.SourceRef)
	if ref != "" && !sourceRefRE.MatchString(ref) {
		fe.Add("source_ref", "a link such as audit:<id> or dossier:<number>")
	}
	clauses, err := qms.NormalizeClauses(in.Clauses)
	if err != nil {
		fe.AddErr("clauses", err)
	}
	if in.TitleMsg != nil {
		in.Title = s.render(OfficeLang, *in.TitleMsg)
	}
	if in.DescriptionMsg != nil {
		in.Description = s.render(OfficeLang, *in.DescriptionMsg)
	}
	title, err := qms.CleanText("title", in.Title, 300, true, false)
	if err != nil {
		fe.AddErr("title", err)
	}
	desc, err := qms.CleanText("description", in.Description, 8000, false, true)
	if err != nil {
		fe.AddErr("description", err)
	}
	if strings.TrimSpace(in.DetectedBy) == "" {
		in.DetectedBy = byName
	}
	detectedBy, err := qms.CleanText("detected_by", in.DetectedBy, 200, true, false)
	if err != nil {
		fe.AddErr("detected_by", err)
	}
	on := today
	if !in.DetectedOn.IsZero() {
		on = dateOf(in.DetectedOn)
		if on.After(today) {
			fe.Add("detected_on", "cannot be in the future")
		}
	}
	if err := fe.Err(); err != nil {
		return NC{}, false, err
	}
	nc := NC{
		ID: qms.NewID(), Source: in.Source, SourceRef: ref, Severity: in.Severity, Unit: in.Unit,
		Clauses: clauses, Title: title, Description: desc, DetectedBy: detectedBy, DetectedOn: on,
		Status: StatusOpen, CauseCategories: []string{}, Whys: []string{}, CreatedAt: s.o.Now().UTC(),
		TitleMsg: in.TitleMsg, DescriptionMsg: in.DescriptionMsg,
	}
	if by != "" {
		nc.CreatedBy = &by
	}
	// Blob first, then row: an object without a row is harmless, a row
	// without its object is lost evidence.
	files, err := s.upload(ctx, nc.ID, "", FileEvidence, in.Files, by)
	if err != nil {
		return NC{}, false, err
	}
	nc.Files = files
	year := s.o.Now().In(s.o.Location).Year()
	details := map[string]any{
		"source": nc.Source, "source_ref": nc.SourceRef, "severity": nc.Severity, "title": nc.Title,
		"clauses": nc.Clauses, "detected_by": nc.DetectedBy, "detected_on": nc.DetectedOn.Format("2006-01-02"),
		"files": fileSums(files),
	}
	if nc.TitleMsg != nil {
		// The entry is read in the reader's language too.
		details["title_msg"] = *nc.TitleMsg
	}
	ev := trail.NewEvent(ctx, "nc.create", ObjectNC, nc.ID, nc.Unit, details)
	out, created, err := s.store.Create(ctx, nc, year, ev)
	if err != nil {
		return NC{}, false, err
	}
	return out, created, nil
}

func fileSums(files []File) []map[string]any {
	out := make([]map[string]any, 0, len(files))
	for _, f := range files {
		out = append(out, map[string]any{"name": f.FileName, "sha256": f.SHA256, "size": f.Size})
	}
	return out
}

// maxFiles bounds the files of one act.
const maxFiles = 20

// upload streams each file into the object store under ncs/<uuid>.
func (s *Service) upload(ctx context.Context, ncID, actionID, purpose string, src qms.FileSource, by string) ([]File, error) {
	out := []File{}
	if src == nil {
		return out, nil
	}
	err := src(func(u qms.Upload) error {
		if len(out) >= maxFiles {
			return qms.Errorf(qms.ErrInvalid, "at most %d files at once", maxFiles)
		}
		name := path.Base(strings.ReplaceAll(u.Name, `\`, "/"))
		name, err := qms.CleanText("file name", name, 255, true, false)
		if err != nil || name == "." || name == "/" || name == "" {
			return qms.Errorf(qms.ErrInvalid, "a file needs a name")
		}
		obj, err := s.blobs.Put(ctx, "ncs/"+qms.NewID(), u.Body, s.o.MaxFileSize)
		if err != nil {
			return err
		}
		out = append(out, File{ID: qms.NewID(), NCID: ncID, ActionID: actionID, Purpose: purpose, FileName: name,
			UploadedBy: by, StoredObject: obj})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
