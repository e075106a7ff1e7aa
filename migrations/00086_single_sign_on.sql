-- +goose Up
-- Single sign-on (OpenID Connect). A person is linked to an identity
-- provider's account by its issuer and subject (the "sub" claim, which the
-- provider never reuses), not by login or e-mail, which may change.
-- password_login off refuses the password at sign-in: the person signs in
-- through the provider only.
ALTER TABLE users
    ADD COLUMN oidc_issuer    text CHECK (length(oidc_issuer) <= 500),
    ADD COLUMN oidc_subject   text CHECK (length(oidc_subject) <= 255),
    ADD COLUMN password_login boolean NOT NULL DEFAULT true,
    ADD CONSTRAINT users_oidc_pair CHECK ((oidc_issuer IS NULL) = (oidc_subject IS NULL));
CREATE UNIQUE INDEX users_oidc ON users (oidc_issuer, oidc_subject) WHERE oidc_issuer IS NOT NULL;

-- A sign-in through the provider in progress: the state of the request
-- (its SHA-256; the browser holds the state in a cookie as well), the
-- nonce the ID token must carry, the PKCE verifier, and the page to return
-- to. A callback takes its row once (a replayed state finds none); rows
-- older than ten minutes are refused and swept.
CREATE TABLE oidc_logins (
    state_hash bytea PRIMARY KEY CHECK (length(state_hash) = 32),
    nonce      text NOT NULL,
    verifier   text NOT NULL,
    next_path  text NOT NULL DEFAULT '/',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE oidc_logins;
DROP INDEX users_oidc;
ALTER TABLE users DROP CONSTRAINT users_oidc_pair, DROP COLUMN password_login, DROP COLUMN oidc_subject, DROP COLUMN oidc_issuer;
