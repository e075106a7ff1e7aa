-- +goose Up
-- The unit that keeps a meeting's minutes: they are filed as a record of
-- that unit (type meeting-minutes, under retention), and minutes_record
-- holds the record's id.
ALTER TABLE meetings ADD COLUMN unit text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE meetings DROP COLUMN unit;
