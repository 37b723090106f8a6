-- The records list is ordered by the event date of each record's current revision. Kept on
-- the record too, the list walks one index of the organisation's records newest first and
-- stops at a page, whatever the plan PostgreSQL keeps for the query: ordering by the
-- revision's date made a kept plan pair all of a large organisation's records with all
-- their revisions before it could sort. The service writes it with every change of the
-- current revision.

-- +goose Up
ALTER TABLE records ADD COLUMN event_date date;
UPDATE records r SET event_date = v.event_date
  FROM record_revisions v
 WHERE v.tenant_id = r.tenant_id AND v.id = r.current_revision_id;
ALTER TABLE records ADD CONSTRAINT records_event_date_check
    CHECK (state = 'disposed' OR event_date IS NOT NULL);
CREATE INDEX records_event_date_idx ON records (tenant_id, event_date DESC, ref DESC)
    WHERE current_revision_id IS NOT NULL;

-- +goose Down
DROP INDEX records_event_date_idx;
ALTER TABLE records DROP COLUMN event_date;
