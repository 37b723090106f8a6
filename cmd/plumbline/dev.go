package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/plumbline/plumbline/internal/database"
)

// The local developer's database: PostgreSQL on this machine, as its superuser.
const (
	localAdminURL   = "postgres://postgres@127.0.0.1:5432/plumbline?sslmode=disable"
	composeAdminURL = "postgres://plumbline:%s@127.0.0.1:5432/plumbline?sslmode=disable"
	devServerRole   = "plumbline_web"
)

// cmdDev is `make run`: find PostgreSQL, create the database and the server's role if they
// are missing, migrate, seed the demo organisation and serve it. Running it again reuses all
// of it.
func cmdDev(ctx context.Context, _ []string, stdout io.Writer) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	cfg.Production = false
	adminURL, err := findDevDatabase(ctx, stdout)
	if err != nil {
		return err
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return fmt.Errorf("DATABASE_URL is not a URL: %w", err)
	}
	dbname := strings.TrimPrefix(u.Path, "/")
	if dbname == "" {
		dbname = "plumbline"
		u.Path = "/plumbline"
	}

	// The server must not run as the administrator: it gets a login role of its own, in
	// plumbline_app, with a fresh password each start.
	password := rand.Text()
	if err := prepareDatabase(ctx, u, dbname, password, stdout); err != nil {
		return err
	}
	if err := database.MigrateUp(ctx, u.String(), nil); err != nil {
		return fmt.Errorf("migrating %s: %w", dbname, err)
	}
	app := *u
	app.User = url.UserPassword(devServerRole, password)
	pool, err := openServerPool(ctx, app.String())
	if err != nil {
		return err
	}
	defer pool.Close()
	svc, err := cfg.newService(pool)
	if err != nil {
		return err
	}
	if err := seedAndTell(ctx, svc, stdout); err != nil {
		return err
	}
	return serve(ctx, cfg, svc, newLogger(stdout, false), func(addr string) {
		fmt.Fprintf(stdout, "\nPlumbline is running: open http://%s/ and sign in. Stop it with Ctrl+C.\n\n", addr)
	})
}

func prepareDatabase(ctx context.Context, admin *url.URL, dbname, password string, stdout io.Writer) error {
	maintenance := *admin
	maintenance.Path = "/postgres"
	conn, err := pgx.Connect(ctx, maintenance.String())
	if err != nil {
		return fmt.Errorf("connecting as the administrator: %w", err)
	}
	defer conn.Close(ctx)
	created, err := database.EnsureDatabase(ctx, conn, dbname)
	if err != nil {
		return fmt.Errorf("creating database %s: %w (the DATABASE_URL role needs CREATEDB, or create the database yourself)", dbname, err)
	}
	if created {
		fmt.Fprintf(stdout, "created database %s\n", dbname)
	}
	if err := database.EnsureLoginRole(ctx, conn, devServerRole, password); err != nil {
		return fmt.Errorf("%w (the DATABASE_URL role needs CREATEROLE)", err)
	}
	return nil
}

// findDevDatabase picks the administrator connection for a local setup: DATABASE_URL when
// set; else PostgreSQL on 127.0.0.1:5432; else the compose file's database where Docker
// runs; else it explains how to get PostgreSQL.
func findDevDatabase(ctx context.Context, stdout io.Writer) (string, error) {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		fmt.Fprintln(stdout, "using DATABASE_URL (as the administrator: it creates the database and the server's role)")
		return u, nil
	}
	err := probe(ctx, localAdminURL)
	if err == nil {
		fmt.Fprintln(stdout, "using the local PostgreSQL on 127.0.0.1:5432")
		return localAdminURL, nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Something answered on 5432 but refused us: Docker cannot take the port either.
		return "", fmt.Errorf("PostgreSQL on 127.0.0.1:5432 refused the user postgres (%s).\n"+
			"Set DATABASE_URL to a role that may create databases and roles, for example\n"+
			"  DATABASE_URL=postgres://postgres:YOUR_PASSWORD@127.0.0.1:5432/plumbline make run", pgErr.Message)
	}
	if dockerRuns(ctx) {
		fmt.Fprintln(stdout, "no PostgreSQL on 127.0.0.1:5432: starting the compose file's database with Docker")
		cmd := exec.CommandContext(ctx, "docker", "compose", "up", "-d", "--wait", "db")
		cmd.Stdout, cmd.Stderr = stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("docker compose up -d db: %w", err)
		}
		pw := os.Getenv("POSTGRES_PASSWORD")
		if pw == "" {
			pw = "plumbline"
		}
		return fmt.Sprintf(composeAdminURL, url.QueryEscape(pw)), nil
	}
	return "", errors.New("no PostgreSQL found on 127.0.0.1:5432, and Docker is not available.\n" +
		"Get PostgreSQL 15 or later in one of these ways, then run `make run` again:\n" +
		"  - Debian/Ubuntu: sudo apt-get install postgresql (then DATABASE_URL=postgres://postgres:PASSWORD@127.0.0.1:5432/plumbline)\n" +
		"  - macOS: brew install postgresql@16 && brew services start postgresql@16\n" +
		"  - Docker: install Docker, and `make run` starts the database from docker-compose.yml\n" +
		"  - anywhere: set DATABASE_URL to a PostgreSQL role that may create databases and roles")
}

func probe(ctx context.Context, adminURL string) error {
	u, _ := url.Parse(adminURL)
	u.Path = "/postgres"
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		var netErr net.Error
		if errors.As(err, &netErr) {
			return netErr
		}
		return err
	}
	return conn.Close(ctx)
}

func dockerRuns(ctx context.Context) bool {
	if _, err := exec.LookPath("docker"); err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, "docker", "info").Run() == nil
}
