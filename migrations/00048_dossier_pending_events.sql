-- +goose Up
-- Events pushed for a dossier whose receipt has not arrived yet (the
-- one-stop software may deliver out of order): kept by number and event id,
-- and applied, as their sender, when the dossier is recorded. One that
-- cannot be applied stays here with the reason.
CREATE TABLE dossier_pending_events (
    number       text NOT NULL,
    event_id     text NOT NULL,
    seq          bigserial,
    type         text NOT NULL,
    at           timestamptz NOT NULL,
    to_unit      text NOT NULL DEFAULT '',
    step         text NOT NULL DEFAULT '',
    result       text NOT NULL DEFAULT '',
    reason       text NOT NULL DEFAULT '',
    new_due_at   timestamptz,
    actor_id     uuid NOT NULL,
    actor_login  text NOT NULL,
    last_error   text NOT NULL DEFAULT '',
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (number, event_id)
);

-- +goose Down
DROP TABLE dossier_pending_events;
