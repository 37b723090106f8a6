package qms

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/database"
)

// Swept counts what Housekeeping removed.
type Swept struct {
	Sessions     int64
	SignInCounts int64
}

// Housekeeping removes sessions past their expiry and sign-in failure counts older than a day.
// Neither is organisation data, and neither is kept for the record: the audit trail is.
func (s *Service) Housekeeping(ctx context.Context) (Swept, error) {
	var out Swept
	err := database.Tx(ctx, s.pool, database.Scope{}, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`)
		if err != nil {
			return err
		}
		out.Sessions = tag.RowsAffected()
		tag, err = tx.Exec(ctx, `DELETE FROM sign_in_throttle WHERE window_started_at < now() - interval '1 day'`)
		out.SignInCounts = tag.RowsAffected()
		return err
	})
	return out, err
}
