//go:build browser

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// axeSource is axe-core's script (make tools installs it into
// .tools/axe-core; QMS_AXE_CORE names another copy). Without it the test
// skips, and fails under CI.
func axeSource(t *testing.T) string {
	t.Helper()
	p := os.Getenv("QMS_AXE_CORE")
	if p == "" {
		p = filepath.Join("..", "..", ".tools", "axe-core", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		if testenv.InCI() {
			t.Fatalf("axe-core is not installed (CI is set, so this fails instead of skipping); run make tools: %v", err)
		}
		t.Skipf("axe-core is not installed (make tools): %v", err)
	}
	return string(b)
}

// axeViolation is one rule axe-core finds broken, with the elements.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// axeRun injects axe-core into the loaded page and returns the violations
// of impact serious or critical.
func axeRun(ctx context.Context, src string) ([]axeViolation, error) {
	var loaded bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(`typeof axe !== "undefined"`, &loaded)); err != nil {
		return nil, err
	}
	if !loaded {
		if err := chromedp.Run(ctx, chromedp.Evaluate(src+";true", &loaded)); err != nil {
			return nil, fmt.Errorf("inject axe-core: %w", err)
		}
	}
	var out []axeViolation
	err := chromedp.Run(ctx, chromedp.Evaluate(`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target}))})))`, &out,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	return out, err
}

// TestBrowserAccessibility runs axe-core on the dashboard, the dossier
// list, the NC register and a document's page, in Vietnamese and in
// English, for each demo role that may open them, and fails on any
// violation of impact serious or critical, naming the rule and the
// elements.
func TestBrowserAccessibility(t *testing.T) {
	src := axeSource(t)
	env, co := procSetup(t)
	co.Send(mustReq(t, env, procCSV)).MustStatus(http.StatusOK)
	f := env.Fixtures()
	docID, _ := f.EffectiveDocument(t, "tnmt")
	f.ActionIn(t, "tnmt", "tnmt", "staff.tnmt", "", "open") // an NC with an action in the register
	pages := []string{"/dashboard", "/dossiers", "/ncs", "/documents/" + docID}
	logins := []string{"admin", "coordinator", "auditor", "chairman", "head.tnmt", "author.tnmt", "staff.tnmt", "staff.motcua"}

	ctx := browsertest.New(t, 8*time.Minute)
	runs := 0
	for _, login := range logins {
		c := env.As(login)
		var open []string
		for _, p := range pages {
			if c.Do("GET", p, nil).Status == http.StatusOK {
				open = append(open, p)
			}
		}
		if len(open) == 0 {
			continue
		}
		if err := browsertest.Login(ctx, env.URL, login, apptest.Password); err != nil {
			t.Fatalf("%s: %v", login, err)
		}
		for _, lang := range []string{"vi", "en"} {
			if err := setBrowserLang(ctx, env.URL, lang); err != nil {
				t.Fatalf("%s: language %s: %v", login, lang, err)
			}
			for _, p := range open {
				if err := chromedp.Run(ctx, browsertest.NavigateAction(env.URL+p), chromedp.WaitReady("main", chromedp.ByQuery)); err != nil {
					t.Fatalf("%s %s: %v", login, p, err)
				}
				vs, err := axeRun(ctx, src)
				if err != nil {
					t.Fatalf("%s %s %s: axe: %v", login, lang, p, err)
				}
				runs++
				for _, v := range vs {
					var targets []string
					for _, n := range v.Nodes {
						targets = append(targets, fmt.Sprint(n.Target...))
					}
					t.Errorf("%s, %s, %s: %s (%s): %s; at %s", login, lang, p, v.ID, v.Impact, v.Help, strings.Join(targets, " | "))
				}
			}
		}
		if err := browsertest.Logout(ctx, env.URL); err != nil {
			t.Fatalf("%s: log out: %v", login, err)
		}
	}
	if runs < len(pages)*2 {
		t.Fatalf("axe ran on only %d pages", runs)
	}
	t.Logf("axe-core ran on %d pages", runs)
}

// setBrowserLang switches the signed-in browser's language with the
// header's switch when it is not lang already.
func setBrowserLang(ctx context.Context, base, lang string) error {
	var cur string
	if err := chromedp.Run(ctx, browsertest.NavigateAction(base+"/"), chromedp.Evaluate(`document.documentElement.lang`, &cur)); err != nil {
		return err
	}
	if cur == lang {
		return nil
	}
	return chromedp.Run(ctx, chromedp.Click("#lang-switch", chromedp.ByID), chromedp.WaitVisible(`html[lang="`+lang+`"]`, chromedp.ByQuery))
}
