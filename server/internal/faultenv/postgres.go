package faultenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq" // driver
)

// Postgres is a PostgreSQL cluster of one test's own: its data directory in
// a temporary folder, listening on 127.0.0.1 on a free port, never the
// shared server. Stopped and removed at the test's cleanup.
type Postgres struct {
	Port int

	bin  string // folder of initdb, pg_ctl, postgres
	dir  string // temporary folder: data/, the socket, the log
	su   *serviceUser
	mu   sync.Mutex
	opts string // server options passed to pg_ctl start
}

// pgBinDir finds the PostgreSQL server binaries: QMS_PG_BINDIR, else the
// newest /usr/lib/postgresql/<version>/bin (Debian's layout), else pg_ctl
// on PATH.
func pgBinDir() (string, error) {
	if d := os.Getenv("QMS_PG_BINDIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err != nil {
			return "", fmt.Errorf("QMS_PG_BINDIR=%s: %w", d, err)
		}
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	version := func(p string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p))))
		return n
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, p := range dirs {
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "initdb")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	p, err := exec.LookPath("pg_ctl")
	if err != nil {
		return "", errors.New("no PostgreSQL server binaries (initdb, pg_ctl): set QMS_PG_BINDIR or install postgresql")
	}
	return filepath.Dir(p), nil
}

// StartPostgres initialises and starts a private cluster (superuser
// postgres, trust authentication on 127.0.0.1 only, fsync off: the tests
// restart it cleanly or not at all, they never crash the machine). Without
// the binaries the test skips, or fails under CI.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	bin, err := pgBinDir()
	if err != nil {
		Missing(t, "PostgreSQL", err)
	}
	su, err := asService("postgres")
	if err != nil {
		Missing(t, "PostgreSQL", err)
	}
	dir, err := os.MkdirTemp("", "qmstrack-pg-")
	if err != nil {
		t.Fatal(err)
	}
	p := &Postgres{bin: bin, dir: dir, su: su}
	t.Cleanup(p.remove)
	if err := su.chown(dir); err != nil {
		t.Fatal(err)
	}
	out, err := p.pg("initdb", "-D", p.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput()
	if err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	// A free port may be taken between finding it and binding it: retry.
	for attempt := 0; ; attempt++ {
		p.Port = FreePort(t)
		p.opts = fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100", p.Port, dir)
		err = p.Start()
		if err == nil || attempt == 2 {
			break
		}
	}
	if err != nil {
		t.Fatalf("start PostgreSQL: %v\n%s", err, p.Log())
	}
	return p
}

// DataDir is the cluster's data directory (inside its temporary folder).
func (p *Postgres) DataDir() string { return p.data() }

func (p *Postgres) data() string { return filepath.Join(p.dir, "data") }
func (p *Postgres) logFile() string {
	return filepath.Join(p.dir, "postgres.log")
}

// pg builds a command for one of the server binaries, as the service user.
func (p *Postgres) pg(name string, args ...string) *exec.Cmd {
	return p.su.command(filepath.Join(p.bin, name), args...)
}

func (p *Postgres) ctl(args ...string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := p.pg("pg_ctl", append(args, "-D", p.data())...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %v: %s", args[0], err, strings.TrimSpace(string(out)))
	}
	return nil
}

// URL is the connection URL of database name on the cluster.
func (p *Postgres) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, name)
}

// CreateDatabase creates database name and returns its URL.
func (p *Postgres) CreateDatabase(t testing.TB, name string) string {
	t.Helper()
	if !regexp.MustCompile(`^[a-z_][a-z0-9_]*$`).MatchString(name) {
		t.Fatalf("database name %q: lower-case letters, digits and _ only", name)
	}
	db, err := sql.Open("postgres", p.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	return p.URL(name)
}

// Start starts the stopped cluster and waits until it accepts connections.
func (p *Postgres) Start() error {
	return p.ctl("start", "-w", "-t", "60", "-l", p.logFile(), "-o", p.opts)
}

// Stop shuts the cluster down with mode: "fast" (clients are disconnected,
// open transactions roll back, a clean shutdown), "smart" or "immediate"
// (no shutdown checkpoint, like a crash of the server processes).
func (p *Postgres) Stop(mode string) error {
	return p.ctl("stop", "-w", "-t", "60", "-m", mode)
}

// Restart is `pg_ctl restart -m fast`: every connection is cut, open
// transactions roll back, and the server accepts connections again when it
// returns.
func (p *Postgres) Restart() error {
	return p.ctl("restart", "-w", "-t", "60", "-m", "fast", "-l", p.logFile(), "-o", p.opts)
}

func (p *Postgres) pid() (int, error) {
	b, err := os.ReadFile(filepath.Join(p.data(), "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("postmaster pid: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(line))
}

// Log is the server's log so far, for failure messages.
func (p *Postgres) Log() string {
	b, _ := os.ReadFile(p.logFile())
	return string(b)
}

// remove stops the cluster at once and deletes its folder.
func (p *Postgres) remove() {
	if _, err := os.Stat(filepath.Join(p.data(), "postmaster.pid")); err == nil {
		if err := p.Stop("immediate"); err != nil {
			if pid, err := p.pid(); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	_ = os.RemoveAll(p.dir)
}
