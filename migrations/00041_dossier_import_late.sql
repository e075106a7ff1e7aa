-- +goose Up
-- The import report also says how many rows were late and how many
-- nonconformities followed, so the page after the upload can show it.
ALTER TABLE dossier_imports ADD COLUMN late int NOT NULL DEFAULT 0, ADD COLUMN ncs_raised int NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE dossier_imports DROP COLUMN late, DROP COLUMN ncs_raised;
