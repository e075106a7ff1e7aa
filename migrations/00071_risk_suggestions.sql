-- +goose Up
-- The coordinator's decisions on suggested risks. A suggestion is computed
-- from the monthly figures (a service's on-time rate below its objective
-- for three consecutive complete months) and is not stored; what is stored
-- is the decision on one streak: the objective and the streak's first
-- month. A dismissed streak stays dismissed however long it lasts; a new
-- streak (after a month at or above the objective) is a new suggestion.
CREATE TABLE risk_suggestion_decisions (
    objective_id  uuid NOT NULL REFERENCES objectives(id),
    streak_from   date NOT NULL CHECK (extract(day FROM streak_from) = 1),
    streak_to     date NOT NULL CHECK (extract(day FROM streak_to) = 1 AND streak_to >= streak_from),
    unit          text NOT NULL REFERENCES units(code),
    service_code  text NOT NULL,
    decision      text NOT NULL CHECK (decision IN ('accepted', 'dismissed')),
    reason        text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    risk_id       uuid REFERENCES risks(id),
    decided_by    uuid REFERENCES users(id),
    decided_login text NOT NULL,
    decided_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (objective_id, streak_from),
    CHECK ((decision = 'accepted') = (risk_id IS NOT NULL))
);

-- +goose Down
DROP TABLE risk_suggestion_decisions;
