-- Audits (ISO 9001 9.2, and external and supplier audits of the same shape), their checklists
-- and evidence, and findings. Findings also come from complaints, incidents and management
-- reviews, so they stand on their own; CAPA and risk exposure build on them.

-- +goose Up
-- Human reference numbers per organisation and year (IA-2026-003, F-2026-014), handed out by
-- an upsert so that two people raising findings at once never get the same number.
CREATE TABLE audit_numbering (
    tenant_id uuid NOT NULL REFERENCES organisations (id),
    series    text NOT NULL CHECK (series IN ('IA', 'SA', 'EA', 'F')),
    year      integer NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    last_seq  integer NOT NULL,
    PRIMARY KEY (tenant_id, series, year)
);
SELECT enable_tenant_rls('audit_numbering');

CREATE TABLE audits (
    tenant_id          uuid NOT NULL REFERENCES organisations (id),
    id                 uuid NOT NULL DEFAULT uuid_v7(),
    reference          text NOT NULL,
    type               text NOT NULL CHECK (type IN ('internal', 'supplier', 'external_stage1', 'external_stage2', 'surveillance', 'recertification')),
    title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    scope              text NOT NULL DEFAULT '' CHECK (length(scope) <= 4000),
    auditee_contacts   text NOT NULL DEFAULT '' CHECK (length(auditee_contacts) <= 1000),
    certification_body text NOT NULL DEFAULT '' CHECK (length(certification_body) <= 200),
    external_auditor   text NOT NULL DEFAULT '' CHECK (length(external_auditor) <= 200),
    -- For external audits, the member who hosts the audit and records its results.
    lead_auditor_id    uuid NOT NULL,
    planned_start      date NOT NULL,
    planned_end        date NOT NULL CHECK (planned_end >= planned_start),
    actual_start       date,
    actual_end         date CHECK (actual_end >= actual_start),
    status             text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_progress', 'reported', 'closed')),
    summary            text NOT NULL DEFAULT '' CHECK (length(summary) <= 8000),
    conclusion         text NOT NULL DEFAULT '' CHECK (length(conclusion) <= 8000),
    reported_at        timestamptz,
    closed_at          timestamptz,
    closed_by          uuid REFERENCES users (id),
    created_by         uuid REFERENCES users (id),
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, lead_auditor_id) REFERENCES memberships (tenant_id, user_id),
    CHECK ((status IN ('reported', 'closed')) = (reported_at IS NOT NULL)),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE UNIQUE INDEX audits_reference_key ON audits (tenant_id, reference);
-- The programme lists a year's audits by date.
CREATE INDEX audits_planned_idx ON audits (tenant_id, planned_start, id);
SELECT enable_tenant_rls('audits');

-- Scope and criteria. Documents as criteria are added when document control exists.
CREATE TABLE audit_processes (
    tenant_id  uuid NOT NULL REFERENCES organisations (id),
    audit_id   uuid NOT NULL,
    process_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, audit_id, process_id),
    FOREIGN KEY (tenant_id, audit_id) REFERENCES audits (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, process_id) REFERENCES processes (tenant_id, id)
);
CREATE INDEX audit_processes_process_idx ON audit_processes (tenant_id, process_id);
SELECT enable_tenant_rls('audit_processes');

CREATE TABLE audit_sites (
    tenant_id uuid NOT NULL REFERENCES organisations (id),
    audit_id  uuid NOT NULL,
    site_id   uuid NOT NULL,
    PRIMARY KEY (tenant_id, audit_id, site_id),
    FOREIGN KEY (tenant_id, audit_id) REFERENCES audits (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id)
);
SELECT enable_tenant_rls('audit_sites');

CREATE TABLE audit_clauses (
    tenant_id     uuid NOT NULL REFERENCES organisations (id),
    audit_id      uuid NOT NULL,
    clause_number text NOT NULL REFERENCES iso_clauses (number),
    PRIMARY KEY (tenant_id, audit_id, clause_number),
    FOREIGN KEY (tenant_id, audit_id) REFERENCES audits (tenant_id, id) ON DELETE CASCADE
);
SELECT enable_tenant_rls('audit_clauses');

-- The audit team besides the lead auditor.
CREATE TABLE audit_team (
    tenant_id uuid NOT NULL REFERENCES organisations (id),
    audit_id  uuid NOT NULL,
    user_id   uuid NOT NULL,
    PRIMARY KEY (tenant_id, audit_id, user_id),
    FOREIGN KEY (tenant_id, audit_id) REFERENCES audits (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id)
);
CREATE INDEX audit_team_user_idx ON audit_team (tenant_id, user_id);
SELECT enable_tenant_rls('audit_team');

-- The checklist: questions copied from the organisation's templates for the audit's criteria,
-- plus questions the team adds. result is NULL until the auditor records one.
CREATE TABLE audit_checklist_items (
    tenant_id     uuid NOT NULL REFERENCES organisations (id),
    id            uuid NOT NULL DEFAULT uuid_v7(),
    audit_id      uuid NOT NULL,
    clause_number text REFERENCES iso_clauses (number),
    -- Where the question came from (NULL once the template is deleted). Ad-hoc questions are
    -- the team's own and stay when the criteria change.
    template_id   uuid,
    ad_hoc        boolean NOT NULL DEFAULT false,
    position      integer NOT NULL DEFAULT 0,
    question      text NOT NULL CHECK (length(question) BETWEEN 1 AND 1000),
    guidance      text NOT NULL DEFAULT '' CHECK (length(guidance) <= 2000),
    result        text CHECK (result IN ('conforming', 'minor_nc', 'major_nc', 'observation', 'ofi', 'not_audited')),
    notes         text NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
    audited_by    uuid REFERENCES users (id),
    audited_at    timestamptz,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, audit_id) REFERENCES audits (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, template_id) REFERENCES audit_question_templates (tenant_id, id) ON DELETE SET NULL (template_id)
);
CREATE INDEX audit_checklist_items_audit_idx ON audit_checklist_items (tenant_id, audit_id, position);
SELECT enable_tenant_rls('audit_checklist_items');

-- Findings. source_id names the complaint, incident or management review a finding came
-- from; its foreign keys are added with those tables. An audit finding names its audit.
CREATE TABLE findings (
    tenant_id          uuid NOT NULL REFERENCES organisations (id),
    id                 uuid NOT NULL DEFAULT uuid_v7(),
    reference          text NOT NULL,
    year               integer NOT NULL,
    seq                integer NOT NULL,
    classification     text NOT NULL CHECK (classification IN ('major_nc', 'minor_nc', 'observation', 'ofi')),
    source             text NOT NULL CHECK (source IN ('audit', 'complaint', 'incident', 'management_review', 'other')),
    source_id          uuid,
    source_reference   text NOT NULL DEFAULT '' CHECK (length(source_reference) <= 200),
    statement          text NOT NULL CHECK (length(statement) BETWEEN 1 AND 4000),
    clause_number      text REFERENCES iso_clauses (number),
    requirement        text NOT NULL DEFAULT '' CHECK (length(requirement) <= 2000),
    objective_evidence text NOT NULL DEFAULT '' CHECK (length(objective_evidence) <= 4000),
    process_id         uuid NOT NULL,
    site_id            uuid,
    audit_id           uuid,
    checklist_item_id  uuid,
    raised_by          uuid NOT NULL REFERENCES users (id),
    raised_at          timestamptz NOT NULL DEFAULT now(),
    status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at          timestamptz,
    closed_by          uuid REFERENCES users (id),
    closure_note       text NOT NULL DEFAULT '' CHECK (length(closure_note) <= 4000),
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, process_id) REFERENCES processes (tenant_id, id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id),
    FOREIGN KEY (tenant_id, audit_id) REFERENCES audits (tenant_id, id),
    FOREIGN KEY (tenant_id, checklist_item_id) REFERENCES audit_checklist_items (tenant_id, id),
    CHECK ((source = 'audit') = (audit_id IS NOT NULL)),
    CHECK (checklist_item_id IS NULL OR audit_id IS NOT NULL),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL AND closed_by IS NOT NULL)),
    -- A nonconformity states the requirement it does not meet.
    CHECK (classification NOT IN ('major_nc', 'minor_nc') OR clause_number IS NOT NULL OR requirement <> '')
);
CREATE UNIQUE INDEX findings_reference_key ON findings (tenant_id, reference);
-- The findings list pages newest first by number.
CREATE UNIQUE INDEX findings_number_key ON findings (tenant_id, year DESC, seq DESC);
CREATE INDEX findings_audit_idx ON findings (tenant_id, audit_id) WHERE audit_id IS NOT NULL;
CREATE INDEX findings_process_idx ON findings (tenant_id, process_id, status);
CREATE INDEX findings_item_idx ON findings (tenant_id, checklist_item_id) WHERE checklist_item_id IS NOT NULL;
SELECT enable_tenant_rls('findings');

-- Evidence behind a checklist question or a finding: an uploaded file or a plain-text
-- reference. Two more kinds follow when their tables exist, each a nullable column with a
-- composite foreign key added by a later migration (and a wider kind check): 'document_version'
-- (the version of a controlled document effective at the audit) and 'record'.
CREATE TABLE evidence_links (
    tenant_id         uuid NOT NULL REFERENCES organisations (id),
    id                uuid NOT NULL DEFAULT uuid_v7(),
    checklist_item_id uuid,
    finding_id        uuid,
    kind              text NOT NULL CHECK (kind IN ('file', 'reference')),
    file_id           uuid,
    reference         text NOT NULL DEFAULT '' CHECK (length(reference) <= 1000),
    added_by          uuid REFERENCES users (id),
    added_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, checklist_item_id) REFERENCES audit_checklist_items (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id),
    FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id),
    CHECK (num_nonnulls(checklist_item_id, finding_id) = 1),
    CHECK (kind <> 'file' OR (file_id IS NOT NULL AND reference = '')),
    CHECK (kind <> 'reference' OR (file_id IS NULL AND reference <> ''))
);
CREATE INDEX evidence_links_item_idx ON evidence_links (tenant_id, checklist_item_id) WHERE checklist_item_id IS NOT NULL;
CREATE INDEX evidence_links_finding_idx ON evidence_links (tenant_id, finding_id) WHERE finding_id IS NOT NULL;
SELECT enable_tenant_rls('evidence_links');

GRANT SELECT, INSERT, UPDATE ON audit_numbering, audits, audit_checklist_items, findings TO plumbline_app;
GRANT SELECT, INSERT, DELETE ON audit_processes, audit_sites, audit_clauses, audit_team, evidence_links TO plumbline_app;
GRANT DELETE ON audit_checklist_items TO plumbline_app;

-- +goose Down
DROP TABLE evidence_links;
DROP TABLE findings;
DROP TABLE audit_checklist_items;
DROP TABLE audit_team;
DROP TABLE audit_clauses;
DROP TABLE audit_sites;
DROP TABLE audit_processes;
DROP TABLE audits;
DROP TABLE audit_numbering;
