package database_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/plumbline/plumbline/internal/database"
	"github.com/plumbline/plumbline/internal/database/dbtest"
)

// globalTables are the only tables without tenant_id. A new table that is neither a tenant
// table nor deliberately added here fails TestSchema_EveryTenantTableIsIsolated.
var globalTables = []string{
	"goose_db_version",      // migrations bookkeeping
	"organisations",         // the register of tenants itself
	"users",                 // accounts are global; memberships are per tenant
	"sessions",              // a session exists before an organisation is chosen
	"sign_in_throttle",      // per account and address, before any organisation
	"iso_clauses",           // ISO 9001 reference data, the same for everyone
	"iso_default_questions", // the checklist questions every organisation starts with
	// The job queue (River): a job carries its organisation in its arguments and its worker
	// works in a transaction scoped to that organisation.
	"river_job", "river_leader", "river_migration", "river_notification", "river_queue",
}

// TestSchema_EveryTenantTableIsIsolated reads the catalog, so tables added by later
// migrations are checked without anyone listing them: every tenant table has row-level
// security enabled and forced with a tenant policy, and every primary, unique and foreign key
// between tenant tables starts with (or includes) tenant_id.
func TestSchema_EveryTenantTableIsIsolated(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()

	rows, err := db.Admin.Query(ctx, `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
		  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
		 ORDER BY c.relname`)
	if err != nil {
		t.Fatal(err)
	}
	type table struct {
		name                  string
		rls, forced, tenanted bool
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (table, error) {
		var tb table
		return tb, r.Scan(&tb.name, &tb.rls, &tb.forced, &tb.tenanted)
	})
	if err != nil {
		t.Fatal(err)
	}
	tenant := map[string]bool{}
	for _, tb := range tables {
		if !tb.tenanted {
			if !slices.Contains(globalTables, tb.name) {
				t.Errorf("table %s has no tenant_id and is not a known global table: add tenant_id, or add it to globalTables with the reason", tb.name)
			}
			continue
		}
		tenant[tb.name] = true
		if !tb.rls || !tb.forced {
			t.Errorf("tenant table %s: row-level security enabled=%v forced=%v, want both", tb.name, tb.rls, tb.forced)
		}
	}
	if len(tenant) < 5 {
		t.Fatalf("found only %d tenant tables; the catalog query is wrong", len(tenant))
	}

	// Each tenant table has a policy that compares tenant_id with the transaction's tenant,
	// for reading and for writing, reading the tenant once per statement: written without the
	// subquery, PostgreSQL parses the setting again for every row and every rescan of a join.
	const onceATenant = "(tenant_id = ( SELECT app_tenant_id() AS app_tenant_id))"
	rows, err = db.Admin.Query(ctx, `
		SELECT tablename, policyname, cmd, coalesce(qual, ''), coalesce(with_check, '')
		  FROM pg_policies WHERE schemaname = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	isolated := map[string]bool{}
	err = forEach(rows, func(r pgx.Rows) error {
		var tbl, name, cmd, qual, check string
		if err := r.Scan(&tbl, &name, &cmd, &qual, &check); err != nil {
			return err
		}
		if cmd == "ALL" && qual == onceATenant && check == onceATenant {
			isolated[tbl] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for tbl := range tenant {
		if !isolated[tbl] {
			t.Errorf("tenant table %s has no policy tying both reads and writes to (SELECT app_tenant_id())", tbl)
		}
	}

	// Each tenant table announces its changes on commit (migration 00066), for inserts,
	// updates and deletes alike: a server keeps what it read of an organisation until it
	// hears of a change, so a table that changed silently would leave pages out of date.
	rows, err = db.Admin.Query(ctx, `
		SELECT c.relname, array_agg(t.tgtype::int ORDER BY t.tgtype)
		  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
		 WHERE p.proname = 'announce_changed_rows' AND NOT t.tgisinternal
		 GROUP BY c.relname`)
	if err != nil {
		t.Fatal(err)
	}
	announced := map[string]bool{}
	err = forEach(rows, func(r pgx.Rows) error {
		var tbl string
		var types []int
		if err := r.Scan(&tbl, &types); err != nil {
			return err
		}
		// tgtype bits: 4 insert, 8 delete, 16 update; statement level, after (no row or
		// before bit). One trigger for each event.
		announced[tbl] = slices.Equal(types, []int{4, 8, 16})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for tbl := range tenant {
		if !announced[tbl] {
			t.Errorf("tenant table %s does not announce its inserts, updates and deletes: SELECT announce_tenant_changes('%s')", tbl, tbl)
		}
	}

	// Keys: primary and unique keys (constraints and unique indexes) of tenant tables lead
	// with tenant_id; foreign keys between tenant tables include it on both sides.
	rows, err = db.Admin.Query(ctx, `
		SELECT c.relname, i.indexrelid::regclass::text,
		       (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = i.indkey[0])
		  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = 'public' AND (i.indisunique OR i.indisprimary)`)
	if err != nil {
		t.Fatal(err)
	}
	err = forEach(rows, func(r pgx.Rows) error {
		var tbl, index string
		var first *string
		if err := r.Scan(&tbl, &index, &first); err != nil {
			return err
		}
		if tenant[tbl] && (first == nil || *first != "tenant_id") {
			t.Errorf("unique key %s of tenant table %s does not start with tenant_id", index, tbl)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err = db.Admin.Query(ctx, `
		SELECT con.conname, src.relname, dst.relname,
		       EXISTS (SELECT 1 FROM unnest(con.conkey) k JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k WHERE a.attname = 'tenant_id'),
		       EXISTS (SELECT 1 FROM unnest(con.confkey) k JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k WHERE a.attname = 'tenant_id')
		  FROM pg_constraint con
		  JOIN pg_class src ON src.oid = con.conrelid
		  JOIN pg_class dst ON dst.oid = con.confrelid
		  JOIN pg_namespace n ON n.oid = src.relnamespace
		 WHERE con.contype = 'f' AND n.nspname = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	err = forEach(rows, func(r pgx.Rows) error {
		var name, src, dst string
		var srcHas, dstHas bool
		if err := r.Scan(&name, &src, &dst, &srcHas, &dstHas); err != nil {
			return err
		}
		if tenant[src] && tenant[dst] && (!srcHas || !dstHas) {
			t.Errorf("foreign key %s from %s to %s does not include tenant_id on both sides: a row could point into another tenant", name, src, dst)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func forEach(rows pgx.Rows, fn func(pgx.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// seedTwoTenants creates two organisations with a site each, as the superuser.
func seedTwoTenants(t *testing.T, db *dbtest.DB) (a, b uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	a, b = uuid.New(), uuid.New()
	_, err := db.Admin.Exec(ctx, `
		INSERT INTO organisations (id, slug, name) VALUES ($1, 'alpha', 'Alpha'), ($2, 'beta', 'Beta');
	`, a, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, tenant := range []uuid.UUID{a, b} {
		if _, err := db.Admin.Exec(ctx, `INSERT INTO sites (tenant_id, name) VALUES ($1, $2)`, tenant, "Site of "+tenant.String()); err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

func TestRLS_AnotherTenantsRowsAreInvisible(t *testing.T) {
	db := dbtest.New(t)
	a, b := seedTwoTenants(t, db)
	ctx := context.Background()
	err := database.ReadTx(ctx, db.App, database.Scope{TenantID: a}, func(tx pgx.Tx) error {
		// No WHERE clause at all: row-level security alone must hide Beta's site.
		rows, err := tx.Query(ctx, `SELECT tenant_id FROM sites`)
		if err != nil {
			return err
		}
		seen, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		if len(seen) != 1 || seen[0] != a {
			t.Errorf("as tenant alpha, saw sites of %v", seen)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM sites WHERE tenant_id = $1`, b).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("asking for beta's sites by id returned %d rows", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRLS_WritingForAnotherTenantFails(t *testing.T) {
	db := dbtest.New(t)
	a, b := seedTwoTenants(t, db)
	ctx := context.Background()
	err := database.Tx(ctx, db.App, database.Scope{TenantID: a}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sites (tenant_id, name) VALUES ($1, 'Planted')`, b)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Fatalf("inserting a row for another tenant: got %v, want a row-level security violation", err)
	}
	// Updating and deleting another tenant's rows finds nothing to change.
	err = database.Tx(ctx, db.App, database.Scope{TenantID: a}, func(tx pgx.Tx) error {
		for _, sql := range []string{`UPDATE sites SET name = 'Taken' WHERE tenant_id = $1`, `DELETE FROM sites WHERE tenant_id = $1`} {
			tag, err := tx.Exec(ctx, sql, b)
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 0 {
				t.Errorf("%s changed %d rows of another tenant", sql, tag.RowsAffected())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRLS_NoTenantSeesNothing(t *testing.T) {
	db := dbtest.New(t)
	seedTwoTenants(t, db)
	ctx := context.Background()
	// Outside a scoped transaction, straight on the pool: the setting is unset.
	var n int
	if err := db.App.QueryRow(ctx, `SELECT count(*) FROM sites`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("with no tenant set, saw %d sites", n)
	}
	// After a scoped transaction ends, its tenant does not linger on the connection.
	conn, err := db.App.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, uuid.New().String()); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM sites`).Scan(&n); err != nil {
		t.Fatalf("reading after a scoped transaction: %v", err)
	}
	if n != 0 {
		t.Fatalf("the tenant leaked past its transaction: saw %d sites", n)
	}
}

func TestCheckServerRole(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	if err := database.CheckServerRole(ctx, db.App); err != nil {
		t.Fatalf("the test role (like the server's) was refused: %v", err)
	}
	err := database.CheckServerRole(ctx, db.Admin)
	if !errors.Is(err, database.ErrUnsafeRole) || !strings.Contains(err.Error(), "superuser") {
		t.Fatalf("a superuser was accepted: %v", err)
	}
}

func TestCheckServerRole_RefusesATableOwner(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	role := "plumbline_owner_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	for _, sql := range []string{
		`CREATE ROLE ` + role + ` LOGIN PASSWORD 'owner-test' IN ROLE plumbline_app`,
		`CREATE TABLE owned_by_server (id int)`,
		`ALTER TABLE owned_by_server OWNER TO ` + role,
	} {
		if _, err := db.Admin.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = db.Admin.Exec(context.Background(), `DROP TABLE owned_by_server`)
		_, _ = db.Admin.Exec(context.Background(), `DROP ROLE `+role)
	})
	u, err := url.Parse(db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, "owner-test")
	pool, err := database.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	err = database.CheckServerRole(ctx, pool)
	if !errors.Is(err, database.ErrUnsafeRole) || !strings.Contains(err.Error(), "owns 1 tables") {
		t.Fatalf("a role owning a table was accepted: %v", err)
	}
}

// TestReadBatch_ScopedReadOnlyAndClean: a batched read sees only its tenant, cannot write, and
// leaves neither its tenant nor an open transaction on the pooled connection, even when a
// query in the middle fails.
func TestReadBatch_ScopedReadOnlyAndClean(t *testing.T) {
	db := dbtest.New(t)
	a, _ := seedTwoTenants(t, db)
	ctx := context.Background()
	b := &pgx.Batch{}
	var seen []uuid.UUID
	b.Queue(`SELECT tenant_id FROM sites`).Query(func(rows pgx.Rows) error {
		var err error
		seen, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	})
	if err := database.ReadBatch(ctx, db.App, database.Scope{TenantID: a}, b); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != a {
		t.Errorf("as tenant alpha, saw sites of %v", seen)
	}

	b = &pgx.Batch{}
	b.Queue(`INSERT INTO sites (tenant_id, name) VALUES ($1, 'Written')`, a)
	after := false
	b.Queue(`SELECT 1`).QueryRow(func(pgx.Row) error { after = true; return nil })
	err := database.ReadBatch(ctx, db.App, database.Scope{TenantID: a}, b)
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("writing in a read batch: got %v, want a read-only refusal", err)
	}
	if after {
		t.Error("the query after the failed one ran")
	}

	// Every connection of the pool is idle and tenant-free afterwards.
	conns := db.App.AcquireAllIdle(ctx)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for _, c := range conns {
		if st := c.Conn().PgConn().TxStatus(); st != 'I' {
			t.Errorf("a pooled connection is left in transaction state %q", st)
		}
		var n int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM sites`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("the tenant leaked past its batch: saw %d sites", n)
		}
	}
}

// TestReadBatch_PlanModes: a read batch leaves PostgreSQL to choose how to plan, a query
// queued with QueueKeptPlan runs a kept plan, one queued with QueuePlannedEachRun is planned
// for its values, the queries after either are left to choose again, and no setting outlives
// the batch.
func TestReadBatch_PlanModes(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	modes := make([]string, 5)
	mode := func(i int) func(pgx.Row) error { return func(r pgx.Row) error { return r.Scan(&modes[i]) } }
	const q = `SELECT current_setting('plan_cache_mode')`
	b := &pgx.Batch{}
	b.Queue(q).QueryRow(mode(0))
	database.QueueKeptPlan(b, q).QueryRow(mode(1))
	b.Queue(q).QueryRow(mode(2))
	database.QueuePlannedEachRun(b, q).QueryRow(mode(3))
	b.Queue(q).QueryRow(mode(4))
	if err := database.ReadBatch(ctx, db.App, database.Scope{}, b); err != nil {
		t.Fatal(err)
	}
	if want := []string{"auto", "force_generic_plan", "auto", "force_custom_plan", "auto"}; !slices.Equal(modes, want) {
		t.Errorf("plan modes in the batch: %v, want %v", modes, want)
	}
	conns := db.App.AcquireAllIdle(ctx)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for _, c := range conns {
		var m string
		if err := c.QueryRow(ctx, q).Scan(&m); err != nil {
			t.Fatal(err)
		}
		if m != "auto" {
			t.Errorf("a pooled connection kept plan_cache_mode %q after its batch", m)
		}
	}
}

// TestUUIDs_TravelAsTheirBytes: the application's pool reads uuid columns into uuid.UUID from
// their bytes (not through text), with NULL as before: nil for *uuid.UUID, the zero UUID for
// uuid.UUID; arrays too. Parameters go the other way the same: uuid.UUID, *uuid.UUID (nil is
// NULL) and []uuid.UUID arrive as the same values, sent as their bytes.
func TestUUIDs_TravelAsTheirBytes(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	one, two := uuid.New(), uuid.New()
	var (
		got, null      uuid.UUID
		present, absnt *uuid.UUID
		list           []uuid.UUID
	)
	null = uuid.New() // overwritten by NULL
	err := db.App.QueryRow(ctx, `SELECT $1::uuid, NULL::uuid, $1::uuid, NULL::uuid, ARRAY[$1, $2]::uuid[]`, one, two).
		Scan(&got, &null, &present, &absnt, &list)
	if err != nil {
		t.Fatal(err)
	}
	if got != one || null != uuid.Nil || present == nil || *present != one || absnt != nil || !slices.Equal(list, []uuid.UUID{one, two}) {
		t.Errorf("read %v, %v, %v, %v, %v", got, null, present, absnt, list)
	}

	// Parameters, checked against their text form on the server's side.
	var asText, ptrText, arrText string
	var nilIsNull bool
	err = db.App.QueryRow(ctx, `SELECT $1::uuid::text, $2::uuid::text, $3::uuid IS NULL, $4::uuid[]::text`,
		one, &two, (*uuid.UUID)(nil), []uuid.UUID{two, one}).Scan(&asText, &ptrText, &nilIsNull, &arrText)
	if err != nil {
		t.Fatal(err)
	}
	if asText != one.String() || ptrText != two.String() || !nilIsNull || arrText != "{"+two.String()+","+one.String()+"}" {
		t.Errorf("sent %s, %s, nil is NULL %v, %s", asText, ptrText, nilIsNull, arrText)
	}

	c, err := db.App.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	types := c.Conn().TypeMap()
	plan := types.PlanScan(pgtype.UUIDOID, pgtype.BinaryFormatCode, &got)
	if name := fmt.Sprintf("%T", plan); !strings.Contains(name, "scanUUIDBytes") {
		t.Errorf("a uuid is read into uuid.UUID by %s, not from its bytes", name)
	}
	enc := types.PlanEncode(pgtype.UUIDOID, pgtype.BinaryFormatCode, one)
	if name := fmt.Sprintf("%T", enc); !strings.Contains(name, "encodeUUIDBytes") {
		t.Errorf("a uuid.UUID is sent by %s, not as its bytes", name)
	}
}
