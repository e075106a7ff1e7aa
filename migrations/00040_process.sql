-- +goose Up
-- Process performance (ISO 9001 9.1): services, the working-day calendar,
-- dossiers on their clock, the per-day summary the KPIs read, late dossiers
-- becoming nonconformities, quality objectives, meetings and directives.

CREATE TABLE process_settings (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    open_min     int NOT NULL DEFAULT 450 CHECK (open_min BETWEEN 0 AND 1439),
    close_min    int NOT NULL DEFAULT 1020 CHECK (close_min BETWEEN 1 AND 1440),
    after_hours  text NOT NULL DEFAULT 'next_day' CHECK (after_hours IN ('next_day', 'same_day')),
    late_mode    text NOT NULL DEFAULT 'auto' CHECK (late_mode IN ('auto', 'triage')),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (open_min < close_min)
);
INSERT INTO process_settings DEFAULT VALUES;

-- Days that differ from the Monday-to-Friday week: holidays (days off) and
-- swapped working days. Public holidays of 2026 and 2027 are seeded below.
CREATE TABLE calendar_days (
    day   date PRIMARY KEY,
    kind  text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name  text NOT NULL DEFAULT '' CHECK (length(name) <= 200)
);
INSERT INTO calendar_days (day, kind, name) VALUES
    ('2026-01-01', 'holiday', 'Tết Dương lịch / New Year''s Day'),
    ('2026-02-16', 'holiday', 'Tết Nguyên đán (29 tháng Chạp) / Lunar New Year'),
    ('2026-02-17', 'holiday', 'Tết Nguyên đán (mùng 1) / Lunar New Year'),
    ('2026-02-18', 'holiday', 'Tết Nguyên đán (mùng 2) / Lunar New Year'),
    ('2026-02-19', 'holiday', 'Tết Nguyên đán (mùng 3) / Lunar New Year'),
    ('2026-02-20', 'holiday', 'Tết Nguyên đán (mùng 4) / Lunar New Year'),
    ('2026-04-27', 'holiday', 'Nghỉ bù Giỗ Tổ Hùng Vương / Hùng Kings'' day (compensatory)'),
    ('2026-04-30', 'holiday', 'Ngày Giải phóng miền Nam / Reunification Day'),
    ('2026-05-01', 'holiday', 'Quốc tế Lao động / Labour Day'),
    ('2026-09-01', 'holiday', 'Quốc khánh (ngày liền kề) / National Day (adjacent day)'),
    ('2026-09-02', 'holiday', 'Quốc khánh / National Day'),
    ('2027-01-01', 'holiday', 'Tết Dương lịch / New Year''s Day'),
    ('2027-02-05', 'holiday', 'Tết Nguyên đán (29 tháng Chạp) / Lunar New Year'),
    ('2027-02-08', 'holiday', 'Tết Nguyên đán (mùng 3) / Lunar New Year'),
    ('2027-02-09', 'holiday', 'Tết Nguyên đán (mùng 4) / Lunar New Year'),
    ('2027-02-10', 'holiday', 'Nghỉ bù Tết (mùng 1) / Lunar New Year (compensatory)'),
    ('2027-02-11', 'holiday', 'Nghỉ bù Tết (mùng 2) / Lunar New Year (compensatory)'),
    ('2027-04-16', 'holiday', 'Giỗ Tổ Hùng Vương / Hùng Kings'' day'),
    ('2027-04-30', 'holiday', 'Ngày Giải phóng miền Nam / Reunification Day'),
    ('2027-05-03', 'holiday', 'Nghỉ bù Quốc tế Lao động / Labour Day (compensatory)'),
    ('2027-09-02', 'holiday', 'Quốc khánh / National Day'),
    ('2027-09-03', 'holiday', 'Quốc khánh (ngày liền kề) / National Day (adjacent day)');

CREATE TABLE services (
    code           text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
    name_vi        text NOT NULL CHECK (length(name_vi) BETWEEN 1 AND 300),
    name_en        text NOT NULL DEFAULT '' CHECK (length(name_en) <= 300),
    field          text NOT NULL CHECK (field ~ '^[a-z][a-z0-9_]{0,31}$'),
    unit           text NOT NULL REFERENCES units(code),
    days           int NOT NULL CHECK (days BETWEEN 0 AND 365),
    steps          jsonb NOT NULL DEFAULT '[]',
    document_code  text NOT NULL DEFAULT '',
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX services_unit ON services (unit);

CREATE TABLE dossiers (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number            text NOT NULL UNIQUE CHECK (number ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
    service_code      text NOT NULL REFERENCES services(code),
    unit              text NOT NULL,
    field             text NOT NULL,
    channel           text NOT NULL CHECK (channel IN ('in_person', 'postal', 'online')),
    applicant_ref     text NOT NULL DEFAULT '' CHECK (length(applicant_ref) <= 100),
    received_at       timestamptz NOT NULL,
    clock_start       timestamptz NOT NULL,
    due_at            timestamptz NOT NULL,
    extended_due_at   timestamptz,
    extension_reason  text NOT NULL DEFAULT '',
    paused_at         timestamptz,
    supplements       int NOT NULL DEFAULT 0,
    status            text NOT NULL CHECK (status IN ('processing', 'supplement', 'returned', 'withdrawn')),
    returned_at       timestamptz,
    result            text CHECK (result IN ('granted', 'refused')),
    result_reason     text NOT NULL DEFAULT '',
    outcome           text CHECK (outcome IN ('early', 'on_time', 'late')),
    processing_days   double precision,
    current_unit      text NOT NULL,
    steps             jsonb NOT NULL DEFAULT '[]',
    late              boolean NOT NULL DEFAULT false,
    source            text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'import', 'seed')),
    event_count       int NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dossiers_unit_received ON dossiers (unit, received_at DESC);
CREATE INDEX dossiers_received ON dossiers (received_at DESC);
CREATE INDEX dossiers_service ON dossiers (service_code, received_at DESC);
CREATE INDEX dossiers_open_due ON dossiers (due_at) WHERE status = 'processing';
CREATE INDEX dossiers_late ON dossiers (unit) WHERE late;

-- Events are idempotent by the id the sender gives them; seq is the order
-- of arrival, which breaks ties between events of the same instant.
CREATE TABLE dossier_events (
    dossier_id   uuid NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    event_id     text NOT NULL CHECK (event_id ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
    seq          bigserial,
    type         text NOT NULL CHECK (type IN ('supplement_requested', 'resubmitted', 'extended', 'handed_over', 'returned', 'withdrawn')),
    at           timestamptz NOT NULL,
    to_unit      text NOT NULL DEFAULT '',
    step         text NOT NULL DEFAULT '',
    result       text NOT NULL DEFAULT '',
    reason       text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    new_due_at   timestamptz,
    actor_login  text NOT NULL DEFAULT '',
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dossier_id, event_id)
);

-- The summary the KPIs and the dashboard read instead of the dossiers: per
-- day (Asia/Ho_Chi_Minh), unit, service, field, channel and outcome, the
-- number of dossiers and the sum of their processing days. outcome
-- 'received' counts receipts on their day; early/on_time/late count
-- returns on the day of return. Kept exact by statement-level triggers on
-- dossiers (transition tables), so every write path (events, import, COPY
-- of the seeder) maintains it in its own transaction, one aggregated
-- upsert per statement rather than one per row.
CREATE TABLE dossier_stats (
    day           date NOT NULL,
    unit          text NOT NULL,
    service_code  text NOT NULL,
    field         text NOT NULL,
    channel       text NOT NULL,
    outcome       text NOT NULL,
    n             bigint NOT NULL DEFAULT 0,
    days          double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (day, unit, service_code, field, channel, outcome)
);
CREATE INDEX dossier_stats_unit ON dossier_stats (unit, day);

-- +goose StatementBegin
CREATE FUNCTION dossier_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER dossier_stats_ins AFTER INSERT ON dossiers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dossier_stats_apply();
CREATE TRIGGER dossier_stats_upd AFTER UPDATE ON dossiers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dossier_stats_apply();
CREATE TRIGGER dossier_stats_del AFTER DELETE ON dossiers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dossier_stats_apply();

-- What became of each late dossier: a nonconformity raised, waiting for the
-- coordinator (triage), or dismissed with a reason.
CREATE TABLE late_dossiers (
    dossier_id  uuid PRIMARY KEY REFERENCES dossiers(id) ON DELETE CASCADE,
    state       text NOT NULL CHECK (state IN ('pending', 'triage', 'raised', 'dismissed')),
    nc_id       text NOT NULL DEFAULT '',
    nc_number   text NOT NULL DEFAULT '',
    reason      text NOT NULL DEFAULT '',
    last_error  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX late_dossiers_state ON late_dossiers (state);

CREATE TABLE dossier_imports (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    at          timestamptz NOT NULL DEFAULT now(),
    actor_login text NOT NULL,
    filename    text NOT NULL DEFAULT '',
    total       int NOT NULL,
    inserted    int NOT NULL,
    updated     int NOT NULL,
    unchanged   int NOT NULL,
    rejected    int NOT NULL,
    rejections  jsonb NOT NULL DEFAULT '[]'
);

-- Quality objectives (ISO 9001 6.2) measured on the KPIs.
CREATE TABLE objectives (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    kpi           text NOT NULL CHECK (kpi IN ('on_time_rate', 'early_rate', 'late_count', 'online_share', 'postal_share', 'mean_days')),
    comparator    text NOT NULL CHECK (comparator IN ('>=', '<=')),
    target        double precision NOT NULL,
    period_from   date NOT NULL,
    period_to     date NOT NULL,
    unit          text NOT NULL REFERENCES units(code),
    field         text NOT NULL DEFAULT '',
    service_code  text NOT NULL DEFAULT '',
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (period_from <= period_to)
);
CREATE INDEX objectives_unit ON objectives (unit, period_to);

CREATE TABLE meetings (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    held_on           date NOT NULL,
    title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    chair             text NOT NULL CHECK (length(chair) BETWEEN 1 AND 200),
    participants      text NOT NULL DEFAULT '' CHECK (length(participants) <= 4000),
    minutes_record    text NOT NULL DEFAULT '',
    minutes_key       text,
    minutes_version   text,
    minutes_size      bigint,
    minutes_sha256    text,
    minutes_type      text,
    minutes_filename  text,
    created_by        uuid,
    created_login     text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE directives (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    meeting_id        uuid NOT NULL REFERENCES meetings(id),
    unit              text NOT NULL REFERENCES units(code),
    title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 1000),
    report_required   text NOT NULL DEFAULT '' CHECK (length(report_required) <= 2000),
    due_on            date NOT NULL,
    state             text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'reported', 'accepted', 'returned')),
    issuer_id         uuid,
    issuer_login      text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    closed_at         timestamptz
);
CREATE INDEX directives_unit_state ON directives (unit, state, due_on);
CREATE INDEX directives_meeting ON directives (meeting_id);

CREATE TABLE directive_reports (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    directive_id     uuid NOT NULL REFERENCES directives(id),
    reporter_id      uuid,
    reporter_login   text NOT NULL,
    text             text NOT NULL CHECK (length(text) BETWEEN 1 AND 8000),
    at               timestamptz NOT NULL DEFAULT now(),
    decision         text CHECK (decision IN ('accepted', 'returned')),
    decision_comment text NOT NULL DEFAULT '',
    decided_by       text NOT NULL DEFAULT '',
    decided_at       timestamptz
);
CREATE INDEX directive_reports_directive ON directive_reports (directive_id, at);

CREATE TABLE directive_evidence (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    report_id    uuid NOT NULL REFERENCES directive_reports(id),
    object_key   text NOT NULL,
    version_id   text NOT NULL,
    size         bigint NOT NULL,
    sha256       text NOT NULL,
    media_type   text NOT NULL,
    filename     text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX directive_evidence_report ON directive_evidence (report_id);

-- +goose Down
DROP TABLE directive_evidence;
DROP TABLE directive_reports;
DROP TABLE directives;
DROP TABLE meetings;
DROP TABLE objectives;
DROP TABLE dossier_imports;
DROP TABLE late_dossiers;
DROP TRIGGER dossier_stats_del ON dossiers;
DROP TRIGGER dossier_stats_upd ON dossiers;
DROP TRIGGER dossier_stats_ins ON dossiers;
DROP FUNCTION dossier_stats_apply();
DROP TABLE dossier_stats;
DROP TABLE dossier_events;
DROP TABLE dossiers;
DROP TABLE services;
DROP TABLE calendar_days;
DROP TABLE process_settings;
