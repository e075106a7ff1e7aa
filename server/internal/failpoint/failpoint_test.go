package failpoint_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/failpoint"
)

// TestHitExitsAtTheNthTime runs this test binary again as a child that
// reaches a step three times with the variable asking to exit at the
// second; the child must stop there with ExitCode.
func TestHitExitsAtTheNthTime(t *testing.T) {
	if os.Getenv("FAILPOINT_CHILD") == "1" {
		for i := 1; i <= 3; i++ {
			failpoint.Hit("other.step")
			failpoint.Hit("some.step")
			os.Stdout.WriteString("passed " + string(rune('0'+i)) + "\n")
		}
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHitExitsAtTheNthTime$")
	cmd.Env = append(os.Environ(), "FAILPOINT_CHILD=1", "QMS_FAULT_EXIT_AT=some.step:2,bad,x:0")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != failpoint.ExitCode {
		t.Fatalf("child ended with %v, want exit code %d", err, failpoint.ExitCode)
	}
	if got := strings.TrimSpace(string(out)); got != "passed 1" {
		t.Fatalf("child got past %q before exiting", got)
	}
}

// TestHitDelays: a delay is slept at each hit.
func TestHitDelays(t *testing.T) {
	if os.Getenv("FAILPOINT_CHILD") == "2" {
		start := time.Now()
		failpoint.Hit("slow.step")
		failpoint.Hit("slow.step")
		if time.Since(start) < 400*time.Millisecond {
			os.Exit(1)
		}
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHitDelays$")
	cmd.Env = append(os.Environ(), "FAILPOINT_CHILD=2", "QMS_FAULT_DELAY=slow.step:200ms")
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v", err)
	}
}

// TestHitWithoutVariablesDoesNothing: without the variables (as in
// production) reaching a step changes nothing.
func TestHitWithoutVariablesDoesNothing(t *testing.T) {
	if os.Getenv("QMS_FAULT_EXIT_AT") != "" || os.Getenv("QMS_FAULT_DELAY") != "" {
		t.Skip("fault variables set")
	}
	start := time.Now()
	for range 1000 {
		failpoint.Hit("dispose.after-delete")
	}
	if time.Since(start) > 100*time.Millisecond {
		t.Fatal("Hit is not a no-op without the variables")
	}
}
