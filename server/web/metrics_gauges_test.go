package web_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// scrape reads /metrics with the token and returns the value of each
// sample line by its name and labels.
func scrape(t *testing.T, env *apptest.Env) map[string]float64 {
	t.Helper()
	req, _ := http.NewRequest("GET", env.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer metrics-secret")
	r := env.Anon().Send(req).MustStatus(http.StatusOK)
	out := map[string]float64{}
	line := regexp.MustCompile(`^([a-z_:]+(?:\{[^}]*\})?) ([-+0-9.eE]+|NaN)$`)
	for _, l := range strings.Split(string(r.Body), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			v, _ := strconv.ParseFloat(m[2], 64)
			out[m[1]] = v
		}
	}
	return out
}

// TestMetricsServeTheOfficesFigures: /metrics holds the Go runtime and the
// process beside the requests, and the office's figures by unit, each
// counting what it names: an open NC counts until it is closed, an action
// counts as overdue once its due date is past, a late dossier in process
// counts, an effective document whose review date is past counts.
func TestMetricsServeTheOfficesFigures(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.MetricsToken = "metrics-secret" }))
	f := env.Fixtures()
	db := env.App.DB
	_, overdue := f.ActionIn(t, "vhtt", "vhtt", "staff.vhtt", "", "open")
	f.ActionIn(t, "vhtt", "vhtt", "staff.vhtt", "", "open") // due today: not overdue
	yesterday := time.Now().In(f.Loc).AddDate(0, 0, -1).Format("2006-01-02")
	if _, err := db.Exec(`UPDATE nc_actions SET due = $2, verify_after = $2 WHERE id = $1`, overdue, yesterday); err != nil {
		t.Fatal(err)
	}
	docID, _ := f.EffectiveDocument(t, "vhtt")
	if _, err := db.Exec(`UPDATE documents SET next_review_at = now() - interval '1 day' WHERE id = $1`, docID); err != nil {
		t.Fatal(err)
	}
	svc := f.Service(t, "vhtt", 1)
	number := f.Dossier(t, "staff.vhtt", svc, time.Now().AddDate(0, 0, -20))
	if _, err := db.Exec(`UPDATE dossiers SET late = true WHERE number = $1`, number); err != nil {
		t.Fatal(err)
	}

	m := scrape(t, env)
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "qmstrack_office_gauges_up"} {
		if _, ok := m[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if m["qmstrack_office_gauges_up"] != 1 {
		t.Errorf("the office's figures could not be read")
	}
	for series, want := range map[string]float64{
		`qmstrack_open_ncs{unit="vhtt"}`:             2,
		`qmstrack_overdue_actions{unit="vhtt"}`:      1,
		`qmstrack_documents_review_due{unit="vhtt"}`: 1,
		`qmstrack_late_open_dossiers{unit="vhtt"}`:   1,
	} {
		if m[series] != want {
			t.Errorf("%s = %v, want %v", series, m[series], want)
		}
	}
	if _, ok := m[`qmstrack_open_ncs{unit="noivu"}`]; ok {
		t.Errorf("a unit without open NCs has a series")
	}
}
