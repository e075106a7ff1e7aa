-- +goose Up
-- A tsvector holds at most 1 MiB: several large attachments with many
-- distinct words overflowed it and made the upload fail. The text fed to
-- each vector is now capped (code, title and change descriptions first, so
-- a cut only shortens file text), and positions are stripped: search never
-- ranks by them.
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION document_refresh_search(doc uuid) RETURNS void LANGUAGE plpgsql AS $$
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
