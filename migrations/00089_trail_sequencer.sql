-- The trail without one lock. An act appends its entry in its own
-- transaction with everything about the act (actor, action, object, unit,
-- details, time) but without its place in the chain: it takes no lock, so
-- concurrent changes no longer queue behind one row until they commit. The
-- sequencer (one per cluster, under an advisory lock) then gives committed
-- entries their place moments later, in batches: seq = head + 1, ...,
-- prev_hash, hash, and moves trail_head, in one short transaction.
--
-- id is the order of insertion; seq the order of the chain. The append-only
-- guard still refuses every UPDATE, DELETE and TRUNCATE, except the
-- sequencer's single fill of a pending entry's chain fields (NULL -> value,
-- once, with nothing else changed).

-- +goose Up
ALTER TABLE trail ADD COLUMN id bigint;
ALTER TABLE trail DISABLE TRIGGER trail_no_update;
UPDATE trail SET id = seq;
ALTER TABLE trail ENABLE TRIGGER trail_no_update;
CREATE SEQUENCE trail_id_seq OWNED BY trail.id;
SELECT setval('trail_id_seq', coalesce((SELECT max(id) FROM trail), 0) + 1, false);
ALTER TABLE trail ALTER COLUMN id SET DEFAULT nextval('trail_id_seq'), ALTER COLUMN id SET NOT NULL;
ALTER TABLE trail DROP CONSTRAINT trail_pkey;
ALTER TABLE trail ADD CONSTRAINT trail_pkey PRIMARY KEY (id);
CREATE UNIQUE INDEX trail_seq ON trail (seq);
ALTER TABLE trail ALTER COLUMN seq DROP NOT NULL, ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL;
ALTER TABLE trail ADD CONSTRAINT trail_chain_fields_together
    CHECK ((seq IS NULL) = (prev_hash IS NULL) AND (seq IS NULL) = (hash IS NULL));
-- The sequencer's queue: the entries still waiting for their place.
CREATE INDEX trail_pending ON trail (id) WHERE seq IS NULL;

-- +goose StatementBegin
CREATE FUNCTION trail_guard_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
            RAISE EXCEPTION 'the trail is append-only: an entry is appended without its place in the chain'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
       AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
       AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
       AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor_login, NEW.action, NEW.object_type, NEW.object_id, NEW.unit, NEW.details)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.actor_id, OLD.actor_login, OLD.action, OLD.object_type, OLD.object_id, OLD.unit, OLD.details) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the trail is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
DROP TRIGGER trail_no_update ON trail;
CREATE TRIGGER trail_no_update BEFORE INSERT OR UPDATE OR DELETE ON trail
    FOR EACH ROW EXECUTE FUNCTION trail_guard_change();

-- Webhook deliveries are still born in the transaction of the change (the
-- AFTER INSERT trigger of 00083), before the entry has its seq: they name
-- the entry by its id, and the sequencer's fill gives them its seq.
ALTER TABLE webhook_deliveries ADD COLUMN trail_id bigint;
CREATE INDEX webhook_deliveries_unchained ON webhook_deliveries (trail_id) WHERE trail_seq IS NULL;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION webhook_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ev text := webhook_event(NEW.action);
    w  record;
    d  bigint;
BEGIN
    IF ev IS NULL THEN
        RETURN NULL;
    END IF;
    FOR w IN SELECT id FROM webhooks WHERE active AND ev = ANY(events) LOOP
        INSERT INTO webhook_deliveries (webhook_id, event, trail_id, trail_seq, payload)
        VALUES (w.id, ev, NEW.id, NEW.seq, jsonb_build_object(
            'event', ev, 'at', NEW.at, 'trail_id', NEW.id, 'trail_seq', NEW.seq, 'action', NEW.action,
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

-- +goose StatementBegin
CREATE FUNCTION trail_chained() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF webhook_event(NEW.action) IS NOT NULL THEN
        UPDATE webhook_deliveries SET trail_seq = NEW.seq WHERE trail_id = NEW.id AND trail_seq IS NULL;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER trail_chained AFTER UPDATE OF seq ON trail
    FOR EACH ROW WHEN (OLD.seq IS NULL AND NEW.seq IS NOT NULL) EXECUTE FUNCTION trail_chained();

-- +goose Down
DROP TRIGGER IF EXISTS trail_chained ON trail;
DROP FUNCTION IF EXISTS trail_chained();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION webhook_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP INDEX IF EXISTS webhook_deliveries_unchained;
ALTER TABLE webhook_deliveries DROP COLUMN IF EXISTS trail_id;
DROP TRIGGER trail_no_update ON trail;
CREATE TRIGGER trail_no_update BEFORE UPDATE OR DELETE ON trail
    FOR EACH ROW EXECUTE FUNCTION trail_refuse_change();
DROP FUNCTION trail_guard_change();
DROP INDEX trail_pending;
ALTER TABLE trail DROP CONSTRAINT trail_chain_fields_together;
-- Entries still pending cannot go back to a table whose seq is required.
ALTER TABLE trail ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
DROP INDEX trail_seq;
ALTER TABLE trail DROP CONSTRAINT trail_pkey;
ALTER TABLE trail ADD CONSTRAINT trail_pkey PRIMARY KEY (seq);
ALTER TABLE trail DROP COLUMN id;
