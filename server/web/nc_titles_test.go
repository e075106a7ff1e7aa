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

// The import page names each column and each accepted value in the
// reader's language, with the code the file may hold beside it, and a
// rejected row's reason does the same.
func TestImportHintsNameTheValues(t *testing.T) {
	env := apptest.New(t)
	co := env.As("coordinator")
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"vi", []string{"Hình thức nộp <code>channel</code> (bắt buộc): Trực tiếp <code>in_person</code>, Bưu chính <code>postal</code>, Trực tuyến một phần <code>online_partial</code>, Trực tuyến toàn trình <code>online_full</code>",
			"Kết quả <code>result</code>: Giải quyết <code>granted</code>, Từ chối <code>refused</code>",
			"Hình thức trả kết quả <code>return_channel</code>: Trực tiếp <code>in_person</code>, Bưu chính <code>postal</code>, Trực tuyến <code>online</code>",
			"Mức độ hài lòng <code>satisfaction</code>: Rất hài lòng <code>very_satisfied</code>"}},
		{"en", []string{"How it was filed <code>channel</code> (required): In person <code>in_person</code>, Postal <code>postal</code>",
			"Result <code>result</code>: Granted <code>granted</code>, Refused <code>refused</code>"}},
	} {
		setLang(t, co, tc.lang)
		page := string(co.Do("GET", "/dossiers/import", nil).MustStatus(http.StatusOK).Body)
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the import page does not say %q:\n%s", tc.lang, w, around(page, "import-columns"))
			}
		}
		if strings.Contains(page, "in_person, postal") || strings.Contains(page, "granted hoặc refused") {
			t.Errorf("%s: the import page lists bare codes", tc.lang)
		}
	}
	f := env.Fixtures()
	svc := f.Service(t, "tnmt", 5)
	at := time.Now().In(f.Loc).Add(-3 * time.Hour).Format("02/01/2006 15:04")
	csv := "number,service,channel,received_at,returned_at,result\n" +
		"HINT-1," + svc + ",fax," + at + ",,\n" +
		"HINT-2," + svc + ",Trực tiếp," + at + "," + at + ",xong\n"
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/dossiers/import?filename=hints.csv", strings.NewReader(csv))
	req.Header.Set("Content-Type", "text/csv")
	var rep struct{ ID string }
	co.Send(req).MustStatus(http.StatusOK).Decode(&rep)
	setLang(t, co, "vi")
	vi := string(co.Do("GET", "/dossiers/imports/"+rep.ID, nil).MustStatus(http.StatusOK).Body)
	setLang(t, co, "en")
	en := string(co.Do("GET", "/dossiers/imports/"+rep.ID, nil).MustStatus(http.StatusOK).Body)
	for _, w := range []string{"Trực tiếp “in_person”, Bưu chính công ích “postal”", "Giải quyết “granted”, Từ chối “refused”"} {
		if !strings.Contains(vi, w) {
			t.Errorf("vi: the rejections do not say %q:\n%s", w, around(vi, "rejections"))
		}
	}
	for _, w := range []string{"in person “in_person”, postal “postal”", "granted “granted”, refused “refused”"} {
		if !strings.Contains(en, w) {
			t.Errorf("en: the rejections do not say %q:\n%s", w, around(en, "rejections"))
		}
	}
	if strings.Contains(vi, "granted hoặc refused") || strings.Contains(vi, "(in_person, postal") {
		t.Errorf("vi: a rejection lists bare codes")
	}
}
