package database

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// riverSchemaVersion is the River schema version migration 4 brings the database to. A River
// upgrade that needs a newer schema adds a new Go migration with a higher target, so the
// schema never changes under an already applied migration.
const riverSchemaVersion = 8

// goMigrationsFingerprint changes whenever a Go migration changes, so test templates (keyed by
// the migrations) are rebuilt; see dbtest.MigrationsHash.
const goMigrationsFingerprint = "00004 river schema 8"

// GoMigrationsFingerprint identifies the Go migrations for anything that caches migrated
// databases.
func GoMigrationsFingerprint() string { return goMigrationsFingerprint }

// goMigrations are the migrations written in Go rather than SQL: River's job-queue schema,
// which River itself knows how to create and remove.
func goMigrations() []*goose.Migration {
	return []*goose.Migration{
		goose.NewGoMigration(4,
			&goose.GoFunc{RunDB: migrateJobQueue(rivermigrate.DirectionUp, riverSchemaVersion)},
			&goose.GoFunc{RunDB: migrateJobQueue(rivermigrate.DirectionDown, -1)},
		),
	}
}

// migrateJobQueue runs River's own migrator, which commits each River version separately (a
// version may add an enum value that the next one uses, which PostgreSQL allows only after a
// commit), on a small pool opened with goose's connection settings; then it grants the server's
// role what River needs. River's tables are global: a job names the organisation it works for
// in its arguments, and its worker opens a transaction scoped to that organisation.
func migrateJobQueue(direction rivermigrate.Direction, target int) func(context.Context, *sql.DB) error {
	return func(ctx context.Context, db *sql.DB) error {
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		var connString string
		err = conn.Raw(func(driverConn any) error {
			connString = driverConn.(*stdlib.Conn).Conn().Config().ConnString()
			return nil
		})
		conn.Close()
		if err != nil {
			return err
		}
		cfg, err := pgxpool.ParseConfig(connString)
		if err != nil {
			return err
		}
		cfg.MaxConns = 2
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return err
		}
		defer pool.Close()
		migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
		if err != nil {
			return err
		}
		if _, err := migrator.Migrate(ctx, direction, &rivermigrate.MigrateOpts{TargetVersion: target}); err != nil {
			return fmt.Errorf("river schema: %w", err)
		}
		if direction == rivermigrate.DirectionUp {
			if _, err := pool.Exec(ctx, grantJobQueue); err != nil {
				return fmt.Errorf("granting the job queue to plumbline_app: %w", err)
			}
		}
		return nil
	}
}

const grantJobQueue = `
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = current_schema() AND c.relname LIKE 'river\_%' AND c.relkind IN ('r', 'S')
    LOOP
        IF r.relkind = 'r' THEN
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I TO plumbline_app', r.relname);
        ELSE
            EXECUTE format('GRANT USAGE, SELECT, UPDATE ON SEQUENCE %I TO plumbline_app', r.relname);
        END IF;
    END LOOP;
END
$$`
