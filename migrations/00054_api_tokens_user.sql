-- +goose Up
-- A user's tokens, newest first (the tokens page), and revoking them all
-- when the user is disabled, from an index instead of reading every token.
-- Role assignments of one user are read by their primary key (user_id,
-- role, unit) and sessions and tokens by their hashes: those need none.
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at DESC);

-- +goose Down
DROP INDEX api_tokens_user;
