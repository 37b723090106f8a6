-- Quality objectives (ISO 9001 6.2) and their measurements over time.

-- +goose Up
-- An objective: what is aimed for, who answers for it, and how it is measured. status,
-- status_reason, latest_value and latest_period are derived from the measurements by the one
-- rule in internal/qms (objective_status.go) and rewritten in the same transaction as every
-- change that can move them, so the list can filter and page by status in SQL.
CREATE TABLE objectives (
    tenant_id     uuid NOT NULL REFERENCES organisations (id),
    id            uuid NOT NULL DEFAULT uuid_v7(),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 160),
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    owner_user_id uuid NOT NULL,
    process_id    uuid NOT NULL,
    site_id       uuid,
    clause        text NOT NULL DEFAULT '6.2' REFERENCES iso_clauses (number),
    target_value  numeric NOT NULL,
    unit          text NOT NULL DEFAULT '' CHECK (length(unit) <= 20),
    direction     text NOT NULL CHECK (direction IN ('at_least', 'at_most')),
    -- How far a value may miss the target and still count as "at risk" rather than "off
    -- track", in the target's unit.
    tolerance     numeric NOT NULL DEFAULT 0 CHECK (tolerance >= 0),
    frequency     text NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'half_yearly', 'yearly')),
    -- 'manual', or the key of a computed source registered in internal/qms (kpi_sources.go).
    source        text NOT NULL DEFAULT 'manual' CHECK (source ~ '^[a-z][a-z0-9_]{0,39}$'),
    start_date    date NOT NULL,
    review_date   date NOT NULL CHECK (review_date >= start_date),
    status        text NOT NULL DEFAULT 'no_data' CHECK (status IN ('no_data', 'on_track', 'at_risk', 'off_track')),
    status_reason text NOT NULL DEFAULT '',
    latest_value  numeric,
    latest_period date,
    archived_at   timestamptz,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_user_id) REFERENCES memberships (tenant_id, user_id),
    FOREIGN KEY (tenant_id, process_id) REFERENCES processes (tenant_id, id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id)
);
-- The list is ordered by title and paged by it (keyset), which this unique index serves.
CREATE UNIQUE INDEX objectives_title_key ON objectives (tenant_id, lower(title));
CREATE INDEX objectives_process_idx ON objectives (tenant_id, process_id);
CREATE INDEX objectives_owner_idx ON objectives (tenant_id, owner_user_id);
CREATE INDEX objectives_status_idx ON objectives (tenant_id, status) WHERE archived_at IS NULL;
SELECT enable_tenant_rls('objectives');

-- One value per objective and period. A period is named by its first day (1 Nov 2026 for
-- November, 1 Jul 2026 for Q3). A correction updates the row under a version check; the
-- audit trail keeps every earlier value with who changed it and why.
CREATE TABLE objective_measurements (
    tenant_id        uuid NOT NULL REFERENCES organisations (id),
    id               uuid NOT NULL DEFAULT uuid_v7(),
    objective_id     uuid NOT NULL,
    period_start     date NOT NULL,
    value            numeric NOT NULL,
    note             text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    origin           text NOT NULL CHECK (origin IN ('manual', 'import', 'computed')),
    -- The CSV file a value was imported from, kept as evidence.
    import_file_id   uuid,
    recorded_by      uuid REFERENCES users (id),
    recorded_by_name text NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    corrected_by_name text,
    corrected_at     timestamptz,
    version          integer NOT NULL DEFAULT 1,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, objective_id) REFERENCES objectives (tenant_id, id),
    FOREIGN KEY (tenant_id, import_file_id) REFERENCES files (tenant_id, id),
    CHECK ((origin = 'import') = (import_file_id IS NOT NULL))
);
-- Also the index behind "this objective's measurements in period order".
CREATE UNIQUE INDEX objective_measurements_period_key ON objective_measurements (tenant_id, objective_id, period_start);
SELECT enable_tenant_rls('objective_measurements');

GRANT SELECT, INSERT, UPDATE ON objectives, objective_measurements TO plumbline_app;

-- +goose Down
DROP TABLE objective_measurements;
DROP TABLE objectives;
