-- +goose Up
-- Lists measured on a million dossiers: a unit's late dossiers newest
-- first (the list page filters unit + late), and the triage list oldest
-- first, both straight from an index instead of sorting every match.
CREATE INDEX dossiers_late_unit_received ON dossiers (unit, received_at DESC) WHERE late;
DROP INDEX dossiers_late;
CREATE INDEX late_dossiers_state_created ON late_dossiers (state, created_at, dossier_id);
DROP INDEX late_dossiers_state;

-- +goose Down
CREATE INDEX late_dossiers_state ON late_dossiers (state);
DROP INDEX late_dossiers_state_created;
CREATE INDEX dossiers_late ON dossiers (unit) WHERE late;
DROP INDEX dossiers_late_unit_received;
