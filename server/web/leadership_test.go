package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// TestMeetingVisibility: a meeting is seen by those who may read the
// process of the unit keeping its minutes, by the chairman and the
// coordinator (who hold meetings) and the auditor (who reads every unit),
// and by the people of the units it gave a directive to. Anyone else gets
// no line in the list and, for its page, its API and its minutes, the same
// 404 as a random id.
func TestMeetingVisibility(t *testing.T) {
	env, _ := procSetup(t)
	chair := env.As("chairman")
	var kept, directed struct{ ID string }
	chair.Do("POST", "/api/v1/meetings", map[string]any{"held_on": "2026-11-20", "title": "Giao ban Văn phòng", "chair": "Chánh Văn phòng",
		"participants": "Văn phòng", "unit": "vp"}).MustStatus(http.StatusCreated).Decode(&kept)
	chair.Do("POST", "/api/v1/meetings", map[string]any{"held_on": "2026-11-21", "title": "Họp CCHC", "chair": "Chủ tịch UBND",
		"participants": "Các phòng", "unit": "vp"}).MustStatus(http.StatusCreated).Decode(&directed)
	chair.Do("POST", "/api/v1/meetings/"+directed.ID+"/directives", map[string]any{"unit": "tnmt", "title": "Rà soát hồ sơ trễ hạn", "due_on": "2026-11-30"}).MustStatus(http.StatusCreated)

	seen := func(c *apptest.Client) map[string]bool {
		var list struct{ Items []struct{ ID string } }
		c.Do("GET", "/api/v1/meetings", nil).MustStatus(200).Decode(&list)
		out := map[string]bool{}
		for _, m := range list.Items {
			out[m.ID] = true
		}
		return out
	}
	for login, want := range map[string][2]bool{
		"chairman": {true, true}, "coordinator": {true, true}, "auditor": {true, true},
		"staff.vp": {true, true}, "staff.tnmt": {false, true}, "head.tnmt": {false, true}, "staff.noivu": {false, false},
	} {
		c := env.As(login)
		got := seen(c)
		if got[kept.ID] != want[0] || got[directed.ID] != want[1] {
			t.Errorf("%s sees %v, want the kept meeting %v and the directed one %v", login, got, want[0], want[1])
		}
		for i, id := range []string{kept.ID, directed.ID} {
			status := http.StatusOK
			if !want[i] {
				status = http.StatusNotFound
			}
			c.Do("GET", "/api/v1/meetings/"+id, nil).MustStatus(status)
			c.Do("GET", "/meetings/"+id, nil).MustStatus(status)
		}
	}
	// The same answer as a random id, word for word.
	staff := env.As("staff.noivu")
	const random = "0b0e1c2a-3f4d-4e5f-8a6b-7c8d9e0f1a2b"
	hidden := staff.Do("GET", "/api/v1/meetings/"+kept.ID, nil)
	none := staff.Do("GET", "/api/v1/meetings/"+random, nil)
	if hidden.Status != http.StatusNotFound || hidden.ErrorCode() != "not_found" ||
		strings.ReplaceAll(errorMessage(t, hidden), kept.ID, random) != errorMessage(t, none) {
		t.Fatalf("hidden meeting %s, random id %s", hidden, none)
	}
	staff.Do("GET", "/meetings/"+kept.ID+"/minutes", nil).MustStatus(http.StatusNotFound)
	page := staff.Do("GET", "/meetings", nil).MustStatus(200)
	if strings.Contains(string(page.Body), "Giao ban Văn phòng") || strings.Contains(string(page.Body), "Họp CCHC") {
		t.Fatal("the meetings page lists a meeting the reader may not see")
	}
	// The tnmt head sees the directed meeting with its tnmt directive only.
	var m struct {
		Directives []struct{ Unit string }
	}
	env.As("head.tnmt").Do("GET", "/api/v1/meetings/"+directed.ID, nil).MustStatus(200).Decode(&m)
	if len(m.Directives) != 1 || m.Directives[0].Unit != "tnmt" {
		t.Fatalf("tnmt head sees %+v", m)
	}
}
