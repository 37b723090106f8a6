// Command plumbline is the one binary of Plumbline: the web server and the operator's commands.
//
//	plumbline serve [--migrate] [--seed-demo]
//	plumbline migrate up|down|status
//	plumbline org create --slug acme --name "Acme Ltd"
//	plumbline user create --email a@b.c --name "Ann" [--org acme --role quality_manager] --password-stdin
//	plumbline seed demo
//	plumbline audit-trail verify --org acme
//	plumbline dev          (what `make run` does: database, roles, migrations, demo, serve)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plumbline/plumbline/internal/evidence"
	"github.com/plumbline/plumbline/internal/qms"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "plumbline:", describe(err))
		os.Exit(1)
	}
}

const usage = `usage: plumbline <command> [arguments]

commands:
  serve [--migrate] [--seed-demo]   run the web server (PLUMBLINE_ADDR, default 127.0.0.1:8080)
  migrate up|down|status            apply, roll back one, or list migrations (MIGRATE_DATABASE_URL)
  org create --slug S --name N      register an organisation
  user create --email E --name N [--org S --role R] --password-stdin
                                    create an account, optionally as a member of an organisation
  seed demo                         create the demo organisation (safe to run again)
  audit-trail verify --org S        check an organisation's audit trail has not been altered
  dev                               set up a local database and serve the demo (make run)

environment: DATABASE_URL, MIGRATE_DATABASE_URL, PLUMBLINE_ADDR, PLUMBLINE_ENV, PLUMBLINE_DATA_DIR,
             PLUMBLINE_MAX_UPLOAD_MB`

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stdout)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout)
	case "org":
		return cmdOrg(ctx, rest, stdout)
	case "user":
		return cmdUser(ctx, rest, stdin, stdout)
	case "seed":
		return cmdSeed(ctx, rest, stdout)
	case "audit-trail":
		return cmdAuditTrail(ctx, rest, stdout)
	case "dev":
		return cmdDev(ctx, rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}

// describe turns service errors into the message plus each field's complaint, which is what
// an operator at a terminal needs.
func describe(err error) string {
	msg := err.Error()
	if qms.ErrorKind(err) != qms.KindInternal {
		msg = qms.ErrorMessage(err)
	}
	for field, m := range qms.FieldErrors(err) {
		msg += fmt.Sprintf("\n  --%s: %s", field, m)
	}
	return msg
}

// config is read from the environment once per command.
type config struct {
	DatabaseURL        string
	MigrateDatabaseURL string
	Addr               string
	Production         bool
	DataDir            string
	MaxUploadBytes     int64
}

func loadConfig() (config, error) {
	c := config{
		DatabaseURL:        os.Getenv("DATABASE_URL"),
		MigrateDatabaseURL: os.Getenv("MIGRATE_DATABASE_URL"),
		Addr:               os.Getenv("PLUMBLINE_ADDR"),
		DataDir:            os.Getenv("PLUMBLINE_DATA_DIR"),
	}
	if c.MigrateDatabaseURL == "" {
		c.MigrateDatabaseURL = c.DatabaseURL
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	c.MaxUploadBytes = qms.DefaultMaxUploadBytes
	if v := os.Getenv("PLUMBLINE_MAX_UPLOAD_MB"); v != "" {
		mb, err := strconv.ParseInt(v, 10, 64)
		if err != nil || mb < 1 {
			return c, fmt.Errorf("PLUMBLINE_MAX_UPLOAD_MB must be a whole number of megabytes, not %q", v)
		}
		c.MaxUploadBytes = mb << 20
	}
	switch env := os.Getenv("PLUMBLINE_ENV"); env {
	case "", "development":
	case "production":
		c.Production = true
	default:
		return c, fmt.Errorf("PLUMBLINE_ENV must be development or production, not %q", env)
	}
	return c, nil
}

// newService opens the evidence folder and returns the service on pool.
func (c config) newService(pool *pgxpool.Pool) (*qms.Service, error) {
	store, err := evidence.Open(c.DataDir)
	if err != nil {
		return nil, err
	}
	return qms.New(pool, qms.Options{Evidence: store, MaxUploadBytes: c.MaxUploadBytes}), nil
}

func (c config) requireDatabase() error {
	if c.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set: point it at PostgreSQL, e.g. postgres://plumbline_web:secret@127.0.0.1:5432/plumbline (or use `make run` for a local setup)")
	}
	return nil
}

func newLogger(w io.Writer, production bool) *slog.Logger {
	if production {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
