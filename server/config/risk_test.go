package config

import (
	"strings"
	"testing"
)

// The risk register's scales: 5 × 5 by default, 2 to 10 levels each.
func TestLoadRiskScales(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	if err != nil || c.RiskLikelihoodLevels != 5 || c.RiskImpactLevels != 5 {
		t.Fatalf("defaults %d × %d, %v", c.RiskLikelihoodLevels, c.RiskImpactLevels, err)
	}
	env := map[string]string{"QMS_RISK_LIKELIHOOD_LEVELS": "4", "QMS_RISK_IMPACT_LEVELS": "10"}
	if c, err = Load(func(k string) string { return env[k] }); err != nil || c.RiskLikelihoodLevels != 4 || c.RiskImpactLevels != 10 {
		t.Fatalf("4 × 10: %d × %d, %v", c.RiskLikelihoodLevels, c.RiskImpactLevels, err)
	}
	for _, bad := range []map[string]string{{"QMS_RISK_LIKELIHOOD_LEVELS": "1"}, {"QMS_RISK_IMPACT_LEVELS": "11"}} {
		if _, err := Load(func(k string) string { return bad[k] }); err == nil || !strings.Contains(err.Error(), "QMS_RISK_LIKELIHOOD_LEVELS and QMS_RISK_IMPACT_LEVELS") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}
