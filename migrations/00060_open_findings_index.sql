-- Open findings, by process and by clause, as the dashboard tallies them: an index-only scan
-- of the organisation's open findings instead of every finding of each process.

-- +goose Up
CREATE INDEX findings_open_idx ON findings (tenant_id, process_id, classification, site_id, clause_number)
    WHERE status = 'open';

-- +goose Down
DROP INDEX findings_open_idx;
