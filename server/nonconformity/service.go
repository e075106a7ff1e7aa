package nonconformity

import (
	"context"
	"fmt"
	"io"
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
}

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
	today := s.today()
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
		ID: newID(), Source: in.Source, SourceRef: ref, Severity: in.Severity, Unit: in.Unit,
		Clauses: clauses, Title: title, Description: desc, DetectedBy: detectedBy, DetectedOn: on,
		Status: StatusOpen, CauseCategories: []string{}, Whys: []string{}, CreatedAt: s.o.Now().UTC(),
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
	ev := trail.NewEvent(ctx, "nc.create", ObjectNC, nc.ID, nc.Unit, map[string]any{
		"source": nc.Source, "source_ref": nc.SourceRef, "severity": nc.Severity, "title": nc.Title,
		"clauses": nc.Clauses, "detected_by": nc.DetectedBy, "detected_on": nc.DetectedOn.Format("2006-01-02"),
		"files": fileSums(files),
	})
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
		obj, err := s.blobs.Put(ctx, "ncs/"+newID(), u.Body, s.o.MaxFileSize)
		if err != nil {
			return err
		}
		out = append(out, File{ID: newID(), NCID: ncID, ActionID: actionID, Purpose: purpose, FileName: name,
			UploadedBy: by, StoredObject: obj})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readScope is where the user reads NCs: the units where a role gives
// "nc read", plus the units of the audits the user is conducting today
// (an auditor reads the units of their audit during its window).
func (s *Service) readScope(ctx context.Context, userID string) (qms.Scope, error) {
	sc := s.authz.Scope(userID, permNC, actRead)
	if sc.All || s.o.Audits == nil {
		return sc, nil
	}
	units, err := s.o.Audits.AuditedUnits(ctx, userID, s.o.Now())
	if err != nil {
		return qms.Scope{}, err
	}
	for _, u := range units {
		if !sc.Has(u) {
			sc.Units = append(sc.Units, u)
		}
	}
	return sc, nil
}

// canRead reports whether the actor may see nc: read scope on its unit or
// on the unit of one of its actions, or owning or verifying one of them.
func canRead(sc qms.Scope, userID string, nc NC) bool {
	if sc.Has(nc.Unit) {
		return true
	}
	for _, a := range nc.Actions {
		if sc.Has(a.Unit) || a.Owner == userID || (a.Verifier != nil && *a.Verifier == userID) {
			return true
		}
	}
	return false
}

// Get returns an NC the actor may read; others are "not found", so the
// register does not reveal what exists elsewhere.
func (s *Service) Get(ctx context.Context, id string) (NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return NC{}, err
	}
	nc, err := s.store.Get(ctx, id)
	if err != nil {
		return NC{}, err
	}
	sc, err := s.readScope(ctx, a.UserID)
	if err != nil {
		return NC{}, err
	}
	if !canRead(sc, a.UserID, nc) {
		return NC{}, qms.Errorf(qms.ErrNotFound, "nonconformity not found")
	}
	today := s.today()
	for _, act := range nc.Actions {
		nc.Overdue = nc.Overdue || act.OverdueOn(today)
	}
	return nc, nil
}

// List returns the register in the actor's scope.
func (s *Service) List(ctx context.Context, f Filter) ([]NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if f.Status != "" && !oneOf(f.Status, NCStatuses) {
		return nil, qms.Errorf(qms.ErrInvalid, "unknown status %q", f.Status)
	}
	if f.Severity != "" && !oneOf(f.Severity, Severities) {
		return nil, qms.Errorf(qms.ErrInvalid, "unknown severity %q", f.Severity)
	}
	if f.Source != "" && !oneOf(f.Source, Sources) {
		return nil, qms.Errorf(qms.ErrInvalid, "unknown source %q", f.Source)
	}
	if f.Unit != "" && !qms.ValidUnitCode(f.Unit) {
		return nil, qms.Errorf(qms.ErrInvalid, "unknown unit %q", f.Unit)
	}
	if f.Clause != "" && !qms.ValidClause(f.Clause) {
		return nil, qms.Errorf(qms.ErrInvalid, "%q is not an ISO 9001 clause", f.Clause)
	}
	if f.Q, err = qms.CleanText("q", f.Q, 100, false, false); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	f.Today = s.today()
	sc, err := s.readScope(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	return s.store.List(ctx, f, sc)
}

// Similar lists earlier NCs of the same unit, clause or cause category that
// the actor may read.
func (s *Service) Similar(ctx context.Context, nc NC) ([]Similar, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := s.readScope(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	out, err := s.store.Similar(ctx, nc, sc, 10)
	if err != nil {
		return nil, err
	}
	for i := range out {
		w := []string{}
		if out[i].SameUnit {
			w = append(w, "unit")
		}
		if out[i].SameClause {
			w = append(w, "clause")
		}
		if out[i].SameCause {
			w = append(w, "cause")
		}
		out[i].Why = w
	}
	return out, nil
}

// Containment is the correction done at once.
type Containment struct {
	Text string    `json:"text"`
	By   string    `json:"by"` // a name; defaults to the acting user's
	On   time.Time `json:"on"` // defaults to today
}

// mutate runs fn on the locked NC after checking the actor.
func (s *Service) mutate(ctx context.Context, id string, fn func(a qms.Actor, nc *NC) (Change, error)) (NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return NC{}, err
	}
	sc, err := s.readScope(ctx, a.UserID)
	if err != nil {
		return NC{}, err
	}
	return s.store.Mutate(ctx, id, func(nc *NC) (Change, error) {
		if !canRead(sc, a.UserID, *nc) {
			return Change{}, qms.Errorf(qms.ErrNotFound, "nonconformity not found")
		}
		return fn(a, nc)
	})
}

func (s *Service) requireManage(a qms.Actor, nc *NC) error {
	if !s.authz.Can(a.UserID, nc.Unit, permNC, actManage) {
		return qms.Errorf(qms.ErrForbidden, "only a coordinator or the head of unit %s may do this", nc.Unit)
	}
	return nil
}

func live(nc *NC) error {
	if nc.Status == StatusClosed || nc.Status == StatusCancelled {
		return qms.Errorf(qms.ErrState, "nonconformity %s is %s", nc.Number, qms.Label{Prefix: "nc.status", Code: nc.Status})
	}
	return nil
}

// RecordContainment records the correction / containment of an NC.
func (s *Service) RecordContainment(ctx context.Context, id string, in Containment) (NC, error) {
	return s.mutate(ctx, id, func(a qms.Actor, nc *NC) (Change, error) {
		if err := s.requireManage(a, nc); err != nil {
			return Change{}, err
		}
		if err := live(nc); err != nil {
			return Change{}, err
		}
		fe := qms.FieldErrors{}
		text, err := qms.CleanText("text", in.Text, 4000, true, true)
		if err != nil {
			fe.AddErr("text", err)
		}
		if strings.TrimSpace(in.By) == "" {
			in.By = a.Name
		}
		by, err := qms.CleanText("by", in.By, 200, true, false)
		if err != nil {
			fe.AddErr("by", err)
		}
		on := s.today()
		if !in.On.IsZero() {
			if d := dateOf(in.On); d.After(on) {
				fe.Add("on", "cannot be in the future")
			} else if d.Before(nc.DetectedOn) {
				fe.Add("on", "cannot be before the nonconformity was detected")
			} else {
				on = d
			}
		}
		if err := fe.Err(); err != nil {
			return Change{}, err
		}
		nc.Containment, nc.ContainmentBy, nc.ContainmentOn = text, by, &on
		return Change{Events: []trail.Event{trail.NewEvent(ctx, "nc.containment", ObjectNC, nc.ID, nc.Unit,
			map[string]any{"text": text, "by": by, "on": on.Format("2006-01-02")})}}, nil
	})
}

// Cause is the root-cause analysis.
type Cause struct {
	Whys       []string `json:"whys"`
	Categories []string `json:"categories"`
	Summary    string   `json:"summary"`
}

// RecordCause records (or revises) the root cause; an open NC becomes analysed.
func (s *Service) RecordCause(ctx context.Context, id string, in Cause) (NC, error) {
	return s.mutate(ctx, id, func(a qms.Actor, nc *NC) (Change, error) {
		if err := s.requireManage(a, nc); err != nil {
			return Change{}, err
		}
		if err := live(nc); err != nil {
			return Change{}, err
		}
		fe := qms.FieldErrors{}
		summary, err := qms.CleanText("summary", in.Summary, 4000, true, true)
		if err != nil {
			fe.AddErr("summary", err)
		}
		whys := []string{}
		for i, w := range in.Whys {
			w, err := qms.CleanText(fmt.Sprintf("why %d", i+1), w, 500, false, false)
			if err != nil {
				fe.AddErr("whys", err)
			} else if w != "" {
				whys = append(whys, w)
			}
		}
		if len(whys) > maxWhys {
			fe.Add("whys", "at most five whys")
		}
		cats := []string{}
		for _, c := range in.Categories {
			c = strings.TrimSpace(c)
			if c == "" || oneOf(c, cats) {
				continue
			}
			if !oneOf(c, CauseCategories) {
				fe.Add("categories", "one or more of "+strings.Join(CauseCategories, ", "))
				break
			}
			cats = append(cats, c)
		}
		if len(whys) == 0 && len(cats) == 0 {
			fe.Add("whys", "give the five-whys chain, cause categories, or both")
		}
		if err := fe.Err(); err != nil {
			return Change{}, err
		}
		nc.Whys, nc.CauseCategories, nc.CauseSummary = whys, cats, summary
		now := s.o.Now().UTC()
		nc.AnalysedAt = &now
		if nc.Status == StatusOpen {
			nc.Status = StatusAnalysed
		}
		return Change{Events: []trail.Event{trail.NewEvent(ctx, "nc.cause", ObjectNC, nc.ID, nc.Unit,
			map[string]any{"whys": whys, "categories": cats, "summary": summary, "status": nc.Status})}}, nil
	})
}

// NewAction is the input to AddAction.
type NewAction struct {
	Unit        string    `json:"unit"`
	Owner       string    `json:"owner"`    // user id
	Verifier    string    `json:"verifier"` // optional user id of a designated verifier
	Description string    `json:"description"`
	Due         time.Time `json:"due"`
	VerifyAfter time.Time `json:"verify_after"`
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// AddAction plans a corrective action; the NC becomes actions_planned.
func (s *Service) AddAction(ctx context.Context, ncID string, in NewAction) (NC, Action, error) {
	var added Action
	nc, err := s.mutate(ctx, ncID, func(a qms.Actor, nc *NC) (Change, error) {
		if err := s.requireManage(a, nc); err != nil {
			return Change{}, err
		}
		switch nc.Status {
		case StatusAnalysed, StatusActionsPlanned, StatusReopened:
		case StatusOpen:
			return Change{}, qms.Errorf(qms.ErrState, "record the root cause of %s before planning actions", nc.Number)
		default:
			return Change{}, qms.Errorf(qms.ErrState, "nonconformity %s is %s", nc.Number, qms.Label{Prefix: "nc.status", Code: nc.Status})
		}
		if len(nc.Actions) >= maxActionsPerNC {
			return Change{}, qms.Errorf(qms.ErrInvalid, "at most %d actions per nonconformity", maxActionsPerNC)
		}
		fe := qms.FieldErrors{}
		today := s.today()
		if !qms.ValidUnitCode(in.Unit) {
			fe.Add("unit", "not a unit code")
		}
		owner := strings.ToLower(strings.TrimSpace(in.Owner))
		if !uuidRE.MatchString(owner) {
			fe.Add("owner", "choose the person who carries out the action")
		} else if qms.ValidUnitCode(in.Unit) && !s.authz.Can(owner, in.Unit, permAction, actWork) {
			fe.Add("owner", "the owner must be a person of unit %s", in.Unit)
		}
		var verifier *string
		if v := strings.ToLower(strings.TrimSpace(in.Verifier)); v != "" {
			if !uuidRE.MatchString(v) {
				fe.Add("verifier", "not a user")
			} else if v == owner {
				fe.Add("verifier", "the owner of an action may not verify it")
			} else {
				verifier = &v
			}
		}
		desc, err := qms.CleanText("description", in.Description, 4000, true, true)
		if err != nil {
			fe.AddErr("description", err)
		}
		due, verifyAfter := dateOf(in.Due), dateOf(in.VerifyAfter)
		switch {
		case in.Due.IsZero():
			fe.Add("due", "a due date is required")
		case due.Before(today):
			fe.Add("due", "the due date is in the past")
		}
		switch {
		case in.VerifyAfter.IsZero():
			fe.Add("verify_after", "a verification date is required")
		case !in.Due.IsZero() && verifyAfter.Before(due):
			fe.Add("verify_after", "the verification date cannot be before the due date")
		}
		if err := fe.Err(); err != nil {
			return Change{}, err
		}
		by := a.UserID
		added = Action{
			ID: newID(), NCID: nc.ID, No: len(nc.Actions) + 1, Unit: in.Unit, Owner: owner, Verifier: verifier,
			Description: desc, Due: due, VerifyAfter: verifyAfter, Status: ActionOpen, CreatedBy: &by,
		}
		nc.Actions = append(nc.Actions, added)
		ch := Change{Events: []trail.Event{trail.NewEvent(ctx, "action.create", ObjectNC, nc.ID, added.Unit, map[string]any{
			"action": added.ID, "no": added.No, "unit": added.Unit, "owner": owner, "description": desc,
			"due": due.Format("2006-01-02"), "verify_after": verifyAfter.Format("2006-01-02"),
		})}}
		if nc.Status != StatusActionsPlanned {
			ch.Events = append(ch.Events, trail.NewEvent(ctx, "nc.status", ObjectNC, nc.ID, nc.Unit,
				map[string]any{"from": nc.Status, "to": StatusActionsPlanned}))
			nc.Status = StatusActionsPlanned
		}
		ch.Notes = []Note{{UserID: owner, Kind: "nc.action.assigned", Link: "/ncs/" + nc.ID,
			Dedupe:  "nc-action-assigned:" + added.ID,
			Subject: qms.M("New corrective action %s #%d: %s", nc.Number, added.No, clip(desc, 120))}}
		return ch, nil
	})
	if err != nil {
		return NC{}, Action{}, err
	}
	for _, x := range nc.Actions {
		if x.ID == added.ID {
			added = x
		}
	}
	return nc, added, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// action finds the action in the locked NC.
func findAction(nc *NC, id string) (*Action, error) {
	for i := range nc.Actions {
		if nc.Actions[i].ID == id {
			return &nc.Actions[i], nil
		}
	}
	return nil, qms.Errorf(qms.ErrNotFound, "corrective action not found")
}

// actOnAction locks the NC of an action and runs fn on both; acts on the
// actions of a closed or cancelled NC are refused.
func (s *Service) actOnAction(ctx context.Context, actionID string, fn func(a qms.Actor, nc *NC, act *Action) (Change, error)) (NC, error) {
	return s.actOnActionOf(ctx, actionID, false, fn)
}

// actOnActionOf is actOnAction; with closedOK it also reaches the actions of
// a closed NC (a re-verification that finds the problem back).
func (s *Service) actOnActionOf(ctx context.Context, actionID string, closedOK bool, fn func(a qms.Actor, nc *NC, act *Action) (Change, error)) (NC, error) {
	if !uuidRE.MatchString(actionID) {
		return NC{}, qms.Errorf(qms.ErrNotFound, "corrective action not found")
	}
	ncID, err := s.store.ActionNC(ctx, actionID)
	if err != nil {
		return NC{}, err
	}
	return s.mutate(ctx, ncID, func(a qms.Actor, nc *NC) (Change, error) {
		act, err := findAction(nc, actionID)
		if err != nil {
			return Change{}, err
		}
		if nc.Status == StatusCancelled || (nc.Status == StatusClosed && !closedOK) {
			return Change{}, qms.Errorf(qms.ErrState, "nonconformity %s is %s", nc.Number, qms.Label{Prefix: "nc.status", Code: nc.Status})
		}
		return fn(a, nc, act)
	})
}

// peekAction returns an action and its NC without locking, for the checks
// that must pass before files are uploaded or a password is checked.
func (s *Service) peekAction(ctx context.Context, actionID string) (NC, Action, error) {
	if !uuidRE.MatchString(actionID) {
		return NC{}, Action{}, qms.Errorf(qms.ErrNotFound, "corrective action not found")
	}
	ncID, err := s.store.ActionNC(ctx, actionID)
	if err != nil {
		return NC{}, Action{}, err
	}
	nc, err := s.Get(ctx, ncID)
	if err != nil {
		return NC{}, Action{}, err
	}
	act, err := findAction(&nc, actionID)
	if err != nil {
		return NC{}, Action{}, err
	}
	return nc, *act, nil
}

// NCOfAction returns the id of the NC of an action the actor may read.
func (s *Service) NCOfAction(ctx context.Context, actionID string) (string, error) {
	nc, _, err := s.peekAction(ctx, actionID)
	return nc.ID, err
}

func (s *Service) requireOwner(a qms.Actor, act *Action) error {
	if act.Owner != a.UserID || !s.authz.Can(a.UserID, act.Unit, permAction, actWork) {
		return qms.Errorf(qms.ErrForbidden, "only the owner of action #%d may update it", act.No)
	}
	return nil
}

// Start marks an action in progress (its owner).
func (s *Service) Start(ctx context.Context, actionID string) (NC, error) {
	return s.actOnAction(ctx, actionID, func(a qms.Actor, nc *NC, act *Action) (Change, error) {
		if err := s.requireOwner(a, act); err != nil {
			return Change{}, err
		}
		if act.Status != ActionOpen {
			return Change{}, qms.Errorf(qms.ErrState, "action #%d is %s, not open", act.No, qms.Label{Prefix: "nc.action", Code: act.Status})
		}
		now := s.o.Now().UTC()
		act.Status, act.StartedAt = ActionInProgress, &now
		return Change{Events: []trail.Event{actionEvent(ctx, "action.start", nc, act, nil)}}, nil
	})
}

func actionEvent(ctx context.Context, name string, nc *NC, act *Action, details map[string]any) trail.Event {
	if details == nil {
		details = map[string]any{}
	}
	details["action"], details["no"], details["status"] = act.ID, act.No, act.Status
	return trail.NewEvent(ctx, name, ObjectNC, nc.ID, act.Unit, details)
}

// Done records what the owner did, with at least one evidence file.
func (s *Service) Done(ctx context.Context, actionID, report string, files qms.FileSource) (NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return NC{}, err
	}
	nc, act, err := s.peekAction(ctx, actionID)
	if err != nil {
		return NC{}, err
	}
	if err := s.requireOwner(a, &act); err != nil {
		return NC{}, err
	}
	if act.Status != ActionInProgress {
		return NC{}, qms.Errorf(qms.ErrState, "action #%d is %s; start it before reporting it done", act.No, qms.Label{Prefix: "nc.action", Code: act.Status})
	}
	report, err = qms.CleanText("report", report, 4000, true, true)
	if err != nil {
		return NC{}, err
	}
	stored, err := s.upload(ctx, nc.ID, act.ID, FileDone, files, a.UserID)
	if err != nil {
		return NC{}, err
	}
	if len(stored) == 0 {
		return NC{}, qms.Errorf(qms.ErrInvalid, "attach at least one evidence file of what was done")
	}
	return s.actOnAction(ctx, actionID, func(a qms.Actor, nc *NC, act *Action) (Change, error) {
		if err := s.requireOwner(a, act); err != nil {
			return Change{}, err
		}
		if act.Status != ActionInProgress {
			return Change{}, qms.Errorf(qms.ErrState, "action #%d is %s, not in progress", act.No, qms.Label{Prefix: "nc.action", Code: act.Status})
		}
		now := s.o.Now().UTC()
		act.Status, act.DoneAt, act.Report = ActionDone, &now, report
		return Change{Files: stored, Events: []trail.Event{actionEvent(ctx, "action.done", nc, act,
			map[string]any{"report": report, "files": fileSums(stored)})}}, nil
	})
}

func sums(nc *NC, actionID string) []string {
	out := []string{}
	for _, f := range nc.Files {
		if f.ActionID == actionID {
			out = append(out, f.SHA256)
		}
	}
	return out
}

// SignOff is the electronic signature of a head of the action's unit that
// the reported work was done. The owner may not sign off their own action.
func (s *Service) SignOff(ctx context.Context, actionID, password string) (NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return NC{}, err
	}
	_, act, err := s.peekAction(ctx, actionID)
	if err != nil {
		return NC{}, err
	}
	if err := s.checkSignoff(a, &act); err != nil {
		return NC{}, err
	}
	if err := s.pw.CheckPassword(ctx, a.UserID, password); err != nil {
		return NC{}, err
	}
	return s.actOnAction(ctx, actionID, func(a qms.Actor, nc *NC, act *Action) (Change, error) {
		if err := s.checkSignoff(a, act); err != nil {
			return Change{}, err
		}
		now := s.o.Now().UTC()
		act.Status, act.SignedOffAt, act.SignedOffBy = ActionSignedOff, &now, &a.UserID
		sig := qms.Signature{UserID: a.UserID, Login: a.Login, Name: a.Name, Role: "head", Meaning: signoffMeaning,
			ObjectType: ObjectAction, ObjectID: act.ID, SHA256s: sums(nc, act.ID),
			Comment: fmt.Sprintf("%s #%d", nc.Number, act.No)}
		return Change{Signatures: []qms.Signature{sig}, Events: []trail.Event{actionEvent(ctx, "action.signoff", nc, act,
			map[string]any{"sha256s": sig.SHA256s})}}, nil
	})
}

func (s *Service) checkSignoff(a qms.Actor, act *Action) error {
	if !s.authz.Can(a.UserID, act.Unit, permAction, actSignoff) {
		return qms.Errorf(qms.ErrForbidden, "only a head of unit %s may sign off action #%d", act.Unit, act.No)
	}
	if act.Owner == a.UserID {
		return qms.Errorf(qms.ErrForbidden, "you carried out action #%d; another head must sign it off", act.No)
	}
	if act.Status != ActionDone {
		return qms.Errorf(qms.ErrState, "action #%d is %s; only an action reported done can be signed off", act.No, qms.Label{Prefix: "nc.action", Code: act.Status})
	}
	return nil
}

// Verification is the input to Verify.
type Verification struct {
	Effective bool           `json:"effective"`
	Comment   string         `json:"comment"`
	Password  string         `json:"password"`
	Files     qms.FileSource `json:"-"`
}

// Verify records the judgement of effectiveness, on or after the action's
// verification date, by a coordinator or the designated verifier, never by
// the owner. Effective on the last open action closes the NC; not effective
// reopens it, and it then needs a new action.
func (s *Service) Verify(ctx context.Context, actionID string, in Verification) (NC, error) {
	return s.verify(ctx, actionID, in, false)
}

// Reverify records, on a closed NC, that an action verified effective is not
// effective after all (the problem came back): the NC goes from closed to
// reopened. It is a separate act from Verify, so two verifications racing
// on the same action still give exactly one.
func (s *Service) Reverify(ctx context.Context, actionID string, in Verification) (NC, error) {
	in.Effective = false
	return s.verify(ctx, actionID, in, true)
}

func (s *Service) verify(ctx context.Context, actionID string, in Verification, again bool) (NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return NC{}, err
	}
	nc, act, err := s.peekAction(ctx, actionID)
	if err != nil {
		return NC{}, err
	}
	if err := s.checkVerify(a, &nc, &act, again); err != nil {
		return NC{}, err
	}
	comment, err := qms.CleanText("comment", in.Comment, 4000, !in.Effective, true)
	if err != nil {
		return NC{}, qms.Errorf(qms.ErrInvalid, "%s (say why the action was not effective)", err)
	}
	if err := s.pw.CheckPassword(ctx, a.UserID, in.Password); err != nil {
		return NC{}, err
	}
	stored, err := s.upload(ctx, nc.ID, act.ID, FileVerification, in.Files, a.UserID)
	if err != nil {
		return NC{}, err
	}
	return s.actOnActionOf(ctx, actionID, again, func(a qms.Actor, nc *NC, act *Action) (Change, error) {
		if err := s.checkVerify(a, nc, act, again); err != nil {
			return Change{}, err
		}
		now := s.o.Now().UTC()
		act.Status = ActionVerifiedNotEffective
		if in.Effective {
			act.Status = ActionVerifiedEffective
		}
		act.VerifiedAt, act.VerifiedBy, act.VerifyComment = &now, &a.UserID, comment
		role := "coordinator"
		if !s.authz.Can(a.UserID, act.Unit, permAction, actVerify) {
			role = "verifier"
		}
		nc.Files = append(nc.Files, stored...)
		sig := qms.Signature{UserID: a.UserID, Login: a.Login, Name: a.Name, Role: role, Meaning: verifyMeaning,
			ObjectType: ObjectAction, ObjectID: act.ID, SHA256s: sums(nc, act.ID),
			Comment: fmt.Sprintf("%s #%d %s: %s", nc.Number, act.No, act.Status, clip(comment, 200))}
		name := "action.verify"
		if again {
			name = "action.reverify"
		}
		ch := Change{Files: stored, Signatures: []qms.Signature{sig}, Events: []trail.Event{actionEvent(ctx, name, nc, act,
			map[string]any{"effective": in.Effective, "comment": comment, "files": fileSums(stored)})}}
		switch {
		case !in.Effective:
			ch.Events = append(ch.Events, trail.NewEvent(ctx, "nc.reopen", ObjectNC, nc.ID, nc.Unit,
				map[string]any{"from": nc.Status, "action": act.ID, "no": act.No}))
			nc.Status, nc.ClosedAt = StatusReopened, nil
		case nc.Status == StatusActionsPlanned && allVerified(nc):
			nc.Status, nc.ClosedAt = StatusClosed, &now
			ch.Events = append(ch.Events, trail.NewEvent(ctx, "nc.close", ObjectNC, nc.ID, nc.Unit,
				map[string]any{"actions": len(nc.Actions)}))
		}
		return ch, nil
	})
}

// allVerified reports whether every action has been judged: with the NC in
// actions_planned, every "not effective" has been followed by a new action.
func allVerified(nc *NC) bool {
	effective := false
	for _, a := range nc.Actions {
		if !a.Verified() {
			return false
		}
		effective = effective || a.Status == ActionVerifiedEffective
	}
	return effective
}

// checkVerify says whether a may verify act now (again: re-verify an action
// of a closed NC).
func (s *Service) checkVerify(a qms.Actor, nc *NC, act *Action, again bool) error {
	designated := act.Verifier != nil && *act.Verifier == a.UserID
	if !designated && !s.authz.Can(a.UserID, act.Unit, permAction, actVerify) {
		return qms.Errorf(qms.ErrForbidden, "only a coordinator or the designated verifier may verify action #%d", act.No)
	}
	if act.Owner == a.UserID {
		return qms.Errorf(qms.ErrForbidden, "you carried out action #%d; someone else must verify its effectiveness", act.No)
	}
	if again {
		if nc.Status != StatusClosed || act.Status != ActionVerifiedEffective {
			return qms.Errorf(qms.ErrState, "only an action verified effective of a closed nonconformity can be found not effective again")
		}
		return nil
	}
	if act.Status != ActionSignedOff {
		return qms.Errorf(qms.ErrState, "action #%d is %s; only a signed-off action can be verified", act.No, qms.Label{Prefix: "nc.action", Code: act.Status})
	}
	if s.today().Before(act.VerifyAfter) {
		return qms.Errorf(qms.ErrState, "action #%d can be verified on or after %s", act.No, act.VerifyAfter.Format("02/01/2006"))
	}
	return nil
}

// Cancel withdraws an NC that should not have been raised (coordinator).
func (s *Service) Cancel(ctx context.Context, id, reason string) (NC, error) {
	return s.mutate(ctx, id, func(a qms.Actor, nc *NC) (Change, error) {
		if !s.authz.Can(a.UserID, nc.Unit, permNC, actCancel) {
			return Change{}, qms.Errorf(qms.ErrForbidden, "only a coordinator may cancel a nonconformity")
		}
		if err := live(nc); err != nil {
			return Change{}, err
		}
		r, err := qms.CleanText("reason", reason, 2000, true, true)
		if err != nil {
			return Change{}, err
		}
		now := s.o.Now().UTC()
		from := nc.Status
		nc.Status, nc.CancelReason, nc.CancelledAt = StatusCancelled, r, &now
		return Change{Events: []trail.Event{trail.NewEvent(ctx, "nc.cancel", ObjectNC, nc.ID, nc.Unit,
			map[string]any{"from": from, "reason": r})}}, nil
	})
}

// OpenFile returns an evidence file of an NC the actor may read.
func (s *Service) OpenFile(ctx context.Context, fileID string) (File, func() (io.ReadSeekCloser, error), error) {
	if !uuidRE.MatchString(fileID) {
		return File{}, nil, qms.Errorf(qms.ErrNotFound, "file not found")
	}
	f, err := s.store.File(ctx, fileID)
	if err != nil {
		return File{}, nil, err
	}
	if _, err := s.Get(ctx, f.NCID); err != nil {
		return File{}, nil, qms.Errorf(qms.ErrNotFound, "file not found")
	}
	return f, func() (io.ReadSeekCloser, error) { return s.blobs.Open(ctx, f.Key, f.VersionID) }, nil
}

// Permissions are the buttons an actor may press on an NC page.
type Permissions struct {
	Manage  bool                `json:"manage"`
	Cancel  bool                `json:"cancel"`
	Actions map[string][]string `json:"actions"` // action id -> acts: start, done, signoff, verify, reverify
}

// ReportScope is the units where the actor may report nonconformities (the
// units the report form offers); empty when signed out.
func (s *Service) ReportScope(ctx context.Context) qms.Scope {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return qms.Scope{}
	}
	return s.authz.Scope(a.UserID, permNC, actReport)
}

// PermissionsOf computes what the actor may do now on nc, with the same
// rules the acts enforce.
func (s *Service) PermissionsOf(ctx context.Context, nc NC) Permissions {
	p := Permissions{Actions: map[string][]string{}}
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return p
	}
	isLive := live(&nc) == nil
	p.Manage = isLive && s.authz.Can(a.UserID, nc.Unit, permNC, actManage)
	p.Cancel = isLive && s.authz.Can(a.UserID, nc.Unit, permNC, actCancel)
	if nc.Status == StatusClosed {
		for i := range nc.Actions {
			if s.checkVerify(a, &nc, &nc.Actions[i], true) == nil {
				p.Actions[nc.Actions[i].ID] = []string{"reverify"}
			}
		}
		return p
	}
	if !isLive {
		return p
	}
	for i := range nc.Actions {
		act := &nc.Actions[i]
		var acts []string
		owner := s.requireOwner(a, act) == nil
		if owner && act.Status == ActionOpen {
			acts = append(acts, "start")
		}
		if owner && act.Status == ActionInProgress {
			acts = append(acts, "done")
		}
		if s.checkSignoff(a, act) == nil {
			acts = append(acts, "signoff")
		}
		if s.checkVerify(a, &nc, act, false) == nil {
			acts = append(acts, "verify")
		}
		if len(acts) > 0 {
			p.Actions[act.ID] = acts
		}
	}
	return p
}

// Timeline returns the trail entries of an NC the actor may read.
func (s *Service) Timeline(ctx context.Context, nc NC) ([]trail.Entry, error) {
	if s.o.Trail == nil {
		return []trail.Entry{}, nil
	}
	return s.o.Trail.List(ctx, trail.Filter{ObjectType: ObjectNC, ObjectID: nc.ID, Limit: 1000})
}

// MyActions lists the actor's work: actions they own that are not yet done,
// actions of their units waiting for their sign-off, and actions waiting
// for their verification.
func (s *Service) MyActions(ctx context.Context) ([]Action, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.MyActions(ctx, a.UserID, s.authz.Scope(a.UserID, permAction, actSignoff), s.authz.Scope(a.UserID, permAction, actVerify))
}
