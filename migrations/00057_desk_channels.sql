-- +goose Up
-- The role of the one-stop desk's officers, held in the desk's unit.
ALTER TABLE role_assignments DROP CONSTRAINT role_assignments_role_check;
ALTER TABLE role_assignments ADD CONSTRAINT role_assignments_role_check
    CHECK (role IN ('admin', 'coordinator', 'head', 'author', 'staff', 'auditor', 'desk'));

-- The one-stop desk (NĐ 118/2025 as amended): who received a dossier, and
-- where; dossiers waiting for their routing to the competent unit; two
-- online channels (QĐ 766 scores full-process online apart); how the
-- result is returned. lookup_code is printed on the receipt (the public
-- status page adds the same column with the same statement).
ALTER TABLE dossiers ADD COLUMN IF NOT EXISTS lookup_code text NOT NULL DEFAULT upper(substr(md5(random()::text),1,8));

-- "online" was partial and full-process online together; the one-stop
-- software's level 4 (full process) was the rare case, and a dossier is
-- counted as full-process only when that is known, so every old row is
-- partial online. The statistics follow through the dossiers' triggers.
ALTER TABLE dossiers DROP CONSTRAINT dossiers_channel_check;
UPDATE dossiers SET channel = 'online_partial' WHERE channel = 'online';
ALTER TABLE dossiers ADD CONSTRAINT dossiers_channel_check
    CHECK (channel IN ('in_person', 'postal', 'online_partial', 'online_full'));

ALTER TABLE dossiers
    ADD COLUMN return_channel    text CHECK (return_channel IN ('in_person', 'postal', 'online')),
    ADD COLUMN receiving_unit    text NOT NULL DEFAULT '',
    ADD COLUMN receiving_officer text NOT NULL DEFAULT '',
    ADD COLUMN route_pending     boolean NOT NULL DEFAULT false;
CREATE INDEX dossiers_route_pending ON dossiers (received_at) WHERE route_pending;
-- The desk's day: what it received, by officer; and the open dossiers by
-- where they are (results back at the desk, late ones), which the queue
-- reads without walking the closed ones (measured on 203,000 dossiers:
-- 270-340 ms without it, 3-28 ms with it, for the results to return).
CREATE INDEX dossiers_receiving ON dossiers (receiving_unit, received_at DESC) WHERE receiving_unit <> '';
CREATE INDEX dossiers_open_unit ON dossiers (current_unit, due_at) WHERE status IN ('processing', 'supplement');

-- A routing to the competent unit is an event of the dossier's history.
ALTER TABLE dossier_events DROP CONSTRAINT dossier_events_type_check;
ALTER TABLE dossier_events ADD CONSTRAINT dossier_events_type_check
    CHECK (type IN ('supplement_requested', 'resubmitted', 'extended', 'handed_over', 'returned', 'withdrawn', 'routed'));
ALTER TABLE dossier_events ADD COLUMN return_channel text NOT NULL DEFAULT ''
    CHECK (return_channel IN ('', 'in_person', 'postal', 'online'));
ALTER TABLE dossier_pending_events ADD COLUMN return_channel text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE dossier_pending_events DROP COLUMN return_channel;
ALTER TABLE dossier_events DROP COLUMN return_channel;
DELETE FROM dossier_events WHERE type = 'routed';
ALTER TABLE dossier_events DROP CONSTRAINT dossier_events_type_check;
ALTER TABLE dossier_events ADD CONSTRAINT dossier_events_type_check
    CHECK (type IN ('supplement_requested', 'resubmitted', 'extended', 'handed_over', 'returned', 'withdrawn'));
DROP INDEX dossiers_open_unit;
DROP INDEX dossiers_receiving;
DROP INDEX dossiers_route_pending;
ALTER TABLE dossiers DROP COLUMN route_pending, DROP COLUMN receiving_officer, DROP COLUMN receiving_unit, DROP COLUMN return_channel;
ALTER TABLE dossiers DROP CONSTRAINT dossiers_channel_check;
UPDATE dossiers SET channel = 'online' WHERE channel IN ('online_partial', 'online_full');
ALTER TABLE dossiers ADD CONSTRAINT dossiers_channel_check CHECK (channel IN ('in_person', 'postal', 'online'));
DELETE FROM role_assignments WHERE role = 'desk';
ALTER TABLE role_assignments DROP CONSTRAINT role_assignments_role_check;
ALTER TABLE role_assignments ADD CONSTRAINT role_assignments_role_check
    CHECK (role IN ('admin', 'coordinator', 'head', 'author', 'staff', 'auditor'));
