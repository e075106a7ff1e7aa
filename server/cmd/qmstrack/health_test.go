package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthCommand: "qmstrack health" succeeds on a server that answers
// /healthz 200, fails on one that answers otherwise, and on no server.
func TestHealthCommand(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer ok.Close()
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer sick.Close()
	addr := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }
	var out strings.Builder
	if err := healthCmd(context.Background(), addr(ok), &out); err != nil || strings.TrimSpace(out.String()) != "healthy" {
		t.Errorf("healthy server: %v %q", err, out.String())
	}
	_, port, _ := net.SplitHostPort(addr(ok))
	if err := healthCmd(context.Background(), ":"+port, io.Discard); err != nil {
		t.Errorf("QMS_ADDR without a host (the container's :8080) must ask 127.0.0.1: %v", err)
	}
	if err := healthCmd(context.Background(), addr(sick), io.Discard); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("a server answering 503 is healthy: %v", err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	gone := l.Addr().String()
	l.Close()
	if err := healthCmd(context.Background(), gone, io.Discard); err == nil {
		t.Errorf("no server is healthy")
	}
	if err := healthCmd(context.Background(), "nonsense", io.Discard); exitCode(err) != 2 {
		t.Errorf("a malformed address: %v (exit %d), want exit 2", err, exitCode(err))
	}
}
