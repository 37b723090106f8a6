package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plumbline/plumbline/internal/database"
)

// explainRole is a login role like the server's whose sessions load auto_explain and send
// the plan of every statement, with its actual timings, to the client as a notice.
const explainRole = "plumbline_bench_explain"

// explainRuns is how often each page is requested; the plans of the last are kept.
const explainRuns = 7

// Explain requests every page once in the organisation o through a server whose connections
// report EXPLAIN ANALYZE of each statement, and writes the plans of each page to dir.
func Explain(ctx context.Context, db *Database, o *OrgTarget, pages []Page, dir string) error {
	maint, err := pgx.Connect(ctx, db.AdminURL)
	if err != nil {
		return err
	}
	defer maint.Close(ctx)
	password := rand.Text()
	if err := database.EnsureLoginRole(ctx, maint, explainRole, password); err != nil {
		return err
	}
	role := pgx.Identifier{explainRole}.Sanitize()
	for _, s := range []string{
		"ALTER ROLE " + role + " SET session_preload_libraries = 'auto_explain'",
		"ALTER ROLE " + role + " SET auto_explain.log_min_duration = 0",
		"ALTER ROLE " + role + " SET auto_explain.log_analyze = on",
		"ALTER ROLE " + role + " SET auto_explain.log_buffers = on",
		"ALTER ROLE " + role + " SET auto_explain.log_level = 'notice'",
	} {
		if _, err := maint.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	cfg, err := database.PoolConfig(withDatabase(db.AdminURL, db.Name, url.UserPassword(explainRole, password)))
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var plans strings.Builder
	// One connection, so that every request reuses its prepared statements: PostgreSQL plans
	// a statement for its values five times, then may keep a generic plan (the lists queued
	// with database.QueueKeptPlan keep one from the first), which is what a busy server runs.
	// The kept request comes after that choice.
	cfg.MaxConns = 1
	cfg.ConnConfig.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		mu.Lock()
		defer mu.Unlock()
		plans.WriteString(n.Message)
		plans.WriteString("\n\n")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	app, err := StartApp(pool)
	if err != nil {
		return err
	}
	defer app.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cookies := map[string]*http.Cookie{}
	for _, p := range pages {
		c, ok := cookies[p.Role]
		if !ok {
			if c, err = app.SignIn(ctx, Email(o.Slug, p.Role)); err != nil {
				return err
			}
			cookies[p.Role] = c
		}
		path := p.Path(o)
		// Past PostgreSQL's choice of plan (see above), then once to keep.
		for i := 0; i < explainRuns; i++ {
			mu.Lock()
			plans.Reset()
			mu.Unlock()
			status, _, err := app.Get(ctx, path, c)
			if err != nil {
				return err
			}
			if i == explainRuns-1 {
				mu.Lock()
				out := fmt.Sprintf("GET %s → %d\n\n%s", path, status, plans.String())
				mu.Unlock()
				if err := os.WriteFile(filepath.Join(dir, p.Name+".txt"), []byte(out), 0o644); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
