-- Controlled documents as audit criteria, and evidence links to documents and records: the
-- two kinds 00032 left for when document control and records existed.

-- +goose Up
-- The documents an audit checks against besides the clauses of ISO 9001 (procedures, work
-- instructions, a customer's quality manual). The version that counts is the one in force at
-- the audit, worked out when it is shown, so that a plan made months ahead stays right.
CREATE TABLE audit_documents (
    tenant_id   uuid NOT NULL REFERENCES organisations (id),
    audit_id    uuid NOT NULL,
    document_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, audit_id, document_id),
    FOREIGN KEY (tenant_id, audit_id) REFERENCES audits (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX audit_documents_document_idx ON audit_documents (tenant_id, document_id);
SELECT enable_tenant_rls('audit_documents');

-- A record link names the record and the revision that was current when it was linked; a
-- revision belongs to its record, which this key lets the link's foreign key check.
ALTER TABLE record_revisions ADD CONSTRAINT record_revisions_record_id_id_key UNIQUE (tenant_id, record_id, id);

-- A document link names the version in force at the audit (or when the finding was raised),
-- never the document alone: a later revision must not change what the auditor saw. Disposal
-- of a record at the end of its retention removes its revisions; the link then keeps the
-- record's tombstone.
ALTER TABLE evidence_links
    ADD COLUMN document_version_id uuid,
    ADD COLUMN record_id uuid,
    ADD COLUMN record_revision_id uuid,
    ADD FOREIGN KEY (tenant_id, document_version_id) REFERENCES document_versions (tenant_id, id),
    ADD FOREIGN KEY (tenant_id, record_id) REFERENCES records (tenant_id, id),
    ADD CONSTRAINT evidence_links_record_revision_fkey FOREIGN KEY (tenant_id, record_id, record_revision_id)
        REFERENCES record_revisions (tenant_id, record_id, id) ON DELETE SET NULL (record_revision_id),
    DROP CONSTRAINT evidence_links_kind_check,
    ADD CONSTRAINT evidence_links_kind_check CHECK (kind IN ('file', 'reference', 'document_version', 'record')),
    ADD CHECK (kind <> 'document_version' OR (document_version_id IS NOT NULL AND file_id IS NULL AND record_id IS NULL AND reference = '')),
    ADD CHECK (kind <> 'record' OR (record_id IS NOT NULL AND file_id IS NULL AND document_version_id IS NULL AND reference = '')),
    ADD CHECK (kind IN ('document_version', 'record') OR (document_version_id IS NULL AND record_id IS NULL AND record_revision_id IS NULL));
CREATE INDEX evidence_links_version_idx ON evidence_links (tenant_id, document_version_id) WHERE document_version_id IS NOT NULL;
CREATE INDEX evidence_links_record_idx ON evidence_links (tenant_id, record_id) WHERE record_id IS NOT NULL;

GRANT SELECT, INSERT, DELETE ON audit_documents TO plumbline_app;

-- +goose Down
DELETE FROM evidence_links WHERE kind IN ('document_version', 'record');
ALTER TABLE evidence_links
    DROP COLUMN document_version_id,
    DROP COLUMN record_id,
    DROP COLUMN record_revision_id,
    DROP CONSTRAINT evidence_links_kind_check,
    ADD CONSTRAINT evidence_links_kind_check CHECK (kind IN ('file', 'reference'));
ALTER TABLE record_revisions DROP CONSTRAINT record_revisions_record_id_id_key;
DROP TABLE audit_documents;
