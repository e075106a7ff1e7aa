package postgres

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/trail"
)

// EvidenceStore implements evidence.Store. It reads the records and audits
// tables, and the documents and nonconformities tables of those capabilities
// when they exist in this database.
type EvidenceStore struct{ db *sqlx.DB }

// NewEvidenceStore returns an EvidenceStore on db.
func NewEvidenceStore(db *sqlx.DB) *EvidenceStore { return &EvidenceStore{db: db} }

var _ evidence.Store = (*EvidenceStore)(nil)

func (s *EvidenceStore) tablesExist(ctx context.Context, names ...string) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM unnest($1::text[]) t WHERE to_regclass(t) IS NOT NULL`, pq.Array(names))
	return n == len(names), translate(err)
}

// Items lists the files of the records, document revisions and NCs that f
// selects. Only live record versions; only revisions that were in force
// (effective, superseded, obsolete), never drafts.
func (s *EvidenceStore) Items(ctx context.Context, f evidence.Filter) ([]evidence.Item, error) {
	var units any
	if f.Units != nil {
		units = pq.Array(f.Units)
	}
	var clauses any
	if f.Clauses != nil {
		clauses = pq.Array(f.Clauses)
	}
	args := []any{units, f.Clause, clauses, f.FromDay, f.ToDay, f.Audit, f.From, f.To}
	// $1 units, $2 clause (and below), $3 any of clauses, $4 from day, $5 to day (exclusive), $6 audit,
	// $7 and $8 the same period as instants.
	const qRecords = `SELECT 'record' AS kind, r.id::text AS object_id, r.unit, r.title, v.file_name, v.object_key, v.version_id,
			v.sha256, v.size, v.media_type, r.clauses, r.record_date::timestamptz AS date,
			r.type_code AS m1, v.no::text AS m2, v.reason AS m3
		FROM records r JOIN record_versions v ON v.record_id = r.id
		WHERE v.deleted_at IS NULL AND r.status = 'active'
		  AND ($1::text[] IS NULL OR r.unit = ANY($1))
		  AND (($2 = '' OR EXISTS (SELECT 1 FROM unnest(r.clauses) c WHERE c = $2 OR c LIKE $2 || '.%'))
		       AND ($3::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest(r.clauses) c, unnest($3::text[]) w WHERE c = w OR c LIKE w || '.%'))
		       AND r.record_date >= $4::date AND r.record_date < $5::date
		       OR ($6::text <> '' AND r.link_audit = $6::text))
		  AND $7::timestamptz <= $8::timestamptz
		ORDER BY r.record_date, r.id, v.no`
	const qRevisions = `SELECT 'revision' AS kind, rv.id::text AS object_id, d.unit, d.code || ' ' || d.title AS title, f.file_name,
			f.object_key, f.version_id, f.sha256, f.size, f.media_type, d.clauses, coalesce(rv.effective_at, rv.created_at) AS date,
			rv.status AS m1, rv.issue::text AS m2, f.kind AS m3
		FROM documents d JOIN revisions rv ON rv.document_id = d.id JOIN revision_files f ON f.revision_id = rv.id
		WHERE f.replaced_at IS NULL AND rv.status IN ('effective', 'superseded', 'obsolete')
		  AND ($1::text[] IS NULL OR d.unit = ANY($1))
		  AND ($2 = '' OR EXISTS (SELECT 1 FROM unnest(d.clauses) c WHERE c = $2 OR c LIKE $2 || '.%'))
		  AND ($3::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest(d.clauses) c, unnest($3::text[]) w WHERE c = w OR c LIKE w || '.%'))
		  AND coalesce(rv.effective_at, rv.created_at) < $8 AND (rv.superseded_at IS NULL OR rv.superseded_at >= $7)
		  AND $6::text = $6::text AND $4::date <= $5::date
		ORDER BY d.code_key, rv.issue, f.uploaded_at`
	const qNCs = `SELECT 'nc' AS kind, n.id::text AS object_id, n.unit, n.number || ' ' || n.title AS title, f.file_name,
			f.object_key, f.version_id, f.sha256, f.size, f.media_type, n.clauses, f.uploaded_at AS date,
			n.status AS m1, f.purpose AS m2, coalesce(f.action_id::text, '') AS m3
		FROM ncs n JOIN nc_files f ON f.nc_id = n.id
		WHERE n.status <> 'cancelled'
		  AND ($1::text[] IS NULL OR n.unit = ANY($1))
		  AND ($2 = '' OR EXISTS (SELECT 1 FROM unnest(n.clauses) c WHERE c = $2 OR c LIKE $2 || '.%'))
		  AND ($3::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest(n.clauses) c, unnest($3::text[]) w WHERE c = w OR c LIKE w || '.%'))
		  AND n.detected_on >= $4::date AND n.detected_on < $5::date
		  AND $6::text = $6::text AND $7::timestamptz <= $8::timestamptz
		ORDER BY n.number, f.uploaded_at`
	type row struct {
		Kind      string         `db:"kind"`
		ObjectID  string         `db:"object_id"`
		Unit      string         `db:"unit"`
		Title     string         `db:"title"`
		FileName  string         `db:"file_name"`
		Key       string         `db:"object_key"`
		VersionID string         `db:"version_id"`
		SHA256    string         `db:"sha256"`
		Size      int64          `db:"size"`
		MediaType string         `db:"media_type"`
		Clauses   pq.StringArray `db:"clauses"`
		Date      time.Time      `db:"date"`
		M1        string         `db:"m1"`
		M2        string         `db:"m2"`
		M3        string         `db:"m3"`
	}
	meta := map[string][3]string{
		"record":   {"record_type", "version", "correction_reason"},
		"revision": {"revision_status", "issue", "file_kind"},
		"nc":       {"nc_status", "purpose", "action_id"},
	}
	out := []evidence.Item{}
	for _, src := range []struct {
		q      string
		tables []string
	}{{qRecords, nil}, {qRevisions, []string{"documents", "revisions", "revision_files"}}, {qNCs, []string{"ncs", "nc_files"}}} {
		if src.tables != nil {
			ok, err := s.tablesExist(ctx, src.tables...)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		rows, err := s.db.QueryxContext(ctx, src.q, args...)
		if err != nil {
			return nil, translate(err)
		}
		for rows.Next() {
			var r row
			if err := rows.StructScan(&r); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			names := meta[r.Kind]
			md := map[string]string{}
			for i, v := range []string{r.M1, r.M2, r.M3} {
				if v != "" {
					md[names[i]] = v
				}
			}
			cl := []string(r.Clauses)
			if cl == nil {
				cl = []string{}
			}
			out = append(out, evidence.Item{Kind: r.Kind, ObjectID: r.ObjectID, Unit: r.Unit, Title: r.Title, FileName: r.FileName,
				Key: r.Key, VersionID: r.VersionID, SHA256: r.SHA256, Size: r.Size, MediaType: r.MediaType, Clauses: cl,
				Date: r.Date.UTC(), Metadata: md})
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, translate(err)
		}
	}
	return out, nil
}

// TrailExcerpt streams the trail entries of the pack: those about its
// objects, and those of its units within the period, up to maxSeq.
func (s *EvidenceStore) TrailExcerpt(ctx context.Context, f evidence.Filter, ids []string, maxSeq int64, fn func(trail.Entry) error) error {
	const q = `SELECT id, seq, at, actor_id, actor_login, action, object_type, object_id, unit, details, prev_hash, hash
		FROM trail
		WHERE seq <= $1 AND (object_id = ANY($2) OR ($3::text[] IS NOT NULL AND unit = ANY($3) AND at >= $4 AND at < $5))
		ORDER BY seq`
	var units any
	if f.Units != nil {
		units = pq.Array(f.Units)
	}
	rows, err := s.db.QueryxContext(ctx, q, maxSeq, pq.Array(ids), units, f.From, f.To)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e trail.Entry
		if err := rows.StructScan(&e); err != nil {
			return translate(err)
		}
		e.At = e.At.UTC()
		if err := fn(e); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// Record appends one event and returns its sequence number: it chains the
// entry at once (with every entry committed before it) rather than waiting
// for the sequencer, as the pack's excerpt ends at it.
func (s *EvidenceStore) Record(ctx context.Context, ev trail.Event) (int64, error) {
	var id int64
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		e, err := AppendTrail(ctx, tx, ev)
		id = e.ID
		return err
	})
	if err != nil {
		return 0, err
	}
	if err := SequenceTrailNow(ctx, s.db); err != nil {
		return 0, err
	}
	var seq int64
	if err := s.db.GetContext(ctx, &seq, `SELECT seq FROM trail WHERE id = $1 AND seq IS NOT NULL`, id); err != nil {
		return 0, translate(err)
	}
	return seq, nil
}

// Coverage counts, for every clause of the checklist, the documents,
// records, audits and NCs tagged to it or to a clause below it, in units
// (nil: every unit). An audit counts for a clause it names in its scope or
// that one of its findings is about.
func (s *EvidenceStore) Coverage(ctx context.Context, units []string) ([]evidence.ClauseCoverage, error) {
	var u any
	if units != nil {
		u = pq.Array(units)
	}
	under := func(col string) string {
		return `EXISTS (SELECT 1 FROM unnest(` + col + `) c WHERE c = ac.clause OR c LIKE ac.clause || '.%')`
	}
	docs, ncs := "0", "0"
	if ok, err := s.tablesExist(ctx, "documents"); err != nil {
		return nil, err
	} else if ok {
		docs = `(SELECT count(*) FROM documents d WHERE d.status <> 'draft' AND ($1::text[] IS NULL OR d.unit = ANY($1)) AND ` + under("d.clauses") + `)`
	}
	if ok, err := s.tablesExist(ctx, "ncs"); err != nil {
		return nil, err
	} else if ok {
		ncs = `(SELECT count(*) FROM ncs n WHERE n.status <> 'cancelled' AND ($1::text[] IS NULL OR n.unit = ANY($1)) AND ` + under("n.clauses") + `)`
	}
	q := `SELECT ac.clause, ac.title_vi, ac.title_en,
			` + docs + ` AS documents,
			(SELECT count(*) FROM records r WHERE r.status = 'active' AND ($1::text[] IS NULL OR r.unit = ANY($1)) AND ` + under("r.clauses") + `) AS records,
			(SELECT count(*) FROM audits a WHERE ($1::text[] IS NULL OR a.scope_units && $1)
				AND (` + under("a.scope_clauses") + ` OR EXISTS (SELECT 1 FROM audit_findings f JOIN audit_items i ON i.id = f.item_id
					WHERE f.audit_id = a.id AND i.clause <> '' AND (i.clause = ac.clause OR i.clause LIKE ac.clause || '.%')))) AS audits,
			` + ncs + ` AS ncs
		FROM audit_clauses ac WHERE ac.active ORDER BY ac.sort, ac.clause`
	out := []evidence.ClauseCoverage{}
	if err := s.db.SelectContext(ctx, &out, q, u); err != nil {
		return nil, translate(err)
	}
	return out, nil
}

// Evidence lists the documents (not drafts), nonconformities and corrective
// actions of units, newest first, from the tables of those capabilities
// when they exist.
func (s *EvidenceStore) Evidence(ctx context.Context, units []string, limit int) ([]evidence.Entry, error) {
	parts := []struct {
		tables []string
		q      string
	}{
		{[]string{"documents"}, `SELECT 'document' AS type, id::text AS id, unit, code AS ref, title, status,
			coalesce(effective_at, updated_at) AS date, NULL::jsonb AS title_msg FROM documents WHERE status <> 'draft' AND unit = ANY($1)
			ORDER BY code_key LIMIT $2`},
		{[]string{"ncs"}, `SELECT 'nc' AS type, id::text AS id, unit, number AS ref, title, status,
			detected_on::timestamptz AS date, title_msg FROM ncs WHERE status <> 'cancelled' AND unit = ANY($1)
			ORDER BY year DESC, seq DESC LIMIT $2`},
		{[]string{"ncs", "nc_actions"}, `SELECT 'action' AS type, a.id::text AS id, a.unit, n.number || '/' || a.no AS ref,
			a.description AS title, a.status, a.due::timestamptz AS date, NULL::jsonb AS title_msg
			FROM nc_actions a JOIN ncs n ON n.id = a.nc_id WHERE a.unit = ANY($1)
			ORDER BY a.due DESC LIMIT $2`},
	}
	out := []evidence.Entry{}
	for _, p := range parts {
		ok, err := s.tablesExist(ctx, p.tables...)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		var es []struct {
			evidence.Entry
			Msg []byte `db:"title_msg"`
		}
		if err := s.db.SelectContext(ctx, &es, p.q, pq.Array(units), limit); err != nil {
			return nil, translate(err)
		}
		for _, e := range es {
			e.Entry.TitleMsg = msgOrNil(e.Msg)
			out = append(out, e.Entry)
		}
	}
	return out, nil
}

// Trail returns the latest chained trail entries of units, newest first:
// an auditor reviews an entry by its seq, so an entry is listed here once
// the sequencer has given it its place (within a second of its commit).
func (s *EvidenceStore) Trail(ctx context.Context, units []string, limit int) ([]trail.Entry, error) {
	const q = `SELECT id, seq, at, actor_id, actor_login, action, object_type, object_id, unit, details, prev_hash, hash
		FROM trail WHERE unit = ANY($1) AND seq IS NOT NULL ORDER BY seq DESC LIMIT $2`
	out := []trail.Entry{}
	if err := s.db.SelectContext(ctx, &out, q, pq.Array(units), limit); err != nil {
		return nil, translate(err)
	}
	return out, nil
}
