//go:build browser

package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
	"github.com/qmstrack/qmstrack/server/queue"
)

// The queue's main path: the administrator adds a webhook on its page,
// an NC raised afterwards shows as delivered in the webhook's log; on the
// jobs page the administrator retries a failed job (an e-mail that could
// not be sent).
func TestBrowserWebhookDeliveredAndJobRetried(t *testing.T) {
	env := webhookEnv(t)
	rcv := newReceiver(t, hookSecret)
	ctx := browsertest.New(t, 3*time.Minute)
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			browsertest.Screenshot(ctx, "queue-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := browsertest.Login(ctx, env.URL, "admin", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var url string
	step("add webhook",
		chromedp.Navigate(env.URL+"/admin/webhooks"),
		chromedp.WaitVisible("#webhook-form", chromedp.ByID),
		chromedp.SetValue(`#webhook-form input[name=url]`, rcv.URL+"/qms", chromedp.ByQuery),
		chromedp.Click(`#webhook-form input[value="nc.raised"]`, chromedp.ByQuery),
		chromedp.SetValue(`#webhook-form input[name=secret]`, hookSecret, chromedp.ByQuery),
		chromedp.Click("#webhook-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#webhook", chromedp.ByID),
		chromedp.Text("#webhook code", &url, chromedp.ByQuery),
	)
	if url != rcv.URL+"/qms" {
		t.Fatalf("the webhook's page shows %q", url)
	}
	var loc string
	step("location", chromedp.Location(&loc))
	env.Fixtures().NC(t, "tnmt")
	waitFor(t, "the delivery", 10*time.Second, func() bool { return len(rcv.received()) == 1 })
	var status string
	waitFor(t, "the log shows it delivered", 10*time.Second, func() bool {
		step("log", chromedp.Navigate(loc), chromedp.WaitVisible("#deliveries", chromedp.ByID),
			chromedp.AttributeValue("#deliveries tbody tr", "data-status", &status, nil, chromedp.ByQuery))
		return status == "delivered"
	})

	// A failed job: an e-mail with no SMTP server to send it, given up.
	id, err := env.App.Queue.Enqueue(context.Background(), queue.KindMail, queue.Mail{To: "a@example.org", Subject: "s", Body: "b"}, queue.Opts{})
	if err != nil {
		t.Fatal(err)
	}
	sid := strconv.FormatInt(id, 10)
	waitFor(t, "the e-mail job given up", 10*time.Second, func() bool {
		var st string
		_ = env.App.DB.Get(&st, `SELECT state FROM river_job WHERE id = $1`, id)
		return st == "cancelled"
	})
	var errText, flash string
	step("retry",
		chromedp.Navigate(env.URL+"/admin/jobs?state=cancelled"),
		chromedp.WaitVisible("#job-"+sid, chromedp.ByID),
		chromedp.Text("#job-"+sid+" .job-error", &errText, chromedp.ByQuery),
		chromedp.Click("#job-"+sid+" button.retry", chromedp.ByQuery),
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
		chromedp.Text("#flash-ok", &flash, chromedp.ByID),
	)
	if !strings.Contains(errText, "no SMTP server") {
		t.Fatalf("the job's error on the page: %q", errText)
	}
	if !strings.Contains(flash, "sẽ được chạy lại") && !strings.Contains(flash, "will run again") {
		t.Fatalf("flash after retry: %q", flash)
	}
	var n int
	_ = env.App.DB.Get(&n, `SELECT count(*) FROM trail WHERE action = 'job.retry' AND object_id = $1`, sid)
	if n != 1 {
		t.Fatalf("%d trail entries of the retry", n)
	}
	waitFor(t, "the retried job ran again", 10*time.Second, func() bool {
		var attempts int
		_ = env.App.DB.Get(&attempts, `SELECT attempt FROM river_job WHERE id = $1`, id)
		return attempts == 2
	})
}
