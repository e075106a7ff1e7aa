// Package faultenv starts private instances of the services qmstrack depends
// on, for the fault tests (build tag fault): a PostgreSQL cluster of the
// test's own on a free port, which the test may restart, stop or kill without
// disturbing the shared servers every other test uses.
//
// Like testenv, a missing service binary skips the test, and fails it under
// CI (testenv.InCI).
package faultenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// Missing skips the test because what it needs is not installed, or fails
// it under CI, where every tool must be present.
func Missing(t testing.TB, what string, err error) {
	t.Helper()
	if testenv.InCI() {
		t.Fatalf("%s is missing (CI is set, so this fails instead of skipping): %v", what, err)
	}
	t.Skipf("%s is missing, skipping: %v", what, err)
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on at the
// moment of the call. Another process may take it before the caller does,
// so starters retry on a bind failure.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// WaitTCP waits until something accepts connections on addr, or the
// timeout passes.
func WaitTCP(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing answers on %s after %s: %w", addr, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serviceUser is the unprivileged account a server that refuses to run as
// root (PostgreSQL) is run as when the tests run as root.
type serviceUser struct {
	name     string
	uid, gid int
}

// asService returns the account to run name's binaries as: nil when the
// tests do not run as root (the binary runs as the current user).
func asService(name string) (*serviceUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("running as root needs the %q account to run the server as: %w", name, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		return nil, fmt.Errorf("running as root needs runuser to switch to %q: %w", name, err)
	}
	return &serviceUser{name: name, uid: uid, gid: gid}, nil
}

// command builds bin args, run as su when it is set.
func (su *serviceUser) command(bin string, args ...string) *exec.Cmd {
	if su == nil {
		return exec.Command(bin, args...)
	}
	return exec.Command("runuser", append([]string{"-u", su.name, "--", bin}, args...)...)
}

// chown hands path to su (nothing to do when su is nil).
func (su *serviceUser) chown(path string) error {
	if su == nil {
		return nil
	}
	return os.Chown(path, su.uid, su.gid)
}
