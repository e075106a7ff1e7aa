package nonconformity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// LateItem is an overdue action or an NC left without a root cause.
type LateItem struct {
	Kind   string    `db:"kind"` // "action" or "analysis"
	ID     string    `db:"id"`   // the action or the NC
	NCID   string    `db:"nc_id"`
	Number string    `db:"number"`
	Title  string    `db:"title"`
	Unit   string    `db:"unit"`
	No     int       `db:"no"`
	Owner  string    `db:"owner"` // empty for an analysis
	Due    time.Time `db:"due"`   // the due date, or when the NC was created
}

// JobReport says what one run of the overdue scan did.
type JobReport struct {
	LateActions  int `json:"late_actions"`
	LateAnalyses int `json:"late_analyses"`
	Notified     int `json:"notified"` // new in-app notifications
	Emailed      int `json:"emailed"`  // e-mails queued with them
}

// RunOverdue marks actions past their due date and NCs left without a root
// cause for more than the analysis period, and escalates each once: an
// in-app notification to the owner, the unit's heads and the coordinators
// (idempotent by a dedupe key), and an e-mail to each in their language
// when a mail server is configured. The caller runs it under a
// cluster-wide lock. Each item's mark, trail entry, notifications and
// e-mails are written in one transaction (Store.Escalate): the e-mails go
// on the job queue there, which retries each until the server takes it,
// so an escalation that rolls back sends nothing and one that commits
// loses none; an e-mail that cannot be queued fails its item, which the
// next run escalates again. Later reminders of an overdue action follow
// the coordinator's schedule (app.Reminders).
func (s *Service) RunOverdue(ctx context.Context) (JobReport, error) {
	var rep JobReport
	today := s.today(ctx)
	actions, err := s.store.LateActions(ctx, today)
	if err != nil {
		return rep, err
	}
	cutoff := s.o.Clock(ctx).Add(-time.Duration(s.o.AnalysisDays) * 24 * time.Hour)
	analyses, err := s.store.LateAnalyses(ctx, cutoff)
	if err != nil {
		return rep, err
	}
	rep.LateActions, rep.LateAnalyses = len(actions), len(analyses)
	for _, it := range append(actions, analyses...) {
		notes, ev, err := s.escalation(ctx, it)
		if err != nil {
			return rep, err
		}
		fresh, err := s.store.Escalate(ctx, it, ev, notes)
		if err != nil {
			return rep, fmt.Errorf("overdue scan: %s %s: %w", it.Kind, it.Number, err)
		}
		rep.Notified += len(fresh)
		for _, n := range fresh {
			if n.Mailed {
				rep.Emailed++
			}
		}
	}
	return rep, nil
}

// escalation builds the notes (one per recipient, in their language) and the
// trail event of a late item.
func (s *Service) escalation(ctx context.Context, it LateItem) ([]Note, trail.Event, error) {
	var people []Person
	if it.Owner != "" {
		p, err := s.store.Person(ctx, it.Owner)
		if err != nil {
			return nil, trail.Event{}, err
		}
		people = append(people, p)
	}
	for _, role := range []string{"head", "coordinator"} {
		ps, err := s.store.People(ctx, role, it.Unit)
		if err != nil {
			return nil, trail.Event{}, err
		}
		people = append(people, ps...)
	}
	seen := map[string]bool{}
	var notes []Note
	kind, dedupe := "nc.action.overdue", "nc-action-overdue:"+it.ID
	if it.Kind == "analysis" {
		kind, dedupe = "nc.analysis.overdue", "nc-analysis-overdue:"+it.ID
	}
	for _, p := range people {
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		n := Note{UserID: p.ID, Email: p.Email, Lang: p.Lang, Kind: kind,
			Subject: s.lateSubject(it), Link: "/ncs/" + it.NCID, Dedupe: dedupe}
		if n.Email != "" {
			n.Mail = qms.Email{To: n.Email, Subject: s.render(n.Lang, n.Subject), Body: s.mailBody(n)}
		}
		notes = append(notes, n)
	}
	var ev trail.Event
	if it.Kind == "analysis" {
		ev = trail.NewEvent(ctx, "nc.analysis_overdue", ObjectNC, it.NCID, it.Unit,
			map[string]any{"created": it.Due.UTC().Format(time.RFC3339), "days": s.o.AnalysisDays})
	} else {
		ev = trail.NewEvent(ctx, "action.overdue", ObjectNC, it.NCID, it.Unit,
			map[string]any{"action": it.ID, "no": it.No, "due": it.Due.Format("2006-01-02")})
	}
	return notes, ev, nil
}

// lateSubject says what is late.
func (s *Service) lateSubject(it LateItem) qms.Msg {
	if it.Kind == "analysis" {
		return qms.M("Nonconformity %s has no root cause after %d days: %s", it.Number, s.o.AnalysisDays, clip(it.Title, 100))
	}
	return qms.M("Corrective action overdue: %s #%d (due %s)", it.Number, it.No, it.Due.Format("02/01/2006"))
}

// mailBody is the e-mail of a note, in the recipient's language.
func (s *Service) mailBody(n Note) string {
	link := strings.TrimRight(s.o.BaseURL, "/") + n.Link
	return s.render(n.Lang, qms.M("%s\n\nOpen it in qmstrack: %s\n", n.Subject, link))
}

// render writes m in lang.
func (s *Service) render(lang string, m qms.Msg) string {
	if s.o.Render == nil {
		return m.String()
	}
	return s.o.Render(lang, m)
}
