package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// lateDossierNC raises the NC qmstrack writes for a late dossier of tnmt
// and returns its id and the dossier's number.
func lateDossierNC(t *testing.T, env *apptest.Env) (id, number string) {
	t.Helper()
	f := env.Fixtures()
	co := env.As("coordinator")
	svc := f.Service(t, "tnmt", 1)
	number = f.Dossier(t, "staff.tnmt", svc, time.Now().Add(-10*24*time.Hour))
	f.DossierReturned(t, "staff.tnmt", number, time.Now().Add(-time.Minute))
	var d struct {
		NC struct {
			NCID string `json:"nc_id"`
		} `json:"nc"`
	}
	for i := 0; i < 50 && id == ""; i++ {
		co.Do("GET", "/api/v1/dossiers/"+number, nil).MustStatus(http.StatusOK).Decode(&d)
		if id = d.NC.NCID; id == "" {
			co.Do("POST", "/ui/dossiers/"+number+"/late", nil) // triage mode: raise it by hand
			time.Sleep(100 * time.Millisecond)
		}
	}
	if id == "" {
		t.Fatalf("no NC raised for late dossier %s", number)
	}
	return id, number
}

// A generated NC title reads in the reader's language wherever a person
// reads it, not only on the NC page: the home page's corrective actions,
// the similar NCs of another NC and the audit team's evidence list.
func TestGeneratedNCTitleInEveryList(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	id, number := lateDossierNC(t, env)
	vi, en := "Hồ sơ trễ hạn "+number, "Late dossier "+number
	f.Cause(t, id)
	f.Action(t, id, "tnmt", "staff.tnmt", "")
	other := f.NC(t, "tnmt") // later, same unit: lists the late one as similar
	auditID, _ := f.Audit(t, "tnmt", "auditor")

	pages := []struct{ login, path, where string }{
		{"staff.tnmt", "/", "home page's actions"},
		{"coordinator", "/ncs/" + other, "similar NCs"},
		{"auditor", "/audits/" + auditID, "audit evidence"},
	}
	for _, p := range pages {
		c := env.As(p.login)
		setLang(t, c, "vi")
		body := string(c.Do("GET", p.path, nil).MustStatus(http.StatusOK).Body)
		if !strings.Contains(body, vi) || strings.Contains(body, en) || strings.Contains(body, "Late dossier %s") {
			t.Errorf("%s in Vietnamese: Vietnamese title %v, English title %v", p.where, strings.Contains(body, vi), strings.Contains(body, en))
		}
		setLang(t, c, "en")
		body = string(c.Do("GET", p.path, nil).MustStatus(http.StatusOK).Body)
		if !strings.Contains(body, en) || strings.Contains(body, vi) {
			t.Errorf("%s in English: English title %v, Vietnamese title %v", p.where, strings.Contains(body, en), strings.Contains(body, vi))
		}
	}
	// The API gives the message beside the stored text.
	var d struct {
		Similar []struct {
			Number   string
			TitleMsg *struct{ ID string } `json:"title_msg"`
		} `json:"similar"`
	}
	env.As("coordinator").Do("GET", "/api/v1/ncs/"+other, nil).MustStatus(http.StatusOK).Decode(&d)
	found := false
	for _, s := range d.Similar {
		found = found || (s.TitleMsg != nil && s.TitleMsg.ID == "Late dossier %s")
	}
	if !found {
		t.Errorf("similar NCs in the API carry no title message: %+v", d.Similar)
	}
}
