package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// TestObjectCheckPageAPIReadyz: a row whose file was deleted behind
// qmstrack's back is reported by the API, on the admin page (Vietnamese and
// English, with a link to its NC) and as a count in /readyz, which stays
// ready; only the whole office's admin and coordinator run or read the
// check, others are told why; a check while another runs is refused.
func TestObjectCheckPageAPIReadyz(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	coord := env.As("coordinator")
	type check struct {
		ID       int64 `json:"id"`
		Missing  int   `json:"missing"`
		Findings []struct {
			Kind, Source, Parent_ID, Object_Key string
		} `json:"findings"`
	}
	var c check
	coord.Do("GET", "/api/v1/object-check", nil).MustStatus(http.StatusOK).Decode(&c)
	if c.ID != 0 {
		t.Fatalf("a check before any ran: %+v", c)
	}

	var nc struct{ ID string }
	env.As("staff.tnmt").Multipart("/api/v1/ncs", map[string]string{"source": "self_report", "severity": "minor", "unit": "tnmt",
		"title": "Thiếu phiếu hẹn"}, apptest.File{Field: "file", Name: "phieu.pdf", Content: apptest.PDF}).MustStatus(http.StatusCreated).Decode(&nc)
	var key, version string
	if err := env.App.DB.QueryRowxContext(ctx, `SELECT object_key, version_id FROM nc_files WHERE nc_id = $1`, nc.ID).Scan(&key, &version); err != nil {
		t.Fatal(err)
	}
	if err := testenv.AdminClient(t).RemoveObject(ctx, env.App.Blob.Bucket(), key, minio.RemoveObjectOptions{VersionID: version}); err != nil {
		t.Fatal(err)
	}

	// Refused to those without the permission in every unit, with the reason.
	for _, login := range []string{"staff.tnmt", "head.tnmt", "auditor"} {
		r := env.As(login).Do("POST", "/api/v1/object-check", nil)
		if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "checks the object store") {
			t.Errorf("%s runs a check: %s", login, r)
		}
		if r := env.As(login).Do("GET", "/api/v1/object-check", nil); r.Status != http.StatusForbidden {
			t.Errorf("%s reads the check: %s", login, r)
		}
	}

	coord.Do("POST", "/api/v1/object-check", nil).MustStatus(http.StatusOK).Decode(&c)
	if c.ID == 0 || c.Missing != 1 || len(c.Findings) != 1 || c.Findings[0].Kind != "missing" || c.Findings[0].Source != "nc_files" ||
		c.Findings[0].Parent_ID != nc.ID || c.Findings[0].Object_Key != key {
		t.Fatalf("check after the loss: %+v", c)
	}
	var again check
	env.As("admin").Do("GET", "/api/v1/object-check", nil).MustStatus(http.StatusOK).Decode(&again)
	if again.ID != c.ID || again.Missing != 1 {
		t.Fatalf("the admin reads %+v, not the check just run (%d)", again, c.ID)
	}

	// /readyz: the count, and still ready.
	var ready struct {
		Ready   bool `json:"ready"`
		Objects struct {
			CheckedAt   *string `json:"checked_at"`
			MissingRows int     `json:"missing_rows"`
		} `json:"objects"`
	}
	env.Anon().Do("GET", "/readyz", nil).MustStatus(http.StatusOK).Decode(&ready)
	if !ready.Ready || ready.Objects.MissingRows != 1 || ready.Objects.CheckedAt == nil {
		t.Fatalf("/readyz: %+v", ready)
	}

	// The page, in both languages.
	page := func(c *apptest.Client) (int, string) {
		req, _ := http.NewRequest("GET", env.URL+"/admin/objects", nil)
		req.Header.Set("Accept", "text/html")
		r := c.Send(req)
		return r.Status, string(r.Body)
	}
	st, body := page(coord)
	if st != http.StatusOK || !strings.Contains(body, "Bản ghi bị mất tệp") || !strings.Contains(body, `href="/ncs/`+nc.ID+`"`) ||
		!strings.Contains(body, key) || !strings.Contains(body, "Bằng chứng sự không phù hợp") {
		t.Fatalf("page in Vietnamese: %d\n%s", st, body)
	}
	coord.Do("PUT", "/api/v1/me/lang", map[string]string{"lang": "en"}).MustStatus(http.StatusOK)
	if _, body := page(coord); !strings.Contains(body, "Rows whose file is missing") || !strings.Contains(body, "Nonconformity evidence") {
		t.Fatalf("page in English:\n%s", body)
	}
	if st, _ := page(env.As("staff.tnmt")); st != http.StatusForbidden {
		t.Errorf("staff on the page: %d", st)
	}
	// The navigation shows the page to those who may see it only.
	home := func(c *apptest.Client) string {
		req, _ := http.NewRequest("GET", env.URL+"/", nil)
		req.Header.Set("Accept", "text/html")
		return string(c.Send(req).MustStatus(http.StatusOK).Body)
	}
	if !strings.Contains(home(coord), `href="/admin/objects"`) || strings.Contains(home(env.As("head.tnmt")), `href="/admin/objects"`) {
		t.Error("the object store page is not in the coordinator's navigation, or is in a unit head's")
	}
	// An administrator of one unit may not check the whole office's files,
	// so the page is not in that navigation either.
	_, unitAdmin := env.Fixtures().User(t, "admin@tnmt")
	if strings.Contains(home(env.As(unitAdmin)), `href="/admin/objects"`) {
		t.Error("the object store page is in the navigation of an administrator of one unit, who may not open it")
	}
	if st, _ := page(env.As(unitAdmin)); st != http.StatusForbidden {
		t.Errorf("unit administrator on the page: %d", st)
	}

	// The page's button: a check, then back to the page.
	form := url.Values{"_csrf": {coord.CSRF}}
	req, _ := http.NewRequest("POST", env.URL+"/ui/object-check", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := coord.Send(req); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/admin/objects" {
		t.Fatalf("the page's button: %s %v", r, r.Header)
	}

	// Another check holding the job's lock: refused with the reason.
	var lockKey int64
	for _, j := range env.App.Jobs {
		if j.Name == "objects.reconcile" {
			lockKey = j.Key
		}
	}
	conn, err := env.App.DB.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		t.Fatal(err)
	}
	r := coord.Do("POST", "/api/v1/object-check", nil)
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "running already") {
		t.Errorf("a check while another runs: %s", r)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, lockKey); err != nil {
		t.Fatal(err)
	}
}
