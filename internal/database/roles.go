package database

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// AppGroupRole receives every grant the migrations make. The server logs in as a role that is a
// member of it.
const AppGroupRole = "plumbline_app"

// ErrUnsafeRole is returned by CheckServerRole; its message tells the operator what to change.
var ErrUnsafeRole = errors.New("unsafe database role")

// CheckServerRole refuses a connection whose role could see other tenants' rows: a superuser, a
// role with BYPASSRLS, or the owner of tables (owners bypass policies unless forced, and may
// alter them). It also checks the role was granted plumbline_app, without which every query
// would fail with a less helpful "permission denied".
func CheckServerRole(ctx context.Context, pool *pgxpool.Pool) error {
	var (
		role              string
		super, bypass     bool
		owned             int
		member, appExists bool
	)
	err := pool.QueryRow(ctx, `
		SELECT r.rolname, r.rolsuper, r.rolbypassrls,
		       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		         WHERE c.relowner = r.oid AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		           AND n.nspname NOT LIKE 'pg_toast%'),
		       EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1),
		       EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AND pg_has_role(r.oid, $1, 'USAGE')
		  FROM pg_roles r WHERE r.rolname = current_user`, AppGroupRole).
		Scan(&role, &super, &bypass, &owned, &appExists, &member)
	if err != nil {
		return fmt.Errorf("checking the database role: %w", err)
	}
	var problems []string
	if super {
		problems = append(problems, "it is a superuser")
	}
	if bypass {
		problems = append(problems, "it has BYPASSRLS")
	}
	if owned > 0 {
		problems = append(problems, fmt.Sprintf("it owns %d tables or other relations (run migrations as a different role)", owned))
	}
	if !appExists {
		problems = append(problems, "the role plumbline_app does not exist (run `plumbline migrate up` first)")
	} else if !member {
		problems = append(problems, "it is not a member of plumbline_app (GRANT plumbline_app TO "+pgx.Identifier{role}.Sanitize()+")")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: the server connects as %q, but %s. The server must use a role that cannot bypass row-level security; see README, Configuration",
			ErrUnsafeRole, role, strings.Join(problems, ", and "))
	}
	return nil
}

// EnsureLoginRole creates (or updates the password of) a login role that is a member of
// plumbline_app and nothing else. The admin connection must be allowed to create roles.
func EnsureLoginRole(ctx context.Context, admin *pgx.Conn, name, password string) error {
	ident := pgx.Identifier{name}.Sanitize()
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	verb := "ALTER"
	if !exists {
		verb = "CREATE"
	}
	// Role DDL takes no bind parameters; the password is quoted as a literal.
	stmt := fmt.Sprintf("%s ROLE %s LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT PASSWORD %s",
		verb, ident, quoteLiteral(password))
	if _, err := admin.Exec(ctx, stmt); err != nil {
		// Two processes may create the role at the same moment; the loser's error is harmless.
		if !(verb == "CREATE" && ErrorCode(err) == "42710") {
			return fmt.Errorf("creating role %s: %w", name, err)
		}
	}
	if _, err := admin.Exec(ctx, `DO $$ BEGIN
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plumbline_app') THEN
			CREATE ROLE plumbline_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
		END IF; END $$`); err != nil && ErrorCode(err) != "42710" {
		return fmt.Errorf("creating role plumbline_app: %w", err)
	}
	if _, err := admin.Exec(ctx, "GRANT plumbline_app TO "+ident); err != nil {
		return fmt.Errorf("granting plumbline_app to %s: %w", name, err)
	}
	return nil
}

// EnsureDatabase creates the database if it does not exist yet. admin must be connected to
// another database of the same server.
func EnsureDatabase(ctx context.Context, admin *pgx.Conn, name string) (created bool, err error) {
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		if ErrorCode(err) == "42P04" { // created by a concurrent start
			return false, nil
		}
		return false, err
	}
	return true, nil
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
