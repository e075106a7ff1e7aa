package nonconformity_test

import (
	"context"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
	nonc "github.com/qmstrack/qmstrack/server/nonconformity"
)

// BenchmarkNCRegister measures the register, the scorecard and "my actions"
// over a year of a large organisation: 20,000 NCs with 40,000 actions
// across three units, inserted with SQL (the service is too slow to seed
// that many in a benchmark), outside the timed part. Each call is held to
// the office's query target, 200 ms (testenv.Target: it fails under
// QMS_PERF_ASSERT=1).
func BenchmarkNCRegister(b *testing.B) {
	f := newNCFixture(b)
	ctx := context.Background()
	const seed = `
WITH n AS (
  INSERT INTO ncs (id, number, year, seq, source, severity, unit, clauses, title, detected_by, detected_on, status,
                   cause_categories, created_at)
  SELECT gen_random_uuid(), 'NC-2025-' || CASE WHEN g < 10000 THEN lpad(g::text, 4, '0') ELSE g::text END, 2025, g, 'self_report', 'minor',
         (ARRAY['phong-a','phong-b','phong-c'])[1 + g % 3], ARRAY['7.5.3'], 'NC ' || g, 'x', DATE '2025-01-01' + (g % 300),
         (ARRAY['open','analysed','actions_planned','closed'])[1 + g % 4],
         ARRAY[(ARRAY['people','method','equipment'])[1 + g % 3]], TIMESTAMPTZ '2025-01-01' + (g % 300) * interval '1 day'
  FROM generate_series(1, 20000) g RETURNING id, unit, seq)
INSERT INTO nc_actions (id, nc_id, no, unit, owner, description, due, verify_after, status)
SELECT gen_random_uuid(), n.id, k, n.unit, $1, 'a', DATE '2025-01-10' + (n.seq % 400), DATE '2025-02-10' + (n.seq % 400),
       (ARRAY['open','in_progress','done','signed_off'])[1 + (n.seq + k) % 4]
FROM n, generate_series(1, 2) k`
	if _, err := f.env.DB.ExecContext(ctx, seed, f.id("owner-a")); err != nil {
		b.Fatal(err)
	}
	if _, err := f.env.DB.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	// perOp checks the target at the end of each sub-benchmark run.
	perOp := func(b *testing.B, what string) {
		op := b.Elapsed() / time.Duration(b.N)
		testenv.Target(b, op <= 200*time.Millisecond, "%s over 20,000 NCs: %.1f ms per call (at most 200 ms)", what, float64(op.Microseconds())/1000)
	}
	b.Run("list-first-page", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := f.svc.List(f.as("boss"), nonc.Filter{Limit: 100}); err != nil {
				b.Fatal(err)
			}
		}
		perOp(b, "list-first-page")
	})
	b.Run("list-overdue-unit", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := f.svc.List(f.as("staff"), nonc.Filter{Overdue: true, Limit: 100}); err != nil {
				b.Fatal(err)
			}
		}
		perOp(b, "list-overdue-unit")
	})
	b.Run("scorecard", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := f.svc.Scorecard(f.as("boss")); err != nil {
				b.Fatal(err)
			}
		}
		perOp(b, "scorecard")
	})
	b.Run("my-actions-head", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := f.svc.MyActions(f.as("head")); err != nil {
				b.Fatal(err)
			}
		}
		perOp(b, "my-actions-head")
	})
	b.Run("create", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := f.svc.Create(f.as("staff"), nonc.NewNC{Source: "self_report", Severity: "minor", Unit: "phong-a", Title: "bench"}); err != nil {
				b.Fatal(err)
			}
		}
		perOp(b, "create")
	})
}
