-- +goose Up
-- The conversion checklist of an office moving its QMS to the 2015
-- version (QĐ 101/QĐ-BKHCN 2019's model). The items themselves are the
-- data file assets/leadership/conversion-most.json; a row holds an item's
-- state once someone has worked on it: done or not, a note, the evidence
-- (links to documents and records) and its version for optimistic
-- concurrency.
CREATE TABLE conversion_items (
    code           text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
    done           boolean NOT NULL DEFAULT false,
    note           text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    evidence       jsonb NOT NULL DEFAULT '[]',
    version        int NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_by     uuid REFERENCES users(id),
    updated_login  text NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE conversion_items;
