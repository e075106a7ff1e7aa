-- +goose Up
-- What the citizen was told of each status change of a dossier (NĐ
-- 224/2026 Art. 15.1(g): the agency, the receiving and the handling
-- officer, the times of receipt, processing and return), when, and by
-- which channel. A notice is written with the change, in the same
-- transaction; the facts are kept, the sentence is written when it is sent
-- (in Vietnamese). channel: email or sms when the applicant gave an
-- address, counter when they learn it at the desk or on the status page
-- (nothing to send). The contact is optional.
ALTER TABLE dossiers
    ADD COLUMN notify_email text NOT NULL DEFAULT '' CHECK (length(notify_email) <= 254),
    ADD COLUMN notify_phone text NOT NULL DEFAULT '' CHECK (length(notify_phone) <= 20);

CREATE TABLE dossier_notices (
    id          bigserial PRIMARY KEY,
    dossier_id  uuid NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    kind        text NOT NULL,
    at          timestamptz NOT NULL,
    status      text NOT NULL,
    channel     text NOT NULL CHECK (channel IN ('email', 'sms', 'counter')),
    recipient   text NOT NULL DEFAULT '',
    facts       jsonb NOT NULL DEFAULT '{}',
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'logged')),
    attempts    int NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT '',
    subject     text NOT NULL DEFAULT '',
    body        text NOT NULL DEFAULT '',
    sent_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dossier_notices_dossier ON dossier_notices (dossier_id, id);
CREATE INDEX dossier_notices_pending ON dossier_notices (id) WHERE state = 'pending';

-- +goose Down
DROP TABLE dossier_notices;
ALTER TABLE dossiers DROP COLUMN notify_phone, DROP COLUMN notify_email;
