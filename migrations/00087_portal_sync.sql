-- +goose Up
-- The outbound sync of dossiers to the public-service portal (server/
-- portalsync). Every change of a dossier that the portal follows (its
-- receipt; then its status, due date, handling unit, steps, supplements,
-- return) is captured by a trigger in the transaction that makes it, so a
-- change that rolls back leaves nothing to send and one that commits
-- cannot be lost. Each change is numbered per dossier (seq) and sent in
-- that order, with its id as the idempotency key.
CREATE TABLE portal_sync_settings (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    enabled boolean NOT NULL DEFAULT false
);
INSERT INTO portal_sync_settings DEFAULT VALUES;

CREATE TABLE portal_sync_events (
    id          bigserial PRIMARY KEY,
    dossier_id  uuid NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    seq         integer NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('receipt', 'progress')),
    snapshot    jsonb NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    attempts    integer NOT NULL DEFAULT 0,
    next_at     timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz,
    synced_at   timestamptz,
    last_error  text NOT NULL DEFAULT '' CHECK (length(last_error) <= 1000),
    UNIQUE (dossier_id, seq)
);
CREATE INDEX portal_sync_pending ON portal_sync_events (dossier_id, seq) WHERE synced_at IS NULL;

-- +goose StatementBegin
CREATE FUNCTION portal_sync_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (SELECT enabled FROM portal_sync_settings) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE'
        AND NEW.status IS NOT DISTINCT FROM OLD.status
        AND NEW.current_unit IS NOT DISTINCT FROM OLD.current_unit
        AND NEW.steps IS NOT DISTINCT FROM OLD.steps
        AND NEW.supplements IS NOT DISTINCT FROM OLD.supplements
        AND NEW.due_at IS NOT DISTINCT FROM OLD.due_at
        AND NEW.extended_due_at IS NOT DISTINCT FROM OLD.extended_due_at
        AND NEW.returned_at IS NOT DISTINCT FROM OLD.returned_at
        AND NEW.result IS NOT DISTINCT FROM OLD.result THEN
        RETURN NULL;
    END IF;
    -- The dossier's row is locked by this change, so its changes are
    -- numbered one after the other.
    INSERT INTO portal_sync_events (dossier_id, seq, kind, snapshot)
    VALUES (NEW.id,
        COALESCE((SELECT max(seq) FROM portal_sync_events WHERE dossier_id = NEW.id), 0) + 1,
        CASE WHEN TG_OP = 'INSERT' THEN 'receipt' ELSE 'progress' END,
        jsonb_build_object(
            'number', NEW.number, 'service_code', NEW.service_code,
            'service_name', (SELECT name_vi FROM services WHERE code = NEW.service_code),
            'field', NEW.field, 'unit', NEW.unit, 'current_unit', NEW.current_unit,
            'receiving_unit', NEW.receiving_unit, 'receiving_officer', NEW.receiving_officer,
            'channel', NEW.channel, 'applicant_ref', NEW.applicant_ref,
            'received_at', NEW.received_at, 'due_at', COALESCE(NEW.extended_due_at, NEW.due_at),
            'status', NEW.status, 'supplements', NEW.supplements,
            'returned_at', NEW.returned_at, 'result', NEW.result, 'steps', NEW.steps));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER portal_sync_capture AFTER INSERT OR UPDATE ON dossiers
    FOR EACH ROW EXECUTE FUNCTION portal_sync_capture();

-- +goose Down
DROP TRIGGER portal_sync_capture ON dossiers;
DROP FUNCTION portal_sync_capture();
DROP TABLE portal_sync_events;
DROP TABLE portal_sync_settings;
