-- +goose Up
-- The score the national portal published for a unit and a month under
-- QĐ 766 (unit '*': the whole office), as the office entered it, shown
-- beside qmstrack's own estimate.
CREATE TABLE index766_published (
    month       date NOT NULL CHECK (extract(day FROM month) = 1),
    unit        text NOT NULL CHECK (unit = '*' OR unit ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    score       numeric(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    entered_by  text NOT NULL,
    entered_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (month, unit)
);

-- +goose Down
DROP TABLE index766_published;
