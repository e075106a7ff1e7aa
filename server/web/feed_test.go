package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// feedEvents reads a feed as its calendar application would (no session)
// and returns its events by UID, with each event's summary and days.
type feedEvent struct{ Summary, Start, End, URL string }

func readFeed(t *testing.T, env *apptest.Env, feedURL string) (int, map[string]feedEvent) {
	t.Helper()
	u, err := url.Parse(feedURL)
	if err != nil {
		t.Fatalf("feed url %q: %v", feedURL, err)
	}
	r := env.Anon().Do("GET", u.Path, nil)
	if r.Status != http.StatusOK {
		return r.Status, nil
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Fatalf("feed content type %q", ct)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(string(r.Body)))
	if err != nil {
		t.Fatalf("feed does not parse as iCal: %v\n%s", err, r.Body)
	}
	out := map[string]feedEvent{}
	for _, ev := range cal.Events() {
		get := func(p ics.ComponentProperty) string {
			if v := ev.GetProperty(p); v != nil {
				return v.Value
			}
			return ""
		}
		out[ev.Id()] = feedEvent{Summary: get(ics.ComponentPropertySummary), Start: get(ics.ComponentPropertyDtStart),
			End: get(ics.ComponentPropertyDtEnd), URL: get(ics.ComponentPropertyUrl)}
	}
	return r.Status, out
}

func makeFeed(t *testing.T, c *apptest.Client) string {
	t.Helper()
	var out struct {
		URL     string `json:"url"`
		Enabled bool   `json:"enabled"`
	}
	apptest.Expect(t, "make feed", c.Do("POST", "/api/v1/calendar-feed", nil), http.StatusCreated, &out)
	if !out.Enabled || !strings.Contains(out.URL, "/ical/qcal_") || !strings.HasSuffix(out.URL, ".ics") {
		t.Fatalf("feed answer %+v", out)
	}
	return out.URL
}

// hasKind tells whether events hold the object of that kind.
func hasKind(events map[string]feedEvent, kind, id string) (feedEvent, bool) {
	for uid, ev := range events {
		if strings.HasPrefix(uid, kind+"-"+id+"@") {
			return ev, true
		}
	}
	return feedEvent{}, false
}

// TestCalendarFeedHoldsTheHoldersDueDates: each person's feed holds the due
// dates that are theirs and no one else's: the owner's action (not the
// head's), the head's directive, review and dossier (not the staff's
// directive), the audit for its lead auditor over its days, nothing of
// tnmt for noivu; within the window, in the holder's language.
func TestCalendarFeedHoldsTheHoldersDueDates(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	db := env.App.DB
	_, actionID := f.ActionIn(t, "tnmt", "tnmt", "staff.tnmt", "", "open")
	_, farAction := f.ActionIn(t, "tnmt", "tnmt", "staff.tnmt", "", "open")
	// One action just inside the window, one just outside it.
	today := time.Now().In(f.Loc)
	if _, err := db.Exec(`UPDATE nc_actions SET due = $2, verify_after = $2 WHERE id = $1`, farAction, today.AddDate(0, 0, 401).Format("2006-01-02")); err != nil {
		t.Fatal(err)
	}
	meeting := f.Meeting(t, "chairman")
	directive := f.Directive(t, "chairman", meeting, "tnmt")
	docID, _ := f.EffectiveDocument(t, "tnmt")
	auditID, _ := f.Audit(t, "tnmt", "auditor")
	svc := f.Service(t, "tnmt", 5)
	number := f.Dossier(t, "staff.tnmt", svc, time.Now())
	var dossierID string
	if err := db.Get(&dossierID, `SELECT id::text FROM dossiers WHERE number = $1`, number); err != nil {
		t.Fatal(err)
	}

	staff := f.As("staff.tnmt")
	_, events := readFeed(t, env, makeFeed(t, staff))
	ev, ok := hasKind(events, "action", actionID)
	if !ok {
		t.Fatalf("the owner's feed lacks the action due today: %v", events)
	}
	if want := today.Format("20060102"); ev.Start != want || !strings.HasPrefix(ev.Summary, "Hạn hành động khắc phục") {
		t.Errorf("action event %+v, want an all-day event on %s named in Vietnamese", ev, want)
	}
	if _, ok := hasKind(events, "action", farAction); ok {
		t.Errorf("an action due in 401 days is in the feed (the window reaches 400)")
	}
	if _, ok := hasKind(events, "dossier", dossierID); !ok {
		t.Errorf("the staff's feed lacks the unit's open dossier")
	}
	for _, k := range [][2]string{{"directive", directive}, {"audit", auditID}, {"review", docID}} {
		if _, ok := hasKind(events, k[0], k[1]); ok {
			t.Errorf("the staff's feed holds the %s %s, which is not theirs", k[0], k[1])
		}
	}

	head := f.As("head.tnmt")
	apptest.Expect(t, "head in English", head.Do("PUT", "/api/v1/me/lang", map[string]string{"lang": "en"}), http.StatusOK, nil)
	headURL := makeFeed(t, head)
	_, events = readFeed(t, env, headURL)
	ev, ok = hasKind(events, "directive", directive)
	if !ok || !strings.HasPrefix(ev.Summary, "Directive report due") || !strings.HasSuffix(ev.URL, "/directives/"+directive) {
		t.Errorf("the head's feed: directive %+v (%v), want it in English with its page", ev, ok)
	}
	for _, k := range [][2]string{{"review", docID}, {"dossier", dossierID}} {
		if _, ok := hasKind(events, k[0], k[1]); !ok {
			t.Errorf("the head's feed lacks the %s %s", k[0], k[1])
		}
	}
	if _, ok := hasKind(events, "action", actionID); ok {
		t.Errorf("the head's feed holds the staff's action")
	}

	_, events = readFeed(t, env, makeFeed(t, f.As("auditor")))
	ev, ok = hasKind(events, "audit", auditID)
	if !ok || ev.Start != today.Format("20060102") || ev.End != today.AddDate(0, 0, 8).Format("20060102") {
		t.Errorf("the lead auditor's audit event %+v (%v): want its days, today to the 7th day (DTEND exclusive)", ev, ok)
	}

	_, events = readFeed(t, env, makeFeed(t, f.As("head.noivu")))
	for uid := range events {
		for _, id := range []string{actionID, directive, docID, auditID, dossierID} {
			if strings.Contains(uid, id) {
				t.Errorf("head.noivu's feed holds %s of tnmt", uid)
			}
		}
	}

	// The page of the account offers the feed, in the reader's language.
	page := head.Do("GET", "/account", nil).MustStatus(http.StatusOK)
	if !strings.Contains(string(page.Body), "Your calendar feed is on.") {
		t.Errorf("the account page does not say the head's feed is on")
	}
}

// TestCalendarFeedAddressEndsWhenReplacedOrRevoked: a new address ends the
// old one, revoking ends the feed, every wrong address gets the same 404,
// and each act is in the trail; revoking a feed one does not have is a
// 404 that says so, and writes nothing.
func TestCalendarFeedAddressEndsWhenReplacedOrRevoked(t *testing.T) {
	env := apptest.New(t)
	c := env.As("staff.vp")
	first := makeFeed(t, c)
	second := makeFeed(t, c)
	if st, _ := readFeed(t, env, first); st != http.StatusNotFound {
		t.Errorf("the replaced address answers %d, want 404", st)
	}
	if st, _ := readFeed(t, env, second); st != http.StatusOK {
		t.Errorf("the new address answers %d", st)
	}
	var status struct {
		Enabled  bool    `json:"enabled"`
		LastUsed *string `json:"last_used"`
	}
	apptest.Expect(t, "status", c.Do("GET", "/api/v1/calendar-feed", nil), http.StatusOK, &status)
	if !status.Enabled || status.LastUsed == nil {
		t.Errorf("status %+v, want on and read", status)
	}
	// A suspended account's feed opens nothing, and opens again when the account is back.
	db := env.App.DB
	if _, err := db.Exec(`UPDATE users SET status = 'disabled' WHERE login = 'staff.vp'`); err != nil {
		t.Fatal(err)
	}
	if st, _ := readFeed(t, env, second); st != http.StatusNotFound {
		t.Errorf("a disabled account's feed answers %d, want 404", st)
	}
	if _, err := db.Exec(`UPDATE users SET status = 'active' WHERE login = 'staff.vp'`); err != nil {
		t.Fatal(err)
	}
	if st, _ := readFeed(t, env, second); st != http.StatusOK {
		t.Errorf("the feed of the account back in service answers %d", st)
	}
	apptest.Expect(t, "revoke", c.Do("DELETE", "/api/v1/calendar-feed", nil), http.StatusOK, nil)
	if st, _ := readFeed(t, env, second); st != http.StatusNotFound {
		t.Errorf("the revoked address answers %d, want 404", st)
	}
	var trail int
	if err := env.App.DB.Get(&trail, `SELECT count(*) FROM trail WHERE action LIKE 'calendar_feed.%'`); err != nil || trail != 3 {
		t.Errorf("trail holds %d feed entries (%v), want 3: two made, one revoked", trail, err)
	}
	r := c.Do("DELETE", "/api/v1/calendar-feed", nil)
	if r.Status != http.StatusNotFound || errorMessage(t, r) != "you have no calendar feed to revoke" {
		t.Errorf("revoking no feed: %s", r)
	}
	if err := env.App.DB.Get(&trail, `SELECT count(*) FROM trail WHERE action LIKE 'calendar_feed.%'`); err != nil || trail != 3 {
		t.Errorf("a refused revocation wrote the trail: %d entries", trail)
	}
	for _, p := range []string{"/ical/qcal_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics", "/ical/" + strings.TrimSuffix(second[strings.LastIndex(second, "/")+1:], ".ics"),
		"/ical/nothing.ics", "/ical/" + strings.TrimSuffix(second[strings.LastIndex(second, "/")+1:], ".ics") + ".txt"} {
		if r := env.Anon().Do("GET", p, nil); r.Status != http.StatusNotFound {
			t.Errorf("GET %s answers %d, want 404", p, r.Status)
		}
	}
}
