package qms_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
	"github.com/plumbline/plumbline/internal/database/dbtest"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// recFixture is an organisation with a process, a site and a supplier to record against.
type recFixture struct {
	t        *testing.T
	svc      *qms.Service
	db       *dbtest.DB
	org      qmstest.Org
	process  qms.Process
	site     qms.Site
	supplier qms.Supplier
	types    map[string]qms.RecordType
}

func newRecFixture(t *testing.T) *recFixture {
	t.Helper()
	svc, db := qmstest.New(t)
	f := &recFixture{t: t, svc: svc, db: db, org: qmstest.NewOrg(t, svc, "acme"), types: map[string]qms.RecordType{}}
	ctx := context.Background()
	f.process = qmstest.Must(svc.CreateProcess(ctx, f.org.Admin, qms.ProcessInput{Name: "Production", OwnerID: f.org.ProcessOwner.UserID}))(t)
	f.site = qmstest.Must(svc.CreateSite(ctx, f.org.Admin, qms.SiteInput{Name: "Leeds Plant", Code: "LDS"}))(t)
	f.supplier = qmstest.Must(svc.CreateSupplier(ctx, f.org.QualityManager, qms.SupplierInput{
		Name: "Aire Heat Treatment", Supplies: "Heat treatment", ApprovalStatus: qms.SupplierApproved}))(t)
	for _, ty := range qmstest.Must(svc.RecordTypes(ctx, f.org.Viewer))(t) {
		f.types[ty.Name] = ty
	}
	return f
}

// input is a valid record of the named default type.
func (f *recFixture) input(typeName, title, day string) qms.RecordInput {
	ty, ok := f.types[typeName]
	if !ok {
		f.t.Fatalf("no record type %q", typeName)
	}
	in := qms.RecordInput{TypeID: ty.ID, Title: title, EventDate: day, ProcessID: f.process.ID, SiteID: f.site.ID, Clauses: "8.6"}
	switch ty.Kind {
	case qms.KindComplaint:
		in.Customer, in.ProductService, in.Severity = "Aerostar Components", "Housing 7741-A", "medium"
	case qms.KindFeedback:
		in.Customer = "Aerostar Components"
	case qms.KindIncident:
		in.Severity = "low"
	case qms.KindSupplierEvaluation:
		in.SupplierID, in.Score = f.supplier.ID, "85"
	case qms.KindTraining:
		in.Topic, in.AttendeeIDs, in.AttendeeNames = "Manual handling", []uuid.UUID{f.org.Viewer.UserID}, []string{"Jo Bloggs"}
	}
	return in
}

func (f *recFixture) create(in qms.RecordInput, finalise bool, uploads ...qms.Upload) qms.RecordDetail {
	f.t.Helper()
	return qmstest.Must(f.svc.CreateRecord(context.Background(), f.org.QualityManager, in, uploads, finalise))(f.t)
}

func (f *recFixture) upload(name, content string) qms.Upload {
	f.t.Helper()
	return qmstest.Must(f.svc.ReceiveFile(context.Background(), f.org.QualityManager, "files", name, strings.NewReader(content)))(f.t)
}

func TestRecordTypes_NewOrganisationsStartWithTheDefaults(t *testing.T) {
	f := newRecFixture(t)
	for name, kind := range map[string]qms.RecordKind{
		"Training": qms.KindTraining, "Inspection / test": qms.KindGeneral, "Calibration": qms.KindGeneral,
		"Customer complaint": qms.KindComplaint, "Customer feedback": qms.KindFeedback,
		"Supplier evaluation": qms.KindSupplierEvaluation, "Incident": qms.KindIncident,
		"KPI report": qms.KindGeneral, "Meeting minutes": qms.KindGeneral, "Other": qms.KindGeneral,
	} {
		ty, ok := f.types[name]
		if !ok || ty.Kind != kind || ty.RetentionMonths < 12 {
			t.Errorf("default type %s: %+v", name, ty)
		}
	}
	if len(f.types) != 10 {
		t.Errorf("%d default types, want 10", len(f.types))
	}
}

func TestRecordTypes_OnlyAdminsAndQualityManagersEditThemAndKindIsFixed(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	in := qms.RecordTypeInput{Name: "Warranty claim", Kind: qms.KindComplaint, RetentionMonths: "120"}
	for role, a := range f.org.Members() {
		_, err := f.svc.CreateRecordType(ctx, a, qms.RecordTypeInput{Name: "Type of " + string(role), Kind: qms.KindGeneral, RetentionMonths: "12"})
		allowed := role == auth.RoleAdmin || role == auth.RoleQualityManager
		if allowed != (err == nil) {
			t.Errorf("%s creating a record type: %v", role, err)
		}
	}
	ty := qmstest.Must(f.svc.CreateRecordType(ctx, f.org.Admin, in))(t)
	if _, err := f.svc.CreateRecordType(ctx, f.org.Admin, in); qms.FieldErrors(err)["name"] == "" {
		t.Fatalf("duplicate name: %v", err)
	}
	if _, err := f.svc.CreateRecordType(ctx, f.org.Admin, qms.RecordTypeInput{Name: "X", Kind: "bogus", RetentionMonths: "0"}); qms.FieldErrors(err)["kind"] == "" || qms.FieldErrors(err)["retention_months"] == "" {
		t.Fatalf("bad kind and period: %v", qms.FieldErrors(err))
	}
	// An update cannot change the kind, even if asked to.
	updated := qmstest.Must(f.svc.UpdateRecordType(ctx, f.org.Admin, ty.ID, ty.Version, qms.RecordTypeInput{Name: "Warranty claim", Kind: qms.KindGeneral, RetentionMonths: "60"}))(t)
	if updated.Kind != qms.KindComplaint || updated.RetentionMonths != 60 {
		t.Fatalf("updated type %+v", updated)
	}
	// And the database refuses it too.
	err := database.Tx(ctx, f.db.App, database.Scope{TenantID: f.org.ID}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE record_types SET kind = 'general' WHERE tenant_id = $1 AND id = $2`, f.org.ID, ty.ID)
		return err
	})
	if err == nil {
		t.Fatal("the database let a type's kind change")
	}
	if _, err := f.svc.UpdateRecordType(ctx, f.org.Admin, ty.ID, ty.Version, in); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("stale edit: got %v", err)
	}
}

func TestRecords_RetentionIsComputedFromTheTypeAndTheEventDate(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	cases := []struct {
		typeName, day, keepUntil string
	}{
		{"Training", "2024-01-31", "2030-01-31"},          // 72 months
		{"Inspection / test", "2024-02-29", "2034-02-28"}, // 120 months, no 29 February in 2034
		{"Customer feedback", "2025-06-15", "2028-06-15"}, // 36 months
	}
	for _, c := range cases {
		rec := f.create(f.input(c.typeName, "Retention of "+c.typeName, c.day), true)
		if got := rec.Shown.KeepUntil.Format(time.DateOnly); got != c.keepUntil {
			t.Errorf("%s on %s: kept until %s, want %s", c.typeName, c.day, got, c.keepUntil)
		}
		if rec.Shown.RetentionMonths != f.types[c.typeName].RetentionMonths {
			t.Errorf("%s: retention %d months", c.typeName, rec.Shown.RetentionMonths)
		}
	}
	// A type's new period applies to records from then on; recorded ones keep theirs.
	ty := f.types["KPI report"]
	old := f.create(f.input("KPI report", "KPI report March", "2025-03-31"), true)
	qmstest.Must(f.svc.UpdateRecordType(ctx, f.org.Admin, ty.ID, ty.Version, qms.RecordTypeInput{Name: ty.Name, RetentionMonths: "12"}))(t)
	newer := f.create(f.input("KPI report", "KPI report April", "2025-04-30"), true)
	again := qmstest.Must(f.svc.Record(ctx, f.org.Viewer, old.ID))(t)
	if again.Shown.KeepUntil.Format(time.DateOnly) != "2028-03-31" || newer.Shown.KeepUntil.Format(time.DateOnly) != "2026-04-30" {
		t.Fatalf("after the period changed: old kept until %s, new until %s", again.Shown.KeepUntil, newer.Shown.KeepUntil)
	}
}

func TestRecords_KindSpecificFieldsAreRequired(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	for typeName, fields := range map[string][]string{
		"Customer complaint":  {"customer", "severity", "process_id"},
		"Supplier evaluation": {"supplier_id", "score"},
		"Training":            {"topic", "attendees"},
		"Incident":            {"severity", "process_id"},
	} {
		in := qms.RecordInput{TypeID: f.types[typeName].ID, Title: "Missing fields", EventDate: "2026-01-05"}
		_, err := f.svc.CreateRecord(ctx, f.org.QualityManager, in, nil, false)
		for _, field := range fields {
			if qms.FieldErrors(err)[field] == "" {
				t.Errorf("%s without %s: errors %v", typeName, field, qms.FieldErrors(err))
			}
		}
	}
	in := f.input("Supplier evaluation", "Score out of range", "2026-01-05")
	in.Score = "101"
	if _, err := f.svc.CreateRecord(ctx, f.org.QualityManager, in, nil, false); qms.FieldErrors(err)["score"] == "" {
		t.Errorf("score 101: %v", err)
	}
	in = f.input("Other", "In the future", time.Now().AddDate(0, 0, 3).Format(time.DateOnly))
	in.Clauses = "7.2, 11.1"
	_, err := f.svc.CreateRecord(ctx, f.org.QualityManager, in, nil, false)
	if qms.FieldErrors(err)["event_date"] == "" || !strings.Contains(qms.FieldErrors(err)["clauses"], "11.1") {
		t.Errorf("future date and unknown clause: %v", qms.FieldErrors(err))
	}
	// A general record ignores the fields of other kinds instead of storing them.
	in = f.input("Other", "Plain record", "2026-01-05")
	in.Customer, in.Score = "Nobody", "12"
	rec := f.create(in, false)
	if rec.Shown.Customer != "" || rec.Shown.Score != nil {
		t.Fatalf("a general record kept other kinds' fields: %+v", rec.Shown)
	}
}

func TestRecords_OnlyWritersRecordAndEveryoneReads(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	for role, a := range f.org.Members() {
		_, err := f.svc.CreateRecord(ctx, a, f.input("Other", "Recorded by "+string(role), "2026-01-05"), nil, false)
		allowed := role == auth.RoleAdmin || role == auth.RoleQualityManager || role == auth.RoleProcessOwner
		if allowed != (err == nil) || (!allowed && qms.ErrorKind(err) != qms.KindForbidden) {
			t.Errorf("%s recording: %v", role, err)
		}
	}
	page := qmstest.Must(f.svc.Records(ctx, f.org.Viewer, qms.RecordFilter{}))(t)
	if len(page.Rows) != 3 {
		t.Fatalf("a viewer sees %d records, want 3", len(page.Rows))
	}
}

func TestRecords_AFinalisedRecordRefusesEditsAndDeletes(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	a := f.org.QualityManager
	draft := f.create(f.input("Inspection / test", "CMM report batch 2291", "2026-02-10"), false)
	edited := qmstest.Must(f.svc.UpdateDraft(ctx, a, draft.ID, draft.Version, f.input("Inspection / test", "CMM report batch 2291 (housing)", "2026-02-10"), nil, nil))(t)
	if edited.Shown.Title != "CMM report batch 2291 (housing)" || edited.State != qms.RecordDraft {
		t.Fatalf("editing a draft: %+v", edited.Shown)
	}
	if _, err := f.svc.UpdateDraft(ctx, a, draft.ID, draft.Version, f.input("Inspection / test", "Stale", "2026-02-10"), nil, nil); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("a stale draft edit: %v", err)
	}
	final := qmstest.Must(f.svc.FinaliseRecord(ctx, a, draft.ID, edited.Version))(t)
	if final.State != qms.RecordFinal || final.Shown.State != qms.RecordFinal || final.FinalisedAt == nil {
		t.Fatalf("finalised: %+v", final.Record)
	}
	_, err := f.svc.UpdateDraft(ctx, a, draft.ID, final.Version, f.input("Inspection / test", "Changed after the fact", "2026-02-10"), nil, nil)
	if qms.ErrorKind(err) != qms.KindConflict || !strings.Contains(qms.ErrorMessage(err), "correction") {
		t.Fatalf("editing a final record: %v", err)
	}
	if _, err := f.svc.DeleteDraft(ctx, a, draft.ID, final.Version); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("deleting a final record: %v", err)
	}
	if _, err := f.svc.FinaliseRecord(ctx, a, draft.ID, final.Version); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("finalising twice: %v", err)
	}
	now := qmstest.Must(f.svc.Record(ctx, a, draft.ID))(t)
	if now.Shown.Title != "CMM report batch 2291 (housing)" || now.Version != final.Version {
		t.Fatalf("the refused changes changed the record: %+v", now.Shown)
	}
	// A draft can be deleted, and its number is not given to the next record.
	gone := f.create(f.input("Other", "Recorded by mistake", "2026-02-11"), false)
	qmstest.Must(f.svc.DeleteDraft(ctx, a, gone.ID, gone.Version))(t)
	if _, err := f.svc.Record(ctx, a, gone.ID); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("deleted draft: %v", err)
	}
	next := f.create(f.input("Other", "Next", "2026-02-11"), false)
	if next.Ref != gone.Ref+1 {
		t.Fatalf("numbers: deleted R-%d, next R-%d", gone.Ref, next.Ref)
	}
}

// The service refuses, and the database refuses too: even SQL run as the application's role
// cannot alter or delete a final record, its revision, or its files and clauses.
func TestRecords_TheDatabaseRefusesToAlterFinalRecords(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	rec := f.create(f.input("Calibration", "Micrometer G-014", "2026-01-20"), true, f.upload("cert.pdf", "%PDF-1.4\ncert G-014\n"))
	draft := f.create(f.input("Calibration", "Micrometer G-015", "2026-01-20"), false)
	for _, sql := range []string{
		`UPDATE record_revisions SET title = 'Tampered' WHERE tenant_id = $1 AND record_id = $2`,
		`DELETE FROM record_revisions WHERE tenant_id = $1 AND record_id = $2`,
		`DELETE FROM record_files WHERE tenant_id = $1 AND record_id = $2`,
		`DELETE FROM record_clauses WHERE tenant_id = $1 AND record_id = $2`,
		`INSERT INTO record_clauses (tenant_id, record_id, revision_id, clause_number)
			SELECT tenant_id, record_id, id, '9.2' FROM record_revisions WHERE tenant_id = $1 AND record_id = $2`,
		`DELETE FROM records WHERE tenant_id = $1 AND id = $2`,
		`UPDATE records SET state = 'draft', finalised_at = NULL WHERE tenant_id = $1 AND id = $2`,
		`UPDATE records SET ref = ref + 1000 WHERE tenant_id = $1 AND id = $2`,
	} {
		err := database.Tx(ctx, f.db.App, database.Scope{TenantID: f.org.ID}, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql, f.org.ID, rec.ID)
			return err
		})
		if err == nil {
			t.Errorf("the database allowed on a final record: %s", sql)
		}
	}
	// The same statements on a draft's revision are allowed (a draft may change).
	err := database.Tx(ctx, f.db.App, database.Scope{TenantID: f.org.ID}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE record_revisions SET title = 'Changed draft' WHERE tenant_id = $1 AND record_id = $2`, f.org.ID, draft.ID)
		return err
	})
	if err != nil {
		t.Fatalf("updating a draft revision: %v", err)
	}
	after := qmstest.Must(f.svc.Record(ctx, f.org.Viewer, rec.ID))(t)
	if after.Shown.Title != "Micrometer G-014" || len(after.Shown.Files) != 1 || len(after.Shown.Clauses) != 1 {
		t.Fatalf("the final record changed: %+v", after.Shown)
	}
}

func TestRecords_ACorrectionAddsARevisionAndKeepsTheOldOneWithItsFiles(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	a := f.org.QualityManager
	orig := f.create(f.input("Inspection / test", "CMM report batch 2219", "2026-02-10"), true,
		f.upload("cmm-2219.csv", "feature,nominal,actual\nbore,12.000,12.004\n"))
	oldFile := orig.Shown.Files[0]

	in := f.input("Inspection / test", "CMM report batch 2291", "2026-02-10")
	if _, err := f.svc.CorrectRecord(ctx, a, orig.ID, orig.Version, in, "  ", nil, []uuid.UUID{oldFile.ID}); qms.FieldErrors(err)["reason"] == "" {
		t.Fatalf("a correction without a reason: %v", err)
	}
	same := f.input("Inspection / test", "CMM report batch 2219", "2026-02-10")
	if _, err := f.svc.CorrectRecord(ctx, a, orig.ID, orig.Version, same, "No change", nil, []uuid.UUID{oldFile.ID}); qms.ErrorKind(err) != qms.KindInvalid {
		t.Fatalf("a correction that changes nothing: %v", err)
	}
	fixed := qmstest.Must(f.svc.CorrectRecord(ctx, a, orig.ID, orig.Version, in, "Batch number transcribed wrongly (2219 → 2291)",
		[]qms.Upload{f.upload("cmm-2291.csv", "feature,nominal,actual\nbore,12.000,12.001\n")}, nil))(t)
	if fixed.Shown.Revision != 2 || fixed.Shown.Title != "CMM report batch 2291" || fixed.Shown.CorrectionReason == "" || fixed.State != qms.RecordFinal {
		t.Fatalf("corrected: %+v", fixed.Shown)
	}
	if len(fixed.Shown.Files) != 1 || fixed.Shown.Files[0].Filename != "cmm-2291.csv" {
		t.Fatalf("the correction's files: %+v", fixed.Shown.Files)
	}
	if len(fixed.Revisions) != 2 || fixed.Revisions[0].Revision != 2 || fixed.Revisions[1].Revision != 1 {
		t.Fatalf("history: %+v", fixed.Revisions)
	}
	first := qmstest.Must(f.svc.RecordRevision(ctx, f.org.Viewer, orig.ID, 1))(t)
	if first.Shown.Title != "CMM report batch 2219" || len(first.Shown.Files) != 1 || first.Shown.Files[0].ID != oldFile.ID || first.IsCurrent() {
		t.Fatalf("revision 1 after the correction: %+v", first.Shown)
	}
	if _, err := f.svc.RecordRevision(ctx, f.org.Viewer, orig.ID, 3); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("revision 3: %v", err)
	}
	// The old file is still there to download.
	_, content, err := f.svc.OpenFile(ctx, f.org.Viewer, oldFile.ID)
	if err != nil {
		t.Fatal(err)
	}
	content.Close()
	// Searching finds the record by its current content only.
	if n := len(qmstest.Must(f.svc.Records(ctx, a, qms.RecordFilter{Query: "2291"}))(t).Rows); n != 1 {
		t.Fatalf("searching the corrected number: %d", n)
	}
	trail := qmstest.Must(f.svc.AuditTrail(ctx, f.org.Admin, qms.AuditFilter{EntityType: "record", EntityID: orig.ID.String()}))(t)
	if trail.Entries[0].Action != "record.correct" || !strings.Contains(trail.Entries[0].Summary, "2219 → 2291") {
		t.Fatalf("trail: %+v", trail.Entries[0])
	}
	// Correcting a draft is refused: drafts are edited.
	draft := f.create(f.input("Other", "A draft", "2026-02-10"), false)
	if _, err := f.svc.CorrectRecord(ctx, a, draft.ID, draft.Version, f.input("Other", "Changed", "2026-02-10"), "why", nil, nil); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("correcting a draft: %v", err)
	}
}

func TestRecords_DraftFilesCanBeRemovedAndAddedButFilesAreNeverOverwritten(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	a := f.org.QualityManager
	draft := f.create(f.input("KPI report", "KPI report January", "2026-01-31"), false,
		f.upload("kpi.csv", "month,otd\nJan,94.1\n"), f.upload("notes.txt", "first draft"))
	var csvID uuid.UUID
	for _, file := range draft.Shown.Files {
		if file.Filename == "kpi.csv" {
			csvID = file.ID
		}
	}
	// The same file name with new content is a new file; the old one stays intact.
	updated := qmstest.Must(f.svc.UpdateDraft(ctx, a, draft.ID, draft.Version, f.input("KPI report", "KPI report January", "2026-01-31"),
		[]qms.Upload{f.upload("kpi.csv", "month,otd\nJan,94.7\n")}, []uuid.UUID{csvID}))(t)
	if len(updated.Shown.Files) != 2 {
		t.Fatalf("files after the edit: %+v", updated.Shown.Files)
	}
	for _, file := range updated.Shown.Files {
		if file.ID == csvID {
			t.Fatal("the removed file is still attached")
		}
	}
	_, old, err := f.svc.OpenFile(ctx, a, csvID)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	b := make([]byte, 64)
	n, _ := old.Read(b)
	if !strings.Contains(string(b[:n]), "94.1") {
		t.Fatalf("the earlier file was overwritten: %q", b[:n])
	}
}

func TestRecords_SearchFindsTitleDescriptionAndFileNames(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	in := f.input("Customer complaint", "Burrs on bore of housings", "2026-03-02")
	in.Description = "Customer found swarf contamination in the packaging."
	f.create(in, true, f.upload("aerostar-8D-report.pdf", "%PDF-1.4\n8D\n"))
	f.create(f.input("Calibration", "Micrometer calibration", "2026-03-03"), true)
	for query, want := range map[string]int{
		"burr":          1, // stemmed: "Burrs" in the title
		"swarf":         1, // the description
		"8D":            1, // a word of a file name
		"Aerostar":      1, // the customer
		"micrometer":    1,
		"packaging -8D": 0,
		"nothing-here":  0,
	} {
		page := qmstest.Must(f.svc.Records(ctx, f.org.Viewer, qms.RecordFilter{Query: query}))(t)
		if len(page.Rows) != want {
			t.Errorf("searching %q: %d records, want %d", query, len(page.Rows), want)
		}
	}
}

func TestRecords_FiltersNarrowTheList(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	other := qmstest.Must(f.svc.CreateProcess(ctx, f.org.Admin, qms.ProcessInput{Name: "Dispatch", OwnerID: f.org.ProcessOwner.UserID}))(t)
	sheffield := qmstest.Must(f.svc.CreateSite(ctx, f.org.Admin, qms.SiteInput{Name: "Sheffield"}))(t)
	a := f.input("Inspection / test", "Inspection at Leeds", "2026-01-10")
	a.Clauses = "8.5.1"
	f.create(a, true, f.upload("report.pdf", "%PDF-1.4\nreport\n"))
	b := f.input("Calibration", "Calibration at Sheffield", "2026-02-10")
	b.ProcessID, b.SiteID, b.Clauses = other.ID, sheffield.ID, "7.1.5.2"
	f.create(b, false)
	c := f.input("Customer complaint", "Late delivery", "2026-03-10")
	c.ProcessID, c.Clauses = other.ID, "9.1.2"
	f.create(c, true)

	day := func(s string) *time.Time { d, _ := time.Parse(time.DateOnly, s); return &d }
	yes, no := true, false
	typeID := f.types["Calibration"].ID
	for name, tc := range map[string]struct {
		f    qms.RecordFilter
		want []string
	}{
		"type":            {qms.RecordFilter{TypeID: &typeID}, []string{"Calibration at Sheffield"}},
		"process":         {qms.RecordFilter{ProcessID: &other.ID}, []string{"Late delivery", "Calibration at Sheffield"}},
		"site":            {qms.RecordFilter{SiteID: &sheffield.ID}, []string{"Calibration at Sheffield"}},
		"clause":          {qms.RecordFilter{Clause: "8.5.1"}, []string{"Inspection at Leeds"}},
		"parent clause":   {qms.RecordFilter{Clause: "7.1"}, []string{"Calibration at Sheffield"}},
		"date range":      {qms.RecordFilter{From: day("2026-02-01"), To: day("2026-03-10")}, []string{"Late delivery", "Calibration at Sheffield"}},
		"has files":       {qms.RecordFilter{HasFiles: &yes}, []string{"Inspection at Leeds"}},
		"no files":        {qms.RecordFilter{HasFiles: &no, State: qms.RecordFinal}, []string{"Late delivery"}},
		"drafts":          {qms.RecordFilter{State: qms.RecordDraft}, []string{"Calibration at Sheffield"}},
		"open complaints": {qms.RecordFilter{Kind: qms.KindComplaint, ComplaintStatus: qms.ComplaintOpen}, []string{"Late delivery"}},
		"severity":        {qms.RecordFilter{Severity: qms.SeverityHigh}, nil},
	} {
		page := qmstest.Must(f.svc.Records(ctx, f.org.Viewer, tc.f))(t)
		var got []string
		for _, r := range page.Rows {
			got = append(got, r.Title)
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("filter %s: got %v, want %v", name, got, tc.want)
		}
	}
}

func TestRecords_KeysetPagesVisitEveryRecordOnceNewestFirst(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	for i := range 7 {
		// Two records a day, so the cursor must break ties by number.
		f.create(f.input("Other", "Record "+string(rune('A'+i)), time.Date(2026, 1, 1+i/2, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)), false)
	}
	var seen []string
	after := ""
	for pages := 0; ; pages++ {
		page := qmstest.Must(f.svc.Records(ctx, f.org.Viewer, qms.RecordFilter{Limit: 3, After: after}))(t)
		for _, r := range page.Rows {
			seen = append(seen, r.Title)
		}
		if page.Next == "" {
			if pages != 2 {
				t.Errorf("%d pages, want 3", pages+1)
			}
			break
		}
		after = page.Next
	}
	if got := strings.Join(seen, ","); got != "Record G,Record F,Record E,Record D,Record C,Record B,Record A" {
		t.Fatalf("visited %s", got)
	}
	var exported []string
	err := f.svc.ExportRecords(ctx, f.org.Viewer, qms.RecordFilter{Limit: 2, Query: "record"}, func(r qms.RecordRow) error {
		exported = append(exported, r.Title)
		return nil
	})
	if err != nil || len(exported) != 7 {
		t.Fatalf("the export ignores paging: %v %v", exported, err)
	}
}

func TestRecords_TheListFollowsTheEventDateOfTheCurrentRevision(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	a := f.org.QualityManager
	older := f.create(f.input("Other", "Older event", "2026-01-05"), true)
	draft := f.create(f.input("Other", "Draft event", "2026-01-10"), false)
	f.create(f.input("Other", "Middle event", "2026-01-20"), true)
	titles := func(filter qms.RecordFilter) string {
		t.Helper()
		page := qmstest.Must(f.svc.Records(ctx, f.org.Viewer, filter))(t)
		var out []string
		for _, r := range page.Rows {
			out = append(out, r.Title)
		}
		return strings.Join(out, ",")
	}
	if got := titles(qms.RecordFilter{}); got != "Middle event,Draft event,Older event" {
		t.Fatalf("before: %s", got)
	}
	// A correction of the event date moves the record to its new place in the list.
	qmstest.Must(f.svc.CorrectRecord(ctx, a, older.ID, older.Version, f.input("Other", "Older event", "2026-02-01"),
		"Event date entered wrongly", nil, nil))(t)
	// So does editing a draft's date.
	qmstest.Must(f.svc.UpdateDraft(ctx, a, draft.ID, draft.Version, f.input("Other", "Draft event", "2025-12-31"), nil, nil))(t)
	if got := titles(qms.RecordFilter{}); got != "Older event,Middle event,Draft event" {
		t.Fatalf("after: %s", got)
	}
	from := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	if got := titles(qms.RecordFilter{From: &from}); got != "Older event,Middle event" {
		t.Fatalf("from 15 January: %s", got)
	}
}

func TestRecords_AnotherOrganisationsRecordIsNotFound(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	globex := qmstest.NewOrg(t, f.svc, "globex")
	rec := f.create(f.input("Other", "Acme only", "2026-01-05"), false)
	if _, err := f.svc.Record(ctx, globex.Admin, rec.ID); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("reading: %v", err)
	}
	if _, err := f.svc.UpdateDraft(ctx, globex.Admin, rec.ID, rec.Version, f.input("Other", "Mine", "2026-01-05"), nil, nil); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("editing: %v", err)
	}
	// Nor can a record point at another organisation's process.
	in := f.input("Other", "Foreign process", "2026-01-05")
	theirs := qmstest.Must(f.svc.CreateProcess(ctx, globex.Admin, qms.ProcessInput{Name: "Theirs", OwnerID: globex.Admin.UserID}))(t)
	in.ProcessID = theirs.ID
	if _, err := f.svc.CreateRecord(ctx, f.org.Admin, in, nil, false); qms.FieldErrors(err)["process_id"] == "" {
		t.Fatalf("a foreign process: %v", err)
	}
}

func TestComplaints_StatusMovesOnAndClosingNeedsANote(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	a := f.org.ProcessOwner
	c := f.create(f.input("Customer complaint", "Scratched finish", "2026-03-02"), true)
	if c.ComplaintStatus != qms.ComplaintOpen {
		t.Fatalf("a new complaint is %q", c.ComplaintStatus)
	}
	moved := qmstest.Must(f.svc.SetComplaintStatus(ctx, a, c.ID, c.Version, qms.ComplaintInvestigating, "8D opened"))(t)
	if _, err := f.svc.SetComplaintStatus(ctx, a, c.ID, moved.Version, qms.ComplaintClosed, ""); qms.FieldErrors(err)["note"] == "" {
		t.Fatalf("closing without a note: %v", err)
	}
	if _, err := f.svc.SetComplaintStatus(ctx, a, c.ID, c.Version, qms.ComplaintClosed, "Fixed"); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("a stale status change: %v", err)
	}
	closed := qmstest.Must(f.svc.SetComplaintStatus(ctx, a, c.ID, moved.Version, qms.ComplaintClosed, "Packaging changed; customer accepted the 8D"))(t)
	if closed.ComplaintStatus != qms.ComplaintClosed {
		t.Fatal("not closed")
	}
	if _, err := f.svc.SetComplaintStatus(ctx, f.org.Viewer, c.ID, closed.Version, qms.ComplaintOpen, ""); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("a viewer reopening: %v", err)
	}
	other := f.create(f.input("Other", "Not a complaint", "2026-03-02"), true)
	if _, err := f.svc.SetComplaintStatus(ctx, a, other.ID, other.Version, qms.ComplaintClosed, "x"); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("a status on a record that is not a complaint: %v", err)
	}
	trail := qmstest.Must(f.svc.AuditTrail(ctx, f.org.Admin, qms.AuditFilter{EntityType: "record", EntityID: c.ID.String()}))(t)
	if !strings.Contains(trail.Entries[0].Summary, "from Investigating to Closed: Packaging changed") {
		t.Fatalf("trail: %s", trail.Entries[0].Summary)
	}
}

func TestSuppliers_TheLatestScoreComesFromTheNewestFinalEvaluation(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	for _, e := range []struct {
		day, score string
		final      bool
	}{{"2025-06-30", "91", true}, {"2025-12-31", "74", true}, {"2025-09-30", "88", true}, {"2026-01-15", "20", false}} {
		in := f.input("Supplier evaluation", "Evaluation "+e.day, e.day)
		in.Score = e.score
		f.create(in, e.final)
	}
	list := qmstest.Must(f.svc.Suppliers(ctx, f.org.Viewer, qms.SupplierFilter{}))(t)
	if len(list) != 1 || list[0].LatestScore == nil || *list[0].LatestScore != 74 || list[0].Evaluations != 3 ||
		list[0].LastEvaluated.Format(time.DateOnly) != "2025-12-31" {
		t.Fatalf("register: %+v", list)
	}
	detail := qmstest.Must(f.svc.Supplier(ctx, f.org.Viewer, f.supplier.ID))(t)
	if len(detail.History) != 4 || detail.History[0].State != qms.RecordDraft {
		t.Fatalf("history: %+v", detail.History)
	}
	updated := qmstest.Must(f.svc.UpdateSupplier(ctx, f.org.ProcessOwner, f.supplier.ID, f.supplier.Version, qms.SupplierInput{
		Name: f.supplier.Name, Supplies: "Heat treatment, case hardening", ApprovalStatus: qms.SupplierConditional,
		ContactEmail: "Quality@Aire.example"}))(t)
	if updated.ApprovalStatus != qms.SupplierConditional || updated.ContactEmail != "quality@aire.example" {
		t.Fatalf("updated: %+v", updated)
	}
	if _, err := f.svc.UpdateSupplier(ctx, f.org.Auditor, f.supplier.ID, updated.Version, qms.SupplierInput{Name: "x", ApprovalStatus: qms.SupplierApproved}); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("an auditor editing a supplier: %v", err)
	}
	if _, err := f.svc.CreateSupplier(ctx, f.org.QualityManager, qms.SupplierInput{Name: "aire heat treatment", ApprovalStatus: qms.SupplierPending}); qms.FieldErrors(err)["name"] == "" {
		t.Fatalf("duplicate supplier: %v", err)
	}
	trail := qmstest.Must(f.svc.AuditTrail(ctx, f.org.Admin, qms.AuditFilter{EntityType: "supplier", EntityID: f.supplier.ID.String()}))(t)
	if !strings.Contains(trail.Entries[0].Summary, "from Approved to Conditionally approved") {
		t.Fatalf("trail: %s", trail.Entries[0].Summary)
	}
}

func TestHubs_ProcessAndClauseSummariesCountRecords(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	recent := time.Now().AddDate(0, 0, -10).Format(time.DateOnly)
	long := time.Now().AddDate(0, -6, 0).Format(time.DateOnly)
	for _, c := range []struct{ typeName, day, clauses string }{
		{"Customer complaint", recent, "9.1.2"}, {"Customer complaint", long, "9.1.2"},
		{"Incident", recent, ""}, {"Calibration", recent, "7.1.5.2"}, {"Training", long, "7.2"},
	} {
		in := f.input(c.typeName, c.typeName+" "+c.day, c.day)
		in.Clauses = c.clauses
		f.create(in, true)
	}
	sum := qmstest.Must(f.svc.ProcessRecords(ctx, f.org.Viewer, f.process.ID))(t)
	if sum.Total != 5 || sum.ComplaintsLast90 != 1 || sum.IncidentsLast90 != 1 || sum.OpenComplaints != 2 || len(sum.Latest) != 5 {
		t.Fatalf("process summary: %+v", sum)
	}
	if len(sum.ByType) != 4 || sum.ByType[0].Name != "Customer complaint" || sum.ByType[0].Count != 2 || sum.ByType[0].Kind != qms.KindComplaint {
		t.Fatalf("by type: %+v, want four types with the two complaints first", sum.ByType)
	}
	if cs := qmstest.Must(f.svc.ClauseRecords(ctx, f.org.Viewer, "9.1"))(t); cs.Total != 2 || len(cs.ByType) != 1 || cs.OpenComplaints != 2 || cs.ComplaintsLast90 != 1 {
		t.Fatalf("clause 9.1 summary: %+v", cs)
	}
	clauses := qmstest.Must(f.svc.Clauses(ctx, f.org.Viewer))(t)
	counts := map[string]int{}
	for _, c := range clauses {
		counts[c.Number] = c.Records
	}
	if clauses[0].Number != "4" || counts["7"] != 2 || counts["7.1"] != 1 || counts["7.1.5.2"] != 1 || counts["9.1.2"] != 2 || counts["8"] != 0 {
		t.Fatalf("clause counts: %v", counts)
	}
	cl := qmstest.Must(f.svc.Clause(ctx, f.org.Viewer, "7.1"))(t)
	if cl.Title != "Resources" || cl.Parent == nil || cl.Parent.Number != "7" || len(cl.Children) != 6 {
		t.Fatalf("clause 7.1: %+v", cl)
	}
	if _, err := f.svc.Clause(ctx, f.org.Viewer, "11"); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("clause 11: %v", err)
	}
	globex := qmstest.NewOrg(t, f.svc, "globex")
	if _, err := f.svc.ProcessRecords(ctx, globex.Admin, f.process.ID); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("another organisation's process: %v", err)
	}
}
