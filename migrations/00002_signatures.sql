-- +goose Up
-- Electronic signatures (review, approval, publication, sign-off,
-- verification, disposition). The signer re-entered the password; the row
-- keeps who, in which role, what the signature means, when (UTC) and the
-- SHA-256 of every file signed. A change to a signed file voids it.
CREATE TABLE signatures (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users(id),
    login        text NOT NULL,
    name         text NOT NULL,
    role         text NOT NULL,
    meaning      text NOT NULL,
    object_type  text NOT NULL,
    object_id    text NOT NULL,
    comment      text NOT NULL DEFAULT '',
    sha256s      text[] NOT NULL DEFAULT '{}',
    signed_at    timestamptz NOT NULL DEFAULT now(),
    voided_at    timestamptz,
    void_reason  text NOT NULL DEFAULT ''
);
CREATE INDEX signatures_object ON signatures (object_type, object_id, signed_at);

-- +goose Down
DROP TABLE signatures;
