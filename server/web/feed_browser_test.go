//go:build browser

package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// A person owning a corrective action makes their calendar address on the
// account page, and the address (read as a calendar application would,
// without a session) holds the action; revoking it on the page ends it.
func TestBrowserCalendarFeed(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	_, actionID := f.ActionIn(t, "vhtt", "vhtt", "staff.vhtt", "", "open")
	ctx := browsertest.New(t, 2*time.Minute)
	if err := browsertest.Login(ctx, env.URL, "staff.vhtt", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var before, address, after string
	err := chromedp.Run(ctx,
		browsertest.NavigateAction(env.URL+"/account"),
		chromedp.WaitVisible("#feed-state", chromedp.ByID),
		chromedp.Text("#feed-state", &before, chromedp.ByID),
		chromedp.Click("#feed-create", chromedp.ByID),
		chromedp.WaitVisible("#new-feed code", chromedp.ByQuery),
		chromedp.Text("#new-feed code", &address, chromedp.ByQuery),
	)
	if err != nil {
		browsertest.Screenshot(ctx, "calendar-feed")
		t.Fatal(err)
	}
	if !strings.Contains(before, "Chưa bật") {
		t.Errorf("before: %q", before)
	}
	u, err := url.Parse(strings.TrimSpace(address))
	if err != nil {
		t.Fatalf("address %q: %v", address, err)
	}
	r := env.Anon().Do("GET", u.Path, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "action-"+actionID+"@") {
		t.Fatalf("the feed at %s: %d, want the action %s in it:\n%s", u.Path, r.Status, actionID, r.Body)
	}
	err = chromedp.Run(ctx,
		chromedp.Click("#feed-revoke", chromedp.ByID),
		// The state is read on the page after the revocation, once it has
		// loaded, not on the page being left.
		browsertest.Replaced("#feed-revoke", "#feed-state"),
		chromedp.Text("#feed-state", &after, chromedp.ByID),
	)
	if err != nil {
		browsertest.Screenshot(ctx, "calendar-feed-revoke")
		t.Fatal(err)
	}
	if !strings.Contains(after, "Chưa bật") {
		t.Errorf("after revoking: %q", after)
	}
	if r := env.Anon().Do("GET", u.Path, nil); r.Status != 404 {
		t.Errorf("the revoked address answers %d", r.Status)
	}
}
