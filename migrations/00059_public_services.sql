-- +goose Up
-- What the public reads of each administrative procedure (issue 13): the
-- fee, the papers to bring, the legal basis and the forms to download (codes
-- of controlled documents, served from their effective public revision), in
-- Vietnamese and English; and the code a citizen looks a dossier up with.

ALTER TABLE services
    ADD COLUMN has_fee         boolean NOT NULL DEFAULT false,
    ADD COLUMN fee_amount      bigint CHECK (fee_amount >= 0),
    ADD COLUMN fee_vi          text NOT NULL DEFAULT '' CHECK (length(fee_vi) <= 500),
    ADD COLUMN fee_en          text NOT NULL DEFAULT '' CHECK (length(fee_en) <= 500),
    ADD COLUMN papers          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(papers) = 'array'),
    ADD COLUMN legal_basis_vi  text NOT NULL DEFAULT '' CHECK (length(legal_basis_vi) <= 4000),
    ADD COLUMN legal_basis_en  text NOT NULL DEFAULT '' CHECK (length(legal_basis_en) <= 4000),
    ADD COLUMN forms           jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(forms) = 'array'),
    ADD CONSTRAINT services_fee_consistent CHECK (has_fee OR (fee_amount IS NULL AND fee_vi = '' AND fee_en = ''));

-- The same statement is in the one-stop desk's migration, which prints the
-- code on the receipt: whichever runs first adds it.
ALTER TABLE dossiers ADD COLUMN IF NOT EXISTS lookup_code text NOT NULL DEFAULT upper(substr(md5(random()::text),1,8));

-- +goose Down
-- lookup_code stays: the desk's receipts print it.
ALTER TABLE services
    DROP CONSTRAINT services_fee_consistent,
    DROP COLUMN forms,
    DROP COLUMN legal_basis_en,
    DROP COLUMN legal_basis_vi,
    DROP COLUMN papers,
    DROP COLUMN fee_en,
    DROP COLUMN fee_vi,
    DROP COLUMN fee_amount,
    DROP COLUMN has_fee;
