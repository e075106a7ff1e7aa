-- +goose Up
-- A disposition is a decision first and a deletion after: the signed act
-- marks the record 'disposing' and each live version "to delete" in one
-- transaction; a job then deletes the versions from the object store one by
-- one (resumed after a restart) and marks the record 'disposed' when none
-- is left. delete_error keeps the object store's last refusal of a version
-- (an English message, translated where it is shown) until it is deleted.
ALTER TABLE records DROP CONSTRAINT records_status_check;
ALTER TABLE records ADD CONSTRAINT records_status_check CHECK (status IN ('active', 'disposing', 'disposed'));
ALTER TABLE record_versions
    ADD COLUMN delete_requested_at timestamptz,
    ADD COLUMN delete_error text NOT NULL DEFAULT '',
    ADD COLUMN delete_error_at timestamptz,
    -- The object is stored without its final lock until the row exists;
    -- lock_pending says the retention (and legal hold) still has to be
    -- applied to the version in the object store.
    ADD COLUMN lock_pending boolean NOT NULL DEFAULT false;
-- Versions deleted by a disposition of the single-step kind were asked
-- for at the moment they were deleted.
UPDATE record_versions SET delete_requested_at = deleted_at WHERE deleted_at IS NOT NULL;
ALTER TABLE record_versions ADD CONSTRAINT record_versions_delete_after_request
    CHECK (deleted_at IS NULL OR delete_requested_at IS NOT NULL);
CREATE INDEX records_disposing ON records (id) WHERE status = 'disposing';
CREATE INDEX record_versions_lock_pending ON record_versions (record_id, no) WHERE lock_pending;

-- +goose Down
DROP INDEX record_versions_lock_pending;
DROP INDEX records_disposing;
ALTER TABLE record_versions DROP CONSTRAINT record_versions_delete_after_request;
ALTER TABLE record_versions DROP COLUMN lock_pending, DROP COLUMN delete_error_at, DROP COLUMN delete_error,
    DROP COLUMN delete_requested_at;
ALTER TABLE records DROP CONSTRAINT records_status_check;
ALTER TABLE records ADD CONSTRAINT records_status_check CHECK (status IN ('active', 'disposed'));
