-- Webhooks: an administrator's subscriptions (a URL, a secret, the events it
-- wants) and the log of every delivery. A delivery is born in the
-- transaction of the change it reports: the trail entry of that change
-- (every act writes one) fires webhook_enqueue, which adds one delivery per
-- subscription that wants the event and one job on the queue (River's
-- river_job, migration 00082) to send it. A change that rolls back leaves
-- neither; one that commits leaves both.

-- +goose Up
CREATE TABLE webhooks (
    id         uuid PRIMARY KEY,
    url        text NOT NULL CHECK (url ~ '^https?://'),
    secret     text NOT NULL CHECK (length(secret) >= 16),
    events     text[] NOT NULL CHECK (cardinality(events) > 0),
    active     boolean NOT NULL DEFAULT true,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    id           bigserial PRIMARY KEY,
    webhook_id   uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event        text NOT NULL,
    trail_seq    bigint,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts     int NOT NULL DEFAULT 0,
    last_status  int,
    last_error   text NOT NULL DEFAULT '',
    last_at      timestamptz,
    delivered_at timestamptz
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id DESC);

-- webhook_event names the event a trail action announces; NULL for actions
-- no subscription can ask for. The list of events in server/webhook
-- (Events) is tested against it.
-- +goose StatementBegin
CREATE FUNCTION webhook_event(action text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE action
        WHEN 'revision.effective'  THEN 'document.published'
        WHEN 'document.withdraw'   THEN 'document.withdrawn'
        WHEN 'nc.create'           THEN 'nc.raised'
        WHEN 'nc.close'            THEN 'nc.closed'
        WHEN 'nc.analysis_overdue' THEN 'nc.analysis_overdue'
        WHEN 'action.overdue'      THEN 'action.overdue'
        WHEN 'directive.report'    THEN 'directive.reported'
        WHEN 'directive.escalate'  THEN 'directive.escalated'
        WHEN 'dossier.late_nc'     THEN 'dossier.late'
        WHEN 'record.disposed'     THEN 'record.disposed'
    END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION webhook_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ev text := webhook_event(NEW.action);
    w  record;
    d  bigint;
BEGIN
    IF ev IS NULL THEN
        RETURN NULL;
    END IF;
    FOR w IN SELECT id FROM webhooks WHERE active AND ev = ANY(events) LOOP
        INSERT INTO webhook_deliveries (webhook_id, event, trail_seq, payload)
        VALUES (w.id, ev, NEW.seq, jsonb_build_object(
            'event', ev, 'at', NEW.at, 'trail_seq', NEW.seq, 'action', NEW.action,
            'object_type', NEW.object_type, 'object_id', NEW.object_id, 'unit', NEW.unit,
            'actor', NEW.actor_login, 'details', NEW.details))
        RETURNING id INTO d;
        INSERT INTO river_job (kind, args, max_attempts, queue, state, priority)
        VALUES ('webhook.deliver', jsonb_build_object('delivery', d), 10, 'default', 'available', 1);
    END LOOP;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER trail_webhooks AFTER INSERT ON trail FOR EACH ROW EXECUTE FUNCTION webhook_enqueue();

-- +goose Down
DROP TRIGGER IF EXISTS trail_webhooks ON trail;
DROP FUNCTION IF EXISTS webhook_enqueue();
DROP FUNCTION IF EXISTS webhook_event(text);
DROP TABLE IF EXISTS webhook_deliveries;
DROP TABLE IF EXISTS webhooks;
