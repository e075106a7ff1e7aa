//go:build browser

package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// A legal change's main path: the coordinator registers a new decree on
// the register's page, linked to the land service and the land office's
// procedure; the procedure gets a revision task due three months after the
// decree takes effect, shown on the decree's page and on the land office
// head's home page; once the procedure's new revision is published, the
// task reads revised.
func TestBrowserNewDecreeOpensRevisionTask(t *testing.T) {
	env, co := procSetup(t)
	f := env.Fixtures()
	docID, _ := f.EffectiveDocument(t, "tnmt")
	var doc struct{ Code string }
	co.Do("GET", "/api/v1/documents/"+docID, nil).MustStatus(http.StatusOK).Decode(&doc)

	ctx := browsertest.New(t, 3*time.Minute)
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			browsertest.Screenshot(ctx, "legal-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var tasks, status string
	step("register",
		chromedp.Navigate(env.URL+"/legal-bases"),
		chromedp.WaitVisible("#legal-form", chromedp.ByID),
		chromedp.SetValue(`#legal-form input[name=number]`, "309/2026/NĐ-CP", chromedp.ByQuery),
		chromedp.SetValue(`#legal-form select[name=kind]`, "decree", chromedp.ByQuery),
		chromedp.SetValue(`#legal-form input[name=issuer]`, "Chính phủ", chromedp.ByQuery),
		chromedp.SetValue(`#legal-form input[name=title]`, "Nghị định sửa đổi, bổ sung Nghị định 118/2025/NĐ-CP", chromedp.ByQuery),
		chromedp.SetValue(`#legal-form input[name=issued_on]`, "2026-07-20", chromedp.ByQuery),
		chromedp.SetValue(`#legal-form input[name=effective_on]`, "2026-08-05", chromedp.ByQuery),
		chromedp.SetValue(`#legal-form select[name=services]`, "DD-01", chromedp.ByQuery),
		chromedp.SetValue(`#legal-documents`, docID, chromedp.ByID),
		chromedp.Click("#legal-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#legal-basis", chromedp.ByID),
		chromedp.Text("#legal-status", &status, chromedp.ByID),
		chromedp.Text(".revision-tasks tbody", &tasks, chromedp.ByQuery),
	)
	if !strings.Contains(status, "Còn hiệu lực") {
		t.Fatalf("status %q", status)
	}
	for _, want := range []string{doc.Code, "Phòng Tài nguyên và Môi trường", "309/2026/NĐ-CP", "05/11/2026"} {
		if !strings.Contains(tasks, want) {
			t.Fatalf("the decree's revision tasks %q lack %q", tasks, want)
		}
	}
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Login(ctx, env.URL, "head.tnmt", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var home string
	step("home",
		chromedp.Navigate(env.URL+"/"),
		chromedp.WaitVisible("#tasks .task-revision", chromedp.ByQuery),
		chromedp.Text("#tasks .task-revision", &home, chromedp.ByQuery),
	)
	if !strings.Contains(home, doc.Code) || !strings.Contains(home, "309/2026/NĐ-CP") {
		t.Fatalf("the head's home task %q", home)
	}
	publishRevision(t, f, "tnmt", docID)
	var closed string
	step("revised",
		chromedp.Navigate(env.URL+"/revision-tasks?state=closed"),
		chromedp.WaitVisible(".revision-tasks", chromedp.ByQuery),
		chromedp.Text(".revision-tasks tbody", &closed, chromedp.ByQuery),
	)
	if !strings.Contains(closed, doc.Code) || !strings.Contains(closed, "Đã cập nhật") {
		t.Fatalf("closed tasks after the new revision: %q", closed)
	}
}
