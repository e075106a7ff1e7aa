package main

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

func envFor(t *testing.T, dbURL string, extra map[string]string) func(string) string {
	o := testenv.S3Options()
	env := map[string]string{
		"QMS_DATABASE_URL":           dbURL,
		"QMS_S3_ENDPOINT":            o.Endpoint,
		"QMS_S3_ACCESS_KEY":          o.AccessKey,
		"QMS_S3_SECRET_KEY":          o.SecretKey,
		"QMS_S3_DISPOSAL_ACCESS_KEY": o.DisposalAccessKey,
		"QMS_S3_DISPOSAL_SECRET_KEY": o.DisposalSecretKey,
		"QMS_S3_BUCKET":              o.Bucket,
		"QMS_LOG_LEVEL":              "error",
		// Checkpoints the test's bucket cleanup can remove.
		"QMS_TRAIL_CHECKPOINT_MODE": "GOVERNANCE",
	}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

func TestRunUsageAndConfigErrors(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), nil, func(string) string { return "" }, &out, &errb)
	if exitCode(err) != 2 || !strings.Contains(errb.String(), "usage") {
		t.Fatalf("no command: %v %q", err, errb.String())
	}
	err = run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, &out, &errb)
	if exitCode(err) != 2 {
		t.Fatalf("unknown command: %v", err)
	}
	err = run(context.Background(), []string{"serve"}, func(k string) string {
		return map[string]string{"QMS_MAX_UPLOAD_BYTES": "-1", "QMS_TIMEZONE": "Nowhere/City"}[k]
	}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "QMS_MAX_UPLOAD_BYTES") || !strings.Contains(err.Error(), "QMS_TIMEZONE") {
		t.Fatalf("config errors not reported together: %v", err)
	}
}

func TestSeedUserTrailVerifyAndServe(t *testing.T) {
	dbURL := testenv.DatabaseURL(t)
	st := testenv.Blob(t) // skip without MinIO
	ctx := context.Background()
	// The demo content files its documents and records: in this test's own bucket.
	getenv := envFor(t, dbURL, map[string]string{"QMS_ADDR": "127.0.0.1:0", "QMS_S3_BUCKET": st.Bucket()})
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"seed", "--demo"}, getenv, &out, &errb); err != nil {
		t.Fatalf("seed: %v %s", err, errb.String())
	}
	if !strings.Contains(out.String(), "coordinator") {
		t.Fatalf("seed did not print the logins: %s", out.String())
	}
	out.Reset()
	var trailBefore, trailAfter int
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.QueryRow(`SELECT count(*) FROM trail`).Scan(&trailBefore)
	if err := run(ctx, []string{"seed", "--demo"}, getenv, &out, &errb); err != nil || !strings.Contains(out.String(), "not seeded") {
		t.Fatalf("second seed: %v %s", err, out.String())
	}
	_ = db.QueryRow(`SELECT count(*) FROM trail`).Scan(&trailAfter)
	if trailAfter != trailBefore {
		t.Fatalf("a second seed --demo wrote %d trail entries", trailAfter-trailBefore)
	}
	if err := run(ctx, []string{"user", "add", "-login", "it", "-name", "IT", "-password", "password1"}, getenv, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"user", "grant", "-login", "it", "-role", "admin", "-unit", "*"}, getenv, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"user", "grant", "-login", "it", "-role", "admin", "-unit", "x';--"}, getenv, &out, &errb); err == nil {
		t.Fatal("a bad unit was granted")
	}
	out.Reset()
	if err := run(ctx, []string{"trail", "verify"}, getenv, &out, &errb); err != nil || !strings.Contains(out.String(), "intact") {
		t.Fatalf("verify: %v %s", err, out.String())
	}

	// serve answers and stops gracefully when its context ends.
	sctx, cancel := context.WithCancel(ctx)
	pr := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(sctx, []string{"serve"}, getenv, pr, &bytes.Buffer{}) }()
	var addr string
	for i := 0; i < 200 && addr == ""; i++ {
		time.Sleep(50 * time.Millisecond)
		if s := pr.String(); strings.Contains(s, "http://") {
			addr = strings.TrimSpace(s[strings.Index(s, "http://"):])
		}
	}
	if addr == "" {
		cancel()
		t.Fatal("serve did not start")
	}
	res, err := http.Get(addr + "/readyz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", err, res)
	}
	res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}
