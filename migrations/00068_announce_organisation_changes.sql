-- An organisation's own row announces its changes on tenant_changes, like the tables of its
-- data (00066). A server keeps who each person is in an organisation, with the
-- organisation's name and slug that every page shows, until the organisation changes; a
-- rename or removal made by hand or by another server must void that too. The payload is the
-- organisation's id, which is the row's own.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION announce_organisation_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tenant_changes', o.id::text) FROM changed_rows o;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER organisations_announce_update AFTER UPDATE ON organisations
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION announce_organisation_changes();
CREATE TRIGGER organisations_announce_delete AFTER DELETE ON organisations
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION announce_organisation_changes();

-- +goose Down
DROP TRIGGER organisations_announce_delete ON organisations;
DROP TRIGGER organisations_announce_update ON organisations;
DROP FUNCTION announce_organisation_changes();
