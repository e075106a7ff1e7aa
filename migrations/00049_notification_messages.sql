-- +goose Up
-- A notification's subject is kept as a message (id and typed arguments),
-- rendered in the reader's language when shown; subject keeps the English
-- text for programs and for rows written before this change.
ALTER TABLE notifications ADD COLUMN subject_msg jsonb;

-- +goose Down
ALTER TABLE notifications DROP COLUMN subject_msg;
