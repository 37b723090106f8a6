-- Record types: the organisation's own list of kinds of record (ISO 9001 7.5, documented
-- information retained as evidence), each with a default retention period. Every
-- organisation starts with the same defaults and its admins edit them from there.

-- +goose Up
CREATE TABLE record_types (
    tenant_id        uuid NOT NULL REFERENCES organisations (id),
    id               uuid NOT NULL DEFAULT uuid_v7(),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    -- The kind decides which type-specific fields a record of this type has (a complaint's
    -- customer and severity, a supplier evaluation's supplier and score, a training's topic
    -- and attendees). Later areas count by kind, e.g. complaints and incidents per process.
    kind             text NOT NULL CHECK (kind IN ('general', 'training', 'complaint', 'feedback', 'supplier_evaluation', 'incident')),
    retention_months integer NOT NULL CHECK (retention_months BETWEEN 1 AND 1200),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    archived_at      timestamptz,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    -- Records reference (tenant_id, id, kind), so a record's kind always matches its type's.
    UNIQUE (tenant_id, id, kind)
);
CREATE UNIQUE INDEX record_types_name_key ON record_types (tenant_id, lower(name));
SELECT enable_tenant_rls('record_types');

-- A type's kind never changes: the records of the type were captured with its fields.
-- +goose StatementBegin
CREATE FUNCTION record_types_keep_kind() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind <> OLD.kind THEN
        RAISE EXCEPTION 'the kind of a record type cannot change' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER record_types_keep_kind BEFORE UPDATE ON record_types
    FOR EACH ROW EXECUTE FUNCTION record_types_keep_kind();

-- The defaults, in one place: used below for the organisations that exist today and by
-- CreateOrganisation for new ones. It runs as the caller, under row-level security, so the
-- caller's transaction must be scoped to the tenant.
-- +goose StatementBegin
CREATE FUNCTION add_default_record_types(tenant uuid) RETURNS void LANGUAGE sql AS $$
    INSERT INTO record_types (tenant_id, name, kind, retention_months, description) VALUES
        (tenant, 'Training', 'training', 72, 'Training sessions, inductions and competence evaluations, with who attended (7.2).'),
        (tenant, 'Inspection / test', 'general', 120, 'Incoming, in-process and final inspection and test results, CMM reports, first-article inspections (8.6).'),
        (tenant, 'Calibration', 'general', 72, 'Calibration and verification of gauges and measuring equipment (7.1.5).'),
        (tenant, 'Customer complaint', 'complaint', 72, 'Complaints from customers, their severity and how they were handled (9.1.2, 10.2).'),
        (tenant, 'Customer feedback', 'feedback', 36, 'Customer satisfaction surveys, scorecards and other feedback (9.1.2).'),
        (tenant, 'Supplier evaluation', 'supplier_evaluation', 72, 'Evaluations and re-evaluations of external providers, with their score (8.4.1).'),
        (tenant, 'Incident', 'incident', 72, 'Incidents and near misses: what happened, where, and how serious it was.'),
        (tenant, 'KPI report', 'general', 36, 'Monthly and quarterly performance reports against quality objectives (9.1.3).'),
        (tenant, 'Meeting minutes', 'general', 120, 'Minutes of management meetings and management reviews (9.3).'),
        (tenant, 'Other', 'general', 36, 'Any other record the organisation decides to retain.')
    ON CONFLICT DO NOTHING
$$;
-- +goose StatementEnd

-- Organisations that exist already get the defaults too. Row-level security is forced even
-- for the owner that runs migrations, so each insert is scoped to its tenant.
-- +goose StatementBegin
DO $$
DECLARE
    org uuid;
BEGIN
    FOR org IN SELECT id FROM organisations LOOP
        PERFORM set_config('app.tenant_id', org::text, true);
        PERFORM add_default_record_types(org);
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END
$$;
-- +goose StatementEnd

GRANT SELECT, INSERT, UPDATE ON record_types TO plumbline_app;
GRANT EXECUTE ON FUNCTION add_default_record_types(uuid) TO plumbline_app;

-- +goose Down
DROP FUNCTION add_default_record_types(uuid);
DROP TABLE record_types;
DROP FUNCTION record_types_keep_kind();
