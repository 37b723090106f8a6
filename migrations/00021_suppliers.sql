-- The supplier register (ISO 9001 8.4): external providers, what they supply, whether they are
-- approved, and who to call. Their evaluations are records of kind supplier_evaluation.

-- +goose Up
CREATE TABLE suppliers (
    tenant_id       uuid NOT NULL REFERENCES organisations (id),
    id              uuid NOT NULL DEFAULT uuid_v7(),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 160),
    supplies        text NOT NULL DEFAULT '' CHECK (length(supplies) <= 500),
    approval_status text NOT NULL DEFAULT 'pending'
                    CHECK (approval_status IN ('pending', 'approved', 'conditional', 'not_approved')),
    -- The process the supplier serves, so what happens with them can count against it.
    process_id      uuid,
    contact_name    text NOT NULL DEFAULT '' CHECK (length(contact_name) <= 120),
    contact_email   text NOT NULL DEFAULT '' CHECK (length(contact_email) <= 254),
    contact_phone   text NOT NULL DEFAULT '' CHECK (length(contact_phone) <= 40),
    notes           text NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
    archived_at     timestamptz,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, process_id) REFERENCES processes (tenant_id, id)
);
CREATE UNIQUE INDEX suppliers_name_key ON suppliers (tenant_id, lower(name));
CREATE INDEX suppliers_process_idx ON suppliers (tenant_id, process_id);
SELECT enable_tenant_rls('suppliers');

GRANT SELECT, INSERT, UPDATE ON suppliers TO plumbline_app;

-- +goose Down
DROP TABLE suppliers;
