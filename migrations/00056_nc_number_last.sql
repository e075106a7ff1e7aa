-- +goose Up
-- The year's counter row is the one lock every NC creation shares, so the
-- creating transaction takes its number last: the NC row is inserted
-- without number and sequence, its files are written, and only then is the
-- counter incremented and the number set, just before the trail entry and
-- the commit. Numbers stay gap-free (a rolled-back creation rolls its
-- increment back), and the row lock is held for the end of one transaction
-- instead of all of it.
--
-- A committed NC always has its number: the deferred constraint trigger
-- below refuses, at commit, an NC inserted and left without one.
ALTER TABLE ncs ALTER COLUMN number DROP NOT NULL;
ALTER TABLE ncs ALTER COLUMN seq DROP NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION nc_numbered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ncs WHERE id = NEW.id AND (number IS NULL OR seq IS NULL)) THEN
        RAISE EXCEPTION 'nonconformity % has no number', NEW.id USING ERRCODE = 'not_null_violation',
            COLUMN = 'number', TABLE = 'ncs';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER ncs_numbered AFTER INSERT ON ncs DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION nc_numbered();

-- +goose Down
DROP TRIGGER ncs_numbered ON ncs;
DROP FUNCTION nc_numbered();
ALTER TABLE ncs ALTER COLUMN seq SET NOT NULL;
ALTER TABLE ncs ALTER COLUMN number SET NOT NULL;
