package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/qms"
)

func ncToday() time.Time {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	return time.Now().In(loc)
}

type ncCreated struct {
	ID, Number, Status string
}

type ncView struct {
	ID      string `json:"id"`
	Number  string `json:"number"`
	Status  string `json:"status"`
	Actions []struct {
		ID     string `json:"id"`
		No     int    `json:"no"`
		Status string `json:"status"`
	} `json:"actions"`
	Similar     []struct{ Number string } `json:"similar"`
	Permissions struct {
		Manage  bool                `json:"manage"`
		Actions map[string][]string `json:"actions"`
	} `json:"permissions"`
}

var pdfBytes = []byte("%PDF-1.4\n% bằng chứng\n%%EOF\n")

// TestNCAPI walks the API: create, containment, cause, actions,
// start, done (multipart), sign-off, verify, register, exports, scorecard,
// with the precise 4xx of each refusal.
func TestNCAPI(t *testing.T) {
	env := apptest.New(t)
	coord, staff, head := env.As("coordinator"), env.As("staff.tnmt"), env.As("head.tnmt")
	today := ncToday().Format("2006-01-02")
	later := ncToday().AddDate(0, 0, 20).Format("2006-01-02")

	var nc ncCreated
	coord.Do("POST", "/api/v1/ncs", map[string]any{"source": "external_inspection", "severity": "major", "unit": "tnmt",
		"clauses": []string{"7.5.3"}, "title": "=HYPERLINK(\"http://x\")", "description": "Đoàn kiểm tra tỉnh",
		"detected_by": "Sở Nội vụ", "detected_on": today}).MustStatus(http.StatusCreated).Decode(&nc)
	if nc.ID == "" || !strings.HasPrefix(nc.Number, "NC-") || nc.Status != "open" {
		t.Fatalf("created %+v", nc)
	}
	// Bad input and refusals.
	r := coord.Do("POST", "/api/v1/ncs", map[string]any{"source": "gossip", "severity": "major", "unit": "tnmt"})
	if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid" || !strings.Contains(string(r.Body), `"source"`) {
		t.Fatalf("bad create: %s", r)
	}
	env.As("staff.vhtt").Do("POST", "/api/v1/ncs", map[string]any{"source": "self_report", "severity": "minor", "unit": "tnmt", "title": "x"}).
		MustStatus(http.StatusForbidden)
	env.As("staff.vhtt").Do("GET", "/api/v1/ncs/"+nc.ID, nil).MustStatus(http.StatusNotFound)
	env.As("auditor").Do("GET", "/api/v1/ncs/"+nc.ID, nil).MustStatus(http.StatusOK)
	env.As("auditor").Do("POST", "/api/v1/ncs/"+nc.ID+"/containment", map[string]string{"text": "sửa"}).MustStatus(http.StatusForbidden)
	coord.Do("GET", "/api/v1/ncs/not-a-uuid", nil).MustStatus(http.StatusNotFound)
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/actions", map[string]string{"unit": "tnmt", "owner": "staff.tnmt", "description": "x",
		"due": today, "verify_after": today}).MustStatus(http.StatusConflict) // no root cause yet

	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/containment", map[string]string{"text": "Đã trả hồ sơ ngay", "on": today}).MustStatus(http.StatusOK)
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/cause", map[string]any{"whys": []string{"Không theo dõi hạn"}, "categories": []string{"method"},
		"summary": "Thiếu bước theo dõi"}).MustStatus(http.StatusOK)

	for _, bad := range []struct {
		body  map[string]string
		field string
	}{
		{map[string]string{"unit": "tnmt", "owner": "staff.vhtt", "description": "x", "due": today, "verify_after": today}, "owner"},
		{map[string]string{"unit": "tnmt", "owner": "staff.tnmt", "description": "x", "due": "2020-01-01", "verify_after": today}, "due"},
		{map[string]string{"unit": "tnmt", "owner": "staff.tnmt", "description": "x", "due": "31/02/2026", "verify_after": today}, "due"},
		{map[string]string{"unit": "tnmt", "owner": "staff.tnmt", "description": "x", "due": later, "verify_after": today}, "verify_after"},
	} {
		r := coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/actions", bad.body)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"`+bad.field+`"`) {
			t.Fatalf("%v: %s", bad.body, r)
		}
	}
	var added struct {
		Action struct{ ID string }
	}
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/actions", map[string]string{"unit": "tnmt", "owner": "staff.tnmt",
		"description": "Lập sổ theo dõi hạn", "due": today, "verify_after": today}).MustStatus(http.StatusCreated).Decode(&added)
	act := added.Action.ID
	var late struct {
		Action struct{ ID string }
	}
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/actions", map[string]string{"unit": "tnmt", "owner": "head.tnmt",
		"description": "Đào tạo", "due": today, "verify_after": later}).MustStatus(http.StatusCreated).Decode(&late)

	// Home-page task for the owner.
	var tasks struct {
		Items []struct{ Kind, Title, Link string }
	}
	staff.Do("GET", "/api/v1/tasks", nil).MustStatus(200).Decode(&tasks)
	found := false
	for _, tk := range tasks.Items {
		found = found || tk.Kind == "nc-action" && strings.Contains(tk.Title, nc.Number) && strings.Contains(tk.Link, nc.ID)
	}
	if !found {
		t.Fatalf("no NC task for the owner: %+v", tasks)
	}

	head.Do("POST", "/api/v1/actions/"+act+"/start", nil).MustStatus(http.StatusForbidden) // not the owner
	staff.Do("POST", "/api/v1/actions/"+act+"/start", nil).MustStatus(http.StatusOK)
	staff.Do("POST", "/api/v1/actions/"+act+"/start", nil).MustStatus(http.StatusConflict)
	staff.Multipart("/api/v1/actions/"+act+"/done", map[string]string{"report": "Đã lập sổ"}).MustStatus(http.StatusBadRequest) // no evidence
	staff.Multipart("/api/v1/actions/"+act+"/done", map[string]string{"report": "Đã lập sổ"},
		apptest.File{Field: "file", Name: "so-theo-doi.pdf", Content: pdfBytes}).MustStatus(http.StatusOK)

	env.As("head.vhtt").Do("POST", "/api/v1/actions/"+act+"/signoff", map[string]string{"password": apptest.Password}).MustStatus(http.StatusNotFound)
	head.Do("POST", "/api/v1/actions/"+act+"/signoff", map[string]string{"password": "wrong-password"}).MustStatus(http.StatusForbidden)
	head.Do("POST", "/api/v1/actions/"+act+"/signoff", map[string]string{"password": apptest.Password}).MustStatus(http.StatusOK)
	head.Do("POST", "/api/v1/actions/"+act+"/signoff", map[string]string{"password": apptest.Password}).MustStatus(http.StatusConflict)

	coord.Do("POST", "/api/v1/actions/"+act+"/verify", map[string]any{"comment": "x", "password": apptest.Password}).MustStatus(http.StatusBadRequest)
	coord.Do("POST", "/api/v1/actions/"+act+"/verify", map[string]any{"effective": true, "comment": "Không còn trễ", "password": apptest.Password}).
		MustStatus(http.StatusOK)

	// The second action: verification before its date is refused.
	head.Do("POST", "/api/v1/actions/"+late.Action.ID+"/start", nil).MustStatus(http.StatusOK)
	head.Multipart("/api/v1/actions/"+late.Action.ID+"/done", map[string]string{"report": "Đã đào tạo"},
		apptest.File{Field: "file", Name: "dao-tao.pdf", Content: pdfBytes}).MustStatus(http.StatusOK)
	head.Do("POST", "/api/v1/actions/"+late.Action.ID+"/signoff", map[string]string{"password": apptest.Password}).MustStatus(http.StatusForbidden) // own action
	env.As("chairman").Do("POST", "/api/v1/actions/"+late.Action.ID+"/signoff", map[string]string{"password": apptest.Password}).MustStatus(http.StatusOK)
	r = coord.Do("POST", "/api/v1/actions/"+late.Action.ID+"/verify", map[string]any{"effective": true, "password": apptest.Password})
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "on or after") {
		t.Fatalf("verify before the date: %s", r)
	}

	var view ncView
	coord.Do("GET", "/api/v1/ncs/"+nc.ID, nil).MustStatus(200).Decode(&view)
	// Evidence downloads back byte for byte, to readers of the NC only.
	var withFiles struct {
		Files []struct {
			ID       string `json:"id"`
			FileName string `json:"file_name"`
			SHA256   string `json:"sha256"`
		} `json:"files"`
	}
	coord.Do("GET", "/api/v1/ncs/"+nc.ID, nil).MustStatus(200).Decode(&withFiles)
	if len(withFiles.Files) != 2 || withFiles.Files[0].FileName != "so-theo-doi.pdf" {
		t.Fatalf("files %+v", withFiles.Files)
	}
	r = env.As("auditor").Do("GET", "/api/v1/nc-files/"+withFiles.Files[0].ID, nil).MustStatus(200)
	if !bytes.Equal(r.Body, pdfBytes) || r.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(r.Header.Get("Content-Disposition"), "so-theo-doi.pdf") {
		t.Fatalf("download: %q %v", r.Body, r.Header)
	}
	env.As("staff.vhtt").Do("GET", "/api/v1/nc-files/"+withFiles.Files[0].ID, nil).MustStatus(http.StatusNotFound)
	if view.Status != "actions_planned" || len(view.Actions) != 2 || view.Actions[0].Status != "verified_effective" || view.Actions[1].Status != "signed_off" {
		t.Fatalf("view %+v", view)
	}
	var tl struct {
		Items []struct{ Action string }
	}
	coord.Do("GET", "/api/v1/ncs/"+nc.ID+"/timeline", nil).MustStatus(200).Decode(&tl)
	if len(tl.Items) < 10 || tl.Items[0].Action != "nc.create" {
		t.Fatalf("timeline %+v", tl.Items)
	}

	// Register with filters.
	var list struct {
		Items []struct {
			Number      string
			ActionCount int             `json:"action_count"`
			Actions     json.RawMessage `json:"actions"`
		}
		NextCursor string `json:"next_cursor"`
	}
	coord.Do("GET", "/api/v1/ncs?status=actions_planned&unit=tnmt&severity=major&source=external_inspection&clause=7.5", nil).MustStatus(200).Decode(&list)
	if len(list.Items) != 1 || list.Items[0].Number != nc.Number || list.Items[0].ActionCount != 2 || list.Items[0].Actions != nil {
		t.Fatalf("filtered list %+v", list)
	}
	coord.Do("GET", "/api/v1/ncs?status=nonsense", nil).MustStatus(http.StatusBadRequest)
	coord.Do("GET", "/api/v1/ncs?overdue=1", nil).MustStatus(200).Decode(&list)
	if len(list.Items) != 0 {
		t.Fatalf("overdue on the due date: %+v", list)
	}

	// Exports neutralise formulas.
	r = coord.Do("GET", "/api/v1/ncs/export.csv?unit=tnmt", nil).MustStatus(200)
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][0] != "Số hiệu" || rows[1][11] != `'=HYPERLINK("http://x")` {
		t.Fatalf("csv %v %q", err, rows)
	}
	r = coord.Do("GET", "/api/v1/ncs/export.xlsx?unit=tnmt", nil).MustStatus(200)
	x, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := x.GetCellValue("Điểm không phù hợp", "L2")
	f, _ := x.GetCellFormula("Điểm không phù hợp", "L2")
	typ, _ := x.GetCellType("Điểm không phù hợp", "L2")
	if v != `=HYPERLINK("http://x")` || f != "" || typ == excelize.CellTypeFormula {
		t.Fatalf("xlsx cell L2 = %q formula %q type %v", v, f, typ)
	}
	if n, _ := x.GetCellValue("Điểm không phù hợp", "A2"); n != nc.Number {
		t.Fatalf("xlsx A2 = %q", n)
	}
	env.As("admin").Do("GET", "/api/v1/ncs/export.csv", nil).MustStatus(200) // empty scope: header only

	var sc struct {
		Units []struct {
			Unit string
			Open int
		}
		NonComplying []struct{ Unit string } `json:"non_complying"`
		Causes       []struct {
			Category string
			Count    int
		}
		Monthly []struct{ Month string }
	}
	coord.Do("GET", "/api/v1/scorecard", nil).MustStatus(200).Decode(&sc)
	if len(sc.Units) != 1 || sc.Units[0].Unit != "tnmt" || sc.Units[0].Open != 1 || len(sc.Causes) != 1 || len(sc.Monthly) != 12 || len(sc.NonComplying) != 0 {
		t.Fatalf("scorecard %+v", sc)
	}

	// Cancel: coordinator only, with a reason.
	head.Do("POST", "/api/v1/ncs/"+nc.ID+"/cancel", map[string]string{"reason": "nhầm"}).MustStatus(http.StatusForbidden)
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/cancel", map[string]string{"reason": ""}).MustStatus(http.StatusBadRequest)
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/cancel", map[string]string{"reason": "Trùng với NC khác"}).MustStatus(http.StatusOK)
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/cancel", map[string]string{"reason": "lại"}).MustStatus(http.StatusConflict)

	// The API routes are in the OpenAPI document.
	r = coord.Do("GET", "/api/v1/openapi.json", nil).MustStatus(200)
	for _, p := range []string{"/api/v1/ncs/{id}/containment", "/api/v1/actions/{id}/verify", "/api/v1/ncs/export.xlsx", "/api/v1/scorecard"} {
		if !strings.Contains(string(r.Body), `"`+p+`"`) {
			t.Errorf("OpenAPI lacks %s", p)
		}
	}
}

// TestNCPages renders each NC page in Vietnamese and English.
func TestNCPages(t *testing.T) {
	env := apptest.New(t)
	coord := env.As("coordinator")
	var nc ncCreated
	coord.Do("POST", "/api/v1/ncs", map[string]any{"source": "complaint", "severity": "minor", "unit": "motcua",
		"title": "Người dân phản ánh trả kết quả chậm"}).MustStatus(http.StatusCreated).Decode(&nc)
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/cause", map[string]any{"categories": []string{"people", "method"}, "summary": "Thiếu người"}).MustStatus(200)
	page := func(c *apptest.Client, path string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", env.URL+path, nil)
		req.Header.Set("Accept", "text/html")
		r := c.Send(req)
		if r.Status != 200 {
			t.Fatalf("%s: %s", path, r)
		}
		return string(r.Body)
	}
	for _, want := range []struct{ path, text string }{
		{"/ncs", nc.Number},
		{"/ncs", "Sổ theo dõi điểm không phù hợp"},
		{"/ncs/" + nc.ID, "Phân tích nguyên nhân"},
		{"/ncs/" + nc.ID, `id="action-form"`},
		{"/ncs/" + nc.ID, `id="action-verifier"`},
		{"/ncs/" + nc.ID, `id="timeline"`},
		{"/ncs/new", `id="nc-new-form"`},
		{"/ncs/scorecard", `id="chart-pareto"`},
		{"/ncs/scorecard", `id="chart-trend"`},
		{"/ncs/scorecard", "Con người"},
	} {
		if body := page(coord, want.path); !strings.Contains(body, want.text) {
			t.Errorf("%s lacks %q", want.path, want.text)
		}
	}
	coord.Do("PUT", "/api/v1/me/lang", map[string]string{"lang": "en"}).MustStatus(200)
	for _, want := range []struct{ path, text string }{
		{"/ncs", "Nonconformity register"},
		{"/ncs/" + nc.ID, "Root cause"},
		{"/ncs/scorecard", "Pareto chart of cause categories"},
	} {
		if body := page(coord, want.path); !strings.Contains(body, want.text) {
			t.Errorf("%s (en) lacks %q", want.path, want.text)
		}
	}
	// A refused form act shows the NC page again with the reason, fields named in the page's language.
	form := "_csrf=" + coord.CSRF + "&owner=motcua|" + "nobody" + "&description=x&due=2020-01-01&verify_after=2020-01-01"
	req, _ := http.NewRequest("POST", env.URL+"/ui/ncs/"+nc.ID+"/actions", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	r := coord.Send(req)
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `id="flash-error"`) ||
		!strings.Contains(string(r.Body), "Due date:") || !strings.Contains(string(r.Body), `id="action-form"`) {
		t.Errorf("refused form: %d %.400s", r.Status, r.Body)
	}
	// A unit's staff sees no manage buttons; another unit's staff gets 404.
	if body := page(env.As("staff.motcua"), "/ncs/"+nc.ID); strings.Contains(body, `id="cause-form"`) || strings.Contains(body, `id="action-form"`) {
		t.Error("staff sees manage forms")
	}
	req, _ = http.NewRequest("GET", env.URL+"/ncs/"+nc.ID, nil)
	req.Header.Set("Accept", "text/html")
	if r := env.As("staff.vhtt").Send(req); r.Status != http.StatusNotFound {
		t.Errorf("another unit's staff: %d", r.Status)
	}
	if missing := env.App.Web.MissingTranslations(); len(missing) > 0 {
		for _, m := range missing {
			if strings.Contains(m, " nc.") {
				t.Errorf("missing translation %s", m)
			}
		}
	}
}

// TestNCReverifyAPI: a closed NC reopens when an action proves not effective
// after all; the page offers it to the coordinator only.
func TestNCReverifyAPI(t *testing.T) {
	env := apptest.New(t)
	coord, staff, head := env.As("coordinator"), env.As("staff.motcua"), env.As("head.motcua")
	today := ncToday().Format("2006-01-02")
	var nc ncCreated
	coord.Do("POST", "/api/v1/ncs", map[string]any{"source": "self_report", "severity": "minor", "unit": "motcua", "title": "Thiếu phiếu hẹn"}).
		MustStatus(http.StatusCreated).Decode(&nc)
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/cause", map[string]any{"categories": []string{"people"}, "summary": "Sơ suất"}).MustStatus(200)
	var added struct {
		Action struct{ ID string }
	}
	coord.Do("POST", "/api/v1/ncs/"+nc.ID+"/actions", map[string]string{"unit": "motcua", "owner": "staff.motcua", "description": "Nhắc nhở",
		"due": today, "verify_after": today}).MustStatus(http.StatusCreated).Decode(&added)
	id := added.Action.ID
	staff.Do("POST", "/api/v1/actions/"+id+"/start", nil).MustStatus(200)
	staff.Multipart("/api/v1/actions/"+id+"/done", map[string]string{"report": "Đã nhắc"}, apptest.File{Field: "file", Name: "a.pdf", Content: pdfBytes}).MustStatus(200)
	head.Do("POST", "/api/v1/actions/"+id+"/signoff", map[string]string{"password": apptest.Password}).MustStatus(200)
	coord.Do("POST", "/api/v1/actions/"+id+"/reverify", map[string]string{"comment": "x", "password": apptest.Password}).MustStatus(http.StatusConflict)
	var v ncView
	coord.Do("POST", "/api/v1/actions/"+id+"/verify", map[string]any{"effective": true, "password": apptest.Password}).MustStatus(200).Decode(&v)
	if v.Status != "closed" {
		t.Fatalf("status %s", v.Status)
	}
	page := func(c *apptest.Client) string {
		req, _ := http.NewRequest("GET", env.URL+"/ncs/"+nc.ID, nil)
		req.Header.Set("Accept", "text/html")
		return string(c.Send(req).MustStatus(200).Body)
	}
	if !strings.Contains(page(coord), `id="reverify-form-1"`) || strings.Contains(page(staff), `id="reverify-form-1"`) {
		t.Fatal("the reverify form is offered to the wrong people")
	}
	staff.Do("POST", "/api/v1/actions/"+id+"/reverify", map[string]string{"comment": "x", "password": apptest.Password}).MustStatus(http.StatusForbidden)
	coord.Do("POST", "/api/v1/actions/"+id+"/reverify", map[string]string{"comment": "Lại thiếu phiếu hẹn", "password": apptest.Password}).
		MustStatus(200).Decode(&v)
	if v.Status != "reopened" || v.Actions[0].Status != "verified_not_effective" {
		t.Fatalf("after reverify: %+v", v)
	}
}

// TestNCMessagesVietnamese: the reasons the NC forms show come from the one
// catalog, status codes become their labels in Vietnamese, the English
// wording (the API's) keeps the codes, and unknown messages pass unchanged.
func TestNCMessagesVietnamese(t *testing.T) {
	env := apptest.New(t)
	s := env.App.Web
	fe := qms.FieldErrors{}
	fe.Add("comment", "%s (say why the action was not effective)", qms.Errorf(qms.ErrInvalid, "%s is required", "comment"))
	for _, c := range []struct {
		err    error
		vi, en string
	}{
		{qms.Errorf(qms.ErrState, "action #%d is %s; only an action reported done can be signed off", 2, qms.Label{Prefix: "nc.action", Code: "signed_off"}),
			"Hành động #2 đang ở trạng thái «Trưởng đơn vị đã ký, chờ kiểm tra hiệu lực»; chỉ ký xác nhận hành động đã báo cáo hoàn thành",
			"action #2 is signed_off; only an action reported done can be signed off"},
		{qms.Errorf(qms.ErrState, "nonconformity %s is %s", "NC-2026-0001", qms.Label{Prefix: "nc.status", Code: "closed"}),
			"Điểm không phù hợp NC-2026-0001 đang ở trạng thái «Đã đóng»", "nonconformity NC-2026-0001 is closed"},
		{qms.Errorf(qms.ErrState, "action #%d can be verified on or after %s", 1, "30/12/2026"),
			"Hành động #1 chỉ được kiểm tra hiệu lực từ ngày 30/12/2026", "action #1 can be verified on or after 30/12/2026"},
		{qms.Errorf(qms.ErrForbidden, "the password is wrong: the signature was not applied"),
			"Mật khẩu không đúng: chữ ký chưa được thực hiện", "the password is wrong: the signature was not applied"},
		{fe.Err(), "comment: Trường comment không được để trống (nêu lý do hành động không có hiệu lực)",
			"comment: comment is required (say why the action was not effective)"},
		{qms.Errorf(qms.ErrInvalid, "something new"), "something new", "something new"},
	} {
		if got := s.TranslateError("vi", c.err); got != c.vi {
			t.Errorf("vi %v:\n got %q\nwant %q", c.err, got, c.vi)
		}
		if got := s.TranslateError("en", c.err); got != c.en {
			t.Errorf("en %v:\n got %q\nwant %q", c.err, got, c.en)
		}
	}
}
