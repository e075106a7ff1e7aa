-- +goose Up
-- The units-not-complying query counts late dossiers still open per unit;
-- most late dossiers are long returned, so this index holds only the few
-- that matter.
CREATE INDEX dossiers_late_open ON dossiers (unit) WHERE late AND status IN ('processing', 'supplement');

-- +goose Down
DROP INDEX dossiers_late_open;
