-- The documents in force each owner must review, by review date: the home page counts the
-- viewer's reviews due from this index alone. Read through documents_owner_idx, every
-- document the person owns was fetched to look at its review date and whether it is in force.

-- +goose Up
CREATE INDEX documents_owner_review_idx ON documents (tenant_id, owner_user_id, next_review_on)
    WHERE obsoleted_at IS NULL;

-- +goose Down
DROP INDEX documents_owner_review_idx;
