package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// workCAPA raises a CAPA for the findings, with one action done, so that it awaits its check
// by the quality manager; the process owner owns it.
func workCAPA(t *testing.T, h *harness, org qmstest.Org, process qms.Process, findings ...uuid.UUID) qms.CAPADetail {
	t.Helper()
	ctx := context.Background()
	c := qmstest.Must(h.svc.RaiseCAPA(ctx, org.QualityManager, qms.CAPAInput{
		Title: "Gauges used past calibration", ProblemStatement: "Gauge G-7 was used after its calibration date.",
		ProcessID: process.ID, OwnerID: org.ProcessOwner.UserID, VerifierID: org.QualityManager.UserID, FindingIDs: findings,
	}))(t)
	x := qmstest.Must(h.svc.AddCAPAAction(ctx, org.QualityManager, c.ID, c.Version, qms.ActionInput{
		Description: "Lock out gauges in the crib when their calibration is due", OwnerID: org.ProcessOwner.UserID,
		DueDate: time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly),
	}))(t)
	qmstest.Must(h.svc.CompleteCAPAAction(ctx, org.ProcessOwner, c.ID, x.ID, x.Version, "Crib lock-out in place.", nil))(t)
	return qmstest.Must(h.svc.CAPADetails(ctx, org.QualityManager, c.ID))(t)
}

// closeWithCAPA closes the findings the way a major nonconformity closes: with a CAPA
// verified effective.
func closeWithCAPA(t *testing.T, h *harness, org qmstest.Org, process qms.Process, findings ...uuid.UUID) {
	t.Helper()
	d := workCAPA(t, h, org, process, findings...)
	qmstest.Must(h.svc.RecordEffectivenessCheck(context.Background(), org.QualityManager, d.ID, d.CurrentCheck().Version, qms.CheckResult{
		Result: qms.Effective, Evidence: "No recurrence.", Password: qmstest.Password,
	}))(t)
}

// globexCAPA is a CAPA of globex with an action, for the route walk's foreign ids.
func globexCAPA(t *testing.T, h *harness, process qms.Process) (capaID, actionID uuid.UUID) {
	t.Helper()
	d := workCAPA(t, h, h.globex, process)
	return d.ID, d.Actions[0].ID
}

func TestCAPAPages_AMajorNCIsWorkedToAVerifiedClose(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	a := h.acme
	process := qmstest.Must(h.svc.CreateProcess(ctx, a.Admin, qms.ProcessInput{Name: "Machining", OwnerID: a.ProcessOwner.UserID}))(t)
	f := qmstest.Must(h.svc.RaiseFinding(ctx, a.QualityManager, qms.FindingInput{
		Classification: qms.MajorNC, Source: qms.SourceComplaint, Statement: "Bores out of tolerance on 30 housings.",
		ClauseNumber: "8.6", ObjectiveEvidence: "Customer CMM report.", ProcessID: process.ID,
	}))(t)
	qm := h.signedIn(a, auth.RoleQualityManager)
	findingPath := "/o/acme/findings/" + f.ID.String()

	// The finding page offers the correction and decision forms and a way to raise the CAPA.
	page := qm.get(findingPath).wantStatus(http.StatusOK)
	if page.count("#finding-capa form[action$='/correction']") != 1 || page.count("#finding-capa a[href*='capas/new?finding=']") != 1 {
		t.Fatalf("finding page:\n%s", clip(page.text("#finding-capa")))
	}
	v := page.attr("form[action$='/correction'] input[name=version]", "value")
	res := qm.post(findingPath+"/correction", url.Values{"version": {v}, "correction": {" "}}).wantStatus(http.StatusUnprocessableEntity)
	if res.text("#correction-error") == "" {
		t.Fatal("an empty correction is not explained")
	}
	res = qm.post(findingPath+"/capa-decision", url.Values{"version": {v}, "capa_decision": {"not_required"}, "capa_decision_reason": {"One-off"}}).
		wantStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.text("#capa_decision-error"), "major") || res.attr("#capa_decision_reason", "id") == "" || res.text("#capa_decision_reason") != "One-off" {
		t.Fatalf("deciding no CAPA on a major NC: %q", res.text("#capa_decision-error"))
	}
	qm.post(findingPath+"/correction", url.Values{"version": {v}, "correction": {"Housings quarantined and re-bored."}}).wantStatus(http.StatusSeeOther)
	// A stale version is a conflict, not an overwrite.
	qm.post(findingPath+"/correction", url.Values{"version": {v}, "correction": {"Overwrite"}}).wantStatus(http.StatusConflict)

	// Raise the CAPA from the finding: the form is prefilled; verifier = owner is refused with the input kept.
	form := qm.get("/o/acme/capas/new?finding=" + f.ID.String()).wantStatus(http.StatusOK)
	if form.attr("input[name=finding]", "value") != f.ID.String() || !strings.Contains(form.text("#problem_statement"), "Bores out of tolerance") {
		t.Fatalf("new CAPA form:\n%s", clip(form.body))
	}
	in := url.Values{"finding": {f.ID.String()}, "title": {"Bores out of tolerance"}, "problem_statement": {"30 housings shipped with oversize bores."},
		"process_id": {process.ID.String()}, "owner_id": {a.ProcessOwner.UserID.String()}, "verifier_id": {a.ProcessOwner.UserID.String()}}
	res = qm.post("/o/acme/capas", in).wantStatus(http.StatusUnprocessableEntity)
	if res.text("#verifier_id-error") == "" || res.attr("#title", "value") != "Bores out of tolerance" {
		t.Fatalf("verifier = owner: %q", res.text("#verifier_id-error"))
	}
	in.Set("verifier_id", a.QualityManager.UserID.String())
	res = qm.post("/o/acme/capas", in).wantStatus(http.StatusSeeOther)
	capaPath := res.location
	page = qm.get(capaPath).wantStatus(http.StatusOK)
	if !strings.Contains(page.text("h1"), "CA-") || !strings.Contains(page.text(".table.findings"), f.Reference) {
		t.Fatalf("CAPA page:\n%s", clip(page.body))
	}

	// Root cause and an action.
	v = page.attr("form[action$='/root-cause'] input[name=version]", "value")
	qm.post(capaPath+"/root-cause", url.Values{"version": {v}, "why": {"Bores oversize", "Boring bar worn", "No tool-life limit"},
		"root_cause": {"No tool-life limit for boring bars."}, "root_cause_category": {"method"}}).wantStatus(http.StatusSeeOther)
	// An edit from a stale page is a conflict, shown with the input kept.
	res = qm.post(capaPath, url.Values{"version": {v}, "title": {"My stale title"}, "problem_statement": {"P"},
		"process_id": {process.ID.String()}, "owner_id": {a.ProcessOwner.UserID.String()}, "verifier_id": {a.QualityManager.UserID.String()}}).
		wantStatus(http.StatusConflict)
	if !strings.Contains(res.text(".edit-capa .alert"), "Someone else changed") || res.attr(".edit-capa #title", "value") != "My stale title" {
		t.Fatalf("stale edit: %q", res.text(".edit-capa .alert"))
	}
	page = qm.get(capaPath)
	if page.count("ol.whys li") != 3 {
		t.Fatalf("whys:\n%s", clip(page.text("ol.whys")))
	}
	v = page.attr("form[action$='/actions'] input[name=version]", "value")
	res = qm.post(capaPath+"/actions", url.Values{"version": {v}, "description": {"Set tool-life limits"}, "owner_id": {a.ProcessOwner.UserID.String()}, "due_date": {"someday"}}).
		wantStatus(http.StatusUnprocessableEntity)
	if res.text("#due_date-error") == "" || res.text("#description") != "Set tool-life limits" {
		t.Fatal("a bad due date is not explained next to the field with the input kept")
	}
	due := time.Now().UTC().AddDate(0, 0, 14).Format(time.DateOnly)
	qm.post(capaPath+"/actions", url.Values{"version": {v}, "description": {"Set tool-life limits"}, "owner_id": {a.ProcessOwner.UserID.String()}, "due_date": {due}}).
		wantStatus(http.StatusSeeOther)

	// The action's owner completes it with evidence.
	owner := h.signedIn(a, auth.RoleProcessOwner)
	page = owner.get(capaPath).wantStatus(http.StatusOK)
	action := page.attr("form[action$='/complete']", "action")
	av := page.attr("form[action$='/complete'] input[name=version]", "value")
	owner.postFiles(action, url.Values{"version": {av}, "completion_note": {"Tool-life limits in the CNC programs."}},
		map[string][2]string{"completion_file": {"limits.pdf", "%PDF-1.4\nlimits\n"}}).wantStatus(http.StatusSeeOther)
	page = qm.get(capaPath)
	if !strings.Contains(page.text(".eyebrow"), "Awaiting effectiveness check") || !strings.Contains(page.text("#actions"), "limits.pdf") {
		t.Fatalf("after the last action:\n%s", clip(page.text("main")))
	}
	// The owner is not offered the check; the verifier is. A wrong password signs nothing.
	if owner.get(capaPath).count("form[action$='/check']") != 0 {
		t.Error("the CAPA owner is offered the effectiveness check")
	}
	kv := page.attr("form[action$='/check'] input[name=version]", "value")
	res = qm.postFiles(capaPath+"/check", url.Values{"version": {kv}, "result": {"effective"}, "evidence": {"60 housings measured, all in tolerance."}, "password": {"wrong"}}, nil).
		wantStatus(http.StatusUnprocessableEntity)
	if res.text("#password-error") == "" || res.text("#evidence") != "60 housings measured, all in tolerance." {
		t.Fatal("a wrong password is not explained with the evidence kept")
	}
	qm.postFiles(capaPath+"/check", url.Values{"version": {kv}, "result": {"effective"}, "evidence": {"60 housings measured, all in tolerance."}, "password": {qmstest.Password}}, nil).
		wantStatus(http.StatusSeeOther)
	page = qm.get(capaPath)
	if !strings.Contains(page.text(".eyebrow"), "Closed") || page.count(".signature") != 1 {
		t.Fatalf("after the check:\n%s", clip(page.text("main")))
	}
	if !strings.Contains(qm.get(findingPath).text(".eyebrow"), "Closed") {
		t.Error("the finding did not close with its CAPA")
	}
	// Listed as closed.
	if qm.get("/o/acme/capas?status=closed").count("table#capas tbody tr") != 1 {
		t.Error("the closed CAPA is not listed as closed")
	}
	// A viewer reads it but gets no forms.
	if h.signedIn(a, auth.RoleViewer).get(capaPath).wantStatus(http.StatusOK).count("main form") != 0 {
		t.Error("a viewer is offered forms")
	}
}

func TestCAPAPages_ListFilters(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	a := h.acme
	process := qmstest.Must(h.svc.CreateProcess(ctx, a.Admin, qms.ProcessInput{Name: "Machining", OwnerID: a.ProcessOwner.UserID}))(t)
	workCAPA(t, h, a, process)
	qmstest.Must(h.svc.RaiseCAPA(ctx, a.QualityManager, qms.CAPAInput{Title: "Open one", ProblemStatement: "P", ProcessID: process.ID,
		OwnerID: a.Auditor.UserID, VerifierID: a.QualityManager.UserID}))(t)
	c := h.signedIn(a, auth.RoleViewer)
	for q, want := range map[string]int{
		"": 2, "?status=awaiting_check": 1, "?status=open": 1, "?age=0-30": 2, "?age=90%2B": 0,
		"?owner=" + a.Auditor.UserID.String(): 1, "?verifier=" + a.QualityManager.UserID.String() + "&status=awaiting_check": 1,
	} {
		if got := c.get("/o/acme/capas" + q).wantStatus(http.StatusOK).count("table#capas tbody tr"); got != want {
			t.Errorf("%s: %d rows, want %d", q, got, want)
		}
	}
	c.get("/o/acme/capas?age=forever").wantStatus(http.StatusNotFound)
	c.get("/o/acme/capas/new").wantStatus(http.StatusForbidden)
	c.get("/o/acme/capas/" + uuid.NewString()).wantStatus(http.StatusNotFound)
}

// A long CAPA list pages: fifty on the first page and a link to the next, which keeps the
// filter and ends the list; a made-up cursor is not a page of ours.
func TestCAPAPages_ListPagesOnwards(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	a := h.acme
	process := qmstest.Must(h.svc.CreateProcess(ctx, a.Admin, qms.ProcessInput{Name: "Machining", OwnerID: a.ProcessOwner.UserID}))(t)
	for i := 0; i < 51; i++ {
		qmstest.Must(h.svc.RaiseCAPA(ctx, a.QualityManager, qms.CAPAInput{Title: "Burrs " + strconv.Itoa(i), ProblemStatement: "P",
			ProcessID: process.ID, OwnerID: a.ProcessOwner.UserID, VerifierID: a.QualityManager.UserID}))(t)
	}
	c := h.signedIn(a, auth.RoleViewer)
	first := c.get("/o/acme/capas?status=open").wantStatus(http.StatusOK)
	next := first.attr("nav.pager a[rel=next]", "href")
	if n := first.count("table#capas tbody tr"); n != 50 || !strings.Contains(next, "status=open") || !strings.Contains(next, "after=") {
		t.Fatalf("first page: %d rows, next %q", n, next)
	}
	second := c.get(next).wantStatus(http.StatusOK)
	if n := second.count("table#capas tbody tr"); n != 1 || second.count("nav.pager a[rel=next]") != 0 {
		t.Errorf("second page: %d rows, %d next links", n, second.count("nav.pager a[rel=next]"))
	}
	if strings.Contains(first.text("table#capas"), second.text("table#capas tbody tr td:nth-child(2)")) {
		t.Errorf("the second page repeats a CAPA of the first")
	}
	c.get("/o/acme/capas?after=made-up").wantStatus(http.StatusNotFound)
}
