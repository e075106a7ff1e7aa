-- +goose Up
-- The public holidays are computed from the Labour Code for every year
-- (server/workday); calendar_days now keeps only the exceptions laid over
-- them: the arrangements of the years' notices (source 'published') and the
-- coordinator's changes ('edited'). A 'workday' on the date of a computed
-- holiday cancels it. Named holidays carry a message id (name_id), shown in
-- the reader's language; the coordinator's own names stay in name.
ALTER TABLE calendar_days
    ADD COLUMN source  text NOT NULL DEFAULT 'edited' CHECK (source IN ('published', 'edited')),
    ADD COLUMN name_id text NOT NULL DEFAULT '' CHECK (name_id ~ '^([a-z][a-z0-9_.]{0,63})?$');

-- A calendar change replays the open dossiers in batches by id.
CREATE INDEX dossiers_open_id ON dossiers (id) WHERE status IN ('processing', 'supplement');

-- The days migration 00040 seeded, with the name id each is computed with.
CREATE TEMP TABLE calendar_seed_00040 (day date PRIMARY KEY, kind text, name text, name_id text) ON COMMIT DROP;
INSERT INTO calendar_seed_00040 (day, kind, name, name_id) VALUES
    ('2026-01-01', 'holiday', 'Tết Dương lịch / New Year''s Day', 'holiday.new_year'),
    ('2026-02-16', 'holiday', 'Tết Nguyên đán (29 tháng Chạp) / Lunar New Year', 'holiday.tet_eve'),
    ('2026-02-17', 'holiday', 'Tết Nguyên đán (mùng 1) / Lunar New Year', 'holiday.tet_1'),
    ('2026-02-18', 'holiday', 'Tết Nguyên đán (mùng 2) / Lunar New Year', 'holiday.tet_2'),
    ('2026-02-19', 'holiday', 'Tết Nguyên đán (mùng 3) / Lunar New Year', 'holiday.tet_3'),
    ('2026-02-20', 'holiday', 'Tết Nguyên đán (mùng 4) / Lunar New Year', 'holiday.tet_4'),
    ('2026-04-27', 'holiday', 'Nghỉ bù Giỗ Tổ Hùng Vương / Hùng Kings'' day (compensatory)', 'holiday.comp.hung_kings'),
    ('2026-04-30', 'holiday', 'Ngày Giải phóng miền Nam / Reunification Day', 'holiday.reunification'),
    ('2026-05-01', 'holiday', 'Quốc tế Lao động / Labour Day', 'holiday.labour'),
    ('2026-09-01', 'holiday', 'Quốc khánh (ngày liền kề) / National Day (adjacent day)', 'holiday.national_adjacent'),
    ('2026-09-02', 'holiday', 'Quốc khánh / National Day', 'holiday.national'),
    ('2027-01-01', 'holiday', 'Tết Dương lịch / New Year''s Day', 'holiday.new_year'),
    ('2027-02-05', 'holiday', 'Tết Nguyên đán (29 tháng Chạp) / Lunar New Year', 'holiday.tet_eve'),
    ('2027-02-08', 'holiday', 'Tết Nguyên đán (mùng 3) / Lunar New Year', 'holiday.tet_3'),
    ('2027-02-09', 'holiday', 'Tết Nguyên đán (mùng 4) / Lunar New Year', 'holiday.tet_4'),
    ('2027-02-10', 'holiday', 'Nghỉ bù Tết (mùng 1) / Lunar New Year (compensatory)', 'holiday.comp.tet'),
    ('2027-02-11', 'holiday', 'Nghỉ bù Tết (mùng 2) / Lunar New Year (compensatory)', 'holiday.comp.tet'),
    ('2027-04-16', 'holiday', 'Giỗ Tổ Hùng Vương / Hùng Kings'' day', 'holiday.hung_kings'),
    ('2027-04-30', 'holiday', 'Ngày Giải phóng miền Nam / Reunification Day', 'holiday.reunification'),
    ('2027-05-03', 'holiday', 'Nghỉ bù Quốc tế Lao động / Labour Day (compensatory)', 'holiday.comp.labour'),
    ('2027-09-02', 'holiday', 'Quốc khánh / National Day', 'holiday.national'),
    ('2027-09-03', 'holiday', 'Quốc khánh (ngày liền kề) / National Day (adjacent day)', 'holiday.national_adjacent');

-- The rules compute exactly these days. A seeded day the coordinator
-- removed would come back from the rules: it becomes a cancelling
-- exception instead.
INSERT INTO calendar_days (day, kind, name, source, name_id)
SELECT s.day, 'workday', '', 'edited', 'holiday.not_taken' FROM calendar_seed_00040 s
WHERE NOT EXISTS (SELECT 1 FROM calendar_days c WHERE c.day = s.day);
-- A seeded day left as seeded: 2026 is the published arrangement (kept, as
-- published, with its name id); 2027's is the rules' own (dropped: the
-- rules give it). A day the coordinator renamed stays as edited.
UPDATE calendar_days c SET source = 'published', name = '', name_id = s.name_id
FROM calendar_seed_00040 s WHERE c.day = s.day AND c.kind = s.kind AND c.name = s.name AND s.day < '2027-01-01';
DELETE FROM calendar_days c USING calendar_seed_00040 s
WHERE c.day = s.day AND c.kind = s.kind AND c.name = s.name AND s.day >= '2027-01-01';

-- The published arrangements of 2024 and 2025 for the offices of the
-- state (the labour ministry's notices of the Prime Minister's decisions):
-- every day off of the year and each computed day the arrangement does not
-- give. A day the coordinator already entered is kept.
-- 2024: Tết Giáp Thìn 08/02 (29 Chạp) to 14/02 (mùng 5), the weekend
-- included, so the second computed compensation (15/02) is not given;
-- 30/04-01/05: 27/04 to 01/05 with Monday 29/04 swapped against Saturday
-- 04/05; National Day 31/08 to 03/09.
-- 2025: Tết Ất Tỵ 25/01 to 02/02 (27/01, 28 Chạp, to 31/01, mùng 3, with
-- the weekends), so the computed compensation 03/02 is not given;
-- 30/04-04/05 with Friday 02/05 swapped against Saturday 26/04; National
-- Day 30/08 to 02/09.
INSERT INTO calendar_days (day, kind, name, source, name_id) VALUES
    ('2024-01-01', 'holiday', '', 'published', 'holiday.new_year'),
    ('2024-02-08', 'holiday', '', 'published', 'holiday.tet_extra'),
    ('2024-02-09', 'holiday', '', 'published', 'holiday.tet_eve'),
    ('2024-02-12', 'holiday', '', 'published', 'holiday.tet_3'),
    ('2024-02-13', 'holiday', '', 'published', 'holiday.tet_4'),
    ('2024-02-14', 'holiday', '', 'published', 'holiday.comp.tet'),
    ('2024-02-15', 'workday', '', 'published', 'holiday.not_taken'),
    ('2024-04-18', 'holiday', '', 'published', 'holiday.hung_kings'),
    ('2024-04-29', 'holiday', '', 'published', 'holiday.swap_off'),
    ('2024-04-30', 'holiday', '', 'published', 'holiday.reunification'),
    ('2024-05-01', 'holiday', '', 'published', 'holiday.labour'),
    ('2024-05-04', 'workday', '', 'published', 'holiday.swap_work'),
    ('2024-09-02', 'holiday', '', 'published', 'holiday.national'),
    ('2024-09-03', 'holiday', '', 'published', 'holiday.national_adjacent'),
    ('2025-01-01', 'holiday', '', 'published', 'holiday.new_year'),
    ('2025-01-27', 'holiday', '', 'published', 'holiday.tet_extra'),
    ('2025-01-28', 'holiday', '', 'published', 'holiday.tet_eve'),
    ('2025-01-29', 'holiday', '', 'published', 'holiday.tet_1'),
    ('2025-01-30', 'holiday', '', 'published', 'holiday.tet_2'),
    ('2025-01-31', 'holiday', '', 'published', 'holiday.tet_3'),
    ('2025-02-03', 'workday', '', 'published', 'holiday.not_taken'),
    ('2025-04-07', 'holiday', '', 'published', 'holiday.hung_kings'),
    ('2025-04-26', 'workday', '', 'published', 'holiday.swap_work'),
    ('2025-04-30', 'holiday', '', 'published', 'holiday.reunification'),
    ('2025-05-01', 'holiday', '', 'published', 'holiday.labour'),
    ('2025-05-02', 'holiday', '', 'published', 'holiday.swap_off'),
    ('2025-09-01', 'holiday', '', 'published', 'holiday.national_adjacent'),
    ('2025-09-02', 'holiday', '', 'published', 'holiday.national')
ON CONFLICT (day) DO NOTHING;

-- +goose Down
DROP INDEX dossiers_open_id;
DELETE FROM calendar_days WHERE source = 'published' AND day < '2026-01-01';
DELETE FROM calendar_days WHERE kind = 'workday' AND name_id = 'holiday.not_taken' AND day >= '2026-01-01' AND day < '2028-01-01';
-- The seed of 00040 comes back where nothing else stands.
INSERT INTO calendar_days (day, kind, name) VALUES
    ('2027-01-01', 'holiday', 'Tết Dương lịch / New Year''s Day'),
    ('2027-02-05', 'holiday', 'Tết Nguyên đán (29 tháng Chạp) / Lunar New Year'),
    ('2027-02-08', 'holiday', 'Tết Nguyên đán (mùng 3) / Lunar New Year'),
    ('2027-02-09', 'holiday', 'Tết Nguyên đán (mùng 4) / Lunar New Year'),
    ('2027-02-10', 'holiday', 'Nghỉ bù Tết (mùng 1) / Lunar New Year (compensatory)'),
    ('2027-02-11', 'holiday', 'Nghỉ bù Tết (mùng 2) / Lunar New Year (compensatory)'),
    ('2027-04-16', 'holiday', 'Giỗ Tổ Hùng Vương / Hùng Kings'' day'),
    ('2027-04-30', 'holiday', 'Ngày Giải phóng miền Nam / Reunification Day'),
    ('2027-05-03', 'holiday', 'Nghỉ bù Quốc tế Lao động / Labour Day (compensatory)'),
    ('2027-09-02', 'holiday', 'Quốc khánh / National Day'),
    ('2027-09-03', 'holiday', 'Quốc khánh (ngày liền kề) / National Day (adjacent day)')
ON CONFLICT (day) DO NOTHING;
UPDATE calendar_days SET name = CASE name_id
        WHEN 'holiday.new_year' THEN 'Tết Dương lịch / New Year''s Day'
        WHEN 'holiday.tet_eve' THEN 'Tết Nguyên đán (29 tháng Chạp) / Lunar New Year'
        WHEN 'holiday.tet_1' THEN 'Tết Nguyên đán (mùng 1) / Lunar New Year'
        WHEN 'holiday.tet_2' THEN 'Tết Nguyên đán (mùng 2) / Lunar New Year'
        WHEN 'holiday.tet_3' THEN 'Tết Nguyên đán (mùng 3) / Lunar New Year'
        WHEN 'holiday.tet_4' THEN 'Tết Nguyên đán (mùng 4) / Lunar New Year'
        WHEN 'holiday.comp.hung_kings' THEN 'Nghỉ bù Giỗ Tổ Hùng Vương / Hùng Kings'' day (compensatory)'
        WHEN 'holiday.reunification' THEN 'Ngày Giải phóng miền Nam / Reunification Day'
        WHEN 'holiday.labour' THEN 'Quốc tế Lao động / Labour Day'
        WHEN 'holiday.national_adjacent' THEN 'Quốc khánh (ngày liền kề) / National Day (adjacent day)'
        WHEN 'holiday.national' THEN 'Quốc khánh / National Day'
        ELSE name_id END
    WHERE source = 'published' AND name = '';
ALTER TABLE calendar_days DROP COLUMN name_id, DROP COLUMN source;
