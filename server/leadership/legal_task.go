package leadership

import (
	"context"

	"github.com/qmstrack/qmstrack/server/qms"
)

// RevisionTasks lists revision tasks (everyone signed in), soonest due
// first; state is open, overdue or closed ("" for all).
func (l *Legal) RevisionTasks(ctx context.Context, f TaskFilter) ([]RevisionTask, error) {
	if _, err := qms.MustActor(ctx); err != nil {
		return nil, err
	}
	switch f.State {
	case "", TaskOpen, TaskOverdue, TaskClosed:
	default:
		return nil, qms.Errorf(qms.ErrInvalid, "state must be open, overdue or closed")
	}
	f.Today = l.today()
	return l.tasks(ctx, f)
}

func (l *Legal) tasks(ctx context.Context, f TaskFilter) ([]RevisionTask, error) {
	list, err := l.store.RevisionTasks(ctx, f)
	for i := range list {
		list[i].Overdue = list[i].IsOverdue(f.Today)
	}
	return list, err
}

// ToRevise lists the open revision tasks of the units where a holds legal
// revise (the unit's head and authors): their home page.
func (l *Legal) ToRevise(ctx context.Context, a qms.Actor) ([]RevisionTask, error) {
	sc := l.authz.Scope(a.UserID, ObjLegal, actRevise)
	if sc.Empty() {
		return nil, nil
	}
	return l.tasks(ctx, TaskFilter{State: TaskOpen, Scope: &sc, Today: l.today()})
}

// CloseRevised closes the open revision tasks whose procedure has a new
// revision in force, published after the task opened, or was withdrawn.
// The document capability calls it (through app) when a publication makes
// a revision effective, and the scheduled scan calls it before escalating,
// so a task is closed even if that call was lost.
func (l *Legal) CloseRevised(ctx context.Context) (int, error) {
	return l.store.CloseRevisionTasks(ctx)
}

// revisionSubject is the subject of the notification of overdue task t.
func revisionSubject(t RevisionTask) qms.Msg {
	return qms.M("Overdue revision (%s, %s): %s after %s", t.Unit, t.DueOn, t.DocumentCode, t.LegalNumber)
}

// EscalateRevisions closes what has been revised, then notifies the head of
// each overdue task's unit and the coordinators, once per task and due date
// (the scheduled job), as overdue directives are: in the application, and
// by e-mail when a mail server is configured, the e-mails queued in the
// transaction that writes their notifications. The report's Directives
// counts the tasks escalated.
func (l *Legal) EscalateRevisions(ctx context.Context) (EscalationReport, error) {
	var rep EscalationReport
	if _, err := l.store.CloseRevisionTasks(ctx); err != nil {
		return rep, err
	}
	fresh, err := l.store.EscalateRevisionTasks(ctx, l.today(), revisionSubject, func(e RevisionEscalation) qms.Email {
		return escalationMail(l.o, e.Email, e.Lang, e.Subject, e.Link)
	})
	rep.count(len(fresh), func(i int) (string, bool) { return fresh[i].Task, fresh[i].Mailed })
	return rep, err
}

// OverdueByUnit counts per unit the revision tasks open past due today, in
// every unit: what the list of units not complying reads (it applies its
// own scope).
func (l *Legal) OverdueByUnit(ctx context.Context) (map[string]int, error) {
	return l.store.OverdueRevisionsByUnit(ctx, l.today())
}
