//go:build browser

package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
	"github.com/qmstrack/qmstrack/server/postgres"
)

// TestBrowserAuditScenario: the coordinator plans an audit of the land
// office; an auditor from another unit records findings, one of them a
// nonconformity; the auditor downloads the evidence pack (which verifies);
// the coordinator sees the clause coverage change.
func TestBrowserAuditScenario(t *testing.T) {
	env := apptest.New(t)
	addAuditor(t, env, "auditor.noivu", "noivu")
	fileRecord(t, env.As("staff.tnmt"), "filled-form", "tnmt", "Sổ theo dõi hồ sơ đất đai", "7.5.3", recPDF("register"))
	ctx := browsertest.New(t, 3*time.Minute)
	sc := newScenario(t, ctx, env.URL, "audit")
	run, as := sc.run, sc.as
	coverage := func() (audits, ncs int) {
		var a, n string
		run("coverage",
			browsertest.NavigateAction(env.URL+"/clauses/coverage"),
			chromedp.WaitVisible("#coverage", chromedp.ByID),
			chromedp.Text(`tr[id="clause-7.5.3"] td.n-audits`, &a, chromedp.ByQuery),
			chromedp.Text(`tr[id="clause-7.5.3"] td.n-ncs`, &n, chromedp.ByQuery),
		)
		audits, _ = strconv.Atoi(strings.TrimSpace(a))
		ncs, _ = strconv.Atoi(strings.TrimSpace(n))
		return
	}

	// The coordinator looks at the coverage, then plans the audit.
	as("coordinator")
	a0, n0 := coverage()
	day := todayVN()
	var picked bool
	run("plan the audit",
		browsertest.NavigateAction(env.URL+"/audits"),
		chromedp.Click("#audit-new-open", chromedp.ByID),
		chromedp.WaitVisible("#plan-title", chromedp.ByID),
		chromedp.SetValue("#plan-title", "Đánh giá nội bộ Phòng Tài nguyên và Môi trường", chromedp.ByID),
		chromedp.Evaluate(`(() => { const s = document.getElementById('plan-units');
			for (const o of s.options) { o.selected = (o.value === 'tnmt') } return true })()`, &picked),
		chromedp.SetValue("#plan-start", day, chromedp.ByID),
		chromedp.SetValue("#plan-end", day, chromedp.ByID),
		chromedp.SetValue("#plan-lead", "auditor.noivu", chromedp.ByID),
		chromedp.SetValue("#plan-questions", "Sổ theo dõi có cập nhật hằng ngày không?", chromedp.ByID),
		chromedp.Click("#plan-submit", chromedp.ByID),
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
		chromedp.WaitVisible("#audit-heading", chromedp.ByID),
	)
	var auditURL string
	run("audit url", chromedp.Location(&auditURL))
	// Without the flash of the planning, so that a flash on this page means
	// the next form was answered.
	auditURL = strings.SplitN(auditURL, "?", 2)[0]

	// The auditor from the Home Affairs office records findings.
	as("auditor.noivu")
	finding := func(clause, kind, severity, text string) {
		row := `tr[data-clause="` + clause + `"]`
		run("finding "+clause,
			browsertest.NavigateAction(auditURL),
			chromedp.WaitVisible("#checklist", chromedp.ByID),
			chromedp.Click(row+" details.finding-add summary", chromedp.ByQuery),
			chromedp.SetValue(row+` select[name="kind"]`, kind, chromedp.ByQuery),
			chromedp.SetValue(row+` select[name="severity"]`, severity, chromedp.ByQuery),
			chromedp.SetValue(row+` textarea[name="description"]`, text, chromedp.ByQuery),
			chromedp.SetValue(row+` input[name="evidence"]`, "Sổ theo dõi hồ sơ đất đai", chromedp.ByQuery),
			chromedp.Click(row+` form.finding-form button`, chromedp.ByQuery),
			chromedp.WaitVisible("#flash-ok", chromedp.ByID),
		)
	}
	finding("7.5.3", "nonconformity", "minor", "Hồ sơ lưu không ghi ngày trả kết quả")
	finding("8.5", "conformity", "", "Quy trình cấp giấy chứng nhận được thực hiện đúng")
	var ncText string
	run("NC link", chromedp.Text(`tr[data-clause="7.5.3"] a.nc-link`, &ncText, chromedp.ByQuery))
	if !strings.HasPrefix(ncText, "NC-") {
		t.Fatalf("the nonconformity finding shows %q, not an NC number", ncText)
	}

	// The auditor downloads the evidence pack with the browser's session.
	var b64 string
	run("download the pack",
		chromedp.WaitVisible("#audit-pack", chromedp.ByID),
		chromedp.Evaluate(`(async () => {
			const r = await fetch(document.getElementById('audit-pack').href);
			if (!r.ok || r.headers.get('Content-Type') !== 'application/zip') return 'status ' + r.status;
			const b = new Uint8Array(await r.arrayBuffer());
			let s = ''; for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
			return btoa(s);
		})()`, &b64, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("pack download: %.80s", b64)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), env.DBURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := evidence.Verify(context.Background(), zr, postgres.NewTrailStore(db))
	if err != nil || !rep.OK || rep.Files != 1 {
		t.Fatalf("the downloaded pack does not verify: %+v %v", rep, err)
	}

	// The coordinator sees the clause coverage change.
	as("coordinator")
	a1, n1 := coverage()
	if a1 != a0+1 || n1 != n0+1 {
		t.Fatalf("coverage of 7.5.3: audits %d -> %d, NCs %d -> %d", a0, a1, n0, n1)
	}
}

// scenario runs the steps of a browser test: run performs one step and, on
// failure, saves a screenshot named after it and stops the test with the
// page's text; as signs in (signing out first when needed).
type scenario struct {
	t        *testing.T
	ctx      context.Context
	base     string
	prefix   string
	step     int
	loggedIn bool
}

func newScenario(t *testing.T, ctx context.Context, base, prefix string) *scenario {
	return &scenario{t: t, ctx: ctx, base: base, prefix: prefix}
}

func (sc *scenario) run(what string, actions ...chromedp.Action) {
	sc.t.Helper()
	sc.step++
	if err := chromedp.Run(sc.ctx, actions...); err != nil {
		browsertest.Screenshot(sc.ctx, sc.prefix+"-"+what)
		var body string
		_ = chromedp.Run(sc.ctx, chromedp.Text("main", &body, chromedp.ByQuery))
		sc.t.Fatalf("step %d (%s): %v\npage: %.800s", sc.step, what, err, body)
	}
}

func (sc *scenario) as(login string) {
	sc.t.Helper()
	if sc.loggedIn {
		if err := browsertest.Logout(sc.ctx, sc.base); err != nil {
			sc.t.Fatalf("logout: %v", err)
		}
	}
	sc.loggedIn = true
	if err := browsertest.Login(sc.ctx, sc.base, login, apptest.Password); err != nil {
		sc.t.Fatalf("login %s: %v", login, err)
	}
}

// tempPDF writes a small PDF named name into dir and returns its path.
func tempPDF(t *testing.T, dir, name, body string) string {
	return tempFile(t, dir, name, "%PDF-1.4\n% "+body+"\n%%EOF\n")
}

// tempFile writes content to a file named name in dir and returns its path.
func tempFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
