package server

import (
	"context"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sessionStore is the PostgreSQL session store with a cheaper commit. With an idle timeout,
// scs commits the session at the end of every request only to push its expiry on; writing
// that row each time costs a write and a WAL flush per page view. This commit leaves the row
// alone while its data is unchanged and its expiry is less than sessionTouchInterval behind,
// so the idle timeout is kept to within that interval and a page view only reads.
type sessionStore struct {
	*pgxstore.PostgresStore
	pool *pgxpool.Pool
}

// sessionTouchInterval is how stale a session's stored expiry may get before a request
// writes it again.
const sessionTouchInterval = time.Minute

// Commit stores the session when it is new, changed, or its expiry is due to be moved on.
// An UPDATE that matches no row and an INSERT that selects none take no lock and write
// nothing.
func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	_, err := s.pool.Exec(context.Background(), `
		WITH changed AS (
			UPDATE sessions SET data = $2, expiry = $3::timestamptz
			 WHERE token = $1 AND (data <> $2 OR expiry < $3::timestamptz - make_interval(secs => $4::float8))
			RETURNING 1)
		INSERT INTO sessions (token, data, expiry)
		SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE token = $1)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`,
		token, b, expiry, sessionTouchInterval.Seconds())
	return err
}
