//go:build fault

package faultenv_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/internal/faultenv"
)

// TestFaultPostgresCluster: the private cluster is a real server on its own
// port, a restart keeps committed rows and cuts every connection, a stopped
// cluster refuses connections, and cleanup removes its folder.
func TestFaultPostgresCluster(t *testing.T) {
	var dataDir string
	t.Run("cluster", func(t *testing.T) {
		pg := faultenv.StartPostgres(t)
		if pg.Port == 5432 || pg.Port == 0 {
			t.Fatalf("port %d: a private cluster never takes the shared server's port", pg.Port)
		}
		dataDir = pg.DataDir()
		url := pg.CreateDatabase(t, "fault_check")
		db, err := sql.Open("postgres", url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := db.ExecContext(ctx, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('bằng chứng')`); err != nil {
			t.Fatal(err)
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var before int
		if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&before); err != nil {
			t.Fatal(err)
		}

		if err := pg.Restart(); err != nil {
			t.Fatalf("restart: %v\n%s", err, pg.Log())
		}
		// The connection held across the restart is cut by the server.
		if err := conn.QueryRowContext(ctx, `SELECT 1`).Scan(new(int)); err == nil {
			t.Fatal("a connection opened before the restart still answers: the server was not restarted")
		}
		conn.Close()
		var v string
		if err := db.QueryRowContext(ctx, `SELECT v FROM kept`).Scan(&v); err != nil || v != "bằng chứng" {
			t.Fatalf("after restart: %q %v", v, err)
		}

		if err := pg.Stop("fast"); err != nil {
			t.Fatal(err)
		}
		other, _ := sql.Open("postgres", url)
		defer other.Close()
		if err := other.PingContext(ctx); err == nil {
			t.Fatal("a stopped cluster accepted a connection")
		}
		if err := pg.Start(); err != nil {
			t.Fatalf("start again: %v\n%s", err, pg.Log())
		}
		if err := other.PingContext(ctx); err != nil {
			t.Fatalf("after start: %v", err)
		}
	})
	if dataDir == "" {
		return // skipped
	}
	if _, err := os.Stat(filepath.Dir(dataDir)); !os.IsNotExist(err) {
		t.Fatalf("the cluster's folder is left after cleanup: %v", err)
	}
}
