package postgres_test

import (
	"context"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
)

// TestConnectionsRunWithoutJIT: every connection the service opens has
// jit=off, whatever the server's default (PostgreSQL 15 has it on), and a
// URL that sets jit keeps its own choice.
func TestConnectionsRunWithoutJIT(t *testing.T) {
	env := testenv.New(t)
	ctx := context.Background()
	var jit string
	if err := env.DB.GetContext(ctx, &jit, `SHOW jit`); err != nil || jit != "off" {
		t.Fatalf("jit = %q (%v), want off", jit, err)
	}
	db, err := postgres.Open(ctx, env.DBURL+"&jit=on", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.GetContext(ctx, &jit, `SHOW jit`); err != nil || jit != "on" {
		t.Fatalf("with jit=on in the URL: jit = %q (%v)", jit, err)
	}
}
