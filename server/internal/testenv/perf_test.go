package testenv

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps what Target says.
type recorder struct {
	testing.TB
	logs, errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestTargetFailsOnlyWhenAsserted: a missed target fails the run under
// QMS_PERF_ASSERT=1 and is only logged without it; a met target never fails.
func TestTargetFailsOnlyWhenAsserted(t *testing.T) {
	for _, tc := range []struct {
		env       string
		met       bool
		wantError bool
	}{
		{"1", false, true}, {"true", false, true}, {"1", true, false},
		{"", false, false}, {"0", false, false}, {"", true, false},
	} {
		t.Setenv("QMS_PERF_ASSERT", tc.env)
		r := &recorder{TB: t}
		Target(r, tc.met, "p95 %d ms ≤ %d ms", 250, 200)
		if got := len(r.errs) > 0; got != tc.wantError {
			t.Errorf("QMS_PERF_ASSERT=%q met=%v: failed=%v (errors %q, logs %q), want failed=%v", tc.env, tc.met, got, r.errs, r.logs, tc.wantError)
		}
		all := strings.Join(append(r.logs, r.errs...), "\n")
		if !strings.Contains(all, "p95 250 ms ≤ 200 ms") || strings.Contains(all, "missed") == tc.met {
			t.Errorf("QMS_PERF_ASSERT=%q met=%v: said %q", tc.env, tc.met, all)
		}
	}
}
