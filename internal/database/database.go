// Package database opens PostgreSQL pools, runs tenant-scoped transactions, applies the embedded
// migrations and checks that the server's role is safe to serve with.
package database

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Open connects a pool and checks that the server answers.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "plumbline"
	// The list queries take optional filters as ($n IS NULL OR column = $n). A generic plan,
	// which PostgreSQL switches a prepared statement to after five runs, cannot drop the filters
	// that are off and misjudges one tenant's share of a table: it joined and sorted a whole
	// register to show its first page. Plans made for each run's values keep to the indexes.
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %w", redact(cfg.ConnConfig), err)
	}
	return pool, nil
}

func redact(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// Scope is who a transaction works for: row-level security reads both values. A zero TenantID
// means no tenant, under which every tenant table reads as empty.
type Scope struct {
	TenantID uuid.UUID
	UserID   uuid.UUID
}

func (s Scope) beginQuery(readOnly bool) string {
	begin := "BEGIN"
	if readOnly {
		begin = "BEGIN READ ONLY"
	}
	// Both values are uuid.UUID, whose text form is hex and dashes only, so they are safe to
	// put in the statement. Sending BEGIN and set_config as one simple-protocol message costs
	// one round trip instead of two.
	return fmt.Sprintf("%s; SELECT set_config('app.tenant_id', '%s', true), set_config('app.user_id', '%s', true)",
		begin, uuidOrEmpty(s.TenantID), uuidOrEmpty(s.UserID))
}

func uuidOrEmpty(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// Tx runs fn in one transaction scoped to s, committing when fn returns nil. The tenant is set
// for this transaction only, never on the pooled connection, so it cannot leak to the next
// request that borrows it.
func Tx(ctx context.Context, pool *pgxpool.Pool, s Scope, fn func(pgx.Tx) error) error {
	return run(ctx, pool, s, false, fn)
}

// ReadTx is Tx for work that only reads; PostgreSQL refuses any write inside it.
func ReadTx(ctx context.Context, pool *pgxpool.Pool, s Scope, fn func(pgx.Tx) error) error {
	return run(ctx, pool, s, true, fn)
}

func run(ctx context.Context, pool *pgxpool.Pool, s Scope, readOnly bool, fn func(pgx.Tx) error) error {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{BeginQuery: s.beginQuery(readOnly)})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// ReadBatch runs the queries queued in b in one read-only transaction scoped to s, in a single
// round trip: BEGIN, the scope, the queries and COMMIT travel as one pipeline, where Tx or
// ReadTx with a batch inside takes three. Each query's callback (Query, QueryRow, Exec) runs as
// its results arrive; the first error stops the rest and rolls back. Like every transaction
// of the pool, its statements are planned for each run's values.
func ReadBatch(ctx context.Context, pool *pgxpool.Pool, s Scope, b *pgx.Batch) error {
	return readBatch(ctx, pool, s, b, false)
}

// ReadBatchKeepingPlans is ReadBatch for queries whose plan suits every run of their shape
// (plan_cache_mode auto: PostgreSQL may keep a generic plan and skip planning). Write such
// queries without optional-filter catch-alls and so that the plan cannot join or sort a
// whole table before it limits: a generic plan assumes a tenant holds an average share.
func ReadBatchKeepingPlans(ctx context.Context, pool *pgxpool.Pool, s Scope, b *pgx.Batch) error {
	return readBatch(ctx, pool, s, b, true)
}

func readBatch(ctx context.Context, pool *pgxpool.Pool, s Scope, b *pgx.Batch, keepPlans bool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	planMode := "force_custom_plan"
	if keepPlans {
		planMode = "auto"
	}
	full := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+3)}
	full.Queue("BEGIN READ ONLY")
	full.Queue(`SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true),
	                   set_config('plan_cache_mode', $3, true)`,
		uuidOrEmpty(s.TenantID), uuidOrEmpty(s.UserID), planMode)
	full.QueuedQueries = append(full.QueuedQueries, b.QueuedQueries...)
	full.Queue("COMMIT")
	err = conn.SendBatch(ctx, full).Close()
	if conn.Conn().PgConn().TxStatus() != 'I' {
		// An error skipped the rest of the pipeline, COMMIT included: end the transaction here
		// so the connection goes back to the pool clean (the pool drops it if this fails too).
		_, rbErr := conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		if err == nil {
			err = rbErr
		}
	}
	return err
}

// PostgreSQL error codes the service layer turns into answers a person understands.
const (
	CodeUniqueViolation     = "23505"
	CodeForeignKeyViolation = "23503"
	CodeCheckViolation      = "23514"
	CodeInsufficientPriv    = "42501"
)

// ErrorCode returns the SQLSTATE of a PostgreSQL error, or "" for any other error.
func ErrorCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// ConstraintName returns the constraint a PostgreSQL error names, or "".
func ConstraintName(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName
	}
	return ""
}
