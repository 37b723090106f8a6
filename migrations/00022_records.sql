-- Records (ISO 9001 7.5, documented information retained as evidence), protected from
-- alteration (7.5.3). A record is its identity and lifecycle (records) plus revisions of its
-- content (record_revisions) with their clauses, files and attendees. A draft revision may be
-- edited; a final one never changes again, which these triggers enforce under the service
-- layer. A correction adds a new revision with its reason. Disposal at the end of retention
-- removes the content and leaves a signed tombstone.

-- +goose Up
-- Record numbers (R-00042) per organisation. The counter only grows, so a deleted draft's
-- number is never given to another record.
CREATE TABLE record_ref_counters (
    tenant_id uuid PRIMARY KEY REFERENCES organisations (id),
    last_ref  integer NOT NULL CHECK (last_ref >= 0)
);
SELECT enable_tenant_rls('record_ref_counters');

CREATE TABLE records (
    tenant_id             uuid NOT NULL REFERENCES organisations (id),
    id                    uuid NOT NULL DEFAULT uuid_v7(),
    ref                   integer NOT NULL CHECK (ref > 0),
    type_id               uuid NOT NULL,
    kind                  text NOT NULL,
    state                 text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'final', 'disposed')),
    current_revision_id   uuid,
    revision_count        integer NOT NULL DEFAULT 1 CHECK (revision_count >= 1),
    -- How a complaint is being handled is workflow, not evidence: it moves on after the
    -- complaint itself was finalised, and every move is in the audit trail.
    complaint_status      text CHECK (complaint_status IN ('open', 'investigating', 'closed')),
    created_by            uuid NOT NULL REFERENCES users (id),
    created_at            timestamptz NOT NULL,
    finalised_at          timestamptz,
    finalised_by          uuid REFERENCES users (id),
    -- The tombstone of a disposed record: what it was, who disposed of it, when, why, and the
    -- electronic signature that authorised it.
    disposed_at           timestamptz,
    disposed_by           uuid REFERENCES users (id),
    disposed_by_name      text,
    disposal_reason       text CHECK (length(disposal_reason) <= 2000),
    disposal_signature_id uuid,
    tombstone_title       text,
    tombstone_event_date  date,
    version               integer NOT NULL DEFAULT 1,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, ref),
    UNIQUE (tenant_id, id, kind),
    FOREIGN KEY (tenant_id, type_id, kind) REFERENCES record_types (tenant_id, id, kind),
    FOREIGN KEY (tenant_id, disposal_signature_id) REFERENCES signatures (tenant_id, id),
    CHECK ((kind = 'complaint') = (complaint_status IS NOT NULL)),
    CHECK ((state = 'draft') = (finalised_at IS NULL)),
    CHECK ((state = 'disposed') = (current_revision_id IS NULL)),
    CHECK ((state = 'disposed') = (disposed_at IS NOT NULL)),
    CHECK (state <> 'disposed' OR (disposed_by IS NOT NULL AND disposed_by_name <> '' AND disposal_reason <> ''
                                   AND disposal_signature_id IS NOT NULL AND tombstone_title IS NOT NULL
                                   AND tombstone_event_date IS NOT NULL))
);
CREATE INDEX records_current_idx ON records (tenant_id, current_revision_id);
CREATE INDEX records_kind_idx ON records (tenant_id, kind, complaint_status);
CREATE INDEX records_disposed_idx ON records (tenant_id, disposed_at) WHERE state = 'disposed';
SELECT enable_tenant_rls('records');

CREATE TABLE record_revisions (
    tenant_id         uuid NOT NULL REFERENCES organisations (id),
    id                uuid NOT NULL DEFAULT uuid_v7(),
    record_id         uuid NOT NULL,
    kind              text NOT NULL,
    revision          integer NOT NULL CHECK (revision >= 1),
    state             text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'final')),
    title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    event_date        date NOT NULL,
    process_id        uuid,
    site_id           uuid,
    description       text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
    -- complaints and feedback
    customer          text NOT NULL DEFAULT '' CHECK (length(customer) <= 200),
    product_service   text NOT NULL DEFAULT '' CHECK (length(product_service) <= 200),
    -- complaints and incidents
    severity          text CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    -- supplier evaluations
    supplier_id       uuid,
    score             integer CHECK (score BETWEEN 0 AND 100),
    -- training
    topic             text NOT NULL DEFAULT '' CHECK (length(topic) <= 200),
    attendee_names    text NOT NULL DEFAULT '',
    -- The retention period of the record's type when this revision was recorded; keep_until
    -- follows from it and the date of the event.
    retention_months  integer NOT NULL CHECK (retention_months BETWEEN 1 AND 1200),
    keep_until        date GENERATED ALWAYS AS ((event_date + make_interval(months => retention_months))::date) STORED,
    correction_reason text NOT NULL DEFAULT '' CHECK (length(correction_reason) <= 2000),
    -- The names of the attached files, kept with the revision so they are searchable.
    file_names        text NOT NULL DEFAULT '',
    file_count        integer NOT NULL DEFAULT 0 CHECK (file_count >= 0),
    recorded_by       uuid NOT NULL REFERENCES users (id),
    recorded_by_name  text NOT NULL,
    recorded_at       timestamptz NOT NULL,
    finalised_at      timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    search            tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', customer || ' ' || product_service || ' ' || topic), 'B') ||
        setweight(to_tsvector('english', description || ' ' || attendee_names), 'C') ||
        setweight(to_tsvector('english', file_names || ' ' || regexp_replace(file_names, '[^[:alnum:]]+', ' ', 'g')), 'D')
    ) STORED,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, record_id, revision),
    FOREIGN KEY (tenant_id, record_id, kind) REFERENCES records (tenant_id, id, kind),
    FOREIGN KEY (tenant_id, process_id) REFERENCES processes (tenant_id, id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id),
    FOREIGN KEY (tenant_id, supplier_id) REFERENCES suppliers (tenant_id, id),
    CHECK ((revision = 1) = (correction_reason = '')),
    CHECK ((state = 'final') = (finalised_at IS NOT NULL)),
    -- Each kind has its fields, and only its fields.
    CHECK (kind IN ('complaint', 'feedback') OR (customer = '' AND product_service = '')),
    CHECK (kind NOT IN ('complaint', 'feedback') OR customer <> ''),
    CHECK ((kind IN ('complaint', 'incident')) = (severity IS NOT NULL)),
    CHECK ((kind = 'supplier_evaluation') = (supplier_id IS NOT NULL)),
    CHECK ((kind = 'supplier_evaluation') = (score IS NOT NULL)),
    CHECK ((kind = 'training') = (topic <> ''))
);
CREATE INDEX record_revisions_date_idx ON record_revisions (tenant_id, event_date DESC);
CREATE INDEX record_revisions_process_idx ON record_revisions (tenant_id, process_id, event_date);
CREATE INDEX record_revisions_site_idx ON record_revisions (tenant_id, site_id, event_date);
CREATE INDEX record_revisions_supplier_idx ON record_revisions (tenant_id, supplier_id, event_date);
CREATE INDEX record_revisions_keep_until_idx ON record_revisions (tenant_id, keep_until);
CREATE INDEX record_revisions_search_idx ON record_revisions USING gin (search);
SELECT enable_tenant_rls('record_revisions');

-- The current revision: set when the record is created (before its first revision exists,
-- hence deferred) and cleared when it is disposed of.
ALTER TABLE records ADD CONSTRAINT records_current_revision_fkey FOREIGN KEY (tenant_id, current_revision_id)
    REFERENCES record_revisions (tenant_id, id) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE record_clauses (
    tenant_id     uuid NOT NULL REFERENCES organisations (id),
    id            uuid NOT NULL DEFAULT uuid_v7(),
    record_id     uuid NOT NULL,
    revision_id   uuid NOT NULL,
    clause_number text NOT NULL REFERENCES iso_clauses (number),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, revision_id, clause_number),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records (tenant_id, id),
    FOREIGN KEY (tenant_id, revision_id) REFERENCES record_revisions (tenant_id, id)
);
CREATE INDEX record_clauses_clause_idx ON record_clauses (tenant_id, clause_number);
SELECT enable_tenant_rls('record_clauses');

-- Files attached to a revision. The files themselves are never changed or removed; a
-- correction links the files it keeps and any new ones to its own revision.
CREATE TABLE record_files (
    tenant_id   uuid NOT NULL REFERENCES organisations (id),
    id          uuid NOT NULL DEFAULT uuid_v7(),
    record_id   uuid NOT NULL,
    revision_id uuid NOT NULL,
    file_id     uuid NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, revision_id, file_id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records (tenant_id, id),
    FOREIGN KEY (tenant_id, revision_id) REFERENCES record_revisions (tenant_id, id),
    FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id)
);
CREATE INDEX record_files_file_idx ON record_files (tenant_id, file_id);
SELECT enable_tenant_rls('record_files');

-- Who attended a training: a member (user_id, with their name as it was), or just a name for
-- people without an account. A member who leaves stays on the trainings they attended.
CREATE TABLE record_attendees (
    tenant_id   uuid NOT NULL REFERENCES organisations (id),
    id          uuid NOT NULL DEFAULT uuid_v7(),
    record_id   uuid NOT NULL,
    revision_id uuid NOT NULL,
    user_id     uuid REFERENCES users (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records (tenant_id, id),
    FOREIGN KEY (tenant_id, revision_id) REFERENCES record_revisions (tenant_id, id)
);
CREATE INDEX record_attendees_revision_idx ON record_attendees (tenant_id, revision_id);
CREATE INDEX record_attendees_user_idx ON record_attendees (tenant_id, user_id);
SELECT enable_tenant_rls('record_attendees');

-- A record leaves the draft state only forwards, keeps its number, type and author, and once
-- disposed of is a tombstone that nothing changes. Only drafts are ever deleted.
-- +goose StatementBegin
CREATE FUNCTION records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            RAISE EXCEPTION 'record R-% is %: it cannot be deleted', OLD.ref, OLD.state
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state = 'disposed' THEN
        RAISE EXCEPTION 'record R-% was disposed of: its tombstone cannot change', OLD.ref
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.ref <> OLD.ref OR NEW.type_id <> OLD.type_id OR NEW.kind <> OLD.kind
       OR NEW.created_by <> OLD.created_by OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'the number, type and author of record R-% cannot change', OLD.ref
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.state = 'final' AND (NEW.state = 'draft' OR NEW.finalised_at <> OLD.finalised_at
                                OR NEW.finalised_by IS DISTINCT FROM OLD.finalised_by) THEN
        RAISE EXCEPTION 'record R-% is final: it cannot return to draft', OLD.ref
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER records_guard BEFORE UPDATE OR DELETE ON records
    FOR EACH ROW EXECUTE FUNCTION records_guard();

-- +goose StatementBegin
CREATE FUNCTION record_is_disposed(tenant uuid, record uuid) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT state = 'disposed' FROM records WHERE tenant_id = tenant AND id = record), false)
$$;
-- +goose StatementEnd

-- A final revision is never updated, and deleted only when its record is disposed of.
-- +goose StatementBegin
CREATE FUNCTION record_revisions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.state = 'final' THEN
            RAISE EXCEPTION 'revision % of a record is final: it cannot be changed', OLD.revision
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.record_id <> OLD.record_id OR NEW.revision <> OLD.revision THEN
            RAISE EXCEPTION 'a revision cannot move to another record or number'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.state = 'final' AND NOT record_is_disposed(OLD.tenant_id, OLD.record_id) THEN
        RAISE EXCEPTION 'revision % of a record is final: it cannot be deleted', OLD.revision
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER record_revisions_guard BEFORE UPDATE OR DELETE ON record_revisions
    FOR EACH ROW EXECUTE FUNCTION record_revisions_guard();

-- The clauses, files and attendees of a revision are part of it: added or removed only while
-- it is a draft (a correction assembles its new revision as a draft and then seals it), and
-- removed from a final one only when the record is disposed of.
-- +goose StatementBegin
CREATE FUNCTION record_parts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tenant uuid;
    rev uuid;
    rec uuid;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '% rows are never changed, only added to or removed from a draft', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    ELSIF TG_OP = 'INSERT' THEN
        tenant := NEW.tenant_id; rev := NEW.revision_id; rec := NEW.record_id;
    ELSE
        tenant := OLD.tenant_id; rev := OLD.revision_id; rec := OLD.record_id;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM record_revisions
                    WHERE tenant_id = tenant AND id = rev AND record_id = rec) THEN
        RAISE EXCEPTION '% row names a revision of another record', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM record_revisions WHERE tenant_id = tenant AND id = rev AND state = 'draft')
       OR (TG_OP = 'DELETE' AND record_is_disposed(tenant, rec)) THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the revision is final: its % cannot change', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER record_clauses_guard BEFORE INSERT OR UPDATE OR DELETE ON record_clauses
    FOR EACH ROW EXECUTE FUNCTION record_parts_guard();
CREATE TRIGGER record_files_guard BEFORE INSERT OR UPDATE OR DELETE ON record_files
    FOR EACH ROW EXECUTE FUNCTION record_parts_guard();
CREATE TRIGGER record_attendees_guard BEFORE INSERT OR UPDATE OR DELETE ON record_attendees
    FOR EACH ROW EXECUTE FUNCTION record_parts_guard();

GRANT SELECT, INSERT, UPDATE ON record_ref_counters TO plumbline_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON records, record_revisions TO plumbline_app;
GRANT SELECT, INSERT, DELETE ON record_clauses, record_files, record_attendees TO plumbline_app;
GRANT EXECUTE ON FUNCTION record_is_disposed(uuid, uuid) TO plumbline_app;

-- +goose Down
DROP TABLE record_attendees;
DROP TABLE record_files;
DROP TABLE record_clauses;
ALTER TABLE records DROP CONSTRAINT records_current_revision_fkey;
DROP TABLE record_revisions;
DROP TABLE records;
DROP TABLE record_ref_counters;
DROP FUNCTION record_parts_guard();
DROP FUNCTION record_revisions_guard();
DROP FUNCTION record_is_disposed(uuid, uuid);
DROP FUNCTION records_guard();
