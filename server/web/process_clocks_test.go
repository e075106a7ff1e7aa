package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// runJob runs the scheduled job name of one instance, as its ticker would.
func runJob(t *testing.T, env *apptest.Env, name string) {
	t.Helper()
	for _, j := range env.App.Jobs {
		if j.Name == name {
			if err := j.Run(context.Background()); err != nil {
				t.Fatalf("job %s: %v", name, err)
			}
			return
		}
	}
	t.Fatalf("no job %s", name)
}

// TestClocksAgreeAcrossInstances runs two instances on one database whose
// own clocks are 20 minutes apart (b's runs ahead) and shows that every rule
// comparing times across instances decides the same on both, because each
// asks the database's clock: sessions, dossier events stamped in the
// future, due dates and the overdue flags and scans (dossiers, the analysis
// of nonconformities), and publication dates.
// Each case is chosen inside the 20 minutes, where an instance deciding by
// its own clock would disagree.
func TestClocksAgreeAcrossInstances(t *testing.T) {
	idle := apptest.WithConfig(func(c *config.Config) { c.SessionIdle = 15 * time.Minute; c.SessionMax = 8 * time.Hour })
	a := apptest.New(t, idle)
	b := a.Instance(t, apptest.WithInstanceClock(func() time.Time { return time.Now().Add(20 * time.Minute) }))
	f := a.Fixtures()
	db := a.App.DB
	dbNow := func() time.Time {
		var now time.Time
		if err := db.Get(&now, `SELECT now()`); err != nil {
			t.Fatal(err)
		}
		return now
	}
	instances := map[string]*apptest.Env{"a": a, "b": b}

	t.Run("sessions", func(t *testing.T) {
		onA := a.As("staff.tnmt")
		onA.On(b).Do("GET", "/api/v1/me", nil).MustStatus(http.StatusOK)
		onB := b.As("head.tnmt")
		onB.On(a).Do("GET", "/api/v1/me", nil).MustStatus(http.StatusOK)
		// Last seen 10 minutes ago by the database: live for both (b's own
		// clock would make it 30 minutes idle).
		for _, c := range []*apptest.Client{onA, onB} {
			if _, err := db.Exec(`UPDATE sessions s SET last_seen = now() - interval '10 minutes' FROM users u WHERE u.id = s.user_id AND u.login = $1`, c.Login); err != nil {
				t.Fatal(err)
			}
			for name, env := range instances {
				if r := c.On(env).Do("GET", "/api/v1/me", nil); r.Status != http.StatusOK {
					t.Errorf("%s idle 10 of 15 minutes, on %s: %s", c.Login, name, r)
				}
			}
		}
		// 16 minutes idle: ended for both.
		for name, env := range instances {
			c := a.As("author.tnmt")
			if _, err := db.Exec(`UPDATE sessions s SET last_seen = now() - interval '16 minutes' FROM users u WHERE u.id = s.user_id AND u.login = 'author.tnmt'`); err != nil {
				t.Fatal(err)
			}
			if r := c.On(env).Do("GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized || r.ErrorCode() != "unauthenticated" {
				t.Errorf("idle 16 of 15 minutes, on %s: %s", name, r)
			}
		}
	})

	service := f.Service(t, "tnmt", 10)
	coA := f.As("coordinator")
	coB := coA.On(b)

	t.Run("dossier receipts and events stamped in the future", func(t *testing.T) {
		number := f.Dossier(t, "coordinator", service, time.Now().Add(-time.Hour))
		for name, c := range map[string]*apptest.Client{"a": coA, "b": coB} {
			ahead := dbNow().Add(10 * time.Minute).Format(time.RFC3339)
			var fe struct {
				Error struct{ Fields map[string]string } `json:"error"`
			}
			r := c.Do("POST", "/api/v1/dossiers/"+number+"/events", map[string]any{"event_id": "ahead-" + name, "type": "handed_over", "at": ahead})
			apptest.Expect(t, "event 10 minutes ahead on "+name, r, http.StatusBadRequest, &fe)
			if fe.Error.Fields["at"] != "is in the future" {
				t.Errorf("event 10 minutes ahead on %s refused for %v, not for being in the future", name, fe.Error.Fields)
			}
			r = c.Do("POST", "/api/v1/dossiers", map[string]any{"number": "AHEAD-" + name, "service": service, "channel": "online", "received_at": ahead})
			apptest.Expect(t, "receipt 10 minutes ahead on "+name, r, http.StatusBadRequest, &fe)
			if fe.Error.Fields["received_at"] != "is in the future" {
				t.Errorf("receipt 10 minutes ahead on %s refused for %v, not for being in the future", name, fe.Error.Fields)
			}
			// Within the allowed skew: accepted on both.
			near := dbNow().Add(2 * time.Minute).Format(time.RFC3339)
			c.Do("POST", "/api/v1/dossiers/"+number+"/events", map[string]any{"event_id": "near-" + name, "type": "handed_over", "at": near}).MustStatus(http.StatusCreated)
		}
	})

	t.Run("due dates, overdue flags and the overdue scan", func(t *testing.T) {
		number := f.Dossier(t, "coordinator", service, time.Now().Add(-time.Hour))
		setDue := func(interval string) {
			if _, err := db.Exec(`UPDATE dossiers SET due_at = now() + $2::interval, late = false WHERE number = $1`, number, interval); err != nil {
				t.Fatal(err)
			}
		}
		overdue := func(c *apptest.Client) bool {
			var d struct{ Overdue bool }
			c.Do("GET", "/api/v1/dossiers/"+number, nil).MustStatus(http.StatusOK).Decode(&d)
			return d.Overdue
		}
		late := func() bool {
			var l bool
			if err := db.Get(&l, `SELECT late FROM dossiers WHERE number = $1`, number); err != nil {
				t.Fatal(err)
			}
			return l
		}
		// Due in 10 minutes by the database: not overdue on either, and the
		// scan on b (whose own clock is past the due time) flags nothing.
		setDue("10 minutes")
		if overdue(coA) || overdue(coB) {
			t.Errorf("due in 10 minutes: overdue on a %v, on b %v", overdue(coA), overdue(coB))
		}
		runJob(t, b, "process.late_and_overdue")
		if late() {
			t.Error("the overdue scan on b flagged a dossier due in 10 minutes")
		}
		// Due 10 minutes ago: overdue on both, and the scan on a flags it.
		setDue("-10 minutes")
		if !overdue(coA) || !overdue(coB) {
			t.Errorf("due 10 minutes ago: overdue on a %v, on b %v", overdue(coA), overdue(coB))
		}
		runJob(t, a, "process.late_and_overdue")
		if !late() {
			t.Error("the overdue scan on a did not flag a dossier due 10 minutes ago")
		}
	})

	t.Run("the scan for nonconformities left without a root cause", func(t *testing.T) {
		nc := f.NC(t, "tnmt")
		days := a.App.Cfg.NCAnalysisDays
		setCreated := func(offset string) {
			if _, err := db.Exec(`UPDATE ncs SET created_at = now() - make_interval(days => $2) + $3::interval, analysis_late_at = NULL WHERE id = $1`,
				nc, days, offset); err != nil {
				t.Fatal(err)
			}
		}
		lateOn := func(env *apptest.Env) bool {
			if _, err := env.App.NCs.RunOverdue(context.Background()); err != nil {
				t.Fatal(err)
			}
			var late bool
			if err := db.Get(&late, `SELECT analysis_late_at IS NOT NULL FROM ncs WHERE id = $1`, nc); err != nil {
				t.Fatal(err)
			}
			return late
		}
		// The analysis period ends in 10 minutes by the database: the
		// scan on b does not call it late; 10 minutes past it, a does.
		setCreated("10 minutes")
		if lateOn(b) {
			t.Error("the scan on b called late an analysis due in 10 minutes")
		}
		setCreated("-10 minutes")
		if !lateOn(a) {
			t.Error("the scan on a did not call late an analysis due 10 minutes ago")
		}
	})

	t.Run("publication dates", func(t *testing.T) {
		approved := func() string {
			doc := f.Document(t, "author.tnmt", "tnmt")
			rev := f.Revision(t, "author.tnmt", doc)
			f.Submit(t, "author.tnmt", rev, "head.tnmt")
			f.Review(t, "head.tnmt", rev)
			f.Approve(t, "chairman", rev)
			return rev
		}
		type revision struct {
			Status      string
			PublishedAt *time.Time `json:"published_at"`
			EffectiveAt *time.Time `json:"effective_at"`
		}
		get := func(c *apptest.Client, id string) revision {
			var out struct{ Revision revision }
			c.Do("GET", "/api/v1/revisions/"+id, nil).MustStatus(http.StatusOK).Decode(&out)
			return out.Revision
		}
		// Published on b for 10 minutes from now: scheduled, at the time
		// asked, and b's activation job leaves it scheduled.
		rev := approved()
		when := dbNow().Add(10 * time.Minute).Truncate(time.Second)
		coB.Do("POST", "/api/v1/revisions/"+rev+"/publish", map[string]any{"password": apptest.Password,
			"effective_at": when.Format(time.RFC3339)}).MustStatus(http.StatusOK)
		runJob(t, b, "documents.activate")
		for name, c := range map[string]*apptest.Client{"a": coA, "b": coB} {
			r := get(c, rev)
			if r.Status != "approved" || r.EffectiveAt == nil || !r.EffectiveAt.Equal(when) {
				t.Errorf("published on b for %s, seen on %s: %s effective %v", when, name, r.Status, r.EffectiveAt)
			}
		}
		// Published now on b: effective when it was published, by the
		// database's clock, not 20 minutes later.
		now := approved()
		coB.Do("POST", "/api/v1/revisions/"+now+"/publish", map[string]any{"password": apptest.Password}).MustStatus(http.StatusOK)
		r := get(coA, now)
		if r.Status != "effective" || r.EffectiveAt == nil || r.PublishedAt == nil {
			t.Fatalf("published now on b: %+v", r)
		}
		if d := r.EffectiveAt.Sub(*r.PublishedAt); d < -5*time.Second || d > 5*time.Second {
			t.Errorf("published now on b: effective %s, published %s (%s apart)", r.EffectiveAt, r.PublishedAt, fmt.Sprint(d))
		}
	})
}

// An event accepted with 202 before its dossier waits on the list (API and
// page, in both languages) until the scheduled job applies it, once the
// dossier has been recorded without the answer reaching the sender.
func TestPendingDossierEvents(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	service := f.Service(t, "tnmt", 10)
	staff := env.As("staff.tnmt")
	received := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	staff.Do("POST", "/api/v1/dossiers/LOST-9/events", map[string]any{"event_id": "os-1", "type": "supplement_requested",
		"at": received.Add(time.Hour).Format(time.RFC3339)}).MustStatus(http.StatusAccepted)

	type waiting struct {
		Items []struct {
			Number, Type, Sender string
			EventID              string `json:"event_id"`
			DossierUnit          string `json:"dossier_unit"`
			AgeSeconds           int64  `json:"age_seconds"`
		}
	}
	var list waiting
	staff.Do("GET", "/api/v1/dossier-events/pending", nil).MustStatus(http.StatusOK).Decode(&list)
	if len(list.Items) != 1 || list.Items[0].Number != "LOST-9" || list.Items[0].EventID != "os-1" || list.Items[0].Sender != "staff.tnmt" ||
		list.Items[0].Type != "supplement_requested" || list.Items[0].DossierUnit != "" {
		t.Fatalf("waiting events %+v", list)
	}
	r := env.As("auditor").Do("GET", "/api/v1/dossier-events/pending", nil)
	if r.Status != http.StatusForbidden || r.ErrorCode() != "forbidden" {
		t.Fatalf("auditor: %s", r)
	}
	// The page is in the navigation of those who may open it only.
	if nav := env.As("auditor").Do("GET", "/dossiers", nil).MustStatus(http.StatusOK).String(); strings.Contains(nav, `href="/dossier-events/pending"`) {
		t.Error("the auditor's navigation links the waiting events")
	}
	if nav := staff.Do("GET", "/dossiers", nil).MustStatus(http.StatusOK).String(); !strings.Contains(nav, `href="/dossier-events/pending"`) {
		t.Error("the desk's navigation lacks the waiting events")
	}
	page := staff.Do("GET", "/dossier-events/pending", nil).MustStatus(http.StatusOK).String()
	for _, want := range []string{"LOST-9", "Đang chờ hồ sơ", "Sự kiện hồ sơ đang chờ hồ sơ được tiếp nhận"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	staff.Do("PUT", "/api/v1/me/lang", map[string]string{"lang": "en"}).MustStatus(http.StatusOK)
	page = staff.Do("GET", "/dossier-events/pending", nil).MustStatus(http.StatusOK).String()
	for _, want := range []string{"LOST-9", "Waiting for the dossier", "0 h 0 min"} {
		if !strings.Contains(page, want) {
			t.Errorf("English page lacks %q", want)
		}
	}

	// The receipt commits but its answer is lost: nothing applies the event
	// until the job runs; then it is applied once, and runs after that
	// find nothing.
	ctx := qms.WithActor(context.Background(), qms.Actor{Login: "staff.tnmt"})
	d := process.Dossier{Number: "LOST-9", Service: service, Field: "land", Unit: "tnmt", Channel: process.ChannelOnlinePartial, ReceivedAt: received,
		Clock: process.Clock{Status: process.StatusProcessing, ClockStart: received, DueAt: received.AddDate(0, 0, 14), CurrentUnit: "tnmt"}}
	if _, created, err := postgres.NewProcessStore(env.App.DB).CreateDossier(ctx, d, trail.NewEvent(ctx, "dossier.receive", "dossier", "LOST-9", "tnmt", nil)); err != nil || !created {
		t.Fatalf("record: %v %v", created, err)
	}
	staff.Do("GET", "/api/v1/dossier-events/pending", nil).MustStatus(http.StatusOK).Decode(&list)
	if len(list.Items) != 1 || list.Items[0].DossierUnit != "tnmt" {
		t.Fatalf("waiting after the receipt: %+v", list)
	}
	for run := 0; run < 2; run++ {
		runJob(t, env, "process.pending_events")
		var got struct {
			Status string
			Events []struct {
				EventID string `json:"event_id"`
			} `json:"events"`
		}
		staff.Do("GET", "/api/v1/dossiers/LOST-9", nil).MustStatus(http.StatusOK).Decode(&got)
		if got.Status != "supplement" || len(got.Events) != 1 || got.Events[0].EventID != "os-1" {
			t.Fatalf("after job run %d: %+v", run+1, got)
		}
	}
	list = waiting{}
	staff.Do("GET", "/api/v1/dossier-events/pending", nil).MustStatus(http.StatusOK).Decode(&list)
	if len(list.Items) != 0 {
		t.Fatalf("still waiting after the job: %+v", list)
	}
}
