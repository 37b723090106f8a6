package qms_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// auditWorld is an organisation with two processes and a site, on a clock set to 2026.
type auditWorld struct {
	svc         *qms.Service
	org         qmstest.Org
	ctx         context.Context
	production  qms.Process
	maintenance qms.Process
	leeds       qms.Site
}

func newAuditWorld(t *testing.T) *auditWorld {
	t.Helper()
	svc, _ := qmstest.New(t)
	w := &auditWorld{svc: svc, org: qmstest.NewOrg(t, svc, "acme"), ctx: context.Background()}
	w.setToday(day(2026, 3, 2))
	w.production = qmstest.Must(svc.CreateProcess(w.ctx, w.org.Admin, qms.ProcessInput{Name: "Production", OwnerID: w.org.ProcessOwner.UserID}))(t)
	w.maintenance = qmstest.Must(svc.CreateProcess(w.ctx, w.org.Admin, qms.ProcessInput{Name: "Maintenance & calibration", OwnerID: w.org.QualityManager.UserID}))(t)
	w.leeds = qmstest.Must(svc.CreateSite(w.ctx, w.org.Admin, qms.SiteInput{Name: "Leeds Plant"}))(t)
	return w
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// setToday moves the service clock to noon of a day.
func (w *auditWorld) setToday(d time.Time) {
	w.svc.SetClock(func() time.Time { return d.Add(12 * time.Hour) })
}

// internalAudit is an internal audit of processes against clauses, led by the auditor.
func (w *auditWorld) internalAudit(start time.Time, clauses []string, processes ...qms.Process) qms.AuditInput {
	in := qms.AuditInput{
		Type: qms.AuditInternal, Title: "Audit of " + strings.Join(clauses, ", "), LeadAuditorID: w.org.Auditor.UserID,
		Clauses: clauses, PlannedStart: start, SiteIDs: []uuid.UUID{w.leeds.ID},
	}
	for _, p := range processes {
		in.ProcessIDs = append(in.ProcessIDs, p.ID)
	}
	return in
}

func (w *auditWorld) plan(t *testing.T, in qms.AuditInput) qms.Audit {
	t.Helper()
	return qmstest.Must(w.svc.CreateAudit(w.ctx, w.org.QualityManager, in))(t)
}

func (w *auditWorld) start(t *testing.T, au qms.Audit) qms.Audit {
	t.Helper()
	return qmstest.Must(w.svc.StartAudit(w.ctx, w.org.Auditor, au.ID, au.Version))(t)
}

func (w *auditWorld) details(t *testing.T, au qms.Audit) qms.AuditDetail {
	t.Helper()
	return qmstest.Must(w.svc.AuditDetails(w.ctx, w.org.Viewer, au.ID))(t)
}

// record records a result on a question as the lead auditor.
func (w *auditWorld) record(t *testing.T, it qms.ChecklistItem, r qms.Result, notes string) qms.ChecklistItem {
	t.Helper()
	return qmstest.Must(w.svc.RecordResult(w.ctx, w.org.Auditor, it.AuditID, it.ID, it.Version, qms.ResultInput{Result: r, Notes: notes}))(t)
}

// conductAndReport starts an audit, records results (the first questions get results, the
// others conforming), raises a finding for each result that calls for one and issues the
// report.
func (w *auditWorld) conductAndReport(t *testing.T, au qms.Audit, end time.Time, results ...qms.Result) (qms.Audit, []qms.Finding) {
	t.Helper()
	au = w.start(t, au)
	d := w.details(t, au)
	var findings []qms.Finding
	for i, it := range d.Checklist {
		r := qms.ResultConforming
		if i < len(results) {
			r = results[i]
		}
		it = w.record(t, it, r, "Sampled at the machine.")
		if c, ok := r.Finding(); ok {
			f := qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.Auditor, qms.FindingInput{
				Classification: c, ChecklistItemID: it.ID,
				Statement:         "Finding on " + it.Question,
				ObjectiveEvidence: "Seen during the audit.",
			}))(t)
			findings = append(findings, f)
		}
	}
	au = w.details(t, au).Audit
	au = qmstest.Must(w.svc.IssueAuditReport(w.ctx, w.org.Auditor, au.ID, au.Version, qms.ReportInput{
		Summary: "Sampled the process.", Conclusion: "Effective with the findings raised.", ActualEnd: end, Password: qmstest.Password,
	}))(t)
	return au, findings
}

func questionClauses(items []qms.ChecklistItem) []string {
	var out []string
	for _, it := range items {
		if !slices.Contains(out, it.ClauseNumber) {
			out = append(out, it.ClauseNumber)
		}
	}
	return out
}

func TestChecklist_IsBuiltFromTheCriteriaAndFollowsThem(t *testing.T) {
	w := newAuditWorld(t)
	// The organisation's own question for 7.1.5 is asked alongside the defaults.
	own := qmstest.Must(w.svc.AddQuestionTemplate(w.ctx, w.org.QualityManager, qms.QuestionInput{
		ClauseNumber: "7.1.5", Question: "Are CMM probes requalified after a crash?",
	}))(t)
	au := w.plan(t, w.internalAudit(day(2026, 3, 10), []string{"7.1.5", "8.5"}, w.maintenance))
	d := w.details(t, au)
	if got := questionClauses(d.Checklist); !slices.Equal(got, []string{"7.1.5", "8.5.1", "8.5.2", "8.5.3", "8.5.4", "8.5.5", "8.5.6"}) {
		t.Fatalf("checklist clauses %v: want 7.1.5 and every sub-clause of 8.5, in clause order", got)
	}
	groups := d.ChecklistByClause()
	if groups[0].Clause.Number != "7.1.5" || len(groups[0].Items) != 4 || groups[0].Items[3].Question != own.Question {
		t.Fatalf("7.1.5 group %+v: want the 3 default questions then the organisation's own", groups[0])
	}

	// Editing the library later does not change the audit's checklist.
	qmstest.Must(w.svc.UpdateQuestionTemplate(w.ctx, w.org.QualityManager, own.ID, own.Version, qms.QuestionInput{
		ClauseNumber: "7.1.5", Question: "Reworded question",
	}))(t)
	if w.details(t, au).Checklist[3].Question != own.Question {
		t.Fatal("editing a template changed a planned audit's checklist")
	}

	// Worked-on questions stay when their clause leaves the criteria; untouched ones go, and
	// the new clause's questions arrive.
	w.start(t, au)
	worked := d.Checklist[4] // the first 8.5.1 question
	w.record(t, worked, "", "Started looking at route cards.")
	au = w.details(t, au).Audit
	in := w.internalAudit(day(2026, 3, 10), []string{"7.1.5", "8.7"}, w.maintenance)
	qmstest.Must(w.svc.UpdateAudit(w.ctx, w.org.QualityManager, au.ID, au.Version, in))(t)
	got := questionClauses(w.details(t, au).Checklist)
	if !slices.Equal(got, []string{"7.1.5", "8.5.1", "8.7"}) {
		t.Fatalf("after changing the criteria the checklist covers %v, want 7.1.5, the worked-on 8.5.1 question and 8.7", got)
	}

	// Ad-hoc questions join the checklist and stay.
	adHoc := qmstest.Must(w.svc.AddQuestion(w.ctx, w.org.Auditor, au.ID, qms.QuestionInput{ClauseNumber: "8.7", Question: "Is the quarantine cage locked?"}))(t)
	if !adHoc.AdHoc || adHoc.ClauseNumber != "8.7" {
		t.Fatalf("ad-hoc question %+v", adHoc)
	}
}

func TestChecklist_ResultTalliesAndProgressAreSeparate(t *testing.T) {
	w := newAuditWorld(t)
	au := w.start(t, w.plan(t, w.internalAudit(day(2026, 3, 10), []string{"8.5.1", "8.7"}, w.production)))
	items := w.details(t, au).Checklist
	if len(items) != 5 {
		t.Fatalf("%d questions, want 5", len(items))
	}
	w.record(t, items[0], qms.ResultConforming, "")
	w.record(t, items[1], qms.ResultConforming, "")
	w.record(t, items[2], qms.ResultMinorNC, "Route card for job 4471 not signed off at first-off.")
	w.record(t, items[3], qms.ResultNotAudited, "No special processes run this week.")
	d := w.details(t, au)
	want := qms.Tally{Total: 5, Conforming: 2, MinorNC: 1, NotAudited: 1}
	if d.Tally != want {
		t.Fatalf("tally %+v, want %+v", d.Tally, want)
	}
	if d.Tally.Audited() != 3 || d.Tally.Open() != 1 {
		t.Fatalf("audited %d, open %d", d.Tally.Audited(), d.Tally.Open())
	}
	// Progress counts what was audited; conformity, how much of that conformed.
	if d.Tally.ProgressPercent() != 60 || d.Tally.ConformityPercent() != 66 {
		t.Fatalf("progress %d%%, conformity %d%%", d.Tally.ProgressPercent(), d.Tally.ConformityPercent())
	}
	groups := d.ChecklistByClause()
	if groups[0].Clause.Number != "8.5.1" || groups[0].Tally.Conforming != 2 || groups[0].Tally.MinorNC != 1 {
		t.Fatalf("8.5.1 group tally %+v", groups[0].Tally)
	}
	// The same count appears in the list of audits.
	list := qmstest.Must(w.svc.Audits(w.ctx, w.org.Viewer, qms.AuditListFilter{Year: 2026}))(t)
	if len(list) != 1 || list[0].Tally != want {
		t.Fatalf("listed %+v", list)
	}
}

func TestChecklist_OnlyTheTeamRecordsResultsWhileTheAuditRuns(t *testing.T) {
	w := newAuditWorld(t)
	au := w.plan(t, w.internalAudit(day(2026, 3, 10), []string{"8.7"}, w.production))
	it := w.details(t, au).Checklist[0]
	_, err := w.svc.RecordResult(w.ctx, w.org.Auditor, au.ID, it.ID, it.Version, qms.ResultInput{Result: qms.ResultConforming})
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("recording before the audit started: got %v, want conflict", err)
	}
	w.start(t, au)
	// The quality manager may perform audits, but is not on this one's team.
	_, err = w.svc.RecordResult(w.ctx, w.org.QualityManager, au.ID, it.ID, it.Version, qms.ResultInput{Result: qms.ResultConforming})
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("recording by someone outside the team: got %v, want conflict", err)
	}
	_, err = w.svc.RecordResult(w.ctx, w.org.Viewer, au.ID, it.ID, it.Version, qms.ResultInput{Result: qms.ResultConforming})
	if qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("recording as a viewer: got %v, want forbidden", err)
	}
	// A nonconforming result needs notes; a stale version is refused.
	_, err = w.svc.RecordResult(w.ctx, w.org.Auditor, au.ID, it.ID, it.Version, qms.ResultInput{Result: qms.ResultMajorNC})
	if qms.FieldErrors(err)["notes"] == "" {
		t.Fatalf("a major NC without notes: got %v", err)
	}
	w.record(t, it, qms.ResultConforming, "")
	_, err = w.svc.RecordResult(w.ctx, w.org.Auditor, au.ID, it.ID, it.Version, qms.ResultInput{Result: qms.ResultOFI, Notes: "x"})
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("a stale version: got %v, want conflict", err)
	}
}

func TestFindings_AFindingFromAQuestionCarriesItsClauseProcessAndEvidence(t *testing.T) {
	w := newAuditWorld(t)
	au := w.start(t, w.plan(t, w.internalAudit(day(2026, 3, 10), []string{"7.1.5"}, w.maintenance)))
	it := w.details(t, au).Checklist[1]
	up := qmstest.Must(w.svc.ReceiveFile(w.ctx, w.org.Auditor, "evidence_files", "cal-register.pdf", strings.NewReader("%PDF-1.4\ncalibration register\n")))(t)
	it = qmstest.Must(w.svc.RecordResult(w.ctx, w.org.Auditor, au.ID, it.ID, it.Version, qms.ResultInput{
		Result: qms.ResultMinorNC, Notes: "Micrometer M-112 overdue for calibration since 14 Jan 2026, in use on cell 3.",
		EvidenceReference: "Calibration register, entry M-112", Files: []qms.Upload{up},
	}))(t)
	if len(it.Evidence) != 2 {
		t.Fatalf("question evidence %+v, want the reference and the file", it.Evidence)
	}
	if !it.NeedsFinding() {
		t.Fatal("a minor NC without a finding does not ask for one")
	}

	f, err := w.svc.RaiseFinding(w.ctx, w.org.Auditor, qms.FindingInput{
		Classification: qms.MinorNC, ChecklistItemID: it.ID,
		Statement:         "Measuring equipment in use was not within its calibration interval.",
		ObjectiveEvidence: it.Notes,
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.AuditID == nil || *f.AuditID != au.ID || f.Source != qms.SourceAudit {
		t.Errorf("finding audit %v source %s", f.AuditID, f.Source)
	}
	if f.ClauseNumber != "7.1.5" || f.ProcessID != w.maintenance.ID || f.SiteID == nil || *f.SiteID != w.leeds.ID {
		t.Errorf("finding clause %q process %s site %v: want the question's clause and the audit's only process and site", f.ClauseNumber, f.ProcessName, f.SiteID)
	}
	if f.ChecklistItemID == nil || *f.ChecklistItemID != it.ID {
		t.Error("the finding does not name its question")
	}
	if len(f.Evidence) != 2 || f.Evidence[0].Reference != "Calibration register, entry M-112" ||
		f.Evidence[1].File == nil || f.Evidence[1].File.SHA256 != up.SHA256 {
		t.Fatalf("finding evidence %+v: want the question's reference and file", f.Evidence)
	}
	if f.Reference != "F-2026-001" {
		t.Errorf("reference %s", f.Reference)
	}
	d := w.details(t, au)
	if len(d.Findings) != 1 || d.Checklist[1].NeedsFinding() || len(d.Checklist[1].Findings) != 1 {
		t.Fatalf("the audit does not show the finding on its question: %+v", d.Checklist[1].Findings)
	}
}

func TestFindings_AFindingOnAnAuditMustNameAProcessInItsScope(t *testing.T) {
	w := newAuditWorld(t)
	au := w.start(t, w.plan(t, w.internalAudit(day(2026, 3, 10), []string{"8.7"}, w.production, w.maintenance)))
	in := qms.FindingInput{Classification: qms.Observation, AuditID: au.ID, Statement: "Quarantine labels faded."}
	if _, err := w.svc.RaiseFinding(w.ctx, w.org.Auditor, in); qms.FieldErrors(err)["process_id"] == "" {
		t.Fatalf("two processes in scope and none chosen: got %v", err)
	}
	other := qmstest.Must(w.svc.CreateProcess(w.ctx, w.org.Admin, qms.ProcessInput{Name: "Sales", OwnerID: w.org.Admin.UserID}))(t)
	in.ProcessID = other.ID
	if _, err := w.svc.RaiseFinding(w.ctx, w.org.Auditor, in); qms.FieldErrors(err)["process_id"] == "" {
		t.Fatalf("a process outside the scope: got %v", err)
	}
	in.ProcessID = w.production.ID
	qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.Auditor, in))(t)
}

func TestAudits_CannotCloseWhileANonconformityIsOpen(t *testing.T) {
	w := newAuditWorld(t)
	au, findings := w.conductAndReport(t, w.plan(t, w.internalAudit(day(2026, 3, 10), []string{"8.7"}, w.production)), day(2026, 3, 11),
		qms.ResultMinorNC, qms.ResultOFI)
	if au.Status != qms.AuditReported || len(findings) != 2 {
		t.Fatalf("status %s, %d findings", au.Status, len(findings))
	}
	_, err := w.svc.CloseAudit(w.ctx, w.org.QualityManager, au.ID, au.Version)
	if qms.ErrorKind(err) != qms.KindConflict || !strings.Contains(qms.ErrorMessage(err), findings[0].Reference) {
		t.Fatalf("closing with an open minor NC: got %v, want a conflict naming %s", err, findings[0].Reference)
	}
	findings[0] = w.respond(t, findings[0])
	if _, err := w.svc.CloseFinding(w.ctx, w.org.QualityManager, findings[0].ID, findings[0].Version, ""); qms.FieldErrors(err)["closure_note"] == "" {
		t.Fatalf("closing a finding without a note: got %v", err)
	}
	closed := qmstest.Must(w.svc.CloseFinding(w.ctx, w.org.QualityManager, findings[0].ID, findings[0].Version,
		"Route cards re-issued with a first-off sign-off box; operators briefed 20 Mar 2026."))(t)
	if closed.Status != qms.FindingClosed || closed.ClosedAt == nil || closed.ClosedByName != w.org.QualityManager.Name {
		t.Fatalf("closed finding %+v", closed)
	}
	// The OFI, still open, does not hold the audit open.
	au = qmstest.Must(w.svc.CloseAudit(w.ctx, w.org.QualityManager, au.ID, au.Version))(t)
	if au.Status != qms.AuditClosed {
		t.Fatalf("status %s", au.Status)
	}
}

func TestFindings_OnlyQualityManagersAndAdminsCloseThemWithANote(t *testing.T) {
	w := newAuditWorld(t)
	f := qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{
		Classification: qms.MinorNC, Source: qms.SourceComplaint, SourceReference: "CC-2026-007",
		Statement: "Parts shipped with burrs on the cross-hole.", Requirement: "Drawing note 4: deburr all edges",
		ObjectiveEvidence: "Customer photos; 12 of 200 parts returned.", ProcessID: w.production.ID,
	}))(t)
	for _, a := range []qms.Actor{w.org.Auditor, w.org.ProcessOwner, w.org.Viewer} {
		if _, err := w.svc.CloseFinding(w.ctx, a, f.ID, f.Version, "Done."); qms.ErrorKind(err) != qms.KindForbidden {
			t.Errorf("%s closing: got %v, want forbidden", a.Role, err)
		}
	}
	f = w.respond(t, f)
	qmstest.Must(w.svc.CloseFinding(w.ctx, w.org.Admin, f.ID, f.Version, "Deburring added to the final inspection checklist."))(t)
	if _, err := w.svc.CloseFinding(w.ctx, w.org.QualityManager, f.ID, f.Version, "Again."); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("closing with a stale version: got %v, want conflict", err)
	}
}

func TestAudits_AnAuditorAuditingTheirOwnProcessIsWarnedNotStopped(t *testing.T) {
	w := newAuditWorld(t)
	in := w.internalAudit(day(2026, 4, 14), []string{"8.5.1"}, w.production, w.maintenance)
	in.TeamIDs = []uuid.UUID{w.org.ProcessOwner.UserID} // owns Production
	au := w.plan(t, in)
	warnings := au.IndependenceWarnings()
	if len(warnings) != 1 || warnings[0].Auditor != w.org.ProcessOwner.Name || warnings[0].Process != "Production" {
		t.Fatalf("warnings %+v, want one about the process owner and Production", warnings)
	}
	if !strings.Contains(warnings[0].String(), "9.2.2") {
		t.Errorf("warning %q does not cite the requirement", warnings[0])
	}
	// The team of an external audit only hosts it: no warning.
	ext := in
	ext.Type, ext.CertificationBody, ext.ExternalAuditor = qms.AuditSurveillance, "BSI", "Helen Marsh"
	au = qmstest.Must(w.svc.UpdateAudit(w.ctx, w.org.QualityManager, au.ID, au.Version, ext))(t)
	if got := au.IndependenceWarnings(); len(got) != 0 {
		t.Fatalf("warnings %+v for the hosts of an external audit", got)
	}
	// An independent team is not warned about.
	in.TeamIDs = nil
	au = qmstest.Must(w.svc.UpdateAudit(w.ctx, w.org.QualityManager, au.ID, au.Version, in))(t)
	if got := au.IndependenceWarnings(); len(got) != 0 {
		t.Fatalf("warnings %+v for an independent team", got)
	}
	// The check works on a plan not yet saved, for the planning form.
	got := qms.CheckIndependence([]qms.NamedRef{{ID: w.org.QualityManager.UserID, Name: "QM"}},
		[]qms.AuditProcess{{ID: w.maintenance.ID, Name: w.maintenance.Name, OwnerID: w.maintenance.OwnerID}})
	if len(got) != 1 || got[0].Process != w.maintenance.Name {
		t.Fatalf("unsaved plan: %+v", got)
	}
}

func TestAudits_PlanningIsValidated(t *testing.T) {
	w := newAuditWorld(t)
	_, err := w.svc.CreateAudit(w.ctx, w.org.QualityManager, qms.AuditInput{Type: qms.AuditSurveillance, PlannedStart: day(2026, 9, 8), PlannedEnd: day(2026, 9, 7)})
	fields := qms.FieldErrors(err)
	for _, f := range []string{"title", "lead_auditor_id", "planned_end", "clauses", "certification_body", "external_auditor"} {
		if fields[f] == "" {
			t.Errorf("no message for %s: %v", f, fields)
		}
	}
	in := w.internalAudit(day(2026, 3, 10), []string{"8.7"}, w.production)
	in.LeadAuditorID = qmstest.NewOrg(t, w.svc, "globex").Auditor.UserID
	if _, err := w.svc.CreateAudit(w.ctx, w.org.QualityManager, in); qms.FieldErrors(err)["lead_auditor_id"] == "" {
		t.Fatalf("a lead auditor from another organisation: got %v", err)
	}
	in.LeadAuditorID = w.org.Viewer.UserID
	if _, err := w.svc.CreateAudit(w.ctx, w.org.QualityManager, in); qms.FieldErrors(err)["lead_auditor_id"] == "" {
		t.Fatalf("a viewer, who cannot perform audits, as lead auditor: got %v", err)
	}
	if _, err := w.svc.CreateAudit(w.ctx, w.org.ProcessOwner, w.internalAudit(day(2026, 3, 10), []string{"8.7"}, w.production)); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("a process owner planning: got %v, want forbidden", err)
	}
	// References count per series and year.
	a1 := w.plan(t, w.internalAudit(day(2026, 3, 10), []string{"8.7"}, w.production))
	a2 := w.plan(t, w.internalAudit(day(2026, 5, 10), []string{"8.7"}, w.production))
	ext := w.internalAudit(day(2026, 9, 8), []string{"4", "5"})
	ext.Type, ext.CertificationBody, ext.ExternalAuditor = qms.AuditSurveillance, "LRQA", "Graham Pearce"
	a3 := w.plan(t, ext)
	if a1.Reference != "IA-2026-001" || a2.Reference != "IA-2026-002" || a3.Reference != "EA-2026-001" {
		t.Fatalf("references %s %s %s", a1.Reference, a2.Reference, a3.Reference)
	}
}

func TestAuditReport_OnlyTheLeadAuditorIssuesItWhenTheChecklistIsComplete(t *testing.T) {
	w := newAuditWorld(t)
	in := w.internalAudit(day(2026, 3, 10), []string{"8.7"}, w.production)
	in.TeamIDs = []uuid.UUID{w.org.QualityManager.UserID}
	au := w.start(t, w.plan(t, in))
	report := qms.ReportInput{Summary: "Sampled NCRs.", Conclusion: "Effective.", Password: qmstest.Password}
	issue := func(a qms.Actor) error {
		t.Helper()
		cur := w.details(t, au).Audit
		_, err := w.svc.IssueAuditReport(w.ctx, a, cur.ID, cur.Version, report)
		return err
	}
	items := w.details(t, au).Checklist
	if err := issue(w.org.Auditor); qms.ErrorKind(err) != qms.KindConflict || !strings.Contains(qms.ErrorMessage(err), "no result") {
		t.Fatalf("questions still open: got %v", err)
	}
	w.record(t, items[0], qms.ResultMajorNC, "Nonconforming shafts found in the finished goods rack, unlabelled.")
	w.record(t, items[1], qms.ResultConforming, "")
	if err := issue(w.org.Auditor); qms.ErrorKind(err) != qms.KindConflict || !strings.Contains(qms.ErrorMessage(err), "no finding") {
		t.Fatalf("an NC without its finding: got %v", err)
	}
	qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.Auditor, qms.FindingInput{Classification: qms.MajorNC, ChecklistItemID: items[0].ID,
		Statement: "Nonconforming product was not identified or segregated.", ObjectiveEvidence: "14 shafts, job 5120."}))(t)
	if err := issue(w.org.QualityManager); qms.ErrorKind(err) != qms.KindConflict || !strings.Contains(qms.ErrorMessage(err), "lead auditor") {
		t.Fatalf("a team member who is not the lead: got %v", err)
	}
	report.Password = "wrong"
	if err := issue(w.org.Auditor); qms.FieldErrors(err)["password"] == "" {
		t.Fatalf("a wrong password: got %v", err)
	}
	if got := w.details(t, au); got.Audit.Status != qms.AuditInProgress || len(got.Signatures) != 0 {
		t.Fatal("a wrong password signed or reported the audit")
	}
	report.Password = qmstest.Password
	if err := issue(w.org.Auditor); err != nil {
		t.Fatal(err)
	}
	d := w.details(t, au)
	if d.Audit.Status != qms.AuditReported || d.Audit.ReportedAt == nil || d.Audit.Conclusion != "Effective." {
		t.Fatalf("audit %+v", d.Audit)
	}
	if len(d.Signatures) != 1 || d.Signatures[0].SignerName != w.org.Auditor.Name || d.Signatures[0].Meaning != qms.ReportSignatureMeaning {
		t.Fatalf("signatures %+v", d.Signatures)
	}
	// Results are frozen once reported.
	_, err := w.svc.RecordResult(w.ctx, w.org.Auditor, au.ID, d.Checklist[1].ID, d.Checklist[1].Version, qms.ResultInput{Result: qms.ResultOFI, Notes: "x"})
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("recording after the report: got %v", err)
	}
}

func TestAudits_EveryStepIsInTheAuditTrail(t *testing.T) {
	w := newAuditWorld(t)
	au, findings := w.conductAndReport(t, w.plan(t, w.internalAudit(day(2026, 3, 10), []string{"8.7"}, w.production)), day(2026, 3, 10), qms.ResultMinorNC)
	findings[0] = w.respond(t, findings[0])
	f := qmstest.Must(w.svc.CloseFinding(w.ctx, w.org.QualityManager, findings[0].ID, findings[0].Version, "Corrected."))(t)
	qmstest.Must(w.svc.CloseAudit(w.ctx, w.org.QualityManager, au.ID, au.Version))(t)

	trail := qmstest.Must(w.svc.AuditTrail(w.ctx, w.org.Admin, qms.AuditFilter{EntityType: "audit", EntityID: au.ID.String()}))(t)
	var got []string
	for i := len(trail.Entries) - 1; i >= 0; i-- {
		got = append(got, trail.Entries[i].Action)
	}
	want := []string{"audit.plan", "audit.start", "audit.record_result", "audit.record_result", "signature.sign", "audit.report", "audit.close"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("audit trail of the audit:\n got %v\nwant %v", got, want)
	}
	if !strings.Contains(trail.Entries[len(trail.Entries)-1].Summary, au.Reference) {
		t.Errorf("summary %q does not name the audit", trail.Entries[len(trail.Entries)-1].Summary)
	}
	ft := qmstest.Must(w.svc.AuditTrail(w.ctx, w.org.Admin, qms.AuditFilter{EntityType: "finding", EntityID: f.ID.String()}))(t)
	if len(ft.Entries) != 4 || ft.Entries[3].Action != "finding.raise" || ft.Entries[2].Action != "finding.correction" ||
		ft.Entries[1].Action != "finding.capa_decision" || ft.Entries[0].Action != "finding.close" ||
		!strings.Contains(ft.Entries[3].Summary, "minor nonconformity "+f.Reference) {
		t.Fatalf("finding trail: %d entries", len(ft.Entries))
	}
}

func TestAudits_AnotherOrganisationsAuditIsNotFound(t *testing.T) {
	w := newAuditWorld(t)
	au := w.plan(t, w.internalAudit(day(2026, 3, 10), []string{"8.7"}, w.production))
	globex := qmstest.NewOrg(t, w.svc, "globex")
	if _, err := w.svc.AuditDetails(w.ctx, globex.Admin, au.ID); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("reading: got %v", err)
	}
	if _, err := w.svc.StartAudit(w.ctx, globex.Auditor, au.ID, au.Version); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("starting: got %v", err)
	}
	it := w.details(t, au).Checklist[0]
	if _, err := w.svc.RaiseFinding(w.ctx, globex.Auditor, qms.FindingInput{Classification: qms.OFI, ChecklistItemID: it.ID, Statement: "x"}); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("raising a finding on it: got %v", err)
	}
}

// A process's or clause's page lists its latest audits: Latest keeps the last by start, still
// listed in order of start, each with its checklist's tally.
func TestAudits_LatestKeepsTheLastByStart(t *testing.T) {
	w := newAuditWorld(t)
	var planned []qms.Audit
	for _, m := range []time.Month{time.June, time.April, time.May, time.July} {
		planned = append(planned, w.plan(t, w.internalAudit(day(2026, m, 10), []string{"8.5.1"}, w.production)))
	}
	w.plan(t, w.internalAudit(day(2026, time.August, 10), []string{"8.5.1"}, w.maintenance)) // another process
	got := qmstest.Must(w.svc.Audits(w.ctx, w.org.Viewer, qms.AuditListFilter{ProcessID: w.production.ID, Latest: 2}))(t)
	if len(got) != 2 || got[0].ID != planned[0].ID || got[1].ID != planned[3].ID {
		t.Fatalf("latest two: %+v, want June's then July's", got)
	}
	for _, au := range got {
		if au.Tally.Total == 0 {
			t.Errorf("%s listed without its checklist's tally", au.Reference)
		}
	}
	if all := qmstest.Must(w.svc.Audits(w.ctx, w.org.Viewer, qms.AuditListFilter{ProcessID: w.production.ID}))(t); len(all) != 4 ||
		all[0].ID != planned[1].ID || all[3].ID != planned[3].ID {
		t.Fatalf("every audit of the process: %+v, want April's to July's", all)
	}
}

// The tiles of a process's page count its open findings and open nonconformities, however
// many there are; closed ones and other processes' are left out.
func TestFindings_OpenFindingsCountsWhatAFilterSelects(t *testing.T) {
	w := newAuditWorld(t)
	raise := func(c qms.Classification, p qms.Process) qms.Finding {
		t.Helper()
		return qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{
			Classification: c, Source: qms.SourceOther, Statement: "Burrs on flange bores.", ClauseNumber: "8.5.1",
			ObjectiveEvidence: "Job records.", ProcessID: p.ID,
		}))(t)
	}
	raise(qms.MinorNC, w.production)
	raise(qms.MajorNC, w.production)
	raise(qms.Observation, w.production)
	closed := raise(qms.OFI, w.production)
	qmstest.Must(w.svc.CloseFinding(w.ctx, w.org.QualityManager, closed.ID, closed.Version, "Suggestion taken up."))(t)
	raise(qms.MinorNC, w.maintenance)
	open, ncs, err := w.svc.OpenFindings(w.ctx, w.org.Viewer, qms.FindingFilter{ProcessID: w.production.ID, Limit: 1})
	if err != nil || open != 3 || ncs != 2 {
		t.Fatalf("open %d, of them nonconformities %d (%v); want 3 and 2", open, ncs, err)
	}
	if open, ncs, _ := w.svc.OpenFindings(w.ctx, w.org.Viewer, qms.FindingFilter{Clause: "8.5"}); open != 4 || ncs != 3 {
		t.Fatalf("under clause 8.5: open %d, nonconformities %d; want 4 and 3", open, ncs)
	}
}
