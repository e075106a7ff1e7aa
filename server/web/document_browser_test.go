//go:build browser

package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// The whole path of a controlled document in the browser: the coordinator
// registers it, the author uploads, the reviewer asks for changes, the
// author uploads again, the reviewer approves, the head approves, the
// coordinator publishes, staff acknowledge, and an anonymous visitor
// downloads it from the public register.
func TestBrowserDocumentLifecycle(t *testing.T) {
	env := apptest.New(t)
	ctx := browsertest.New(t, 4*time.Minute)
	dir := t.TempDir()
	v1 := tempFile(t, dir, "Quy trình cấp phép v1.txt", "Bản dự thảo thứ nhất")
	v2 := tempFile(t, dir, "Quy trình cấp phép v2.txt", "Bản đã sửa theo ý kiến soát xét")
	step := newScenario(t, ctx, env.URL, "doc").run
	// mark flags the current page so that waitDone waits for the page the
	// form leads to, not a flash message still showing from the last one.
	mark := chromedp.Evaluate(`document.body.setAttribute('data-stale', '1')`, nil)
	// submit clicks a button that leads to another page from JavaScript:
	// chromedp's Click holds node ids that the navigation can invalidate
	// halfway ("could not find node"), which made the test flaky.
	submit := func(sel string) chromedp.Action {
		return chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).click()`, sel), nil)
	}
	waitDone := chromedp.WaitVisible(`body:not([data-stale]) #flash-ok`, chromedp.ByQuery)
	login := func(who string) {
		t.Helper()
		if err := browsertest.Login(ctx, env.URL, who, apptest.Password); err != nil {
			t.Fatalf("login %s: %v", who, err)
		}
	}
	logout := func() {
		t.Helper()
		// browsertest.Navigate waits out a form's redirect still loading.
		if err := browsertest.Logout(ctx, env.URL); err != nil {
			t.Fatalf("logout: %v", err)
		}
	}

	// The coordinator registers a public procedure of unit tnmt.
	login("coordinator")
	var docURL string
	step("register",
		chromedp.Navigate(env.URL+"/documents"),
		chromedp.WaitVisible("#doc-new", chromedp.ByID),
		chromedp.Navigate(env.URL+"/documents/new"),
		chromedp.WaitVisible("#doc-create", chromedp.ByID),
		chromedp.SetValue("#f-code", "QT-07", chromedp.ByID),
		chromedp.SetValue("#f-title", "Quy trình cấp phép xây dựng", chromedp.ByID),
		chromedp.SetValue("#f-unit", "tnmt", chromedp.ByID),
		chromedp.SetValue("#f-clauses", "7.5.3, 8.2", chromedp.ByID),
		chromedp.Click("#f-public", chromedp.ByID),
		submit("#f-create"),
		chromedp.WaitVisible("#doc-code", chromedp.ByID),
		chromedp.Location(&docURL),
	)
	logout()

	// The author uploads the first draft (progress bar, XHR) and submits it.
	login("author.tnmt")
	step("upload v1",
		chromedp.Navigate(docURL),
		chromedp.WaitVisible("#rev-form", chromedp.ByID),
		chromedp.SetValue("#rev-change", "Ban hành lần đầu", chromedp.ByID),
		chromedp.SetUploadFiles("#rev-file", []string{v1}, chromedp.ByID),
		mark,
		submit("#rev-upload"),
		waitDone,
		chromedp.SetValue(".reviewers-select", "head.tnmt", chromedp.ByQuery),
		mark,
		submit(".submit-button"),
		waitDone,
	)
	logout()

	// The reviewer asks for changes, signing with the password.
	login("head.tnmt")
	step("request changes",
		chromedp.Navigate(docURL),
		chromedp.WaitVisible(".act-review", chromedp.ByQuery),
		chromedp.Click(".decision-changes", chromedp.ByQuery),
		chromedp.SetValue(".review-comment-input", "Bổ sung thời hạn giải quyết", chromedp.ByQuery),
		chromedp.SetValue(".act-review .sign-password", apptest.Password, chromedp.ByQuery),
		mark,
		submit(".act-review .sign-button"),
		waitDone,
	)
	logout()

	// The author replaces the main file and submits again.
	login("author.tnmt")
	var comment string
	step("upload v2",
		chromedp.Navigate(docURL),
		chromedp.WaitVisible(".act-upload", chromedp.ByQuery),
		chromedp.Text(".review-comment", &comment, chromedp.ByQuery),
		chromedp.Click(".act-upload summary", chromedp.ByQuery),
		chromedp.Evaluate(`(function(){var s=document.querySelector('.replace-select'); s.selectedIndex=1; return s.value})()`, nil),
		chromedp.SetUploadFiles(".files-input", []string{v2}, chromedp.ByQuery),
		mark,
		submit(".files-submit"),
		waitDone,
		chromedp.SetValue(".reviewers-select", "head.tnmt", chromedp.ByQuery),
		mark,
		submit(".submit-button"),
		waitDone,
	)
	if !strings.Contains(comment, "Bổ sung thời hạn") {
		t.Fatalf("the author does not see the review comment: %q", comment)
	}
	logout()

	login("head.tnmt")
	step("review approve",
		chromedp.Navigate(docURL),
		chromedp.WaitVisible(".act-review", chromedp.ByQuery),
		chromedp.Click(".decision-approve", chromedp.ByQuery),
		chromedp.SetValue(".act-review .sign-password", apptest.Password, chromedp.ByQuery),
		mark,
		submit(".act-review .sign-button"),
		waitDone,
	)
	// The reviewer is not offered the approval.
	var approveShown bool
	step("no approve for reviewer", chromedp.Evaluate(`document.querySelector('.act-approve') !== null`, &approveShown))
	if approveShown {
		t.Fatal("the reviewer is offered the approval")
	}
	logout()

	login("chairman")
	step("approve",
		chromedp.Navigate(docURL),
		chromedp.WaitVisible(".act-approve", chromedp.ByQuery),
		chromedp.SetValue(".act-approve .sign-password", apptest.Password, chromedp.ByQuery),
		mark,
		submit(".act-approve .sign-button"),
		waitDone,
	)
	logout()

	login("coordinator")
	var signoff string
	step("publish",
		chromedp.Navigate(docURL),
		chromedp.WaitVisible(".act-publish", chromedp.ByQuery),
		chromedp.SetValue(".act-publish .sign-password", apptest.Password, chromedp.ByQuery),
		mark,
		submit(".act-publish .sign-button"),
		waitDone,
		chromedp.WaitVisible(".ack-report", chromedp.ByQuery),
		chromedp.Text(".signoff", &signoff, chromedp.ByQuery),
	)
	browsertest.Screenshot(ctx, "doc-published")
	for _, want := range []string{"Chuyên viên soạn thảo Tài nguyên", "Người soạn thảo", "Trưởng phòng Tài nguyên", "Chủ tịch UBND", "Lương Hoàng Minh"} {
		if !strings.Contains(signoff, want) {
			t.Errorf("sign-off block lacks %q: %q", want, signoff)
		}
	}
	logout()

	// Staff see the task on the home page and acknowledge.
	login("staff.tnmt")
	var task, link string
	step("task",
		chromedp.WaitVisible(".task-acknowledge a", chromedp.ByQuery),
		chromedp.Text(".task-acknowledge a", &task, chromedp.ByQuery),
		chromedp.AttributeValue(".task-acknowledge a", "href", &link, nil, chromedp.ByQuery),
	)
	step("acknowledge",
		chromedp.Navigate(env.URL+link),
		chromedp.WaitVisible(".ack-button", chromedp.ByQuery),
		mark,
		submit(".ack-button"),
		waitDone,
		chromedp.Navigate(env.URL+"/"),
		chromedp.WaitVisible("#tasks", chromedp.ByID),
	)
	if !strings.Contains(task, "QT-07") || !strings.Contains(task, "01") {
		t.Errorf("task %q", task)
	}
	var tasksLeft int
	step("task gone", chromedp.Evaluate(`document.querySelectorAll('.task-acknowledge').length`, &tasksLeft))
	if tasksLeft != 0 {
		t.Errorf("%d acknowledgement tasks left", tasksLeft)
	}
	logout()

	// An anonymous visitor downloads it from the public register.
	var href, got string
	step("public download",
		chromedp.Navigate(env.URL+"/public"),
		chromedp.WaitVisible("#pub-QT-07", chromedp.ByID),
		chromedp.AttributeValue("#pub-QT-07 .pub-download", "href", &href, nil, chromedp.ByQuery),
		chromedp.Evaluate(`fetch(document.querySelector('#pub-QT-07 .pub-download').href).then(r => r.text())`, &got,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	browsertest.Screenshot(ctx, "doc-public")
	if got != "Bản đã sửa theo ý kiến soát xét" {
		t.Fatalf("public download %q from %s", got, href)
	}
}
