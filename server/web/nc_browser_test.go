//go:build browser

package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// TestBrowserNCScenario: the coordinator records a finding of a provincial
// inspection, assigns actions to two units, each owner reports done with
// evidence, each unit head signs off, the coordinator verifies one action
// effective and the other not, the NC reopens, a new action closes it, and
// the scorecard shows the result.
func TestBrowserNCScenario(t *testing.T) {
	env := apptest.New(t)
	ctx := browsertest.New(t, 90*time.Second)
	dir := t.TempDir()
	evidence := func(name string) string { return tempPDF(t, dir, name, name) }
	sc := newScenario(t, ctx, env.URL, "nc")
	run, as := sc.run, sc.as
	today := ncToday().Format("2006-01-02")
	var ncURL string
	// loaded waits until the page's deferred scripts ran: the upload forms
	// submit through app.js, which adds the CSRF header.
	loaded := chromedp.Poll(`document.readyState === "complete"`, nil, chromedp.WithPollingTimeout(20*time.Second))
	open := func() {
		run("open NC", chromedp.Navigate(ncURL), chromedp.WaitVisible("#nc-number", chromedp.ByID), loaded)
	}
	status := func(sel, want string) chromedp.Action {
		return chromedp.WaitVisible(sel+`[data-status="`+want+`"]`, chromedp.ByQuery)
	}
	// pickOwner selects the owner option of a login (values are unit|user id).
	pickOwner := func(login string) chromedp.Action {
		var ok bool
		return chromedp.Evaluate(`(() => { const s = document.getElementById('action-owner');
			for (const o of s.options) { if (o.dataset.login === '`+login+`') { s.value = o.value; return true } } return false })()`, &ok)
	}
	addAction := func(no, owner, what string) {
		run("add action for "+owner,
			pickOwner(owner),
			chromedp.SetValue("#action-description", what, chromedp.ByID),
			chromedp.SetValue("#action-due", today, chromedp.ByID),
			chromedp.SetValue("#action-verify-after", today, chromedp.ByID),
			chromedp.Click("#action-add", chromedp.ByID),
			status("#action-status-"+no, "open"),
			loaded,
		)
	}
	carryOut := func(owner, no, file string) {
		as(owner)
		var tasks string
		run("home tasks of "+owner, chromedp.Text("#tasks", &tasks, chromedp.ByID))
		if !strings.Contains(tasks, "NC-") {
			t.Fatalf("%s has no NC task on the home page: %q", owner, tasks)
		}
		open()
		run(owner+" starts #"+no,
			chromedp.Click("#start-"+no, chromedp.ByID),
			chromedp.WaitVisible("#done-form-"+no, chromedp.ByID),
			loaded,
			chromedp.SetValue("#done-report-"+no, "Đã thực hiện, đính kèm bằng chứng", chromedp.ByID),
			chromedp.SetUploadFiles("#done-file-"+no, []string{evidence(file)}, chromedp.ByID),
			chromedp.Click("#done-"+no, chromedp.ByID),
			status("#action-status-"+no, "done"),
		)
	}
	signOff := func(head, no string) {
		as(head)
		open()
		run(head+" signs off #"+no,
			chromedp.SetValue("#signoff-password-"+no, apptest.Password, chromedp.ByID),
			chromedp.Click("#signoff-"+no, chromedp.ByID),
			status("#action-status-"+no, "signed_off"),
		)
	}
	verify := func(no string, effective bool, comment, want string) {
		radio, after := "#verify-effective-"+no, "verified_effective"
		if !effective {
			radio, after = "#verify-noteffective-"+no, "verified_not_effective"
		}
		run("verify #"+no,
			chromedp.Click(radio, chromedp.ByID),
			chromedp.SetValue("#verify-comment-"+no, comment, chromedp.ByID),
			chromedp.SetValue("#verify-password-"+no, apptest.Password, chromedp.ByID),
			chromedp.Click("#verify-"+no, chromedp.ByID),
			status("#action-status-"+no, after),
			status("#nc-status", want),
			loaded,
		)
	}

	// 1. The coordinator records the inspection's finding with its minutes.
	as("coordinator")
	run("new NC",
		chromedp.Navigate(env.URL+"/ncs/new"),
		chromedp.WaitVisible("#nc-new-form", chromedp.ByID),
		loaded,
		chromedp.SetValue("#nc-source", "external_inspection", chromedp.ByID),
		chromedp.SetValue("#nc-severity", "major", chromedp.ByID),
		chromedp.SetValue("#nc-unit", "tnmt", chromedp.ByID),
		chromedp.SetValue("#nc-title", "Đoàn kiểm tra tỉnh: hồ sơ đất đai trả trễ hạn, không có văn bản xin lỗi", chromedp.ByID),
		chromedp.SetValue("#nc-description", "Kiểm tra ngày 12: 3 hồ sơ trễ hạn", chromedp.ByID),
		chromedp.SetValue("#nc-clauses", "8.5.1, 7.5.3", chromedp.ByID),
		chromedp.SetValue("#nc-detected-by", "Đoàn kiểm tra Sở Nội vụ", chromedp.ByID),
		chromedp.SetUploadFiles("#nc-file", []string{evidence("bien-ban-kiem-tra.pdf")}, chromedp.ByID),
		chromedp.Click("#nc-create", chromedp.ByID),
		chromedp.WaitVisible("#nc-number", chromedp.ByID),
		chromedp.Location(&ncURL),
	)
	if i := strings.IndexAny(ncURL, "?#"); i > 0 {
		ncURL = ncURL[:i]
	}
	var number string
	run("number", chromedp.Text("#nc-number", &number, chromedp.ByID), status("#nc-status", "open"))
	if !strings.HasPrefix(number, "NC-") {
		t.Fatalf("number %q", number)
	}
	run("containment",
		chromedp.SetValue("#containment-input", "Đã liên hệ người dân, gửi văn bản xin lỗi và hẹn lại ngày trả", chromedp.ByID),
		chromedp.Click("#containment-save", chromedp.ByID),
		chromedp.WaitVisible("#containment-text", chromedp.ByID),
	)
	run("cause",
		chromedp.SetValue("#why-1", "Hồ sơ trễ vì chuyển giữa hai phòng", chromedp.ByID),
		chromedp.SetValue("#why-2", "Không ai theo dõi hạn khi hồ sơ ở phòng khác", chromedp.ByID),
		chromedp.SetValue("#why-3", "Quy trình QT-07 không giao trách nhiệm theo dõi", chromedp.ByID),
		chromedp.Click("#cat-method", chromedp.ByID),
		chromedp.Click("#cat-people", chromedp.ByID),
		chromedp.SetValue("#cause-summary-input", "Quy trình liên thông thiếu bước theo dõi hạn", chromedp.ByID),
		chromedp.Click("#cause-save", chromedp.ByID),
		status("#nc-status", "analysed"),
	)
	// 2. Actions for two units.
	addAction("1", "staff.tnmt", "Lập sổ theo dõi hạn hồ sơ liên thông")
	addAction("2", "staff.vhtt", "Sửa quy trình phối hợp, giao người theo dõi")
	run("two actions", status("#nc-status", "actions_planned"), status("#action-status-1", "open"), status("#action-status-2", "open"))

	// 3. Each owner reports done with evidence; 4. each head signs off.
	carryOut("staff.tnmt", "1", "so-theo-doi.pdf")
	carryOut("staff.vhtt", "2", "quy-trinh-sua-doi.pdf")
	signOff("head.tnmt", "1")
	signOff("head.vhtt", "2")

	// 5. One effective, one not: the NC reopens.
	as("coordinator")
	open()
	verify("1", true, "Kiểm tra 10 hồ sơ: không còn trễ", "actions_planned")
	verify("2", false, "Quy trình chưa được phổ biến, vẫn trễ", "reopened")
	// 6. A new action, carried out, signed off, verified: closed.
	addAction("3", "staff.vhtt", "Tập huấn quy trình mới cho công chức")
	carryOut("staff.vhtt", "3", "danh-sach-tap-huan.pdf")
	signOff("head.vhtt", "3")
	as("coordinator")
	open()
	verify("3", true, "Đã phổ biến, không còn trễ", "closed")

	var timeline string
	run("timeline", chromedp.Text("#timeline", &timeline, chromedp.ByID))
	for _, want := range []string{"Ghi nhận điểm không phù hợp", "Mở lại do hành động không có hiệu lực", "Đóng điểm không phù hợp", "Trưởng đơn vị ký xác nhận"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("timeline lacks %q:\n%s", want, timeline)
		}
	}

	// 7. The scorecard shows the closed NC and the causes.
	var closed, pareto, trend string
	run("scorecard",
		chromedp.Navigate(env.URL+"/ncs/scorecard"),
		chromedp.WaitVisible("#scorecard", chromedp.ByID),
		chromedp.Text("#score-tnmt .closed", &closed, chromedp.ByQuery),
		chromedp.OuterHTML("#chart-pareto", &pareto, chromedp.ByID),
		chromedp.OuterHTML("#chart-trend", &trend, chromedp.ByID),
		chromedp.WaitVisible("#all-complying", chromedp.ByID),
	)
	if strings.TrimSpace(closed) != "1" {
		t.Errorf("closed for tnmt = %q", closed)
	}
	if !strings.Contains(pareto, `data-category="method"`) || !strings.Contains(pareto, `data-category="people"`) {
		t.Errorf("pareto: %.300s", pareto)
	}
	if !strings.Contains(trend, `class="bar-closed"`) || !strings.Contains(trend, `data-count="1"`) {
		t.Errorf("trend: %.300s", trend)
	}
	// The register lists it as closed; English labels follow the switch.
	var row string
	run("register",
		chromedp.Navigate(env.URL+"/ncs?status=closed"),
		chromedp.WaitVisible("#nc-register", chromedp.ByID),
		chromedp.Text("#nc-"+number, &row, chromedp.ByID),
		chromedp.Click("#lang-switch", chromedp.ByID),
		chromedp.WaitVisible(`html[lang="en"] #nc-register`, chromedp.ByQuery),
	)
	var heading string
	run("english", chromedp.Text("main h1", &heading, chromedp.ByQuery))
	if !strings.Contains(row, "Đã đóng") || heading != "Nonconformity register" {
		t.Errorf("register row %q, heading %q", row, heading)
	}
}
