package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/queue"
)

// TestJobsRetryAndCancel: an administrator of every unit lists jobs by
// state, cancels a waiting job and retries it; a finished job cannot be
// cancelled, one already waiting to run cannot be retried (each refusal
// with its message and nothing changed); anyone else is refused; each act
// writes its trail entry.
func TestJobsRetryAndCancel(t *testing.T) {
	env := apptest.New(t) // the queue is not started: jobs stay where the test puts them
	id, err := env.App.Queue.Enqueue(context.Background(), queue.KindMail, queue.Mail{To: "a@example.org", Subject: "s", Body: "b"},
		queue.Opts{At: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	sid := strconv.FormatInt(id, 10)
	admin := env.As("admin")
	state := func() string {
		var j qms.Job
		if err := env.App.DB.Get(&j.State, `SELECT state FROM river_job WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		return j.State
	}
	var list struct{ Jobs []qms.Job }
	apptest.Expect(t, "scheduled", admin.Do("GET", "/api/v1/jobs?state=scheduled", nil), http.StatusOK, &list)
	if len(list.Jobs) != 1 || list.Jobs[0].ID != id || list.Jobs[0].Kind != queue.KindMail {
		t.Fatalf("scheduled jobs %+v", list.Jobs)
	}
	apptest.Expect(t, "completed", admin.Do("GET", "/api/v1/jobs?state=completed", nil), http.StatusOK, &list)
	if len(list.Jobs) != 0 {
		t.Fatalf("completed jobs %+v", list.Jobs)
	}
	if r := admin.Do("GET", "/api/v1/jobs?state=lost", nil); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `\"lost\" is not a state of a job`) {
		t.Fatalf("unknown state: %s", r)
	}

	// Refused to people who are not administrators of every unit.
	for _, who := range []string{"coordinator", "head.tnmt", "staff.tnmt"} {
		for _, act := range []string{"retry", "cancel"} {
			if r := env.As(who).Do("POST", "/api/v1/jobs/"+sid+"/"+act, nil); r.Status != http.StatusForbidden {
				t.Errorf("%s %s: %s", who, act, r)
			}
		}
	}
	if s := state(); s != "scheduled" {
		t.Fatalf("after refusals the job is %s", s)
	}
	trailCount := func(action string) int {
		var n int
		_ = env.App.DB.Get(&n, `SELECT count(*) FROM trail WHERE action = $1 AND object_id = $2`, action, sid)
		return n
	}
	if trailCount("job.retry")+trailCount("job.cancel") != 0 {
		t.Fatal("a refusal wrote the trail")
	}

	var j qms.Job
	apptest.Expect(t, "cancel", admin.Do("POST", "/api/v1/jobs/"+sid+"/cancel", nil), http.StatusOK, &j)
	if j.State != "cancelled" || state() != "cancelled" || trailCount("job.cancel") != 1 {
		t.Fatalf("cancelled: %+v (%s)", j, state())
	}
	r := admin.Do("POST", "/api/v1/jobs/"+sid+"/cancel", nil)
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "job "+sid+" has finished (cancelled) and cannot be cancelled") {
		t.Fatalf("cancel twice: %s", r)
	}
	apptest.Expect(t, "retry", admin.Do("POST", "/api/v1/jobs/"+sid+"/retry", nil), http.StatusOK, &j)
	if j.State != "available" || state() != "available" || trailCount("job.retry") != 1 {
		t.Fatalf("retried: %+v (%s)", j, state())
	}
	r = admin.Do("POST", "/api/v1/jobs/"+sid+"/retry", nil)
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "job "+sid+" is available: only a job that is waiting or has finished can be retried") {
		t.Fatalf("retry twice: %s", r)
	}
	if trailCount("job.retry") != 1 || trailCount("job.cancel") != 1 {
		t.Fatal("a refused act wrote the trail")
	}
	if r := admin.Do("POST", "/api/v1/jobs/99999999/retry", nil); r.Status != http.StatusNotFound {
		t.Fatalf("no such job: %s", r)
	}
	if r := admin.Do("POST", "/api/v1/jobs/x/cancel", nil); r.Status != http.StatusNotFound {
		t.Fatalf("not an id: %s", r)
	}
	// The page lists it with its buttons.
	page := admin.Do("GET", "/admin/jobs?state=available", nil).MustStatus(200)
	if !strings.Contains(string(page.Body), `id="job-`+sid+`"`) {
		t.Fatalf("the jobs page does not list job %s", sid)
	}
}

// TestJobsPageHidesMailBodies: an e-mail job is listed with its recipient
// and subject, never its body (which may carry a sign-in link).
func TestJobsPageHidesMailBodies(t *testing.T) {
	env := apptest.New(t)
	if _, err := env.App.Queue.Enqueue(context.Background(), queue.KindMail, queue.Mail{To: "a@example.org", Subject: "Đặt lại mật khẩu",
		Body: "https://qms.test/password-reset/confirm?token=SECRET-TOKEN"}, queue.Opts{At: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	r := env.As("admin").Do("GET", "/api/v1/jobs", nil).MustStatus(http.StatusOK)
	if strings.Contains(string(r.Body), "SECRET-TOKEN") || !strings.Contains(string(r.Body), "a@example.org") {
		t.Fatalf("jobs list: %s", r.Body)
	}
	if page := env.As("admin").Do("GET", "/admin/jobs", nil).MustStatus(http.StatusOK); strings.Contains(string(page.Body), "SECRET-TOKEN") {
		t.Fatal("the jobs page shows an e-mail's body")
	}
}
