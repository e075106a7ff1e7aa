package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// TestMain lets a test run the real main in a child process (the test
// binary itself, with QMSTRACK_RUN_MAIN=1), so the process exit code is
// what is checked.
func TestMain(m *testing.M) {
	if os.Getenv("QMSTRACK_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestTrailVerifyExitCodes: `qmstrack trail verify` exits 0 on an intact
// chain and 3 on a broken one (an altered entry, a cut-off tail), naming
// the first broken entry.
func TestTrailVerifyExitCodes(t *testing.T) {
	cases := []struct {
		name, tamper string
		out          string
	}{
		{"altered entry", `UPDATE trail SET details = '{"login": "someone-else"}' WHERE seq = 2`,
			"trail BROKEN at entry 2: content does not match its hash (1 entries verified before it)"},
		{"cut-off tail", `DELETE FROM trail WHERE seq = 3`,
			"trail BROKEN at entry 3: the head says 3 entries, found 2 (2 entries verified before it)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dbURL := testenv.DatabaseURL(t)
			ctx := context.Background()
			getenv := envFor(t, dbURL, nil)
			var out, errb bytes.Buffer
			for _, login := range []string{"it1", "it2", "it3"} {
				if err := run(ctx, []string{"user", "add", "-login", login, "-name", "IT", "-password", "password1"}, getenv, &out, &errb); err != nil {
					t.Fatalf("user add: %v %s", err, errb.String())
				}
			}
			db, err := sql.Open("postgres", dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM trail`).Scan(&n); err != nil || n != 3 {
				t.Fatalf("want 3 trail entries (one per user), got %d %v", n, err)
			}
			code, stdout := runMain(t, getenv, "trail", "verify")
			if code != 0 || !strings.Contains(stdout, "trail intact: 3 entries verified") {
				t.Fatalf("intact chain: exit %d, %q", code, stdout)
			}

			tamper(t, db, c.tamper)
			code, stdout = runMain(t, getenv, "trail", "verify")
			if code != 3 || strings.TrimSpace(stdout) != c.out {
				t.Fatalf("broken chain: exit %d, %q; want exit 3, %q", code, stdout, c.out)
			}
			// The run function reports the same through its error.
			out.Reset()
			err = run(ctx, []string{"trail", "verify"}, getenv, &out, &errb)
			if exitCode(err) != 3 || strings.TrimSpace(out.String()) != c.out {
				t.Fatalf("run: exit %d (%v), %q", exitCode(err), err, out.String())
			}
		})
	}
}

// runMain runs the program in a child process with the test's environment
// and returns its exit code and standard output.
func runMain(t *testing.T, getenv func(string) string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = []string{"QMSTRACK_RUN_MAIN=1", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for _, k := range []string{"QMS_DATABASE_URL", "QMS_S3_ENDPOINT", "QMS_S3_ACCESS_KEY", "QMS_S3_SECRET_KEY",
		"QMS_S3_DISPOSAL_ACCESS_KEY", "QMS_S3_DISPOSAL_SECRET_KEY", "QMS_S3_BUCKET", "QMS_LOG_LEVEL"} {
		cmd.Env = append(cmd.Env, k+"="+getenv(k))
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String()
	}
	t.Fatalf("run %v: %v %s", args, err, stderr.String())
	return 0, ""
}

// tamper changes the trail behind the application's back, as a database
// superuser could, by switching off its triggers for one session.
func tamper(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, q); err != nil {
		t.Fatal(err)
	}
	_, _ = conn.ExecContext(ctx, `SET session_replication_role = origin`)
}

// TestTrailVerifyCheckOnly: `trail verify -check-only` changes nothing: it
// reports the entries still waiting for their place, and fails (exit 3) on
// one waiting longer than the alarm; plain `trail verify` chains them first.
func TestTrailVerifyCheckOnly(t *testing.T) {
	dbURL := testenv.DatabaseURL(t)
	ctx := context.Background()
	getenv := envFor(t, dbURL, nil)
	var out, errb bytes.Buffer
	for _, login := range []string{"it1", "it2"} {
		if err := run(ctx, []string{"user", "add", "-login", login, "-name", "IT", "-password", "password1"}, getenv, &out, &errb); err != nil {
			t.Fatalf("user add: %v %s", err, errb.String())
		}
	}
	code, stdout := runMain(t, getenv, "trail", "verify", "-check-only")
	if code != 0 || !strings.Contains(stdout, "trail intact: 0 entries verified") || !strings.Contains(stdout, "2 entries still waiting for their place in the chain") {
		t.Fatalf("check only: exit %d, %q", code, stdout)
	}
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO trail (at, actor_login, action, object_type, object_id)
		VALUES (clock_timestamp() - interval '2 minutes', 'a', 'x', 't', 'stale')`); err != nil {
		t.Fatal(err)
	}
	code, stdout = runMain(t, getenv, "trail", "verify", "-check-only")
	if code != 3 || !strings.Contains(stdout, "1 entries have waited longer than 30s for their place in the chain") {
		t.Fatalf("stale entry: exit %d, %q", code, stdout)
	}
	code, stdout = runMain(t, getenv, "trail", "verify")
	if code != 0 || strings.TrimSpace(stdout) != "trail intact: 3 entries verified" {
		t.Fatalf("verify: exit %d, %q", code, stdout)
	}
	if code, _ := runMain(t, getenv, "trail", "verify", "-other"); code != 2 {
		t.Fatalf("unknown flag: exit %d, want 2", code)
	}
}
