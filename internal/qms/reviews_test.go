package qms_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/database/dbtest"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// reviewFixture is an organisation with a process, a clock the test moves, and the owner
// connection for writing what other areas own (CAPAs, risks, reported audits) directly.
type reviewFixture struct {
	svc     *qms.Service
	db      *dbtest.DB
	org     qmstest.Org
	process qms.Process
	now     time.Time
}

func newReviewFixture(t *testing.T, start time.Time) *reviewFixture {
	t.Helper()
	svc, db := qmstest.New(t)
	f := &reviewFixture{svc: svc, db: db, now: start}
	svc.SetClock(func() time.Time { return f.now })
	f.org = qmstest.NewOrg(t, svc, "acme")
	f.process = qmstest.Must(svc.CreateProcess(context.Background(), f.org.Admin, qms.ProcessInput{Name: "Machining", OwnerID: f.org.ProcessOwner.UserID}))(t)
	return f
}

func (f *reviewFixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.db.Admin.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (f *reviewFixture) recordType(t *testing.T, kind qms.RecordKind) uuid.UUID {
	t.Helper()
	for _, rt := range qmstest.Must(f.svc.RecordTypes(context.Background(), f.org.QualityManager))(t) {
		if rt.Kind == kind {
			return rt.ID
		}
	}
	t.Fatalf("no record type of kind %s", kind)
	return uuid.Nil
}

func (f *reviewFixture) complaint(t *testing.T, title, on string) {
	t.Helper()
	qmstest.Must(f.svc.CreateRecord(context.Background(), f.org.QualityManager, qms.RecordInput{
		TypeID: f.recordType(t, qms.KindComplaint), Title: title, EventDate: on, ProcessID: f.process.ID,
		Customer: "Contoso", Severity: "medium",
	}, nil, true))(t)
}

func (f *reviewFixture) nc(t *testing.T, statement string, class qms.Classification) qms.Finding {
	t.Helper()
	return qmstest.Must(f.svc.RaiseFinding(context.Background(), f.org.QualityManager, qms.FindingInput{
		Classification: class, Source: qms.SourceComplaint, Statement: statement, ClauseNumber: "8.5.1",
		ObjectiveEvidence: "Seen on the shop floor.", ProcessID: f.process.ID,
	}))(t)
}

// held schedules, prepares and holds a review now, chaired by the viewer (top management).
func (f *reviewFixture) held(t *testing.T, title string) qms.Review {
	t.Helper()
	rv := f.prepared(t, title)
	if err := f.svc.HoldReview(context.Background(), f.org.QualityManager, rv.ID, rv.Version); err != nil {
		t.Fatal(err)
	}
	return f.review(t, rv.ID)
}

func (f *reviewFixture) prepared(t *testing.T, title string) qms.Review {
	t.Helper()
	ctx := context.Background()
	rv := qmstest.Must(f.svc.ScheduleReview(ctx, f.org.QualityManager, qms.ReviewInput{
		Title: title, ScheduledOn: f.now.Format("2006-01-02"), ChairID: f.org.Viewer.UserID, Attendees: "Top management, quality manager",
	}))(t)
	if err := f.svc.PrepareReview(ctx, f.org.QualityManager, rv.ID, rv.Version); err != nil {
		t.Fatal(err)
	}
	return f.review(t, rv.ID)
}

func (f *reviewFixture) review(t *testing.T, id uuid.UUID) qms.Review {
	t.Helper()
	return qmstest.Must(f.svc.Review(context.Background(), f.org.Viewer, id))(t)
}

func (f *reviewFixture) action(t *testing.T, rv qms.Review, what, due string) qms.ReviewOutput {
	t.Helper()
	return qmstest.Must(f.svc.AddReviewOutput(context.Background(), f.org.QualityManager, rv.ID, qms.OutputInput{
		Kind: qms.OutputAction, Description: what, OwnerID: f.org.ProcessOwner.UserID, DueDate: due,
	}))(t)
}

type wantMetric struct {
	section, key string
	value        int
	previous     int // -1: no previous value
}

func checkMetrics(t *testing.T, in *qms.ReviewInputs, want []wantMetric) {
	t.Helper()
	if in == nil {
		t.Fatal("the review has no inputs")
	}
	for _, w := range want {
		m := in.Section(w.section).Metric(w.key)
		if m.Key == "" {
			t.Errorf("%s/%s: no such metric", w.section, w.key)
			continue
		}
		if m.Value != w.value {
			t.Errorf("%s/%s (%s) = %d, want %d", w.section, w.key, m.Label, m.Value, w.value)
		}
		switch {
		case w.previous < 0 && m.Previous != nil:
			t.Errorf("%s/%s has a previous value %d, want none", w.section, w.key, *m.Previous)
		case w.previous >= 0 && m.Previous == nil:
			t.Errorf("%s/%s has no previous value, want %d", w.section, w.key, w.previous)
		case w.previous >= 0 && *m.Previous != w.previous:
			t.Errorf("%s/%s previous = %d, want %d", w.section, w.key, *m.Previous, w.previous)
		}
	}
}

// TestReviewInputs_ComputedFromDataWithChangesSinceTheLastReview builds a known history: a
// first review held in May with two actions, then half a year of complaints, findings, a
// CAPA, a risk moving up a band and a reported audit, and checks every 9.3.2 input of the
// second review and its change since the first.
func TestReviewInputs_ComputedFromDataWithChangesSinceTheLastReview(t *testing.T) {
	ctx := context.Background()
	f := newReviewFixture(t, time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	org := f.org.ID

	// Before the first review.
	f.complaint(t, "Burr on flange", "2026-03-10")
	nc1 := f.nc(t, "Flange deburring skipped on night shift.", qms.MinorNC)
	f.nc(t, "Tool presetting could use the new scanner.", qms.OFI)
	sup := qmstest.Must(f.svc.CreateSupplier(ctx, f.org.QualityManager, qms.SupplierInput{Name: "Steelco", Supplies: "Bar stock", ApprovalStatus: qms.SupplierConditional}))(t)
	qmstest.Must(f.svc.CreateRecord(ctx, f.org.QualityManager, qms.RecordInput{
		TypeID: f.recordType(t, qms.KindSupplierEvaluation), Title: "Steelco 2026 evaluation", EventDate: "2026-04-01", SupplierID: sup.ID, Score: "50",
	}, nil, true))(t)
	var riskID uuid.UUID
	if err := f.db.Admin.QueryRow(ctx, `INSERT INTO risks (tenant_id, ref, title, process_id, owner_id, inherent_likelihood, inherent_severity,
		residual_likelihood, residual_severity, treatment, review_date, exposure, exposure_band, created_by, created_at)
		VALUES ($1, 1, 'Scrap from worn tools', $2, $3, 3, 3, 2, 3, 'reduce', '2026-12-31', 6, 'medium', $3, '2026-01-10') RETURNING id`,
		org, f.process.ID, f.org.ProcessOwner.UserID).Scan(&riskID); err != nil {
		t.Fatal(err)
	}
	f.exec(t, `INSERT INTO risk_exposure_history (tenant_id, risk_id, at, new_score, new_band, cause) VALUES ($1, $2, '2026-01-10', 6, 'medium', 'assessed')`, org, riskID)

	mr1 := f.held(t, "Management review 2026 H1")
	checkMetrics(t, mr1.Inputs, []wantMetric{
		{"a", "open", 0, -1},
		{"c1", "complaints", 1, -1},
		{"c4", "nc_raised", 1, -1},
		{"c7", "evaluations", 1, -1},
		{"c7", "low_scores", 1, -1},
		{"f", "open", 1, -1},
	})
	if got := mr1.Inputs.Since; !got.Equal(f.now.AddDate(-1, 0, 0)) {
		t.Errorf("the first review looks back a year, from %v", got)
	}
	done := f.action(t, mr1, "Add deburring to the night-shift checklist", "2026-06-01")
	f.action(t, mr1, "Buy a second tool presetter", "2026-09-01")

	// The half year after it.
	f.now = time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	f.complaint(t, "Wrong thread pitch", "2026-10-01")
	f.nc(t, "Thread gauge not calibrated.", qms.MinorNC)
	// A minor nonconformity closes once corrected and decided on (no CAPA needed here).
	nc1 = qmstest.Must(f.svc.RecordCorrection(ctx, f.org.QualityManager, nc1.ID, nc1.Version, "Parts re-inspected."))(t)
	nc1 = qmstest.Must(f.svc.DecideCAPA(ctx, f.org.QualityManager, nc1.ID, nc1.Version, qms.CAPANotRequired, "One-off slip, caught at inspection."))(t)
	qmstest.Must(f.svc.CloseFinding(ctx, f.org.QualityManager, nc1.ID, nc1.Version, "Checklist updated and briefed."))(t)
	qmstest.Must(f.svc.CompleteReviewAction(ctx, f.org.ProcessOwner, mr1.ID, done.ID, done.Version, "Checklist rev. 4 issued."))(t)
	var capaID uuid.UUID
	if err := f.db.Admin.QueryRow(ctx, `INSERT INTO capas (tenant_id, reference, year, seq, title, problem_statement, process_id, owner_id, verifier_id, created_by, opened_at)
		VALUES ($1, 'CA-2026-001', 2026, 1, 'Gauges', 'Gauges out of calibration', $2, $3, $4, $4, '2026-07-01') RETURNING id`,
		org, f.process.ID, f.org.ProcessOwner.UserID, f.org.QualityManager.UserID).Scan(&capaID); err != nil {
		t.Fatal(err)
	}
	f.exec(t, `INSERT INTO capa_actions (tenant_id, capa_id, description, owner_id, due_date) VALUES ($1, $2, 'Recall gauges', $3, '2026-09-15')`,
		org, capaID, f.org.ProcessOwner.UserID)
	f.exec(t, `INSERT INTO risk_exposure_history (tenant_id, risk_id, at, old_score, new_score, old_band, new_band, cause)
		VALUES ($1, $2, '2026-08-01', 6, 12, 'medium', 'high', 'finding raised')`, org, riskID)
	f.exec(t, `UPDATE risks SET exposure = 12, exposure_band = 'high' WHERE tenant_id = $1 AND id = $2`, org, riskID)
	f.exec(t, `INSERT INTO audits (tenant_id, reference, type, title, lead_auditor_id, planned_start, planned_end, status, reported_at)
		VALUES ($1, 'IA-2026-001', 'internal', 'Machining', $2, '2026-09-01', '2026-09-01', 'reported', '2026-09-03')`, org, f.org.Auditor.UserID)

	mr2 := f.prepared(t, "Management review 2026 H2")
	if err := f.svc.UpdateReviewEntries(ctx, f.org.QualityManager, mr2.ID, mr2.Version, qms.ReviewEntries{
		IssuesChanges: "New aerospace customer.", Resources: "Second CMM operator needed."}); err != nil {
		t.Fatal(err)
	}
	mr2 = f.review(t, mr2.ID)
	in := mr2.Inputs
	if in.PreviousReference != mr1.Reference || !in.Since.Equal(*mr1.HeldAt) {
		t.Fatalf("compared with %q since %v, want %s since %v", in.PreviousReference, in.Since, mr1.Reference, mr1.HeldAt)
	}
	checkMetrics(t, in, []wantMetric{
		// a) the first review's actions: one done since, one open and overdue.
		{"a", "open", 1, 0}, {"a", "overdue", 1, 0}, {"a", "done", 1, 0},
		// c 1) one complaint in each period; both still open.
		{"c1", "complaints", 1, 1}, {"c1", "complaints_open", 2, 1},
		// c 3) the process has an open nonconformity.
		{"c3", "processes_with_nc", 1, 1},
		// c 4) one NC raised and one closed since; one CAPA, its action overdue.
		{"c4", "nc_raised", 1, 1}, {"c4", "nc_closed", 1, 0}, {"c4", "nc_open", 1, 1},
		{"c4", "capas_opened", 1, 0}, {"c4", "capas_open", 1, 0}, {"c4", "overdue_actions", 1, 0},
		// c 6) one audit reported.
		{"c6", "audits", 1, 0},
		// c 7) no evaluation since the one before the first review.
		{"c7", "evaluations", 0, 1}, {"c7", "low_scores", 0, 1}, {"c7", "conditional", 1, 1},
		// e) the risk went from medium to high.
		{"e", "up", 1, 0}, {"e", "down", 0, 0}, {"e", "high", 1, 0},
		// f) the OFI is still open; none raised since.
		{"f", "raised", 0, 1}, {"f", "open", 1, 1},
	})
	a := in.Section("a")
	if len(a.Items) != 2 || a.Items[0].Ref != mr1.Reference {
		t.Fatalf("input a) lists %+v, want the two actions of %s", a.Items, mr1.Reference)
	}
	if !strings.HasPrefix(a.Items[0].Status, "Done") || !strings.HasPrefix(a.Items[1].Status, "Overdue") {
		t.Errorf("input a) statuses: %q, %q", a.Items[0].Status, a.Items[1].Status)
	}
	if got := in.Section("b").Text; got != "New aerospace customer." {
		t.Errorf("input b) = %q", got)
	}
	if got := in.Section("d").Text; got != "Second CMM operator needed." {
		t.Errorf("input d) = %q", got)
	}
	if e := in.Section("e"); len(e.Items) != 1 || e.Items[0].Note != "medium → high" {
		t.Errorf("input e) lists %+v", e.Items)
	}
	if d := in.Section("c4").Metric("nc_closed"); d.DeltaText() != "+1" || d.DeltaTone() != "ok" {
		t.Errorf("closing more NCs reads %q %s", d.DeltaText(), d.DeltaTone())
	}
	if len(in.Sections) != len(qms.ReviewInputKeys) {
		t.Errorf("%d input sections, want %d", len(in.Sections), len(qms.ReviewInputKeys))
	}
}

func TestReview_HoldingFreezesTheInputs(t *testing.T) {
	ctx := context.Background()
	f := newReviewFixture(t, time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	f.nc(t, "Deburring skipped.", qms.MinorNC)
	mr := f.held(t, "Management review 2026")
	if got := mr.Inputs.Section("c4").Metric("nc_open").Value; got != 1 {
		t.Fatalf("open NCs at holding = %d, want 1", got)
	}
	f.now = f.now.Add(time.Hour)
	f.nc(t, "Gauge overdue.", qms.MajorNC)
	f.nc(t, "Drawing not controlled.", qms.MinorNC)
	after := f.review(t, mr.ID)
	if got := after.Inputs.Section("c4").Metric("nc_open").Value; got != 1 {
		t.Errorf("after two more NCs the held review shows %d open, want the frozen 1", got)
	}
	if !after.Inputs.Until.Equal(*mr.HeldAt) {
		t.Errorf("the snapshot is as of %v, want the holding time %v", after.Inputs.Until, mr.HeldAt)
	}
	// The next review sees the new data, compared with the frozen numbers.
	next := f.prepared(t, "Management review 2027")
	checkMetrics(t, next.Inputs, []wantMetric{{"c4", "nc_open", 3, 1}})
	// A held review cannot be held again.
	if err := f.svc.HoldReview(ctx, f.org.QualityManager, mr.ID, after.Version); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("holding twice: %v, want a conflict", err)
	}
}

func TestReview_OutputActionsAreTrackedAndShownToTheirOwner(t *testing.T) {
	ctx := context.Background()
	f := newReviewFixture(t, time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	mr := f.held(t, "Management review 2026")
	// An action needs an owner and a due date; the input is refused per field.
	_, err := f.svc.AddReviewOutput(ctx, f.org.QualityManager, mr.ID, qms.OutputInput{Kind: qms.OutputAction, Description: "Hire"})
	if fe := qms.FieldErrors(err); fe["owner_id"] == "" || fe["due_date"] == "" {
		t.Fatalf("an action without owner and date: %v", err)
	}
	if _, err := f.svc.AddReviewOutput(ctx, f.org.ProcessOwner, mr.ID, qms.OutputInput{Kind: qms.OutputDecision, Description: "x"}); qms.ErrorKind(err) != qms.KindForbidden {
		t.Errorf("a process owner recording outputs: %v, want forbidden", err)
	}
	qmstest.Must(f.svc.AddReviewOutput(ctx, f.org.QualityManager, mr.ID, qms.OutputInput{Kind: qms.OutputDecision, Description: "Keep the quality policy."}))(t)
	act := f.action(t, mr, "Second presetter", "2026-05-01") // already overdue
	h := qmstest.Must(f.svc.Home(ctx, f.org.ProcessOwner, uuid.Nil))(t)
	if len(h.Dashboard.MyReviewActions) != 1 || h.Dashboard.MyReviewActions[0].ID != act.ID {
		t.Fatalf("the owner's home shows %+v", h.Dashboard.MyReviewActions)
	}
	if h := qmstest.Must(f.svc.Home(ctx, f.org.Auditor, uuid.Nil))(t); len(h.Dashboard.MyReviewActions) != 0 {
		t.Errorf("someone else's home shows the action")
	}
	rv := f.review(t, mr.ID)
	if rv.OpenActions != 1 || rv.OverdueActions != 1 {
		t.Errorf("open %d, overdue %d; want 1 and 1", rv.OpenActions, rv.OverdueActions)
	}
	// Only the owner or a manager completes it, with a note, on the version loaded.
	if _, err := f.svc.CompleteReviewAction(ctx, f.org.Auditor, mr.ID, act.ID, act.Version, "done"); qms.ErrorKind(err) != qms.KindForbidden {
		t.Errorf("someone else completing: %v", err)
	}
	if _, err := f.svc.CompleteReviewAction(ctx, f.org.ProcessOwner, mr.ID, act.ID, act.Version, " "); qms.FieldErrors(err)["completion_note"] == "" {
		t.Errorf("completing without a note: %v", err)
	}
	qmstest.Must(f.svc.CompleteReviewAction(ctx, f.org.ProcessOwner, mr.ID, act.ID, act.Version, "Ordered."))(t)
	if _, err := f.svc.CompleteReviewAction(ctx, f.org.ProcessOwner, mr.ID, act.ID, act.Version, "Again"); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("completing on a stale version: %v", err)
	}
	if h := qmstest.Must(f.svc.Home(ctx, f.org.ProcessOwner, uuid.Nil))(t); len(h.Dashboard.MyReviewActions) != 0 {
		t.Errorf("a done action stays on the owner's home")
	}
	// A foreign review's id is not found.
	other := qmstest.NewOrg(t, f.svc, "globex")
	if _, err := f.svc.Review(ctx, other.Admin, mr.ID); qms.ErrorKind(err) != qms.KindNotFound {
		t.Errorf("another organisation reading the review: %v", err)
	}
}

func TestReview_MinutesEditsNeverOverwriteEachOther(t *testing.T) {
	ctx := context.Background()
	f := newReviewFixture(t, time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	mr := f.prepared(t, "Management review 2026")
	qm, admin := f.org.QualityManager, f.org.Admin
	if err := f.svc.SaveReviewMinutes(ctx, qm, mr.ID, "c1", 0, "Complaints fell."); err != nil {
		t.Fatal(err)
	}
	// The admin had the page open before the first minutes were saved.
	if err := f.svc.SaveReviewMinutes(ctx, admin, mr.ID, "c1", 0, "Complaints rose."); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("a second first save: %v, want a conflict", err)
	}
	if err := f.svc.SaveReviewMinutes(ctx, admin, mr.ID, "c1", 1, "Complaints fell by a third."); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SaveReviewMinutes(ctx, qm, mr.ID, "c1", 1, "Stale"); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("a stale save: %v, want a conflict", err)
	}
	if err := f.svc.SaveReviewMinutes(ctx, qm, mr.ID, "zz", 0, "x"); qms.ErrorKind(err) != qms.KindNotFound {
		t.Errorf("an unknown input: %v", err)
	}
	if err := f.svc.SaveReviewMinutes(ctx, qm, mr.ID, "d", 0, strings.Repeat("x", 8001)); qms.FieldErrors(err)["minutes_d"] == "" {
		t.Errorf("too long: %v", err)
	}
	rv := f.review(t, mr.ID)
	if m := rv.Minutes["c1"]; m.Minutes != "Complaints fell by a third." || m.Version != 2 {
		t.Errorf("minutes = %+v", m)
	}
}

func TestReview_OnlyTheChairSignsWithTheirPassword(t *testing.T) {
	ctx := context.Background()
	f := newReviewFixture(t, time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	mr := f.prepared(t, "Management review 2026")
	if _, err := f.svc.SignReview(ctx, f.org.Viewer, mr.ID, mr.Version, qmstest.Password); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("signing before holding: %v, want a conflict", err)
	}
	if err := f.svc.SaveReviewMinutes(ctx, f.org.QualityManager, mr.ID, "a", 0, "No previous actions."); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.HoldReview(ctx, f.org.QualityManager, mr.ID, mr.Version); err != nil {
		t.Fatal(err)
	}
	rv := f.review(t, mr.ID)
	toSign := qmstest.Must(f.svc.Home(ctx, f.org.Viewer, uuid.Nil))(t).Dashboard.MyReviewActions
	if len(toSign) != 1 || toSign[0].Kind != "sign" || toSign[0].ReviewID != rv.ID {
		t.Fatalf("the chair's home shows %+v, want the minutes to sign", toSign)
	}

	if _, err := f.svc.SignReview(ctx, f.org.QualityManager, rv.ID, rv.Version, qmstest.Password); qms.ErrorKind(err) != qms.KindForbidden {
		t.Errorf("someone other than the chair signing: %v, want forbidden", err)
	}
	if _, err := f.svc.SignReview(ctx, f.org.Viewer, rv.ID, rv.Version, "not my password"); qms.FieldErrors(err)["password"] == "" {
		t.Errorf("a wrong password: %v, want a message at the password", err)
	}
	if got := qmstest.Must(f.svc.Signatures(ctx, f.org.Viewer, "management_review", rv.ID))(t); len(got) != 0 {
		t.Fatalf("a wrong password signed: %+v", got)
	}
	if f.review(t, rv.ID).Status != qms.ReviewHeld {
		t.Fatal("a wrong password changed the review")
	}
	signed := qmstest.Must(f.svc.SignReview(ctx, f.org.Viewer, rv.ID, rv.Version, qmstest.Password))(t)
	if signed.Status != qms.ReviewSigned || signed.Signature == nil {
		t.Fatalf("signed review: %+v", signed)
	}
	if signed.Signature.ContentSHA256 != qms.ContentHash(qms.ReviewMinutesText(signed)) || !signed.MinutesIntact() {
		t.Errorf("the signature does not hash the minutes")
	}
	if h := qmstest.Must(f.svc.Home(ctx, f.org.Viewer, uuid.Nil))(t); len(h.Dashboard.MyReviewActions) != 0 {
		t.Errorf("signed minutes still wait on the chair's home")
	}
	if !strings.Contains(qms.ReviewMinutesText(signed), "No previous actions.") {
		t.Errorf("the signed text lacks the minutes")
	}
	if signed.Signature.SignerID != f.org.Viewer.UserID || signed.Signature.Meaning != qms.ReviewMinutesMeaning {
		t.Errorf("signature %+v", signed.Signature)
	}
	// Signed minutes are final.
	if err := f.svc.SaveReviewMinutes(ctx, f.org.QualityManager, rv.ID, "a", 1, "Changed"); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("editing signed minutes: %v, want a conflict", err)
	}
	if _, err := f.svc.AddReviewOutput(ctx, f.org.QualityManager, rv.ID, qms.OutputInput{Kind: qms.OutputDecision, Description: "Late"}); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("adding an output to signed minutes: %v, want a conflict", err)
	}
}

func TestReview_SchedulingValidatesEachField(t *testing.T) {
	ctx := context.Background()
	f := newReviewFixture(t, time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	_, err := f.svc.ScheduleReview(ctx, f.org.QualityManager, qms.ReviewInput{})
	fe := qms.FieldErrors(err)
	for _, k := range []string{"title", "scheduled_on", "chair_id"} {
		if fe[k] == "" {
			t.Errorf("no message for %s: %v", k, fe)
		}
	}
	other := qmstest.NewOrg(t, f.svc, "globex")
	_, err = f.svc.ScheduleReview(ctx, f.org.QualityManager, qms.ReviewInput{Title: "MR", ScheduledOn: "2026-07-01", ChairID: other.Admin.UserID})
	if qms.FieldErrors(err)["chair_id"] == "" {
		t.Errorf("a chair from another organisation: %v", err)
	}
	if _, err := f.svc.ScheduleReview(ctx, f.org.ProcessOwner, qms.ReviewInput{Title: "MR", ScheduledOn: "2026-07-01", ChairID: f.org.Viewer.UserID}); qms.ErrorKind(err) != qms.KindForbidden {
		t.Errorf("a process owner scheduling: %v", err)
	}
	rv := qmstest.Must(f.svc.ScheduleReview(ctx, f.org.QualityManager, qms.ReviewInput{Title: "MR", ScheduledOn: "2026-07-01", ChairID: f.org.Viewer.UserID}))(t)
	if rv.Reference != "MR-2026-001" || rv.Status != qms.ReviewPlanned {
		t.Errorf("scheduled %s %s", rv.Reference, rv.Status)
	}
	// Preparing names the version shown: a missing or old one is refused.
	for _, v := range []int{0, rv.Version + 1} {
		if err := f.svc.PrepareReview(ctx, f.org.QualityManager, rv.ID, v); qms.ErrorKind(err) != qms.KindConflict {
			t.Errorf("preparing version %d: %v, want a conflict", v, err)
		}
	}
}

func TestReview_DetailsChangeOnTheVersionLoadedUntilHeld(t *testing.T) {
	ctx := context.Background()
	f := newReviewFixture(t, time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	rv := qmstest.Must(f.svc.ScheduleReview(ctx, f.org.QualityManager, qms.ReviewInput{Title: "MR", ScheduledOn: "2026-07-01", ChairID: f.org.Viewer.UserID}))(t)
	moved := qmstest.Must(f.svc.UpdateReview(ctx, f.org.QualityManager, rv.ID, rv.Version, qms.ReviewInput{
		Title: "Half-year review", ScheduledOn: "2026-07-08", ChairID: f.org.Admin.UserID, Attendees: "Board"}))(t)
	if moved.ChairID != f.org.Admin.UserID || moved.ScheduledOn.Format("2006-01-02") != "2026-07-08" || moved.Version != rv.Version+1 {
		t.Fatalf("after the change: %+v", moved)
	}
	if _, err := f.svc.UpdateReview(ctx, f.org.Admin, rv.ID, rv.Version, qms.ReviewInput{Title: "Stale", ScheduledOn: "2026-07-09", ChairID: f.org.Admin.UserID}); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("a change on a stale version: %v, want a conflict", err)
	}
	if _, err := f.svc.UpdateReview(ctx, f.org.Admin, rv.ID, moved.Version, qms.ReviewInput{ScheduledOn: "soon"}); qms.FieldErrors(err)["title"] == "" || qms.FieldErrors(err)["scheduled_on"] == "" {
		t.Errorf("bad input: %v", err)
	}
	if err := f.svc.PrepareReview(ctx, f.org.QualityManager, rv.ID, moved.Version); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.HoldReview(ctx, f.org.QualityManager, rv.ID, moved.Version+1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateReview(ctx, f.org.QualityManager, rv.ID, moved.Version+2, qms.ReviewInput{Title: "Late", ScheduledOn: "2026-07-08", ChairID: f.org.Viewer.UserID}); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("changing the chair of a held review: %v, want a conflict", err)
	}
}
