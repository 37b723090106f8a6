package database_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plumbline/plumbline/internal/database"
	"github.com/plumbline/plumbline/internal/database/dbtest"
)

// schemaSnapshot describes everything the migrations create, in a stable order, so two
// snapshots are equal exactly when the schemas are.
func schemaSnapshot(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	queries := []string{
		`SELECT table_name || '.' || column_name || ' ' || data_type || ' null=' || is_nullable || ' default=' || coalesce(column_default, '')
		   FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'goose_db_version'`,
		`SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		   FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'goose_db_version'`,
		`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'goose_db_version'`,
		`SELECT tablename || ' ' || policyname || ' ' || cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '')
		   FROM pg_policies WHERE schemaname = 'public'`,
		`SELECT tgrelid::regclass || ' ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal`,
		`SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || md5(p.prosrc)
		   FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace`,
		`SELECT relname || ' rls=' || relrowsecurity || ' force=' || relforcerowsecurity
		   FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'`,
		`SELECT table_name || ' ' || privilege_type FROM information_schema.role_table_grants
		  WHERE grantee = 'plumbline_app' AND table_schema = 'public'`,
		`SELECT count(*)::text || ' clauses' FROM iso_clauses`,
	}
	var lines []string
	for _, q := range queries {
		rows, err := pool.Query(context.Background(), q+` ORDER BY 1`)
		if err != nil {
			// The clause count fails on an empty schema; that is part of the snapshot.
			lines = append(lines, "error: "+strings.SplitN(err.Error(), " (", 2)[0])
			continue
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, got...)
	}
	return strings.Join(lines, "\n")
}

func TestMigrations_UpDownToZeroUpLeavesTheSameSchema(t *testing.T) {
	db := dbtest.New(t) // cloned from a template that is already migrated up
	ctx := context.Background()
	up := schemaSnapshot(t, db.Admin)

	m, err := database.OpenMigrator(db.AdminURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.DownTo(ctx, 0); err != nil {
		t.Fatalf("migrating down to zero: %v", err)
	}
	var left int
	if err := db.Admin.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace
		AND relkind = 'r' AND relname <> 'goose_db_version'`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("%d tables left after migrating down to zero", left)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("migrating up again: %v", err)
	}
	if again := schemaSnapshot(t, db.Admin); again != up {
		t.Fatalf("the schema differs after down and up again:\n%s", diffLines(up, again))
	}
}

func diffLines(a, b string) string {
	inA := map[string]bool{}
	for _, l := range strings.Split(a, "\n") {
		inA[l] = true
	}
	inB := map[string]bool{}
	var out []string
	for _, l := range strings.Split(b, "\n") {
		inB[l] = true
		if !inA[l] {
			out = append(out, "+ "+l)
		}
	}
	for _, l := range strings.Split(a, "\n") {
		if !inB[l] {
			out = append(out, "- "+l)
		}
	}
	return strings.Join(out, "\n")
}
