-- +goose Up
-- Nonconformity counts kept as the NCs and actions change, in the same
-- transaction (statement triggers over the transition tables, the way the
-- dossier statistics are kept), so the scorecard and the dashboard read a
-- few thousand rows however many NCs there are.
--
-- What is stored and what is not:
--   nc_stats_month  per unit and month: NCs opened (by the month of their
--                   creation, cancelled ones not counted), still open (by
--                   creation month), closed, closed on time and the
--                   microseconds from creation to closing (by the month of
--                   closing). A unit's totals are the sum of its months.
--   nc_cause_month  per unit, creation month and cause category: NCs found
--                   with that cause (cancelled ones not counted).
--   nc_open_due     per unit and due date: actions still open or in
--                   progress of an NC neither closed nor cancelled. "Overdue now"
--                   depends on today, so it cannot be stored per month; it
--                   is the sum of the rows with due < today, read from this
--                   table's primary key (a few rows per unit and day).
--   ncs_awaiting_cause (index) NCs still 'open' (no root cause) by unit and
--                   creation time: "without a root cause past the analysis
--                   period" is a count over this partial index with
--                   created_at < the cutoff, again because it depends on now.
-- An NC counts once it has its number (see 00056: the number is taken last,
-- just before commit).
--
-- Months are the office's (office_time_zone(), 00051). "Closed on time"
-- (every action reported done on or before its due date) is kept in
-- ncs.closed_on_time, computed whenever a closed NC's row or one of its
-- actions is written, so taking a closed NC out of the counts takes out
-- exactly what it put in.

ALTER TABLE ncs ADD COLUMN closed_on_time boolean;

UPDATE ncs n SET closed_on_time = NOT EXISTS (SELECT 1 FROM nc_actions a WHERE a.nc_id = n.id
    AND (a.done_at IS NULL OR (a.done_at AT TIME ZONE office_time_zone())::date > a.due))
WHERE n.status = 'closed';

CREATE TABLE nc_stats_month (
    unit            text NOT NULL,
    month           date NOT NULL CHECK (extract(day FROM month) = 1),
    opened          integer NOT NULL DEFAULT 0,
    open            integer NOT NULL DEFAULT 0,
    closed          integer NOT NULL DEFAULT 0,
    closed_on_time  integer NOT NULL DEFAULT 0,
    close_us        bigint NOT NULL DEFAULT 0, -- sum of microseconds from creation to closing
    PRIMARY KEY (unit, month)
);
CREATE INDEX nc_stats_month_month ON nc_stats_month (month);

CREATE TABLE nc_cause_month (
    unit      text NOT NULL,
    month     date NOT NULL CHECK (extract(day FROM month) = 1),
    category  text NOT NULL,
    n         integer NOT NULL DEFAULT 0,
    PRIMARY KEY (unit, month, category)
);

CREATE TABLE nc_open_due (
    unit  text NOT NULL,
    due   date NOT NULL,
    n     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (unit, due)
);

-- The register of a person who reads some units only lists the NCs of those
-- units and the NCs of other units with an action in theirs. The second are
-- found through the actions whose unit is not their NC's: other_unit marks
-- them (an NC's unit never changes) for this partial index, so the lookup
-- reads those few actions and never walks the register. A column rather
-- than an expression over two tables, so the planner knows how few they are.
ALTER TABLE nc_actions ADD COLUMN other_unit boolean NOT NULL DEFAULT false;
UPDATE nc_actions a SET other_unit = true FROM ncs n WHERE n.id = a.nc_id AND a.unit <> n.unit;
-- +goose StatementBegin
CREATE FUNCTION nc_action_other_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.other_unit := NEW.unit <> (SELECT unit FROM ncs WHERE id = NEW.nc_id);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER nc_actions_other_unit BEFORE INSERT OR UPDATE OF nc_id, unit, other_unit ON nc_actions
    FOR EACH ROW EXECUTE FUNCTION nc_action_other_unit();
CREATE INDEX nc_actions_other_unit ON nc_actions (unit, nc_id) WHERE other_unit;
-- The register of one unit, in number order.
CREATE INDEX ncs_unit_number ON ncs (unit, year DESC, seq DESC);

-- "Without a root cause after the analysis period", counted live.
CREATE INDEX ncs_awaiting_cause ON ncs (unit, created_at) WHERE status = 'open';
-- The register's "overdue" per returned row: one probe of this index.
CREATE INDEX nc_actions_pending ON nc_actions (nc_id, due) WHERE status IN ('open', 'in_progress');

-- closed_on_time is computed from the NC's actions whenever a closed NC's
-- row is written (nc_open_due_move touches it when one of its actions
-- changes); it is NULL while the NC is not closed.
-- +goose StatementBegin
CREATE FUNCTION nc_closed_on_time() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'closed' THEN
        NEW.closed_on_time := NULL;
    ELSE
        NEW.closed_on_time := NOT EXISTS (SELECT 1 FROM nc_actions a WHERE a.nc_id = NEW.id
            AND (a.done_at IS NULL OR (a.done_at AT TIME ZONE office_time_zone())::date > a.due));
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ncs_closed_on_time BEFORE INSERT OR UPDATE ON ncs FOR EACH ROW EXECUTE FUNCTION nc_closed_on_time();

-- nc_stats_move takes the contributions of the old rows out and puts those
-- of the new rows in (PL/pgSQL, so each session plans its statement once,
-- where an SQL function would plan it at every call). Only net changes are written: an act that changes
-- nothing counted (containment, a note) locks no counter row.
-- +goose StatementBegin
CREATE FUNCTION nc_stats_move(old_ncs ncs[], new_ncs ncs[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH r AS (
        SELECT -1 AS s, o.* FROM unnest(old_ncs) o
        UNION ALL
        SELECT 1, n.* FROM unnest(new_ncs) n
    ), live AS (
        SELECT s, unit, status, created_at, closed_at, closed_on_time, cause_categories,
               date_trunc('month', created_at AT TIME ZONE office_time_zone())::date AS month
        FROM r WHERE number IS NOT NULL AND status <> 'cancelled'
    ), c AS (
        SELECT unit, month, s AS opened, CASE WHEN status <> 'closed' THEN s ELSE 0 END AS open,
               0 AS closed, 0 AS on_time, 0::bigint AS us
        FROM live
        UNION ALL
        -- A closed NC without a closing time (only SQL outside the service
        -- writes one) counts as closed in its creation month, in no time.
        SELECT unit, date_trunc('month', COALESCE(closed_at, created_at) AT TIME ZONE office_time_zone())::date, 0, 0, s,
               CASE WHEN closed_on_time THEN s ELSE 0 END,
               s * COALESCE(round(extract(epoch FROM closed_at - created_at) * 1000000)::bigint, 0)
        FROM live WHERE status = 'closed'
    ), d AS (
        SELECT unit, month, sum(opened)::int AS opened, sum(open)::int AS open, sum(closed)::int AS closed,
               sum(on_time)::int AS on_time, sum(us)::bigint AS us
        FROM c GROUP BY unit, month
        HAVING sum(opened) <> 0 OR sum(open) <> 0 OR sum(closed) <> 0 OR sum(on_time) <> 0 OR sum(us) <> 0
    ), causes AS (
        INSERT INTO nc_cause_month AS m (unit, month, category, n)
        SELECT unit, month, cat, sum(s)::int FROM live, unnest(cause_categories) AS cat
        GROUP BY unit, month, cat HAVING sum(s) <> 0 ORDER BY unit, month, cat
        ON CONFLICT (unit, month, category) DO UPDATE SET n = m.n + excluded.n
    ), due AS (
        -- An NC cancelled or closed (or brought back) takes its pending
        -- actions out of (into) the open-due counts. On updates only: an
        -- NC inserted has no actions yet, or they are counted by their own
        -- trigger (inserted by the same statement, they are already there
        -- when this runs), and an NC deleted has none left.
        INSERT INTO nc_open_due AS o (unit, due, n)
        SELECT a.unit, a.due, sum(r.s)::int FROM r JOIN nc_actions a ON a.nc_id = r.id AND a.status IN ('open', 'in_progress')
        WHERE r.status NOT IN ('closed', 'cancelled') AND cardinality(old_ncs) > 0 AND cardinality(new_ncs) > 0
        GROUP BY a.unit, a.due HAVING sum(r.s) <> 0 ORDER BY a.unit, a.due
        ON CONFLICT (unit, due) DO UPDATE SET n = o.n + excluded.n
    )
    INSERT INTO nc_stats_month AS m (unit, month, opened, open, closed, closed_on_time, close_us)
    SELECT unit, month, opened, open, closed, on_time, us FROM d ORDER BY unit, month
    ON CONFLICT (unit, month) DO UPDATE SET opened = m.opened + excluded.opened, open = m.open + excluded.open,
        closed = m.closed + excluded.closed, closed_on_time = m.closed_on_time + excluded.closed_on_time,
        close_us = m.close_us + excluded.close_us;
END;
$$;
-- +goose StatementEnd

-- nc_open_due_move does the same for actions: one count per pending action
-- of an NC neither closed nor cancelled (the NC's status read as it is now,
-- so the order in which a transaction changes an NC and its actions does
-- not matter). A closed NC whose actions change (only SQL outside the
-- service does that: a closed NC's actions are all verified) has its
-- closed_on_time recomputed, through its row trigger.
-- +goose StatementBegin
CREATE FUNCTION nc_open_due_move(old_acts nc_actions[], new_acts nc_actions[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH r AS (
        SELECT -1 AS s, x.* FROM unnest(old_acts) x
        UNION ALL
        SELECT 1, y.* FROM unnest(new_acts) y
    ), due AS (
        INSERT INTO nc_open_due AS o (unit, due, n)
        SELECT r.unit, r.due, sum(r.s)::int FROM r JOIN ncs n ON n.id = r.nc_id AND n.status NOT IN ('closed', 'cancelled')
        WHERE r.status IN ('open', 'in_progress')
        GROUP BY r.unit, r.due HAVING sum(r.s) <> 0 ORDER BY r.unit, r.due
        ON CONFLICT (unit, due) DO UPDATE SET n = o.n + excluded.n
    )
    UPDATE ncs n SET closed_on_time = NOT n.closed_on_time
    WHERE n.id IN (SELECT nc_id FROM r) AND n.status = 'closed'
      AND n.closed_on_time IS DISTINCT FROM NOT EXISTS (SELECT 1 FROM nc_actions a WHERE a.nc_id = n.id
          AND (a.done_at IS NULL OR (a.done_at AT TIME ZONE office_time_zone())::date > a.due));
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION nc_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM nc_stats_move('{}'::ncs[], (SELECT array_agg(ROW(n.*)::ncs) FROM new_rows n));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM nc_stats_move((SELECT array_agg(ROW(o.*)::ncs) FROM old_rows o), (SELECT array_agg(ROW(n.*)::ncs) FROM new_rows n));
    ELSE
        PERFORM nc_stats_move((SELECT array_agg(ROW(o.*)::ncs) FROM old_rows o), '{}'::ncs[]);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION nc_open_due_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM nc_open_due_move('{}'::nc_actions[], (SELECT array_agg(ROW(n.*)::nc_actions) FROM new_rows n));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM nc_open_due_move((SELECT array_agg(ROW(o.*)::nc_actions) FROM old_rows o), (SELECT array_agg(ROW(n.*)::nc_actions) FROM new_rows n));
    ELSE
        PERFORM nc_open_due_move((SELECT array_agg(ROW(o.*)::nc_actions) FROM old_rows o), '{}'::nc_actions[]);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER ncs_stats_ins AFTER INSERT ON ncs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nc_stats_apply();
CREATE TRIGGER ncs_stats_upd AFTER UPDATE ON ncs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nc_stats_apply();
CREATE TRIGGER ncs_stats_del AFTER DELETE ON ncs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION nc_stats_apply();
CREATE TRIGGER nc_actions_due_ins AFTER INSERT ON nc_actions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nc_open_due_apply();
CREATE TRIGGER nc_actions_due_upd AFTER UPDATE ON nc_actions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nc_open_due_apply();
CREATE TRIGGER nc_actions_due_del AFTER DELETE ON nc_actions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION nc_open_due_apply();

-- Backfill from the NCs and actions as they are.
SELECT nc_stats_move('{}'::ncs[], (SELECT array_agg(n) FROM ncs n));
INSERT INTO nc_open_due (unit, due, n)
SELECT a.unit, a.due, count(*) FROM nc_actions a JOIN ncs n ON n.id = a.nc_id AND n.status NOT IN ('closed', 'cancelled')
WHERE a.status IN ('open', 'in_progress') GROUP BY a.unit, a.due;

-- +goose Down
DROP TRIGGER nc_actions_due_del ON nc_actions;
DROP TRIGGER nc_actions_due_upd ON nc_actions;
DROP TRIGGER nc_actions_due_ins ON nc_actions;
DROP TRIGGER ncs_stats_del ON ncs;
DROP TRIGGER ncs_stats_upd ON ncs;
DROP TRIGGER ncs_stats_ins ON ncs;
DROP TRIGGER ncs_closed_on_time ON ncs;
DROP FUNCTION nc_open_due_apply();
DROP FUNCTION nc_stats_apply();
DROP FUNCTION nc_open_due_move(nc_actions[], nc_actions[]);
DROP FUNCTION nc_stats_move(ncs[], ncs[]);
DROP FUNCTION nc_closed_on_time();
DROP INDEX nc_actions_pending;
DROP INDEX ncs_unit_number;
DROP INDEX nc_actions_other_unit;
DROP TRIGGER nc_actions_other_unit ON nc_actions;
DROP FUNCTION nc_action_other_unit();
ALTER TABLE nc_actions DROP COLUMN other_unit;
DROP INDEX ncs_awaiting_cause;
DROP TABLE nc_open_due;
DROP TABLE nc_cause_month;
DROP TABLE nc_stats_month;
ALTER TABLE ncs DROP COLUMN closed_on_time;
