package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
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
		"QMS_S3_DISPOSAL_ACCESS_KEY", "QMS_S3_DISPOSAL_SECRET_KEY", "QMS_S3_BUCKET", "QMS_LOG_LEVEL", "QMS_TRAIL_SIGNING_KEY", "QMS_TRAIL_CHECKPOINT_MODE"} {
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
	if code != 0 || strings.TrimSpace(stdout) != "trail intact: 3 entries verified\nno trail checkpoint in the object store yet" {
		t.Fatalf("verify: exit %d, %q", code, stdout)
	}
	if code, _ := runMain(t, getenv, "trail", "verify", "-other"); code != 2 {
		t.Fatalf("unknown flag: exit %d, want 2", code)
	}
}

// TestTrailVerifyChecksCheckpoints: a rewrite of the trail that recomputes
// every hash passes the chain check but not the checkpoints the object
// store keeps under object lock: `trail verify` exits 3 naming the entry;
// a cut-off tail whose head was moved back, and a checkpoint signed by
// another key than the configured one, fail the same way.
func TestTrailVerifyChecksCheckpoints(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{5}, 32))
	otherKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{6}, 32))
	for _, c := range []struct {
		name, verifyKey string
		rewrite         func(t *testing.T, db *sql.DB)
		out             string
	}{
		{"rewritten and rehashed", key, func(t *testing.T, db *sql.DB) {
			rehash(t, db, `UPDATE trail SET details = '{"login": "someone-else"}' WHERE seq = 2`)
		}, "trail BROKEN at entry 3: the chain at entry 3 is not the one checkpointed on "},
		{"tail cut and head moved back", key, func(t *testing.T, db *sql.DB) {
			rehash(t, db, `DELETE FROM trail WHERE seq = 3`)
		}, "trail BROKEN at entry 3: the chain has no entry 3, which the checkpoint of "},
		{"signed by another key", otherKey, nil, "trail BROKEN at entry 3: the checkpoint of "},
	} {
		t.Run(c.name, func(t *testing.T) {
			dbURL := testenv.DatabaseURL(t)
			ctx := context.Background()
			st := testenv.Blob(t)
			getenv := envFor(t, dbURL, map[string]string{"QMS_S3_BUCKET": st.Bucket(), "QMS_TRAIL_SIGNING_KEY": key})
			var out, errb bytes.Buffer
			for _, login := range []string{"it1", "it2", "it3"} {
				if err := run(ctx, []string{"user", "add", "-login", login, "-name", "IT", "-password", "password1"}, getenv, &out, &errb); err != nil {
					t.Fatalf("user add: %v %s", err, errb.String())
				}
			}
			if code, stdout := runMain(t, getenv, "trail", "verify"); code != 0 || !strings.Contains(stdout, "no trail checkpoint in the object store yet") {
				t.Fatalf("before any checkpoint: exit %d, %q", code, stdout)
			}
			db, err := sql.Open("postgres", dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var seq int64
			var hash string
			if err := db.QueryRow(`SELECT seq, hash FROM trail_head`).Scan(&seq, &hash); err != nil || seq != 3 {
				t.Fatalf("head %d %v", seq, err)
			}
			k, _ := trail.ParseSigningKey(key)
			cp := trail.Checkpoint{Seq: seq, Hash: hash, At: time.Now()}.Sign(k)
			if err := st.PutCheckpoint(ctx, cp, qms.Retention{Mode: "GOVERNANCE", Until: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			code, stdout := runMain(t, getenv, "trail", "verify")
			if code != 0 || !strings.Contains(stdout, "checkpoints: 1 in the object store agree with the chain (the last at entry 3, ") {
				t.Fatalf("intact: exit %d, %q", code, stdout)
			}
			if c.rewrite != nil {
				c.rewrite(t, db)
			}
			getenv = envFor(t, dbURL, map[string]string{"QMS_S3_BUCKET": st.Bucket(), "QMS_TRAIL_SIGNING_KEY": c.verifyKey})
			code, stdout = runMain(t, getenv, "trail", "verify")
			if code != 3 || !strings.Contains(stdout, "trail intact:") || !strings.Contains(stdout, c.out) {
				t.Fatalf("exit %d, %q; want exit 3 after an intact chain, %q", code, stdout, c.out)
			}
		})
	}
}

// rehash runs q on the trail as a superuser could, then recomputes every
// hash from the first entry on and moves the head to the last, so that
// the chain alone verifies.
func rehash(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	tamper(t, db, q)
	rows, err := db.Query(`SELECT id, seq, at, actor_id, actor_login, action, object_type, object_id, unit, details FROM trail WHERE seq IS NOT NULL ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var es []trail.Entry
	for rows.Next() {
		var e trail.Entry
		var details string
		if err := rows.Scan(&e.ID, &e.Seq, &e.At, &e.ActorID, &e.ActorLogin, &e.Action, &e.ObjectType, &e.ObjectID, &e.Unit, &details); err != nil {
			t.Fatal(err)
		}
		e.Details = []byte(details)
		es = append(es, e)
	}
	rows.Close()
	prev := trail.GenesisHash
	for i := range es {
		es[i].PrevHash = prev
		h, err := trail.ComputeHash(es[i])
		if err != nil {
			t.Fatal(err)
		}
		tamper(t, db, fmt.Sprintf(`UPDATE trail SET prev_hash = '%s', hash = '%s' WHERE id = %d`, prev, h, es[i].ID))
		prev = h
	}
	tamper(t, db, fmt.Sprintf(`UPDATE trail_head SET seq = %d, hash = '%s'`, es[len(es)-1].Seq, prev))
}
