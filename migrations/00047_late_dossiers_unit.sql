-- +goose Up
-- The unit of a late dossier is copied into its late record, so the triage
-- count and list filter by unit without joining every record to its
-- dossier (a bulk import in triage mode can queue tens of thousands).
ALTER TABLE late_dossiers ADD COLUMN unit text NOT NULL DEFAULT '';
UPDATE late_dossiers l SET unit = d.unit FROM dossiers d WHERE d.id = l.dossier_id;
CREATE INDEX late_dossiers_state_unit ON late_dossiers (state, unit);

-- +goose Down
DROP INDEX late_dossiers_state_unit;
ALTER TABLE late_dossiers DROP COLUMN unit;
