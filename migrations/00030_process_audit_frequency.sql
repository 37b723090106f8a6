-- The audit programme (ISO 9001 9.2.2 a) plans each process's audits at a frequency that
-- takes its importance and earlier results into account. The frequency is a property of the
-- process; the programme suggests the next audit from it.

-- +goose Up
ALTER TABLE processes
    ADD COLUMN audit_frequency_months integer NOT NULL DEFAULT 12
        CHECK (audit_frequency_months BETWEEN 1 AND 60);

-- +goose Down
ALTER TABLE processes DROP COLUMN audit_frequency_months;
