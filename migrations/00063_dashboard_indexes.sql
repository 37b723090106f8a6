-- Indexes that hold everything the organisation home's counts read, so each count is a walk
-- of one index of the organisation without visiting the rows:
--   the heat map and bands: active risks with their exposure, severity and band;
--   CAPA ageing and CAPAs awaiting their check: open CAPAs with when they opened (keyed by
--   id, so that work lists that join open CAPAs find each one in it too);
--   the audit programme's coverage: internal audits by the day they start (the actual start
--   once known, else the planned one), for the year's range. That day is a stored column:
--   row-level security lets only leakproof conditions reach an index before the tenant
--   check, and a COALESCE in the condition is not one.

-- +goose Up
CREATE INDEX risks_heat_idx ON risks (tenant_id, site_id)
    INCLUDE (exposure, residual_severity, exposure_band) WHERE status = 'active';
CREATE INDEX capas_open_idx ON capas (tenant_id, id)
    INCLUDE (site_id, opened_at, status) WHERE status <> 'closed';
ALTER TABLE audits ADD COLUMN starts_on date
    GENERATED ALWAYS AS (coalesce(actual_start, planned_start)) STORED;
CREATE INDEX audits_internal_start_idx ON audits (tenant_id, starts_on) WHERE type = 'internal';

-- +goose Down
DROP INDEX audits_internal_start_idx;
ALTER TABLE audits DROP COLUMN starts_on;
DROP INDEX capas_open_idx;
DROP INDEX risks_heat_idx;
