-- +goose Up
-- Every rejected row of an import with its reason (the report in
-- dossier_imports keeps the first thousand for the page; this keeps all,
-- streamed out as CSV).
CREATE TABLE dossier_import_rejections (
    import_id  uuid NOT NULL REFERENCES dossier_imports(id) ON DELETE CASCADE,
    line       int NOT NULL,
    number     text NOT NULL DEFAULT '',
    reason     text NOT NULL,
    PRIMARY KEY (import_id, line)
);

-- +goose Down
DROP TABLE dossier_import_rejections;
