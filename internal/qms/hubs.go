package qms

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/database"
)

// ClauseDocuments lists the current (not obsolete) documents that address a clause or one of
// its sub-clauses, by number, for the clause's page.
func (s *Service) ClauseDocuments(ctx context.Context, a Actor, number string) ([]Document, error) {
	if !clausePattern.MatchString(number) {
		return nil, notFound("Clause")
	}
	var out []Document
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, documentSelect+`
			 WHERE d.tenant_id = $1 AND d.obsoleted_at IS NULL
			   AND EXISTS (SELECT 1 FROM document_clauses c WHERE c.tenant_id = d.tenant_id AND c.document_id = d.id
			                  AND (c.clause_number = $2 OR c.clause_number LIKE $2 || '.%'))
			 ORDER BY d.number`, a.OrgID, number)
		if err != nil {
			return err
		}
		out, err = database.CollectRows[Document](rows)
		return err
	})
	return out, err
}
