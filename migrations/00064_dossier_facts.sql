-- +goose Up
-- The facts of a dossier the reform index (QĐ 766/QĐ-TTg) counts beyond its
-- clock. Every one is optional: NULL is "not recorded", which the index
-- tells apart from "no" (an indicator whose facts nobody recorded says "no
-- data" rather than scoring zero).
ALTER TABLE dossiers
    ADD COLUMN result_electronic   boolean,
    ADD COLUMN digitised           boolean,
    ADD COLUMN data_reused         boolean,
    ADD COLUMN fee_paid_online     boolean,
    ADD COLUMN satisfaction        text CHECK (satisfaction IN ('very_satisfied', 'satisfied', 'dissatisfied')),
    ADD COLUMN complaint           boolean,
    ADD COLUMN complaint_on_time   boolean,
    ADD CONSTRAINT dossiers_complaint_handled CHECK (complaint_on_time IS NULL OR complaint IS TRUE);

-- Services: whether the procedure has a fee (the online-payment indicator
-- counts only those) and whether it may be done fully online (the online
-- indicator's denominator). IF NOT EXISTS: the public page's migration may
-- add has_fee too.
ALTER TABLE services ADD COLUMN IF NOT EXISTS has_fee boolean NOT NULL DEFAULT false;
ALTER TABLE services ADD COLUMN IF NOT EXISTS online_full_eligible boolean NOT NULL DEFAULT false;

-- The index's monthly counts, per month x unit x service x field x kind,
-- kept by statement-level triggers on dossiers like dossier_stats (one
-- aggregated upsert per statement, every write path), so the scorecard
-- never reads the dossiers. Withdrawn dossiers count nowhere. Kinds:
--   received, online_full               month of receipt
--   ret_early, ret_on_time, ret_late    month of return, by outcome
--   due                                 month of the statutory due time (not while
--                                       waiting for a supplement: the clock is stopped)
--   due_closed                          month of max(due, return), returned ones
--   digitised_known/_yes, reused_known/_yes, fee_known/_online,
--   rated, satisfied, complaint, complaint_on_time     month of receipt
--   electronic_known, electronic_yes    month of return
-- Open at the end of month M = sum(received) - sum(ret_*) up to M; open and
-- past due at the end of M = sum(due) - sum(due_closed) up to M.
CREATE TABLE dossier_index_month (
    month         date NOT NULL CHECK (extract(day FROM month) = 1),
    unit          text NOT NULL,
    service_code  text NOT NULL,
    field         text NOT NULL,
    kind          text NOT NULL,
    n             integer NOT NULL DEFAULT 0,
    PRIMARY KEY (month, unit, service_code, field, kind)
);

-- +goose StatementBegin
CREATE FUNCTION dossier_index_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dossier_index_month AS m (month, unit, service_code, field, kind, n)
        SELECT date_trunc('month', k.t AT TIME ZONE office_time_zone())::date, o.unit, o.service_code, o.field, k.kind, -count(*)::int
        FROM old_rows o CROSS JOIN LATERAL (VALUES
            (o.received_at, 'received', true),
            (o.received_at, 'online_full', o.channel = 'online_full'),
            (o.returned_at, 'ret_' || o.outcome, o.outcome IS NOT NULL AND o.returned_at IS NOT NULL),
            (o.due_at, 'due', o.status IN ('processing', 'returned')),
            (greatest(o.due_at, o.returned_at), 'due_closed', o.status = 'returned' AND o.returned_at IS NOT NULL),
            (o.received_at, 'digitised_known', o.digitised IS NOT NULL),
            (o.received_at, 'digitised_yes', o.digitised IS TRUE),
            (o.received_at, 'reused_known', o.data_reused IS NOT NULL),
            (o.received_at, 'reused_yes', o.data_reused IS TRUE),
            (o.received_at, 'fee_known', o.fee_paid_online IS NOT NULL),
            (o.received_at, 'fee_online', o.fee_paid_online IS TRUE),
            (o.received_at, 'rated', o.satisfaction IS NOT NULL),
            (o.received_at, 'satisfied', o.satisfaction IN ('very_satisfied', 'satisfied')),
            (o.received_at, 'complaint', o.complaint IS TRUE),
            (o.received_at, 'complaint_on_time', o.complaint_on_time IS TRUE),
            (o.returned_at, 'electronic_known', o.result_electronic IS NOT NULL AND o.returned_at IS NOT NULL),
            (o.returned_at, 'electronic_yes', o.result_electronic IS TRUE AND o.returned_at IS NOT NULL)
        ) k (t, kind, counts)
        WHERE k.counts AND o.status <> 'withdrawn'
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (month, unit, service_code, field, kind) DO UPDATE SET n = m.n + excluded.n;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dossier_index_month AS m (month, unit, service_code, field, kind, n)
        SELECT date_trunc('month', k.t AT TIME ZONE office_time_zone())::date, w.unit, w.service_code, w.field, k.kind, count(*)::int
        FROM new_rows w CROSS JOIN LATERAL (VALUES
            (w.received_at, 'received', true),
            (w.received_at, 'online_full', w.channel = 'online_full'),
            (w.returned_at, 'ret_' || w.outcome, w.outcome IS NOT NULL AND w.returned_at IS NOT NULL),
            (w.due_at, 'due', w.status IN ('processing', 'returned')),
            (greatest(w.due_at, w.returned_at), 'due_closed', w.status = 'returned' AND w.returned_at IS NOT NULL),
            (w.received_at, 'digitised_known', w.digitised IS NOT NULL),
            (w.received_at, 'digitised_yes', w.digitised IS TRUE),
            (w.received_at, 'reused_known', w.data_reused IS NOT NULL),
            (w.received_at, 'reused_yes', w.data_reused IS TRUE),
            (w.received_at, 'fee_known', w.fee_paid_online IS NOT NULL),
            (w.received_at, 'fee_online', w.fee_paid_online IS TRUE),
            (w.received_at, 'rated', w.satisfaction IS NOT NULL),
            (w.received_at, 'satisfied', w.satisfaction IN ('very_satisfied', 'satisfied')),
            (w.received_at, 'complaint', w.complaint IS TRUE),
            (w.received_at, 'complaint_on_time', w.complaint_on_time IS TRUE),
            (w.returned_at, 'electronic_known', w.result_electronic IS NOT NULL AND w.returned_at IS NOT NULL),
            (w.returned_at, 'electronic_yes', w.result_electronic IS TRUE AND w.returned_at IS NOT NULL)
        ) k (t, kind, counts)
        WHERE k.counts AND w.status <> 'withdrawn'
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (month, unit, service_code, field, kind) DO UPDATE SET n = m.n + excluded.n;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- The dossiers already there (the same kinds as the triggers count).
INSERT INTO dossier_index_month (month, unit, service_code, field, kind, n)
SELECT date_trunc('month', t AT TIME ZONE office_time_zone())::date, unit, service_code, field, kind, count(*)::int FROM (
    SELECT received_at AS t, unit, service_code, field, 'received' AS kind FROM dossiers WHERE status <> 'withdrawn' AND true
    UNION ALL
    SELECT received_at AS t, unit, service_code, field, 'online_full' AS kind FROM dossiers WHERE status <> 'withdrawn' AND channel = 'online_full'
    UNION ALL
    SELECT returned_at AS t, unit, service_code, field, 'ret_' || outcome AS kind FROM dossiers WHERE status <> 'withdrawn' AND outcome IS NOT NULL AND returned_at IS NOT NULL
    UNION ALL
    SELECT due_at AS t, unit, service_code, field, 'due' AS kind FROM dossiers WHERE status <> 'withdrawn' AND status IN ('processing', 'returned')
    UNION ALL
    SELECT greatest(due_at, returned_at) AS t, unit, service_code, field, 'due_closed' AS kind FROM dossiers WHERE status <> 'withdrawn' AND status = 'returned' AND returned_at IS NOT NULL
    UNION ALL
    SELECT received_at AS t, unit, service_code, field, 'digitised_known' AS kind FROM dossiers WHERE status <> 'withdrawn' AND digitised IS NOT NULL
    UNION ALL
    SELECT received_at AS t, unit, service_code, field, 'digitised_yes' AS kind FROM dossiers WHERE status <> 'withdrawn' AND digitised IS TRUE
    UNION ALL
    SELECT received_at AS t, unit, service_code, field, 'reused_known' AS kind FROM dossiers WHERE status <> 'withdrawn' AND data_reused IS NOT NULL
    UNION ALL
    SELECT received_at AS t, unit, service_code, field, 'reused_yes' AS kind FROM dossiers WHERE status <> 'withdrawn' AND data_reused IS TRUE
    UNION ALL
    SELECT received_at AS t, unit, service_code, field, 'fee_known' AS kind FROM dossiers WHERE status <> 'withdrawn' AND fee_paid_online IS NOT NULL
    UNION ALL
    SELECT received_at AS t, unit, service_code, field, 'fee_online' AS kind FROM dossiers WHERE status <> 'withdrawn' AND fee_paid_online IS TRUE
    UNION ALL
    SELECT received_at AS t, unit, service_code, field, 'rated' AS kind FROM dossiers WHERE status <> 'withdrawn' AND satisfaction IS NOT NULL
    UNION ALL
    SELECT received_at AS t, unit, service_code, field, 'satisfied' AS kind FROM dossiers WHERE status <> 'withdrawn' AND satisfaction IN ('very_satisfied', 'satisfied')
    UNION ALL
    SELECT received_at AS t, unit, service_code, field, 'complaint' AS kind FROM dossiers WHERE status <> 'withdrawn' AND complaint IS TRUE
    UNION ALL
    SELECT received_at AS t, unit, service_code, field, 'complaint_on_time' AS kind FROM dossiers WHERE status <> 'withdrawn' AND complaint_on_time IS TRUE
    UNION ALL
    SELECT returned_at AS t, unit, service_code, field, 'electronic_known' AS kind FROM dossiers WHERE status <> 'withdrawn' AND result_electronic IS NOT NULL AND returned_at IS NOT NULL
    UNION ALL
    SELECT returned_at AS t, unit, service_code, field, 'electronic_yes' AS kind FROM dossiers WHERE status <> 'withdrawn' AND result_electronic IS TRUE AND returned_at IS NOT NULL
) x GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER dossier_index_ins AFTER INSERT ON dossiers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dossier_index_apply();
CREATE TRIGGER dossier_index_upd AFTER UPDATE ON dossiers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dossier_index_apply();
CREATE TRIGGER dossier_index_del AFTER DELETE ON dossiers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dossier_index_apply();

-- "Open and past due now" for the current month: the open dossiers whose
-- clock runs, by due time (few rows, however many dossiers are returned).
CREATE INDEX dossiers_running_due ON dossiers (due_at, unit) WHERE status = 'processing';

-- +goose Down
DROP INDEX dossiers_running_due;
DROP TRIGGER dossier_index_del ON dossiers;
DROP TRIGGER dossier_index_upd ON dossiers;
DROP TRIGGER dossier_index_ins ON dossiers;
DROP FUNCTION dossier_index_apply();
DROP TABLE dossier_index_month;
ALTER TABLE services DROP COLUMN online_full_eligible;
ALTER TABLE dossiers DROP CONSTRAINT dossiers_complaint_handled,
    DROP COLUMN complaint_on_time, DROP COLUMN complaint, DROP COLUMN satisfaction, DROP COLUMN fee_paid_online,
    DROP COLUMN data_reused, DROP COLUMN digitised, DROP COLUMN result_electronic;
