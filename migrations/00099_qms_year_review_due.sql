-- +goose Up
-- A closed QMS year carries the review schedule too: the yearly management
-- review due in the next year (a year after the last closed review, as the
-- schedule counts it; by 31/12 of the next year before any), and that last
-- review, recorded by the act that closed the year.
ALTER TABLE qms_years
    ADD COLUMN review_due date,
    ADD COLUMN review_last uuid REFERENCES management_reviews(id);

-- +goose Down
ALTER TABLE qms_years DROP COLUMN review_last, DROP COLUMN review_due;
