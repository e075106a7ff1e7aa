-- +goose Up
-- Dossier statistics are bucketed by day in the office's time zone: the
-- zone is QMS_TIMEZONE, which qmstrack writes here at every start, not a
-- zone fixed in the triggers. Changing it later re-buckets only rows
-- written afterwards (the figures of earlier days keep the zone they were
-- counted in).
CREATE TABLE office_settings (
    id        boolean PRIMARY KEY DEFAULT true CHECK (id),
    time_zone text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh'
);
INSERT INTO office_settings DEFAULT VALUES;

-- +goose StatementBegin
CREATE FUNCTION office_time_zone() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT time_zone FROM office_settings WHERE id
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION dossier_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        WITH c AS (
            SELECT day, unit, service_code, field, channel, outcome, -count(*)::int AS n, -sum(days) AS days FROM (
                SELECT (received_at AT TIME ZONE office_time_zone())::date AS day, unit, service_code, field, channel,
                       'received' AS outcome, 0::double precision AS days FROM old_rows
                UNION ALL
                SELECT (returned_at AT TIME ZONE office_time_zone())::date, unit, service_code, field, channel,
                       outcome, coalesce(processing_days, 0) FROM old_rows WHERE outcome IS NOT NULL
            ) x GROUP BY 1, 2, 3, 4, 5, 6
        ), daily AS (
            INSERT INTO dossier_stats AS s (day, unit, service_code, field, channel, outcome, n, days)
            SELECT * FROM c ORDER BY 1, 2, 3, 4, 5, 6
            ON CONFLICT (day, unit, service_code, field, channel, outcome)
            DO UPDATE SET n = s.n + excluded.n, days = s.days + excluded.days
        )
        INSERT INTO dossier_stats_month AS m (month, unit, service_code, field, channel, outcome, n, days)
        SELECT date_trunc('month', day)::date, unit, service_code, field, channel, outcome, sum(n), sum(days)
        FROM c GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (month, unit, service_code, field, channel, outcome)
        DO UPDATE SET n = m.n + excluded.n, days = m.days + excluded.days;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        WITH c AS (
            SELECT day, unit, service_code, field, channel, outcome, count(*)::int AS n, sum(days) AS days FROM (
                SELECT (received_at AT TIME ZONE office_time_zone())::date AS day, unit, service_code, field, channel,
                       'received' AS outcome, 0::double precision AS days FROM new_rows
                UNION ALL
                SELECT (returned_at AT TIME ZONE office_time_zone())::date, unit, service_code, field, channel,
                       outcome, coalesce(processing_days, 0) FROM new_rows WHERE outcome IS NOT NULL
            ) x GROUP BY 1, 2, 3, 4, 5, 6
        ), daily AS (
            INSERT INTO dossier_stats AS s (day, unit, service_code, field, channel, outcome, n, days)
            SELECT * FROM c ORDER BY 1, 2, 3, 4, 5, 6
            ON CONFLICT (day, unit, service_code, field, channel, outcome)
            DO UPDATE SET n = s.n + excluded.n, days = s.days + excluded.days
        )
        INSERT INTO dossier_stats_month AS m (month, unit, service_code, field, channel, outcome, n, days)
        SELECT date_trunc('month', day)::date, unit, service_code, field, channel, outcome, sum(n), sum(days)
        FROM c GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (month, unit, service_code, field, channel, outcome)
        DO UPDATE SET n = m.n + excluded.n, days = m.days + excluded.days;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION dossier_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        WITH c AS (
            SELECT day, unit, service_code, field, channel, outcome, -count(*)::int AS n, -sum(days) AS days FROM (
                SELECT (received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day, unit, service_code, field, channel,
                       'received' AS outcome, 0::double precision AS days FROM old_rows
                UNION ALL
                SELECT (returned_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, unit, service_code, field, channel,
                       outcome, coalesce(processing_days, 0) FROM old_rows WHERE outcome IS NOT NULL
            ) x GROUP BY 1, 2, 3, 4, 5, 6
        ), daily AS (
            INSERT INTO dossier_stats AS s (day, unit, service_code, field, channel, outcome, n, days)
            SELECT * FROM c ORDER BY 1, 2, 3, 4, 5, 6
            ON CONFLICT (day, unit, service_code, field, channel, outcome)
            DO UPDATE SET n = s.n + excluded.n, days = s.days + excluded.days
        )
        INSERT INTO dossier_stats_month AS m (month, unit, service_code, field, channel, outcome, n, days)
        SELECT date_trunc('month', day)::date, unit, service_code, field, channel, outcome, sum(n), sum(days)
        FROM c GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (month, unit, service_code, field, channel, outcome)
        DO UPDATE SET n = m.n + excluded.n, days = m.days + excluded.days;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        WITH c AS (
            SELECT day, unit, service_code, field, channel, outcome, count(*)::int AS n, sum(days) AS days FROM (
                SELECT (received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day, unit, service_code, field, channel,
                       'received' AS outcome, 0::double precision AS days FROM new_rows
                UNION ALL
                SELECT (returned_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, unit, service_code, field, channel,
                       outcome, coalesce(processing_days, 0) FROM new_rows WHERE outcome IS NOT NULL
            ) x GROUP BY 1, 2, 3, 4, 5, 6
        ), daily AS (
            INSERT INTO dossier_stats AS s (day, unit, service_code, field, channel, outcome, n, days)
            SELECT * FROM c ORDER BY 1, 2, 3, 4, 5, 6
            ON CONFLICT (day, unit, service_code, field, channel, outcome)
            DO UPDATE SET n = s.n + excluded.n, days = s.days + excluded.days
        )
        INSERT INTO dossier_stats_month AS m (month, unit, service_code, field, channel, outcome, n, days)
        SELECT date_trunc('month', day)::date, unit, service_code, field, channel, outcome, sum(n), sum(days)
        FROM c GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (month, unit, service_code, field, channel, outcome)
        DO UPDATE SET n = m.n + excluded.n, days = m.days + excluded.days;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
DROP FUNCTION office_time_zone();
DROP TABLE office_settings;
