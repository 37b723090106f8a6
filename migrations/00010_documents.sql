-- Document control (ISO 9001 7.5): the register of controlled documents, their versions and
-- how a version travels from draft to effective, review flags, periodic reviews and
-- "read and understood" acknowledgements.

-- +goose Up

-- The kinds of document, with the prefix each organisation numbers them by (QP-007). The six
-- kinds are fixed; their names and prefixes are the organisation's to choose. next_number is
-- the counter the next document of the kind takes: bumping it locks the row, which serialises
-- numbering within a kind.
CREATE TABLE document_types (
    tenant_id   uuid NOT NULL REFERENCES organisations (id),
    id          uuid NOT NULL DEFAULT uuid_v7(),
    kind        text NOT NULL CHECK (kind IN ('policy', 'manual', 'procedure', 'work_instruction', 'form', 'external')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    prefix      text NOT NULL CHECK (prefix ~ '^[A-Z][A-Z0-9]{0,7}$'),
    next_number integer NOT NULL DEFAULT 1 CHECK (next_number >= 1),
    sort_order  integer NOT NULL DEFAULT 0,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX document_types_kind_key ON document_types (tenant_id, kind);
CREATE UNIQUE INDEX document_types_prefix_key ON document_types (tenant_id, prefix);

-- The one list of default types, used here for the organisations that exist and by
-- CreateOrganisation for every new one.
-- +goose StatementBegin
CREATE FUNCTION add_default_document_types(tenant uuid) RETURNS void
    LANGUAGE sql AS $$
    INSERT INTO document_types (tenant_id, kind, name, prefix, sort_order) VALUES
        (tenant, 'policy', 'Policy', 'POL', 1),
        (tenant, 'manual', 'Manual', 'QM', 2),
        (tenant, 'procedure', 'Procedure', 'QP', 3),
        (tenant, 'work_instruction', 'Work instruction', 'WI', 4),
        (tenant, 'form', 'Form or template', 'FRM', 5),
        (tenant, 'external', 'External document', 'EXT', 6)
    ON CONFLICT DO NOTHING
    $$;
-- +goose StatementEnd

-- Before row-level security is switched on, so that the owner running the migration may write
-- every organisation's rows.
SELECT add_default_document_types(id) FROM organisations;
SELECT enable_tenant_rls('document_types');

CREATE TABLE documents (
    tenant_id              uuid NOT NULL REFERENCES organisations (id),
    id                     uuid NOT NULL DEFAULT uuid_v7(),
    number                 text NOT NULL CHECK (length(number) BETWEEN 1 AND 20),
    title                  text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    type_id                uuid NOT NULL,
    process_id             uuid NOT NULL,
    owner_user_id          uuid NOT NULL,
    review_interval_months integer NOT NULL DEFAULT 12 CHECK (review_interval_months BETWEEN 1 AND 60),
    -- Set when a version first becomes effective, pushed on by each new version and each
    -- periodic review.
    next_review_on         date,
    obsoleted_at           timestamptz,
    obsolete_reason        text NOT NULL DEFAULT '' CHECK (length(obsolete_reason) <= 2000),
    version                integer NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    -- Number and title; the effective text is searched through its version (see below).
    search                 tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', number), 'A') || setweight(to_tsvector('english', title), 'A')) STORED,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, type_id) REFERENCES document_types (tenant_id, id),
    FOREIGN KEY (tenant_id, process_id) REFERENCES processes (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_user_id) REFERENCES memberships (tenant_id, user_id)
);
CREATE UNIQUE INDEX documents_number_key ON documents (tenant_id, number);
CREATE INDEX documents_process_idx ON documents (tenant_id, process_id, number);
CREATE INDEX documents_owner_idx ON documents (tenant_id, owner_user_id, number);
CREATE INDEX documents_type_idx ON documents (tenant_id, type_id, number);
CREATE INDEX documents_review_idx ON documents (tenant_id, next_review_on) WHERE obsoleted_at IS NULL;
CREATE INDEX documents_search_idx ON documents USING gin (search);
SELECT enable_tenant_rls('documents');

-- The ISO 9001 clauses a document addresses.
CREATE TABLE document_clauses (
    tenant_id     uuid NOT NULL REFERENCES organisations (id),
    document_id   uuid NOT NULL,
    clause_number text NOT NULL REFERENCES iso_clauses (number),
    PRIMARY KEY (tenant_id, document_id, clause_number),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX document_clauses_clause_idx ON document_clauses (tenant_id, clause_number);
SELECT enable_tenant_rls('document_clauses');

-- A version (revision) of a document. Its text may change only while it is a draft; from
-- approval on the service layer never touches body, change_summary or files again.
-- effective_from/effective_until answer "which version was in force at time T".
CREATE TABLE document_versions (
    tenant_id       uuid NOT NULL REFERENCES organisations (id),
    id              uuid NOT NULL DEFAULT uuid_v7(),
    document_id     uuid NOT NULL,
    revision        integer NOT NULL CHECK (revision >= 1),
    state           text NOT NULL DEFAULT 'draft'
                    CHECK (state IN ('draft', 'in_review', 'approved', 'effective', 'superseded', 'obsolete', 'withdrawn')),
    body            text NOT NULL DEFAULT '' CHECK (length(body) <= 200000),
    change_summary  text NOT NULL DEFAULT '' CHECK (length(change_summary) <= 2000),
    based_on_id     uuid,
    author_id       uuid NOT NULL REFERENCES users (id),
    -- Everyone who changed the draft's content: none of them may approve it.
    editor_ids      uuid[] NOT NULL DEFAULT '{}',
    approver_id     uuid REFERENCES users (id),
    review_round    integer NOT NULL DEFAULT 0,
    submitted_at    timestamptz,
    approved_at     timestamptz,
    approved_by     uuid REFERENCES users (id),
    content_sha256  text CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
    -- The day chosen at approval for the version to take effect; NULL: on approval.
    effective_on    date,
    effective_from  timestamptz,
    effective_until timestamptz,
    withdrawn_at    timestamptz,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    search          tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id),
    FOREIGN KEY (tenant_id, based_on_id) REFERENCES document_versions (tenant_id, id),
    CHECK (effective_until IS NULL OR effective_from IS NOT NULL AND effective_until >= effective_from),
    CHECK (state <> 'effective' OR effective_from IS NOT NULL AND effective_until IS NULL)
);
CREATE UNIQUE INDEX document_versions_revision_key ON document_versions (tenant_id, document_id, revision);
-- At most one version in force, and at most one revision under way, per document: two people
-- acting at once cannot both succeed.
CREATE UNIQUE INDEX document_versions_one_effective ON document_versions (tenant_id, document_id)
    WHERE state = 'effective';
CREATE UNIQUE INDEX document_versions_one_open ON document_versions (tenant_id, document_id)
    WHERE state IN ('draft', 'in_review', 'approved');
CREATE INDEX document_versions_due_idx ON document_versions (tenant_id, effective_on) WHERE state = 'approved';
CREATE INDEX document_versions_approver_idx ON document_versions (tenant_id, approver_id) WHERE state = 'in_review';
CREATE INDEX document_versions_search_idx ON document_versions USING gin (search) WHERE state = 'effective';
SELECT enable_tenant_rls('document_versions');

CREATE TABLE document_version_files (
    tenant_id  uuid NOT NULL REFERENCES organisations (id),
    version_id uuid NOT NULL,
    file_id    uuid NOT NULL,
    PRIMARY KEY (tenant_id, version_id, file_id),
    FOREIGN KEY (tenant_id, version_id) REFERENCES document_versions (tenant_id, id),
    FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id)
);
SELECT enable_tenant_rls('document_version_files');

-- Reviewers named when a version is submitted, per submission round, and their decision.
CREATE TABLE document_version_reviews (
    tenant_id   uuid NOT NULL REFERENCES organisations (id),
    id          uuid NOT NULL DEFAULT uuid_v7(),
    version_id  uuid NOT NULL,
    round       integer NOT NULL CHECK (round >= 1),
    reviewer_id uuid NOT NULL REFERENCES users (id),
    decision    text CHECK (decision IN ('approved', 'changes_requested')),
    comment     text NOT NULL DEFAULT '' CHECK (length(comment) <= 4000),
    decided_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, version_id) REFERENCES document_versions (tenant_id, id)
);
CREATE UNIQUE INDEX document_version_reviews_key ON document_version_reviews (tenant_id, version_id, round, reviewer_id);
CREATE INDEX document_version_reviews_pending_idx ON document_version_reviews (tenant_id, reviewer_id) WHERE decision IS NULL;
SELECT enable_tenant_rls('document_version_reviews');

-- "Review required" flags. The source says who or what raised the flag: a person now; a risk
-- whose exposure rose or an audit finding later. source_path is where the source lives inside
-- the organisation (e.g. risks/<id>), for a link.
CREATE TABLE document_review_flags (
    tenant_id       uuid NOT NULL REFERENCES organisations (id),
    id              uuid NOT NULL DEFAULT uuid_v7(),
    document_id     uuid NOT NULL,
    reason          text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    source_type     text NOT NULL CHECK (source_type ~ '^[a-z][a-z_]{0,30}$'),
    source_id       uuid,
    source_label    text NOT NULL DEFAULT '' CHECK (length(source_label) <= 200),
    source_path     text NOT NULL DEFAULT '' CHECK (source_path ~ '^([a-z0-9-]+(/[A-Za-z0-9-]+)*)?$'),
    raised_by       uuid REFERENCES users (id),
    raised_at       timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    resolved_by     uuid REFERENCES users (id),
    resolution      text CHECK (resolution IN ('revised', 'reviewed_unchanged', 'dismissed')),
    resolution_note text NOT NULL DEFAULT '' CHECK (length(resolution_note) <= 2000),
    version         integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id),
    CHECK ((resolved_at IS NULL) = (resolution IS NULL))
);
CREATE INDEX document_review_flags_open_idx ON document_review_flags (tenant_id, document_id) WHERE resolved_at IS NULL;
SELECT enable_tenant_rls('document_review_flags');

-- Periodic reviews: confirmed unchanged (signed), or a revision started.
CREATE TABLE document_periodic_reviews (
    tenant_id      uuid NOT NULL REFERENCES organisations (id),
    id             uuid NOT NULL DEFAULT uuid_v7(),
    document_id    uuid NOT NULL,
    version_id     uuid NOT NULL,
    outcome        text NOT NULL CHECK (outcome IN ('confirmed', 'revision_started')),
    comment        text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    reviewed_by    uuid NOT NULL REFERENCES users (id),
    reviewed_at    timestamptz NOT NULL DEFAULT now(),
    next_review_on date,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id),
    FOREIGN KEY (tenant_id, version_id) REFERENCES document_versions (tenant_id, id)
);
CREATE INDEX document_periodic_reviews_document_idx ON document_periodic_reviews (tenant_id, document_id, reviewed_at);
SELECT enable_tenant_rls('document_periodic_reviews');
CREATE TRIGGER document_periodic_reviews_immutable BEFORE UPDATE OR DELETE ON document_periodic_reviews
    FOR EACH ROW EXECUTE FUNCTION refuse_row_change();

-- Whom a document concerns: members of a role, the owner of a process, or a named member.
CREATE TABLE document_audiences (
    tenant_id   uuid NOT NULL REFERENCES organisations (id),
    id          uuid NOT NULL DEFAULT uuid_v7(),
    document_id uuid NOT NULL,
    role        text CHECK (role IN ('admin', 'quality_manager', 'process_owner', 'auditor', 'viewer')),
    process_id  uuid,
    user_id     uuid,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id),
    FOREIGN KEY (tenant_id, process_id) REFERENCES processes (tenant_id, id),
    -- A named member who leaves the organisation simply stops being part of the audience.
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE,
    CHECK (num_nonnulls(role, process_id, user_id) = 1)
);
CREATE INDEX document_audiences_document_idx ON document_audiences (tenant_id, document_id);
SELECT enable_tenant_rls('document_audiences');

-- "Read and understood": one row per person and effective version they must read.
CREATE TABLE document_acknowledgements (
    tenant_id       uuid NOT NULL REFERENCES organisations (id),
    id              uuid NOT NULL DEFAULT uuid_v7(),
    document_id     uuid NOT NULL,
    version_id      uuid NOT NULL,
    user_id         uuid NOT NULL REFERENCES users (id),
    assigned_at     timestamptz NOT NULL DEFAULT now(),
    acknowledged_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id),
    FOREIGN KEY (tenant_id, version_id) REFERENCES document_versions (tenant_id, id)
);
CREATE UNIQUE INDEX document_acknowledgements_key ON document_acknowledgements (tenant_id, version_id, user_id);
CREATE INDEX document_acknowledgements_pending_idx ON document_acknowledgements (tenant_id, user_id) WHERE acknowledged_at IS NULL;

SELECT enable_tenant_rls('document_acknowledgements');

GRANT SELECT, INSERT, UPDATE ON document_types, documents, document_versions, document_version_reviews,
    document_review_flags, document_acknowledgements TO plumbline_app;
GRANT SELECT, INSERT, DELETE ON document_clauses, document_version_files, document_audiences TO plumbline_app;
GRANT SELECT, INSERT ON document_periodic_reviews TO plumbline_app;
GRANT EXECUTE ON FUNCTION add_default_document_types(uuid) TO plumbline_app;

-- +goose Down
DROP TABLE document_acknowledgements;
DROP TABLE document_audiences;
DROP TABLE document_periodic_reviews;
DROP TABLE document_review_flags;
DROP TABLE document_version_reviews;
DROP TABLE document_version_files;
DROP TABLE document_versions;
DROP TABLE document_clauses;
DROP TABLE documents;
DROP TABLE document_types;
DROP FUNCTION add_default_document_types(uuid);
