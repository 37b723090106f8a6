// Package qms is Plumbline's service layer: every rule and every write of the quality
// management system. The web server, the command line and background jobs all go through it.
//
// A public method is one use case. It checks first that the actor may do it, then runs its
// reads and writes, knock-on effects and audit-trail entry in one transaction scoped to the
// actor's organisation. Lowercase helpers take that transaction and never open their own.
package qms

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
	"github.com/plumbline/plumbline/internal/evidence"
)

// Service is the one entry point to the QMS.
type Service struct {
	pool *pgxpool.Pool
	opts Options
	// now is the clock; tests move it to check rules that depend on dates.
	now func() time.Time
	// Background work started by use cases (record imports): it runs under bgCtx, which
	// Close cancels, and bg counts what is still running.
	bg     sync.WaitGroup
	bgCtx  context.Context
	bgStop context.CancelFunc
	log    *slog.Logger
	// clauses are the standard's clauses, read once.
	clauses clauseList
	// cache keeps what pages read of a whole organisation while FollowChanges listens.
	cache *orgCache
}

// Options are the service's settings beyond the database.
type Options struct {
	// Evidence stores uploaded files. Without it, uploads are refused.
	Evidence *evidence.Store
	// MaxUploadBytes is the largest file accepted (default 50 MiB).
	MaxUploadBytes int64
	// Logger receives what background work cannot tell a user (default slog.Default()).
	Logger *slog.Logger
}

// DefaultMaxUploadBytes is the upload limit unless configured otherwise.
const DefaultMaxUploadBytes = 50 << 20

// New returns a service on pool, which must connect as the server's role (see
// database.CheckServerRole) so that row-level security applies.
func New(pool *pgxpool.Pool, opts Options) *Service {
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Service{pool: pool, opts: opts, now: time.Now, log: opts.Logger, cache: newOrgCache(orgCacheEntries)}
	s.bgCtx, s.bgStop = context.WithCancel(context.Background())
	return s
}

// background runs fn apart from the request that started it. A use case starts it only after
// its transaction committed, so fn always finds what it needs in the database.
func (s *Service) background(fn func(ctx context.Context)) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		fn(s.bgCtx)
	}()
}

// SetLogger sends what background work logs to l. Call it before serving.
func (s *Service) SetLogger(l *slog.Logger) { s.log = l }

// Wait blocks until background work (such as record imports) has finished.
func (s *Service) Wait() { s.bg.Wait() }

// Close stops background work and waits for it to wind down. Work that was interrupted
// rolled back and is resumed by the next server (ResumeRecordImports).
func (s *Service) Close() {
	s.bgStop()
	s.bg.Wait()
}

// today is the service clock's date (UTC): the day that date rules compare with (review due,
// event dates not in the future, past retention).
func (s *Service) today() time.Time {
	y, m, d := s.now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Today is the date the service's rules go by, for pages that mark what is due or overdue.
func (s *Service) Today() time.Time { return s.today() }

// nilIfZero stores an optional reference: no id is NULL.
func nilIfZero(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// MaxUploadBytes is the largest file the service accepts.
func (s *Service) MaxUploadBytes() int64 { return s.opts.MaxUploadBytes }

// SetClock replaces the clock, for tests and for the demo seed that writes history.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Pool exposes the pool to the server's health check and session store.
func (s *Service) Pool() *pgxpool.Pool { return s.pool }

// Actor is who performs a use case, and in which organisation with which role.
type Actor struct {
	UserID  uuid.UUID
	Name    string
	Email   string
	OrgID   uuid.UUID
	OrgSlug string
	OrgName string
	Role    auth.Role
}

// Can reports whether the actor's role holds p.
func (a Actor) Can(p auth.Permission) bool { return a.Role.Can(p) }

// Require returns a forbidden error unless the actor's role holds p. Every use case starts with
// it; a page that only offers a use case may call it to refuse early.
func (a Actor) Require(p auth.Permission) error {
	if !a.Can(p) {
		return forbidden()
	}
	return nil
}

func (a Actor) scope() database.Scope {
	return database.Scope{TenantID: a.OrgID, UserID: a.UserID}
}

// write runs fn in a transaction in the actor's organisation.
func (s *Service) write(ctx context.Context, a Actor, fn func(pgx.Tx) error) error {
	err := database.Tx(ctx, s.pool, a.scope(), fn)
	if err == nil && a.OrgID != uuid.Nil {
		// The database announces the change too (FollowChanges), a moment later: the author's
		// next page must not show what was kept from before it.
		s.cache.changed(a.OrgID)
	}
	return err
}

// read runs fn in a read-only transaction in the actor's organisation.
func (s *Service) read(ctx context.Context, a Actor, fn func(pgx.Tx) error) error {
	return database.ReadTx(ctx, s.pool, a.scope(), fn)
}

// readBatch runs the queries queued in b in one read-only transaction in the actor's
// organisation, in one round trip: a page's read use case queues all its queries.
func (s *Service) readBatch(ctx context.Context, a Actor, b *pgx.Batch) error {
	return database.ReadBatch(ctx, s.pool, a.scope(), b)
}
