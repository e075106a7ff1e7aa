package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestDeploymentFiles holds the container files to the rules of a
// deployment: every image pinned (no "latest", no bare major version),
// the image's HEALTHCHECK, two qmstrack replicas behind the proxy, and a
// stop grace period longer than the shutdown timeout the instances get.
func TestDeploymentFiles(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Image           string            `yaml:"image"`
			StopGracePeriod string            `yaml:"stop_grace_period"`
			Environment     map[string]string `yaml:"environment"`
			Deploy          struct {
				Replicas int `yaml:"replicas"`
			} `yaml:"deploy"`
		} `yaml:"services"`
	}
	b, err := os.ReadFile("../../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatal(err)
	}
	pinned := regexp.MustCompile(`^[a-z0-9./_-]+:[0-9][0-9A-Za-z.+_-]*[.-][0-9A-Za-z.+_-]+$`)
	for name, s := range compose.Services {
		if s.Image != "" && !pinned.MatchString(s.Image) {
			t.Errorf("service %s: image %q is not pinned to an exact version", name, s.Image)
		}
	}
	q, ok := compose.Services["qmstrack"]
	if !ok || q.Deploy.Replicas < 2 {
		t.Fatalf("the qmstrack service runs %d replicas, want 2", q.Deploy.Replicas)
	}
	if _, ok := compose.Services["proxy"]; !ok {
		t.Errorf("no reverse proxy in front of the replicas")
	}
	grace, err1 := time.ParseDuration(q.StopGracePeriod)
	shutdown, err2 := time.ParseDuration(q.Environment["QMS_SHUTDOWN_TIMEOUT"])
	if err1 != nil || err2 != nil || grace <= shutdown {
		t.Errorf("stop_grace_period %q must be longer than QMS_SHUTDOWN_TIMEOUT %q", q.StopGracePeriod, q.Environment["QMS_SHUTDOWN_TIMEOUT"])
	}
	for _, f := range []string{"../../../Dockerfile", "../../../deploy/minio.Dockerfile"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "FROM ") {
				img := strings.Fields(l)[1]
				if !pinned.MatchString(img) {
					t.Errorf("%s: %q is not pinned", f, l)
				}
			}
		}
		if !strings.Contains(string(b), "\nHEALTHCHECK ") {
			t.Errorf("%s has no HEALTHCHECK", f)
		}
	}
}
