-- +goose Up
-- Revision tasks: a legal basis registered or amended opens, for each
-- procedure document linked to it, a task to revise that procedure, due
-- three calendar months after the text's effective date (QĐ 19/2014/QĐ-TTg:
-- the QMS is updated within three months of a relevant legal change). The
-- task belongs to the document's owner unit (read through the document).
-- It closes by itself: revised when a revision of the document published
-- after the task opened is effective (closed_revision), unlinked when the
-- register no longer links the document, withdrawn when the document is.
-- One task per legal basis and document, ever.
CREATE TABLE revision_tasks (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    legal_basis_id   uuid NOT NULL REFERENCES legal_bases(id),
    document_id      uuid NOT NULL REFERENCES documents(id),
    due_on           date NOT NULL,
    opened_at        timestamptz NOT NULL DEFAULT now(),
    closed_at        timestamptz,
    closed_reason    text CHECK (closed_reason IN ('revised', 'unlinked', 'withdrawn')),
    closed_revision  uuid REFERENCES revisions(id),
    UNIQUE (legal_basis_id, document_id),
    CHECK ((closed_at IS NULL) = (closed_reason IS NULL)),
    CHECK (closed_revision IS NULL OR closed_reason = 'revised')
);
CREATE INDEX revision_tasks_open ON revision_tasks (document_id) WHERE closed_at IS NULL;
CREATE INDEX revision_tasks_open_due ON revision_tasks (due_on) WHERE closed_at IS NULL;

-- +goose Down
DROP TABLE revision_tasks;
