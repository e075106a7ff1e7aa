package app_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/mail/mailtest"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/queue"
	"github.com/qmstrack/qmstrack/server/queue/queuetest"
	"github.com/qmstrack/qmstrack/server/workday"
)

// TestRemindersFollowTheSchedule: an overdue directive and an overdue
// corrective action, both due on Friday 4 December 2026, with Tuesday 8
// December made a holiday, are escalated the day after their due date and
// reminded at +3 and +7 working days (the default schedule), each reminder
// exactly once and not a minute early; a schedule changed by the
// coordinator applies at its next scan; a refused change leaves the
// schedule and the trail as they were.
func TestRemindersFollowTheSchedule(t *testing.T) {
	ict := time.FixedZone("ICT", 7*3600)
	clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, ict)}
	smtpd := mailtest.Start(t, "", "")
	env := apptest.New(t, apptest.WithClock(clk.now), apptest.WithConfig(func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPFrom = "127.0.0.1", smtpd.Port, "none", "qmstrack@example.org"
	}))
	coord, chair := env.As("coordinator"), env.As("chairman")
	db := env.App.DB
	count := func(q string, args ...any) int { t.Helper(); return env.Count(t, q, args...) }
	if _, err := db.Exec(`UPDATE users SET email = login || '@example.org'`); err != nil {
		t.Fatal(err)
	}
	coord.Do("POST", "/api/v1/calendar/days", map[string]string{"date": "2026-12-08", "kind": "holiday", "name": "Nghỉ bù"}).MustStatus(http.StatusOK)

	// The schedule: the default, and who may change it.
	var sched struct{ Offsets []int }
	coord.Do("GET", "/api/v1/reminder-schedule", nil).MustStatus(http.StatusOK).Decode(&sched)
	if len(sched.Offsets) != 3 || sched.Offsets[0] != 0 || sched.Offsets[1] != 3 || sched.Offsets[2] != 7 {
		t.Fatalf("default schedule %v", sched.Offsets)
	}
	head := env.As("head.tnmt")
	head.Do("GET", "/api/v1/me", nil) // signed in before the count
	trailBefore := count(`SELECT count(*) FROM trail`)
	if r := head.Do("PUT", "/api/v1/reminder-schedule", map[string]any{"offsets": []int{0, 1}}); r.Status != http.StatusForbidden || r.ErrorCode() != "forbidden" {
		t.Fatalf("a unit head set the schedule: %s", r)
	}
	for _, bad := range []struct {
		offsets []int
		reason  string
	}{{[]int{3, 7}, "must start at 0"}, {[]int{0, 7, 3}, "must rise"}, {[]int{0, 61}, "out of range"}, {[]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "at most 10"}} {
		r := coord.Do("PUT", "/api/v1/reminder-schedule", map[string]any{"offsets": bad.offsets})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), bad.reason) {
			t.Fatalf("schedule %v: %s, want 400 %q", bad.offsets, r, bad.reason)
		}
	}
	if n := count(`SELECT count(*) FROM trail`); n != trailBefore {
		t.Fatalf("refused changes wrote %d trail entries", n-trailBefore)
	}
	coord.Do("GET", "/api/v1/reminder-schedule", nil).MustStatus(http.StatusOK).Decode(&sched)
	if len(sched.Offsets) != 3 || sched.Offsets[2] != 7 {
		t.Fatalf("refused changes changed the schedule: %v", sched.Offsets)
	}

	// A directive and a corrective action due on Friday 4 December.
	var m, dir, nc struct{ ID string }
	var act struct{ ID string }
	chair.Multipart("/api/v1/meetings", map[string]string{"held_on": "2026-12-01", "title": "Họp giao ban", "chair": "Chủ tịch UBND",
		"participants": "Phòng TNMT", "unit": "vp"},
		apptest.File{Field: "minutes", Name: "bien-ban.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}).MustStatus(http.StatusCreated).Decode(&m)
	chair.Do("POST", "/api/v1/meetings/"+m.ID+"/directives", map[string]any{"unit": "tnmt", "title": "Rà soát hồ sơ tồn",
		"report_required": "Báo cáo", "due_on": "2026-12-04"}).MustStatus(http.StatusCreated).Decode(&dir)
	coord.Do("POST", "/api/v1/ncs", map[string]any{"source": "self_report", "severity": "minor", "unit": "tnmt",
		"title": "Hồ sơ trả chậm"}).MustStatus(http.StatusCreated).Decode(&nc)
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/containment", map[string]string{"text": "Đã trả hồ sơ ngay", "on": "2026-12-01"}).MustStatus(http.StatusOK)
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/cause", map[string]any{"whys": []string{"Không theo dõi hạn"}, "categories": []string{"method"},
		"summary": "Thiếu bước theo dõi"}).MustStatus(http.StatusOK)
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/actions", map[string]string{"unit": "tnmt", "owner": "staff.tnmt", "description": "Theo dõi hạn hằng ngày",
		"due": "2026-12-04", "verify_after": "2026-12-31"}).MustStatus(http.StatusCreated)
	if err := db.Get(&act.ID, `SELECT id FROM nc_actions WHERE nc_id = $1`, nc.ID); err != nil {
		t.Fatal(err)
	}

	jobs := map[string]app.Job{}
	for _, j := range env.App.Jobs {
		jobs[j.Name] = j
	}
	scan := func(at time.Time) {
		t.Helper()
		clk.set(at)
		for _, name := range []string{"nc-overdue", "process.late_and_overdue"} {
			if err := jobs[name].Run(context.Background()); err != nil {
				t.Fatalf("%s at %s: %v", name, at, err)
			}
		}
	}
	type state struct{ DirEsc, ActEsc, Dir3, Dir7, Dir9, Act3, Act7, Mails int }
	read := func() state {
		t.Helper()
		sent := func(typ, id string, off int) int {
			return count(`SELECT count(*) FROM reminders_sent WHERE object_type = $1 AND object_id = $2 AND offset_days = $3`, typ, id, off)
		}
		return state{
			DirEsc: count(`SELECT count(*) FROM trail WHERE action = 'directive.escalate' AND object_id = $1`, dir.ID),
			ActEsc: count(`SELECT count(*) FROM trail WHERE action = 'action.overdue' AND object_id = $1`, nc.ID),
			Dir3:   sent("directive", dir.ID, 3), Dir7: sent("directive", dir.ID, 7), Dir9: sent("directive", dir.ID, 9),
			Act3: sent("action", act.ID, 3), Act7: sent("action", act.ID, 7),
			Mails: count(`SELECT count(*) FROM river_job WHERE kind = 'mail.send' AND (args->>'subject' LIKE 'Reminder:%' OR args->>'subject' LIKE 'Nhắc việc:%')`),
		}
	}
	at := func(d workday.Date, hh, mm int) time.Time {
		return time.Date(d.Year, d.Month, d.Day, hh, mm, 0, 0, ict)
	}
	steps := []struct {
		at   time.Time
		want state
	}{
		{at(qms.NewDate(2026, 12, 4), 23, 59), state{}},
		{at(qms.NewDate(2026, 12, 5), 0, 1), state{DirEsc: 1, ActEsc: 1}},
		// +3 working days: Mon 7, Wed 9 (Tue 8 is a holiday), Thu 10; from Fri 11.
		{at(qms.NewDate(2026, 12, 10), 23, 59), state{DirEsc: 1, ActEsc: 1}},
		{at(qms.NewDate(2026, 12, 11), 0, 1), state{DirEsc: 1, ActEsc: 1, Dir3: 1, Act3: 1}},
		{at(qms.NewDate(2026, 12, 11), 9, 0), state{DirEsc: 1, ActEsc: 1, Dir3: 1, Act3: 1}},
		// +7: Fri 11, Mon 14, Tue 15, Wed 16; from Thu 17.
		{at(qms.NewDate(2026, 12, 16), 23, 59), state{DirEsc: 1, ActEsc: 1, Dir3: 1, Act3: 1}},
		{at(qms.NewDate(2026, 12, 17), 0, 1), state{DirEsc: 1, ActEsc: 1, Dir3: 1, Act3: 1, Dir7: 1, Act7: 1}},
		{at(qms.NewDate(2026, 12, 17), 0, 2), state{DirEsc: 1, ActEsc: 1, Dir3: 1, Act3: 1, Dir7: 1, Act7: 1}},
	}
	for _, s := range steps {
		scan(s.at)
		got := read()
		want := s.want
		got.Mails, want.Mails = 0, 0
		if got != want {
			t.Fatalf("at %s: %+v, want %+v", s.at.Format(time.DateTime), got, want)
		}
	}
	final := read()
	// Each reminder went to the owner (actions), the unit's head and the
	// coordinators, in the application and as a queued e-mail.
	notes := count(`SELECT count(*) FROM notifications WHERE kind IN ('directive_reminder', 'action_reminder')`)
	if notes == 0 || final.Mails != notes {
		t.Fatalf("%d reminder notifications, %d reminder e-mails queued: want as many, not none", notes, final.Mails)
	}
	if n := count(`SELECT count(*) FROM trail WHERE action = 'reminder.sent'`); n != 4 {
		t.Fatalf("%d reminder.sent trail entries, want 4", n)
	}
	// A directive's reminder names its unit in the reader's language, never
	// by its code.
	var unitVI, unitEN string
	if err := db.QueryRow(`SELECT name_vi, name_en FROM units WHERE code = 'tnmt'`).Scan(&unitVI, &unitEN); err != nil {
		t.Fatal(err)
	}
	var subjects []string
	if err := db.Select(&subjects, `SELECT args->>'subject' FROM river_job WHERE kind = 'mail.send'
		AND (args->>'subject' LIKE 'Reminder: directive%' OR args->>'subject' LIKE 'Nhắc việc: chỉ đạo%')`); err != nil {
		t.Fatal(err)
	}
	if len(subjects) == 0 {
		t.Fatal("no directive reminder e-mail queued")
	}
	for _, sub := range subjects {
		want := "Reminder: directive to " + unitEN + " is "
		if strings.HasPrefix(sub, "Nhắc việc") {
			want = "Nhắc việc: chỉ đạo giao " + unitVI + " đã"
		}
		if !strings.Contains(sub, want) {
			t.Errorf("directive reminder %q: want it to contain %q", sub, want)
		}
	}

	// The coordinator adds a reminder at +9 working days: Thu 17, Fri 18 → from Sat 19.
	coord = env.As("coordinator") // signed in again three weeks later
	coord.Do("PUT", "/api/v1/reminder-schedule", map[string]any{"offsets": []int{0, 3, 7, 9}}).MustStatus(http.StatusOK)
	if n := count(`SELECT count(*) FROM trail WHERE action = 'reminders.schedule'`); n != 1 {
		t.Fatalf("schedule change: %d trail entries", n)
	}
	scan(at(qms.NewDate(2026, 12, 18), 23, 59))
	if got := read(); got.Dir9 != 0 {
		t.Fatalf("+9 sent a minute early: %+v", got)
	}
	scan(at(qms.NewDate(2026, 12, 19), 0, 1))
	scan(at(qms.NewDate(2026, 12, 19), 0, 2))
	if got := read(); got.Dir9 != 1 || got.Dir7 != 1 || got.Dir3 != 1 {
		t.Fatalf("after the changed schedule: %+v", got)
	}
	// A schedule changed back to earlier offsets does not go back.
	env.As("coordinator").Do("PUT", "/api/v1/reminder-schedule", map[string]any{"offsets": []int{0, 5}}).MustStatus(http.StatusOK)
	scan(at(qms.NewDate(2026, 12, 22), 9, 0))
	if n := count(`SELECT count(*) FROM reminders_sent WHERE object_id = $1`, dir.ID); n != 3 {
		t.Fatalf("a reminder earlier than one sent was sent: %d", n)
	}
}

// TestReminderEmailsQueuedWithTheReminder: a reminder's e-mails are queued
// in the transaction that claims the reminder and writes its
// notifications. When that transaction fails after the notifications and
// the first e-mail job were written (the hook fails after queueing the
// second), no claim, notification, job or trail entry stays; the next pass
// commits one e-mail job per person notified, to their address, in their
// language; a pass after it queues nothing more.
func TestReminderEmailsQueuedWithTheReminder(t *testing.T) {
	ict := time.FixedZone("ICT", 7*3600)
	clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, ict)}
	env := apptest.New(t, apptest.WithClock(clk.now))
	chair := env.As("chairman")
	db := env.App.DB
	count := func(q string, args ...any) int { t.Helper(); return env.Count(t, q, args...) }
	if _, err := db.Exec(`UPDATE users SET email = login || '@example.org', lang = CASE login WHEN 'coordinator' THEN 'en' ELSE 'vi' END`); err != nil {
		t.Fatal(err)
	}
	var m, dir struct{ ID string }
	chair.Multipart("/api/v1/meetings", map[string]string{"held_on": "2026-12-01", "title": "Họp giao ban", "chair": "Chủ tịch UBND",
		"participants": "Phòng TNMT", "unit": "vp"},
		apptest.File{Field: "minutes", Name: "bien-ban.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}).MustStatus(http.StatusCreated).Decode(&m)
	chair.Do("POST", "/api/v1/meetings/"+m.ID+"/directives", map[string]any{"unit": "tnmt", "title": "Rà soát hồ sơ tồn",
		"report_required": "Báo cáo", "due_on": "2026-12-04"}).MustStatus(http.StatusCreated).Decode(&dir)
	// Due Friday 4 December: +3 working days is from Thursday 10 on.
	clk.set(time.Date(2026, 12, 10, 9, 0, 0, 0, ict))
	hook := queue.Mailer{Q: env.App.Queue}.SendTx
	r := *env.App.Reminders
	ctx := context.Background()
	reminderMails := func() []queuetest.Mail {
		var out []queuetest.Mail
		for _, m := range queuetest.Queued(t, db) {
			if strings.HasPrefix(m.Subject, "Reminder: ") || strings.HasPrefix(m.Subject, "Nhắc việc: ") {
				out = append(out, m)
			}
		}
		return out
	}

	r.Mail = queuetest.FailAfter(hook, 2)
	if _, err := r.Run(ctx, "directive"); !errors.Is(err, queuetest.ErrInjected) {
		t.Fatalf("the failing pass answered %v, want the injected failure", err)
	}
	if n := count(`SELECT count(*) FROM notifications WHERE kind = 'directive_reminder'`); n != 0 {
		t.Fatalf("%d notifications left by the pass that failed", n)
	}
	if n := count(`SELECT count(*) FROM reminders_sent WHERE object_id = $1`, dir.ID); n != 0 {
		t.Fatalf("the pass that failed claimed the reminder (%d rows)", n)
	}
	if n := count(`SELECT count(*) FROM trail WHERE action = 'reminder.sent'`); n != 0 {
		t.Fatalf("the pass that failed left %d trail entries", n)
	}
	if ms := reminderMails(); len(ms) != 0 {
		t.Fatalf("the pass that failed left %d e-mail jobs: %+v", len(ms), ms)
	}

	r.Mail = hook
	rep, err := r.Run(ctx, "directive")
	if err != nil || rep.Sent != 1 || rep.Notified < 2 {
		t.Fatalf("reminder pass %+v %v, want one reminder to at least the head and the coordinator", rep, err)
	}
	var people []struct{ Email, Lang string }
	if err := db.Select(&people, `SELECT u.email, u.lang FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.kind = 'directive_reminder' ORDER BY u.login`); err != nil || len(people) != rep.Notified {
		t.Fatalf("notified %+v %v", people, err)
	}
	var tnmtVI, tnmtEN string // the unit by its name, never its code
	if err := db.QueryRow(`SELECT name_vi, name_en FROM units WHERE code = 'tnmt'`).Scan(&tnmtVI, &tnmtEN); err != nil {
		t.Fatal(err)
	}
	byTo := map[string][]queuetest.Mail{}
	for _, m := range reminderMails() {
		byTo[m.To] = append(byTo[m.To], m)
	}
	if len(byTo) != len(people) {
		t.Fatalf("reminder e-mails to %v, want one to each of %+v", byTo, people)
	}
	for _, p := range people {
		prefix := map[string]string{"en": "Reminder: directive to " + tnmtEN + " is 3 working days overdue", "vi": "Nhắc việc: chỉ đạo giao " + tnmtVI}[p.Lang]
		ms := byTo[p.Email]
		if len(ms) != 1 || !strings.HasPrefix(ms[0].Subject, prefix) || !strings.Contains(ms[0].Body, "/directives/"+dir.ID) {
			t.Fatalf("reminder e-mails to %s (%s): %+v, want one starting %q with the directive's link", p.Email, p.Lang, ms, prefix)
		}
	}
	if rep, err := r.Run(ctx, "directive"); err != nil || rep.Sent != 0 || len(reminderMails()) != len(people) {
		t.Fatalf("a second pass: %+v %v; want nothing new", rep, err)
	}
}
