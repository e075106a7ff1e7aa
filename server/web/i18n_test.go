package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// Messages written by domain code in English reach people in their language:
// the error page and refused forms in the page's language, the API in
// English unless the request asks for Vietnamese first.
func TestErrorMessagesFollowTheLanguage(t *testing.T) {
	env := apptest.New(t)
	admin := env.As("admin")
	staff := env.As("staff.tnmt")

	page := func(c *apptest.Client, method, path string, form url.Values) *apptest.Response {
		t.Helper()
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		req, _ := http.NewRequest(method, env.URL+path, body)
		req.Header.Set("Accept", "text/html")
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return c.Send(req)
	}
	badUnit := url.Values{"code": {"x d*"}, "name_vi": {strings.Repeat("a", 300)}, "name_en": {"Urban"}}

	for _, tc := range []struct {
		lang      string
		errorPage []string // GET /admin/users as a non-administrator
		form      []string // a refused unit form
	}{
		{"vi", []string{"Chỉ dành cho quản trị hệ thống"},
			[]string{"Dùng từ 1 đến 32 ký tự", "Trường name_vi quá dài (300 ký tự, tối đa 200 ký tự)"}},
		{"en", []string{"administrators only"},
			[]string{"use 1 to 32 characters", "name_vi is too long (300 characters, at most 200)"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			for _, c := range []*apptest.Client{admin, staff} {
				c.Do("PUT", "/api/v1/me/lang", map[string]string{"lang": tc.lang}).MustStatus(200)
			}
			r := page(staff, "GET", "/admin/users", nil)
			if r.Status != http.StatusForbidden {
				t.Fatalf("error page: %s", r)
			}
			for _, want := range tc.errorPage {
				if !strings.Contains(string(r.Body), want) {
					t.Errorf("error page lacks %q", want)
				}
			}
			r = page(admin, "POST", "/ui/admin/units", badUnit)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("form: %s", r)
			}
			for _, want := range tc.form {
				if !strings.Contains(string(r.Body), want) {
					t.Errorf("refused form lacks %q: %s", want, r.Body)
				}
			}
			if tc.lang == "vi" && strings.Contains(string(r.Body), "is too long") {
				t.Error("Vietnamese form shows English")
			}
		})
	}

	// A document form (the field messages of a validation error).
	author := env.As("author.tnmt")
	r := page(author, "POST", "/ui/documents", url.Values{"code": {""}, "title": {""}, "type": {"procedure"}, "unit": {"tnmt"}})
	if r.Status != http.StatusBadRequest {
		t.Fatalf("document form: %s", r)
	}
	for _, want := range []string{"Mã không được để trống", "Trường title không được để trống"} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("refused document form lacks %q", want)
		}
	}

	// The API: English by default whatever the user's language, Vietnamese
	// when Vietnamese comes first in Accept-Language. The code never changes.
	for _, c := range []*apptest.Client{admin, staff} {
		c.Do("PUT", "/api/v1/me/lang", map[string]string{"lang": "vi"}).MustStatus(200)
	}
	type body struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	api := func(c *apptest.Client, path, acceptLang string, in any) body {
		t.Helper()
		b, _ := json.Marshal(in)
		req, _ := http.NewRequest("POST", env.URL+path, strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
		if acceptLang != "" {
			req.Header.Set("Accept-Language", acceptLang)
		}
		var out body
		c.Send(req).Decode(&out)
		return out
	}
	unit := map[string]string{"code": "x d*", "name_vi": strings.Repeat("a", 300), "name_en": "Urban"}
	for _, tc := range []struct {
		acceptLang    string
		forbidden     string
		invalid, code string
		nameVI        string
	}{
		{"", "you do not have permission to do this", "invalid", "use 1 to 32 characters: lower-case letters, digits and dashes", "name_vi is too long (300 characters, at most 200)"},
		{"en-US,vi;q=0.8", "you do not have permission to do this", "invalid", "use 1 to 32 characters: lower-case letters, digits and dashes", "name_vi is too long (300 characters, at most 200)"},
		{"vi-VN,vi;q=0.9,en;q=0.5", "Bạn không có quyền thực hiện việc này", "code: Dùng từ 1 đến 32 ký tự: chữ thường không dấu, chữ số và dấu gạch ngang; name_vi: Trường name_vi quá dài (300 ký tự, tối đa 200 ký tự)",
			"Dùng từ 1 đến 32 ký tự: chữ thường không dấu, chữ số và dấu gạch ngang", "Trường name_vi quá dài (300 ký tự, tối đa 200 ký tự)"},
	} {
		t.Run("api "+tc.acceptLang, func(t *testing.T) {
			f := api(staff, "/api/v1/units", tc.acceptLang, unit)
			if f.Error.Code != "forbidden" || f.Error.Message != tc.forbidden {
				t.Errorf("forbidden: %+v", f.Error)
			}
			v := api(admin, "/api/v1/units", tc.acceptLang, unit)
			if v.Error.Code != "invalid" || v.Error.Message != tc.invalid || v.Error.Fields["code"] != tc.code || v.Error.Fields["name_vi"] != tc.nameVI {
				t.Errorf("invalid: %+v", v.Error)
			}
		})
	}
}
