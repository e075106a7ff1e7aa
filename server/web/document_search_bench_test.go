package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
)

// seedSearchDocs fills env's database with n effective documents, each with
// a revision whose main file holds indexed text, joined into the search
// vectors by the database's own document_refresh_search as the
// documents.index job leaves them. Every title holds "thủ tục hành chính";
// one file in 23 holds "khắc phục" (so "phuc" is as common as in the
// office's register, 4.3 %), one in 10,007 holds "phúc khảo" (the rare word).
func seedSearchDocs(b *testing.B, env *apptest.Env, n int) {
	db, err := postgres.Open(context.Background(), env.DBURL, 4)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	for _, q := range []string{
		`INSERT INTO documents (code, code_key, title, title_key, type, unit, clauses, review_months, public, status,
				effective_issue, effective_at, next_review_at, created_by)
			SELECT 'QT-' || lpad(i::text, 6, '0'), 'QT-' || lpad(i::text, 6, '0'),
				'Quy trình số ' || i || ' về thủ tục hành chính', 'quy trinh so ' || i || ' ve thu tuc hanh chinh',
				'procedure', (ARRAY['vp','noivu','vhtt','tnmt','motcua'])[1 + i % 5], ARRAY['7.5.3','8.2'], 12, false,
				'effective', 1, now() - (i || ' minutes')::interval, now() + interval '1 year',
				(SELECT id FROM users WHERE login = 'coordinator')
			FROM generate_series(1, ` + strconv.Itoa(n) + `) i`,
		`INSERT INTO revisions (document_id, issue, status, change, change_key, created_by)
			SELECT id, 1, 'effective', 'Ban hành lần đầu', 'ban hanh lan dau', created_by FROM documents`,
		`UPDATE documents d SET effective_rev = r.id FROM revisions r WHERE r.document_id = d.id`,
		`INSERT INTO revision_files (revision_id, kind, file_name, object_key, version_id, size, sha256, media_type, text_key,
				uploaded_by, text_state, text_at)
			SELECT r.id, 'main', d.code || '.docx', 'documents/' || d.id || '/' || r.id, 'v1', 40960,
				encode(sha256(convert_to(r.id::text, 'UTF8')), 'hex'),
				'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
				'quy trinh tiep nhan va giai quyet ho so ma ho so hs' || x.n ||
					CASE WHEN x.n % 23 = 0 THEN ' bien phap khac phuc sau kiem tra' ELSE '' END ||
					CASE WHEN x.n % 10007 = 0 THEN ' don de nghi phuc khao ket qua' ELSE '' END || ' ' ||
					(SELECT string_agg('tu' || ((x.n * 7919 + k * 104729) % 20000), ' ') FROM generate_series(1, 60) k),
				r.created_by, 'indexed', now()
			FROM revisions r JOIN documents d ON d.id = r.document_id, LATERAL (SELECT substr(d.code, 4)::int AS n) x`,
		`DROP INDEX documents_search_all`,
		`DROP INDEX documents_search_eff`,
		`SELECT count(document_refresh_search(id)) FROM documents`,
		`CREATE INDEX documents_search_all ON documents USING gin (search_all)`,
		`CREATE INDEX documents_search_eff ON documents USING gin (search_eff)`,
		`VACUUM ANALYZE documents`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("seed %.60s: %v", q, err)
		}
	}
	b.Logf("seeded %d documents in %.1fs", n, time.Since(start).Seconds())
}

// explain logs the plan and time of the documents a tsquery matches.
func explain(b *testing.B, env *apptest.Env, tsq string) {
	db, err := postgres.Open(context.Background(), env.DBURL, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var plan []string
	if err := db.Select(&plan, `EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM documents d WHERE d.search_eff @@ to_tsquery('simple', $1)`, tsq); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s:\n%s", tsq, strings.Join(plan, "\n"))
}

// pct is the p-th percentile (0-100) of ds, nearest rank.
func pct(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// BenchmarkDocumentSearchScale: searches of the register through the API at
// n and 2n documents (n = 100,000 unless QMS_BENCH_SEARCH_DOCS says
// otherwise), each in its own database: a rare word with common words
// ("thủ tục hành chính phúc khảo"), the same while the last word is typed
// ("... phúc kh"), the rare-word search sorted by relevance, and common
// words alone ("quy trình thủ tục"). The
// variants are timed round-robin, 101 calls each, and their p50/p95/p99
// are reported side by side; the targets are a rare-word search p99 of at
// most 50 ms, at most 1.2x at 2n, and a common-word search p99 of at most
// 200 ms.
func BenchmarkDocumentSearchScale(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("QMS_BENCH_SEARCH_DOCS")); err == nil && v > 0 {
		n = v
	}
	queries := []struct{ name, q string }{
		{"rare", "th%E1%BB%A7+t%E1%BB%A5c+h%C3%A0nh+ch%C3%ADnh+ph%C3%BAc+kh%E1%BA%A3o"},
		{"rare-relevance", "th%E1%BB%A7+t%E1%BB%A5c+h%C3%A0nh+ch%C3%ADnh+ph%C3%BAc+kh%E1%BA%A3o&sort=relevance"},
		{"typing", "thu+tuc+hanh+chinh+phuc+kh"},
		{"common", "quy+trinh+thu+tuc"},
	}
	const rounds = 101
	p99 := map[string][]float64{}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	var lines []string
	b.StopTimer() // only the searches are timed; seeding is not
	for _, size := range []int{n, 2 * n} {
		env := apptest.New(b)
		seedSearchDocs(b, env, size)
		coord := env.As("coordinator")
		rare := size / 10007
		for _, q := range queries[:1] {
			var h struct {
				Items []struct {
					Code string `json:"code"`
				} `json:"items"`
			}
			coord.Do("GET", "/api/v1/documents?limit=50&q="+q.q, nil).MustStatus(http.StatusOK).Decode(&h)
			if len(h.Items) != rare {
				b.Fatalf("%d documents: the rare word found %d, want %d", size, len(h.Items), rare)
			}
		}
		// What the words cost in the GIN index: every word a prefix (as
		// search was before) against complete words exact and the last a prefix.
		explain(b, env, "thu:* & tuc:* & hanh:* & chinh:* & phuc:* & khao:*")
		explain(b, env, "thu & tuc & hanh & chinh & phuc & khao:*")
		ds := make([][]time.Duration, len(queries))
		b.StartTimer()
		for r := 0; r < rounds; r++ {
			for i, q := range queries {
				s := time.Now()
				coord.Do("GET", "/api/v1/documents?limit=50&q="+q.q, nil).MustStatus(http.StatusOK)
				ds[i] = append(ds[i], time.Since(s))
			}
		}
		b.StopTimer()
		for i, q := range queries {
			p50, p95, p := ms(pct(ds[i], 50)), ms(pct(ds[i], 95)), ms(pct(ds[i], 99))
			p99[q.name] = append(p99[q.name], p)
			unit := fmt.Sprintf("%dk", size/1000)
			b.ReportMetric(p50, q.name+"-"+unit+"-p50-ms")
			b.ReportMetric(p95, q.name+"-"+unit+"-p95-ms")
			b.ReportMetric(p, q.name+"-"+unit+"-p99-ms")
			lines = append(lines, fmt.Sprintf("%s at %d documents: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms", q.name, size, p50, p95, p))
		}
	}
	b.Logf("%d calls each, round-robin:\n%s", rounds, strings.Join(lines, "\n"))
	for _, q := range queries {
		r := p99[q.name][1] / p99[q.name][0]
		b.ReportMetric(r, q.name+"-2x-ratio")
		b.Logf("%s: p99 at 2x data %.2fx the p99 at 1x", q.name, r)
	}
	testenv.Target(b, p99["rare"][0] <= 50 && p99["rare"][1] <= 50, "rare-word search p99 %.1f ms / %.1f ms (at most 50 ms)", p99["rare"][0], p99["rare"][1])
	testenv.Target(b, p99["rare"][1] <= 1.2*p99["rare"][0], "rare-word search p99 at 2x data %.2fx (at most 1.2x)", p99["rare"][1]/p99["rare"][0])
	testenv.Target(b, p99["common"][1] <= 200, "common-word search p99 %.1f ms at 2x data (at most 200 ms)", p99["common"][1])
}
