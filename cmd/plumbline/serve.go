package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plumbline/plumbline/internal/database"
	"github.com/plumbline/plumbline/internal/jobs"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/server"
)

func cmdServe(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	migrate := fs.Bool("migrate", false, "apply pending migrations (as MIGRATE_DATABASE_URL) before serving")
	seedDemo := fs.Bool("seed-demo", false, "create the demo organisation if it is missing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if err := cfg.requireDatabase(); err != nil {
		return err
	}
	log := newLogger(stdout, cfg.Production)
	if *migrate {
		if err := database.MigrateUp(ctx, cfg.MigrateDatabaseURL, stdout); err != nil {
			return fmt.Errorf("migrating: %w", err)
		}
	}
	pool, err := openServerPool(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	svc, err := cfg.newService(pool)
	if err != nil {
		return err
	}
	if *seedDemo {
		if err := seedAndTell(ctx, svc, stdout); err != nil {
			return err
		}
	}
	return serve(ctx, cfg, svc, log, nil)
}

// openServerPool connects as the server's role and refuses a role that could read across
// tenants.
func openServerPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pool, err := database.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := database.CheckServerRole(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// serve runs the HTTP server until ctx ends, then drains in-flight requests. ready, if not
// nil, is called once the listener is open.
func serve(ctx context.Context, cfg config, svc *qms.Service, log *slog.Logger, ready func(addr string)) error {
	server.TuneGCForServing()
	// Expired sessions are swept by the housekeeping job, not by a ticker in each instance.
	srv := server.New(server.Config{Production: cfg.Production}, svc, log)
	defer srv.Close()
	// The server keeps the sessions it reads while it hears of their changes.
	srv.FollowSessionChanges()
	// Background work (record imports) logs here, stops before the pool closes, and what a
	// previous server left unfinished starts again.
	svc.SetLogger(log)
	defer svc.Close()
	// Pages keep what they read of a whole organisation while the server hears of its changes.
	svc.FollowChanges()
	if n, err := svc.ResumeRecordImports(ctx); err != nil {
		log.Error("resuming record imports", "error", err)
	} else if n > 0 {
		log.Info("resumed record imports", "count", n)
	}

	runner, err := jobs.New(svc.Pool(), svc, log)
	if err != nil {
		return err
	}
	// The runner lives until it is stopped below, after the last request has been answered.
	if err := runner.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting background jobs: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := runner.Stop(stopCtx); err != nil {
			log.Warn("stopping background jobs", "error", err)
		}
	}()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	httpServer := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// Large evidence uploads extend their own deadline; everything else is short.
		ReadTimeout:    2 * time.Minute,
		WriteTimeout:   2 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- httpServer.Serve(ln) }()
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "production", cfg.Production)
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
