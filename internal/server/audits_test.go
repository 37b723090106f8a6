package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/pdf/pdftest"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// auditIDs are the ids of an audit in progress and what hangs off it.
type auditIDs struct {
	AuditID, ItemID, EvidenceID, FindingID, TemplateID uuid.UUID
	Audit                                              qms.Audit
	Process                                            qms.Process
}

// runningAudit plans and starts an internal audit of process in org, led by its auditor, with
// a minor NC recorded on its first question (with a reference as evidence) and its finding.
func runningAudit(t *testing.T, h *harness, org qmstest.Org, process qms.Process) auditIDs {
	t.Helper()
	ctx := context.Background()
	au := qmstest.Must(h.svc.CreateAudit(ctx, org.QualityManager, qms.AuditInput{
		Type: qms.AuditInternal, Title: "Audit of " + process.Name, LeadAuditorID: org.Auditor.UserID,
		ProcessIDs: []uuid.UUID{process.ID}, Clauses: []string{"7.1.5", "8.7"}, PlannedStart: time.Now().UTC().Truncate(24 * time.Hour),
	}))(t)
	au = qmstest.Must(h.svc.StartAudit(ctx, org.Auditor, au.ID, au.Version))(t)
	d := qmstest.Must(h.svc.AuditDetails(ctx, org.Auditor, au.ID))(t)
	it := qmstest.Must(h.svc.RecordResult(ctx, org.Auditor, au.ID, d.Checklist[0].ID, d.Checklist[0].Version, qms.ResultInput{
		Result: qms.ResultMinorNC, Notes: "Gauge G-7 overdue.", EvidenceReference: "Gauge register, G-7",
	}))(t)
	f := qmstest.Must(h.svc.RaiseFinding(ctx, org.Auditor, qms.FindingInput{
		Classification: qms.MinorNC, ChecklistItemID: it.ID, Statement: "Gauge used past its calibration date.", ObjectiveEvidence: "G-7",
	}))(t)
	templates := qmstest.Must(h.svc.QuestionTemplates(ctx, org.Auditor))(t)
	return auditIDs{AuditID: au.ID, ItemID: it.ID, EvidenceID: it.Evidence[0].ID, FindingID: f.ID, TemplateID: templates[0].ID,
		Audit: au, Process: process}
}

// globexAudit is runningAudit in globex, for the route walk's foreign ids.
func globexAudit(t *testing.T, h *harness, process qms.Process) auditIDs {
	t.Helper()
	return runningAudit(t, h, h.globex, process)
}

func acmeProcess(t *testing.T, h *harness, name string) qms.Process {
	t.Helper()
	return qmstest.Must(h.svc.CreateProcess(context.Background(), h.acme.Admin, qms.ProcessInput{Name: name, OwnerID: h.acme.ProcessOwner.UserID}))(t)
}

func TestAuditPages_HaveNoInlineScriptOrStyle(t *testing.T) {
	h := newHarness(t, Config{})
	ids := runningAudit(t, h, h.acme, acmeProcess(t, h, "Production"))
	c := h.signedIn(h.acme, auth.RoleAuditor)
	a := "/o/acme/audits/" + ids.AuditID.String()
	for _, p := range []string{
		"/o/acme/audits", "/o/acme/audits/programme", "/o/acme/audits/checklists", "/o/acme/audits/new",
		"/o/acme/audits/checklists/" + ids.TemplateID.String(), a, a + "/edit", a + "/questions/" + ids.ItemID.String(), a + "/report",
		"/o/acme/findings", "/o/acme/findings/new", "/o/acme/findings/new?audit=" + ids.AuditID.String() + "&question=" + ids.ItemID.String(),
		"/o/acme/findings/" + ids.FindingID.String(),
	} {
		res := c.get(p).wantStatus(http.StatusOK)
		if n := res.count("[style], style"); n > 0 {
			t.Errorf("%s has %d inline styles, which the CSP blocks", p, n)
		}
		res.doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if src, _ := s.Attr("src"); src == "" {
				t.Errorf("%s has an inline script", p)
			}
		})
	}
}

func TestAudits_PlanningFormKeepsInputAndWarnsAboutIndependence(t *testing.T) {
	h := newHarness(t, Config{})
	production := acmeProcess(t, h, "Production") // owned by the process owner
	c := h.signedIn(h.acme, auth.RoleQualityManager)
	form := url.Values{
		"type": {"internal"}, "title": {"Production and release"}, "planned_start": {"2026-04-14"},
		"processes": {production.ID.String()}, "team": {h.acme.ProcessOwner.UserID.String()},
	}
	res := c.post("/o/acme/audits", form).wantStatus(http.StatusUnprocessableEntity)
	if res.text("#lead_auditor_id-error") == "" || res.text("#clauses-error") == "" {
		t.Fatalf("no messages next to the lead auditor and the criteria:\n%s", clip(res.body))
	}
	if res.attr("input#title", "value") != "Production and release" || res.count("input[name=processes][value='"+production.ID.String()+"'][checked]") != 1 {
		t.Fatal("the typed input was lost")
	}
	// The form already warns about the plan as typed.
	if !strings.Contains(res.text(".independence"), h.acme.ProcessOwner.Name+" owns Production") {
		t.Fatalf("no independence warning on the form: %q", res.text(".independence"))
	}
	// Only members who may perform audits are offered as lead auditor.
	if res.count("select#lead_auditor_id option") != 1+3 {
		t.Errorf("%d lead auditor choices, want an empty one, the admin, the quality manager and the auditor", res.count("select#lead_auditor_id option"))
	}

	form.Set("lead_auditor_id", h.acme.Auditor.UserID.String())
	form["clauses"] = []string{"8.5.1", "8.7"}
	res = c.post("/o/acme/audits", form).wantStatus(http.StatusSeeOther)
	page := c.get(res.location).wantStatus(http.StatusOK)
	if !strings.Contains(page.text("h1"), "IA-") || !strings.Contains(page.text(".flash"), "was planned") {
		t.Fatalf("audit page heading %q, flash %q", page.text("h1"), page.text(".flash"))
	}
	if !strings.Contains(page.text(".independence"), "owns Production") {
		t.Fatal("the audit page does not warn that the process owner audits their own process")
	}
	if n := page.count(".table.checklist tbody tr"); n != 5 {
		t.Fatalf("%d questions on the checklist, want the 5 of 8.5.1 and 8.7", n)
	}
}

// The auditor records a minor NC with a file, raises its finding from the question, and the
// finding appears on the audit, in the list and in the PDF of the report.
func TestAudits_RecordAMinorNCWithEvidenceRaiseItsFindingAndReport(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	process := acmeProcess(t, h, "Maintenance & calibration")
	au := qmstest.Must(h.svc.CreateAudit(ctx, h.acme.QualityManager, qms.AuditInput{
		Type: qms.AuditInternal, Title: "Calibration control", LeadAuditorID: h.acme.Auditor.UserID,
		ProcessIDs: []uuid.UUID{process.ID}, Clauses: []string{"7.1.5"}, PlannedStart: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
	}))(t)
	c := h.signedIn(h.acme, auth.RoleAuditor)
	auditPath := "/o/acme/audits/" + au.ID.String()
	c.post(auditPath+"/start", url.Values{"version": {"1"}}).wantRedirect(auditPath)

	page := c.get(auditPath).wantStatus(http.StatusOK)
	questionPath := page.attr(".table.checklist td.question a", "href")
	q := c.get(questionPath).wantStatus(http.StatusOK)
	version := q.attr("form[enctype] input[name=version]", "value")

	// A minor NC without notes is refused, the choice kept.
	res := c.postFiles(questionPath, url.Values{"version": {version}, "result": {"minor_nc"}}, nil).wantStatus(http.StatusUnprocessableEntity)
	if res.text("#notes-error") == "" || res.count("input[name=result][value=minor_nc][checked]") != 1 {
		t.Fatalf("refusal:\n%s", clip(res.body))
	}
	c.postFiles(questionPath, url.Values{
		"version": {version}, "result": {"minor_nc"}, "notes": {"Micrometer M-112 in use at cell 3, calibration due 14 Jan 2026."},
		"evidence_reference": {"Calibration register, entry M-112"},
	}, map[string][2]string{"evidence_files": {"m112-label.pdf", "%PDF-1.4\nlabel photo\n"}}).wantRedirect(questionPath)

	q = c.get(questionPath).wantStatus(http.StatusOK)
	if !strings.Contains(q.text(".evidence"), "m112-label.pdf") || !strings.Contains(q.text(".evidence"), "Calibration register, entry M-112") {
		t.Fatalf("evidence on the question: %q", q.text(".evidence"))
	}
	raise := q.attr(".needs-finding a", "href")
	nf := c.get(raise).wantStatus(http.StatusOK)
	if nf.attr("select#classification option[selected]", "value") != "minor_nc" || nf.attr("select#clause option[selected]", "value") != "7.1.5" ||
		!strings.Contains(nf.text("textarea#objective_evidence"), "M-112") {
		t.Fatalf("the finding form does not carry over the question:\n%s", clip(nf.body))
	}
	c.postFiles("/o/acme/findings", url.Values{
		"audit": {au.ID.String()}, "question": {nf.attr("input[name=question]", "value")},
		"classification": {"minor_nc"}, "clause": {"7.1.5"}, "process_id": {process.ID.String()},
		"statement":          {"Measuring equipment was used beyond its calibration due date."},
		"objective_evidence": {nf.text("textarea#objective_evidence")},
	}, nil).wantRedirect(questionPath)

	page = c.get(auditPath).wantStatus(http.StatusOK)
	if !strings.Contains(page.text("#findings ~ .table.findings"), "F-") || !strings.Contains(page.text(".table.checklist"), "F-") {
		t.Fatalf("the finding is not on the audit page:\n%s", clip(page.body))
	}
	list := h.signedIn(h.acme, auth.RoleViewer).get("/o/acme/findings?classification=minor_nc").wantStatus(http.StatusOK)
	if !strings.Contains(list.text(".table.findings"), "Measuring equipment was used beyond") || !strings.Contains(list.text(".table.findings"), au.Reference) {
		t.Fatalf("findings list: %q", list.text(".table.findings"))
	}
	finding := c.get(list.attr(".table.findings a", "href")).wantStatus(http.StatusOK)
	if !strings.Contains(finding.text(".evidence"), "m112-label.pdf") {
		t.Fatalf("the finding does not carry the question's evidence: %q", finding.text(".evidence"))
	}

	// Close the rest of the checklist, then the lead auditor signs the report.
	d := qmstest.Must(h.svc.AuditDetails(ctx, h.acme.Auditor, au.ID))(t)
	for _, it := range d.Checklist[1:] {
		qmstest.Must(h.svc.RecordResult(ctx, h.acme.Auditor, au.ID, it.ID, it.Version, qms.ResultInput{Result: qms.ResultConforming}))(t)
	}
	rep := c.get(auditPath + "/report").wantStatus(http.StatusOK)
	v := rep.attr(".issue-report input[name=version]", "value")
	res = c.post(auditPath+"/report", url.Values{"version": {v}, "summary": {"Sampled 14 instruments."}, "conclusion": {"Effective apart from one minor NC."},
		"actual_end": {time.Now().UTC().Format("2006-01-02")}, "password": {"wrong password"}}).wantStatus(http.StatusUnprocessableEntity)
	if res.text("#password-error") == "" || res.text("textarea#summary") != "Sampled 14 instruments." {
		t.Fatalf("wrong password:\n%s", clip(res.body))
	}
	c.post(auditPath+"/report", url.Values{"version": {v}, "summary": {"Sampled 14 instruments."}, "conclusion": {"Effective apart from one minor NC."},
		"actual_end": {time.Now().UTC().Format("2006-01-02")}, "password": {qmstest.Password}}).wantRedirect(auditPath)
	rep = c.get(auditPath + "/report").wantStatus(http.StatusOK)
	if !strings.Contains(rep.text(".signatures"), h.acme.Auditor.Name) || rep.count(".issue-report") != 0 || rep.count(".draft") != 0 {
		t.Fatalf("report after signing:\n%s", clip(rep.body))
	}

	res = c.get(auditPath + "/report.pdf").wantStatus(http.StatusOK)
	if res.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("PDF headers %v", res.header)
	}
	text := pdftest.Text([]byte(res.body))
	for _, want := range []string{au.Reference, "Minor nonconformity", "Measuring equipment was used beyond its calibration", "Effective apart from one minor NC.", h.acme.Auditor.Name} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not contain %q:\n%s", want, text)
		}
	}

	// The audit cannot close while the NC is open; the quality manager sees why.
	qm := h.signedIn(h.acme, auth.RoleQualityManager)
	cur := qmstest.Must(h.svc.AuditDetails(ctx, h.acme.QualityManager, au.ID))(t)
	res = qm.post(auditPath+"/close", url.Values{"version": {strconv.Itoa(cur.Audit.Version)}}).wantStatus(http.StatusConflict)
	if !strings.Contains(res.text(".alert"), "nonconformities are open") {
		t.Fatalf("refusal: %q", res.text(".alert"))
	}
}

func TestFindings_RaiseFromAComplaintAndClose(t *testing.T) {
	h := newHarness(t, Config{})
	process := acmeProcess(t, h, "Production")
	qm := h.signedIn(h.acme, auth.RoleQualityManager)
	res := qm.postFiles("/o/acme/findings", url.Values{"classification": {"major_nc"}, "source": {"complaint"}, "statement": {"Wrong thread"}}, nil).
		wantStatus(http.StatusUnprocessableEntity)
	if res.text("#process_id-error") == "" || res.text("#requirement-error") == "" || res.text("textarea#statement") != "Wrong thread" {
		t.Fatalf("refusal:\n%s", clip(res.body))
	}
	res = qm.postFiles("/o/acme/findings", url.Values{
		"classification": {"major_nc"}, "source": {"complaint"}, "source_reference": {"CC-2026-011"},
		"statement": {"M8 thread cut instead of M8x1 on 40 brackets."}, "requirement": {"Drawing NW-2231 rev C"},
		"objective_evidence": {"Customer returned 40 parts."}, "process_id": {process.ID.String()},
	}, map[string][2]string{"evidence_files": {"complaint.pdf", "%PDF-1.4\ncomplaint\n"}}).wantStatus(http.StatusSeeOther)
	findingPath := res.location
	page := qm.get(findingPath).wantStatus(http.StatusOK)
	if !strings.Contains(page.text(".finding-facts"), "CC-2026-011") || !strings.Contains(page.text(".evidence"), "complaint.pdf") {
		t.Fatalf("finding page:\n%s", clip(page.body))
	}
	v := page.attr("form[action$='/close'] input[name=version]", "value")
	res = qm.post(findingPath+"/close", url.Values{"version": {v}}).wantStatus(http.StatusUnprocessableEntity)
	if res.text("#closure_note-error") == "" {
		t.Fatal("closing without a note is not explained")
	}
	// A major nonconformity closes only with its CAPA, verified effective.
	res = qm.post(findingPath+"/close", url.Values{"version": {v}, "closure_note": {"Parts remade; thread gauges added to first-off."}}).wantStatus(http.StatusConflict)
	if !strings.Contains(res.text(".alert"), "CAPA") {
		t.Fatalf("closing a major NC without its CAPA is not explained: %q", res.text(".alert"))
	}
	closeWithCAPA(t, h, h.acme, process, uuid.MustParse(strings.TrimPrefix(findingPath, "/o/acme/findings/")))
	if !strings.Contains(qm.get("/o/acme/findings?status=closed").text(".table.findings"), "M8 thread") {
		t.Fatal("the closed finding is not listed as closed")
	}
	// A viewer reads findings but is offered nothing to change.
	viewer := h.signedIn(h.acme, auth.RoleViewer)
	if viewer.get("/o/acme/findings").count("a[href='/o/acme/findings/new']") != 0 {
		t.Error("a viewer is offered to raise findings")
	}
	viewer.get("/o/acme/findings/new").wantStatus(http.StatusForbidden)
}
