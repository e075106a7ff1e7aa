-- +goose Up
-- The register of risks and opportunities (ISO 9001 6.1): one row per risk
-- or opportunity of a process (a service, or a field of services) and unit,
-- scored likelihood × impact before (inherent) and after (residual) its
-- treatment. The scale's top is the one configured when the row was
-- written; the checks hold the widest scale the application accepts.
CREATE TABLE risks (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind                 text NOT NULL CHECK (kind IN ('risk', 'opportunity')),
    unit                 text NOT NULL REFERENCES units(code),
    process_kind         text NOT NULL CHECK (process_kind IN ('service', 'field')),
    process_code         text NOT NULL CHECK (length(process_code) BETWEEN 1 AND 64),
    title                text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    cause                text NOT NULL DEFAULT '' CHECK (length(cause) <= 4000),
    consequence          text NOT NULL DEFAULT '' CHECK (length(consequence) <= 4000),
    likelihood           int NOT NULL CHECK (likelihood BETWEEN 1 AND 10),
    impact               int NOT NULL CHECK (impact BETWEEN 1 AND 10),
    residual_likelihood  int NOT NULL CHECK (residual_likelihood BETWEEN 1 AND 10),
    residual_impact      int NOT NULL CHECK (residual_impact BETWEEN 1 AND 10),
    inherent_score       int GENERATED ALWAYS AS (likelihood * impact) STORED,
    residual_score       int GENERATED ALWAYS AS (residual_likelihood * residual_impact) STORED,
    treatment            text NOT NULL CHECK (treatment IN ('accept', 'reduce', 'avoid', 'transfer', 'pursue')),
    treatment_note       text NOT NULL DEFAULT '' CHECK (length(treatment_note) <= 4000),
    owner_id             uuid NOT NULL REFERENCES users(id),
    review_on            date NOT NULL,
    status               text NOT NULL CHECK (status IN ('open', 'monitored', 'closed')),
    -- A risk accepted from a late-dossier suggestion keeps its trend: the
    -- objective and the months above it.
    trend_objective      uuid REFERENCES objectives(id),
    trend_from           date,
    trend_to             date,
    version              int NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_by           uuid REFERENCES users(id),
    created_login        text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'opportunity') = (treatment = 'pursue')),
    CHECK ((trend_objective IS NULL) = (trend_from IS NULL) AND (trend_from IS NULL) = (trend_to IS NULL))
);
CREATE INDEX risks_unit ON risks (unit, status, review_on);
CREATE INDEX risks_process ON risks (process_kind, process_code);

-- What a risk is linked to: the actions that treat it (corrective actions
-- of the NC capability, leadership directives) and what it was seen in
-- (nonconformities, audit findings). One column per kind, so each link is a
-- foreign key and a linked object cannot vanish under it.
CREATE TABLE risk_links (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    risk_id       uuid NOT NULL REFERENCES risks(id),
    kind          text NOT NULL CHECK (kind IN ('nc', 'action', 'directive', 'finding')),
    nc_id         uuid REFERENCES ncs(id),
    action_id     uuid REFERENCES nc_actions(id),
    directive_id  uuid REFERENCES directives(id),
    finding_id    uuid REFERENCES audit_findings(id),
    created_login text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(nc_id, action_id, directive_id, finding_id) = 1),
    CHECK (kind <> 'nc' OR nc_id IS NOT NULL),
    CHECK (kind <> 'action' OR action_id IS NOT NULL),
    CHECK (kind <> 'directive' OR directive_id IS NOT NULL),
    CHECK (kind <> 'finding' OR finding_id IS NOT NULL)
);
CREATE UNIQUE INDEX risk_links_one ON risk_links (risk_id, kind, coalesce(nc_id, action_id, directive_id, finding_id));

-- +goose Down
DROP TABLE risk_links;
DROP TABLE risks;
