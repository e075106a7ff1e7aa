-- +goose Up
-- Management review (ISO 9001 9.3): a review of a period, held on a date,
-- chaired, with its participants and the unit keeping its record. Its input
-- pack (9.3.2) is compiled from live data while the review is open; at
-- closing the pack is frozen in pack and filed as a record (record_id).
-- Directives it decides are assigned at the review's meeting (meeting_id),
-- so they follow the directives' own cycle: report, decision, escalation.
CREATE TABLE management_reviews (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    held_on        date NOT NULL,
    period_from    date NOT NULL,
    period_to      date NOT NULL,
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    chair          text NOT NULL CHECK (length(chair) BETWEEN 1 AND 200),
    participants   text NOT NULL DEFAULT '' CHECK (length(participants) <= 4000),
    unit           text NOT NULL REFERENCES units(code),
    state          text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    meeting_id     uuid REFERENCES meetings(id),
    pack           jsonb,
    record_id      text NOT NULL DEFAULT '' CHECK (length(record_id) <= 100),
    created_login  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    closed_login   text NOT NULL DEFAULT '',
    closed_at      timestamptz,
    CHECK (period_to >= period_from),
    CHECK ((state = 'closed') = (closed_at IS NOT NULL AND pack IS NOT NULL))
);
CREATE INDEX management_reviews_held ON management_reviews (held_on DESC);

-- The text inputs the coordinator writes (adequacy of resources,
-- opportunities for improvement...), one row per section, versioned so two
-- people editing one section do not overwrite each other.
CREATE TABLE management_review_sections (
    review_id      uuid NOT NULL REFERENCES management_reviews(id),
    key            text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    body           text NOT NULL CHECK (length(body) BETWEEN 1 AND 8000),
    version        int NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_login  text NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (review_id, key)
);

-- The review's outputs (9.3.3). A directive decision is a directive to a
-- unit (done when the directive is accepted); the others (a change to an
-- objective, a resource note, an improvement) are marked done with a note.
CREATE TABLE management_review_decisions (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    review_id      uuid NOT NULL REFERENCES management_reviews(id),
    seq            int NOT NULL CHECK (seq >= 1),
    kind           text NOT NULL CHECK (kind IN ('directive', 'objective', 'resource', 'improvement')),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 1000),
    unit           text REFERENCES units(code),
    due_on         date,
    directive_id   uuid REFERENCES directives(id),
    objective_id   uuid REFERENCES objectives(id),
    done_at        timestamptz,
    done_login     text NOT NULL DEFAULT '',
    done_note      text NOT NULL DEFAULT '' CHECK (length(done_note) <= 2000),
    created_login  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (review_id, seq),
    CHECK ((kind = 'directive') = (directive_id IS NOT NULL)),
    CHECK (objective_id IS NULL OR kind = 'objective'),
    CHECK (kind <> 'directive' OR done_at IS NULL)
);
CREATE INDEX management_review_decisions_directive ON management_review_decisions (directive_id) WHERE directive_id IS NOT NULL;

-- +goose Down
DROP TABLE management_review_decisions;
DROP TABLE management_review_sections;
DROP TABLE management_reviews;
