-- +goose Up
-- The register's "overdue" filter and flag as an indexed condition.
--
-- ncs.next_due is the earliest due date of the NC's actions still open or
-- in progress (NULL when it has none), kept by a statement trigger on
-- nc_actions in the same transaction as every action written: added,
-- started, reported done, signed off, verified, its due date changed, moved
-- or deleted. An NC is overdue on a day when next_due is before it, whatever
-- the NC's status (the register shows a cancelled NC's pending action as it
-- is; the counts of 00055 leave cancelled and closed NCs out on their own).
--
-- ncs_next_due_number holds only the NCs with a pending action, in number
-- order, with next_due as a key column so "next_due < today" is tested on
-- the index entry: the overdue page walks, from its cursor, the NCs with a
-- pending action (the recent ones not yet due, then the page), never the
-- closed history in between. ncs_unit_next_due is the same for one unit.

ALTER TABLE ncs ADD COLUMN next_due date;

UPDATE ncs n SET next_due = d.due
FROM (SELECT nc_id, min(due) AS due FROM nc_actions WHERE status IN ('open', 'in_progress') GROUP BY nc_id) d
WHERE d.nc_id = n.id;

-- +goose StatementBegin
CREATE FUNCTION nc_next_due_move(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ncs n SET next_due = d.due
    FROM (SELECT i.id, (SELECT min(a.due) FROM nc_actions a
                         WHERE a.nc_id = i.id AND a.status IN ('open', 'in_progress')) AS due
          FROM (SELECT DISTINCT x AS id FROM unnest(ids) x WHERE x IS NOT NULL) i) d
    WHERE n.id = d.id AND n.next_due IS DISTINCT FROM d.due;
END;
$$;
-- +goose StatementEnd

-- The NCs whose earliest pending due date may have changed: those of a
-- pending action inserted or deleted, and of an action updated whose status,
-- due date or NC changed while pending before or after.
-- +goose StatementBegin
CREATE FUNCTION nc_next_due_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM nc_next_due_move((SELECT array_agg(n.nc_id) FROM new_rows n WHERE n.status IN ('open', 'in_progress')));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM nc_next_due_move((SELECT array_agg(x) FROM (
            SELECT o.nc_id AS x FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.status, o.due, o.nc_id) IS DISTINCT FROM (n.status, n.due, n.nc_id)
              AND o.status IN ('open', 'in_progress')
            UNION
            SELECT n.nc_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.status, o.due, o.nc_id) IS DISTINCT FROM (n.status, n.due, n.nc_id)
              AND n.status IN ('open', 'in_progress')) c));
    ELSE
        PERFORM nc_next_due_move((SELECT array_agg(o.nc_id) FROM old_rows o WHERE o.status IN ('open', 'in_progress')));
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER nc_actions_next_due_ins AFTER INSERT ON nc_actions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nc_next_due_apply();
CREATE TRIGGER nc_actions_next_due_upd AFTER UPDATE ON nc_actions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nc_next_due_apply();
CREATE TRIGGER nc_actions_next_due_del AFTER DELETE ON nc_actions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION nc_next_due_apply();

CREATE INDEX ncs_next_due_number ON ncs (year, seq, next_due) WHERE next_due IS NOT NULL;
CREATE INDEX ncs_unit_next_due ON ncs (unit, year, seq, next_due) WHERE next_due IS NOT NULL;

-- +goose Down
DROP INDEX ncs_unit_next_due;
DROP INDEX ncs_next_due_number;
DROP TRIGGER nc_actions_next_due_del ON nc_actions;
DROP TRIGGER nc_actions_next_due_upd ON nc_actions;
DROP TRIGGER nc_actions_next_due_ins ON nc_actions;
DROP FUNCTION nc_next_due_apply();
DROP FUNCTION nc_next_due_move(uuid[]);
ALTER TABLE ncs DROP COLUMN next_due;
