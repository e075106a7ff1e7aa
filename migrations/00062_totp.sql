-- +goose Up
-- The optional second factor: a TOTP secret (RFC 6238) per user. An
-- enrolment in progress keeps its secret in totp_pending until a first
-- code confirms it. totp_last_step is the time step of the last code
-- accepted: a code is accepted once, every instance agreeing.
ALTER TABLE users
    ADD COLUMN totp_secret     text NOT NULL DEFAULT '',
    ADD COLUMN totp_pending    text NOT NULL DEFAULT '',
    ADD COLUMN totp_enabled_at timestamptz,
    ADD COLUMN totp_last_step  bigint NOT NULL DEFAULT 0;

-- Recovery codes, single use, stored as their SHA-256.
CREATE TABLE totp_recovery_codes (
    user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- +goose Down
DROP TABLE totp_recovery_codes;
ALTER TABLE users DROP COLUMN totp_secret, DROP COLUMN totp_pending, DROP COLUMN totp_enabled_at, DROP COLUMN totp_last_step;
