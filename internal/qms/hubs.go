package qms

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/database"
)

// ClauseDocuments lists the first limit current (not obsolete) documents, by number, that
// address a clause or one of its sub-clauses, for the clause's page; NextAfter says more follow.
func (s *Service) ClauseDocuments(ctx context.Context, a Actor, number string, limit int) (DocumentPage, error) {
	if !clausePattern.MatchString(number) {
		return DocumentPage{}, notFound("Clause")
	}
	var out DocumentPage
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, documentSelect+`
			 WHERE d.tenant_id = $1 AND d.obsoleted_at IS NULL
			   AND EXISTS (SELECT 1 FROM document_clauses c WHERE c.tenant_id = d.tenant_id AND c.document_id = d.id
			                  AND (c.clause_number = $2 OR c.clause_number LIKE $2 || '.%'))
			 ORDER BY d.number LIMIT $3`, a.OrgID, number, limit+1)
		if err != nil {
			return err
		}
		docs, err := database.CollectRows[Document](rows)
		out = documentPageOf(docs, limit)
		return err
	})
	return out, err
}
