package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoadDefaults(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.MaxUpload != 512<<20 || c.Location.String() != "Asia/Ho_Chi_Minh" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	env := map[string]string{
		"QMS_MAX_UPLOAD_BYTES": "lots",
		"QMS_SESSION_IDLE":     "soon",
		"QMS_DATABASE_URL":     "mysql://x",
		"QMS_TIMEZONE":         "Mars/Base",
	}
	_, err := Load(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{"QMS_MAX_UPLOAD_BYTES", "QMS_SESSION_IDLE", "QMS_DATABASE_URL", "QMS_TIMEZONE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestLoadObjectStoreDeadlines(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.S3Timeout != 10*time.Second || c.S3StallTimeout != 30*time.Second {
		t.Fatalf("default deadlines: timeout %s, stall %s; want 10s and 30s", c.S3Timeout, c.S3StallTimeout)
	}
	env := map[string]string{"QMS_S3_TIMEOUT": "3s", "QMS_S3_STALL_TIMEOUT": "1m"}
	c, err = Load(func(k string) string { return env[k] })
	if err != nil || c.S3Timeout != 3*time.Second || c.S3StallTimeout != time.Minute {
		t.Fatalf("set deadlines: %s, %s, %v", c.S3Timeout, c.S3StallTimeout, err)
	}
	for _, bad := range []map[string]string{{"QMS_S3_TIMEOUT": "0s"}, {"QMS_S3_STALL_TIMEOUT": "-5s"}} {
		if _, err := Load(func(k string) string { return bad[k] }); err == nil || !strings.Contains(err.Error(), "QMS_S3_TIMEOUT and QMS_S3_STALL_TIMEOUT must be positive") {
			t.Errorf("%v: want the deadline refused, got %v", bad, err)
		}
	}
}
