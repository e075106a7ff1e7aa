-- +goose Up
-- The language the applicant reads the status notices in: the notices are
-- kept as facts and written as messages when sent, in this language
-- (Vietnamese unless the applicant asks for English). Existing dossiers
-- keep Vietnamese, the language their notices were written in.
ALTER TABLE dossiers ADD COLUMN notify_lang text NOT NULL DEFAULT 'vi' CHECK (notify_lang IN ('vi', 'en'));

-- +goose Down
ALTER TABLE dossiers DROP COLUMN notify_lang;
