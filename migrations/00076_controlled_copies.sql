-- +goose Up
-- Controlled copies (ISO 9001 7.5.3.2, distribution): each printed copy of
-- a revision in force handed to a unit is numbered per revision (bản kiểm
-- soát số n) and logged with its holder, so that when the revision is
-- superseded the copies still out there can be listed and withdrawn.
CREATE TABLE controlled_copies (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    revision_id   uuid NOT NULL REFERENCES revisions(id),
    document_id   uuid NOT NULL REFERENCES documents(id),
    no            int NOT NULL CHECK (no >= 1),
    unit          text NOT NULL REFERENCES units(code),
    holder        text NOT NULL CHECK (length(holder) BETWEEN 1 AND 200),
    issued_by     uuid NOT NULL REFERENCES users(id),
    issued_at     timestamptz NOT NULL DEFAULT now(),
    withdrawn_at  timestamptz,
    withdrawn_by  uuid REFERENCES users(id),
    UNIQUE (revision_id, no),
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
-- The copies still out: the list of copies to withdraw reads these.
CREATE INDEX controlled_copies_out ON controlled_copies (document_id, revision_id) WHERE withdrawn_at IS NULL;

-- +goose Down
DROP TABLE controlled_copies;
