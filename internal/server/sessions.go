package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
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
	// kept, if not nil, are the sessions this server keeps while it hears of their changes.
	kept *keptSessions
}

// sessionTouchInterval is how stale a session's stored expiry may get before a request
// writes it again.
const sessionTouchInterval = time.Minute

// Commit stores the session when it is new, changed, or its expiry is due to be moved on.
// An UPDATE that matches no row and an INSERT that selects none take no lock and write
// nothing.
func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	defer s.forget(token)
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

// sessionLoaded is what FindCtx read for this request, so that CommitCtx can tell without a
// round trip that the session is as stored. loadSession puts an empty one in the context.
type sessionLoaded struct {
	token  string
	data   []byte
	expiry time.Time
}

type sessionLoadedKey struct{}

// FindCtx reads the session like the PostgreSQL store, or takes the copy this server kept,
// and notes what it read for CommitCtx.
func (s sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	digest, now := tokenDigest(token), time.Now()
	var ticket uint64
	if s.kept != nil {
		var kept keptSession
		var ok bool
		if kept, ticket, ok = s.kept.lookup(digest, now); ok {
			noteLoaded(ctx, token, kept.data, kept.expiry)
			return kept.data, true, nil
		}
	}
	var (
		b      []byte
		expiry time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT data, expiry FROM sessions WHERE token = $1 AND current_timestamp < expiry`, token).
		Scan(&b, &expiry)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if s.kept != nil {
		s.kept.keep(digest, ticket, keptSession{data: b, expiry: expiry}, now)
	}
	noteLoaded(ctx, token, b, expiry)
	return b, true, nil
}

// noteLoaded tells CommitCtx what this request read, if loadSession asked.
func noteLoaded(ctx context.Context, token string, b []byte, expiry time.Time) {
	if seen, ok := ctx.Value(sessionLoadedKey{}).(*sessionLoaded); ok {
		*seen = sessionLoaded{token: token, data: b, expiry: expiry}
	}
}

// Delete deletes the session (signing out) and forgets this server's copy at once; other
// servers hear of it from the database.
func (s sessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete within a request.
func (s sessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token)
	s.forget(token)
	return err
}

// forget voids this server's copy of a session it is changing.
func (s sessionStore) forget(token string) {
	if s.kept != nil {
		s.kept.changed(tokenDigest(token))
	}
}

// CommitCtx skips the database when this request read the session and it is unchanged with
// its stored expiry less than sessionTouchInterval behind: a page view then costs one round
// trip for its session, not two. Encoded sessions are compared decoded, because the encoding
// of the values map follows map order.
func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if seen, ok := ctx.Value(sessionLoadedKey{}).(*sessionLoaded); ok && seen.token == token &&
		expiry.Sub(seen.expiry) < sessionTouchInterval && sameSession(seen.data, b) {
		return nil
	}
	return s.Commit(token, b, expiry)
}

func sameSession(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true // the usual case, without decoding: one value, or the same map order
	}
	var codec sessionCodec
	da, va, errA := codec.Decode(a)
	db, vb, errB := codec.Decode(b)
	return errA == nil && errB == nil && da.Equal(db) && reflect.DeepEqual(va, vb)
}

// sessionCodec stores a session as JSON. scs's default, gob, describes its types again in
// every encoded session, and decoding that description cost more than reading the session's
// row. Sessions hold only strings and booleans (who is signed in, a one-time message), which
// JSON keeps exactly; Encode refuses anything else rather than change its type on the way
// back. Sessions written as gob before this codec are still read.
type sessionCodec struct{}

type sessionJSON struct {
	Deadline time.Time      `json:"deadline"`
	Values   map[string]any `json:"values"`
}

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	for k, v := range values {
		switch v.(type) {
		case string, bool:
		default:
			return nil, fmt.Errorf("session value %q is a %T: sessions hold strings and booleans", k, v)
		}
	}
	return json.Marshal(sessionJSON{Deadline: deadline, Values: values})
}

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) == 0 || b[0] != '{' {
		return scs.GobCodec{}.Decode(b)
	}
	var s sessionJSON
	if err := json.Unmarshal(b, &s); err != nil {
		return time.Time{}, nil, err
	}
	if s.Values == nil {
		s.Values = map[string]any{}
	}
	return s.Deadline, s.Values, nil
}
