package qms

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// FuzzImportRow: any row of a CSV file is either a valid record or a list of problems, each
// on the row's line with a message; never a panic.
func FuzzImportRow(f *testing.F) {
	for _, s := range []string{
		"Training|Induction|2026-01-05|Production|LDS|7.2|x||||||Induction|Ann; Bob",
		"Customer complaint|Burrs|2026-13-01||||||x|severe||||",
		"Supplier evaluation|Q1|2026-01-01||||||||Aire|101||",
		"|||||||||||||", "Other|\xff|2026-01-01||||||||||| ",
	} {
		f.Add(s)
	}
	process, supplier, member := uuid.New(), uuid.New(), uuid.New()
	types := map[string]RecordType{}
	refs := &refData{types: map[uuid.UUID]RecordType{}, processes: map[uuid.UUID]refItem{process: {Name: "Production"}},
		sites: map[uuid.UUID]refItem{}, suppliers: map[uuid.UUID]refItem{supplier: {Name: "Aire"}},
		members: map[uuid.UUID]refItem{member: {Name: "Ann"}}, clauses: map[string]string{"7.2": "Competence", "8.5.1": "Control"}}
	for _, k := range RecordKinds {
		t := RecordType{ID: uuid.New(), Name: string(k), Kind: k, RetentionMonths: 12}
		refs.types[t.ID], types[strings.ToLower(t.Name)] = t, t
	}
	names := &importNames{types: types, processes: map[string]uuid.UUID{"production": process}, sites: map[string]uuid.UUID{},
		suppliers: map[string]uuid.UUID{"aire": supplier}, members: map[string]uuid.UUID{"ann": member}}
	cols := map[string]int{}
	for i, c := range ImportColumns {
		cols[c] = i + 1
	}
	today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, row string) {
		record := strings.Split(row, "|")
		for len(record) < len(ImportColumns) {
			record = append(record, "")
		}
		_, content, problems := resolveImportRow(7, record[:len(ImportColumns)], cols, names, refs, today)
		for _, p := range problems {
			if p.Line != 7 || p.Message == "" {
				t.Fatalf("problem %+v", p)
			}
		}
		if len(problems) == 0 && content.Title == "" {
			t.Fatalf("a row without a title passed: %q", row)
		}
	})
}
