package database_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plumbline/plumbline/internal/database"
	"github.com/plumbline/plumbline/internal/database/dbtest"
)

type rowBase struct {
	ID      uuid.UUID `db:"id"`
	Created time.Time `db:"created_at"`
}

type rowOfEveryKind struct {
	rowBase
	Name       string     `db:"name"`
	OwnerID    *uuid.UUID `db:"owner_id"`
	Clauses    []string   `db:"clauses"`
	ReviewDays int        // matched without a tag: review_days
	Notes      []string   `db:"-"`
	hidden     string
}

// TestCollectRows_AsPgxByName: rows read by CollectRows equal what pgx reads by name, for
// tagged, untagged, embedded, ignored, nullable and array fields, with no values shared
// between rows; a column without a field and a field without a column are refused.
func TestCollectRows_AsPgxByName(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	const q = `SELECT v.* FROM (VALUES
		('01a20ada-d042-719d-bc1d-a0284c791f9e'::uuid, timestamptz '2026-03-14 09:30:00+00', 'first', NULL::uuid, ARRAY['8.5','9.2'], 30),
		('01a20ada-d042-719d-bc1d-a0284c791f9f'::uuid, timestamptz '2026-03-14 09:30:00+00', 'second', '01a20ada-d042-719d-bc1d-a0284c791fa0'::uuid, ARRAY['7.1'], 60),
		('01a20ada-d042-719d-bc1d-a0284c791fa1'::uuid, timestamptz '2026-03-14 09:30:00+00', 'third', NULL::uuid, NULL::text[], 0))
		AS v(id, created_at, name, owner_id, clauses, review_days)`
	rows, err := db.App.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, pgx.RowToStructByName[rowOfEveryKind])
	if err != nil {
		t.Fatal(err)
	}
	if rows, err = db.App.Query(ctx, q); err != nil {
		t.Fatal(err)
	}
	got, err := database.CollectRows[rowOfEveryKind](rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 3 || !reflect.DeepEqual(got, want) {
		t.Fatalf("CollectRows read\n%+v\npgx reads\n%+v", got, want)
	}
	if got[0].hidden != "" {
		t.Error("an unexported field was read into")
	}
	if got[1].OwnerID == got[0].OwnerID || &got[0].Clauses[0] == &got[1].Clauses[0] {
		t.Error("rows share a pointer or an array")
	}

	if rows, err = db.App.Query(ctx, `SELECT 1 WHERE false`); err != nil {
		t.Fatal(err)
	}
	none, err := database.CollectRows[struct {
		N int `db:"?column?"`
	}](rows)
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("no rows: got %v, %v; want an empty list", none, err)
	}

	for _, bad := range []string{
		`SELECT 'x' AS name, 1 AS surplus`,
		`SELECT 'x' AS name, 'y' AS name`,
	} {
		if rows, err = db.App.Query(ctx, bad); err != nil {
			t.Fatal(err)
		}
		_, err := database.CollectRows[struct {
			Name string `db:"name"`
		}](rows)
		if err == nil {
			t.Errorf("%s: read without complaint", bad)
		}
	}
	if rows, err = db.App.Query(ctx, `SELECT 'x' AS name`); err != nil {
		t.Fatal(err)
	}
	_, err = database.CollectRows[struct {
		Name  string `db:"name"`
		Title string `db:"title"`
	}](rows)
	if err == nil || !strings.Contains(err.Error(), "title") {
		t.Errorf("a field without a column: got %v", err)
	}
}

// A batch with nothing queued (a page whose reads were all kept) is not sent: ReadBatch
// answers without a connection, so a closed pool does not fail it.
func TestReadBatch_NothingQueuedNeedsNoRoundTrip(t *testing.T) {
	closed, err := pgxpool.New(context.Background(), dbtest.New(t).App.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	if err := database.ReadBatch(context.Background(), closed, database.Scope{}, &pgx.Batch{}); err != nil {
		t.Fatalf("an empty batch went to the database: %v", err)
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT 1`)
	if err := database.ReadBatch(context.Background(), closed, database.Scope{}, b); err == nil {
		t.Fatal("a batch with a query was not sent")
	}
}
