package qms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/database/dbtest"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func TestExposure_ScoreIsResidualPlusSignalsCappedAndBanded(t *testing.T) {
	w := func(ns ...int) []qms.ExposureReason {
		var out []qms.ExposureReason
		for _, n := range ns {
			out = append(out, qms.ExposureReason{Signal: qms.SignalMajorNC, Weight: n})
		}
		return out
	}
	for _, tc := range []struct {
		name        string
		l, s        int
		reasons     []qms.ExposureReason
		score       int
		band        string
		bandOfScore string
	}{
		{"lowest", 1, 1, nil, 1, qms.BandLow, qms.BandLow},
		{"top of low", 2, 2, nil, 4, qms.BandLow, qms.BandLow},
		{"signal lifts low to medium", 2, 2, w(1), 5, qms.BandMedium, qms.BandMedium},
		{"top of medium", 3, 3, nil, 9, qms.BandMedium, qms.BandMedium},
		{"major NC lifts medium to high", 2, 3, w(6), 12, qms.BandHigh, qms.BandHigh},
		{"bottom of high", 2, 5, nil, 10, qms.BandHigh, qms.BandHigh},
		{"top of high", 4, 4, nil, 16, qms.BandHigh, qms.BandHigh},
		{"bottom of critical", 4, 4, w(1), 17, qms.BandCritical, qms.BandCritical},
		{"several signals add up", 1, 2, w(6, 3, 1, 4), 16, qms.BandHigh, qms.BandHigh},
		{"capped at 25", 5, 5, w(6), 25, qms.BandCritical, qms.BandCritical},
		{"cap with many signals", 3, 4, w(6, 6, 6), 25, qms.BandCritical, qms.BandCritical},
		{"zero weights add nothing", 2, 2, w(0, 0), 4, qms.BandLow, qms.BandLow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := qms.ExposureScore(tc.l, tc.s, tc.reasons)
			if got != tc.score {
				t.Errorf("score %d, want %d", got, tc.score)
			}
			if b := qms.ExposureBandOf(got); b != tc.band {
				t.Errorf("band of %d: %s, want %s", got, b, tc.band)
			}
		})
	}
	// Every score from 1 to 25 is in exactly the band of its range.
	for s := 1; s <= 25; s++ {
		want := qms.BandLow
		switch {
		case s >= 17:
			want = qms.BandCritical
		case s >= 10:
			want = qms.BandHigh
		case s >= 5:
			want = qms.BandMedium
		}
		if qms.ExposureBandOf(s) != want {
			t.Errorf("band of %d: %s, want %s", s, qms.ExposureBandOf(s), want)
		}
	}
}

// riskWorld is an organisation with two processes, a procedure and the database, for the
// exposure rule.
type riskWorld struct {
	*auditWorld
	db  *dbtest.DB
	doc qms.Document
}

func newRiskWorld(t *testing.T) *riskWorld {
	t.Helper()
	svc, db := qmstest.New(t)
	aw := &auditWorld{svc: svc, org: qmstest.NewOrg(t, svc, "acme"), ctx: context.Background()}
	aw.setToday(day(2026, 3, 2))
	aw.production = qmstest.Must(svc.CreateProcess(aw.ctx, aw.org.Admin, qms.ProcessInput{Name: "Production", OwnerID: aw.org.ProcessOwner.UserID}))(t)
	aw.maintenance = qmstest.Must(svc.CreateProcess(aw.ctx, aw.org.Admin, qms.ProcessInput{Name: "Maintenance & calibration", OwnerID: aw.org.QualityManager.UserID}))(t)
	aw.leeds = qmstest.Must(svc.CreateSite(aw.ctx, aw.org.Admin, qms.SiteInput{Name: "Leeds Plant"}))(t)
	w := &riskWorld{auditWorld: aw, db: db}
	var procedure uuid.UUID
	for _, ty := range qmstest.Must(svc.DocumentTypes(aw.ctx, aw.org.Admin))(t) {
		if ty.Kind == "procedure" {
			procedure = ty.ID
		}
	}
	w.doc = qmstest.Must(svc.CreateDocument(aw.ctx, aw.org.ProcessOwner, qms.NewDocument{
		DocumentInput: qms.DocumentInput{Title: "Final inspection and release", TypeID: procedure, ProcessID: aw.production.ID,
			OwnerID: aw.org.ProcessOwner.UserID, ReviewIntervalMonths: 12, Clauses: []string{"8.6"}},
		DraftInput: qms.DraftInput{Body: "Inspect every batch before release.", ChangeSummary: "First issue"},
	}))(t)
	return w
}

func (w *riskWorld) risk(t *testing.T, l, s string, docs ...string) qms.Risk {
	t.Helper()
	return qmstest.Must(w.svc.CreateRisk(w.ctx, w.org.QualityManager, qms.RiskInput{
		Kind: "risk", Title: "Nonconforming parts reach the customer", ProcessID: w.production.ID, OwnerID: w.org.ProcessOwner.UserID,
		InherentLikelihood: "4", InherentSeverity: "4", ResidualLikelihood: l, ResidualSeverity: s,
		Treatment: "reduce", ReviewDate: "2026-12-31", Documents: strings.Join(docs, "\n"), ExistingControls: "Final inspection (QP-012)",
	}))(t)
}

func (w *riskWorld) exposure(t *testing.T, r qms.Risk) qms.RiskDetail {
	t.Helper()
	return qmstest.Must(w.svc.RiskDetail(w.ctx, w.org.Viewer, r.ID))(t)
}

func (w *riskWorld) nc(t *testing.T, c qms.Classification, clause string) qms.Finding {
	t.Helper()
	return qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{
		Classification: c, Source: qms.SourceOther, Statement: "Batch released without inspection record", ClauseNumber: clause,
		ObjectiveEvidence: "Dispatch note DN-88123", ProcessID: w.production.ID,
	}))(t)
}

func (w *riskWorld) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := w.db.Admin.Exec(w.ctx, sql, args...); err != nil {
		t.Fatal(err)
	}
}

// capa adds a CAPA on the production process answering f, as the CAPA pages would.
func (w *riskWorld) capa(t *testing.T, f qms.Finding) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := w.db.Admin.QueryRow(w.ctx, `INSERT INTO capas (tenant_id, reference, year, seq, title, problem_statement, process_id,
		owner_id, verifier_id, created_by) VALUES ($1, 'CA-2026-001', 2026, 1, 'Release without inspection', 'Batches released uninspected',
		$2, $3, $4, $4) RETURNING id`, w.org.ID, w.production.ID, w.org.ProcessOwner.UserID, w.org.QualityManager.UserID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	w.exec(t, `INSERT INTO capa_findings (tenant_id, capa_id, finding_id) VALUES ($1, $2, $3)`, w.org.ID, id, f.ID)
	return id
}

func (w *riskWorld) recurring(t *testing.T, id uuid.UUID) bool {
	t.Helper()
	var b bool
	if err := w.db.Admin.QueryRow(w.ctx, `SELECT recurring FROM findings WHERE tenant_id = $1 AND id = $2`, w.org.ID, id).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

func signals(d qms.RiskDetail) map[string]int {
	out := map[string]int{}
	for _, r := range d.Reasons {
		out[r.Signal] += r.Weight
	}
	return out
}

func TestExposure_EachSignalAppearsAndDisappears(t *testing.T) {
	w := newRiskWorld(t)
	r := w.risk(t, "2", "2") // residual 4, low
	if d := w.exposure(t, r); d.Exposure != 4 || d.ExposureBand != qms.BandLow || len(d.History) != 1 || d.History[0].OldScore != nil {
		t.Fatalf("new risk: %d %s, history %+v", d.Exposure, d.ExposureBand, d.History)
	}
	check := func(step string, want int, wantSignals map[string]int) qms.RiskDetail {
		t.Helper()
		d := w.exposure(t, r)
		got := signals(d)
		if d.Exposure != want || len(got) != len(wantSignals) {
			t.Fatalf("%s: exposure %d with %v, want %d with %v", step, d.Exposure, got, want, wantSignals)
		}
		for k, v := range wantSignals {
			if got[k] != v {
				t.Fatalf("%s: signals %v, want %v", step, got, wantSignals)
			}
		}
		return d
	}
	job := func() {
		t.Helper()
		qmstest.Must(w.svc.NoteOverdueActions(w.ctx))(t)
	}

	// Findings on the process: observation 1, minor 3, major 6 (the default weights).
	obs := w.nc(t, qms.Observation, "")
	check("observation", 5, map[string]int{"observation": 1})
	qmstest.Must(w.svc.CloseFinding(w.ctx, w.org.QualityManager, obs.ID, obs.Version, "Discussed with the team."))(t)
	d := check("observation closed", 4, nil)
	if last := d.History[len(d.History)-1]; last.Cause != "Finding "+obs.Reference+" closed" || *last.OldScore != 5 {
		t.Errorf("history of the fall: %+v", last)
	}
	minor := w.nc(t, qms.MinorNC, "8.6")
	check("minor NC", 7, map[string]int{"minor_nc": 3})
	// A second NC on the same clause recurs: its classification and the recurrence count.
	minor2 := w.nc(t, qms.MinorNC, "8.6")
	check("recurring minor NC", 14, map[string]int{"minor_nc": 6, "recurrence": 4})
	// Findings may also close by their CAPA; the periodic re-score sees that too.
	w.exec(t, `UPDATE findings SET status = 'closed', closed_at = $4, closed_by = $2 WHERE tenant_id = $1 AND id = $3`,
		w.org.ID, w.org.QualityManager.UserID, minor2.ID, w.svc.Today())
	job()
	check("recurring NC closed", 7, map[string]int{"minor_nc": 3})

	// An overdue action on the CAPA of an open finding: the job notes it and re-scores.
	capa := w.capa(t, minor)
	w.exec(t, `INSERT INTO capa_actions (tenant_id, capa_id, description, owner_id, due_date) VALUES ($1, $2, 'Add release interlock', $3, '2026-03-10')`,
		w.org.ID, capa, w.org.ProcessOwner.UserID)
	job()
	check("action not yet due", 7, map[string]int{"minor_nc": 3})
	w.setToday(day(2026, 3, 11))
	job()
	check("action overdue", 9, map[string]int{"minor_nc": 3, "overdue_action": 2})
	w.exec(t, `UPDATE capa_actions SET status = 'done', completed_at = $3, completed_by = $2 WHERE tenant_id = $1`, w.org.ID, w.org.ProcessOwner.UserID, w.svc.Today())
	job()
	check("action done", 7, map[string]int{"minor_nc": 3})

	// A failed effectiveness check on a CAPA of the process counts for twelve months.
	w.exec(t, `INSERT INTO capa_effectiveness_checks (tenant_id, capa_id, round, criteria, planned_date, verifier_id, result, recorded_at, recorded_by)
		VALUES ($1, $2, 1, 'No release without record for 3 months', '2026-03-11', $3, 'not_effective', '2026-03-11 12:00+00', $3)`,
		w.org.ID, capa, w.org.QualityManager.UserID)
	job()
	check("failed check", 11, map[string]int{"minor_nc": 3, "failed_check": 4})
	w.exec(t, `UPDATE findings SET status = 'closed', closed_at = $4, closed_by = $2 WHERE tenant_id = $1 AND id = $3`,
		w.org.ID, w.org.QualityManager.UserID, minor.ID, w.svc.Today())

	// A complaint finalised on the process counts for 90 days.
	var complaintType uuid.UUID
	for _, ty := range qmstest.Must(w.svc.RecordTypes(w.ctx, w.org.Admin))(t) {
		if ty.Kind == qms.KindComplaint {
			complaintType = ty.ID
		}
	}
	in := qms.RecordInput{TypeID: complaintType, Title: "Flanges out of tolerance", EventDate: "2026-03-11", ProcessID: w.production.ID,
		Customer: "Harrow Pumps", Severity: "high"}
	draft := qmstest.Must(w.svc.CreateRecord(w.ctx, w.org.QualityManager, in, nil, false))(t)
	job()
	check("draft complaint does not count", 8, map[string]int{"failed_check": 4})
	final := qmstest.Must(w.svc.FinaliseRecord(w.ctx, w.org.QualityManager, draft.ID, draft.Version))(t)
	check("complaint finalised", 10, map[string]int{"failed_check": 4, "complaint": 2})
	// Corrected onto another process, it stops counting here at once; corrected back, it counts again.
	moved := in
	moved.ProcessID = w.maintenance.ID
	final = qmstest.Must(w.svc.CorrectRecord(w.ctx, w.org.QualityManager, final.ID, final.Version, moved, "Traced to the worn fixture in maintenance.", nil, nil))(t)
	check("complaint corrected onto another process", 8, map[string]int{"failed_check": 4})
	qmstest.Must(w.svc.CorrectRecord(w.ctx, w.org.QualityManager, final.ID, final.Version, in, "Production after all: the fixture was set up wrongly.", nil, nil))(t)
	check("complaint corrected back", 10, map[string]int{"failed_check": 4, "complaint": 2})
	w.setToday(day(2026, 6, 10)) // 91 days later
	job()
	check("complaint older than 90 days", 8, map[string]int{"failed_check": 4})
	w.setToday(day(2027, 3, 12))
	job()
	d = check("failed check older than a year", 4, nil)
	if last := d.History[len(d.History)-1]; last.Cause != "Time-based signals re-checked" || last.NewBand != qms.BandLow {
		t.Errorf("last history row %+v", last)
	}
}

func TestExposure_FindingRaisedRescoresFlagsAndMovesTheAuditInOneTransaction(t *testing.T) {
	w := newRiskWorld(t)
	r := w.risk(t, "2", "3", w.doc.Number+" · "+w.doc.Title) // 6, medium
	nextFor := func() qms.NextAudit {
		t.Helper()
		p := qmstest.Must(w.svc.AuditProgramme(w.ctx, w.org.QualityManager, 2026))(t)
		for _, n := range p.Next {
			if n.Process.ID == w.production.ID {
				return n
			}
		}
		t.Fatal("production is not in the programme")
		return qms.NextAudit{}
	}
	before := nextFor()
	flags := func() (n int, reason string) {
		t.Helper()
		if err := w.db.Admin.QueryRow(w.ctx, `SELECT count(*), coalesce(max(reason), '') FROM document_review_flags
			WHERE tenant_id = $1 AND document_id = $2 AND source_type = 'risk' AND resolved_at IS NULL`, w.org.ID, w.doc.ID).Scan(&n, &reason); err != nil {
			t.Fatal(err)
		}
		return n, reason
	}
	counts := func() (findings, history int) {
		t.Helper()
		if err := w.db.Admin.QueryRow(w.ctx, `SELECT (SELECT count(*) FROM findings WHERE tenant_id = $1),
			(SELECT count(*) FROM risk_exposure_history WHERE tenant_id = $1)`, w.org.ID).Scan(&findings, &history); err != nil {
			t.Fatal(err)
		}
		return findings, history
	}

	// A failure in any step (here the flag on the procedure) leaves nothing changed.
	w.exec(t, `CREATE FUNCTION fail_flag() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$;
		CREATE TRIGGER fail_flag BEFORE INSERT ON document_review_flags FOR EACH ROW EXECUTE FUNCTION fail_flag();`)
	f0, h0 := counts()
	_, err := w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{Classification: qms.MajorNC, Source: qms.SourceOther,
		Statement: "Release without inspection", ClauseNumber: "8.6", ObjectiveEvidence: "DN-88123", ProcessID: w.production.ID})
	if err == nil {
		t.Fatal("the injected failure did not fail the use case")
	}
	if f1, h1 := counts(); f1 != f0 || h1 != h0 {
		t.Fatalf("after a failed raise: findings %d→%d, history %d→%d", f0, f1, h0, h1)
	}
	if d := w.exposure(t, r); d.Exposure != 6 || d.ExposureBand != qms.BandMedium {
		t.Fatalf("exposure moved on a failed raise: %d %s", d.Exposure, d.ExposureBand)
	}
	if n, _ := flags(); n != 0 {
		t.Fatalf("flags after a failed raise: %d", n)
	}
	w.exec(t, `DROP TRIGGER fail_flag ON document_review_flags; DROP FUNCTION fail_flag();`)

	// The same raise, now succeeding: re-scored, history with reasons, flag, programme.
	f := w.nc(t, qms.MajorNC, "8.6")
	d := w.exposure(t, r)
	if d.Exposure != 12 || d.ExposureBand != qms.BandHigh {
		t.Fatalf("after a major NC: %d %s", d.Exposure, d.ExposureBand)
	}
	last := d.History[len(d.History)-1]
	if *last.OldScore != 6 || *last.OldBand != qms.BandMedium || last.NewScore != 12 || !strings.Contains(last.Cause, f.Reference) {
		t.Errorf("history row %+v", last)
	}
	if len(last.Reasons) != 1 || last.Reasons[0].Signal != qms.SignalMajorNC || last.Reasons[0].Weight != 6 ||
		last.Reasons[0].SourceID != f.ID || last.Reasons[0].Path != "findings/"+f.ID.String() || last.Reasons[0].Label != f.Reference {
		t.Errorf("reasons %+v", last.Reasons)
	}
	var stored []map[string]any
	var raw []byte
	if err := w.db.Admin.QueryRow(w.ctx, `SELECT reasons FROM risk_exposure_history WHERE tenant_id = $1 ORDER BY at DESC, id DESC LIMIT 1`,
		w.org.ID).Scan(&raw); err != nil || json.Unmarshal(raw, &stored) != nil || stored[0]["source_kind"] != "finding" {
		t.Errorf("stored reasons %s (%v)", raw, err)
	}
	n, reason := flags()
	if n != 1 || !strings.Contains(reason, "risk exposure rose from medium to high because") || !strings.Contains(reason, f.Reference) {
		t.Errorf("flags %d: %q", n, reason)
	}
	after := nextFor()
	if after.IntervalMonths != before.IntervalMonths-2 || !strings.Contains(strings.Join(after.Reasons, " "), r.Reference()) {
		t.Errorf("programme: every %d months (was %d), reasons %v", after.IntervalMonths, before.IntervalMonths, after.Reasons)
	}
	// The owner sees the rise on their home page; others do not.
	home := qmstest.Must(w.svc.Home(w.ctx, w.org.ProcessOwner, uuid.Nil))(t)
	if len(home.Dashboard.MyRisksRose) != 1 || home.Dashboard.MyRisksRose[0].NewBand != qms.BandHigh {
		t.Errorf("owner's home: %+v", home.Dashboard.MyRisksRose)
	}
	if h := qmstest.Must(w.svc.Home(w.ctx, w.org.Auditor, uuid.Nil))(t); len(h.Dashboard.MyRisksRose) != 0 {
		t.Errorf("someone else's home: %+v", h.Dashboard.MyRisksRose)
	}

	// A second finding that keeps the band flags nothing more.
	w.nc(t, qms.Observation, "")
	if n, _ := flags(); n != 1 {
		t.Errorf("flags after a rise within the band: %d", n)
	}
}

func TestRecurrence_EarlierNCOnSameProcessAndClauseWithinAYear(t *testing.T) {
	w := newRiskWorld(t)
	w.setToday(day(2025, 2, 1))
	tooOld := w.nc(t, qms.MinorNC, "8.5.1")
	w.setToday(day(2025, 4, 1))
	earlier := w.nc(t, qms.MajorNC, "8.5.1")
	otherClause := w.nc(t, qms.MinorNC, "7.1.5")
	_ = w.nc(t, qms.Observation, "8.5.1")
	w.setToday(day(2026, 3, 2))
	f := w.nc(t, qms.MinorNC, "8.5.1")
	obs := w.nc(t, qms.Observation, "8.5.1")

	// Newest first: f repeats the NC of April 2025 (the one of February 2025 is more than a
	// year before it), and that one repeats February's.
	list := qmstest.Must(w.svc.RecurringFindings(w.ctx, w.org.Viewer, uuid.Nil))(t)
	if len(list) != 2 || list[0].ID != f.ID || list[1].ID != earlier.ID || !w.recurring(t, f.ID) {
		t.Fatalf("recurring: %d", len(list))
	}
	if len(list[1].Earlier) != 1 || list[1].Earlier[0].EarlierID != tooOld.ID {
		t.Errorf("earlier of %s: %+v", earlier.Reference, list[1].Earlier)
	}
	if len(list[0].Earlier) != 1 || list[0].Earlier[0].EarlierID != earlier.ID ||
		!strings.Contains(list[0].Earlier[0].Reason, "same process and clause 8.5.1") {
		t.Errorf("earlier: %+v", list[0].Earlier)
	}
	// Without a clause there is nothing to repeat.
	noClause := qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{Classification: qms.MinorNC, Source: qms.SourceOther,
		Statement: "Drawing revision not checked", Requirement: "Customer drawing control", ObjectiveEvidence: "Job 4411", ProcessID: w.production.ID}))(t)
	for _, x := range []qms.Finding{otherClause, obs, noClause} {
		if w.recurring(t, x.ID) {
			t.Errorf("%s counted as recurring", x.Reference)
		}
	}
	// A maintenance NC on the same clause is another process.
	g := qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{Classification: qms.MinorNC, Source: qms.SourceOther,
		Statement: "Gauge out of calibration", ClauseNumber: "8.5.1", ObjectiveEvidence: "Label", ProcessID: w.maintenance.ID}))(t)
	if w.recurring(t, g.ID) {
		t.Error("a finding on another process counted as recurring")
	}
	if list := qmstest.Must(w.svc.RecurringFindings(w.ctx, w.org.Viewer, w.maintenance.ID))(t); len(list) != 0 {
		t.Errorf("recurring on maintenance: %d", len(list))
	}
}

func TestRisks_ValidationConcurrencyAndPermissions(t *testing.T) {
	w := newRiskWorld(t)
	_, err := w.svc.CreateRisk(w.ctx, w.org.QualityManager, qms.RiskInput{Kind: "opportunity", Treatment: "reduce",
		InherentLikelihood: "6", ResidualSeverity: "x", ReviewDate: "soon"})
	fields := qms.FieldErrors(err)
	for _, f := range []string{"title", "process_id", "owner_id", "inherent_likelihood", "inherent_severity", "residual_severity", "treatment", "review_date"} {
		if fields[f] == "" {
			t.Errorf("no message for %s: %v", f, fields)
		}
	}
	if _, err := w.svc.CreateRisk(w.ctx, w.org.Auditor, qms.RiskInput{}); qms.ErrorKind(err) != qms.KindForbidden {
		t.Errorf("auditor creating a risk: %v", err)
	}
	r := w.risk(t, "2", "2")
	if r.Reference() != "RSK-001" {
		t.Errorf("reference %s", r.Reference())
	}
	in := qms.RiskInput{Kind: "risk", Title: "Nonconforming parts reach the customer", ProcessID: w.production.ID, OwnerID: w.org.ProcessOwner.UserID,
		InherentLikelihood: "4", InherentSeverity: "4", ResidualLikelihood: "4", ResidualSeverity: "3", Treatment: "reduce", ReviewDate: "2026-12-31"}
	up := qmstest.Must(w.svc.UpdateRisk(w.ctx, w.org.ProcessOwner, r.ID, r.Version, in))(t)
	if up.Exposure != 12 || up.ExposureBand != qms.BandHigh {
		t.Errorf("re-assessed: %d %s", up.Exposure, up.ExposureBand)
	}
	if _, err := w.svc.UpdateRisk(w.ctx, w.org.ProcessOwner, r.ID, r.Version, in); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("stale edit: %v", err)
	}
	// Signals are threats: an opportunity on the same process keeps its residual score.
	opp := qmstest.Must(w.svc.CreateRisk(w.ctx, w.org.QualityManager, qms.RiskInput{Kind: "opportunity", Title: "Share CMM programs",
		ProcessID: w.production.ID, OwnerID: w.org.QualityManager.UserID, InherentLikelihood: "3", InherentSeverity: "2",
		ResidualLikelihood: "3", ResidualSeverity: "2", Treatment: "pursue", ReviewDate: "2026-12-31"}))(t)
	w.nc(t, qms.MinorNC, "8.5.1")
	if d := w.exposure(t, opp); d.Exposure != 6 || len(d.Reasons) != 0 {
		t.Errorf("opportunity with a finding on its process: %d %+v", d.Exposure, d.Reasons)
	}
	// Weights: quality managers change them, everyone re-scores at once; others may not.
	ws := qmstest.Must(w.svc.ExposureWeights(w.ctx, w.org.Viewer))(t)
	if len(ws) != 8 || ws[0].Signal != qms.SignalMajorNC || ws[0].Weight != 6 {
		t.Fatalf("weights %+v", ws)
	}
	if _, err := w.svc.UpdateExposureWeights(w.ctx, w.org.ProcessOwner, map[string]qms.WeightEdit{"major_nc": {Weight: "8", Version: 1}}); qms.ErrorKind(err) != qms.KindForbidden {
		t.Errorf("process owner changing weights: %v", err)
	}
	if _, err := w.svc.UpdateExposureWeights(w.ctx, w.org.QualityManager, map[string]qms.WeightEdit{"major_nc": {Weight: "26", Version: 1}}); qms.FieldErrors(err)["major_nc"] == "" {
		t.Errorf("weight 26: %v", err)
	}
	w.nc(t, qms.MajorNC, "8.6")
	qmstest.Must(w.svc.UpdateExposureWeights(w.ctx, w.org.QualityManager, map[string]qms.WeightEdit{"major_nc": {Weight: "8", Version: 1}}))(t)
	if d := w.exposure(t, r); d.Exposure != 23 || !strings.Contains(d.History[len(d.History)-1].Cause, "Exposure weights changed") {
		t.Errorf("after the weight change: %d %+v", d.Exposure, d.History[len(d.History)-1])
	}
	if _, err := w.svc.UpdateExposureWeights(w.ctx, w.org.QualityManager, map[string]qms.WeightEdit{"major_nc": {Weight: "5", Version: 1}}); qms.ErrorKind(err) != qms.KindConflict {
		t.Errorf("stale weights: %v", err)
	}
}

func TestRisks_RegisterPagesByExposureWithoutGapsOrRepeats(t *testing.T) {
	w := newRiskWorld(t)
	for i := range 9 {
		qmstest.Must(w.svc.CreateRisk(w.ctx, w.org.QualityManager, qms.RiskInput{
			Kind: "risk", Title: "Risk", ProcessID: w.production.ID, OwnerID: w.org.ProcessOwner.UserID,
			InherentLikelihood: "5", InherentSeverity: "5", ResidualLikelihood: fmt.Sprint(1 + i%3), ResidualSeverity: "3",
			Treatment: "reduce", ReviewDate: "2026-12-31",
		}))(t)
	}
	seen := map[string]bool{}
	last := 26
	after := ""
	for pages := 0; ; pages++ {
		page := qmstest.Must(w.svc.Risks(w.ctx, w.org.Viewer, qms.RiskFilter{Limit: 4, After: after}))(t)
		for _, r := range page.Risks {
			if seen[r.Reference()] || r.Exposure > last {
				t.Fatalf("page %d: %s (%d) repeated or out of order", pages, r.Reference(), r.Exposure)
			}
			seen[r.Reference()], last = true, r.Exposure
		}
		if page.Total != 9 {
			t.Errorf("total %d", page.Total)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if len(seen) != 9 {
		t.Errorf("paged through %d risks", len(seen))
	}
	if _, err := w.svc.Risks(w.ctx, w.org.Viewer, qms.RiskFilter{After: "x"}); qms.ErrorKind(err) != qms.KindInvalid {
		t.Errorf("bad cursor: %v", err)
	}
}
