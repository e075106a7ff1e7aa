package leadership

import (
	"context"
	"io"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// ReportIn is a unit's report back on a directive: the text and, in a
// form, the evidence files.
type ReportIn struct {
	Text  string         `json:"text"`
	Files qms.FileSource `json:"-" form:"files,file,evidence"`
}

// errNotReportable is the refusal of a report on a directive in state st.
func errNotReportable(st string) error {
	return qms.Errorf(qms.ErrState, "directive is %s; only an open or returned directive can be reported", qms.Label{Prefix: "proc.dstate", Code: st})
}

// ReportDirective records the unit's report with its evidence (directive
// report in the directive's unit). The permission and the state are checked
// before any file is stored, so a refused report leaves no object behind;
// the files are then streamed into the object store one by one (blob
// first) and the report row comes after the last, under the directive's
// lock: of two concurrent reports one wins, the other gets ErrState.
func (s *Service) ReportDirective(ctx context.Context, id string, in ReportIn) (Directive, error) {
	d, err := s.store.Directive(ctx, id)
	if err != nil {
		return d, err
	}
	a, err := s.may(ctx, d.Unit, actReport)
	if err != nil {
		return d, err
	}
	if !d.reportable() {
		return d, errNotReportable(d.State)
	}
	text, err := qms.CleanText("text", in.Text, 8000, true, true)
	if err != nil {
		return d, err
	}
	r := Report{ReporterID: a.UserID, Reporter: a.Login, Text: text}
	if in.Files != nil {
		err := in.Files(func(f qms.Upload) error {
			e, err := s.storeEvidence(ctx, f)
			r.Evidence = append(r.Evidence, e)
			return err
		})
		if err != nil {
			return d, err
		}
	}
	if len(r.Evidence) == 0 {
		return d, qms.Errorf(qms.ErrInvalid, "a report needs evidence: attach at least one file")
	}
	hashes := []string{}
	for _, e := range r.Evidence {
		hashes = append(hashes, e.SHA256)
	}
	return s.store.Mutate(ctx, id, func(cur *Directive) (Change, error) {
		if !cur.reportable() {
			return Change{}, errNotReportable(cur.State)
		}
		ev := trail.NewEvent(ctx, "directive.report", "directive", id, cur.Unit, map[string]any{"evidence_sha256": hashes})
		return Change{State: DirectiveReported, Report: &r, Event: ev}, nil
	})
}

// storeEvidence streams one evidence file into the object store.
func (s *Service) storeEvidence(ctx context.Context, f qms.Upload) (Evidence, error) {
	name, err := qms.CleanFileName(f.Name)
	if err != nil {
		return Evidence{}, err
	}
	obj, err := s.blobs.PutFile(ctx, "directive-evidence/"+qms.NewID(), f.Body, s.o.MaxEvidence)
	if err != nil {
		return Evidence{}, err
	}
	return Evidence{Filename: name, StoredObject: obj}, nil
}

// DecideIn is the issuer's decision on a directive's report.
type DecideIn struct {
	Comment string `json:"comment"`
}

// DecideDirective accepts or returns a reported directive: the issuer, or
// a holder of directive decide in every unit (the chairman, the
// coordinator), never the unit itself nor the person who reported it.
func (s *Service) DecideDirective(ctx context.Context, id string, accept bool, in DecideIn) (Directive, error) {
	d, err := s.store.Directive(ctx, id)
	if err != nil {
		return d, err
	}
	a, err := qms.MustActor(ctx)
	if err != nil {
		return d, err
	}
	if !s.mayDecide(a, d) {
		return d, qms.Errorf(qms.ErrForbidden, "only the issuer, the chairman or the coordinator decides on a directive's report")
	}
	comment, err := qms.CleanText("comment", in.Comment, 2000, !accept, true)
	if err != nil {
		if !accept {
			return d, qms.Errorf(qms.ErrInvalid, "returning a report needs a comment saying what is missing")
		}
		return d, err
	}
	action := "directive.accept"
	if !accept {
		action = "directive.return"
	}
	dec := Decision{Accept: accept, Comment: comment, By: a.Login}
	return s.store.Mutate(ctx, id, func(cur *Directive) (Change, error) {
		if cur.State != DirectiveReported {
			return Change{}, qms.Errorf(qms.ErrState, "directive is %s; only a reported directive can be decided", qms.Label{Prefix: "proc.dstate", Code: cur.State})
		}
		if n := len(cur.Reports); n > 0 && cur.Reports[n-1].ReporterID == a.UserID {
			return Change{}, qms.Errorf(qms.ErrForbidden, "you reported this directive; someone else must decide on it")
		}
		ev := trail.NewEvent(ctx, action, "directive", id, cur.Unit, map[string]any{"comment": comment})
		return Change{State: dec.Outcome(), Closed: accept, Decision: &dec, Event: ev}, nil
	})
}

// OpenEvidence opens one evidence file of a directive the actor may read.
func (s *Service) OpenEvidence(ctx context.Context, directiveID, evidenceID string) (Evidence, io.ReadSeekCloser, error) {
	if _, err := s.Directive(ctx, directiveID); err != nil {
		return Evidence{}, nil, err
	}
	e, err := s.store.Evidence(ctx, directiveID, evidenceID)
	if err != nil {
		return e, nil, err
	}
	r, err := s.blobs.OpenVersion(ctx, e.Key, e.VersionID)
	return e, r, err
}
