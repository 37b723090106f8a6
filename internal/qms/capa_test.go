package qms_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func (w *auditWorld) nc(t *testing.T, c qms.Classification, statement string) qms.Finding {
	t.Helper()
	return qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{
		Classification: c, Source: qms.SourceComplaint, SourceReference: "CC-2026-014", Statement: statement,
		ClauseNumber: "8.5.1", ObjectiveEvidence: "Complaint CC-2026-014 and the batch record.", ProcessID: w.production.ID,
		SiteID: w.leeds.ID,
	}))(t)
}

// respond records a minor nonconformity's correction and that it needs no CAPA, so that it
// may close.
func (w *auditWorld) respond(t *testing.T, f qms.Finding) qms.Finding {
	t.Helper()
	f = qmstest.Must(w.svc.RecordCorrection(w.ctx, w.org.QualityManager, f.ID, f.Version, "Corrected on the spot."))(t)
	return qmstest.Must(w.svc.DecideCAPA(w.ctx, w.org.QualityManager, f.ID, f.Version, qms.CAPANotRequired, "Isolated case."))(t)
}

func (w *auditWorld) capaFor(t *testing.T, findings ...qms.Finding) qms.CAPA {
	t.Helper()
	in := qms.CAPAInput{
		Title: "Burrs on flange bores", ProblemStatement: "Flanges shipped with burrs in the bore.",
		Containment: "Stock at Leeds quarantined and inspected.", OwnerID: w.org.ProcessOwner.UserID, VerifierID: w.org.QualityManager.UserID,
	}
	if len(findings) == 0 {
		in.ProcessID = w.production.ID
	}
	for _, f := range findings {
		in.FindingIDs = append(in.FindingIDs, f.ID)
	}
	return qmstest.Must(w.svc.RaiseCAPA(w.ctx, w.org.QualityManager, in))(t)
}

func (w *auditWorld) detail(t *testing.T, c qms.CAPA) qms.CAPADetail {
	t.Helper()
	return qmstest.Must(w.svc.CAPADetails(w.ctx, w.org.Viewer, c.ID))(t)
}

func (w *auditWorld) action(t *testing.T, c qms.CAPA, owner qms.Actor, due string) qms.CAPAAction {
	t.Helper()
	cur := w.detail(t, c)
	return qmstest.Must(w.svc.AddCAPAAction(w.ctx, w.org.QualityManager, c.ID, cur.Version, qms.ActionInput{
		Description: "Add a deburring step to the routing", OwnerID: owner.UserID, DueDate: due,
	}))(t)
}

func (w *auditWorld) complete(t *testing.T, c qms.CAPA, x qms.CAPAAction, by qms.Actor) {
	t.Helper()
	qmstest.Must(w.svc.CompleteCAPAAction(w.ctx, by, c.ID, x.ID, x.Version, "Routing R-114 rev C released.", nil))(t)
}

func (w *auditWorld) check(c qms.CAPA, by qms.Actor, result, password string) (qms.CAPA, error) {
	d, err := w.svc.CAPADetails(w.ctx, by, c.ID)
	if err != nil {
		return qms.CAPA{}, err
	}
	version := 0
	if k := d.CurrentCheck(); k != nil {
		version = k.Version
	}
	return w.svc.RecordEffectivenessCheck(w.ctx, by, c.ID, version, qms.CheckResult{
		Result: result, Evidence: "Three months of final inspection records: no burrs.", Password: password,
	})
}

func TestCAPA_AMajorNCClosesOnlyWithItsVerifiedCAPA(t *testing.T) {
	w := newAuditWorld(t)
	f := w.nc(t, qms.MajorNC, "A batch of flanges was shipped with burrs in the bore.")
	f = qmstest.Must(w.svc.RecordCorrection(w.ctx, w.org.QualityManager, f.ID, f.Version, "Batch recalled and deburred."))(t)
	// Without a CAPA, a major NC cannot close, and nobody may decide it needs none.
	if _, err := w.svc.CloseFinding(w.ctx, w.org.QualityManager, f.ID, f.Version, "Recalled."); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("closing a major NC without a CAPA: got %v", err)
	}
	if _, err := w.svc.DecideCAPA(w.ctx, w.org.QualityManager, f.ID, f.Version, qms.CAPANotRequired, "One-off."); qms.FieldErrors(err)["capa_decision"] == "" {
		t.Fatalf("deciding a major NC needs no CAPA: got %v", err)
	}
	c := w.capaFor(t, f)
	if c.Reference != "CA-2026-001" || c.Status != qms.CAPAOpen || c.Round != 1 || c.ProcessID != w.production.ID || c.SiteID == nil || *c.SiteID != w.leeds.ID {
		t.Fatalf("capa %+v", c)
	}
	r := qmstest.Must(w.svc.FindingResponse(w.ctx, w.org.Viewer, f.ID))(t)
	if r.Decision != qms.CAPARequired || r.CAPAReference != c.Reference {
		t.Errorf("raising the CAPA records the decision: %+v", r)
	}
	// While its CAPA is open, the finding stays open.
	f = qmstest.Must(w.svc.Finding(w.ctx, w.org.Viewer, f.ID))(t)
	if _, err := w.svc.CloseFinding(w.ctx, w.org.QualityManager, f.ID, f.Version, "Done."); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("closing a finding whose CAPA is open: got %v", err)
	}
	// A finding has one CAPA.
	if _, err := w.svc.RaiseCAPA(w.ctx, w.org.QualityManager, qms.CAPAInput{Title: "Again", ProblemStatement: "Again",
		OwnerID: w.org.ProcessOwner.UserID, VerifierID: w.org.QualityManager.UserID, FindingIDs: []uuid.UUID{f.ID}}); qms.FieldErrors(err)["finding_ids"] == "" {
		t.Errorf("second CAPA on a finding: got %v", err)
	}

	x1 := w.action(t, c, w.org.ProcessOwner, "2026-03-20")
	x2 := w.action(t, c, w.org.Auditor, "2026-03-31")
	w.setToday(day(2026, 3, 18))
	w.complete(t, c, x1, w.org.ProcessOwner)
	if d := w.detail(t, c); d.Status != qms.CAPAOpen || d.CurrentCheck() != nil {
		t.Fatalf("one action of two done: status %s", d.Status)
	}
	// Only the action's owner, the CAPA's owner or a quality manager completes an action.
	if _, err := w.svc.CompleteCAPAAction(w.ctx, w.org.Viewer, c.ID, x2.ID, x2.Version, "Done", nil); qms.ErrorKind(err) != qms.KindForbidden {
		t.Errorf("a viewer completing an action: got %v", err)
	}
	w.setToday(day(2026, 3, 25))
	w.complete(t, c, x2, w.org.Auditor)
	d := w.detail(t, c)
	k := d.CurrentCheck()
	if d.Status != qms.CAPAAwaitingCheck || k == nil || !k.PlannedDate.Equal(day(2026, 4, 24)) || k.VerifierID != w.org.QualityManager.UserID {
		t.Fatalf("every action done: status %s, check %+v; want awaiting_check and a check 30 days after the last action", d.Status, k)
	}

	// The owner may not verify their own CAPA, nor may anyone but the named verifier.
	for _, a := range []qms.Actor{w.org.ProcessOwner, w.org.Admin} {
		if _, err := w.check(c, a, qms.Effective, qmstest.Password); qms.ErrorKind(err) != qms.KindForbidden {
			t.Errorf("%s recording the check: got %v", a.Role, err)
		}
	}
	// A wrong password signs nothing and closes nothing.
	if _, err := w.check(c, w.org.QualityManager, qms.Effective, "guess"); qms.FieldErrors(err)["password"] == "" {
		t.Fatalf("wrong password: got %v", err)
	}
	if d := w.detail(t, c); d.Status != qms.CAPAAwaitingCheck || len(d.Signatures) != 0 || d.CurrentCheck().Result != "" {
		t.Fatalf("after a wrong password: %s, %d signatures", d.Status, len(d.Signatures))
	}

	w.setToday(day(2026, 4, 24))
	closed := qmstest.Must(w.check(c, w.org.QualityManager, qms.Effective, qmstest.Password))(t)
	if closed.Status != qms.CAPAClosed || closed.ClosedAt == nil {
		t.Fatalf("after an effective check: %+v", closed)
	}
	d = w.detail(t, c)
	if len(d.Signatures) != 1 || d.Signatures[0].SignerID != w.org.QualityManager.UserID || len(d.Signatures[0].ContentSHA256) != 64 ||
		d.CurrentCheck().SignatureID == nil || *d.CurrentCheck().SignatureID != d.Signatures[0].ID {
		t.Fatalf("signature %+v", d.Signatures)
	}
	if f = qmstest.Must(w.svc.Finding(w.ctx, w.org.Viewer, f.ID))(t); f.Status != qms.FindingClosed {
		t.Errorf("the finding closes with its CAPA: %s", f.Status)
	}
	// Closed is closed.
	if _, err := w.svc.AddCAPAAction(w.ctx, w.org.QualityManager, c.ID, closed.Version, qms.ActionInput{
		Description: "More", OwnerID: w.org.Auditor.UserID, DueDate: "2026-05-01"}); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("adding an action to a closed CAPA: got %v", err)
	}
}

func TestCAPA_AMinorNCNeedsACorrectionAndADecision(t *testing.T) {
	w := newAuditWorld(t)
	f := w.nc(t, qms.MinorNC, "Two work orders lacked the operator's sign-off.")
	closeIt := func() error {
		cur := qmstest.Must(w.svc.Finding(w.ctx, w.org.Viewer, f.ID))(t)
		_, err := w.svc.CloseFinding(w.ctx, w.org.QualityManager, cur.ID, cur.Version, "Signed off.")
		return err
	}
	if err := closeIt(); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("closing without correction or decision: got %v", err)
	}
	f = qmstest.Must(w.svc.RecordCorrection(w.ctx, w.org.QualityManager, f.ID, f.Version, "Both work orders signed off retrospectively."))(t)
	if err := closeIt(); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("closing with a correction but no decision: got %v", err)
	}
	// Not required takes a reason.
	if _, err := w.svc.DecideCAPA(w.ctx, w.org.QualityManager, f.ID, f.Version, qms.CAPANotRequired, ""); qms.FieldErrors(err)["capa_decision_reason"] == "" {
		t.Fatalf("no reason: got %v", err)
	}
	// Stale versions are refused.
	if _, err := w.svc.DecideCAPA(w.ctx, w.org.QualityManager, f.ID, f.Version-1, qms.CAPARequired, ""); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("stale decision: got %v", err)
	}
	qmstest.Must(w.svc.DecideCAPA(w.ctx, w.org.QualityManager, f.ID, f.Version, qms.CAPANotRequired, "Isolated: a new starter's first week."))(t)
	if err := closeIt(); err != nil {
		t.Fatalf("closing with correction and decision: %v", err)
	}

	// Decided CAPA required: the finding waits for its CAPA.
	g := w.nc(t, qms.MinorNC, "Torque wrench TW-07 past its calibration date.")
	g = qmstest.Must(w.svc.RecordCorrection(w.ctx, w.org.QualityManager, g.ID, g.Version, "Wrench withdrawn and recalibrated."))(t)
	g = qmstest.Must(w.svc.DecideCAPA(w.ctx, w.org.QualityManager, g.ID, g.Version, qms.CAPARequired, ""))(t)
	if _, err := w.svc.CloseFinding(w.ctx, w.org.QualityManager, g.ID, g.Version, "Recalibrated."); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("closing a minor NC whose CAPA was decided but not raised: got %v", err)
	}
	// Observations need neither.
	o := w.nc(t, qms.Observation, "Labels fade in the yard.")
	qmstest.Must(w.svc.CloseFinding(w.ctx, w.org.QualityManager, o.ID, o.Version, "Noted."))(t)
	if _, err := w.svc.RecordCorrection(w.ctx, w.org.QualityManager, o.ID, o.Version, "x"); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("correcting an observation: got %v", err)
	}
}

func TestCAPA_ANotEffectiveCheckReopensForANewRound(t *testing.T) {
	w := newAuditWorld(t)
	f := w.nc(t, qms.MajorNC, "Flanges shipped with burrs.")
	c := w.capaFor(t, f)
	x := w.action(t, c, w.org.ProcessOwner, "2026-03-20")
	w.complete(t, c, x, w.org.ProcessOwner)
	reopened := qmstest.Must(w.check(c, w.org.QualityManager, qms.NotEffective, qmstest.Password))(t)
	if reopened.Status != qms.CAPAOpen || reopened.Round != 2 || reopened.ClosedAt != nil {
		t.Fatalf("after a failed check: %+v", reopened)
	}
	d := w.detail(t, c)
	if len(d.Checks) != 1 || d.Checks[0].Result != qms.NotEffective || d.CurrentCheck() != nil || len(d.RoundActions()) != 0 {
		t.Fatalf("checks %+v; round actions %d", d.Checks, len(d.RoundActions()))
	}
	if f = qmstest.Must(w.svc.Finding(w.ctx, w.org.Viewer, f.ID))(t); f.Status != qms.FindingOpen {
		t.Errorf("the finding stays open")
	}
	// No check without new actions done.
	if _, err := w.check(c, w.org.QualityManager, qms.Effective, qmstest.Password); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("a check with no new action: got %v", err)
	}
	y := w.action(t, c, w.org.Auditor, "2026-04-10")
	if y.Round != 2 {
		t.Errorf("new action in round %d", y.Round)
	}
	w.complete(t, c, y, w.org.Auditor)
	if d = w.detail(t, c); d.Status != qms.CAPAAwaitingCheck || d.CurrentCheck() == nil || d.CurrentCheck().Round != 2 {
		t.Fatalf("round 2 done: %s", d.Status)
	}
	qmstest.Must(w.check(c, w.org.QualityManager, qms.Effective, qmstest.Password))(t)
	if d = w.detail(t, c); d.Status != qms.CAPAClosed || len(d.Signatures) != 2 {
		t.Fatalf("closed after round 2: %s, %d signatures", d.Status, len(d.Signatures))
	}
}

func TestCAPA_TheVerifierIsNotTheOwnerAndEditsAreVersioned(t *testing.T) {
	w := newAuditWorld(t)
	_, err := w.svc.RaiseCAPA(w.ctx, w.org.QualityManager, qms.CAPAInput{Title: "T", ProblemStatement: "P", ProcessID: w.production.ID,
		OwnerID: w.org.ProcessOwner.UserID, VerifierID: w.org.ProcessOwner.UserID})
	if qms.FieldErrors(err)["verifier_id"] == "" {
		t.Fatalf("verifier = owner: got %v", err)
	}
	c := w.capaFor(t)
	edit := qms.CAPAEdit{Title: c.Title, ProblemStatement: c.ProblemStatement, ProcessID: c.ProcessID,
		OwnerID: w.org.QualityManager.UserID, VerifierID: w.org.QualityManager.UserID}
	if _, err := w.svc.UpdateCAPA(w.ctx, w.org.QualityManager, c.ID, c.Version, edit); qms.FieldErrors(err)["verifier_id"] == "" {
		t.Fatalf("edit to verifier = owner: got %v", err)
	}
	edit.VerifierID = w.org.Admin.UserID
	after := qmstest.Must(w.svc.UpdateCAPA(w.ctx, w.org.ProcessOwner, c.ID, c.Version, edit))(t)
	if after.OwnerID != w.org.QualityManager.UserID || after.Version != c.Version+1 {
		t.Fatalf("after edit %+v", after)
	}
	if _, err := w.svc.UpdateCAPA(w.ctx, w.org.QualityManager, c.ID, c.Version, edit); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("stale edit: got %v", err)
	}
	// Someone who neither owns the CAPA nor manages findings may not edit it.
	if _, err := w.svc.UpdateCAPA(w.ctx, w.org.Auditor, c.ID, after.Version, edit); qms.ErrorKind(err) != qms.KindForbidden {
		t.Errorf("auditor editing: got %v", err)
	}
	// Root cause: the whys in order, a category to trend by.
	rc := qms.RootCauseInput{Whys: []string{"Burrs left in the bore", " ", "No deburring step on the routing", "Routing copied from a part without bores"},
		RootCause: "Routings are copied without review.", Category: "method",
		Fishbone: []qms.FishboneCause{{Category: "machine", Cause: "Worn drill"}}}
	after = qmstest.Must(w.svc.SetRootCause(w.ctx, w.org.QualityManager, c.ID, after.Version, rc))(t)
	d := w.detail(t, c)
	if len(d.Whys) != 3 || d.Whys[1] != "No deburring step on the routing" || d.RootCauseCategory != "method" || len(d.Fishbone) != 1 {
		t.Fatalf("root cause %+v %v", d.Whys, d.RootCauseCategory)
	}
	rc.Category = ""
	if _, err := w.svc.SetRootCause(w.ctx, w.org.QualityManager, c.ID, after.Version, rc); qms.FieldErrors(err)["root_cause_category"] == "" {
		t.Errorf("root cause without category: got %v", err)
	}
}

func TestCAPA_ListFiltersAsTheDashboardCounts(t *testing.T) {
	w := newAuditWorld(t)
	w.setToday(day(2026, 1, 5))
	old := w.capaFor(t)
	w.action(t, old, w.org.Auditor, "2026-01-31")
	w.setToday(day(2026, 3, 2))
	young := w.capaFor(t)
	y := w.action(t, young, w.org.Admin, "2026-03-10")
	w.complete(t, young, y, w.org.Admin)

	list := func(f qms.CAPAFilter) []string {
		t.Helper()
		var refs []string
		for _, c := range qmstest.Must(w.svc.CAPAs(w.ctx, w.org.Viewer, f))(t) {
			refs = append(refs, c.Reference)
		}
		return refs
	}
	want := func(name string, got []string, refs ...string) {
		t.Helper()
		if len(got) != len(refs) {
			t.Errorf("%s: %v, want %v", name, got, refs)
			return
		}
		for i := range refs {
			if got[i] != refs[i] {
				t.Errorf("%s: %v, want %v", name, got, refs)
			}
		}
	}
	want("all", list(qms.CAPAFilter{}), old.Reference, young.Reference)
	want("56 days old", list(qms.CAPAFilter{Age: "31-60"}), old.Reference)
	want("new", list(qms.CAPAFilter{Age: "0-30"}), young.Reference)
	want("overdue", list(qms.CAPAFilter{Overdue: true}), old.Reference)
	want("awaiting check", list(qms.CAPAFilter{Status: qms.CAPAAwaitingCheck}), young.Reference)
	want("auditor's actions", list(qms.CAPAFilter{ActionOwnerID: w.org.Auditor.UserID}), old.Reference)
	want("auditor's overdue", list(qms.CAPAFilter{ActionOwnerID: w.org.Auditor.UserID, Overdue: true}), old.Reference)
	want("admin's open actions", list(qms.CAPAFilter{ActionOwnerID: w.org.Admin.UserID}))
	want("verifier", list(qms.CAPAFilter{VerifierID: w.org.QualityManager.UserID, Status: qms.CAPAAwaitingCheck}), young.Reference)
	if _, err := w.svc.CAPAs(w.ctx, w.org.Viewer, qms.CAPAFilter{Age: "5"}); qms.ErrorKind(err) != qms.KindInvalid {
		t.Errorf("bad age: %v", err)
	}
	cs := qmstest.Must(w.svc.CAPAs(w.ctx, w.org.Viewer, qms.CAPAFilter{Overdue: true}))(t)
	if cs[0].OverdueActions != 1 || cs[0].DaysOpen != 56 {
		t.Errorf("ageing %+v", cs[0])
	}
	// The dashboard counts what each filter lists; an action not yet due is not overdue.
	current := w.capaFor(t)
	w.action(t, current, w.org.Auditor, "2026-03-31")
	d := qmstest.Must(w.svc.Home(w.ctx, w.org.Viewer, uuid.Nil))(t).Dashboard
	for i, bucket := range qms.CAPAAgeBuckets {
		if listed := len(list(qms.CAPAFilter{Age: bucket.Key})); d.CAPAAgeing[i] != listed {
			t.Errorf("dashboard: %d CAPAs open %s, the list has %d", d.CAPAAgeing[i], bucket.Label, listed)
		}
	}
	if d.CAPAAgeing != [len(qms.CAPAAgeBuckets)]int{2, 1, 0, 0} || d.OverdueCAPAActions != 1 || d.CAPAsAwaitingCheck != 1 {
		t.Errorf("dashboard: ageing %v, with an overdue action %d, awaiting check %d; want [2 1 0 0], 1, 1",
			d.CAPAAgeing, d.OverdueCAPAActions, d.CAPAsAwaitingCheck)
	}
	if listed := len(list(qms.CAPAFilter{Overdue: true})); listed != d.OverdueCAPAActions {
		t.Errorf("dashboard: %d CAPAs with an overdue action, the list has %d", d.OverdueCAPAActions, listed)
	}
}

// The dashboard's ageing buckets meet where the CAPA list's age filter puts them: a CAPA
// opened 30 days ago is in the first, 31 days in the second, and so on to over 90 days.
func TestCAPA_AgeingAtTheEdgesOfEachBucket(t *testing.T) {
	w := newAuditWorld(t)
	today := day(2026, 6, 1)
	for _, days := range []int{91, 90, 61, 60, 31, 30, 0} {
		w.setToday(today.AddDate(0, 0, -days))
		w.capaFor(t)
	}
	w.setToday(today)
	d := qmstest.Must(w.svc.Home(w.ctx, w.org.Viewer, uuid.Nil))(t).Dashboard
	if d.CAPAAgeing != [len(qms.CAPAAgeBuckets)]int{2, 2, 2, 1} {
		t.Errorf("ageing %v, want [2 2 2 1]", d.CAPAAgeing)
	}
	for i, bucket := range qms.CAPAAgeBuckets {
		listed := qmstest.Must(w.svc.CAPAs(w.ctx, w.org.Viewer, qms.CAPAFilter{Age: bucket.Key}))(t)
		if d.CAPAAgeing[i] != len(listed) {
			t.Errorf("dashboard: %d CAPAs open %s, the list has %d", d.CAPAAgeing[i], bucket.Label, len(listed))
		}
	}
}

// Each person's home counts their open actions on CAPAs not yet closed, and those past due,
// as the CAPA list filtered to their actions shows them.
func TestCAPA_MyActionsOnTheHomePage(t *testing.T) {
	w := newAuditWorld(t)
	w.setToday(day(2025, 12, 15)) // actions are planned ahead
	first, second := w.capaFor(t), w.capaFor(t)
	w.action(t, first, w.org.Auditor, "2026-02-20")  // overdue
	w.action(t, first, w.org.Auditor, "2026-03-02")  // due today: not overdue
	w.action(t, second, w.org.Auditor, "2026-01-15") // overdue, on another CAPA
	done := w.action(t, second, w.org.Auditor, "2026-01-10")
	w.complete(t, second, done, w.org.Auditor)     // completed: no longer open
	w.action(t, second, w.org.Admin, "2026-01-01") // someone else's
	w.setToday(day(2026, 3, 2))

	d := qmstest.Must(w.svc.Home(w.ctx, w.org.Auditor, uuid.Nil))(t).Dashboard
	if d.MyCAPAActions != 3 || d.MyOverdueActions != 2 {
		t.Errorf("my actions %d, overdue %d; want 3, 2", d.MyCAPAActions, d.MyOverdueActions)
	}
	overdue := qmstest.Must(w.svc.CAPAs(w.ctx, w.org.Viewer, qms.CAPAFilter{ActionOwnerID: w.org.Auditor.UserID, Overdue: true}))(t)
	if len(overdue) != 2 {
		t.Errorf("the list of CAPAs with the auditor's overdue actions has %d, want 2", len(overdue))
	}
	if d := qmstest.Must(w.svc.Home(w.ctx, w.org.Admin, uuid.Nil))(t).Dashboard; d.MyCAPAActions != 1 || d.MyOverdueActions != 1 {
		t.Errorf("the admin's actions %d, overdue %d; want 1, 1", d.MyCAPAActions, d.MyOverdueActions)
	}
}

// The verifier's home counts the checks awaiting them: a check planned while its CAPA's
// actions are under way waits until they are done, and a recorded check is no longer theirs.
func TestCAPA_ChecksToVerifyOnTheHomePage(t *testing.T) {
	w := newAuditWorld(t)
	w.setToday(day(2026, 3, 1))
	checks := func() int {
		t.Helper()
		return qmstest.Must(w.svc.Home(w.ctx, w.org.QualityManager, uuid.Nil))(t).Dashboard.MyChecksToVerify
	}
	planned, awaiting, verified := w.capaFor(t), w.capaFor(t), w.capaFor(t)
	w.action(t, planned, w.org.ProcessOwner, "2026-03-20")
	qmstest.Must(w.svc.PlanEffectivenessCheck(w.ctx, w.org.ProcessOwner, planned.ID, w.detail(t, planned).Version,
		qms.CheckPlan{Criteria: "No burrs in 3 months of final inspection."}))(t)
	for _, c := range []qms.CAPA{awaiting, verified} {
		w.complete(t, c, w.action(t, c, w.org.ProcessOwner, "2026-03-20"), w.org.ProcessOwner)
	}
	if got := checks(); got != 2 {
		t.Fatalf("checks to verify %d, want 2 (the CAPA with its action open waits)", got)
	}
	qmstest.Must(w.check(verified, w.org.QualityManager, qms.Effective, qmstest.Password))(t)
	if got := checks(); got != 1 {
		t.Errorf("after verifying one: %d checks to verify, want 1", got)
	}
	if other := qmstest.Must(w.svc.Home(w.ctx, w.org.Auditor, uuid.Nil))(t).Dashboard.MyChecksToVerify; other != 0 {
		t.Errorf("someone who verifies nothing has %d checks to verify", other)
	}
}

func TestCAPA_CancelledActionsAndThePlannedCheck(t *testing.T) {
	w := newAuditWorld(t)
	c := w.capaFor(t)
	x := w.action(t, c, w.org.ProcessOwner, "2026-03-20")
	y := w.action(t, c, w.org.Auditor, "2026-04-30")
	// Planned before the actions are done, with no date: 30 days after the latest due date.
	d := w.detail(t, c)
	qmstest.Must(w.svc.PlanEffectivenessCheck(w.ctx, w.org.ProcessOwner, c.ID, d.Version, qms.CheckPlan{Criteria: "No burrs in 3 months of final inspection."}))(t)
	if k := w.detail(t, c).CurrentCheck(); k == nil || !k.PlannedDate.Equal(day(2026, 5, 30)) {
		t.Fatalf("planned check %+v", k)
	}
	if _, err := w.svc.PlanEffectivenessCheck(w.ctx, w.org.ProcessOwner, c.ID, d.Version, qms.CheckPlan{Criteria: "x"}); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("stale plan: got %v", err)
	}
	// A stale action version is refused; cancelling takes a reason.
	if _, err := w.svc.CompleteCAPAAction(w.ctx, w.org.ProcessOwner, c.ID, x.ID, x.Version+1, "Done", nil); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("stale completion: got %v", err)
	}
	if _, err := w.svc.CancelCAPAAction(w.ctx, w.org.QualityManager, c.ID, y.ID, y.Version, ""); qms.FieldErrors(err)["cancel_reason"] == "" {
		t.Errorf("cancel without reason: got %v", err)
	}
	// Cancelling the only other action leaves the round with nothing done: still open.
	qmstest.Must(w.svc.CancelCAPAAction(w.ctx, w.org.QualityManager, c.ID, y.ID, y.Version, "Covered by the routing change."))(t)
	if d := w.detail(t, c); d.Status != qms.CAPAOpen {
		t.Fatalf("after cancelling one of two open actions: %s", d.Status)
	}
	w.complete(t, c, x, w.org.ProcessOwner)
	d = w.detail(t, c)
	if d.Status != qms.CAPAAwaitingCheck || d.CurrentCheck().Criteria != "No burrs in 3 months of final inspection." {
		t.Fatalf("the plan made beforehand is kept: %s %+v", d.Status, d.CurrentCheck())
	}
	// Adding an action while awaiting the check reopens the round.
	w.action(t, c, w.org.Auditor, "2026-05-01")
	if d := w.detail(t, c); d.Status != qms.CAPAOpen {
		t.Errorf("a new action while awaiting the check: %s", d.Status)
	}
}

func TestCAPA_AnAuditWithAMajorNCClosesOnceItsCAPAIsVerified(t *testing.T) {
	w := newAuditWorld(t)
	au, findings := w.conductAndReport(t, w.plan(t, w.internalAudit(day(2026, 3, 10), []string{"8.7"}, w.production)), day(2026, 3, 11), qms.ResultMajorNC)
	if _, err := w.svc.CloseAudit(w.ctx, w.org.QualityManager, au.ID, au.Version); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("closing the audit with its major NC open: got %v", err)
	}
	c := w.capaFor(t, findings[0])
	w.complete(t, c, w.action(t, c, w.org.ProcessOwner, "2026-03-20"), w.org.ProcessOwner)
	qmstest.Must(w.check(c, w.org.QualityManager, qms.Effective, qmstest.Password))(t)
	if au = qmstest.Must(w.svc.CloseAudit(w.ctx, w.org.QualityManager, au.ID, au.Version))(t); au.Status != qms.AuditClosed {
		t.Fatalf("audit %s", au.Status)
	}
}

// A nonconformity on another clause of the same process recurs when its CAPA's root cause is
// filed under the category of an earlier nonconformity's CAPA; another category does not.
func TestRecurrence_SameProcessAndRootCauseCategory(t *testing.T) {
	w := newAuditWorld(t)
	rootCause := func(c qms.CAPA, category qms.RootCauseCategory) {
		t.Helper()
		qmstest.Must(w.svc.SetRootCause(w.ctx, w.org.QualityManager, c.ID, w.detail(t, c).Version, qms.RootCauseInput{
			Whys:      []string{"The bore was cut oversize.", "The boring bar was worn.", "No tool-life limit was set."},
			RootCause: "No tool-life limits.", Category: category,
		}))(t)
	}
	onClause := func(clause, statement string) qms.Finding {
		t.Helper()
		return qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{
			Classification: qms.MinorNC, Source: qms.SourceOther, Statement: statement, ClauseNumber: clause,
			ObjectiveEvidence: "Job records.", ProcessID: w.production.ID,
		}))(t)
	}
	first := w.nc(t, qms.MajorNC, "Flanges shipped with burrs.")
	rootCause(w.capaFor(t, first), "method")

	w.setToday(day(2026, 6, 1))
	same := onClause("7.1.5", "Gauge used past its calibration date.")
	other := onClause("7.2", "Operator not trained on the new lathe.")
	if list := qmstest.Must(w.svc.RecurringFindings(w.ctx, w.org.Viewer, uuid.Nil))(t); len(list) != 0 {
		t.Fatalf("recurring before any root cause: %d", len(list))
	}
	rootCause(w.capaFor(t, other), "people")
	rootCause(w.capaFor(t, same), "method")

	list := qmstest.Must(w.svc.RecurringFindings(w.ctx, w.org.Viewer, uuid.Nil))(t)
	if len(list) != 1 || list[0].ID != same.ID {
		t.Fatalf("recurring after the root causes: %+v", list)
	}
	if e := list[0].Earlier; len(e) != 1 || e[0].EarlierID != first.ID || !strings.Contains(e[0].Reason, "same root-cause category (method)") {
		t.Errorf("why %s recurs: %+v", same.Reference, e)
	}
}

// The CAPA list pages by cursor: page after page gives the whole list in its order (open
// ones oldest first, then the closed newest first), without gaps or repeats.
func TestCAPA_ListPagesWithoutGapsOrRepeats(t *testing.T) {
	w := newAuditWorld(t)
	closeOne := func(c qms.CAPA) {
		t.Helper()
		w.complete(t, c, w.action(t, c, w.org.ProcessOwner, "2026-12-31"), w.org.ProcessOwner)
		if _, err := w.check(c, w.org.QualityManager, "effective", qmstest.Password); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 7; i++ {
		w.setToday(day(2026, 3, 2+i))
		c := w.capaFor(t)
		if i%3 == 0 {
			closeOne(c)
		}
	}
	all := qmstest.Must(w.svc.CAPAs(w.ctx, w.org.Viewer, qms.CAPAFilter{Limit: 200}))(t)
	if len(all) != 7 || all[0].Status == qms.CAPAClosed || all[len(all)-1].Status != qms.CAPAClosed {
		t.Fatalf("whole list: %d, open first then closed", len(all))
	}
	var paged []qms.CAPA
	after := ""
	for pages := 0; pages < 10; pages++ {
		page := qmstest.Must(w.svc.CAPAs(w.ctx, w.org.Viewer, qms.CAPAFilter{Limit: 2, After: after}))(t)
		paged = append(paged, page...)
		if len(page) < 2 {
			break
		}
		after = qms.CAPACursor(page[len(page)-1])
	}
	if len(paged) != len(all) {
		t.Fatalf("paged %d CAPAs, the list has %d", len(paged), len(all))
	}
	for i := range all {
		if paged[i].ID != all[i].ID {
			t.Fatalf("row %d: paged %s, listed %s", i, paged[i].Reference, all[i].Reference)
		}
	}
	if _, err := w.svc.CAPAs(w.ctx, w.org.Viewer, qms.CAPAFilter{After: "nonsense"}); qms.ErrorKind(err) != qms.KindInvalid {
		t.Errorf("a made-up cursor: %v", err)
	}
}
