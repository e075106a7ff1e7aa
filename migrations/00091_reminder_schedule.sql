-- +goose Up
-- Reminders of overdue work on a schedule the coordinator sets: the
-- offsets, in working days of the office's calendar after the due date, at
-- which an overdue corrective action or directive is reminded. The first
-- is 0, the escalation when the item becomes overdue; the later ones are
-- reminders, each sent once per item, due date and offset
-- (reminders_sent), whatever instance runs the scan.
CREATE TABLE reminder_settings (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    offsets    integer[] NOT NULL DEFAULT '{0,3,7}'
               CHECK (cardinality(offsets) BETWEEN 1 AND 10 AND offsets[1] = 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO reminder_settings DEFAULT VALUES;

CREATE TABLE reminders_sent (
    object_type text NOT NULL CHECK (object_type IN ('action', 'directive')),
    object_id   uuid NOT NULL,
    due         date NOT NULL,
    offset_days integer NOT NULL CHECK (offset_days > 0),
    sent_at     timestamptz NOT NULL DEFAULT now(),
    notified    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (object_type, object_id, due, offset_days)
);

-- +goose Down
DROP TABLE reminders_sent;
DROP TABLE reminder_settings;
