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

// Open connects a pool (PoolConfig) and checks that the server answers.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := PoolConfig(url)
	if err != nil {
		return nil, err
	}
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

// PoolConfig is how the application's pools connect to url: the server's, the benchmark's
// and the tests', so that they all read values alike.
func PoolConfig(url string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "plumbline"
	cfg.AfterConnect = registerTypes
	// Statements are prepared once per connection, and PostgreSQL may keep a generic plan for
	// one after five runs (plan_cache_mode auto, the default); QueueKeptPlan makes it keep one
	// from the first: planning a page's joins for each request cost ten times what running
	// them did. A kept plan assumes every tenant holds an average share of a table, so
	// queries are written to suit any tenant: the WHERE clause names only the filters that
	// are set, and a list chooses its page from one table along an index led by tenant_id
	// before joining the rest. QueuePlannedEachRun is the exception for a query whose plan
	// must follow its values.
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	return cfg, nil
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
// round trip. A pgx batch travels as one pipeline closed by a single Sync, and PostgreSQL runs
// everything before a Sync as one implicit transaction: the first statement makes it read-only
// and sets the scope for it alone, and the Sync ends it, so no BEGIN or COMMIT is sent. Each
// query's callback (Query, QueryRow, Exec) runs as its results arrive; the first error stops
// the rest and the transaction rolls back. An empty batch (everything a page needed was kept,
// see qms.orgCache) costs no round trip.
func ReadBatch(ctx context.Context, pool *pgxpool.Pool, s Scope, b *pgx.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	full := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+1)}
	full.Queue(`SELECT set_config('transaction_read_only', 'on', true),
		set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)`,
		uuidOrEmpty(s.TenantID), uuidOrEmpty(s.UserID))
	full.QueuedQueries = append(full.QueuedQueries, b.QueuedQueries...)
	return pool.SendBatch(ctx, full).Close()
}

// QueueKeptPlan queues a query that runs a plan kept for its shape from its first run. Left
// to choose (plan_cache_mode auto), PostgreSQL compares the cost of a kept plan, estimated for
// a tenant of average size, with the cost of plans made for the values at hand; for the first
// page of a large organisation's list the latter look cheaper (a LIMIT over many rows), so it
// planned such a list afresh on every request, which cost more than running it. The query
// must suit a kept plan (see PoolConfig). The setting is changed for this transaction only,
// around the query, in the same pipeline.
func QueueKeptPlan(b *pgx.Batch, sql string, args ...any) *pgx.QueuedQuery {
	return queueWithPlanMode(b, "force_generic_plan", sql, args)
}

// QueuePlannedEachRun queues a query that PostgreSQL plans for each run's values. It is for
// the few queries whose best plan depends on the values: a full-text search, whose matches
// may be three documents or three thousand.
func QueuePlannedEachRun(b *pgx.Batch, sql string, args ...any) *pgx.QueuedQuery {
	return queueWithPlanMode(b, "force_custom_plan", sql, args)
}

func queueWithPlanMode(b *pgx.Batch, mode, sql string, args []any) *pgx.QueuedQuery {
	b.Queue(`SELECT set_config('plan_cache_mode', $1, true)`, mode)
	q := b.Queue(sql, args...)
	b.Queue(`SELECT set_config('plan_cache_mode', 'auto', true)`)
	return q
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
