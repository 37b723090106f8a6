-- A changed or deleted session is announced on the channel session_changes when its
-- transaction commits. A server keeps the sessions it has read, so that a page view does not
-- read its session from the database every time; a sign-out, a session changed by another
-- server or one deleted by hand must reach every server's copy.
--
-- The payload is the SHA-256 of the token in hex, not the token: whoever may listen learns
-- which session changed, not how to use it. A new session needs no announcement (no server
-- has it yet). A deleted session whose expiry has passed needs none either: a kept copy of it
-- has passed its expiry too, since a kept copy's expiry is never later than the stored one.
-- The sweep of expired sessions therefore announces nothing.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION announce_session_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('session_changes', encode(sha256(convert_to(s.token, 'UTF8')), 'hex'))
       FROM changed_sessions s
      WHERE TG_OP = 'UPDATE' OR s.expiry > current_timestamp;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER sessions_announce_update AFTER UPDATE ON sessions
    REFERENCING NEW TABLE AS changed_sessions FOR EACH STATEMENT EXECUTE FUNCTION announce_session_changes();
CREATE TRIGGER sessions_announce_delete AFTER DELETE ON sessions
    REFERENCING OLD TABLE AS changed_sessions FOR EACH STATEMENT EXECUTE FUNCTION announce_session_changes();

-- +goose Down
DROP TRIGGER sessions_announce_delete ON sessions;
DROP TRIGGER sessions_announce_update ON sessions;
DROP FUNCTION announce_session_changes();
