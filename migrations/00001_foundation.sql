-- Foundation: tenants, users, memberships, sites, processes, sessions, sign-in throttling and
-- the append-only, hash-chained audit trail.
--
-- Migrations run as the owner of the schema. The server connects as a login role that is a
-- member of plumbline_app: it owns nothing and cannot bypass row-level security, so every grant
-- below goes to that group role.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plumbline_app') THEN
        CREATE ROLE plumbline_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO plumbline_app;

-- The tenant and the user of the current transaction. Both are set with set_config(..., true)
-- at the start of every transaction and vanish at its end; after a commit PostgreSQL reads the
-- setting back as '' rather than NULL, hence NULLIF. Unset means NULL, which matches no row.
CREATE FUNCTION app_tenant_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE FUNCTION app_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

-- Time-ordered UUIDs (version 7) keep primary-key indexes append-mostly. PostgreSQL 15 has no
-- built-in uuidv7(), so this overlays the millisecond clock onto a random UUID.
CREATE FUNCTION uuid_v7() RETURNS uuid
    LANGUAGE sql VOLATILE PARALLEL SAFE
    AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
    $$;

-- Every tenant table is protected the same way, so the rule lives in one place: row-level
-- security enabled and forced (the owner is bound too), visible and writable only for the
-- tenant of the current transaction.
-- +goose StatementBegin
CREATE FUNCTION enable_tenant_rls(tbl regclass) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', tbl);
END
$$;
-- +goose StatementEnd

-- The register of tenants. It is global on purpose: background jobs walk every organisation,
-- and a slug is public (it is in every URL). What a tenant owns lives in tenant tables.
CREATE TABLE organisations (
    id         uuid PRIMARY KEY DEFAULT uuid_v7(),
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                   uuid PRIMARY KEY DEFAULT uuid_v7(),
    email                text NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash        text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT false,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    tenant_id  uuid NOT NULL REFERENCES organisations (id),
    user_id    uuid NOT NULL REFERENCES users (id),
    role       text NOT NULL CHECK (role IN ('admin', 'quality_manager', 'process_owner', 'auditor', 'viewer')),
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);
-- Lists the organisations of one user (the "/" page) without knowing the tenant yet.
CREATE INDEX memberships_user_idx ON memberships (user_id);
SELECT enable_tenant_rls('memberships');
-- A user may always see their own memberships, in any organisation: that is how "/" lists them
-- and how a request resolves /o/{slug} before the tenant is known.
CREATE POLICY own_memberships ON memberships FOR SELECT USING (user_id = app_user_id());

CREATE TABLE sites (
    tenant_id   uuid NOT NULL REFERENCES organisations (id),
    id          uuid NOT NULL DEFAULT uuid_v7(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    code        text NOT NULL DEFAULT '' CHECK (length(code) <= 20),
    address     text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    archived_at timestamptz,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX sites_name_key ON sites (tenant_id, lower(name));
SELECT enable_tenant_rls('sites');

CREATE TABLE processes (
    tenant_id     uuid NOT NULL REFERENCES organisations (id),
    id            uuid NOT NULL DEFAULT uuid_v7(),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    owner_user_id uuid NOT NULL,
    archived_at   timestamptz,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    -- The owner must be a member of the same organisation; removing such a member is refused.
    FOREIGN KEY (tenant_id, owner_user_id) REFERENCES memberships (tenant_id, user_id)
);
CREATE UNIQUE INDEX processes_name_key ON processes (tenant_id, lower(name));
CREATE INDEX processes_owner_idx ON processes (tenant_id, owner_user_id);
SELECT enable_tenant_rls('processes');

-- scs session store (github.com/alexedwards/scs/pgxstore). Global: a session exists before any
-- organisation is chosen.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Failed sign-ins per account and per client address, shared by every server instance.
CREATE TABLE sign_in_throttle (
    key               text PRIMARY KEY,
    window_started_at timestamptz NOT NULL,
    failures          integer NOT NULL
);

-- The audit trail. Rows are only ever inserted; a trigger computes the per-tenant sequence
-- number and the hash chain, so even a row inserted by hand joins the chain correctly.
CREATE TABLE audit_log (
    tenant_id   uuid NOT NULL REFERENCES organisations (id),
    seq         bigint NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid REFERENCES users (id),
    actor_name  text NOT NULL,
    action      text NOT NULL,
    entity_type text NOT NULL,
    entity_id   text NOT NULL,
    summary     text NOT NULL DEFAULT '',
    before      jsonb,
    after       jsonb,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_log_entity_idx ON audit_log (tenant_id, entity_type, entity_id, seq);
SELECT enable_tenant_rls('audit_log');

CREATE TABLE audit_chain_heads (
    tenant_id uuid PRIMARY KEY REFERENCES organisations (id),
    last_seq  bigint NOT NULL DEFAULT 0,
    last_hash bytea NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000'
);
SELECT enable_tenant_rls('audit_chain_heads');

-- The one definition of what an entry's hash covers, used by the trigger that writes the chain
-- and by the query that verifies it. jsonb's text form is canonical, which makes it a safe
-- serialisation; the time is hashed as whole microseconds since the epoch.
CREATE FUNCTION audit_entry_hash(prev bytea, tenant uuid, seq bigint, occurred timestamptz,
                                 actor uuid, actor_name text, action text, entity_type text,
                                 entity_id text, summary text, before jsonb, after jsonb)
    RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sha256(prev || convert_to(jsonb_build_array(
        tenant, seq, (extract(epoch FROM occurred) * 1000000)::bigint, actor, actor_name,
        action, entity_type, entity_id, summary, before, after)::text, 'UTF8'))
    $$;

-- +goose StatementBegin
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head audit_chain_heads%ROWTYPE;
BEGIN
    INSERT INTO audit_chain_heads (tenant_id) VALUES (NEW.tenant_id) ON CONFLICT DO NOTHING;
    -- The row lock serialises appends within one tenant until the transaction ends.
    SELECT * INTO head FROM audit_chain_heads WHERE tenant_id = NEW.tenant_id FOR UPDATE;
    NEW.seq := head.last_seq + 1;
    NEW.occurred_at := now();
    NEW.prev_hash := head.last_hash;
    NEW.hash := audit_entry_hash(NEW.prev_hash, NEW.tenant_id, NEW.seq, NEW.occurred_at,
                                 NEW.actor_id, NEW.actor_name, NEW.action, NEW.entity_type,
                                 NEW.entity_id, NEW.summary, NEW.before, NEW.after);
    UPDATE audit_chain_heads SET last_seq = NEW.seq, last_hash = NEW.hash
     WHERE tenant_id = NEW.tenant_id;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

GRANT SELECT, INSERT ON organisations TO plumbline_app;
GRANT SELECT, INSERT, UPDATE ON users TO plumbline_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON memberships, sites, processes TO plumbline_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions, sign_in_throttle TO plumbline_app;
GRANT SELECT, INSERT ON audit_log TO plumbline_app;
GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO plumbline_app;
GRANT EXECUTE ON FUNCTION app_tenant_id(), app_user_id(), uuid_v7(), audit_entry_hash(bytea, uuid, bigint, timestamptz, uuid, text, text, text, text, text, jsonb, jsonb) TO plumbline_app;

-- +goose Down
DROP TABLE audit_chain_heads;
DROP TABLE audit_log;
DROP FUNCTION audit_log_refuse_change();
DROP FUNCTION audit_log_chain();
DROP FUNCTION audit_entry_hash(bytea, uuid, bigint, timestamptz, uuid, text, text, text, text, text, jsonb, jsonb);
DROP TABLE sign_in_throttle;
DROP TABLE sessions;
DROP TABLE processes;
DROP TABLE sites;
DROP TABLE memberships;
DROP TABLE organisations;
DROP TABLE users;
DROP FUNCTION enable_tenant_rls(regclass);
DROP FUNCTION uuid_v7();
DROP FUNCTION app_user_id();
DROP FUNCTION app_tenant_id();
REVOKE USAGE ON SCHEMA public FROM plumbline_app;
