package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plumbline/plumbline/internal/database"
	"github.com/plumbline/plumbline/internal/database/dbtest"
	"github.com/plumbline/plumbline/internal/evidence"
	"github.com/plumbline/plumbline/internal/qms"
)

// serverRole is the login role the benchmarked server connects as: in plumbline_app, bound by
// row-level security like the real server.
const serverRole = "plumbline_bench_web"

// Database is the benchmark's database, ready to serve.
type Database struct {
	Name        string
	AdminURL    string
	AppURL      string
	Admin       *pgxpool.Pool
	App         *pgxpool.Pool
	Reused      bool
	GenerateFor time.Duration
}

// Close closes both pools.
func (d *Database) Close() {
	d.App.Close()
	d.Admin.Close()
}

// Prepare makes sure dbname holds the data set of sc for the current migrations: it reuses it
// when the marker says so, and otherwise builds it from scratch. adminURL is a superuser.
func Prepare(ctx context.Context, adminURL, dbname string, sc Scale, log io.Writer) (*Database, error) {
	hash, err := dbtest.MigrationsHash()
	if err != nil {
		return nil, err
	}
	d := &Database{Name: dbname, AdminURL: withDatabase(adminURL, dbname, nil)}
	maint, err := pgx.Connect(ctx, withDatabase(adminURL, "postgres", nil))
	if err != nil {
		return nil, fmt.Errorf("connecting as the administrator: %w", err)
	}
	defer maint.Close(ctx)
	password := rand.Text()
	if err := database.EnsureLoginRole(ctx, maint, serverRole, password); err != nil {
		return nil, err
	}
	d.AppURL = withDatabase(adminURL, dbname, url.UserPassword(serverRole, password))

	d.Reused = markerMatches(ctx, d.AdminURL, sc.Key(), hash)
	if !d.Reused {
		fmt.Fprintf(log, "building the data set (%s scale) in database %s\n", sc.Name, dbname)
		if _, err := maint.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{dbname}.Sanitize()+" WITH (FORCE)"); err != nil {
			return nil, err
		}
		if _, err := maint.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{dbname}.Sanitize()); err != nil {
			return nil, err
		}
		if err := database.MigrateUp(ctx, d.AdminURL, nil); err != nil {
			return nil, fmt.Errorf("migrating %s: %w", dbname, err)
		}
	}
	if d.Admin, err = pgxpool.New(ctx, d.AdminURL); err != nil {
		return nil, err
	}
	if d.App, err = OpenApp(ctx, d.AppURL); err != nil {
		d.Admin.Close()
		return nil, err
	}
	if d.Reused {
		var secs float64
		_ = d.Admin.QueryRow(ctx, `SELECT seconds FROM bench_dataset`).Scan(&secs)
		d.GenerateFor = time.Duration(secs * float64(time.Second))
		fmt.Fprintf(log, "reusing the data set in %s (%s scale; built in %s)\n", dbname, sc.Name, d.GenerateFor.Round(time.Second))
		return d, nil
	}
	start := time.Now()
	dir := tempDir()
	defer os.RemoveAll(dir)
	store, err := evidence.Open(dir)
	if err != nil {
		d.Close()
		return nil, err
	}
	svc := qms.New(d.App, qms.Options{Evidence: store})
	defer svc.Close()
	if err := Generate(ctx, svc, d.Admin, sc, func(s string) { fmt.Fprintln(log, "  "+s) }); err != nil {
		d.Close()
		return nil, err
	}
	if err := ensureFortunes(ctx, d.Admin); err != nil {
		d.Close()
		return nil, err
	}
	d.GenerateFor = time.Since(start)
	if _, err := d.Admin.Exec(ctx, `CREATE TABLE bench_dataset (scale text NOT NULL, migrations text NOT NULL, seconds double precision NOT NULL, built_at timestamptz NOT NULL DEFAULT now());
		INSERT INTO bench_dataset (scale, migrations, seconds) VALUES ('`+quote(sc.Key())+`', '`+hash+`', `+fmt.Sprint(d.GenerateFor.Seconds())+`)`); err != nil {
		d.Close()
		return nil, err
	}
	fmt.Fprintf(log, "data set built in %s\n", d.GenerateFor.Round(time.Millisecond))
	return d, nil
}

// OpenApp opens a pool as the server would, refusing a role that could bypass row-level
// security.
func OpenApp(ctx context.Context, appURL string) (*pgxpool.Pool, error) {
	pool, err := database.Open(ctx, appURL)
	if err != nil {
		return nil, err
	}
	if err := database.CheckServerRole(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

func markerMatches(ctx context.Context, dbURL, scale, hash string) bool {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return false
	}
	defer conn.Close(ctx)
	var s, h string
	if err := conn.QueryRow(ctx, `SELECT scale, migrations FROM bench_dataset`).Scan(&s, &h); err != nil {
		return false
	}
	return s == scale && h == hash
}

func quote(s string) string {
	out := []byte{}
	for _, c := range []byte(s) {
		if c == '\'' {
			out = append(out, '\'')
		}
		out = append(out, c)
	}
	return string(out)
}

func withDatabase(base, dbname string, user *url.Userinfo) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(fmt.Sprintf("the database URL must be a URL: %v", err))
	}
	u.Path = "/" + dbname
	if user != nil {
		u.User = user
	}
	return u.String()
}
