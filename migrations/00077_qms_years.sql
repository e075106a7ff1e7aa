-- +goose Up
-- The QMS year: closing a year carries its objectives, audit programme and
-- open items into the next one in one act and leaves the closed year
-- read-only. A year is closed once (the primary key).
CREATE TABLE qms_years (
    year        int PRIMARY KEY CHECK (year BETWEEN 2000 AND 2199),
    closed_at   timestamptz NOT NULL DEFAULT now(),
    closed_by   uuid NOT NULL REFERENCES users(id),
    -- What the act carried, for its report: counts per kind.
    carried     jsonb NOT NULL DEFAULT '{}'
);

-- What a closed year carried into the next: the objective and audit it
-- became (to_id), or an open NC, action or directive that stays open and is
-- referenced in the new year (to_id empty).
CREATE TABLE qms_year_items (
    year        int NOT NULL REFERENCES qms_years(year),
    kind        text NOT NULL CHECK (kind IN ('objective', 'audit', 'nc', 'action', 'directive')),
    from_id     uuid NOT NULL,
    to_id       uuid,
    label       text NOT NULL DEFAULT '',
    unit        text NOT NULL DEFAULT '',
    PRIMARY KEY (year, kind, from_id)
);

-- A closed year is read-only in its reports: its objectives and its audit
-- programme (audits, their team, checklist and findings) take no write.
-- SQLSTATE QY001 is translated to a refusal with a message id.
-- +goose StatementBegin
CREATE FUNCTION qms_year_closed(y int) RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT EXISTS (SELECT 1 FROM qms_years WHERE year = y) $$;

CREATE FUNCTION qms_year_guard_objective() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND qms_year_closed(extract(year FROM OLD.period_from)::int) THEN
        RAISE EXCEPTION 'the QMS year % is closed', extract(year FROM OLD.period_from) USING ERRCODE = 'QY001';
    END IF;
    IF TG_OP <> 'DELETE' AND qms_year_closed(extract(year FROM NEW.period_from)::int) THEN
        RAISE EXCEPTION 'the QMS year % is closed', extract(year FROM NEW.period_from) USING ERRCODE = 'QY001';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION qms_year_guard_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND qms_year_closed(OLD.year) THEN
        RAISE EXCEPTION 'the QMS year % is closed', OLD.year USING ERRCODE = 'QY001';
    END IF;
    IF TG_OP <> 'DELETE' AND qms_year_closed(NEW.year) THEN
        RAISE EXCEPTION 'the QMS year % is closed', NEW.year USING ERRCODE = 'QY001';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

-- The rows of an audit (team, checklist, findings) follow their audit's year.
CREATE FUNCTION qms_year_guard_audit_part() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    a uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN a := OLD.audit_id; ELSE a := NEW.audit_id; END IF;
    IF EXISTS (SELECT 1 FROM audits WHERE id = a AND qms_year_closed(year)) THEN
        RAISE EXCEPTION 'the QMS year of audit % is closed', a USING ERRCODE = 'QY001';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TRIGGER objectives_closed_year BEFORE INSERT OR UPDATE OR DELETE ON objectives
    FOR EACH ROW EXECUTE FUNCTION qms_year_guard_objective();
CREATE TRIGGER audits_closed_year BEFORE INSERT OR UPDATE OR DELETE ON audits
    FOR EACH ROW EXECUTE FUNCTION qms_year_guard_audit();
CREATE TRIGGER audit_team_closed_year BEFORE INSERT OR UPDATE OR DELETE ON audit_team
    FOR EACH ROW EXECUTE FUNCTION qms_year_guard_audit_part();
CREATE TRIGGER audit_items_closed_year BEFORE INSERT OR UPDATE OR DELETE ON audit_items
    FOR EACH ROW EXECUTE FUNCTION qms_year_guard_audit_part();
CREATE TRIGGER audit_findings_closed_year BEFORE INSERT OR UPDATE OR DELETE ON audit_findings
    FOR EACH ROW EXECUTE FUNCTION qms_year_guard_audit_part();

-- +goose Down
DROP TRIGGER audit_findings_closed_year ON audit_findings;
DROP TRIGGER audit_items_closed_year ON audit_items;
DROP TRIGGER audit_team_closed_year ON audit_team;
DROP TRIGGER audits_closed_year ON audits;
DROP TRIGGER objectives_closed_year ON objectives;
DROP FUNCTION qms_year_guard_audit_part();
DROP FUNCTION qms_year_guard_audit();
DROP FUNCTION qms_year_guard_objective();
DROP FUNCTION qms_year_closed(int);
DROP TABLE qms_year_items;
DROP TABLE qms_years;
