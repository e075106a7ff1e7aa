package testenv

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestInCI: any true value of CI makes a missing service fail the tests;
// anything else lets them skip.
func TestInCI(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "1": true, "TRUE": true, "yes": true, "on": true, " true ": true,
		"": false, "false": false, "0": false, "no": false, "maybe": false} {
		t.Setenv("CI", v)
		if got := InCI(); got != want {
			t.Errorf("CI=%q: InCI() = %v, want %v", v, got, want)
		}
	}
}

// outcome records how a test that called Tool or HasTool ended: failed,
// skipped, or went on with the path and answer it got.
type outcome struct {
	testing.TB
	failed, skipped, logged string
	path                    string
	ok                      bool
}

func (o *outcome) Helper() {}
func (o *outcome) Fatalf(format string, args ...any) {
	o.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (o *outcome) Skipf(format string, args ...any) {
	o.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (o *outcome) Logf(format string, args ...any) { o.logged = fmt.Sprintf(format, args...) }

func runTool(t *testing.T, f func(tb testing.TB) (string, bool)) *outcome {
	o := &outcome{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		o.path, o.ok = f(o)
	}()
	<-done
	return o
}

// TestToolMissingFailsUnderCI: a program a test needs that is not
// installed fails the test under any true CI (never a skip or a log that
// lets it pass), and skips it or is reported missing elsewhere; one that is
// installed is found either way.
func TestToolMissingFailsUnderCI(t *testing.T) {
	const missing = "qmstrack-no-such-tool"
	tool := func(name string) func(testing.TB) (string, bool) {
		return func(tb testing.TB) (string, bool) { return Tool(tb, name), true }
	}
	has := func(name string) func(testing.TB) (string, bool) {
		return func(tb testing.TB) (string, bool) { return HasTool(tb, name) }
	}
	for _, ci := range []string{"true", "1", "yes"} {
		t.Setenv("CI", ci)
		for name, f := range map[string]func(testing.TB) (string, bool){"Tool": tool(missing), "HasTool": has(missing)} {
			o := runTool(t, f)
			if !strings.HasPrefix(o.failed, missing+" is not installed (CI is set") || o.skipped != "" {
				t.Errorf("CI=%s, %s of a missing program: failed %q, skipped %q, answered %q %v", ci, name, o.failed, o.skipped, o.path, o.ok)
			}
		}
	}
	t.Setenv("CI", "")
	if o := runTool(t, tool(missing)); o.failed != "" || o.skipped != missing+" is not installed, skipping" {
		t.Errorf("no CI, Tool of a missing program: failed %q, skipped %q", o.failed, o.skipped)
	}
	if o := runTool(t, has(missing)); o.failed != "" || o.skipped != "" || o.ok || !strings.HasPrefix(o.logged, missing+" is not installed") {
		t.Errorf("no CI, HasTool of a missing program: %+v", o)
	}
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		for name, f := range map[string]func(testing.TB) (string, bool){"Tool": tool("sh"), "HasTool": has("sh")} {
			if o := runTool(t, f); o.failed != "" || o.skipped != "" || !o.ok || !strings.HasSuffix(o.path, "/sh") {
				t.Errorf("CI=%q, %s of sh: %+v", ci, name, o)
			}
		}
	}
}
