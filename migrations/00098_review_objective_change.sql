-- +goose Up
-- A management review's change to a quality objective (ISO 9001 9.3.3):
-- the decision names the objective and the change (a new target and/or a
-- new period), applied to the objective when the decision is recorded, in
-- the same transaction. The objective's values before the change are kept
-- beside the new ones, so the decision says what it changed even after
-- later changes.
ALTER TABLE management_review_decisions
    ADD COLUMN new_target double precision,
    ADD COLUMN new_period_from date,
    ADD COLUMN new_period_to date,
    ADD COLUMN old_target double precision,
    ADD COLUMN old_period_from date,
    ADD COLUMN old_period_to date,
    ADD CONSTRAINT management_review_decisions_objective_change CHECK (
        (new_target IS NULL AND new_period_from IS NULL AND new_period_to IS NULL)
        OR (kind = 'objective' AND objective_id IS NOT NULL AND old_target IS NOT NULL
            AND old_period_from IS NOT NULL AND old_period_to IS NOT NULL AND done_at IS NOT NULL)),
    ADD CONSTRAINT management_review_decisions_new_period CHECK (
        (new_period_from IS NULL) = (new_period_to IS NULL) AND (new_period_from IS NULL OR new_period_from <= new_period_to)),
    ADD CONSTRAINT management_review_decisions_new_target CHECK (new_target IS NULL OR new_target >= 0);

-- +goose Down
ALTER TABLE management_review_decisions
    DROP CONSTRAINT management_review_decisions_new_target,
    DROP CONSTRAINT management_review_decisions_new_period,
    DROP CONSTRAINT management_review_decisions_objective_change,
    DROP COLUMN old_period_to,
    DROP COLUMN old_period_from,
    DROP COLUMN old_target,
    DROP COLUMN new_period_to,
    DROP COLUMN new_period_from,
    DROP COLUMN new_target;
