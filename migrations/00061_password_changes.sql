-- +goose Up
-- Passwords people change themselves, reset by an administrator (a one-time
-- password the user must change at the next sign-in) or reset through a
-- link sent by e-mail.
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;

-- A link to reset a password: the e-mail holds the token, the table its
-- SHA-256. Single use, valid until expires_at.
CREATE TABLE password_resets (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- Requests for a reset link per login name, known or not, shared by every
-- instance: the throttle answers the same for both.
CREATE TABLE password_reset_requests (
    login         text PRIMARY KEY,
    requests      int NOT NULL,
    window_start  timestamptz NOT NULL
);

-- A sign-in that passed the password but is not a session yet: it waits
-- for the second-factor code, for the change of a one-time password, or
-- for the enrolment of a second factor the user's role requires. The
-- cookie holds a random token, the table its SHA-256.
CREATE TABLE login_challenges (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    step        text NOT NULL CHECK (step IN ('code', 'password', 'enrol')),
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX login_challenges_user ON login_challenges (user_id);

-- +goose Down
DROP TABLE login_challenges;
DROP TABLE password_reset_requests;
DROP TABLE password_resets;
ALTER TABLE users DROP COLUMN must_change_password;
