-- The CAPA list's order (open CAPAs oldest first, then closed ones newest first, then by
-- reference) as an index of each organisation, so a page is an index walk from its cursor
-- to fifty rows rather than a sort of every CAPA. The key is written with the difference
-- from the epoch, whose seconds are fixed, so that it can be indexed; it equals the
-- microseconds since the epoch of the time it reads.
--
-- Open actions by CAPA, with their due dates: whether a CAPA has an overdue action (the
-- dashboard's count and the list's filter) is one probe of this index per CAPA.

-- +goose Up
CREATE INDEX capas_list_idx ON capas (tenant_id, (status = 'closed'),
    (CASE WHEN status = 'closed'
          THEN -(extract(epoch FROM closed_at - timestamptz '1970-01-01 00:00:00+00') * 1000000)::bigint
          ELSE (extract(epoch FROM opened_at - timestamptz '1970-01-01 00:00:00+00') * 1000000)::bigint END),
    reference);
CREATE INDEX capa_actions_open_idx ON capa_actions (tenant_id, capa_id, due_date) WHERE status = 'open';

-- +goose Down
DROP INDEX capa_actions_open_idx;
DROP INDEX capas_list_idx;
