package qms

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// RaiseReviewFlagForTest runs raiseReviewFlag in a transaction of its own, the way later use
// cases (a risk rising a band, a finding) will call it from theirs.
func (s *Service) RaiseReviewFlagForTest(ctx context.Context, a Actor, documentID uuid.UUID, reason string, src FlagSource) (ReviewFlag, bool, error) {
	var flag ReviewFlag
	var created bool
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		var err error
		flag, created, err = raiseReviewFlag(ctx, tx, a, s.now(), documentID, reason, src)
		return err
	})
	return flag, created, err
}
