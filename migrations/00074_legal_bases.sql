-- +goose Up
-- The register of legal bases (căn cứ pháp lý): the laws, decrees,
-- circulars and decisions the office's procedures rest on, each linked to
-- the services (administrative procedures) and the procedure documents it
-- governs. superseded_by names the text that replaced it; a superseded text
-- says so in its status, and only a superseded one names its successor.
CREATE TABLE legal_bases (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number         text NOT NULL CHECK (length(number) BETWEEN 1 AND 60),
    -- number_key is the upper-cased number: 118/2025/nđ-cp and 118/2025/NĐ-CP are one text.
    number_key     text NOT NULL UNIQUE,
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    kind           text NOT NULL CHECK (kind IN ('law', 'ordinance', 'resolution', 'decree', 'decision', 'circular', 'directive', 'other')),
    issuer         text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 200),
    issued_on      date NOT NULL,
    effective_on   date NOT NULL CHECK (effective_on >= issued_on),
    status         text NOT NULL CHECK (status IN ('in_force', 'superseded', 'repealed')),
    superseded_by  uuid REFERENCES legal_bases(id),
    -- already_applied: registered as a text the procedures already follow
    -- (filling the register), so it opened no revision task.
    already_applied boolean NOT NULL DEFAULT false,
    version        int NOT NULL DEFAULT 1,
    created_login  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (superseded_by IS DISTINCT FROM id),
    CHECK ((status = 'superseded') = (superseded_by IS NOT NULL))
);
CREATE INDEX legal_bases_superseded_by ON legal_bases (superseded_by) WHERE superseded_by IS NOT NULL;

CREATE TABLE legal_basis_services (
    legal_basis_id  uuid NOT NULL REFERENCES legal_bases(id) ON DELETE CASCADE,
    service_code    text NOT NULL REFERENCES services(code),
    PRIMARY KEY (legal_basis_id, service_code)
);
CREATE INDEX legal_basis_services_service ON legal_basis_services (service_code);

CREATE TABLE legal_basis_documents (
    legal_basis_id  uuid NOT NULL REFERENCES legal_bases(id) ON DELETE CASCADE,
    document_id     uuid NOT NULL REFERENCES documents(id),
    PRIMARY KEY (legal_basis_id, document_id)
);
CREATE INDEX legal_basis_documents_document ON legal_basis_documents (document_id);

-- +goose Down
DROP TABLE legal_basis_documents;
DROP TABLE legal_basis_services;
DROP TABLE legal_bases;
