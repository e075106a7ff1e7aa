-- +goose Up
-- The QMS scope (ISO 9001 4.3): every change is a new version, so the
-- announcement made from it names the version it was made from, and two
-- people editing it at once cannot overwrite each other (optimistic
-- version). Services and units are codes of the process capability and of
-- the organisation; a clause not applicable names a clause of the
-- checklist with its justification.
CREATE TABLE qms_scope_versions (
    version          int PRIMARY KEY CHECK (version >= 1),
    services         text[] NOT NULL DEFAULT '{}',
    units            text[] NOT NULL DEFAULT '{}',
    exclusions       jsonb NOT NULL DEFAULT '[]',
    standard         text NOT NULL CHECK (length(standard) BETWEEN 1 AND 100),
    decision_number  text NOT NULL DEFAULT '' CHECK (length(decision_number) <= 100),
    decision_date    date,
    decision_signer  text NOT NULL DEFAULT '' CHECK (length(decision_signer) <= 200),
    record_unit      text NOT NULL REFERENCES units(code),
    changed_by       uuid REFERENCES users(id),
    changed_login    text NOT NULL,
    changed_at       timestamptz NOT NULL DEFAULT now()
);

-- The conformity announcement (công bố HTQLCL phù hợp TCVN ISO 9001:2015,
-- QĐ 19/2014/QĐ-TTg). A draft is made from one scope version; the head of
-- the agency signs it, which makes it the effective one (the previous one
-- is superseded) and files the signed PDF as a record. A change of the
-- scope's services outdates the effective one. content is what the PDF
-- prints (names as they were when it was drafted).
CREATE TABLE qms_announcements (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    scope_version    int NOT NULL REFERENCES qms_scope_versions(version),
    state            text NOT NULL CHECK (state IN ('draft', 'effective', 'superseded', 'outdated', 'discarded')),
    place            text NOT NULL CHECK (length(place) BETWEEN 1 AND 100),
    announced_on     date NOT NULL,
    content          jsonb NOT NULL,
    pdf_key          text,
    pdf_version      text,
    pdf_size         bigint,
    pdf_sha256       text,
    record_id        uuid,
    signature_id     uuid REFERENCES signatures(id),
    signed_login     text NOT NULL DEFAULT '',
    signed_name      text NOT NULL DEFAULT '',
    signed_at        timestamptz,
    outdated_at      timestamptz,
    outdated_added   text[] NOT NULL DEFAULT '{}',
    outdated_removed text[] NOT NULL DEFAULT '{}',
    created_by       uuid REFERENCES users(id),
    created_login    text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (state IN ('draft', 'discarded') OR (pdf_sha256 IS NOT NULL AND signature_id IS NOT NULL AND signed_at IS NOT NULL))
);
-- At most one draft and one effective announcement at a time.
CREATE UNIQUE INDEX qms_announcements_one_draft ON qms_announcements ((true)) WHERE state = 'draft';
CREATE UNIQUE INDEX qms_announcements_one_effective ON qms_announcements ((true)) WHERE state = 'effective';
CREATE INDEX qms_announcements_created ON qms_announcements (created_at DESC);

-- The signed announcement is kept permanently.
INSERT INTO record_types (code, name_vi, name_en, retention_years, lock_mode) VALUES
    ('qms-announcement', 'Công bố hệ thống quản lý chất lượng', 'QMS conformity announcement', NULL, 'COMPLIANCE')
ON CONFLICT (code) DO NOTHING;

-- +goose Down
DROP TABLE qms_announcements;
DROP TABLE qms_scope_versions;
DELETE FROM record_types WHERE code = 'qms-announcement' AND NOT EXISTS (SELECT 1 FROM records WHERE type_code = 'qms-announcement');
