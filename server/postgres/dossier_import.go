package postgres

import (
	"context"
	"encoding/json"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// copyImportRows is the COPY of the staging table (lib/pq runs a prepared
// "COPY ... FROM STDIN" as the copy protocol; pq.CopyIn built the same text).
const copyImportRows = `COPY import_rows (line, number, service_code, unit, field, channel, applicant_ref, received_at, clock_start,
	due_at, paused_at, supplements, status, returned_at, result, result_reason, outcome, processing_days, current_unit, steps, late, return_channel, reject, ` + factCols + `) FROM STDIN`

// Import streams the valid rows with COPY into a staging table, then, in
// the same transaction, reports duplicates within the file and rows of
// dossiers kept by pushed events, and merges the rest into dossiers by
// number (identical rows change nothing). The summary follows through the
// statement triggers of dossiers: one aggregated upsert for the whole file.
func (s *ProcessStore) Import(ctx context.Context, rows func(yield func(process.ImportRow) error) error, rep *process.ImportReport, ev trail.Event) error {
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		const qTmp = `CREATE TEMP TABLE import_rows (
			line int, number text, service_code text, unit text, field text, channel text, applicant_ref text,
			received_at timestamptz, clock_start timestamptz, due_at timestamptz, paused_at timestamptz, supplements int,
			status text, returned_at timestamptz, result text, result_reason text, outcome text, processing_days double precision,
			current_unit text, steps jsonb, late boolean, return_channel text, reject text, result_electronic boolean, digitised boolean,
			data_reused boolean, fee_paid_online boolean, satisfaction text, complaint boolean, complaint_on_time boolean) ON COMMIT DROP`
		if _, err := tx.ExecContext(ctx, qTmp); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, copyImportRows)
		if err != nil {
			return err
		}
		staged := 0
		err = rows(func(r process.ImportRow) error {
			if r.Reject != "" {
				_, err := stmt.ExecContext(ctx, r.Line, r.Number, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
					nil, nil, nil, nil, nil, nil, r.Reject, nil, nil, nil, nil, nil, nil, nil)
				return err
			}
			d := r.Dossier
			steps, _ := json.Marshal(d.Steps)
			staged++
			args := append([]any{r.Line, d.Number, d.Service, d.Unit, d.Field, d.Channel, d.ApplicantRef, d.ReceivedAt,
				d.ClockStart, d.DueAt, d.PausedAt, d.Supplements, d.Status, d.ReturnedAt, nullStr(d.Result), d.ResultReason,
				nullStr(d.Outcome), d.ProcessingDays, d.CurrentUnit, string(steps), d.Late, nullStr(d.ReturnChannel), nil}, factArgs(d.Facts)...)
			_, err := stmt.ExecContext(ctx, args...)
			return err
		})
		if err != nil {
			stmt.Close()
			return err
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			stmt.Close()
			return err
		}
		if err := stmt.Close(); err != nil {
			return err
		}
		// Rows the domain rejected move to their own staging table; the
		// store's own rejections (duplicates, dossiers kept by events) join them.
		const qRej = `CREATE TEMP TABLE import_rejects ON COMMIT DROP AS
			SELECT line, coalesce(number, '') AS number, reject AS reason FROM import_rows WHERE reject IS NOT NULL;
			DELETE FROM import_rows WHERE reject IS NOT NULL;
			CREATE INDEX ON import_rows (number, line)`
		if _, err := tx.ExecContext(ctx, qRej); err != nil {
			return err
		}
		type rej struct {
			Line   int    `db:"line"`
			Number string `db:"number"`
			First  int    `db:"first"`
		}
		var dups []rej
		const qDup = `DELETE FROM import_rows r USING (
				SELECT line, min(line) OVER (PARTITION BY number) AS first FROM import_rows) x
			WHERE r.line = x.line AND x.line <> x.first RETURNING r.line, r.number, x.first`
		if err := tx.SelectContext(ctx, &dups, qDup); err != nil {
			return err
		}
		var kept []rej
		const qKept = `DELETE FROM import_rows r USING dossiers d WHERE d.number = r.number AND d.event_count > 0
			RETURNING r.line, r.number, 0 AS first`
		if err := tx.SelectContext(ctx, &kept, qKept); err != nil {
			return err
		}
		all := append(dups, kept...)
		for _, r := range all {
			reason := "this dossier is kept by events pushed from the one-stop software; send events instead"
			if r.First > 0 {
				reason = "duplicate dossier number in the file (first at line " + itoa(r.First) + ")"
			}
			rep.Reject(r.Line, r.Number, reason)
			if _, err := tx.ExecContext(ctx, `INSERT INTO import_rejects (line, number, reason) VALUES ($1, $2, $3)`, r.Line, r.Number, reason); err != nil {
				return err
			}
		}
		const qMerge = `INSERT INTO dossiers AS d (number, service_code, unit, field, channel, applicant_ref, received_at, clock_start, due_at,
				paused_at, supplements, status, returned_at, result, result_reason, outcome, processing_days, current_unit, steps, late, source,
				return_channel, ` + factCols + `)
			SELECT number, service_code, unit, field, channel, applicant_ref, received_at, clock_start, due_at, paused_at, supplements,
				status, returned_at, result, result_reason, outcome, processing_days, current_unit, steps, late, 'import', return_channel, ` + factCols + `
			FROM import_rows ORDER BY number
			ON CONFLICT (number) DO UPDATE SET service_code = excluded.service_code, unit = excluded.unit, field = excluded.field,
				channel = excluded.channel, applicant_ref = excluded.applicant_ref, received_at = excluded.received_at,
				clock_start = excluded.clock_start, due_at = excluded.due_at, paused_at = excluded.paused_at,
				supplements = excluded.supplements, status = excluded.status, returned_at = excluded.returned_at,
				result = excluded.result, result_reason = excluded.result_reason, outcome = excluded.outcome,
				processing_days = excluded.processing_days, current_unit = excluded.current_unit, steps = excluded.steps,
				late = excluded.late OR d.late, return_channel = excluded.return_channel, updated_at = now(),
				result_electronic = coalesce(excluded.result_electronic, d.result_electronic), digitised = coalesce(excluded.digitised, d.digitised),
				data_reused = coalesce(excluded.data_reused, d.data_reused), fee_paid_online = coalesce(excluded.fee_paid_online, d.fee_paid_online),
				satisfaction = coalesce(excluded.satisfaction, d.satisfaction), complaint = coalesce(excluded.complaint, d.complaint),
				complaint_on_time = coalesce(excluded.complaint_on_time, d.complaint_on_time)
			WHERE (d.service_code, d.channel, d.applicant_ref, d.received_at, d.status, d.returned_at, d.result, d.outcome, d.supplements, d.clock_start,
				d.return_channel)
				IS DISTINCT FROM (excluded.service_code, excluded.channel, excluded.applicant_ref, excluded.received_at, excluded.status,
				excluded.returned_at, excluded.result, excluded.outcome, excluded.supplements, excluded.clock_start, excluded.return_channel)
				OR (excluded.result_electronic IS NOT NULL AND excluded.result_electronic IS DISTINCT FROM d.result_electronic)
				OR (excluded.digitised IS NOT NULL AND excluded.digitised IS DISTINCT FROM d.digitised)
				OR (excluded.data_reused IS NOT NULL AND excluded.data_reused IS DISTINCT FROM d.data_reused)
				OR (excluded.fee_paid_online IS NOT NULL AND excluded.fee_paid_online IS DISTINCT FROM d.fee_paid_online)
				OR (excluded.satisfaction IS NOT NULL AND excluded.satisfaction IS DISTINCT FROM d.satisfaction)
				OR (excluded.complaint IS NOT NULL AND excluded.complaint IS DISTINCT FROM d.complaint)
				OR (excluded.complaint_on_time IS NOT NULL AND excluded.complaint_on_time IS DISTINCT FROM d.complaint_on_time)
			RETURNING (xmax = 0) AS inserted, late`
		res, err := tx.QueryxContext(ctx, qMerge)
		if err != nil {
			return err
		}
		changed := 0
		for res.Next() {
			var ins, late bool
			if err := res.Scan(&ins, &late); err != nil {
				res.Close()
				return err
			}
			changed++
			if ins {
				rep.Inserted++
			} else {
				rep.Updated++
			}
			if late {
				rep.Late++
			}
		}
		if err := res.Err(); err != nil {
			return err
		}
		res.Close()
		rep.Unchanged = staged - len(all) - changed
		rejections, _ := json.Marshal(rep.Rejections)
		const qRep = `INSERT INTO dossier_imports (actor_login, filename, total, inserted, updated, unchanged, rejected, rejections, late)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`
		if err := tx.GetContext(ctx, &rep.ID, qRep, ev.ActorLogin, ev.ObjectID, rep.Total, rep.Inserted, rep.Updated, rep.Unchanged,
			rep.Rejected, rejections, rep.Late); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO dossier_import_rejections (import_id, line, number, reason)
			SELECT $1, line, number, reason FROM import_rejects`, rep.ID); err != nil {
			return err
		}
		ev.Details = map[string]any{"filename": ev.ObjectID, "total": rep.Total, "inserted": rep.Inserted, "updated": rep.Updated,
			"unchanged": rep.Unchanged, "rejected": rep.Rejected}
		ev.ObjectID = rep.ID
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
}

// ImportRejections streams the rejected rows of an import in line order.
func (s *ProcessStore) ImportRejections(ctx context.Context, id string, fn func(process.Rejection) error) error {
	rows, err := s.db.QueryxContext(ctx, `SELECT line, number, reason FROM dossier_import_rejections WHERE import_id = $1 ORDER BY line`, id)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r process.Rejection
		if err := rows.Scan(&r.Line, &r.Number, &r.Reason); err != nil {
			return translate(err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// SetImportNCs records how many nonconformities followed an import.
func (s *ProcessStore) SetImportNCs(ctx context.Context, id string, n int) error {
	_, err := s.db.ExecContext(ctx, `UPDATE dossier_imports SET ncs_raised = $2 WHERE id = $1`, id, n)
	return translate(err)
}

// ImportReport returns a stored import report and who ran it.
func (s *ProcessStore) ImportReport(ctx context.Context, id string) (process.ImportReport, string, error) {
	var row struct {
		process.ImportReport
		Actor string `db:"actor_login"`
		Rej   []byte `db:"rejections"`
	}
	if !isUUID(id) {
		return process.ImportReport{}, "", qms.Errorf(qms.ErrNotFound, "no import %s", id)
	}
	const q = `SELECT id, total, inserted, updated, unchanged, rejected, late, ncs_raised, rejections, actor_login FROM dossier_imports WHERE id = $1`
	if err := s.db.GetContext(ctx, &row, q, id); err != nil {
		return process.ImportReport{}, "", notFound(err, "no import %s", id)
	}
	rep := row.ImportReport
	rep.Rejections = []process.Rejection{}
	_ = json.Unmarshal(row.Rej, &rep.Rejections)
	rep.Truncated = rep.Rejected > len(rep.Rejections)
	return rep, row.Actor, nil
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
