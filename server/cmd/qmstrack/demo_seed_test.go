package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// seedDemoOnce runs `qmstrack seed --demo` on a fresh database and bucket
// and returns the configuration it ran with.
func seedDemoOnce(t *testing.T) (func(string) string, config.Config) {
	t.Helper()
	dbURL := testenv.DatabaseURL(t)
	st := testenv.Blob(t)
	getenv := envFor(t, dbURL, map[string]string{"QMS_S3_BUCKET": st.Bucket()})
	var out, errb bytes.Buffer
	began := time.Now()
	if err := run(context.Background(), []string{"seed", "--demo"}, getenv, &out, &errb); err != nil {
		t.Fatalf("seed --demo: %v\n%s\n%s", err, out.String(), errb.String())
	}
	t.Logf("seed --demo took %s:\n%s", time.Since(began).Round(time.Millisecond), out.String())
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	return getenv, cfg
}

// homeOf signs in as login on srv and returns its home page's text, with
// the HTML entities read.
func homeOf(t *testing.T, srv *httptest.Server, login, password string) string {
	t.Helper()
	return html.UnescapeString(string(getAs(t, signIn(t, srv, login, password), srv.URL+"/")))
}

// signIn returns a client signed in as login.
func signIn(t *testing.T, srv *httptest.Server, login, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	body, _ := json.Marshal(map[string]string{"login": login, "password": password})
	res, err := c.Post(srv.URL+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign in as %s: %d", login, res.StatusCode)
	}
	return c
}

// getAs reads url with c, which must answer 200.
func getAs(t *testing.T, c *http.Client, url string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "text/html")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", url, res.StatusCode, b)
	}
	return b
}

// TestDemoSeedShowsEveryRoleItsWork: after `seed --demo` each demo role's
// first page lists work that the demo content made for it, through the
// application's own services; the trail verifies; a second seed changes
// nothing.
func TestDemoSeedShowsEveryRoleItsWork(t *testing.T) {
	getenv, cfg := seedDemoOnce(t)
	ctx := context.Background()
	a, closeFn, err := build(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	srv := httptest.NewServer(a.Web)
	defer srv.Close()

	want := map[string][]string{
		// reviews issue 02 of the land procedure, signs off an action
		// reported done, reports on the chairman's open directive
		"head.tnmt": {"Soát xét QT.ISO.07 Quy trình cấp giấy chứng nhận quyền sử dụng đất, lần ban hành 02",
			"Ký xác nhận hành động khắc phục NC-", "Hồ sơ địa chính lưu không đúng thời hạn quy định",
			"Báo cáo kết quả thực hiện chỉ đạo: Rà soát toàn bộ hồ sơ đất đai trễ hạn"},
		// reviews the new complaints procedure; the NCs without a cause;
		// decides on the culture office's report
		"chairman": {"Soát xét QT.ISO.03 Quy trình tiếp nhận và xử lý phản ánh, kiến nghị, lần ban hành 01",
			"Phân tích nguyên nhân điểm không phù hợp NC-", "Công dân phản ánh không được hướng dẫn bổ sung hồ sơ một lần",
			"Xem xét báo cáo của ", ": Cập nhật bảng niêm yết thủ tục hành chính theo mức phí mới"},
		// verifies the signed-off action, decides on the old register, the
		// NCs without a cause
		"coordinator": {"Kiểm tra hiệu lực hành động NC-", "Thông tin thủ tục lễ hội niêm yết chưa cập nhật mức phí mới",
			"1 hồ sơ đã hết thời hạn lưu trữ, chờ ký hủy", "Biểu mẫu lưu hồ sơ chưa ghi thời hạn lưu trữ"},
		// acknowledges the quality manual
		"author.tnmt": {"Xác nhận đã đọc ST.ISO.01 Sổ tay chất lượng, lần ban hành 01"},
		// acknowledges the unit's procedure, carries out the inspection's action
		"staff.tnmt": {"Xác nhận đã đọc QT.ISO.07 Quy trình cấp giấy chứng nhận quyền sử dụng đất, lần ban hành 01",
			"Thực hiện hành động khắc phục NC-", "Hồ sơ đất đai trả trễ hạn, không có văn bản xin lỗi"},
		// the desk: its procedure and its overdue action
		"staff.motcua": {"Xác nhận đã đọc QT.ISO.02", "Thực hiện hành động khắc phục NC-", "Giấy tiếp nhận hồ sơ ghi sai ngày hẹn trả"},
		// the internal auditor: the audit in its window
		"auditor": {"Đánh giá nội bộ IA-", "Phòng Tài nguyên và Môi trường, Bộ phận Một cửa"},
		// the desk's head: the opportunity whose review is due
		"head.motcua": {"Xem xét lại rủi ro: Tăng hồ sơ hộ tịch nộp trực tuyến nhờ hướng dẫn tại quầy"},
		// the returned directive and the overdue one
		"head.noivu": {"Báo cáo kết quả thực hiện chỉ đạo: Xây dựng kế hoạch đào tạo ISO cho cán bộ mới"},
		"head.vp":    {"Báo cáo kết quả thực hiện chỉ đạo: Báo cáo tình hình lưu biên bản họp vào hệ thống"},
	}
	for login, items := range want {
		page := homeOf(t, srv, login, cfg.DemoPassword)
		for _, it := range items {
			if !strings.Contains(page, it) {
				t.Errorf("the home page of %s does not show %q", login, it)
			}
		}
	}

	// Every kind of content, in every state the brief of the demo names.
	today := time.Now().In(cfg.Location).Format("2006-01-02")
	counts := map[string]string{
		"units with a procedure in force":   `SELECT count(DISTINCT d.unit) FROM documents d JOIN revisions r ON r.document_id = d.id WHERE r.status = 'effective'`,
		"revisions in review":               `SELECT count(*) FROM revisions WHERE status = 'in_review'`,
		"revision files":                    `SELECT count(*) FROM revision_files`,
		"approval signatures":               `SELECT count(*) FROM signatures WHERE meaning = 'approved'`,
		"publication signatures":            `SELECT count(*) FROM signatures WHERE meaning = 'published'`,
		"record types":                      `SELECT count(DISTINCT type_code) FROM records`,
		"NC states":                         `SELECT count(DISTINCT status) FROM ncs WHERE status IN ('open','analysed','actions_planned','closed','cancelled')`,
		"action states":                     `SELECT count(DISTINCT status) FROM nc_actions WHERE status IN ('open','in_progress','done','signed_off','verified_effective')`,
		"overdue actions":                   `SELECT count(*) FROM nc_actions WHERE status IN ('open','in_progress') AND due < '` + today + `'`,
		"directive states":                  `SELECT count(DISTINCT state) FROM directives WHERE meeting_id IS NOT NULL AND plan_id IS NULL`,
		"overdue directives":                `SELECT count(*) FROM directives WHERE state IN ('open','returned') AND due_on < '` + today + `'`,
		"audit findings":                    `SELECT count(*) FROM audit_findings`,
		"NCs raised by an audit finding":    `SELECT count(*) FROM audit_findings f JOIN ncs n ON n.id::text = f.nc_id WHERE f.kind = 'nonconformity'`,
		"improvement plans":                 `SELECT count(*) FROM improvement_plans`,
		"plan tasks":                        `SELECT count(*) FROM directives WHERE plan_id IS NOT NULL`,
		"risks and opportunities":           `SELECT count(DISTINCT kind) FROM risks`,
		"scope versions":                    `SELECT count(*) FROM qms_scope_versions`,
		"management reviews in preparation": `SELECT count(*) FROM management_reviews WHERE state = 'open'`,
	}
	atLeast := map[string]int{
		"units with a procedure in force": 5, "revisions in review": 2, "revision files": 8, "approval signatures": 6, "publication signatures": 6,
		"record types": 3, "NC states": 5, "action states": 5, "overdue actions": 2, "directive states": 4, "overdue directives": 1,
		"audit findings": 3, "NCs raised by an audit finding": 1, "improvement plans": 1, "plan tasks": 3, "risks and opportunities": 2,
		"scope versions": 1, "management reviews in preparation": 1,
	}
	got := map[string]int{}
	for what, q := range counts {
		var n int
		if err := a.DB.GetContext(ctx, &n, q); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		got[what] = n
		if n < atLeast[what] {
			t.Errorf("%s: %d, want at least %d", what, n, atLeast[what])
		}
	}

	// The procedures are PDFs in Vietnamese: a printed copy of the land
	// procedure carries its page, accents intact, under the copy's header.
	var revID string
	if err := a.DB.GetContext(ctx, &revID, `SELECT r.id FROM revisions r JOIN documents d ON d.id = r.document_id
		WHERE d.code = 'QT.ISO.07' AND r.status = 'effective'`); err != nil {
		t.Fatal(err)
	}
	pdf := getAs(t, signIn(t, srv, "coordinator", cfg.DemoPassword), srv.URL+"/api/v1/revisions/"+revID+"/controlled-copy.pdf?lang=vi")
	cmd := exec.Command(testenv.Tool(t, "pdftotext"), "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	txt, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(txt), "\f")
	if len(pages) < 2 || !strings.Contains(pages[1], "2. Kiểm tra hiện trạng") || !strings.Contains(pages[1], "Mã hiệu: QT.ISO.07") {
		t.Errorf("the printed copy of QT.ISO.07 does not carry its page:\n%s", txt)
	}

	// Every row's file is in the object store, and the trail verifies.
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"doctor"}, getenv, &out, &errb); err != nil {
		t.Fatalf("doctor after the demo seed: %v %s %s", err, out.String(), errb.String())
	}
	out.Reset()
	if err := run(ctx, []string{"trail", "verify"}, getenv, &out, &errb); err != nil || !strings.Contains(out.String(), "intact") {
		t.Fatalf("trail verify after the demo seed: %v %s", err, out.String())
	}

	// A second seed changes nothing.
	var trailBefore, trailAfter int
	if err := a.DB.GetContext(ctx, &trailBefore, `SELECT count(*) FROM trail`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"seed", "--demo"}, getenv, &out, &errb); err != nil || !strings.Contains(out.String(), "not seeded") {
		t.Fatalf("second seed: %v %s", err, out.String())
	}
	if err := a.DB.GetContext(ctx, &trailAfter, `SELECT count(*) FROM trail`); err != nil {
		t.Fatal(err)
	}
	if trailAfter != trailBefore {
		t.Errorf("a second seed --demo wrote %d trail entries", trailAfter-trailBefore)
	}
	for what, q := range counts {
		var n int
		if err := a.DB.GetContext(ctx, &n, q); err != nil {
			t.Fatal(err)
		}
		if n != got[what] {
			t.Errorf("a second seed --demo changed %s: %d, then %d", what, got[what], n)
		}
	}
}
