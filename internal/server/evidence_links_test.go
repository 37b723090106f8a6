package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// issuedProcedure registers a procedure of process in org and issues it today.
func issuedProcedure(t *testing.T, h *harness, org qmstest.Org, process qms.Process, title string) qms.Document {
	t.Helper()
	ctx := context.Background()
	var typeID uuid.UUID
	for _, ty := range qmstest.Must(h.svc.DocumentTypes(ctx, org.Admin))(t) {
		if ty.Kind == "procedure" {
			typeID = ty.ID
		}
	}
	d := qmstest.Must(h.svc.CreateDocument(ctx, org.ProcessOwner, qms.NewDocument{
		DocumentInput: qms.DocumentInput{Title: title, TypeID: typeID, ProcessID: process.ID, OwnerID: org.ProcessOwner.UserID, ReviewIntervalMonths: 12, Clauses: []string{"8.5.1"}},
		DraftInput:    qms.DraftInput{Body: "# " + title, ChangeSummary: "First issue"},
	}))(t)
	vw := qmstest.Must(h.svc.DocumentView(ctx, org.Viewer, d.ID))(t)
	v := qmstest.Must(h.svc.DocumentVersionView(ctx, org.Viewer, d.ID, *vw.Document.OpenVersionID))(t).Version
	v = qmstest.Must(h.svc.SubmitForReview(ctx, org.ProcessOwner, d.ID, v.ID, v.Version, qms.SubmitInput{ApproverID: org.QualityManager.UserID}))(t)
	qmstest.Must(h.svc.ApproveVersion(ctx, org.QualityManager, d.ID, v.ID, v.Version,
		qms.ApproveInput{Password: qmstest.Password, Meaning: qms.ApprovalMeaning}))(t)
	return qmstest.Must(h.svc.DocumentView(ctx, org.Viewer, d.ID))(t).Document
}

// finalRecord records a final inspection record of process in org.
func finalRecord(t *testing.T, h *harness, org qmstest.Org, process qms.Process, title string) qms.RecordDetail {
	t.Helper()
	ctx := context.Background()
	for _, ty := range qmstest.Must(h.svc.RecordTypes(ctx, org.Viewer))(t) {
		if ty.Name == "Inspection / test" {
			return qmstest.Must(h.svc.CreateRecord(ctx, org.QualityManager, qms.RecordInput{TypeID: ty.ID, Title: title,
				EventDate: "2026-01-15", ProcessID: process.ID}, nil, true))(t)
		}
	}
	t.Fatal("no inspection record type")
	return qms.RecordDetail{}
}

func TestEvidenceLinks_TheQuestionFormLinksDocumentsAndRecordsAndKeepsInputWhenRefused(t *testing.T) {
	h := newHarness(t, Config{})
	process := acmeProcess(t, h, "Production")
	doc := issuedProcedure(t, h, h.acme, process, "Control of production")
	rec := finalRecord(t, h, h.acme, process, "First-off inspection job 5120")
	ids := runningAudit(t, h, h.acme, process)
	c := h.signedIn(h.acme, auth.RoleAuditor)
	questionPath := "/o/acme/audits/" + ids.AuditID.String() + "/questions/" + ids.ItemID.String()

	q := c.get(questionPath).wantStatus(http.StatusOK)
	if q.count("datalist#document-choices option[value^='"+doc.Number+" · ']") != 1 || q.count("datalist#record-choices option[value^='"+rec.Number()+"']") != 1 {
		t.Fatalf("the pickers do not suggest the document and the record:\n%s", clip(q.body))
	}
	version := q.attr("form[enctype] input[name=version]", "value")

	// Another organisation's document number, an unknown record: refused, the input kept.
	res := c.postFiles(questionPath, url.Values{"version": {version}, "result": {"minor_nc"}, "notes": {"Gauge G-7 overdue."},
		"document": {"WI-404"}, "record": {"R-99999"}}, nil).wantStatus(http.StatusUnprocessableEntity)
	if res.text("#document-error") == "" || res.attr("input#document", "value") != "WI-404" || res.attr("input#record", "value") != "R-99999" ||
		res.text("textarea#notes") != "Gauge G-7 overdue." {
		t.Fatalf("refusal:\n%s", clip(res.body))
	}

	c.postFiles(questionPath, url.Values{"version": {version}, "result": {"minor_nc"}, "notes": {"Gauge G-7 overdue."},
		"document": {doc.Number + " · " + doc.Title}, "record": {rec.Number()}}, nil).wantRedirect(questionPath)
	q = c.get(questionPath).wantStatus(http.StatusOK)
	link := q.attr(".evidence a.linked-document", "href")
	if link != "/o/acme/documents/"+doc.ID.String()+"/versions/"+doc.EffectiveVersionID.String() ||
		!strings.Contains(q.text(".evidence"), doc.Number+" rev 1") || !strings.Contains(q.text(".evidence"), "effective at audit") {
		t.Fatalf("the question shows %q linking to %s", q.text(".evidence"), link)
	}
	if q.attr(".evidence a.linked-record", "href") != "/o/acme/records/"+rec.ID.String()+"/revisions/1" {
		t.Fatalf("record link: %q", q.text(".evidence"))
	}
	c.get(link).wantStatus(http.StatusOK)

	// The report shows the linked version too.
	rep := c.get("/o/acme/audits/" + ids.AuditID.String() + "/report").wantStatus(http.StatusOK)
	if !strings.Contains(rep.text("#report-checklist"), doc.Number+" rev 1") {
		t.Fatalf("report checklist: %q", rep.text("#report-checklist"))
	}
}

func TestEvidenceLinks_TheFindingFormLinksEvidenceAndRefusesWhatItCannotFind(t *testing.T) {
	h := newHarness(t, Config{})
	process := acmeProcess(t, h, "Production")
	doc := issuedProcedure(t, h, h.acme, process, "Control of production")
	rec := finalRecord(t, h, h.acme, process, "First-off inspection job 5120")
	ids := runningAudit(t, h, h.acme, process)
	c := h.signedIn(h.acme, auth.RoleAuditor)
	findingPath := "/o/acme/findings/" + ids.FindingID.String()

	res := c.post(findingPath+"/evidence", url.Values{"document": {"QP-999"}, "record": {rec.Number()}}).wantStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.text("#document-error"), "QP-999") || res.attr("input#document", "value") != "QP-999" ||
		res.attr("input#record", "value") != rec.Number() || res.count("details.link-evidence[open]") != 1 {
		t.Fatalf("refusal:\n%s", clip(res.body))
	}
	c.post(findingPath+"/evidence", url.Values{"document": {doc.Number}, "record": {rec.Number()}}).wantRedirect(findingPath)
	page := c.get(findingPath).wantStatus(http.StatusOK)
	if !strings.Contains(page.text(".evidence"), doc.Number+" rev 1") || !strings.Contains(page.text(".evidence"), rec.Number()) {
		t.Fatalf("finding evidence: %q", page.text(".evidence"))
	}
	rep := c.get("/o/acme/audits/" + ids.AuditID.String() + "/report").wantStatus(http.StatusOK)
	if !strings.Contains(rep.text(".report-finding"), doc.Number+" rev 1") {
		t.Fatalf("the report's finding does not show its evidence: %q", rep.text(".report-finding"))
	}

	// A viewer cannot link; a closed finding takes no more evidence.
	h.signedIn(h.acme, auth.RoleViewer).post(findingPath+"/evidence", url.Values{"document": {doc.Number}}).wantStatus(http.StatusForbidden)
	f := qmstest.Must(h.svc.Finding(context.Background(), h.acme.QualityManager, ids.FindingID))(t)
	f = qmstest.Must(h.svc.RecordCorrection(context.Background(), h.acme.QualityManager, f.ID, f.Version, "Gauge withdrawn."))(t)
	f = qmstest.Must(h.svc.DecideCAPA(context.Background(), h.acme.QualityManager, f.ID, f.Version, qms.CAPANotRequired, "Isolated."))(t)
	qmstest.Must(h.svc.CloseFinding(context.Background(), h.acme.QualityManager, f.ID, f.Version, "Gauge recalibrated."))(t)
	c.post(findingPath+"/evidence", url.Values{"record": {rec.Number()}}).wantStatus(http.StatusConflict)
}

func TestEvidenceLinks_PickersSuggestWhatMatches(t *testing.T) {
	h := newHarness(t, Config{})
	process := acmeProcess(t, h, "Production")
	doc := issuedProcedure(t, h, h.acme, process, "Control of production")
	issuedProcedure(t, h, h.acme, process, "Packing and dispatch")
	finalRecord(t, h, h.acme, process, "Torque wrench calibration")
	c := h.signedIn(h.acme, auth.RoleViewer)

	res := c.get("/o/acme/pick/documents?document=" + url.QueryEscape("production")).wantStatus(http.StatusOK)
	if res.count("option") != 1 || !strings.Contains(res.body, doc.Number+" · Control of production") {
		t.Fatalf("document suggestions for “production”: %s", res.body)
	}
	res = c.get("/o/acme/pick/records?record=torque").wantStatus(http.StatusOK)
	if res.count("option") != 1 || !strings.Contains(res.body, "Torque wrench calibration") {
		t.Fatalf("record suggestions for “torque”: %s", res.body)
	}
}

func TestAudits_ThePlanningFormTakesDocumentsAsCriteria(t *testing.T) {
	h := newHarness(t, Config{})
	process := acmeProcess(t, h, "Production")
	doc := issuedProcedure(t, h, h.acme, process, "Control of production")
	c := h.signedIn(h.acme, auth.RoleQualityManager)
	form := url.Values{"type": {"internal"}, "title": {"Production"}, "lead_auditor_id": {h.acme.Auditor.UserID.String()},
		"processes": {process.ID.String()}, "clauses": {"8.5"}, "planned_start": {time.Now().UTC().AddDate(0, 0, 7).Format("2006-01-02")}, "documents": {doc.ID.String()}}
	// Refused for want of nothing but a title, the chosen document stays chosen.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("title", "")
	res := c.post("/o/acme/audits", bad).wantStatus(http.StatusUnprocessableEntity)
	if res.count("input[name=documents][value='"+doc.ID.String()+"'][checked]") != 1 {
		t.Fatalf("the chosen document was not kept:\n%s", clip(res.body))
	}
	res = c.post("/o/acme/audits", form).wantStatus(http.StatusSeeOther)
	page := c.get(res.location).wantStatus(http.StatusOK)
	// Planned for next week, the audit goes by the version in force now.
	if !strings.Contains(page.text(".criteria-documents"), doc.Number+" rev 1") {
		t.Fatalf("criteria: %q", page.text(".audit-facts"))
	}
	edit := c.get(res.location + "/edit").wantStatus(http.StatusOK)
	if edit.count("input[name=documents][value='"+doc.ID.String()+"'][checked]") != 1 {
		t.Fatal("the edit form does not show the chosen document")
	}
}

func TestHubs_ProcessAndClausePagesShowDocumentsAuditsAndFindings(t *testing.T) {
	h := newHarness(t, Config{})
	process := acmeProcess(t, h, "Production")
	doc := issuedProcedure(t, h, h.acme, process, "Control of production")
	ids := runningAudit(t, h, h.acme, process)
	f := qmstest.Must(h.svc.Finding(context.Background(), h.acme.Viewer, ids.FindingID))(t)
	c := h.signedIn(h.acme, auth.RoleViewer)

	hub := c.get("/o/acme/processes/" + process.ID.String()).wantStatus(http.StatusOK)
	for section, want := range map[string]string{
		"#documents-section": doc.Number,
		"#audits-section":    ids.Audit.Reference,
		"#findings-section":  f.Reference,
	} {
		if !strings.Contains(hub.text(section), want) {
			t.Errorf("the process page's %s does not show %s: %q", section, want, hub.text(section))
		}
	}
	if !strings.Contains(hub.text("#findings-section .tiles"), "1 open nonconformities") {
		t.Errorf("open NCs: %q", hub.text("#findings-section .tiles"))
	}

	// 8.5 takes in the procedure written for 8.5.1; 7.1 the audit of 7.1.5 and its finding.
	if clause := c.get("/o/acme/clauses/8.5").wantStatus(http.StatusOK); !strings.Contains(clause.text("#documents-section"), doc.Number) {
		t.Errorf("clause 8.5 documents: %q", clause.text("#documents-section"))
	}
	clause := c.get("/o/acme/clauses/" + f.ClauseNumber).wantStatus(http.StatusOK)
	if !strings.Contains(clause.text("#audits-section"), ids.Audit.Reference) || !strings.Contains(clause.text("#findings-section"), f.Reference) {
		t.Errorf("clause %s: audits %q, findings %q", f.ClauseNumber, clause.text("#audits-section"), clause.text("#findings-section"))
	}
	if other := c.get("/o/acme/clauses/9.3").wantStatus(http.StatusOK); strings.Contains(other.text("#audits-section"), ids.Audit.Reference) {
		t.Error("clause 9.3 lists an audit of 7.1.5 and 8.7")
	}
}
