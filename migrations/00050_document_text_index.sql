-- +goose Up
-- The text of a revision file is read for search after the upload, by the
-- documents.index job, within a budget of bytes and time: a small office
-- file can decompress to gigabytes of XML. text_state says where a file
-- stands: pending (waiting for the job), indexed, or not_indexed with the
-- reason (too_large, too_slow, malformed, no_text, unavailable, unreadable).
-- The job claims a file by counting the claim in text_tries and leasing it
-- until text_claimed_until, so instances never read the same file at once.
ALTER TABLE revision_files
    ADD COLUMN text_state text NOT NULL DEFAULT 'pending' CHECK (text_state IN ('pending', 'indexed', 'not_indexed')),
    ADD COLUMN text_reason text NOT NULL DEFAULT ''
        CHECK (text_reason IN ('', 'too_large', 'too_slow', 'malformed', 'no_text', 'unavailable', 'unreadable')),
    ADD COLUMN text_tries int NOT NULL DEFAULT 0,
    ADD COLUMN text_claimed_until timestamptz,
    ADD COLUMN text_at timestamptz,
    ADD CONSTRAINT revision_files_text_reason CHECK ((text_state = 'not_indexed') = (text_reason <> ''));
-- Files stored before were read at their upload: those with text are
-- indexed; the others are read again, within the budget, by the job.
UPDATE revision_files SET text_state = 'indexed', text_at = uploaded_at WHERE text_key <> '';
CREATE INDEX revision_files_text_queue ON revision_files (text_tries, uploaded_at, id)
    WHERE text_state = 'pending' AND replaced_at IS NULL;

-- The texts of a document's files now arrive one by one, each update
-- moving its row: the search text is joined in a fixed order (main file
-- first, then by upload), so a cut at the vector's cap keeps the same
-- words whichever file was indexed last.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION document_refresh_search(doc uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE documents d SET
        search_eff = strip(to_tsvector('simple', left(
            lower(d.code_key) || ' ' || regexp_replace(lower(d.code_key), '[^[:alnum:]]+', ' ', 'g') || ' ' || d.title_key || ' ' || coalesce((
                SELECT r.change_key || ' ' || coalesce((
                    SELECT string_agg(f.text_key, ' ' ORDER BY f.kind DESC, f.uploaded_at, f.id) FROM revision_files f
                    WHERE f.revision_id = r.id AND f.replaced_at IS NULL), '')
                FROM revisions r WHERE r.id = d.effective_rev), ''), 250000))),
        search_all = strip(to_tsvector('simple', left(
            lower(d.code_key) || ' ' || regexp_replace(lower(d.code_key), '[^[:alnum:]]+', ' ', 'g') || ' ' || d.title_key || ' ' || coalesce((
                SELECT string_agg(r.change_key, ' ' ORDER BY r.issue) FROM revisions r WHERE r.document_id = d.id), '') || ' ' || coalesce((
                SELECT string_agg(f.text_key, ' ' ORDER BY r.issue, f.kind DESC, f.uploaded_at, f.id)
                FROM revision_files f JOIN revisions r ON r.id = f.revision_id
                WHERE r.document_id = d.id AND f.replaced_at IS NULL
                  AND (r.id = d.effective_rev OR r.status IN ('draft', 'in_review', 'approved'))), ''), 250000)))
    WHERE d.id = doc;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION document_refresh_search(doc uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE documents d SET
        search_eff = strip(to_tsvector('simple', left(
            lower(d.code_key) || ' ' || regexp_replace(lower(d.code_key), '[^[:alnum:]]+', ' ', 'g') || ' ' || d.title_key || ' ' || coalesce((
                SELECT r.change_key || ' ' || coalesce((
                    SELECT string_agg(f.text_key, ' ') FROM revision_files f
                    WHERE f.revision_id = r.id AND f.replaced_at IS NULL), '')
                FROM revisions r WHERE r.id = d.effective_rev), ''), 250000))),
        search_all = strip(to_tsvector('simple', left(
            lower(d.code_key) || ' ' || regexp_replace(lower(d.code_key), '[^[:alnum:]]+', ' ', 'g') || ' ' || d.title_key || ' ' || coalesce((
                SELECT string_agg(r.change_key, ' ') FROM revisions r WHERE r.document_id = d.id), '') || ' ' || coalesce((
                SELECT string_agg(f.text_key, ' ') FROM revision_files f JOIN revisions r ON r.id = f.revision_id
                WHERE r.document_id = d.id AND f.replaced_at IS NULL
                  AND (r.id = d.effective_rev OR r.status IN ('draft', 'in_review', 'approved'))), ''), 250000)))
    WHERE d.id = doc;
END;
$$;
-- +goose StatementEnd
DROP INDEX revision_files_text_queue;
ALTER TABLE revision_files
    DROP CONSTRAINT revision_files_text_reason,
    DROP COLUMN text_at,
    DROP COLUMN text_claimed_until,
    DROP COLUMN text_tries,
    DROP COLUMN text_reason,
    DROP COLUMN text_state;
