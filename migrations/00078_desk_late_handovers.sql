-- +goose Up
-- The desk's queue lists the late dossiers: past their due time (read in
-- due order from dossiers_open_due), or whose hand-over from the desk was
-- late or is still to come (this index: the open dossiers whose first step
-- is the desk's, with a deadline, judged late or not ended yet; a few
-- hundred at a district with a million dossiers). Without it the queue
-- read every open dossier's row to judge its first step.
CREATE INDEX dossiers_open_handover ON dossiers (due_at)
    WHERE status IN ('processing', 'supplement') AND steps->0->>'step' = 'desk' AND steps->0 ? 'due'
        AND (steps->0->>'outcome' = 'late' OR NOT steps->0 ? 'end');

-- +goose Down
DROP INDEX dossiers_open_handover;
