-- Row-level security policies read the transaction's tenant and user once per statement.
--
-- A policy written as tenant_id = app_tenant_id() inlines to a cast of current_setting() to
-- uuid, which PostgreSQL evaluates wherever the policy's condition is checked: on every row a
-- filter looks at, and on every rescan of the inner side of a join, where the setting is
-- looked up and its text parsed into a uuid again. Written as a scalar subquery, the value is
-- computed once per statement (an InitPlan) and every check compares two uuids. Which rows a
-- policy lets through is unchanged.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enable_tenant_rls(tbl regclass) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (tenant_id = (SELECT app_tenant_id())) WITH CHECK (tenant_id = (SELECT app_tenant_id()))', tbl);
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
        EXECUTE format('ALTER POLICY tenant_isolation ON %s USING (tenant_id = (SELECT app_tenant_id())) WITH CHECK (tenant_id = (SELECT app_tenant_id()))', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

ALTER POLICY own_memberships ON memberships USING (user_id = (SELECT app_user_id()));

-- +goose Down
ALTER POLICY own_memberships ON memberships USING (user_id = app_user_id());

-- +goose StatementBegin
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT format('%I.%I', schemaname, tablename)::regclass FROM pg_policies
              WHERE schemaname = 'public' AND policyname = 'tenant_isolation'
    LOOP
        EXECUTE format('ALTER POLICY tenant_isolation ON %s USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enable_tenant_rls(tbl regclass) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', tbl);
END
$$;
-- +goose StatementEnd
