-- +goose Up
-- A person's calendar feed (iCal) of their due dates. The feed's address
-- holds a secret token; only its SHA-256 is kept, so the address is shown
-- once, when it is made. One live feed per person: making a new one
-- replaces the old, and revoking deletes it.
CREATE TABLE calendar_feeds (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used  timestamptz
);

-- +goose Down
DROP TABLE calendar_feeds;
