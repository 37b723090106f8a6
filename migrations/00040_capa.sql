-- Corrective and preventive action (ISO 9001 10.2). A CAPA answers one or more findings (or
-- stands on its own): the problem, containment, the root cause as a chain of whys, the
-- actions, and an effectiveness check by someone other than its owner. It closes only on a
-- check recorded as effective and signed; a check recorded as not effective reopens it for a
-- new round of actions.

-- +goose Up
ALTER TABLE audit_numbering DROP CONSTRAINT audit_numbering_series_check;
ALTER TABLE audit_numbering ADD CONSTRAINT audit_numbering_series_check
    CHECK (series IN ('IA', 'SA', 'EA', 'F', 'CA', 'MR'));

-- What a nonconformity needs before it may close without a CAPA: a correction (what was done
-- about the instance found) and a decision whether a CAPA is needed, with its reason.
ALTER TABLE findings
    ADD COLUMN correction           text NOT NULL DEFAULT '' CHECK (length(correction) <= 4000),
    ADD COLUMN correction_at        timestamptz,
    ADD COLUMN capa_decision        text CHECK (capa_decision IN ('required', 'not_required')),
    ADD COLUMN capa_decision_reason text NOT NULL DEFAULT '' CHECK (length(capa_decision_reason) <= 2000),
    ADD COLUMN capa_decided_by      uuid REFERENCES users (id),
    ADD COLUMN capa_decided_at      timestamptz,
    -- Set when an earlier nonconformity on the same process and clause (or a failed
    -- effectiveness check) shows the problem has come back; see finding_recurrences.
    ADD COLUMN recurring            boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT findings_capa_decided_check CHECK ((capa_decision IS NULL) = (capa_decided_at IS NULL));
CREATE INDEX findings_recurring_idx ON findings (tenant_id, raised_at DESC) WHERE recurring;
CREATE INDEX findings_process_clause_idx ON findings (tenant_id, process_id, clause_number, raised_at)
    WHERE classification IN ('major_nc', 'minor_nc');

-- Why a finding counts as recurring: the earlier finding it repeats.
CREATE TABLE finding_recurrences (
    tenant_id          uuid NOT NULL REFERENCES organisations (id),
    finding_id         uuid NOT NULL,
    earlier_finding_id uuid NOT NULL,
    reason             text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    detected_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, finding_id, earlier_finding_id),
    FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id),
    FOREIGN KEY (tenant_id, earlier_finding_id) REFERENCES findings (tenant_id, id),
    CHECK (finding_id <> earlier_finding_id)
);
CREATE INDEX finding_recurrences_earlier_idx ON finding_recurrences (tenant_id, earlier_finding_id);
SELECT enable_tenant_rls('finding_recurrences');

CREATE TABLE capas (
    tenant_id           uuid NOT NULL REFERENCES organisations (id),
    id                  uuid NOT NULL DEFAULT uuid_v7(),
    reference           text NOT NULL,
    year                integer NOT NULL,
    seq                 integer NOT NULL,
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    problem_statement   text NOT NULL CHECK (length(problem_statement) BETWEEN 1 AND 8000),
    containment         text NOT NULL DEFAULT '' CHECK (length(containment) <= 8000),
    -- Root cause: the whys are in capa_whys; the summary and category are what trends use.
    root_cause          text NOT NULL DEFAULT '' CHECK (length(root_cause) <= 4000),
    root_cause_category text CHECK (root_cause_category IN ('people', 'method', 'machine', 'material', 'measurement', 'environment', 'supplier', 'design', 'management')),
    process_id          uuid NOT NULL,
    site_id             uuid,
    owner_id            uuid NOT NULL,
    -- Who verifies effectiveness: never the owner.
    verifier_id         uuid NOT NULL,
    -- open: analysing and acting; awaiting_check: every action of the round is done;
    -- closed: verified effective and signed.
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'awaiting_check', 'closed')),
    -- Each failed effectiveness check starts a new round of actions.
    round               integer NOT NULL DEFAULT 1 CHECK (round >= 1),
    opened_at           timestamptz NOT NULL DEFAULT now(),
    closed_at           timestamptz,
    closed_by           uuid REFERENCES users (id),
    created_by          uuid NOT NULL REFERENCES users (id),
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, process_id) REFERENCES processes (tenant_id, id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES memberships (tenant_id, user_id),
    FOREIGN KEY (tenant_id, verifier_id) REFERENCES memberships (tenant_id, user_id),
    CHECK (verifier_id <> owner_id),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL AND closed_by IS NOT NULL))
);
CREATE UNIQUE INDEX capas_reference_key ON capas (tenant_id, reference);
CREATE UNIQUE INDEX capas_number_key ON capas (tenant_id, year DESC, seq DESC);
CREATE INDEX capas_status_idx ON capas (tenant_id, status, opened_at);
CREATE INDEX capas_owner_idx ON capas (tenant_id, owner_id) WHERE status <> 'closed';
CREATE INDEX capas_process_idx ON capas (tenant_id, process_id, status);
SELECT enable_tenant_rls('capas');

-- The findings a CAPA answers. A finding has at most one CAPA.
CREATE TABLE capa_findings (
    tenant_id  uuid NOT NULL REFERENCES organisations (id),
    capa_id    uuid NOT NULL,
    finding_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, capa_id, finding_id),
    UNIQUE (tenant_id, finding_id),
    FOREIGN KEY (tenant_id, capa_id) REFERENCES capas (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id)
);
SELECT enable_tenant_rls('capa_findings');

-- Five whys: an ordered chain, each answer the cause of the one before.
CREATE TABLE capa_whys (
    tenant_id uuid NOT NULL REFERENCES organisations (id),
    capa_id   uuid NOT NULL,
    position  integer NOT NULL CHECK (position BETWEEN 1 AND 10),
    why       text NOT NULL CHECK (length(why) BETWEEN 1 AND 1000),
    PRIMARY KEY (tenant_id, capa_id, position),
    FOREIGN KEY (tenant_id, capa_id) REFERENCES capas (tenant_id, id) ON DELETE CASCADE
);
SELECT enable_tenant_rls('capa_whys');

-- Fishbone (Ishikawa) causes, optional, by category.
CREATE TABLE capa_fishbone_causes (
    tenant_id uuid NOT NULL REFERENCES organisations (id),
    id        uuid NOT NULL DEFAULT uuid_v7(),
    capa_id   uuid NOT NULL,
    category  text NOT NULL CHECK (category IN ('people', 'method', 'machine', 'material', 'measurement', 'environment')),
    cause     text NOT NULL CHECK (length(cause) BETWEEN 1 AND 500),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, capa_id) REFERENCES capas (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX capa_fishbone_causes_capa_idx ON capa_fishbone_causes (tenant_id, capa_id);
SELECT enable_tenant_rls('capa_fishbone_causes');

CREATE TABLE capa_actions (
    tenant_id        uuid NOT NULL REFERENCES organisations (id),
    id               uuid NOT NULL DEFAULT uuid_v7(),
    capa_id          uuid NOT NULL,
    round            integer NOT NULL DEFAULT 1 CHECK (round >= 1),
    kind             text NOT NULL DEFAULT 'corrective' CHECK (kind IN ('corrective', 'preventive')),
    description      text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    owner_id         uuid NOT NULL,
    due_date         date NOT NULL,
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    completed_at     timestamptz,
    completed_by     uuid REFERENCES users (id),
    completion_note  text NOT NULL DEFAULT '' CHECK (length(completion_note) <= 4000),
    completion_file_id uuid,
    -- When the periodic job first saw this action overdue and re-scored the risks it moves.
    overdue_noted_at timestamptz,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, capa_id) REFERENCES capas (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, owner_id) REFERENCES memberships (tenant_id, user_id),
    FOREIGN KEY (tenant_id, completion_file_id) REFERENCES files (tenant_id, id),
    CHECK ((status = 'done') = (completed_at IS NOT NULL AND completed_by IS NOT NULL))
);
CREATE INDEX capa_actions_capa_idx ON capa_actions (tenant_id, capa_id, round);
CREATE INDEX capa_actions_owner_idx ON capa_actions (tenant_id, owner_id, due_date) WHERE status = 'open';
CREATE INDEX capa_actions_due_idx ON capa_actions (tenant_id, due_date) WHERE status = 'open';
SELECT enable_tenant_rls('capa_actions');

-- One effectiveness check per round. result is NULL until the verifier records it; an
-- effective result carries the verifier's signature.
CREATE TABLE capa_effectiveness_checks (
    tenant_id    uuid NOT NULL REFERENCES organisations (id),
    id           uuid NOT NULL DEFAULT uuid_v7(),
    capa_id      uuid NOT NULL,
    round        integer NOT NULL CHECK (round >= 1),
    criteria     text NOT NULL CHECK (length(criteria) BETWEEN 1 AND 4000),
    planned_date date NOT NULL,
    verifier_id  uuid NOT NULL,
    result       text CHECK (result IN ('effective', 'not_effective')),
    evidence     text NOT NULL DEFAULT '' CHECK (length(evidence) <= 8000),
    evidence_file_id uuid,
    recorded_at  timestamptz,
    recorded_by  uuid REFERENCES users (id),
    signature_id uuid,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, capa_id, round),
    FOREIGN KEY (tenant_id, capa_id) REFERENCES capas (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, verifier_id) REFERENCES memberships (tenant_id, user_id),
    FOREIGN KEY (tenant_id, evidence_file_id) REFERENCES files (tenant_id, id),
    FOREIGN KEY (tenant_id, signature_id) REFERENCES signatures (tenant_id, id),
    CHECK ((result IS NULL) = (recorded_at IS NULL)),
    CHECK (result IS DISTINCT FROM 'effective' OR signature_id IS NOT NULL)
);
CREATE INDEX capa_effectiveness_checks_pending_idx ON capa_effectiveness_checks (tenant_id, verifier_id, planned_date) WHERE result IS NULL;
CREATE INDEX capa_effectiveness_checks_failed_idx ON capa_effectiveness_checks (tenant_id, recorded_at) WHERE result = 'not_effective';
SELECT enable_tenant_rls('capa_effectiveness_checks');

GRANT SELECT, INSERT, UPDATE ON capas, capa_actions, capa_effectiveness_checks TO plumbline_app;
GRANT SELECT, INSERT, DELETE ON capa_findings, capa_whys, capa_fishbone_causes, finding_recurrences TO plumbline_app;
GRANT DELETE ON capa_actions TO plumbline_app;

-- +goose Down
DROP TABLE capa_effectiveness_checks;
DROP TABLE capa_actions;
DROP TABLE capa_fishbone_causes;
DROP TABLE capa_whys;
DROP TABLE capa_findings;
DROP TABLE capas;
DROP TABLE finding_recurrences;
ALTER TABLE findings DROP CONSTRAINT findings_capa_decided_check,
    DROP COLUMN recurring, DROP COLUMN capa_decided_at, DROP COLUMN capa_decided_by,
    DROP COLUMN capa_decision_reason, DROP COLUMN capa_decision, DROP COLUMN correction_at,
    DROP COLUMN correction;
ALTER TABLE audit_numbering DROP CONSTRAINT audit_numbering_series_check;
ALTER TABLE audit_numbering ADD CONSTRAINT audit_numbering_series_check
    CHECK (series IN ('IA', 'SA', 'EA', 'F'));
