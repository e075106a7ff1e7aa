package testenv

import "testing"

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
