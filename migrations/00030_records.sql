-- +goose Up
-- Record types: how long a kind of record is kept and how the object store
-- locks it. retention_years NULL means permanent.
CREATE TABLE record_types (
    code             text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    name_vi          text NOT NULL CHECK (length(name_vi) BETWEEN 1 AND 200),
    name_en          text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    retention_years  int CHECK (retention_years BETWEEN 1 AND 100),
    lock_mode        text NOT NULL CHECK (lock_mode IN ('COMPLIANCE', 'GOVERNANCE')),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Sensible defaults; the coordinator edits them. Vietnamese archive practice
-- keeps administrative-procedure dossiers and audit reports the longest.
INSERT INTO record_types (code, name_vi, name_en, retention_years, lock_mode) VALUES
    ('meeting-minutes',   'Biên bản họp',                   'Meeting minutes',          5,    'GOVERNANCE'),
    ('filled-form',       'Biểu mẫu đã điền',               'Filled form',              5,    'GOVERNANCE'),
    ('audit-report',      'Báo cáo đánh giá nội bộ',        'Internal audit report',    10,   'COMPLIANCE'),
    ('training-evidence', 'Hồ sơ đào tạo',                  'Training evidence',        5,    'GOVERNANCE'),
    ('dossier-slip',      'Phiếu kiểm soát hồ sơ TTHC',     'Dossier handling slip',    10,   'COMPLIANCE'),
    ('management-review', 'Biên bản xem xét của lãnh đạo',  'Management review minutes', NULL, 'COMPLIANCE');

-- A retained record. Its files are versions (a correction adds one); links
-- name objects of other capabilities by id, without a foreign key, so a
-- record can be filed before or without them.
CREATE TABLE records (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    type_code       text NOT NULL REFERENCES record_types(code),
    unit            text NOT NULL REFERENCES units(code),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    record_date     date NOT NULL,
    clauses         text[] NOT NULL DEFAULT '{}',
    link_revision   text NOT NULL DEFAULT '',
    link_nc         text NOT NULL DEFAULT '',
    link_action     text NOT NULL DEFAULT '',
    link_audit      text NOT NULL DEFAULT '',
    lock_mode       text NOT NULL CHECK (lock_mode IN ('COMPLIANCE', 'GOVERNANCE')),
    permanent       boolean NOT NULL DEFAULT false,
    retain_until    timestamptz NOT NULL,
    held            boolean NOT NULL DEFAULT false,
    hold_reason     text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disposed')),
    disposed_at     timestamptz,
    disposal_signature uuid REFERENCES signatures(id),
    versions        int NOT NULL DEFAULT 1,
    created_by      uuid NOT NULL REFERENCES users(id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX records_unit ON records (unit, record_date DESC);
CREATE INDEX records_due ON records (retain_until) WHERE status = 'active' AND NOT permanent;
CREATE INDEX records_clauses ON records USING gin (clauses);
CREATE INDEX records_audit ON records (link_audit) WHERE link_audit <> '';

CREATE TABLE record_versions (
    record_id     uuid NOT NULL REFERENCES records(id),
    no            int NOT NULL CHECK (no >= 1),
    object_key    text NOT NULL,
    version_id    text NOT NULL,
    size          bigint NOT NULL,
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    media_type    text NOT NULL,
    file_name     text NOT NULL,
    reason        text NOT NULL DEFAULT '',
    retain_until  timestamptz NOT NULL,
    locked        boolean NOT NULL,
    created_by    uuid NOT NULL REFERENCES users(id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    PRIMARY KEY (record_id, no),
    -- A correction must say why.
    CHECK (no = 1 OR length(reason) > 0)
);

-- +goose Down
DROP TABLE record_versions;
DROP TABLE records;
DROP TABLE record_types;
