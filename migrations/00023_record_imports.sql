-- Bulk imports of records from CSV. The uploaded file is kept as evidence (files), checked
-- row by row in the background, and imported in one transaction only if every row is valid.

-- +goose Up
CREATE TABLE record_imports (
    tenant_id       uuid NOT NULL REFERENCES organisations (id),
    id              uuid NOT NULL DEFAULT uuid_v7(),
    file_id         uuid NOT NULL,
    filename        text NOT NULL,
    -- queued → checking → importing → done, or failed (rows with problems, or a file that
    -- cannot be read). A server restart resumes imports that were under way.
    state           text NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'checking', 'importing', 'done', 'failed')),
    finalise        boolean NOT NULL DEFAULT false,
    total_bytes     bigint NOT NULL CHECK (total_bytes >= 0),
    bytes_checked   bigint NOT NULL DEFAULT 0 CHECK (bytes_checked >= 0),
    rows_checked    integer NOT NULL DEFAULT 0 CHECK (rows_checked >= 0),
    rows_bad        integer NOT NULL DEFAULT 0 CHECK (rows_bad >= 0),
    rows_imported   integer NOT NULL DEFAULT 0 CHECK (rows_imported >= 0),
    first_ref       integer,
    last_ref        integer,
    message         text NOT NULL DEFAULT '',
    created_by      uuid NOT NULL REFERENCES users (id),
    created_by_name text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id)
);
CREATE INDEX record_imports_created_idx ON record_imports (tenant_id, created_at DESC);
CREATE INDEX record_imports_unfinished_idx ON record_imports (tenant_id) WHERE state IN ('queued', 'checking', 'importing');
SELECT enable_tenant_rls('record_imports');

-- One row per problem found: the line of the CSV file, the column, and what is wrong.
CREATE TABLE record_import_problems (
    tenant_id uuid NOT NULL REFERENCES organisations (id),
    id        uuid NOT NULL DEFAULT uuid_v7(),
    import_id uuid NOT NULL,
    line      integer NOT NULL CHECK (line >= 1),
    field     text NOT NULL DEFAULT '',
    message   text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, import_id) REFERENCES record_imports (tenant_id, id)
);
CREATE INDEX record_import_problems_import_idx ON record_import_problems (tenant_id, import_id, line);
SELECT enable_tenant_rls('record_import_problems');

GRANT SELECT, INSERT, UPDATE ON record_imports TO plumbline_app;
GRANT SELECT, INSERT, DELETE ON record_import_problems TO plumbline_app;

-- +goose Down
DROP TABLE record_import_problems;
DROP TABLE record_imports;
