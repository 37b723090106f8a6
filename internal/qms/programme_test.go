package qms_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func coverageRow(t *testing.T, rows []qms.CoverageRow, key string) qms.CoverageRow {
	t.Helper()
	for _, r := range rows {
		if r.Key == key {
			return r
		}
	}
	t.Fatalf("no coverage row %s", key)
	return qms.CoverageRow{}
}

// quarters lists the audit references in each quarter of a row, for comparison.
func quarters(r qms.CoverageRow) string {
	s := ""
	for q, refs := range r.Quarters {
		s += fmt.Sprintf("Q%d:", q+1)
		for _, ref := range refs {
			s += ref.Reference + " "
		}
	}
	return s
}

func TestProgramme_CoverageByClauseAndProcessPerQuarter(t *testing.T) {
	w := newAuditWorld(t)
	q1 := w.plan(t, w.internalAudit(day(2026, 2, 17), []string{"7.1.5", "8.5.1"}, w.maintenance))             // IA-2026-001
	q3 := w.plan(t, w.internalAudit(day(2026, 8, 4), []string{"8"}, w.production))                            // IA-2026-002
	q4 := w.plan(t, w.internalAudit(day(2026, 11, 10), []string{"9.2", "10.2"}, w.production, w.maintenance)) // IA-2026-003
	// Audits of other years and external audits do not count towards the internal programme.
	w.plan(t, w.internalAudit(day(2025, 11, 10), []string{"4.1"}, w.production))
	ext := w.internalAudit(day(2026, 5, 12), []string{"4.1", "5.1"})
	ext.Type, ext.CertificationBody, ext.ExternalAuditor = qms.AuditSurveillance, "BSI", "Helen Marsh"
	w.plan(t, ext)

	p := qmstest.Must(w.svc.AuditProgramme(w.ctx, w.org.Viewer, 2026))(t)
	if len(p.Audits) != 4 {
		t.Fatalf("%d audits in 2026, want 4 (three internal, one surveillance)", len(p.Audits))
	}
	cases := map[string]string{
		"7.1": "Q1:" + q1.Reference + " Q2:Q3:Q4:",                      // 7.1.5 is part of 7.1
		"8.5": "Q1:" + q1.Reference + " Q2:Q3:" + q3.Reference + " Q4:", // 8.5.1, and all of 8
		"8.7": "Q1:Q2:Q3:" + q3.Reference + " Q4:",
		"9.2": "Q1:Q2:Q3:Q4:" + q4.Reference + " ",
		"4.1": "Q1:Q2:Q3:Q4:", // only by the surveillance audit and last year's
	}
	for key, want := range cases {
		if got := quarters(coverageRow(t, p.ClauseCoverage, key)); got != want {
			t.Errorf("clause %s: %s, want %s", key, got, want)
		}
	}
	if !coverageRow(t, p.ClauseCoverage, "4.1").Gap() || coverageRow(t, p.ClauseCoverage, "8.7").Gap() {
		t.Error("gaps are not marked")
	}
	if len(p.ClauseCoverage) != 28 {
		t.Errorf("%d clause rows, want the 28 clauses of the form 4.1", len(p.ClauseCoverage))
	}
	// 28 rows: 7.1, 7.5, 8.1 … covered: 7.1, 8.1–8.7 (all of 8), 9.2, 10.2.
	if p.ClauseGaps() != 28-10 {
		t.Errorf("%d clause gaps, want 18", p.ClauseGaps())
	}
	if got := quarters(coverageRow(t, p.ProcessCoverage, w.production.ID.String())); got != "Q1:Q2:Q3:"+q3.Reference+" Q4:"+q4.Reference+" " {
		t.Errorf("production: %s", got)
	}
	if got := quarters(coverageRow(t, p.ProcessCoverage, w.maintenance.ID.String())); got != "Q1:"+q1.Reference+" Q2:Q3:Q4:"+q4.Reference+" " {
		t.Errorf("maintenance: %s", got)
	}
	if p.ProcessGaps() != 0 {
		t.Errorf("%d process gaps", p.ProcessGaps())
	}
}

func nextFor(t *testing.T, p qms.Programme, id uuid.UUID) qms.NextAudit {
	t.Helper()
	for _, n := range p.Next {
		if n.Process.ID == id {
			return n
		}
	}
	t.Fatalf("no suggestion for process %s", id)
	return qms.NextAudit{}
}

func TestProgramme_NextAuditComesEarlierAfterNonconformities(t *testing.T) {
	w := newAuditWorld(t)
	calibration := qmstest.Must(w.svc.CreateProcess(w.ctx, w.org.Admin, qms.ProcessInput{Name: "Calibration", OwnerID: w.org.QualityManager.UserID}))(t)
	sales := qmstest.Must(w.svc.CreateProcess(w.ctx, w.org.Admin, qms.ProcessInput{Name: "Sales", OwnerID: w.org.Admin.UserID}))(t)

	// Never audited: due now, and not planned.
	p := qmstest.Must(w.svc.AuditProgramme(w.ctx, w.org.Viewer, 2026))(t)
	if n := nextFor(t, p, sales.ID); n.LastAudit != nil || !n.Suggested.Equal(day(2026, 3, 2)) || n.State != qms.NextOverdue {
		t.Fatalf("never audited: %+v", n)
	}

	// Three processes audited on 10 March, each every 12 months: production clean,
	// maintenance with a minor NC, calibration with a major NC.
	w.conductAndReport(t, w.plan(t, w.internalAudit(day(2026, 3, 9), []string{"8.7"}, w.production)), day(2026, 3, 10), qms.ResultOFI)
	w.conductAndReport(t, w.plan(t, w.internalAudit(day(2026, 3, 9), []string{"8.7"}, w.maintenance)), day(2026, 3, 10), qms.ResultMinorNC)
	w.conductAndReport(t, w.plan(t, w.internalAudit(day(2026, 3, 9), []string{"8.7"}, calibration)), day(2026, 3, 10), qms.ResultMajorNC, qms.ResultMinorNC)
	// Sales has an audit planned for June.
	w.plan(t, w.internalAudit(day(2026, 6, 16), []string{"8.2"}, sales))

	p = qmstest.Must(w.svc.AuditProgramme(w.ctx, w.org.Viewer, 2026))(t)
	for _, c := range []struct {
		name     string
		id       uuid.UUID
		interval int
		want     string
		state    qms.NextAuditState
	}{
		{"clean", w.production.ID, 12, "2027-03-10", qms.NextNotDue},
		{"minor NC", w.maintenance.ID, 9, "2026-12-10", qms.NextNotDue},
		{"major NC", calibration.ID, 6, "2026-09-10", qms.NextNotDue},
	} {
		n := nextFor(t, p, c.id)
		if n.IntervalMonths != c.interval || n.Suggested.Format("2006-01-02") != c.want || n.State != c.state {
			t.Errorf("%s: every %d months, next %s (%s); want %d, %s (%s). Reasons %v",
				c.name, n.IntervalMonths, n.Suggested.Format("2006-01-02"), n.State, c.interval, c.want, c.state, n.Reasons)
		}
		if n.LastAudit == nil || n.LastAudit.Date.Format("2006-01-02") != "2026-03-10" {
			t.Errorf("%s: last audit %+v", c.name, n.LastAudit)
		}
	}
	if n := nextFor(t, p, calibration.ID); n.LastMajorNCs != 1 || n.LastMinorNCs != 1 || len(n.Reasons) != 1 {
		t.Errorf("calibration: %d major, %d minor, reasons %v", n.LastMajorNCs, n.LastMinorNCs, n.Reasons)
	}
	if n := nextFor(t, p, sales.ID); n.State != qms.NextPlannedLate || n.Planned == nil || n.Planned.Date != day(2026, 6, 16) {
		t.Errorf("sales, due now and planned for June: %+v", n)
	}

	// A shorter frequency brings the date forward too; and as time passes, it falls due.
	prod := qmstest.Must(w.svc.Process(w.ctx, w.org.Admin, w.production.ID))(t)
	qmstest.Must(w.svc.UpdateProcess(w.ctx, w.org.Admin, prod.ID, prod.Version, qms.ProcessInput{Name: prod.Name, OwnerID: prod.OwnerID, AuditFrequencyMonths: 4}))(t)
	w.setToday(day(2026, 6, 20))
	p = qmstest.Must(w.svc.AuditProgramme(w.ctx, w.org.Viewer, 2026))(t)
	if n := nextFor(t, p, w.production.ID); n.Suggested.Format("2006-01-02") != "2026-07-10" || n.State != qms.NextDueSoon {
		t.Errorf("production every 4 months: %s (%s)", n.Suggested.Format("2006-01-02"), n.State)
	}
}

func TestProcesses_AuditFrequencyIsValidated(t *testing.T) {
	w := newAuditWorld(t)
	if w.production.AuditFrequencyMonths != qms.DefaultAuditFrequencyMonths {
		t.Fatalf("default frequency %d", w.production.AuditFrequencyMonths)
	}
	for _, months := range []int{-1, 61} {
		_, err := w.svc.UpdateProcess(w.ctx, w.org.Admin, w.production.ID, w.production.Version,
			qms.ProcessInput{Name: "Production", OwnerID: w.production.OwnerID, AuditFrequencyMonths: months})
		if qms.FieldErrors(err)["audit_frequency_months"] == "" {
			t.Errorf("%d months: got %v", months, err)
		}
	}
	p := qmstest.Must(w.svc.UpdateProcess(w.ctx, w.org.Admin, w.production.ID, w.production.Version,
		qms.ProcessInput{Name: "Production", OwnerID: w.production.OwnerID, AuditFrequencyMonths: 6}))(t)
	trail := qmstest.Must(w.svc.AuditTrail(w.ctx, w.org.Admin, qms.AuditFilter{EntityType: "process", EntityID: p.ID.String()}))(t)
	if p.AuditFrequencyMonths != 6 || trail.Entries[0].Summary != "Set the audit frequency of Production to every 6 months" {
		t.Fatalf("frequency %d, trail %q", p.AuditFrequencyMonths, trail.Entries[0].Summary)
	}
}
