// Package dbtest gives each test its own PostgreSQL database, cloned from a template that is
// migrated once per set of migrations. Tests connect as a login role in plumbline_app, exactly
// like the server, so row-level security is in force; an admin pool (superuser) is there for
// the few tests that must step around it, such as tampering with the audit trail.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plumbline/plumbline/internal/database"
	"github.com/plumbline/plumbline/migrations"
)

// DefaultAdminURL is used when TEST_DATABASE_URL is not set: the local PostgreSQL as postgres.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

const (
	appRole     = "plumbline_test"
	appPassword = "plumbline_test"
	dbPrefix    = "plumbline_t_"
)

// DB is one test's database.
type DB struct {
	Name     string
	AppURL   string        // as the server's kind of role: RLS applies
	AdminURL string        // as the superuser of TEST_DATABASE_URL
	App      *pgxpool.Pool // connected with AppURL
	Admin    *pgxpool.Pool // connected with AdminURL
}

var (
	setupOnce sync.Once
	setupErr  error
	template  string
)

// New creates a fresh, migrated database for t and drops it when t ends.
func New(t testing.TB) *DB {
	t.Helper()
	ctx := context.Background()
	setupOnce.Do(func() { setupErr = setup(ctx) })
	if setupErr != nil {
		t.Fatalf("test database setup: %v", setupErr)
	}
	name := fmt.Sprintf("%s%d_%s", dbPrefix, time.Now().Unix(), randomHex(4))
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatalf("connecting to TEST_DATABASE_URL: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize())); err != nil {
		t.Fatalf("cloning the template database: %v", err)
	}
	db := &DB{Name: name, AdminURL: withDatabase(AdminURL(), name, "", "")}
	db.AppURL = withDatabase(AdminURL(), name, appRole, appPassword)
	t.Cleanup(func() { drop(name) })
	// The application's pool is configured as the server's is (database.PoolConfig).
	appCfg, err := database.PoolConfig(db.AppURL)
	if err != nil {
		t.Fatalf("app pool: %v", err)
	}
	if db.App, err = pgxpool.NewWithConfig(ctx, appCfg); err != nil {
		t.Fatalf("app pool: %v", err)
	}
	t.Cleanup(db.App.Close)
	if db.Admin, err = pgxpool.New(ctx, db.AdminURL); err != nil {
		t.Fatalf("admin pool: %v", err)
	}
	t.Cleanup(db.Admin.Close)
	return db
}

// AdminURL is the superuser URL tests create databases with.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultAdminURL
}

// MigrationsHash identifies the current set of migrations (SQL files and Go migrations): the
// template is rebuilt when any migration changes, and different checkouts on one server keep separate templates.
func MigrationsHash() (string, error) {
	h := sha256.New()
	h.Write([]byte(database.GoMigrationsFingerprint()))
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

func setup(ctx context.Context) error {
	sum, err := MigrationsHash()
	if err != nil {
		return err
	}
	template = "plumbline_tpl_" + sum
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return fmt.Errorf("connecting to %s (set TEST_DATABASE_URL to a server where databases may be created): %w", AdminURL(), err)
	}
	defer admin.Close(ctx)

	// Test processes of several packages start at once; one builds the template, the others
	// wait on this lock and then find it ready.
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(hashtext('plumbline-test-template'))`); err != nil {
		return err
	}
	defer admin.Exec(ctx, `SELECT pg_advisory_unlock(hashtext('plumbline-test-template'))`) //nolint:errcheck

	if err := database.EnsureLoginRole(ctx, admin, appRole, appPassword); err != nil {
		return err
	}
	dropStale(ctx, admin)

	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, template).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	// Build under a temporary name and rename at the end, so a run killed half-way never
	// leaves a half-migrated template behind.
	building := template + "_building"
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return err
	}
	if err := database.MigrateUp(ctx, withDatabase(AdminURL(), building, "", ""), nil); err != nil {
		return fmt.Errorf("migrating the template: %w", err)
	}
	_, err = admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, template))
	return err
}

// dropStale removes databases left by test runs that were killed before their clean-up ran.
func dropStale(ctx context.Context, admin *pgx.Conn) {
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE $1`, dbPrefix+"%")
	if err != nil {
		return
	}
	names, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	cutoff := time.Now().Add(-3 * time.Hour).Unix()
	for _, n := range names {
		stamp, _, _ := strings.Cut(strings.TrimPrefix(n, dbPrefix), "_")
		if created, err := strconv.ParseInt(stamp, 10, 64); err == nil && created < cutoff {
			_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize()+" WITH (FORCE)")
		}
	}
}

func drop(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return
	}
	defer admin.Close(ctx)
	_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

// withDatabase returns base with its database (and, when user is given, its credentials)
// replaced.
func withDatabase(base, dbname, user, password string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(fmt.Sprintf("TEST_DATABASE_URL must be a URL: %v", err))
	}
	u.Path = "/" + dbname
	if user != "" {
		u.User = url.UserPassword(user, password)
	}
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
