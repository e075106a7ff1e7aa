-- +goose Up
-- Wrong codes of the public status lookup, counted per client address
-- (kind 'addr') and per dossier number (kind 'number') in a fixed window
-- that starts at the first failure: kept in the database so the limit holds
-- across instances behind a load balancer.
CREATE TABLE lookup_failures (
    kind          text NOT NULL CHECK (kind IN ('addr', 'number')),
    key           text NOT NULL CHECK (length(key) <= 100),
    failures      int NOT NULL,
    window_start  timestamptz NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX lookup_failures_window ON lookup_failures (window_start);

-- +goose Down
DROP TABLE lookup_failures;
