// Package faultenv starts private copies of the services qmstrack depends on
// for the fault tests (build tag fault), so a test can freeze, kill, restart
// or starve them without disturbing the shared test services.
package faultenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// MinIO is a private MinIO server: its own port, its own data folder, its
// own process, started with the root key below.
type MinIO struct {
	Endpoint string // 127.0.0.1:port
	Dir      string // data folder
	Log      string // the server's output, for failure messages

	bin  string
	cmd  *exec.Cmd
	port int
	t    testing.TB
}

// MinIO's root key in the fault tests.
const (
	MinIOUser     = "qmstrack"
	MinIOPassword = "qmstrack-secret"
)

// missing skips the test, or fails it under CI, when a tool or permission
// the fault test needs is not there.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if testenv.InCI() {
		t.Fatalf("%s (CI is set, so this fails instead of skipping)", msg)
	}
	t.Skipf("%s, skipping", msg)
}

// minioBinary finds the MinIO binary: QMS_MINIO_BIN, else .tools/bin/minio
// of the module (make tools installs it), else minio on the PATH.
func minioBinary() (string, error) {
	if p := os.Getenv("QMS_MINIO_BIN"); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, ".tools", "bin", "minio")
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return exec.LookPath("minio")
}

// freeTCPPort asks the kernel for a port nobody listens on.
func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartMinIO starts a MinIO on a free port with its data in dir (a fresh
// temporary folder when dir is ""), waits until it answers, and stops it
// (and removes a temporary folder) at cleanup.
func StartMinIO(t testing.TB, dir string) *MinIO {
	t.Helper()
	bin, err := minioBinary()
	if err != nil {
		missing(t, "the MinIO binary is not found (make tools installs .tools/bin/minio; or set QMS_MINIO_BIN): %v", err)
	}
	if dir == "" {
		dir = t.TempDir()
	}
	port, err := freeTCPPort()
	if err != nil {
		t.Fatal(err)
	}
	m := &MinIO{Endpoint: "127.0.0.1:" + strconv.Itoa(port), Dir: dir, Log: filepath.Join(t.TempDir(), "minio.log"), bin: bin, port: port, t: t}
	t.Cleanup(m.stop)
	m.start()
	return m
}

func (m *MinIO) start() {
	m.t.Helper()
	console, err := freeTCPPort()
	if err != nil {
		m.t.Fatal(err)
	}
	logf, err := os.OpenFile(m.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		m.t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(m.bin, "server", "--quiet", "--address", m.Endpoint, "--console-address", "127.0.0.1:"+strconv.Itoa(console), m.Dir)
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+MinIOUser, "MINIO_ROOT_PASSWORD="+MinIOPassword,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		m.t.Fatalf("start MinIO: %v", err)
	}
	m.cmd = cmd
	// A loaded machine (the race detector, other tests) can take tens of
	// seconds to start MinIO.
	if err := m.waitLive(90 * time.Second); err != nil {
		m.stop()
		m.t.Fatalf("MinIO on %s did not come up: %v\n%s", m.Endpoint, err, m.output())
	}
}

// waitLive polls MinIO's liveness endpoint.
func (m *MinIO) waitLive(within time.Duration) error {
	deadline := time.Now().Add(within)
	c := &http.Client{Timeout: time.Second}
	var err error
	for time.Now().Before(deadline) {
		var res *http.Response
		res, err = c.Get("http://" + m.Endpoint + "/minio/health/ready")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

func (m *MinIO) output() string {
	b, _ := os.ReadFile(m.Log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Freeze stops the process (SIGSTOP) and waits until it is stopped: it
// keeps its port and accepts connections (the kernel does) but answers
// nothing, like a hung server.
func (m *MinIO) Freeze() {
	m.signal(syscall.SIGSTOP)
	stat := fmt.Sprintf("/proc/%d/stat", m.cmd.Process.Pid)
	for range 200 {
		b, err := os.ReadFile(stat)
		if err != nil {
			return
		}
		// The state follows the command's closing parenthesis.
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && i+2 < len(b) && (b[i+2] == 'T' || b[i+2] == 't') {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Thaw resumes a frozen process (SIGCONT).
func (m *MinIO) Thaw() { m.signal(syscall.SIGCONT) }

func (m *MinIO) signal(sig syscall.Signal) {
	m.t.Helper()
	if m.cmd == nil {
		m.t.Fatal("MinIO is not running")
	}
	if err := m.cmd.Process.Signal(sig); err != nil {
		m.t.Fatalf("signal %v to MinIO: %v", sig, err)
	}
}

// Kill kills the process (SIGKILL) and waits for it: connections are
// refused until Restart.
func (m *MinIO) Kill() {
	m.t.Helper()
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGCONT)
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
	m.cmd = nil
}

// Restart starts the server again on the same port and data folder.
func (m *MinIO) Restart() {
	m.t.Helper()
	m.Kill()
	m.start()
}

// stop kills the server at cleanup: its data is the test's to throw away,
// so a graceful stop (seconds) buys nothing.
func (m *MinIO) stop() {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
	m.cmd = nil
}

// Options are settings of a blob.Store on this MinIO with its root key (as
// the service key and the disposal key), for bucket.
func (m *MinIO) Options(bucket string) blob.Options {
	return blob.Options{Endpoint: m.Endpoint, AccessKey: MinIOUser, SecretKey: MinIOPassword,
		Region: "us-east-1", Bucket: bucket}
}

// Store connects to this MinIO with o (see Options) and makes the bucket.
func (m *MinIO) Store(o blob.Options) *blob.Store {
	m.t.Helper()
	s, err := blob.New(o)
	if err != nil {
		m.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.EnsureBucket(ctx); err != nil {
		m.t.Fatalf("bucket on the private MinIO: %v\n%s", err, m.output())
	}
	return s
}

// Tmpfs mounts a tmpfs of size bytes on a fresh folder, for a MinIO whose
// disk can be filled, and unmounts it at cleanup. Without the permission to
// mount (not root, or a container without CAP_SYS_ADMIN) the test skips, or
// fails under CI.
func Tmpfs(t testing.TB, size int64) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "qms-tmpfs-")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+strconv.FormatInt(size, 10), "tmpfs", dir).CombinedOutput()
	if err != nil {
		os.Remove(dir)
		missing(t, "cannot mount a tmpfs for a small disk (needs root and CAP_SYS_ADMIN): %v %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		for range 20 {
			if err := exec.Command("umount", dir).Run(); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		os.Remove(dir)
	})
	return dir
}

// Fill writes a file into dir that leaves about free bytes free on dir's
// file system, and returns a function that removes it.
func Fill(t testing.TB, dir string, free int64) func() {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	avail := int64(st.Bavail) * int64(st.Bsize)
	n := avail - free
	if n <= 0 {
		return func() {}
	}
	p := filepath.Join(dir, fmt.Sprintf("filler-%d", time.Now().UnixNano()))
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, int64(len(buf)))
		if _, err := f.Write(buf[:k]); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			f.Close()
			t.Fatal(err)
		}
		n -= k
	}
	if err := f.Close(); err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Fatal(err)
	}
	return func() { _ = os.Remove(p) }
}
