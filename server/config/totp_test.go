package config

import (
	"strings"
	"testing"
)

// TestTOTPRequiredRoles: the roles that must use a second factor are read
// as a list, and only admin and coordinator may be named.
func TestTOTPRequiredRoles(t *testing.T) {
	c, err := Load(func(k string) string {
		if k == "QMS_TOTP_REQUIRED_ROLES" {
			return "admin,coordinator"
		}
		return ""
	})
	if err != nil || strings.Join(c.TOTPRequiredRoles, "+") != "admin+coordinator" {
		t.Fatalf("roles %v, %v", c.TOTPRequiredRoles, err)
	}
	if c, _ := Load(func(string) string { return "" }); len(c.TOTPRequiredRoles) != 0 {
		t.Fatalf("default %v, want none", c.TOTPRequiredRoles)
	}
	_, err = Load(func(k string) string {
		if k == "QMS_TOTP_REQUIRED_ROLES" {
			return "admin,staff"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), `QMS_TOTP_REQUIRED_ROLES: "staff" is not admin or coordinator`) {
		t.Fatalf("a role that may not be named: %v", err)
	}
}
