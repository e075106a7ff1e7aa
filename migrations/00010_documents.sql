-- +goose Up
-- Controlled documents (ISO 9001 7.5): the register, revisions with their
-- files and reviewers, acknowledgements of effective revisions and periodic
-- reviews. Search columns hold text folded in the application (lower case,
-- no Vietnamese diacritics, đ -> d), so "quy trinh" finds "Quy trình".
CREATE TABLE documents (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code             text NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    -- code_key is the upper-cased code: QT-07 and qt-07 are the same document.
    code_key         text NOT NULL UNIQUE,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    title_key        text NOT NULL,
    type             text NOT NULL CHECK (type IN ('policy', 'manual', 'procedure', 'instruction', 'form', 'external')),
    unit             text NOT NULL REFERENCES units(code),
    clauses          text[] NOT NULL DEFAULT '{}',
    review_months    int NOT NULL CHECK (review_months BETWEEN 0 AND 120),
    public           boolean NOT NULL DEFAULT false,
    dist_units       text[] NOT NULL DEFAULT '{}',
    dist_roles       text[] NOT NULL DEFAULT '{}',
    -- draft: never effective yet; effective: one revision is in force; obsolete: withdrawn.
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'effective', 'obsolete')),
    -- status of the revision being worked on (draft, in_review, approved), if any.
    pending_status   text CHECK (pending_status IN ('draft', 'in_review', 'approved')),
    effective_rev    uuid,
    effective_issue  int,
    effective_at     timestamptz,
    next_review_at   timestamptz,
    withdrawn_at     timestamptz,
    withdraw_reason  text NOT NULL DEFAULT '',
    created_by       uuid NOT NULL REFERENCES users(id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- search_all covers every revision (for those who may read drafts);
    -- search_eff only what staff may read: code, title, the effective revision.
    search_all       tsvector NOT NULL DEFAULT ''::tsvector,
    search_eff       tsvector NOT NULL DEFAULT ''::tsvector
);
CREATE INDEX documents_code ON documents (code_key, id);
CREATE INDEX documents_unit_code ON documents (unit, code_key);
CREATE INDEX documents_title ON documents (title_key, id);
CREATE INDEX documents_updated ON documents (updated_at DESC, id DESC);
CREATE INDEX documents_status ON documents (status, code_key);
CREATE INDEX documents_review ON documents (next_review_at) WHERE status = 'effective';
CREATE INDEX documents_clauses ON documents USING gin (clauses);
CREATE INDEX documents_search_all ON documents USING gin (search_all);
CREATE INDEX documents_search_eff ON documents USING gin (search_eff);

CREATE TABLE revisions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id     uuid NOT NULL REFERENCES documents(id),
    issue           int NOT NULL CHECK (issue BETWEEN 1 AND 999),
    status          text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'in_review', 'approved', 'effective', 'superseded', 'obsolete')),
    change          text NOT NULL CHECK (length(change) <= 4000),
    change_key      text NOT NULL DEFAULT '',
    created_by      uuid NOT NULL REFERENCES users(id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    submitted_at    timestamptz,
    approved_at     timestamptz,
    approved_by     uuid REFERENCES users(id),
    published_at    timestamptz,
    published_by    uuid REFERENCES users(id),
    -- effective_at is the publication's effective date (future while scheduled).
    effective_at    timestamptz,
    superseded_at   timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_id, issue)
);
-- Only one revision of a document is in force, and one is being worked on.
CREATE UNIQUE INDEX revisions_one_effective ON revisions (document_id) WHERE status = 'effective';
CREATE UNIQUE INDEX revisions_one_pending ON revisions (document_id) WHERE status IN ('draft', 'in_review', 'approved');
CREATE INDEX revisions_scheduled ON revisions (effective_at) WHERE status = 'approved' AND published_at IS NOT NULL;

-- Files of a revision. A replaced file keeps its row (replaced_at set); the
-- replacement is a new version of the same object key.
CREATE TABLE revision_files (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    revision_id  uuid NOT NULL REFERENCES revisions(id),
    kind         text NOT NULL CHECK (kind IN ('main', 'attachment')),
    file_name    text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    object_key   text NOT NULL,
    version_id   text NOT NULL,
    size         bigint NOT NULL CHECK (size > 0),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    media_type   text NOT NULL,
    text_key     text NOT NULL DEFAULT '',
    uploaded_by  uuid NOT NULL REFERENCES users(id),
    uploaded_at  timestamptz NOT NULL DEFAULT now(),
    replaced_at  timestamptz,
    replaced_by  uuid REFERENCES revision_files(id)
);
CREATE INDEX revision_files_rev ON revision_files (revision_id, uploaded_at);
CREATE UNIQUE INDEX revision_files_one_main ON revision_files (revision_id) WHERE kind = 'main' AND replaced_at IS NULL;

-- Reviewers chosen at submission; a new submission replaces the list (the
-- signatures keep every earlier decision).
CREATE TABLE revision_reviewers (
    revision_id  uuid NOT NULL REFERENCES revisions(id),
    user_id      uuid NOT NULL REFERENCES users(id),
    decision     text CHECK (decision IN ('approve', 'changes')),
    comment      text NOT NULL DEFAULT '',
    decided_at   timestamptz,
    PRIMARY KEY (revision_id, user_id)
);
CREATE INDEX revision_reviewers_user ON revision_reviewers (user_id) WHERE decision IS NULL;

-- "I have read revision 03": one row per person in the distribution of an
-- effective revision.
CREATE TABLE document_acks (
    revision_id  uuid NOT NULL REFERENCES revisions(id),
    document_id  uuid NOT NULL REFERENCES documents(id),
    user_id      uuid NOT NULL REFERENCES users(id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    acked_at     timestamptz,
    PRIMARY KEY (revision_id, user_id)
);
CREATE INDEX document_acks_user ON document_acks (user_id) WHERE acked_at IS NULL;
CREATE INDEX document_acks_doc ON document_acks (document_id, user_id);

-- Periodic reviews confirmed without change (a new revision is the other outcome).
CREATE TABLE document_reviews (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id  uuid NOT NULL REFERENCES documents(id),
    reviewed_by  uuid NOT NULL REFERENCES users(id),
    comment      text NOT NULL CHECK (length(comment) <= 2000),
    reviewed_at  timestamptz NOT NULL DEFAULT now(),
    next_review_at timestamptz
);
CREATE INDEX document_reviews_doc ON document_reviews (document_id, reviewed_at);

-- +goose StatementBegin
-- document_refresh_search recomputes a document's search vectors from its
-- folded code, title, change descriptions and file texts.
CREATE FUNCTION document_refresh_search(doc uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE documents d SET
        search_eff = to_tsvector('simple', lower(d.code_key) || ' ' || regexp_replace(lower(d.code_key), '[^[:alnum:]]+', ' ', 'g') || ' ' || d.title_key || ' ' || coalesce((
            SELECT string_agg(r.change_key || ' ' || coalesce((
                SELECT string_agg(left(f.text_key, 200000), ' ') FROM revision_files f
                WHERE f.revision_id = r.id AND f.replaced_at IS NULL), ''), ' ')
            FROM revisions r WHERE r.id = d.effective_rev), '')),
        search_all = to_tsvector('simple', lower(d.code_key) || ' ' || regexp_replace(lower(d.code_key), '[^[:alnum:]]+', ' ', 'g') || ' ' || d.title_key || ' ' || coalesce((
            SELECT string_agg(r.change_key, ' ') FROM revisions r WHERE r.document_id = d.id), '') || ' ' || coalesce((
            SELECT string_agg(left(f.text_key, 200000), ' ') FROM revision_files f JOIN revisions r ON r.id = f.revision_id
            WHERE r.document_id = d.id AND f.replaced_at IS NULL
              AND (r.id = d.effective_rev OR r.status IN ('draft', 'in_review', 'approved'))), ''))
    WHERE d.id = doc;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION document_refresh_search(uuid);
DROP TABLE document_reviews;
DROP TABLE document_acks;
DROP TABLE revision_reviewers;
DROP TABLE revision_files;
DROP TABLE revisions;
DROP TABLE documents;
