package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// effects are what each registered job leaves in the database, counted.
type effects struct {
	Activated       int // documents.activate: the scheduled revision in force
	Indexed         int // documents.index: the file's text stored for search
	IndexClaims     int // … and how often the file was claimed for it
	AnalysisOverdue int // nc-overdue: trail entries of the late root cause
	AnalysisNotes   int // … its notifications (one per person)
	AnalysisPeople  int
	RecordNotes     int // record-expiry: notifications of the ended retention
	RecordPeople    int
	LateNC          int // process.late_and_overdue: the late dossier's NC
	DirectiveEsc    int // … the overdue directive's escalation entries
	DirectiveNotes  int
	DirectivePeople int
	RecordLocked    int // record-pending: the version whose retention was still to apply, locked
	ObjectChecks    int // objects.reconcile: checks of the rows against the bucket
	PendingApplied  int // process.pending_events: the early event, now in its dossier
	PendingCleared  int // … and no longer waiting (1 once cleared)
}

func (e effects) all() bool {
	return e.Activated == 1 && e.Indexed == 1 && e.AnalysisOverdue > 0 && e.RecordNotes > 0 && e.LateNC > 0 && e.DirectiveEsc > 0 &&
		e.RecordLocked == 1 && e.ObjectChecks > 0 && e.PendingApplied == 1 && e.PendingCleared == 1
}

// TestRunJobsFiresEveryJobOnceAcrossInstances builds two applications on
// one database (two instances of a cluster), starts RunJobs on both with a
// short interval, and shows that every registered job fires through that
// wiring (its effect appears in the database) and fires once: the counts do
// not grow however many more rounds both instances run.
func TestRunJobsFiresEveryJobOnceAcrossInstances(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)} // 09:00 in the office
	env := apptest.New(t, apptest.WithClock(clk.now))
	names := map[string]bool{}
	for _, j := range env.App.Jobs {
		names[j.Name] = true
	}
	for _, n := range []string{"documents.activate", "documents.index", "nc-overdue", "record-expiry", "process.late_and_overdue",
		"record-pending", "objects.reconcile", "process.pending_events"} {
		if !names[n] {
			t.Fatalf("job %s is not registered (%v)", n, names)
		}
	}
	if len(names) != 8 {
		t.Fatalf("registered jobs %v: a new one needs its effect in this test", names)
	}
	coord, author, head, chair := env.As("coordinator"), env.As("author.tnmt"), env.As("head.tnmt"), env.As("chairman")

	// documents.activate and documents.index: a revision published for
	// 12 March, its file's text not yet extracted.
	var doc struct{ ID string }
	coord.Do("POST", "/api/v1/documents", map[string]any{"code": "QT-JOB", "title": "Quy trình hẹn ngày", "type": "procedure",
		"unit": "tnmt"}).MustStatus(http.StatusCreated).Decode(&doc)
	var rev struct {
		ID    string
		Files []struct{ ID string }
	}
	author.Multipart("/api/v1/documents/"+doc.ID+"/revisions", map[string]string{"change": "Ban hành"},
		apptest.File{Field: "file", Name: "quy-trinh.txt", Content: []byte("Tiếp nhận hồ sơ đất đai tại bộ phận một cửa")}).
		MustStatus(http.StatusCreated).Decode(&rev)
	author.Do("POST", "/api/v1/revisions/"+rev.ID+"/submit", map[string]any{"reviewers": []string{"head.tnmt"}}).MustStatus(200)
	head.Do("POST", "/api/v1/revisions/"+rev.ID+"/review", map[string]any{"decision": "approve", "password": apptest.Password}).MustStatus(200)
	chair.Do("POST", "/api/v1/revisions/"+rev.ID+"/approve", map[string]any{"password": apptest.Password}).MustStatus(200)
	coord.Do("POST", "/api/v1/revisions/"+rev.ID+"/publish", map[string]any{"password": apptest.Password, "effective_at": "12/03/2026"}).MustStatus(200)

	// nc-overdue: an NC left without a root cause past the 14 days.
	var nc struct{ ID string }
	coord.Do("POST", "/api/v1/ncs", map[string]any{"source": "self_report", "severity": "minor", "unit": "tnmt",
		"title": "Hồ sơ trả chậm"}).MustStatus(http.StatusCreated).Decode(&nc)

	// record-expiry: a form filed after its five years of retention ended.
	var rec struct{ ID string }
	env.As("staff.tnmt").Multipart("/api/v1/records", map[string]string{"type": "filled-form", "unit": "tnmt", "title": "Phiếu cũ", "date": "2015-03-01"},
		apptest.File{Field: "file", Name: "phieu.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}).MustStatus(http.StatusCreated).Decode(&rec)

	// process.late_and_overdue: an open dossier due in ten days, and a
	// leadership directive due on 5 March.
	coord.Do("POST", "/api/v1/services", map[string]any{"code": "DD-01", "name_vi": "Đăng ký biến động đất đai", "field": "land",
		"unit": "tnmt", "days": 10}).MustStatus(http.StatusCreated)
	env.As("staff.tnmt").Do("POST", "/api/v1/dossiers", map[string]any{"number": "JOB-1", "service": "DD-01", "channel": "online",
		"received_at": "2026-03-02T09:00:00+07:00"}).MustStatus(http.StatusCreated)
	var m, dir struct{ ID string }
	chair.Multipart("/api/v1/meetings", map[string]string{"held_on": "2026-03-02", "title": "Họp giao ban", "chair": "Chủ tịch UBND",
		"participants": "Phòng TNMT", "unit": "vp"},
		apptest.File{Field: "minutes", Name: "bien-ban.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}).MustStatus(http.StatusCreated).Decode(&m)
	chair.Do("POST", "/api/v1/meetings/"+m.ID+"/directives", map[string]any{"unit": "tnmt", "title": "Rà soát hồ sơ tồn",
		"report_required": "Báo cáo", "due_on": "2026-03-05"}).MustStatus(http.StatusCreated).Decode(&dir)

	// record-pending: a form filed today whose retention is still to be
	// applied (the process stopped between the row and the lock).
	var fresh struct{ ID string }
	env.As("staff.tnmt").Multipart("/api/v1/records", map[string]string{"type": "filled-form", "unit": "tnmt", "title": "Phiếu mới", "date": "2026-03-01"},
		apptest.File{Field: "file", Name: "phieu-moi.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}).MustStatus(http.StatusCreated).Decode(&fresh)
	if _, err := env.App.DB.Exec(`UPDATE record_versions SET lock_pending = true WHERE record_id = $1`, fresh.ID); err != nil {
		t.Fatal(err)
	}

	// process.pending_events: an event sent before its dossier, whose
	// receipt then committed without the answer reaching the sender.
	env.As("staff.tnmt").Do("POST", "/api/v1/dossiers/JOB-2/events", map[string]any{"event_id": "os-1", "type": "supplement_requested",
		"at": "2026-03-02T08:58:00+07:00"}).MustStatus(http.StatusAccepted)
	received := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
	actx := qms.WithActor(context.Background(), qms.Actor{Login: "staff.tnmt"})
	lost := process.Dossier{Number: "JOB-2", Service: "DD-01", Field: "land", Unit: "tnmt", Channel: process.ChannelOnlinePartial, ReceivedAt: received,
		Clock: process.Clock{Status: process.StatusProcessing, ClockStart: received, DueAt: received.AddDate(0, 0, 14), CurrentUnit: "tnmt"}}
	if _, created, err := postgres.NewProcessStore(env.App.DB).CreateDossier(actx, lost, trail.NewEvent(actx, "dossier.receive", "dossier", "JOB-2", "tnmt", nil)); err != nil || !created {
		t.Fatalf("record JOB-2: %v %v", created, err)
	}

	count := func(q string, args ...any) int { t.Helper(); return env.Count(t, q, args...) }
	observe := func() effects {
		t.Helper()
		var e effects
		e.Activated = count(`SELECT count(*) FROM documents WHERE id = $1 AND effective_rev = $2`, doc.ID, rev.ID)
		e.Indexed = count(`SELECT count(*) FROM revision_files WHERE id = $1 AND text_state = 'indexed'`, rev.Files[0].ID)
		e.IndexClaims = count(`SELECT text_tries FROM revision_files WHERE id = $1`, rev.Files[0].ID)
		e.AnalysisOverdue = count(`SELECT count(*) FROM trail WHERE action = 'nc.analysis_overdue' AND object_id = $1`, nc.ID)
		e.AnalysisNotes = count(`SELECT count(*) FROM notifications WHERE link = $1`, "/ncs/"+nc.ID)
		e.AnalysisPeople = count(`SELECT count(DISTINCT user_id) FROM notifications WHERE link = $1`, "/ncs/"+nc.ID)
		e.RecordNotes = count(`SELECT count(*) FROM notifications WHERE kind = 'record_due' AND link = $1`, "/records/"+rec.ID)
		e.RecordPeople = count(`SELECT count(DISTINCT user_id) FROM notifications WHERE kind = 'record_due' AND link = $1`, "/records/"+rec.ID)
		e.LateNC = count(`SELECT count(*) FROM trail WHERE action = 'dossier.late_nc' AND object_id = 'JOB-1'`)
		e.DirectiveEsc = count(`SELECT count(*) FROM trail WHERE action = 'directive.escalate' AND object_id = $1`, dir.ID)
		e.DirectiveNotes = count(`SELECT count(*) FROM notifications WHERE kind = 'directive_overdue' AND link = $1`, "/directives/"+dir.ID)
		e.DirectivePeople = count(`SELECT count(DISTINCT user_id) FROM notifications WHERE kind = 'directive_overdue' AND link = $1`, "/directives/"+dir.ID)
		e.RecordLocked = count(`SELECT count(*) FROM record_versions WHERE record_id = $1 AND NOT lock_pending`, fresh.ID)
		e.ObjectChecks = count(`SELECT count(*) FROM object_checks`)
		e.PendingApplied = count(`SELECT count(*) FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id WHERE d.number = 'JOB-2'`)
		e.PendingCleared = 1 - count(`SELECT count(*) FROM dossier_pending_events WHERE number = 'JOB-2'`)
		return e
	}
	if e := observe(); e != (effects{}) {
		t.Fatalf("effects before any job ran: %+v", e)
	}

	// Three weeks later, a second instance on the same database.
	clk.set(time.Date(2026, 3, 25, 3, 0, 0, 0, time.UTC))
	db2, err := postgres.Open(context.Background(), env.DBURL, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	second, err := app.New(env.App.Cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), db2, env.App.Blob, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, a := range []*app.App{env.App, second} {
		wg.Go(func() { a.RunJobs(ctx, 25*time.Millisecond) })
	}
	deadline := time.Now().Add(60 * time.Second)
	e := observe()
	for !e.all() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		e = observe()
	}
	if !e.all() {
		cancel()
		wg.Wait()
		t.Fatalf("not every job fired through RunJobs within 60 s: %+v", e)
	}
	// Both instances go on for many more rounds: nothing fires again.
	time.Sleep(40 * 25 * time.Millisecond)
	cancel()
	stopped := make(chan struct{})
	go func() { wg.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("RunJobs did not return after its context ended")
	}
	final := observe()
	if final != e {
		t.Fatalf("effects grew after they first appeared: %+v, then %+v", e, final)
	}
	if final.IndexClaims != 1 || final.AnalysisOverdue != 1 || final.LateNC != 1 || final.DirectiveEsc != 1 ||
		final.ObjectChecks != 1 || final.PendingApplied != 1 {
		t.Fatalf("a job fired more than once across the two instances: %+v", final)
	}
	for what, n := range map[string][2]int{"NC": {final.AnalysisNotes, final.AnalysisPeople},
		"record": {final.RecordNotes, final.RecordPeople}, "directive": {final.DirectiveNotes, final.DirectivePeople}} {
		if n[0] == 0 || n[0] != n[1] {
			t.Errorf("%s: %d notifications for %d people, want one each", what, n[0], n[1])
		}
	}
	// The document the job put in force is served as the current revision.
	if got := env.As("staff.tnmt").Do("GET", "/api/v1/documents/"+doc.ID, nil).MustStatus(200); !bytes.Contains(got.Body, []byte(`"status":"effective"`)) {
		t.Fatalf("document after activation: %s", got.Body)
	}
}

// TestRunJobsTakesTheJobLock: RunJobs on two instances never runs the same
// job at once (each run holds the job's advisory lock), yet both go on
// running it round after round; the registered jobs have a key each.
func TestRunJobsTakesTheJobLock(t *testing.T) {
	env := apptest.New(t)
	keys := map[int64]string{}
	for _, j := range env.App.Jobs {
		if other, dup := keys[j.Key]; dup {
			t.Fatalf("jobs %s and %s share the lock key %d", other, j.Name, j.Key)
		}
		keys[j.Key] = j.Name
	}
	db2, err := postgres.Open(context.Background(), env.DBURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	second, err := app.New(env.App.Cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), db2, env.App.Blob, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	active, most, runs := 0, 0, map[string]int{}
	probe := func(instance string) app.Job {
		return app.Job{Name: "probe", Key: 7262999, Run: func(ctx context.Context) error {
			mu.Lock()
			active++
			most = max(most, active)
			runs[instance]++
			mu.Unlock()
			time.Sleep(30 * time.Millisecond)
			mu.Lock()
			active--
			mu.Unlock()
			return nil
		}}
	}
	env.App.Jobs, second.Jobs = []app.Job{probe("first")}, []app.Job{probe("second")}
	// Both instances run their jobs until the probe has run ten times (the
	// first run waits for the queue's leader election, which takes longer
	// on a loaded machine), or 60 s have passed.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { env.App.RunJobs(ctx, 5*time.Millisecond) })
	wg.Go(func() { second.RunJobs(ctx, 5*time.Millisecond) })
	wg.Go(func() {
		for ctx.Err() == nil {
			mu.Lock()
			n := runs["first"] + runs["second"]
			mu.Unlock()
			if n >= 10 {
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if runs["first"]+runs["second"] < 10 {
		t.Fatalf("the job ran only %v times in 60 s at a 5 ms interval", runs)
	}
	if most != 1 {
		t.Fatalf("the job ran %d times at once across the instances", most)
	}
}
