package qms_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// importCSV uploads content as a CSV file, starts the import and waits for it to finish.
func (f *recFixture) importCSV(content string, finalise bool) qms.ImportReport {
	f.t.Helper()
	ctx := context.Background()
	up := f.upload("records.csv", content)
	imp := qmstest.Must(f.svc.StartRecordImport(ctx, f.org.QualityManager, []qms.Upload{up}, finalise))(f.t)
	f.svc.Wait()
	return qmstest.Must(f.svc.RecordImport(ctx, f.org.QualityManager, imp.ID, 100))(f.t)
}

const importHeader = "type,title,event_date,process,site,clauses,description,customer,product_service,severity,supplier,score,topic,attendees\n"

func TestImport_NothingIsImportedUnlessEveryRowIsValid_AndEachBadRowIsReported(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	csv := importHeader +
		"Training,Fire warden refresher,2026-01-12,Production,Leeds Plant,7.2,,,,,,,Fire safety,Viewer of acme; Jo Bloggs\n" +
		"Customer complaint,Burrs on bore,2026-01-13,Production,LDS,9.1.2,,,Housing,severe,,,,\n" + // line 3: no customer, bad severity
		"Widget,Unknown type,2026-01-14,,,,,,,,,,,\n" + // line 4
		"Supplier evaluation,\"Quarterly\n evaluation\",2026-13-01,,,,,,,,Nobody Ltd,abc,,\n" + // lines 5-6: a quoted line break
		"Other,Good row,2026-01-15,No such process,,11.9,,,,,,,,\n" + // line 7
		",,,,,,,,,,,,,\n" + // a blank row is skipped
		"Other,Too few columns\n" // line 9
	rep := f.importCSV(csv, true)
	if rep.State != qms.ImportFailed || rep.RowsChecked != 6 || rep.RowsBad != 5 || rep.RowsImported != 0 {
		t.Fatalf("import: %+v", rep.RecordImport)
	}
	got := map[string]bool{}
	for _, p := range rep.Problems {
		got[fmt.Sprintf("%d %s", p.Line, p.Field)] = true
		if p.Message == "" {
			t.Errorf("line %d: no reason", p.Line)
		}
	}
	for _, want := range []string{"3 customer", "3 severity", "4 type", "5 event_date", "5 supplier", "5 score",
		"7 process", "7 clauses", "9 "} {
		if !got[want] {
			t.Errorf("no problem reported for %q; got %v", want, got)
		}
	}
	if got["2 type"] || got["2 attendees"] {
		t.Errorf("the valid row was reported: %v", got)
	}
	if n := len(qmstest.Must(f.svc.Records(ctx, f.org.Viewer, qms.RecordFilter{}))(t).Rows); n != 0 {
		t.Fatalf("%d records were imported from a file with bad rows", n)
	}
	var all []qms.ImportProblem
	qmstest.Must(0, f.svc.ImportProblems(ctx, f.org.QualityManager, rep.ID, func(p qms.ImportProblem) error {
		all = append(all, p)
		return nil
	}))(t)
	if len(all) != len(rep.Problems) {
		t.Fatalf("the problem report has %d rows, the page %d", len(all), len(rep.Problems))
	}
}

func TestImport_AValidFileImportsEveryRowAtOnce(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("\ufeff" + strings.TrimSuffix(importHeader, "\n") + "\r\n") // as Excel saves it
	for i := range 600 {
		fmt.Fprintf(&b, "KPI report,KPI report %03d,2025-%02d-%02d,Production,Leeds Plant,9.1.3,\"OTD 95%%, \"\"scrap\"\" 1.2%%\",,,,,,,\r\n", i, 1+i%12, 1+i%28)
	}
	b.WriteString("Supplier evaluation,Evaluation Aire,2025-12-31,,,8.4.1,,,,,aire heat treatment,77,,\r\n")
	b.WriteString("Training,Induction,2025-12-01,,,7.2,,,,,,,Induction,qualitY_manager@acme.test;Jo Bloggs\r\n")
	rep := f.importCSV(b.String(), true)
	if rep.State != qms.ImportDone || rep.RowsImported != 602 || rep.RowsBad != 0 || rep.Percent() != 100 || rep.FirstRef == nil {
		t.Fatalf("import: %+v %+v", rep.RecordImport, rep.Problems)
	}
	page := qmstest.Must(f.svc.Records(ctx, f.org.Viewer, qms.RecordFilter{Kind: qms.KindTraining}))(t)
	if len(page.Rows) != 1 || page.Rows[0].State != qms.RecordFinal {
		t.Fatalf("training rows: %+v", page.Rows)
	}
	training := qmstest.Must(f.svc.Record(ctx, f.org.Viewer, page.Rows[0].ID))(t)
	if len(training.Shown.Attendees) != 2 || training.Shown.Attendees[1].UserID == nil || *training.Shown.Attendees[1].UserID != f.org.QualityManager.UserID {
		t.Fatalf("attendees: %+v", training.Shown.Attendees)
	}
	kpi := qmstest.Must(f.svc.Records(ctx, f.org.Viewer, qms.RecordFilter{Query: "KPI report 042"}))(t)
	if len(kpi.Rows) != 1 {
		t.Fatalf("searching an imported row: %d", len(kpi.Rows))
	}
	sup := qmstest.Must(f.svc.Suppliers(ctx, f.org.Viewer, qms.SupplierFilter{}))(t)
	if sup[0].LatestScore == nil || *sup[0].LatestScore != 77 {
		t.Fatalf("supplier score after import: %+v", sup[0])
	}
	trail := qmstest.Must(f.svc.AuditTrail(ctx, f.org.Admin, qms.AuditFilter{EntityType: "record_import", EntityID: rep.ID.String()}))(t)
	if len(trail.Entries) != 2 || !strings.Contains(trail.Entries[0].Summary, "Imported 602 records as final records") {
		t.Fatalf("trail: %+v", trail.Entries)
	}
}

func TestImport_TheHeaderMustNameTheTemplatesColumns(t *testing.T) {
	f := newRecFixture(t)
	rep := f.importCSV("kind,title,title\nOther,x,y\n", false)
	if rep.State != qms.ImportFailed || len(rep.Problems) < 3 {
		t.Fatalf("import: %+v %+v", rep.RecordImport, rep.Problems)
	}
	for _, p := range rep.Problems {
		if p.Line != 1 {
			t.Errorf("a header problem on line %d", p.Line)
		}
	}
	rep = f.importCSV(importHeader, false)
	if rep.State != qms.ImportFailed || !strings.Contains(rep.Message, "no rows") {
		t.Fatalf("an empty file: %+v", rep.RecordImport)
	}
}

func TestImport_OnlyCSVFilesAndOnlyImporters(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	pdf := f.upload("records.pdf", "%PDF-1.4\nnot a csv\n")
	if _, err := f.svc.StartRecordImport(ctx, f.org.QualityManager, []qms.Upload{pdf}, false); qms.FieldErrors(err)["file"] == "" {
		t.Fatalf("a PDF: %v", err)
	}
	if _, err := f.svc.StartRecordImport(ctx, f.org.QualityManager, nil, false); qms.FieldErrors(err)["file"] == "" {
		t.Fatalf("no file: %v", err)
	}
	up := f.upload("records.csv", importHeader)
	if _, err := f.svc.StartRecordImport(ctx, f.org.ProcessOwner, []qms.Upload{up}, false); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("a process owner importing: %v", err)
	}
}

func TestImport_TheTemplateImportsAsItIs(t *testing.T) {
	f := newRecFixture(t)
	var b strings.Builder
	if err := f.svc.RecordImportTemplate(context.Background(), f.org.QualityManager, &b); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), strings.TrimSuffix(importHeader, "\n")) {
		t.Fatalf("template header: %q", b.String())
	}
	rep := f.importCSV(b.String(), false)
	if rep.State != qms.ImportDone || rep.RowsImported != 4 {
		t.Fatalf("importing the template: %+v %+v", rep.RecordImport, rep.Problems)
	}
}
