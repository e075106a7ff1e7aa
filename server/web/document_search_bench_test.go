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
// variants are timed round-robin, alternating between the sizes call by
// call, 101 calls each, and their p50/p95/p99
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
	// Both sizes are seeded first, then searched alternately call by call,
	// so the machine's drifting load falls on both alike.
	sizes := []int{n, 2 * n}
	coords := make([]*apptest.Client, len(sizes))
	for k, size := range sizes {
		env := apptest.New(b)
		seedSearchDocs(b, env, size)
		coord := env.As("coordinator").Load()
		coords[k] = coord
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
	}
	ds := make([][][]time.Duration, len(sizes))
	for k := range ds {
		ds[k] = make([][]time.Duration, len(queries))
	}
	b.StartTimer()
	for r := 0; r < rounds; r++ {
		for i, q := range queries {
			for k := range sizes {
				s := time.Now()
				coords[k].Do("GET", "/api/v1/documents?limit=50&q="+q.q, nil).MustStatus(http.StatusOK)
				ds[k][i] = append(ds[k][i], time.Since(s))
			}
		}
	}
	b.StopTimer()
	for k, size := range sizes {
		for i, q := range queries {
			p50, p95, p := ms(pct(ds[k][i], 50)), ms(pct(ds[k][i], 95)), ms(pct(ds[k][i], 99))
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

// seedUnitDocs fills env's database with n documents spread evenly over
// the demo organisation's 5 units and 100 more (105, as in a province's
// department), one in ten a draft, the others effective with their
// revision: a person of one unit sees about one document in a hundred.
func seedUnitDocs(b *testing.B, env *apptest.Env, n int) {
	db, err := postgres.Open(context.Background(), env.DBURL, 4)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	for _, q := range []string{
		`INSERT INTO units (code, name_vi, name_en) SELECT 'u' || lpad(g::text, 3, '0'), 'Phòng ' || g, 'Office ' || g
			FROM generate_series(1, 100) g ON CONFLICT DO NOTHING`,
		`CREATE TEMP TABLE seed_units AS SELECT row_number() OVER (ORDER BY code) - 1 AS ui, code FROM units`,
		`INSERT INTO documents (code, code_key, title, title_key, type, unit, clauses, review_months, public, status,
				effective_issue, effective_at, next_review_at, created_by)
			SELECT 'QT-' || lpad(i::text, 7, '0'), 'QT-' || lpad(i::text, 7, '0'),
				'Quy trình số ' || i, 'quy trinh so ' || i, 'procedure', u.code, ARRAY['7.5.3'], 12, false,
				CASE WHEN i % 10 = 0 THEN 'draft' ELSE 'effective' END,
				CASE WHEN i % 10 = 0 THEN NULL ELSE 1 END, CASE WHEN i % 10 = 0 THEN NULL ELSE now() - (i || ' seconds')::interval END,
				CASE WHEN i % 10 = 0 THEN NULL ELSE now() + interval '1 year' END,
				(SELECT id FROM users WHERE login = 'coordinator')
			FROM generate_series(1, ` + strconv.Itoa(n) + `) i JOIN seed_units u ON u.ui = (i * 7919) % 105`,
		`INSERT INTO revisions (document_id, issue, status, change, change_key, created_by)
			SELECT id, 1, CASE WHEN status = 'effective' THEN 'effective' ELSE 'draft' END, 'Ban hành lần đầu', 'ban hanh lan dau', created_by
			FROM documents`,
		`UPDATE documents d SET effective_rev = r.id FROM revisions r WHERE r.document_id = d.id AND r.status = 'effective'`,
		`DROP TABLE seed_units`,
		`VACUUM ANALYZE documents`,
		`VACUUM ANALYZE revisions`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("seed %.60s: %v", q, err)
		}
	}
	b.Logf("seeded %d documents over 105 units in %.1fs", n, time.Since(start).Seconds())
}

// BenchmarkDocumentRegisterOfOneUnit: the register's first page (API and
// HTML) of a member of one unit (staff.tnmt, who sees about 1 % of the
// documents) beside the coordinator's (every document), at n and 2n
// documents over 105 units (n = 100,000 unless QMS_BENCH_UNIT_DOCS says
// otherwise), each size in its own database, 101 calls each, round-robin
// over the pages and alternating between the sizes.
// Targets: every page p99 at most 50 ms; the staff page at 2n at most 1.2x
// its median at n.
func BenchmarkDocumentRegisterOfOneUnit(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("QMS_BENCH_UNIT_DOCS")); err == nil && v > 0 {
		n = v
	}
	const rounds = 101
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	type page struct{ who, path string }
	pages := []page{{"staff.tnmt", "/api/v1/documents?limit=50"}, {"staff.tnmt", "/documents"},
		{"coordinator", "/api/v1/documents?limit=50"}, {"coordinator", "/documents"}}
	// Both sizes are seeded first, then called alternately call by call,
	// so the machine's drifting load falls on both alike.
	b.StopTimer()
	sizes := []int{n, 2 * n}
	calls := make([]func(page), len(sizes))
	for k, size := range sizes {
		env := apptest.New(b)
		seedUnitDocs(b, env, size)
		cs := map[string]*apptest.Client{"staff.tnmt": env.As("staff.tnmt").Load(), "coordinator": env.As("coordinator").Load()}
		calls[k] = func(p page) {
			req, _ := http.NewRequest("GET", env.URL+p.path, nil)
			if !strings.HasPrefix(p.path, "/api/") {
				req.Header.Set("Accept", "text/html")
			}
			cs[p.who].Send(req).MustStatus(http.StatusOK)
		}
		var seen struct {
			Items []struct {
				Unit string `json:"unit"`
			} `json:"items"`
		}
		cs["staff.tnmt"].Do("GET", "/api/v1/documents?limit=50", nil).MustStatus(http.StatusOK).Decode(&seen)
		if len(seen.Items) != 50 {
			b.Fatalf("%d documents: staff.tnmt's first page has %d rows", size, len(seen.Items))
		}
		for _, it := range seen.Items {
			if it.Unit != "tnmt" {
				b.Fatalf("staff.tnmt's register lists a document of %s", it.Unit)
			}
		}
		for _, p := range pages {
			calls[k](p) // warm-up
		}
	}
	ds := make([][][]time.Duration, len(sizes))
	for k := range ds {
		ds[k] = make([][]time.Duration, len(pages))
	}
	b.StartTimer()
	for r := 0; r < rounds; r++ {
		for i, p := range pages {
			for k := range sizes {
				s := time.Now()
				calls[k](p)
				ds[k][i] = append(ds[k][i], time.Since(s))
			}
		}
	}
	b.StopTimer()
	p50 := map[int][]float64{}
	var lines []string
	for k, size := range sizes {
		for i, p := range pages {
			m, p95, p99 := ms(pct(ds[k][i], 50)), ms(pct(ds[k][i], 95)), ms(pct(ds[k][i], 99))
			p50[i] = append(p50[i], m)
			lines = append(lines, fmt.Sprintf("%s %s at %d documents: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms", p.who, p.path, size, m, p95, p99))
			testenv.Target(b, p99 <= 50, "%s %s at %d documents: p99 %.1f ms (at most 50 ms)", p.who, p.path, size, p99)
		}
	}
	b.Logf("%d calls each, round-robin:\n%s", rounds, strings.Join(lines, "\n"))
	for i, p := range pages {
		r := p50[i][1] / p50[i][0]
		b.Logf("%s %s: median at 2x data %.2fx the median at 1x", p.who, p.path, r)
		if p.who == "staff.tnmt" {
			testenv.Target(b, r <= 1.2, "%s %s: median at 2x data %.2fx (at most 1.2x)", p.who, p.path, r)
		}
	}
}
