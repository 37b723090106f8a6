-- Every change to an organisation's data is announced on the channel tenant_changes, with
-- the organisation's id as the payload, when its transaction commits.
--
-- A server keeps what a page reads of a whole organisation (the home page's counts) until the
-- organisation changes; the announcement is how a server hears of a change made by another
-- server, a background job or by hand. PostgreSQL delivers notifications only on commit, in
-- commit order, and once per payload per transaction, so a bulk change announces each
-- organisation it touched once. The triggers run once per statement and take no row lock.
--
-- Every table under row-level security by tenant announces its changes; a schema test holds
-- tables created later to the same (announce_tenant_changes, after enable_tenant_rls). A
-- person's account belongs to no organisation, but their name shows in each they are a member
-- of: a change to an account announces those organisations.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION announce_changed_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tenant_changes', t.tenant_id::text)
       FROM (SELECT DISTINCT tenant_id FROM changed_rows) t;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A trigger with transition tables fires on one event, so a table has three, each naming its
-- rows changed_rows: the new ones of an insert or update (row-level security keeps a row in
-- its tenant), the old ones of a delete.
-- +goose StatementBegin
CREATE FUNCTION announce_tenant_changes(tbl regclass) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    name text := (SELECT relname FROM pg_class WHERE oid = tbl);
BEGIN
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION announce_changed_rows()', name || '_announce_insert', tbl);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING NEW TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION announce_changed_rows()', name || '_announce_update', tbl);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION announce_changed_rows()', name || '_announce_delete', tbl);
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT format('%I.%I', schemaname, tablename)::regclass FROM pg_policies
              WHERE schemaname = 'public' AND policyname = 'tenant_isolation'
    LOOP
        PERFORM announce_tenant_changes(t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- The memberships of a changed account are read as the function's owner, the role that runs
-- the migrations (which bypasses row-level security): whoever changes an account may not see
-- all its memberships.
-- +goose StatementBegin
CREATE FUNCTION announce_account_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM pg_notify('tenant_changes', t.tenant_id::text)
       FROM (SELECT DISTINCT m.tenant_id FROM new_rows n JOIN memberships m ON m.user_id = n.id) t;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_announce_update AFTER UPDATE ON users REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_account_changes();

-- +goose Down
DROP TRIGGER users_announce_update ON users;
DROP FUNCTION announce_account_changes();
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT t.tgname, t.tgrelid::regclass AS tbl FROM pg_trigger t
               JOIN pg_proc p ON p.oid = t.tgfoid
              WHERE p.proname = 'announce_changed_rows'
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', r.tgname, r.tbl);
    END LOOP;
END
$$;
-- +goose StatementEnd
DROP FUNCTION announce_tenant_changes(regclass);
DROP FUNCTION announce_changed_rows();
