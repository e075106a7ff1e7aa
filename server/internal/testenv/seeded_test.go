package testenv

import (
	"context"
	"database/sql"
	"testing"
)

// TestSeededTemplateFollowsVersion: a seeder's template is built once per
// Version and cloned after that; a new Version (a change to the seed code)
// builds a new template rather than cloning the stale one.
func TestSeededTemplateFollowsVersion(t *testing.T) {
	calls := map[string]int{}
	mk := func(version string) Seeder {
		return Seeder{Name: "probe", Version: version, Seed: func(ctx context.Context, url string) error {
			calls[version]++
			db, err := sql.Open("postgres", url)
			if err != nil {
				return err
			}
			defer db.Close()
			_, err = db.ExecContext(ctx, `CREATE TABLE seed_probe AS SELECT $1::text AS version`, version)
			return err
		}}
	}
	v1, v2 := "v1-"+randomSuffix(), "v2-"+randomSuffix()
	s1, s2 := mk(v1), mk(v2)
	// Registered first, so it runs after the clones are dropped.
	t.Cleanup(func() {
		a, err := sql.Open("postgres", AdminURL())
		if err != nil {
			return
		}
		defer a.Close()
		seededMu.Lock()
		defer seededMu.Unlock()
		for _, s := range []Seeder{s1, s2} {
			name := s.templateName(tmplName)
			_, _ = a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			delete(seededTpl, name)
		}
	})
	version := func(url string) string {
		t.Helper()
		db, err := sql.Open("postgres", url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var v string
		if err := db.QueryRow(`SELECT version FROM seed_probe`).Scan(&v); err != nil {
			t.Fatalf("seeded content: %v", err)
		}
		return v
	}
	a := SeededDatabaseURL(t, s1)
	b := SeededDatabaseURL(t, s1)
	if a == b {
		t.Fatalf("two tests got the same database %s", a)
	}
	if version(a) != v1 || version(b) != v1 || calls[v1] != 1 {
		t.Fatalf("version 1: contents %q %q, seeded %d times; want %q, once", version(a), version(b), calls[v1], v1)
	}
	c := SeededDatabaseURL(t, s2)
	if got := version(c); got != v2 || calls[v2] != 1 {
		t.Fatalf("after the seed changed: content %q (seeded %d times), want %q: a stale template was cloned", got, calls[v2], v2)
	}
	if n1, n2 := s1.templateName(tmplName), s2.templateName(tmplName); n1 == n2 || len(n1) > 63 {
		t.Fatalf("template names %q and %q: want distinct, at most 63 bytes", n1, n2)
	}
}
