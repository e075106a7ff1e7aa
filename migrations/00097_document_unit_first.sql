-- +goose Up
-- The register of a reader who sees some units only starts from those
-- units (see DocumentStore.List): each unit's documents in code order, and
-- the documents the reader was asked to acknowledge, so a page costs what
-- the reader can see rather than a walk of the whole register.
CREATE INDEX documents_unit_code_id ON documents (unit, code_key, id);
DROP INDEX documents_unit_code;
CREATE INDEX document_acks_user_doc ON document_acks (user_id, document_id);

-- +goose Down
DROP INDEX document_acks_user_doc;
CREATE INDEX documents_unit_code ON documents (unit, code_key);
DROP INDEX documents_unit_code_id;
