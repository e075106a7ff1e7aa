package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthCmd asks the server on this machine whether it is alive (GET
// /healthz on QMS_ADDR), for a container's HEALTHCHECK: the image has no
// curl. It checks liveness, not readiness: a database outage makes the
// instance unready (/readyz), and restarting it would not help.
func healthCmd(ctx context.Context, addr string, stdout io.Writer) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("QMS_ADDR %q: %w", addr, err)}
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: /healthz answered %s", resp.Status)
	}
	fmt.Fprintln(stdout, "healthy")
	return nil
}
