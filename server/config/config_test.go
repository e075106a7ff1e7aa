package config

import (
	"strings"
	"testing"
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
