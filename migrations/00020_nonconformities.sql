-- +goose Up
-- Nonconformities and corrective actions (ISO 9001 10.2).

-- One counter row per year. The creating transaction locks it FOR UPDATE and
-- increments it, so numbers are gap-free however many NCs are created at
-- once: a rolled-back creation rolls its increment back too.
CREATE TABLE nc_counters (
    year  int PRIMARY KEY CHECK (year BETWEEN 2000 AND 9999),
    last  int NOT NULL CHECK (last >= 0)
);

CREATE TABLE ncs (
    id                uuid PRIMARY KEY,
    number            text NOT NULL UNIQUE,
    year              int NOT NULL,
    seq               int NOT NULL CHECK (seq >= 1),
    source            text NOT NULL CHECK (source IN ('internal_audit', 'external_inspection', 'complaint',
                          'process', 'management_review', 'self_report')),
    -- A link to where the NC came from, e.g. "audit:<id>" or "dossier:<number>".
    source_ref        text NOT NULL DEFAULT '' CHECK (length(source_ref) <= 200),
    severity          text NOT NULL CHECK (severity IN ('major', 'minor', 'observation')),
    unit              text NOT NULL REFERENCES units(code),
    clauses           text[] NOT NULL DEFAULT '{}',
    title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description       text NOT NULL DEFAULT '',
    detected_by       text NOT NULL CHECK (length(detected_by) BETWEEN 1 AND 200),
    detected_on       date NOT NULL,
    status            text NOT NULL CHECK (status IN ('open', 'analysed', 'actions_planned', 'closed', 'reopened', 'cancelled')),
    containment       text NOT NULL DEFAULT '',
    containment_by    text NOT NULL DEFAULT '',
    containment_on    date,
    cause_summary     text NOT NULL DEFAULT '',
    cause_categories  text[] NOT NULL DEFAULT '{}',
    whys              text[] NOT NULL DEFAULT '{}',
    analysed_at       timestamptz,
    cancel_reason     text NOT NULL DEFAULT '',
    closed_at         timestamptz,
    cancelled_at      timestamptz,
    -- Set by the scheduled scan when the NC stayed without a root cause too long.
    analysis_late_at  timestamptz,
    created_by        uuid REFERENCES users(id), -- NULL: raised by the system (a late dossier)
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (year, seq),
    CHECK (number = 'NC-' || year || '-' || CASE WHEN seq < 10000 THEN lpad(seq::text, 4, '0') ELSE seq::text END)
);
CREATE INDEX ncs_unit ON ncs (unit, created_at DESC);
CREATE INDEX ncs_status ON ncs (status, created_at);
CREATE INDEX ncs_clauses ON ncs USING gin (clauses);
CREATE INDEX ncs_causes ON ncs USING gin (cause_categories);
-- Another capability raising an NC for the same finding or dossier gets the
-- existing one back instead of a duplicate.
CREATE UNIQUE INDEX ncs_source_ref ON ncs (source_ref) WHERE source_ref <> '' AND status <> 'cancelled';

CREATE TABLE nc_actions (
    id               uuid PRIMARY KEY,
    nc_id            uuid NOT NULL REFERENCES ncs(id),
    no               int NOT NULL CHECK (no >= 1),
    unit             text NOT NULL REFERENCES units(code),
    owner            uuid NOT NULL REFERENCES users(id),
    -- A designated verifier besides the coordinators; NULL for none.
    verifier         uuid REFERENCES users(id),
    description      text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
    due              date NOT NULL,
    verify_after     date NOT NULL,
    status           text NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'signed_off',
                         'verified_effective', 'verified_not_effective')),
    report           text NOT NULL DEFAULT '',
    started_at       timestamptz,
    done_at          timestamptz,
    signed_off_at    timestamptz,
    signed_off_by    uuid REFERENCES users(id),
    verified_at      timestamptz,
    verified_by      uuid REFERENCES users(id),
    verify_comment   text NOT NULL DEFAULT '',
    overdue_at       timestamptz, -- set by the scheduled scan
    created_by       uuid REFERENCES users(id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (nc_id, no),
    CHECK (verify_after >= due),
    CHECK (owner IS DISTINCT FROM verified_by)
);
CREATE INDEX nc_actions_owner ON nc_actions (owner, status);
CREATE INDEX nc_actions_unit ON nc_actions (unit, status, due);

-- Evidence files: of the NC itself, of an action reported done, of a
-- verification. The object is written first, then this row.
CREATE TABLE nc_files (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    nc_id        uuid NOT NULL REFERENCES ncs(id),
    action_id    uuid REFERENCES nc_actions(id),
    purpose      text NOT NULL CHECK (purpose IN ('evidence', 'done', 'verification')),
    object_key   text NOT NULL CHECK (object_key ~ '^ncs/[0-9a-f-]{36}$'),
    version_id   text NOT NULL,
    size         bigint NOT NULL CHECK (size > 0),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    media_type   text NOT NULL,
    file_name    text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    uploaded_by  uuid REFERENCES users(id),
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX nc_files_nc ON nc_files (nc_id, uploaded_at);

-- +goose Down
DROP TABLE nc_files;
DROP TABLE nc_actions;
DROP TABLE ncs;
DROP TABLE nc_counters;
