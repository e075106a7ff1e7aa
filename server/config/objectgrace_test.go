package config

import (
	"strings"
	"testing"
	"time"
)

// TestObjectGrace: the reconciler's grace period defaults to an hour and
// may not be shorter than a minute (an upload in flight has no row yet).
func TestObjectGrace(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	if err != nil || c.ObjectGrace != time.Hour {
		t.Fatalf("default: %v, %v", c.ObjectGrace, err)
	}
	for v, ok := range map[string]bool{"1m": true, "90m": true, "59s": false, "0s": false, "-1h": false} {
		c, err := Load(func(k string) string { return map[string]string{"QMS_OBJECT_GRACE": v}[k] })
		if ok && (err != nil || c.ObjectGrace.String() != (func() time.Duration { d, _ := time.ParseDuration(v); return d }()).String()) {
			t.Errorf("%s: %v, %v", v, c.ObjectGrace, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "QMS_OBJECT_GRACE must be at least 1m")) {
			t.Errorf("%s accepted: %v", v, err)
		}
	}
}
