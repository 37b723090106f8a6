-- Management review (ISO 9001 9.3). A review is scheduled with its chair and attendees, then
-- prepared: its 9.3.2 inputs are assembled from live data, each with the change since the
-- previous held review. Holding it freezes those inputs as a snapshot, so the minutes always
-- read against what was on the table. Minutes are kept per input, the outputs of 9.3.3 are
-- recorded (actions tracked to done), and the chair signs the minutes.

-- +goose Up
CREATE TABLE management_reviews (
    tenant_id          uuid NOT NULL REFERENCES organisations (id),
    id                 uuid NOT NULL DEFAULT uuid_v7(),
    reference          text NOT NULL,
    year               integer NOT NULL,
    seq                integer NOT NULL,
    title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    scheduled_on       date NOT NULL,
    chair_id           uuid NOT NULL,
    attendees          text NOT NULL DEFAULT '' CHECK (length(attendees) <= 2000),
    status             text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_preparation', 'held', 'signed')),
    -- The inputs people enter rather than Plumbline computing them: 9.3.2 b) changes in
    -- external and internal issues, and d) adequacy of resources.
    issues_changes     text NOT NULL DEFAULT '' CHECK (length(issues_changes) <= 8000),
    resources          text NOT NULL DEFAULT '' CHECK (length(resources) <= 8000),
    prepared_at        timestamptz,
    -- Set when the review is held: the inputs as they stood (see internal/qms/review_inputs.go),
    -- the review they were compared with, and when.
    snapshot           jsonb,
    previous_review_id uuid,
    held_at            timestamptz,
    held_by            uuid REFERENCES users (id),
    signature_id       uuid,
    created_by         uuid NOT NULL REFERENCES users (id),
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, chair_id) REFERENCES memberships (tenant_id, user_id),
    FOREIGN KEY (tenant_id, previous_review_id) REFERENCES management_reviews (tenant_id, id),
    FOREIGN KEY (tenant_id, signature_id) REFERENCES signatures (tenant_id, id),
    CHECK ((status = 'planned') = (prepared_at IS NULL)),
    CHECK ((status IN ('held', 'signed')) = (snapshot IS NOT NULL AND held_at IS NOT NULL AND held_by IS NOT NULL)),
    CHECK ((status = 'signed') = (signature_id IS NOT NULL))
);
CREATE UNIQUE INDEX management_reviews_reference_key ON management_reviews (tenant_id, reference);
CREATE UNIQUE INDEX management_reviews_number_key ON management_reviews (tenant_id, year DESC, seq DESC);
CREATE INDEX management_reviews_held_idx ON management_reviews (tenant_id, held_at DESC) WHERE held_at IS NOT NULL;
SELECT enable_tenant_rls('management_reviews');

-- Minutes per input: what was said about it. Each input's minutes are edited on their own,
-- with their own version, so two people minuting different inputs never collide.
CREATE TABLE review_minutes (
    tenant_id  uuid NOT NULL REFERENCES organisations (id),
    review_id  uuid NOT NULL,
    input_key  text NOT NULL CHECK (input_key IN ('a', 'b', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'd', 'e', 'f')),
    minutes    text NOT NULL CHECK (length(minutes) <= 8000),
    updated_by uuid NOT NULL REFERENCES users (id),
    version    integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, review_id, input_key),
    FOREIGN KEY (tenant_id, review_id) REFERENCES management_reviews (tenant_id, id) ON DELETE CASCADE
);
SELECT enable_tenant_rls('review_minutes');

-- The outputs of 9.3.3: decisions, actions (an owner and a due date, tracked to done like
-- CAPA actions), resource needs and changes to the QMS.
CREATE TABLE review_outputs (
    tenant_id       uuid NOT NULL REFERENCES organisations (id),
    id              uuid NOT NULL DEFAULT uuid_v7(),
    review_id       uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('decision', 'action', 'resource_need', 'qms_change')),
    description     text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    owner_id        uuid,
    due_date        date,
    status          text CHECK (status IN ('open', 'done')),
    completed_at    timestamptz,
    completed_by    uuid REFERENCES users (id),
    completion_note text NOT NULL DEFAULT '' CHECK (length(completion_note) <= 4000),
    created_by      uuid NOT NULL REFERENCES users (id),
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, review_id) REFERENCES management_reviews (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, owner_id) REFERENCES memberships (tenant_id, user_id),
    CHECK ((kind = 'action') = (owner_id IS NOT NULL AND due_date IS NOT NULL AND status IS NOT NULL)),
    CHECK ((status = 'done') = (completed_at IS NOT NULL AND completed_by IS NOT NULL))
);
CREATE INDEX review_outputs_review_idx ON review_outputs (tenant_id, review_id, created_at);
CREATE INDEX review_outputs_owner_idx ON review_outputs (tenant_id, owner_id, due_date) WHERE status = 'open';
CREATE INDEX review_outputs_actions_idx ON review_outputs (tenant_id, status, completed_at) WHERE kind = 'action';
SELECT enable_tenant_rls('review_outputs');

GRANT SELECT, INSERT, UPDATE ON management_reviews, review_minutes, review_outputs TO plumbline_app;

-- +goose Down
DROP TABLE review_outputs;
DROP TABLE review_minutes;
DROP TABLE management_reviews;
