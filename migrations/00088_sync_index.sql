-- +goose Up
-- The index's T4 indicator (dossier status synced, QĐ 766): each dossier
-- whose receipt was captured for the portal counts in sync_captured, and
-- in sync_timely when the receipt reached the portal within an hour of
-- being made (the office's reading of "in real time"; the portal's own
-- figure can be entered beside it), in the month of the dossier's receipt.
-- +goose StatementBegin
CREATE FUNCTION portal_sync_index() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    k text;
BEGIN
    IF NEW.kind <> 'receipt' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        k := 'sync_captured';
    ELSIF OLD.synced_at IS NULL AND NEW.synced_at IS NOT NULL AND NEW.synced_at - NEW.changed_at <= interval '1 hour' THEN
        k := 'sync_timely';
    ELSE
        RETURN NULL;
    END IF;
    INSERT INTO dossier_index_month AS m (month, unit, service_code, field, kind, n)
    SELECT date_trunc('month', d.received_at AT TIME ZONE office_time_zone())::date, d.unit, d.service_code, d.field, k, 1
    FROM dossiers d WHERE d.id = NEW.dossier_id
    ON CONFLICT (month, unit, service_code, field, kind) DO UPDATE SET n = m.n + 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER portal_sync_index AFTER INSERT OR UPDATE OF synced_at ON portal_sync_events
    FOR EACH ROW EXECUTE FUNCTION portal_sync_index();

-- +goose Down
DROP TRIGGER portal_sync_index ON portal_sync_events;
DROP FUNCTION portal_sync_index();
DELETE FROM dossier_index_month WHERE kind IN ('sync_captured', 'sync_timely');
