package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// The NC qmstrack raises for a late dossier reads in the reader's language:
// an English reader sees "Late dossier …" and the service's English name, a
// Vietnamese one "Hồ sơ trễ hạn …"; the stored title holds one language.
func TestLateDossierNCInReadersLanguage(t *testing.T) {
	env := apptest.New(t)
	co := env.As("coordinator")
	id, number := lateDossierNC(t, env)
	var nc struct {
		Title       string
		Description string
		TitleMsg    *struct{ ID string } `json:"title_msg"`
	}
	co.Do("GET", "/api/v1/ncs/"+id, nil).MustStatus(http.StatusOK).Decode(&nc)
	if nc.Title != "Hồ sơ trễ hạn "+number || nc.TitleMsg == nil || nc.TitleMsg.ID != "Late dossier %s" {
		t.Fatalf("stored title %q, message %+v", nc.Title, nc.TitleMsg)
	}
	if strings.Contains(nc.Description, "Late dossier") || !strings.Contains(nc.Description, "ngày làm việc") {
		t.Fatalf("stored description %q", nc.Description)
	}
	en := env.As("head.tnmt")
	en.Do("PUT", "/api/v1/me/lang", map[string]string{"lang": "en"}).MustStatus(http.StatusOK)
	page := string(en.Do("GET", "/ncs/"+id, nil).MustStatus(http.StatusOK).Body)
	if !strings.Contains(page, "Late dossier "+number) || strings.Contains(page, "Hồ sơ trễ hạn") ||
		!strings.Contains(page, "1 working days) was due") {
		t.Fatalf("English reader's NC page:\n%s", page)
	}
	list := string(en.Do("GET", "/ncs", nil).MustStatus(http.StatusOK).Body)
	if !strings.Contains(list, "Late dossier "+number) {
		t.Fatalf("English register lacks the English title")
	}
	vi := string(co.Do("GET", "/ncs/"+id, nil).MustStatus(http.StatusOK).Body)
	if !strings.Contains(vi, "Hồ sơ trễ hạn "+number) || strings.Contains(vi, "Late dossier") || !strings.Contains(vi, "1 ngày làm việc) hạn trả") {
		t.Fatalf("Vietnamese reader's NC page:\n%s", vi)
	}
}

// The minutes record a meeting files reads in the reader's language; its
// stored title holds one language.
func TestMinutesRecordTitleInReadersLanguage(t *testing.T) {
	env := apptest.New(t)
	chair := env.As("chairman")
	var m struct {
		MinutesRef string `json:"minutes_record"`
	}
	chair.Multipart("/api/v1/meetings", map[string]string{"held_on": time.Now().Format("2006-01-02"), "title": "Họp CCHC", "chair": "Chủ tịch UBND",
		"participants": "Phòng Nội vụ", "unit": "vp"},
		apptest.File{Field: "minutes", Name: "bien-ban.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}).MustStatus(http.StatusCreated).Decode(&m)
	if m.MinutesRef == "" {
		t.Fatal("no minutes record")
	}
	co := env.As("coordinator")
	var rec struct{ Title string }
	co.Do("GET", "/api/v1/records/"+m.MinutesRef, nil).MustStatus(http.StatusOK).Decode(&rec)
	if rec.Title != "Biên bản họp: Họp CCHC" {
		t.Fatalf("stored title %q", rec.Title)
	}
	vi := string(co.Do("GET", "/records/"+m.MinutesRef, nil).MustStatus(http.StatusOK).Body)
	setLang(t, co, "en")
	en := string(co.Do("GET", "/records/"+m.MinutesRef, nil).MustStatus(http.StatusOK).Body)
	if !strings.Contains(vi, `<h1 id="rec-heading">Biên bản họp: Họp CCHC</h1>`) || !strings.Contains(en, `<h1 id="rec-heading">Minutes: Họp CCHC</h1>`) {
		t.Fatalf("headings: vi %v en %v", strings.Contains(vi, "Biên bản họp: Họp CCHC"), strings.Contains(en, "Minutes: Họp CCHC"))
	}
}
