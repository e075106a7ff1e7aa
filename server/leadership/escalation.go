package leadership

import (
	"context"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
)

// EscalationReport counts what one run of the overdue scan did.
type EscalationReport struct {
	Directives int `json:"directives"`
	Notified   int `json:"notified"`
	Emailed    int `json:"emailed"` // e-mails queued with them
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
// overdue corrective actions are: in the application, and by e-mail in
// each reader's language when a mail server is configured. Each
// directive's notifications, trail entry and e-mails are written in one
// transaction: the e-mails go on the job queue there (which retries each
// until the server takes it), so nothing is sent for an escalation that
// rolled back and nothing is lost for one that committed; an e-mail that
// cannot be queued fails its directive, which the next run escalates.
// Later reminders follow the coordinator's schedule (app.Reminders).
func (s *Service) EscalateOverdue(ctx context.Context) (EscalationReport, error) {
	var rep EscalationReport
	fresh, err := s.store.EscalateOverdue(ctx, s.today(), overdueSubject, func(e Escalation) qms.Email {
		return escalationMail(s.o, e.Email, e.Lang, e.Subject, e.Link)
	})
	rep.count(len(fresh), func(i int) (string, bool) { return fresh[i].Directive, fresh[i].Mailed })
	return rep, err
}

// count adds n new notifications to the report; at(i) names the item of
// the i-th and says whether its e-mail was queued.
func (rep *EscalationReport) count(n int, at func(i int) (string, bool)) {
	seen := map[string]bool{}
	for i := range n {
		item, mailed := at(i)
		if !seen[item] {
			seen[item] = true
			rep.Directives++
		}
		rep.Notified++
		if mailed {
			rep.Emailed++
		}
	}
}

// escalationMail is the e-mail to to of a notification with subject and
// link, in lang.
func escalationMail(o Options, to, lang string, subject qms.Msg, link string) qms.Email {
	if to == "" {
		return qms.Email{}
	}
	body := qms.M("%s\n\nOpen it in qmstrack: %s\n", subject, strings.TrimRight(o.BaseURL, "/")+link)
	return qms.Email{To: to, Subject: o.Render(lang, subject), Body: o.Render(lang, body)}
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
