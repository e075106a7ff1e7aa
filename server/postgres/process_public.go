package postgres

import (
	"context"
	"time"

	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/process"
)

// orEmpty is s, or an empty list for nil (a JSON array, never null).
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// PublicProcedures lists the active procedures by field, then code.
func (s *ProcessStore) PublicProcedures(ctx context.Context) ([]process.Procedure, error) {
	const q = `SELECT ` + serviceCols + ` FROM services WHERE active ORDER BY field, code`
	var rows []procedureRow
	if err := s.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, translate(err)
	}
	out := make([]process.Procedure, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.out())
	}
	return out, nil
}

// PublicVersion is the number of services and a sum of hashes of each
// one's code and change time (every change sets updated_at; services are
// never deleted). Not max(updated_at): a change committed after a later
// one would not move it.
func (s *ProcessStore) PublicVersion(ctx context.Context) (string, error) {
	var v string
	err := s.db.GetContext(ctx, &v, `SELECT count(*)::text || '/' || coalesce(sum(hashtext(code || '|' || updated_at::text)::bigint), 0)::text FROM services`)
	return v, translate(err)
}

// LookupCode returns the code printed on a dossier's receipt.
func (s *ProcessStore) LookupCode(ctx context.Context, number string) (string, error) {
	var code string
	if err := s.db.GetContext(ctx, &code, `SELECT lookup_code FROM dossiers WHERE number = $1`, number); err != nil {
		return "", notFound(err, "no dossier %s", number)
	}
	return code, nil
}

// lookupKeys splits keys into the two arrays the queries unnest.
func lookupKeys(keys []process.LookupKey) (kinds, names any) {
	k, n := make([]string, len(keys)), make([]string, len(keys))
	for i, x := range keys {
		k[i], n[i] = x.Kind, x.Key
	}
	return pq.Array(k), pq.Array(n)
}

// LookupFailures returns the failures of each key whose window still runs.
func (s *ProcessStore) LookupFailures(ctx context.Context, keys []process.LookupKey, now time.Time, window time.Duration) ([]process.LookupCount, error) {
	const q = `SELECT f.kind, f.key, f.failures, f.window_start FROM lookup_failures f
		JOIN unnest($1::text[], $2::text[]) AS k(kind, key) ON k.kind = f.kind AND k.key = f.key
		WHERE f.window_start > $3::timestamptz - make_interval(secs => $4::float8)`
	kinds, names := lookupKeys(keys)
	out := []process.LookupCount{}
	err := s.db.SelectContext(ctx, &out, q, kinds, names, now, window.Seconds())
	return out, translate(err)
}

// RecordLookupFailure counts one failure for each key; a key whose window
// has passed starts a new one at now. Windows passed long ago are removed
// on the way, so the table holds only the keys of the last windows.
func (s *ProcessStore) RecordLookupFailure(ctx context.Context, keys []process.LookupKey, now time.Time, window time.Duration) error {
	const q = `INSERT INTO lookup_failures (kind, key, failures, window_start)
		SELECT kind, key, 1, $3 FROM unnest($1::text[], $2::text[]) AS k(kind, key)
		ON CONFLICT (kind, key) DO UPDATE SET
		  failures = CASE WHEN lookup_failures.window_start <= $3::timestamptz - make_interval(secs => $4::float8) THEN 1 ELSE lookup_failures.failures + 1 END,
		  window_start = CASE WHEN lookup_failures.window_start <= $3::timestamptz - make_interval(secs => $4::float8) THEN $3 ELSE lookup_failures.window_start END`
	const qOld = `DELETE FROM lookup_failures WHERE window_start < $1::timestamptz - make_interval(secs => $2::float8) * 4`
	kinds, names := lookupKeys(keys)
	if _, err := s.db.ExecContext(ctx, q, kinds, names, now, window.Seconds()); err != nil {
		return translate(err)
	}
	_, err := s.db.ExecContext(ctx, qOld, now, window.Seconds())
	return translate(err)
}

var _ process.PublicStore = (*ProcessStore)(nil)
