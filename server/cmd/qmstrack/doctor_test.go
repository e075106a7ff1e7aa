package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// TestDoctorExitCode: doctor exits 0 while every row has its file, 1
// naming the row once a file is deleted behind qmstrack's back; without
// -repair it stores nothing, with -repair the admin page sees the check.
func TestDoctorExitCode(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	recID := f.Record(t, "staff.tnmt", "tnmt", f.Today())
	ctx := context.Background()
	getenv := envFor(t, env.DBURL, map[string]string{"QMS_S3_BUCKET": env.App.Blob.Bucket()})
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"doctor"}, getenv, &out, &errb); err != nil || !strings.Contains(out.String(), "every row has its file") ||
		!strings.Contains(out.String(), "rows referring to a file: 1;") {
		t.Fatalf("doctor on an intact store: %v\n%s%s", err, out.String(), errb.String())
	}

	var key, version string
	if err := env.App.DB.QueryRowxContext(ctx, `SELECT object_key, version_id FROM record_versions WHERE record_id = $1`, recID).Scan(&key, &version); err != nil {
		t.Fatal(err)
	}
	if err := testenv.AdminClient(t).RemoveObject(ctx, env.App.Blob.Bucket(), key, minio.RemoveObjectOptions{VersionID: version, GovernanceBypass: true}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := run(ctx, []string{"doctor"}, getenv, &out, &errb)
	if exitCode(err) != 1 || !strings.Contains(out.String(), "MISSING      record_versions row "+recID+"/1 (of "+recID+"): "+key+" version "+version) {
		t.Fatalf("doctor with a lost file: exit %d (%v)\n%s", exitCode(err), err, out.String())
	}
	coord := env.As("coordinator")
	var last struct {
		ID      int64 `json:"id"`
		Missing int   `json:"missing"`
	}
	coord.Do("GET", "/api/v1/object-check", nil).MustStatus(200).Decode(&last)
	if last.ID != 0 {
		t.Fatalf("doctor without -repair stored a check: %+v", last)
	}

	out.Reset()
	if err := run(ctx, []string{"doctor", "-repair"}, getenv, &out, &errb); exitCode(err) != 1 {
		t.Fatalf("doctor -repair with a lost file: exit %d (%v)\n%s", exitCode(err), err, out.String())
	}
	coord.Do("GET", "/api/v1/object-check", nil).MustStatus(200).Decode(&last)
	if last.ID == 0 || last.Missing != 1 {
		t.Fatalf("after doctor -repair the last check is %+v", last)
	}

	for _, args := range [][]string{{"doctor", "-fix"}, {"doctor", "now"}} {
		if err := run(ctx, args, getenv, &out, &errb); exitCode(err) != 2 {
			t.Errorf("%v: exit %d", args, exitCode(err))
		}
	}
}
