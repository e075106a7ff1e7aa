-- +goose Up
-- The reconciler's runs: each compares the rows that reference object
-- versions with the bucket. A run and what it found are kept so every
-- instance (the admin page, /readyz) shows the last run, whichever instance
-- did it. Kinds of finding:
--   missing      a row whose object version is not in the bucket
--   locked       a version without a row, under retention or legal hold: listed, not removed
--   not_removed  a version without a row that the store refused to remove (detail: the store's code)
--   removed      a version without a row, older than the grace period, removed
--   aborted      an incomplete multipart upload older than the grace period, aborted (version_id: the upload id)
CREATE TABLE object_checks (
    id               bigserial PRIMARY KEY,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL,
    repaired         boolean NOT NULL,
    grace_seconds    bigint NOT NULL CHECK (grace_seconds >= 0),
    rows_checked     int NOT NULL,
    versions_seen    int NOT NULL,
    missing          int NOT NULL,
    orphans_young    int NOT NULL,
    orphans_removed  int NOT NULL,
    orphans_listed   int NOT NULL,
    uploads_young    int NOT NULL,
    uploads_aborted  int NOT NULL
);

CREATE TABLE object_findings (
    check_id      bigint NOT NULL REFERENCES object_checks(id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('missing', 'locked', 'not_removed', 'removed', 'aborted')),
    source        text NOT NULL DEFAULT '',
    row_id        text NOT NULL DEFAULT '',
    parent_id     text NOT NULL DEFAULT '',
    object_key    text NOT NULL,
    version_id    text NOT NULL DEFAULT '',
    size          bigint NOT NULL DEFAULT 0,
    modified_at   timestamptz,
    retain_until  timestamptz,
    legal_hold    boolean NOT NULL DEFAULT false,
    detail        text NOT NULL DEFAULT ''
);
CREATE INDEX object_findings_check ON object_findings (check_id, kind);

-- +goose Down
DROP TABLE object_findings;
DROP TABLE object_checks;
