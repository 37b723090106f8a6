-- The risk and opportunity register (ISO 9001 6.1) and live exposure. A risk is assessed
-- before and after controls; its current exposure is the residual score plus signals from
-- what is happening now (internal/qms/exposure.go owns that rule), stored here with every
-- change and its reasons.

-- +goose Up
-- Risk numbers (RSK-014) per organisation; the counter only grows.
CREATE TABLE risk_ref_counters (
    tenant_id uuid PRIMARY KEY REFERENCES organisations (id),
    last_ref  integer NOT NULL CHECK (last_ref >= 0)
);
SELECT enable_tenant_rls('risk_ref_counters');

CREATE TABLE risks (
    tenant_id           uuid NOT NULL REFERENCES organisations (id),
    id                  uuid NOT NULL DEFAULT uuid_v7(),
    ref                 integer NOT NULL CHECK (ref > 0),
    kind                text NOT NULL DEFAULT 'risk' CHECK (kind IN ('risk', 'opportunity')),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description         text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    cause               text NOT NULL DEFAULT '' CHECK (length(cause) <= 4000),
    consequence         text NOT NULL DEFAULT '' CHECK (length(consequence) <= 4000),
    process_id          uuid NOT NULL,
    site_id             uuid,
    owner_id            uuid NOT NULL,
    inherent_likelihood integer NOT NULL CHECK (inherent_likelihood BETWEEN 1 AND 5),
    inherent_severity   integer NOT NULL CHECK (inherent_severity BETWEEN 1 AND 5),
    existing_controls   text NOT NULL DEFAULT '' CHECK (length(existing_controls) <= 4000),
    residual_likelihood integer NOT NULL CHECK (residual_likelihood BETWEEN 1 AND 5),
    residual_severity   integer NOT NULL CHECK (residual_severity BETWEEN 1 AND 5),
    treatment           text NOT NULL CHECK (treatment IN ('reduce', 'accept', 'avoid', 'transfer', 'pursue', 'not_pursue')),
    treatment_plan      text NOT NULL DEFAULT '' CHECK (length(treatment_plan) <= 4000),
    review_date         date NOT NULL,
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    -- Current exposure (1..25) and its band, kept by the exposure rule in the same transaction
    -- as every change that moves them, so the register can filter and sort in SQL.
    exposure            integer NOT NULL CHECK (exposure BETWEEN 1 AND 25),
    exposure_band       text NOT NULL CHECK (exposure_band IN ('low', 'medium', 'high', 'critical')),
    exposure_updated_at timestamptz NOT NULL DEFAULT now(),
    created_by          uuid NOT NULL REFERENCES users (id),
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, ref),
    FOREIGN KEY (tenant_id, process_id) REFERENCES processes (tenant_id, id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES memberships (tenant_id, user_id),
    CHECK ((kind = 'opportunity') = (treatment IN ('pursue', 'not_pursue')))
);
CREATE INDEX risks_exposure_idx ON risks (tenant_id, exposure DESC, ref) WHERE status = 'active';
CREATE INDEX risks_process_idx ON risks (tenant_id, process_id) WHERE status = 'active';
CREATE INDEX risks_owner_idx ON risks (tenant_id, owner_id) WHERE status = 'active';
SELECT enable_tenant_rls('risks');

-- The controlled documents that write a risk's controls down; they are flagged for review
-- when the risk's exposure rises a band.
CREATE TABLE risk_documents (
    tenant_id   uuid NOT NULL REFERENCES organisations (id),
    risk_id     uuid NOT NULL,
    document_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, risk_id, document_id),
    FOREIGN KEY (tenant_id, risk_id) REFERENCES risks (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX risk_documents_document_idx ON risk_documents (tenant_id, document_id);
SELECT enable_tenant_rls('risk_documents');

-- Findings linked to a risk directly (besides the findings on its process).
CREATE TABLE risk_findings (
    tenant_id  uuid NOT NULL REFERENCES organisations (id),
    risk_id    uuid NOT NULL,
    finding_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, risk_id, finding_id),
    FOREIGN KEY (tenant_id, risk_id) REFERENCES risks (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id)
);
CREATE INDEX risk_findings_finding_idx ON risk_findings (tenant_id, finding_id);
SELECT enable_tenant_rls('risk_findings');

-- How much each signal adds to exposure. Every organisation gets the defaults; admins see and
-- change them.
CREATE TABLE exposure_weights (
    tenant_id  uuid NOT NULL REFERENCES organisations (id),
    signal     text NOT NULL CHECK (signal IN ('major_nc', 'minor_nc', 'observation', 'recurrence', 'failed_check', 'overdue_action', 'complaint', 'incident')),
    weight     integer NOT NULL CHECK (weight BETWEEN 0 AND 25),
    updated_by uuid REFERENCES users (id),
    version    integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, signal)
);
SELECT enable_tenant_rls('exposure_weights');

-- +goose StatementBegin
CREATE FUNCTION add_default_exposure_weights(org uuid) RETURNS void LANGUAGE sql AS $$
    INSERT INTO exposure_weights (tenant_id, signal, weight)
    VALUES (org, 'major_nc', 6), (org, 'minor_nc', 3), (org, 'observation', 1),
           (org, 'recurrence', 4), (org, 'failed_check', 4), (org, 'overdue_action', 2),
           (org, 'complaint', 2), (org, 'incident', 2)
    ON CONFLICT DO NOTHING;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
    org uuid;
BEGIN
    FOR org IN SELECT id FROM organisations LOOP
        PERFORM set_config('app.tenant_id', org::text, true);
        PERFORM add_default_exposure_weights(org);
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END
$$;
-- +goose StatementEnd

-- Every change of a risk's exposure: when, from what to what, what caused the re-score, and
-- the signals behind the new score (a JSON array of {signal, weight, label, path}).
CREATE TABLE risk_exposure_history (
    tenant_id uuid NOT NULL REFERENCES organisations (id),
    id        uuid NOT NULL DEFAULT uuid_v7(),
    risk_id   uuid NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    old_score integer CHECK (old_score BETWEEN 1 AND 25),
    new_score integer NOT NULL CHECK (new_score BETWEEN 1 AND 25),
    old_band  text CHECK (old_band IN ('low', 'medium', 'high', 'critical')),
    new_band  text NOT NULL CHECK (new_band IN ('low', 'medium', 'high', 'critical')),
    cause     text NOT NULL CHECK (length(cause) BETWEEN 1 AND 500),
    reasons   jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, risk_id) REFERENCES risks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX risk_exposure_history_risk_idx ON risk_exposure_history (tenant_id, risk_id, at);
CREATE INDEX risk_exposure_history_at_idx ON risk_exposure_history (tenant_id, at);
SELECT enable_tenant_rls('risk_exposure_history');

GRANT SELECT, INSERT, UPDATE ON risk_ref_counters, risks, exposure_weights TO plumbline_app;
GRANT SELECT, INSERT, DELETE ON risk_documents, risk_findings TO plumbline_app;
GRANT SELECT, INSERT ON risk_exposure_history TO plumbline_app;
GRANT EXECUTE ON FUNCTION add_default_exposure_weights(uuid) TO plumbline_app;

-- +goose Down
DROP TABLE risk_exposure_history;
DROP FUNCTION add_default_exposure_weights(uuid);
DROP TABLE exposure_weights;
DROP TABLE risk_findings;
DROP TABLE risk_documents;
DROP TABLE risks;
DROP TABLE risk_ref_counters;
