package database

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/plumbline/plumbline/migrations"
)

// Migrator applies the embedded migrations as the role of the URL it was opened with, which
// becomes the owner of every table. A PostgreSQL session lock makes concurrent starts wait for
// each other instead of racing.
type Migrator struct {
	provider *goose.Provider
	close    func() error
}

// OpenMigrator connects to url for migrating. Log output goes to w (nil: discarded).
func OpenMigrator(url string, w io.Writer) (*Migrator, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("migration database URL: %w", err)
	}
	cfg.RuntimeParams["application_name"] = "plumbline-migrate"
	db := stdlib.OpenDB(*cfg)
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	if w == nil {
		w = io.Discard
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS,
		goose.WithSessionLocker(locker),
		goose.WithGoMigrations(goMigrations()...),
		goose.WithSlog(slog.New(slog.NewTextHandler(w, nil))),
	)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return &Migrator{provider: p, close: db.Close}, nil
}

// Close releases the migration connection.
func (m *Migrator) Close() error { return m.close() }

// Up applies every pending migration.
func (m *Migrator) Up(ctx context.Context) ([]*goose.MigrationResult, error) {
	return m.provider.Up(ctx)
}

// Down rolls back the most recent migration.
func (m *Migrator) Down(ctx context.Context) (*goose.MigrationResult, error) {
	return m.provider.Down(ctx)
}

// DownTo rolls back to version (0: everything).
func (m *Migrator) DownTo(ctx context.Context, version int64) ([]*goose.MigrationResult, error) {
	return m.provider.DownTo(ctx, version)
}

// Status lists every migration and whether it is applied.
func (m *Migrator) Status(ctx context.Context) ([]*goose.MigrationStatus, error) {
	return m.provider.Status(ctx)
}

// MigrateUp is the one-call form used by start-up paths.
func MigrateUp(ctx context.Context, url string, w io.Writer) error {
	m, err := OpenMigrator(url, w)
	if err != nil {
		return err
	}
	defer m.Close()
	_, err = m.Up(ctx)
	return err
}
