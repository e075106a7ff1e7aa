-- +goose Up
-- The improvement plan of the reform index (Kế hoạch cải thiện Chỉ số
-- CCHC): a plan per year and decision, whose items are directives (the
-- same report with evidence, decision, escalation and units-not-complying
-- as a meeting's) with the index criterion they improve, the supporting
-- units, the expected output and intermediate progress reports. An item
-- added at a meeting keeps its meeting; one issued with the plan has none.
CREATE TABLE improvement_plans (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    year             int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    decision_number  text NOT NULL CHECK (length(decision_number) BETWEEN 1 AND 100),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    decision_record  text NOT NULL DEFAULT '' CHECK (length(decision_record) <= 100),
    -- The decision's file in the versioned object store (blob first, then row).
    file_key         text,
    file_version     text,
    file_size        bigint,
    file_sha256      text,
    file_media_type  text,
    file_name        text,
    created_login    text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (year, decision_number)
);

ALTER TABLE directives ALTER COLUMN meeting_id DROP NOT NULL,
    ADD COLUMN plan_id uuid REFERENCES improvement_plans(id),
    ADD COLUMN criterion text NOT NULL DEFAULT '' CHECK (length(criterion) <= 32),
    ADD COLUMN support_units text[] NOT NULL DEFAULT '{}',
    ADD COLUMN expected_output text NOT NULL DEFAULT '' CHECK (length(expected_output) <= 2000),
    ADD COLUMN progress_pct int NOT NULL DEFAULT 0 CHECK (progress_pct BETWEEN 0 AND 100),
    ADD CONSTRAINT directives_from CHECK (meeting_id IS NOT NULL OR plan_id IS NOT NULL);
CREATE INDEX directives_plan ON directives (plan_id) WHERE plan_id IS NOT NULL;

-- Intermediate progress reports of a plan item (percent and text).
CREATE TABLE directive_progress (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    directive_id    uuid NOT NULL REFERENCES directives(id),
    percent         int NOT NULL CHECK (percent BETWEEN 0 AND 100),
    text            text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    reporter_login  text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX directive_progress_directive ON directive_progress (directive_id, at);

-- +goose Down
DROP TABLE directive_progress;
DROP INDEX directives_plan;
ALTER TABLE directives DROP CONSTRAINT directives_from, DROP COLUMN progress_pct, DROP COLUMN expected_output,
    DROP COLUMN support_units, DROP COLUMN criterion, DROP COLUMN plan_id;
-- Fails while plan items without a meeting exist: they cannot go back.
ALTER TABLE directives ALTER COLUMN meeting_id SET NOT NULL;
DROP TABLE improvement_plans;
