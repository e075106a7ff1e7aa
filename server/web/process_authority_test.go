package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// importMoved counts what a dossier import may leave behind: dossiers,
// import reports, rejected rows, trail entries.
func importMoved(t *testing.T, env *apptest.Env) [4]int {
	t.Helper()
	var n [4]int
	for i, table := range []string{"dossiers", "dossier_imports", "dossier_import_rejections", "trail"} {
		if err := env.App.DB.Get(&n[i], `SELECT count(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// sendImport posts a CSV to path as c: the raw body (text/csv), or as the
// "file" part of a multipart form with a mapping before it; page asks for
// the HTML answer of a form.
func sendImport(t *testing.T, env *apptest.Env, c *apptest.Client, path string, body io.Reader, asMultipart, page bool) *apptest.Response {
	t.Helper()
	ct := "text/csv"
	if asMultipart {
		src := body
		pr, pw := io.Pipe()
		w := multipart.NewWriter(pw)
		ct = w.FormDataContentType()
		go func() {
			_ = w.WriteField("mapping", "{}")
			fw, err := w.CreateFormFile("file", "dossiers.csv")
			if err == nil {
				_, err = io.Copy(fw, src)
			}
			if err == nil {
				err = w.Close()
			}
			pw.CloseWithError(err)
		}()
		body = pr
	}
	req, err := http.NewRequest("POST", env.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	if page {
		req.Header.Set("Accept", "text/html")
	}
	return c.Send(req)
}

func errorMessage(t *testing.T, r *apptest.Response) string {
	t.Helper()
	var b struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatalf("not a JSON error: %s", r)
	}
	return b.Error.Message
}

// TestDossierImportNeedsWrite: the auditor (read-only) is refused an import
// with 403 before anything is read or stored, on the API (raw CSV and
// multipart) and on the page's form: no dossier, no import report, no
// rejected row, no trail entry. The import form is not offered to them.
// Staff who may write the dossiers of one unit still import them; rows of
// other units are rejected one by one.
func TestDossierImportNeedsWrite(t *testing.T) {
	env, _ := procSetup(t)
	aud := env.As("auditor")
	before := importMoved(t, env)
	for _, tc := range []struct {
		path              string
		multipart, asPage bool
	}{{"/api/v1/dossiers/import", false, false}, {"/api/v1/dossiers/import", true, false}, {"/ui/dossiers/import", true, true}} {
		r := sendImport(t, env, aud, tc.path, strings.NewReader(procCSV), tc.multipart, tc.asPage)
		if r.Status != http.StatusForbidden {
			t.Fatalf("auditor import on %s (multipart %v): %s", tc.path, tc.multipart, r)
		}
		const msg = "you may not import dossiers: you may not write dossiers in any unit"
		if tc.asPage {
			if !strings.Contains(string(r.Body), "Bạn không có quyền cập nhật hồ sơ ở đơn vị nào nên không thể nhập hồ sơ") {
				t.Fatalf("the page does not say why: %.400s", r.Body)
			}
		} else if r.ErrorCode() != "forbidden" || errorMessage(t, r) != msg {
			t.Fatalf("auditor import on %s: %s", tc.path, r)
		}
	}
	if after := importMoved(t, env); after != before {
		t.Fatalf("a refused import moved dossiers, reports, rejections, trail: %v -> %v", before, after)
	}
	if page := aud.Do("GET", "/dossiers/import", nil).MustStatus(200); strings.Contains(string(page.Body), `id="import-form"`) {
		t.Fatal("the import form is offered to the auditor")
	}
	// noivu staff write noivu dossiers (HT-01) only.
	var rep struct{ Inserted, Rejected int }
	sendImport(t, env, env.As("staff.noivu"), "/api/v1/dossiers/import", strings.NewReader(procCSV), false, false).MustStatus(200).Decode(&rep)
	if rep.Inserted != 1 || rep.Rejected != 5 {
		t.Fatalf("noivu staff import %+v", rep)
	}
}

// TestDossierImportBounded: an import body is bounded by
// QMS_MAX_UPLOAD_BYTES, raw or multipart: over it the answer is 413
// too_large and nothing is stored; a line longer than 64 KiB refuses the
// file the same way whatever the limit.
func TestDossierImportBounded(t *testing.T) {
	const max = 1 << 20
	env := apptest.New(t, apptest.WithClock(procNow), apptest.WithConfig(func(c *config.Config) { c.MaxUpload = max }))
	co := env.As("coordinator")
	co.Do("POST", "/api/v1/services", map[string]any{"code": "HT-01", "name_vi": "Đăng ký khai sinh", "field": "civil_status", "unit": "noivu", "days": 1}).MustStatus(http.StatusCreated)
	before := importMoved(t, env)
	var rows bytes.Buffer
	rows.WriteString("number,service,channel,received_at\n")
	for i := 0; rows.Len() <= max+1000; i++ {
		rows.WriteString("B-" + strconv.Itoa(i) + ",HT-01,online,2026-11-24 09:00\n")
	}
	big := rows.Bytes()
	for _, asMultipart := range []bool{false, true} {
		// io.MultiReader hides the length: the body is sent chunked and read as a stream.
		r := sendImport(t, env, co, "/api/v1/dossiers/import", io.MultiReader(bytes.NewReader(big)), asMultipart, false)
		if r.Status != http.StatusRequestEntityTooLarge || r.ErrorCode() != "too_large" || errorMessage(t, r) != "the file is larger than the limit of 1 MiB" {
			t.Fatalf("%d bytes (multipart %v): %s", len(big), asMultipart, r)
		}
	}
	// A body announced over the limit is refused before it is read.
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/dossiers/import", bytes.NewReader(big))
	req.Header.Set("Content-Type", "text/csv")
	if r := co.Send(req); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("announced length: %s", r)
	}
	line := "number,service,channel,received_at,reason\nL-1,HT-01,online,2026-11-24 09:00," + strings.Repeat("x", 6<<20) + "\n"
	for _, e := range []*apptest.Env{env, nil} {
		c := co
		if e == nil { // the default limit (512 MiB)
			e, c = procSetup(t)
			before = importMoved(t, e)
		}
		r := sendImport(t, e, c, "/api/v1/dossiers/import", io.MultiReader(strings.NewReader(line)), false, false)
		if r.Status != http.StatusRequestEntityTooLarge || errorMessage(t, r) != "line 2 of the file is longer than 64 KiB" {
			t.Fatalf("a 6 MiB line: %s", r)
		}
		if after := importMoved(t, e); after != before {
			t.Fatalf("a refused import moved dossiers, reports, rejections, trail: %v -> %v", before, after)
		}
	}
}
