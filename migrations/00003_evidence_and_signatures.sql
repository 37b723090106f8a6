-- Evidence files and electronic signatures, shared by documents, records, audits, CAPAs and
-- management reviews.

-- +goose Up
-- One row per upload: who uploaded what, when, under which name. The bytes are stored once per
-- organisation under their SHA-256 (internal/evidence), so identical uploads share storage and
-- nothing is ever overwritten. Rows are never updated or deleted.
CREATE TABLE files (
    tenant_id    uuid NOT NULL REFERENCES organisations (id),
    id           uuid NOT NULL DEFAULT uuid_v7(),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    content_type text NOT NULL,
    filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    uploaded_by  uuid REFERENCES users (id),
    uploaded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX files_sha256_idx ON files (tenant_id, sha256);
SELECT enable_tenant_rls('files');

-- An electronic signature: the signer re-entered their password, chose what the signature
-- means, and the hash of exactly what was signed is kept with it (DESIGN.md §3).
CREATE TABLE signatures (
    tenant_id      uuid NOT NULL REFERENCES organisations (id),
    id             uuid NOT NULL DEFAULT uuid_v7(),
    entity_type    text NOT NULL,
    entity_id      uuid NOT NULL,
    meaning        text NOT NULL CHECK (length(meaning) BETWEEN 1 AND 80),
    signer_id      uuid NOT NULL REFERENCES users (id),
    signer_name    text NOT NULL,
    content_sha256 text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
    comment        text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    signed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX signatures_entity_idx ON signatures (tenant_id, entity_type, entity_id, signed_at);
SELECT enable_tenant_rls('signatures');

-- +goose StatementBegin
CREATE FUNCTION refuse_row_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows cannot be changed or removed: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER files_immutable BEFORE UPDATE OR DELETE ON files
    FOR EACH ROW EXECUTE FUNCTION refuse_row_change();
CREATE TRIGGER signatures_immutable BEFORE UPDATE OR DELETE ON signatures
    FOR EACH ROW EXECUTE FUNCTION refuse_row_change();

GRANT SELECT, INSERT ON files, signatures TO plumbline_app;

-- +goose Down
DROP TABLE signatures;
DROP TABLE files;
DROP FUNCTION refuse_row_change();
