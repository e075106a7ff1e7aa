package app

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/queue"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Reminders is the reminder schedule of overdue work and the pass that
// sends its reminders. An overdue corrective action or directive is
// escalated the day it becomes overdue (offset 0: the overdue scans of
// the NC and leadership capabilities); then reminded at each later offset
// of the schedule, in working days of the office's calendar after the due
// date: the reminder at offset k is sent from the start (00:00, office
// time) of the day after the k-th working day after the due date, that is
// once the item has been late for k whole working days. Each reminder is
// sent once per item, due date and offset; an item found late past
// several offsets at once (the scan did not run, or the schedule changed)
// gets the latest one only, and never one earlier than one already sent.
type Reminders struct {
	Store    *postgres.ReminderStore
	Calendar func(ctx context.Context) (*workday.Calendar, error)
	Clock    func(ctx context.Context) time.Time
	Location *time.Location
	Render   func(lang string, m qms.Msg) string
	BaseURL  string
	// Mail enqueues one e-mail inside tx (the queue's Mailer.SendTx); nil
	// sends none.
	Mail func(ctx context.Context, tx *sql.Tx, to, subject, body string) error
}

// Schedule returns the offsets in force.
func (r *Reminders) Schedule(ctx context.Context) ([]int, error) { return r.Store.Schedule(ctx) }

// SetSchedule replaces the offsets (the coordinator or an administrator:
// the caller checks).
func (r *Reminders) SetSchedule(ctx context.Context, offsets []int) ([]int, error) {
	return r.Store.SetSchedule(ctx, offsets)
}

// ReminderReport counts what one reminder pass did.
type ReminderReport struct {
	Overdue  int // items overdue
	Sent     int // reminders sent
	Notified int // in-app notifications written
}

// ReminderDay is the first day of the reminder at offset working days of an
// item due on due: the day after the offset-th working day after due (the
// day after due for offset 0, when the item becomes overdue).
func ReminderDay(cal *workday.Calendar, due qms.Date, offset int) qms.Date {
	d := due
	for range offset {
		d = cal.NextWorkingDay(d.AddDays(1))
	}
	return d.AddDays(1)
}

// Run sends the reminders due now of the items of typ ("action" or
// "directive"). The caller runs it under the scan's cluster-wide lock.
func (r *Reminders) Run(ctx context.Context, typ string) (ReminderReport, error) {
	var rep ReminderReport
	offsets, err := r.Store.Schedule(ctx)
	if err != nil {
		return rep, err
	}
	cal, err := r.Calendar(ctx)
	if err != nil {
		return rep, err
	}
	today := qms.DateOf(r.Clock(ctx), r.Location)
	items, err := r.Store.OverdueItems(ctx, today)
	if err != nil {
		return rep, err
	}
	for _, it := range items {
		if it.Type != typ {
			continue
		}
		rep.Overdue++
		offset := 0
		for _, k := range offsets {
			if k > 0 && !today.Before(ReminderDay(cal, it.Due, k)) {
				offset = k
			}
		}
		if offset == 0 {
			continue
		}
		subject := reminderSubject(it, offset)
		n, sent, err := r.Store.Remind(ctx, it, offset, subject, func(tx *sql.Tx, p postgres.Notified) error {
			if r.Mail == nil {
				return nil
			}
			body := qms.M("%s\n\nOpen it in qmstrack: %s\n", subject, strings.TrimRight(r.BaseURL, "/")+it.Link)
			return r.Mail(ctx, tx, p.Email, r.Render(p.Lang, subject), r.Render(p.Lang, body))
		})
		if err != nil {
			return rep, err
		}
		if sent {
			rep.Sent++
			rep.Notified += n
		}
	}
	return rep, nil
}

// reminderSubject is the subject of the reminder of it at offset working days.
func reminderSubject(it postgres.OverdueItem, offset int) qms.Msg {
	if it.Type == "action" {
		return qms.M("Reminder: corrective action %s #%d is %d working days overdue (due %s)", it.Number, it.No, offset, it.Due.Display())
	}
	title := it.Title
	if r := []rune(title); len(r) > 120 {
		title = string(r[:120]) + "…"
	}
	// The unit by its name in the reader's language, never its code.
	unit := qms.Text{VI: it.UnitVI, EN: it.UnitEN}
	return qms.M("Reminder: directive to %s is %d working days overdue (due %s): %s", unit, offset, it.Due.Display(), title)
}

// newReminders builds the reminder pass on the app's services.
func (a *App) newReminders(render func(lang string, m qms.Msg) string, mail bool) *Reminders {
	r := &Reminders{Store: postgres.NewReminderStore(a.DB), Clock: a.Clock, Location: a.Cfg.Location, BaseURL: a.Cfg.BaseURL,
		Calendar: func(ctx context.Context) (*workday.Calendar, error) {
			cal, _, err := a.Process.Calendar(ctx)
			return cal, err
		},
		Render: render,
	}
	if r.Location == nil {
		r.Location = time.UTC
	}
	if mail {
		r.Mail = queue.Mailer{Q: a.Queue}.SendTx
	}
	return r
}
