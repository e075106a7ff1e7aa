package leadership

import (
	"context"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
)

// EscalationReport counts what one run of the overdue scan did.
type EscalationReport struct {
	Directives  int `json:"directives"`
	Notified    int `json:"notified"`
	Emailed     int `json:"emailed"`
	EmailErrors int `json:"email_errors"`
}

// overdueSubject is the subject of the notification of overdue directive d
// of the unit named unit: the unit's name, not its code, in the reader's
// language, and the due date as a date.
func overdueSubject(d Directive, unit qms.Text) qms.Msg {
	title := d.Title
	if r := []rune(title); len(r) > 120 {
		title = string(r[:120]) + "…"
	}
	if unit == (qms.Text{}) {
		unit = qms.Text{VI: d.Unit, EN: d.Unit}
	}
	return qms.M("Overdue directive (%s, %s): %s", unit, d.DueOn, title)
}

// EscalateOverdue notifies the unit head and the coordinators of each
// directive past due, once per directive and due date (scheduled job), as
// overdue corrective actions are: in the application, and by email when a
// mail server is configured. Emails go after the notifications are
// committed, through the application's mailer, which queues them (the
// queue retries each until the server takes it); one that cannot be
// queued is counted (the in-app notification stands). Later reminders
// follow the coordinator's schedule (app.Reminders).
func (s *Service) EscalateOverdue(ctx context.Context) (EscalationReport, error) {
	var rep EscalationReport
	fresh, err := s.store.EscalateOverdue(ctx, s.today(), overdueSubject)
	if err != nil {
		return rep, err
	}
	seen := map[string]bool{}
	for _, e := range fresh {
		if !seen[e.Directive] {
			seen[e.Directive] = true
			rep.Directives++
		}
		rep.Notified++
		if s.o.Mailer == nil || e.Email == "" {
			continue
		}
		body := qms.M("%s\n\nOpen it in qmstrack: %s\n", e.Subject, strings.TrimRight(s.o.BaseURL, "/")+e.Link)
		if err := s.o.Mailer.Send(ctx, e.Email, s.o.Render(e.Lang, e.Subject), s.o.Render(e.Lang, body)); err != nil {
			rep.EmailErrors++
			continue
		}
		rep.Emailed++
	}
	return rep, nil
}

// CountByUnit counts, per unit, the directives overdue today and those
// returned to the unit, in every unit: the counts other capabilities'
// summaries read (the NC scorecard, the list of units not complying),
// which apply their own scope.
func (s *Service) CountByUnit(ctx context.Context) ([]UnitCount, error) {
	return s.store.CountByUnit(ctx, s.today())
}

// CountByState counts the directives the actor may read by state, plus
// "overdue" (the dashboard).
func (s *Service) CountByState(ctx context.Context) (map[string]int, error) {
	ds, err := s.Directives(ctx, DirectiveFilter{})
	if err != nil {
		return nil, err
	}
	out := map[string]int{DirectiveOpen: 0, DirectiveReported: 0, DirectiveAccepted: 0, DirectiveReturned: 0, "overdue": 0}
	for _, d := range ds {
		out[d.State]++
		if d.Overdue {
			out["overdue"]++
		}
	}
	return out, nil
}
