package qms_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// The clauses are read once and kept; every caller gets the standard in its order, and what
// one caller does with its list cannot change the next caller's.
func TestISOClauses_TheStandardInOrderWhateverACallerDoesWithIt(t *testing.T) {
	svc, db := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	rows, err := db.Admin.Query(ctx, `SELECT number, title FROM iso_clauses ORDER BY sort_key`)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, pgx.RowToStructByName[qms.ISOClause])
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 30 {
		t.Fatalf("the standard has %d clauses in the database", len(want))
	}
	first := qmstest.Must(svc.ISOClauses(ctx, org.Viewer))(t)
	if !slices.Equal(first, want) {
		t.Fatalf("first read: got %d clauses %v…, want the table in clause order", len(first), first[:3])
	}
	first[0].Title = "Changed by a caller"
	clear(first[1:5])
	again := qmstest.Must(svc.ISOClauses(ctx, org.Viewer))(t)
	if !slices.Equal(again, want) {
		t.Fatalf("after a caller changed its list: got %d clauses, first %v", len(again), again[0])
	}
	choices := qmstest.Must(svc.ObjectiveChoices(ctx, org.Admin))(t)
	if !slices.Equal(choices.Clauses, want) {
		t.Fatalf("the objective form offers %d clauses, want all %d in order", len(choices.Clauses), len(want))
	}
}
