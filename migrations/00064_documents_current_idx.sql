-- The document register lists documents in force by number. Page reads run plans kept for
-- their shape, which assume a tenant of average size: a few dozen documents, fewer than a
-- page. With only the (tenant_id, number) key and the partial review index to choose from,
-- such a plan read every document in force through the review index and sorted them, which
-- for an organisation of ten thousand documents cost ten times walking them in order. This
-- index holds exactly the documents in force, in number order, so a plan of any size walks
-- it to one page.

-- +goose Up
CREATE INDEX documents_current_idx ON documents (tenant_id, number) WHERE obsoleted_at IS NULL;

-- +goose Down
DROP INDEX documents_current_idx;
