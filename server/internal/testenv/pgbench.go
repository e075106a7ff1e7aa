package testenv

import (
	"fmt"
	neturl "net/url"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// PGBenchTPS runs `pgbench -N` (the TPC-B-like script without the updates
// of the small tables) with the given clients for the window on a scratch
// database of the test server, and returns its transactions per second:
// the yardstick the throughput benchmarks hold the service's writes to.
// It answers an error when pgbench is not installed or fails.
func PGBenchTPS(tb testing.TB, clients int, window time.Duration) (float64, error) {
	if _, err := exec.LookPath("pgbench"); err != nil {
		return 0, err
	}
	admin, err := neturl.Parse(AdminURL())
	if err != nil {
		return 0, err
	}
	name := fmt.Sprintf("qmstrack_pgbench_%d", time.Now().UnixNano())
	db := DB(tb) // any connection to the server, to create the scratch database
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		return 0, err
	}
	defer db.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
	u := *admin
	u.Path = "/" + name
	if out, err := exec.Command("pgbench", "-i", "-q", "-s", "10", u.String()).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("pgbench -i: %v: %s", err, out)
	}
	out, err := exec.Command("pgbench", "-N", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(int(window.Seconds())), u.String()).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %v: %s", err, out)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no tps in %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
