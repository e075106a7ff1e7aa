-- +goose Up
-- A monthly roll-up beside the daily summary: the dashboard and most KPI
-- queries cover whole months, which this answers from a few thousand rows
-- however many dossiers there are; partial months at the edges of a period
-- still come from the daily rows. n becomes an integer so sums stay
-- bigint (summing bigint yields numeric, which is much slower).
ALTER TABLE dossier_stats ALTER COLUMN n TYPE integer;

CREATE TABLE dossier_stats_month (
    month         date NOT NULL CHECK (extract(day FROM month) = 1),
    unit          text NOT NULL,
    service_code  text NOT NULL,
    field         text NOT NULL,
    channel       text NOT NULL,
    outcome       text NOT NULL,
    n             integer NOT NULL DEFAULT 0,
    days          double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (month, unit, service_code, field, channel, outcome)
);
INSERT INTO dossier_stats_month (month, unit, service_code, field, channel, outcome, n, days)
SELECT date_trunc('month', day)::date, unit, service_code, field, channel, outcome, sum(n), sum(days)
FROM dossier_stats GROUP BY 1, 2, 3, 4, 5, 6;

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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION dossier_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dossier_stats AS s (day, unit, service_code, field, channel, outcome, n, days)
        SELECT day, unit, service_code, field, channel, outcome, -sum(n), -sum(days) FROM (
            SELECT (received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day, unit, service_code, field, channel,
                   'received' AS outcome, 1 AS n, 0::double precision AS days FROM old_rows
            UNION ALL
            SELECT (returned_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, unit, service_code, field, channel,
                   outcome, 1, coalesce(processing_days, 0) FROM old_rows WHERE outcome IS NOT NULL
        ) c GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (day, unit, service_code, field, channel, outcome)
        DO UPDATE SET n = s.n + excluded.n, days = s.days + excluded.days;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dossier_stats AS s (day, unit, service_code, field, channel, outcome, n, days)
        SELECT day, unit, service_code, field, channel, outcome, sum(n), sum(days) FROM (
            SELECT (received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day, unit, service_code, field, channel,
                   'received' AS outcome, 1 AS n, 0::double precision AS days FROM new_rows
            UNION ALL
            SELECT (returned_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, unit, service_code, field, channel,
                   outcome, 1, coalesce(processing_days, 0) FROM new_rows WHERE outcome IS NOT NULL
        ) c GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (day, unit, service_code, field, channel, outcome)
        DO UPDATE SET n = s.n + excluded.n, days = s.days + excluded.days;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
DROP TABLE dossier_stats_month;
ALTER TABLE dossier_stats ALTER COLUMN n TYPE bigint;
