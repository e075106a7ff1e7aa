-- +goose Up
-- A nonconformity qmstrack raises itself (a late dossier, an audit finding)
-- keeps its generated title and description as messages (id and typed
-- arguments), rendered in the reader's language where they are shown;
-- title and description keep their rendering in the office's language
-- (Vietnamese) for search and for programs. Rows written before this change
-- held both languages in one text: they are rewritten to one language, the
-- late dossier's title becoming a message again.
ALTER TABLE ncs ADD COLUMN title_msg jsonb, ADD COLUMN description_msg jsonb;

UPDATE ncs SET
    title_msg = jsonb_build_object('id', 'Late dossier %s',
        'args', jsonb_build_array(jsonb_build_object('s', substr(title, length('Hồ sơ trễ hạn / Late dossier ') + 1)))),
    title = 'Hồ sơ trễ hạn ' || substr(title, length('Hồ sơ trễ hạn / Late dossier ') + 1)
WHERE title LIKE 'Hồ sơ trễ hạn / Late dossier %';

UPDATE ncs SET description = regexp_replace(description, E'\nLate dossier [^\n]*$', '')
WHERE source = 'process' AND description ~ E'\nLate dossier [^\n]*$';

UPDATE ncs SET description = replace(replace(description,
        E'\n\nBằng chứng / Evidence:\n', E'\n\nBằng chứng:\n'),
        E'\n\nĐánh giá nội bộ / Internal audit ', E'\n\nĐánh giá nội bộ ')
WHERE source = 'internal_audit' AND description LIKE '%/ Internal audit %';

-- A record filed by qmstrack itself (an audit report, meeting minutes)
-- keeps its title as a message the same way.
ALTER TABLE records ADD COLUMN title_msg jsonb;

UPDATE records SET
    title_msg = jsonb_build_object('id', 'Minutes: %s',
        'args', jsonb_build_array(jsonb_build_object('s', substr(title, length('Biên bản họp / Minutes: ') + 1)))),
    title = 'Biên bản họp: ' || substr(title, length('Biên bản họp / Minutes: ') + 1)
WHERE title LIKE 'Biên bản họp / Minutes: %';

UPDATE records SET
    title_msg = jsonb_build_object('id', 'Internal audit report %s',
        'args', jsonb_build_array(jsonb_build_object('s', substring(title FROM ' / Internal audit report (.*)$')))),
    title = 'Báo cáo đánh giá nội bộ ' || substring(title FROM ' / Internal audit report (.*)$')
WHERE title ~ '^Báo cáo đánh giá nội bộ .* / Internal audit report .*$';

-- +goose Down
UPDATE records SET title = 'Biên bản họp / Minutes: ' || (title_msg -> 'args' -> 0 ->> 's')
WHERE title_msg ->> 'id' = 'Minutes: %s';
UPDATE records SET title = 'Báo cáo đánh giá nội bộ ' || (title_msg -> 'args' -> 0 ->> 's') || ' / Internal audit report ' || (title_msg -> 'args' -> 0 ->> 's')
WHERE title_msg ->> 'id' = 'Internal audit report %s';
ALTER TABLE records DROP COLUMN title_msg;

UPDATE ncs SET title = 'Hồ sơ trễ hạn / Late dossier ' || (title_msg -> 'args' -> 0 ->> 's')
WHERE title_msg ->> 'id' = 'Late dossier %s';

UPDATE ncs SET description = replace(replace(description,
        E'\n\nBằng chứng:\n', E'\n\nBằng chứng / Evidence:\n'),
        E'\n\nĐánh giá nội bộ ', E'\n\nĐánh giá nội bộ / Internal audit ')
WHERE source = 'internal_audit';

ALTER TABLE ncs DROP COLUMN description_msg, DROP COLUMN title_msg;
