// Package failpoint lets a test stop the process at a named step, to prove
// that work interrupted there is finished after a restart. It does nothing
// unless QMS_FAULT_EXIT_AT or QMS_FAULT_DELAY is set in the environment,
// which only the fault tests do.
//
//	QMS_FAULT_EXIT_AT=dispose.after-delete:3   exit (code 86) at the 3rd time that step is reached
//	QMS_FAULT_DELAY=dispose.before-delete:200ms  sleep that long each time the step is reached
//
// Each variable may name several steps, separated by commas. The variables
// are read from the process environment rather than the configuration on
// purpose: a step is a test's knob, not a setting of the product. The
// counters are the one package-level state, and only when a variable is set.
package failpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ExitCode is the exit status of a process stopped by a failpoint.
const ExitCode = 86

type point struct {
	exitAt int
	delay  time.Duration
}

var (
	once   sync.Once
	points map[string]point
	mu     sync.Mutex
	hits   map[string]int
)

func load() {
	points = map[string]point{}
	hits = map[string]int{}
	for _, item := range strings.Split(os.Getenv("QMS_FAULT_EXIT_AT"), ",") {
		name, arg, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 {
			continue
		}
		p := points[name]
		p.exitAt = n
		points[name] = p
	}
	for _, item := range strings.Split(os.Getenv("QMS_FAULT_DELAY"), ",") {
		name, arg, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok {
			continue
		}
		d, err := time.ParseDuration(arg)
		if err != nil || d <= 0 {
			continue
		}
		p := points[name]
		p.delay = d
		points[name] = p
	}
}

// Hit marks that the process reached step name: when the environment asks
// for it, it sleeps, or ends the process at once (no deferred function
// runs, no connection is closed politely: as close to a crash as Go gets
// without a signal).
func Hit(name string) {
	once.Do(load)
	p, ok := points[name]
	if !ok {
		return
	}
	if p.delay > 0 {
		time.Sleep(p.delay)
	}
	if p.exitAt == 0 {
		return
	}
	mu.Lock()
	hits[name]++
	n := hits[name]
	mu.Unlock()
	if n == p.exitAt {
		fmt.Fprintf(os.Stderr, "failpoint %s:%d reached, exiting\n", name, n)
		os.Exit(ExitCode)
	}
}
