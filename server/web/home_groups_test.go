package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// The home page leads with a counter per kind of task and folds a long list
// under its count: a unit head with seven documents to acknowledge sees
// "7 tài liệu chờ xác nhận đã đọc", five of them listed and two under "Xem
// thêm 2 việc"; the head's NC awaiting a root cause is its own group, and so
// on for the coordinator.
func TestHomeGroupsTasksWithCounters(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	for i := 0; i < 7; i++ {
		f.EffectiveDocument(t, "tnmt")
	}
	f.NC(t, "tnmt")
	counter := regexp.MustCompile(`(?s)<li class="task-counter" data-kind="([a-z_-]+)"><a href="#group-[a-z-]+"><strong class="count">(\d+)</strong> ([^<]+)</a>`)
	home := func(login string) (string, map[string]string) {
		body := string(env.As(login).Do("GET", "/", nil).MustStatus(http.StatusOK).Body)
		got := map[string]string{}
		for _, m := range counter.FindAllStringSubmatch(body, -1) {
			got[m[1]] = m[2] + " " + strings.TrimSpace(m[3])
		}
		return body, got
	}
	body, got := home("head.tnmt")
	if got["acknowledge"] != "7 tài liệu chờ xác nhận đã đọc" {
		t.Fatalf("head's counters %v", got)
	}
	if got["nc-cause"] != "1 điểm không phù hợp chờ phân tích nguyên nhân" {
		t.Fatalf("head's counters lack the NC awaiting its cause: %v", got)
	}
	ack := section(t, body, "group-acknowledge")
	shown, folded, _ := strings.Cut(ack, `<details class="task-more">`)
	if n := strings.Count(shown, `class="task task-acknowledge"`); n != 5 {
		t.Fatalf("%d acknowledgements listed openly, want 5", n)
	}
	if n := strings.Count(folded, `class="task task-acknowledge"`); n != 2 || !strings.Contains(folded, "Xem thêm 2 việc") {
		t.Fatalf("folded acknowledgements: %d\n%s", n, folded)
	}
	_, coord := home("coordinator")
	if len(coord) == 0 {
		t.Fatal("the coordinator's home has no counters")
	}
	for kind, c := range coord {
		if strings.Contains(c, kind) || strings.Contains(c, "home.group") {
			t.Fatalf("the coordinator's counter of %s reads %q", kind, c)
		}
	}
	if coord["nc-cause"] != "1 điểm không phù hợp chờ phân tích nguyên nhân" {
		t.Fatalf("coordinator's counters %v", coord)
	}
	setLang(t, env.As("head.tnmt"), "en")
	if _, en := home("head.tnmt"); en["acknowledge"] != "7 documents to acknowledge" {
		t.Fatalf("English counters %v", en)
	}
}

// section is the HTML of the element with id, up to the next section.
func section(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no #%s on the page", id)
	}
	rest := page[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}
