package qms_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// Every number on the dashboard is the length of the list it links to, under the same
// filter, for the whole organisation and for each site.
func TestDashboard_CountsAgreeWithTheListsTheyLinkTo(t *testing.T) {
	w := newAuditWorld(t) // today: 2 March 2026
	york := qmstest.Must(w.svc.CreateSite(w.ctx, w.org.Admin, qms.SiteInput{Name: "York Works"}))(t)
	raise := func(c qms.Classification, p qms.Process, site uuid.UUID, clause string) qms.Finding {
		t.Helper()
		return qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{
			Classification: c, Source: qms.SourceOther, Statement: "Statement", ClauseNumber: clause,
			ObjectiveEvidence: "Evidence", ProcessID: p.ID, SiteID: site,
		}))(t)
	}
	raise(qms.MajorNC, w.production, w.leeds.ID, "8.5.1")
	raise(qms.MinorNC, w.production, w.leeds.ID, "8.5.1")
	raise(qms.MinorNC, w.production, york.ID, "8.7")
	raise(qms.Observation, w.maintenance, york.ID, "7.1.5")
	raise(qms.OFI, w.maintenance, uuid.Nil, "9.1.3")
	closed := raise(qms.Observation, w.production, w.leeds.ID, "8.5.1")
	qmstest.Must(w.svc.CloseFinding(w.ctx, w.org.QualityManager, closed.ID, closed.Version, "Done."))(t)

	objective := func(title string, site uuid.UUID, value string) {
		t.Helper()
		o := qmstest.Must(w.svc.CreateObjective(w.ctx, w.org.QualityManager, qms.ObjectiveInput{
			Title: title, OwnerID: w.org.ProcessOwner.UserID, ProcessID: w.production.ID, SiteID: site,
			TargetValue: "95", Unit: "%", Direction: qms.AtLeast, Tolerance: "2", Frequency: qms.Monthly,
			StartDate: "2026-01-01", ReviewDate: "2026-12-31",
		}))(t)
		if value != "" {
			qmstest.Must(w.svc.RecordMeasurement(w.ctx, w.org.ProcessOwner, o.ID, qms.MeasurementInput{Period: "2026-02", Value: value}))(t)
		}
	}
	objective("On-time delivery, Leeds", w.leeds.ID, "97")
	objective("On-time delivery, York", york.ID, "90")
	objective("First-pass yield", uuid.Nil, "94")
	objective("Supplier OTIF", uuid.Nil, "")

	soon := w.plan(t, w.internalAudit(day(2026, 3, 20), []string{"8.5"}, w.production))
	w.plan(t, w.internalAudit(day(2026, 6, 15), []string{"7.1"}, w.maintenance)) // beyond 60 days

	programme := qmstest.Must(w.svc.AuditProgramme(w.ctx, w.org.Viewer, 2026))(t)
	for _, site := range []uuid.UUID{uuid.Nil, w.leeds.ID, york.ID} {
		d := qmstest.Must(w.svc.Home(w.ctx, w.org.Viewer, site))(t).Dashboard
		findings := func(f qms.FindingFilter) int {
			t.Helper()
			f.Status, f.SiteID, f.Limit = qms.FindingOpen, site, 200
			return len(qmstest.Must(w.svc.Findings(w.ctx, w.org.Viewer, f))(t).Findings)
		}
		check := func(what string, shown, listed int) {
			t.Helper()
			if shown != listed {
				t.Errorf("site %v: %s: dashboard %d, list %d", site, what, shown, listed)
			}
		}
		total := 0
		for _, by := range []struct {
			name  string
			rows  []qms.FindingTally
			apply func(*qms.FindingFilter, string)
		}{
			{"process", d.FindingsByProcess, func(f *qms.FindingFilter, key string) { f.ProcessID = uuid.MustParse(key) }},
			{"clause", d.FindingsByClause, func(f *qms.FindingFilter, key string) { f.Clause = key }},
		} {
			sum := 0
			for _, row := range by.rows {
				for class, n := range map[qms.Classification]int{qms.MajorNC: row.MajorNC, qms.MinorNC: row.MinorNC, qms.Observation: row.Observation, qms.OFI: row.OFI} {
					f := qms.FindingFilter{Classification: class}
					by.apply(&f, row.Key)
					check(by.name+" "+row.Label+" "+string(class), n, findings(f))
				}
				f := qms.FindingFilter{}
				by.apply(&f, row.Key)
				check(by.name+" "+row.Label, row.Total(), findings(f))
				sum += row.Total()
			}
			check("all open findings by "+by.name, sum, findings(qms.FindingFilter{}))
			total = sum
		}
		objectives := qmstest.Must(w.svc.Objectives(w.ctx, w.org.Viewer, qms.ObjectiveFilter{SiteID: site}))(t).Counts
		check("objectives on track", d.Objectives.OnTrack, objectives[qms.StatusOnTrack])
		check("objectives at risk", d.Objectives.AtRisk, objectives[qms.StatusAtRisk])
		check("objectives off track", d.Objectives.OffTrack, objectives[qms.StatusOffTrack])
		check("objectives without data", d.Objectives.NoData, objectives[qms.StatusNoData])
		check("clause gaps", d.ClauseGaps, programme.ClauseGaps())
		check("process gaps", d.ProcessGaps, programme.ProcessGaps())

		// Main clauses in the standard's order, by their titles.
		var clauses []string
		for _, row := range d.FindingsByClause {
			clauses = append(clauses, row.Key+" "+row.Label)
		}
		if want := map[uuid.UUID]string{
			uuid.Nil:   "[7 Support 8 Operation 9 Performance evaluation]",
			w.leeds.ID: "[8 Operation]",
			york.ID:    "[7 Support 8 Operation]",
		}[site]; fmt.Sprint(clauses) != want {
			t.Errorf("site %v: findings by clause %v, want %s", site, clauses, want)
		}

		switch site {
		case uuid.Nil:
			check("open findings", total, 5)
			check("objectives", d.Objectives.OnTrack+d.Objectives.AtRisk+d.Objectives.OffTrack+d.Objectives.NoData, 4)
		case w.leeds.ID:
			check("open findings at Leeds", total, 2)
			check("objectives on track at Leeds", d.Objectives.OnTrack, 1)
		case york.ID:
			check("open findings at York", total, 2)
			check("objectives off track at York", d.Objectives.OffTrack, 1)
		}
		// Planned audits of the next 60 days; the internal audits plan at Leeds.
		if wantSoon := site != york.ID; (len(d.UpcomingAudits) == 1 && d.UpcomingAudits[0].ID == soon.ID) != wantSoon {
			t.Errorf("site %v: upcoming audits %+v", site, d.UpcomingAudits)
		}
	}

	// A site of another organisation, or none at all, is not found.
	other := qmstest.NewOrg(t, w.svc, "other")
	foreign := qmstest.Must(w.svc.CreateSite(w.ctx, other.Admin, qms.SiteInput{Name: "Elsewhere"}))(t)
	for _, site := range []uuid.UUID{foreign.ID, uuid.New()} {
		if _, err := w.svc.Home(w.ctx, w.org.Viewer, site); qms.ErrorKind(err) != qms.KindNotFound {
			t.Errorf("dashboard of site %v: got %v", site, err)
		}
	}
}

// The heat map's likelihood is the exposure divided by the residual severity, rounded up and
// kept within 1 to 5, for every exposure and severity a risk can have.
func TestDashboard_HeatLikelihoodRoundsUpWithinTheGrid(t *testing.T) {
	_, db := qmstest.New(t)
	rows, err := db.Admin.Query(context.Background(), `SELECT exposure, residual_severity, `+qms.HeatLikelihoodSQL+`
		  FROM generate_series(1, 25) exposure, generate_series(1, 5) residual_severity`)
	if err != nil {
		t.Fatal(err)
	}
	var exposure, severity, likelihood, n int
	_, err = pgx.ForEachRow(rows, []any{&exposure, &severity, &likelihood}, func() error {
		n++
		if want := min(5, max(1, int(math.Ceil(float64(exposure)/float64(severity))))); likelihood != want {
			t.Errorf("exposure %d at severity %d: likelihood %d, want %d", exposure, severity, likelihood, want)
		}
		return nil
	})
	if err != nil || n != 125 {
		t.Fatalf("checked %d pairs: %v", n, err)
	}
}

// The dashboard's heat map and bands count the active risks as the register does, for the
// organisation and for a site.
func TestDashboard_HeatMapAndBandsAgreeWithTheRegister(t *testing.T) {
	w := newRiskWorld(t)
	for i, ls := range [][2]string{{"1", "1"}, {"2", "3"}, {"2", "3"}, {"4", "4"}, {"5", "5"}, {"3", "2"}} {
		site := uuid.Nil
		if i%2 == 0 {
			site = w.leeds.ID
		}
		qmstest.Must(w.svc.CreateRisk(w.ctx, w.org.QualityManager, qms.RiskInput{
			Kind: "risk", Title: "Risk " + ls[0] + "×" + ls[1], ProcessID: w.production.ID, SiteID: site,
			OwnerID: w.org.ProcessOwner.UserID, InherentLikelihood: "5", InherentSeverity: "5",
			ResidualLikelihood: ls[0], ResidualSeverity: ls[1], Treatment: "reduce", ReviewDate: "2026-12-31",
		}))(t)
	}
	// A finding on the process raises the exposure of its risks off the grid's whole steps.
	qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{
		Classification: qms.MajorNC, Source: qms.SourceOther, Statement: "Statement", ClauseNumber: "8.5.1",
		ObjectiveEvidence: "Evidence", ProcessID: w.production.ID,
	}))(t)
	for _, site := range []uuid.UUID{uuid.Nil, w.leeds.ID} {
		d := qmstest.Must(w.svc.Home(w.ctx, w.org.Viewer, site))(t).Dashboard
		register := qmstest.Must(w.svc.Risks(w.ctx, w.org.Viewer, qms.RiskFilter{SiteID: site}))(t)
		if d.HeatMap != register.HeatMap {
			t.Errorf("site %v: dashboard heat map %v, register %v", site, d.HeatMap, register.HeatMap)
		}
		cells := 0
		for _, row := range d.HeatMap {
			for _, n := range row {
				cells += n
			}
		}
		if want := map[uuid.UUID]int{uuid.Nil: 6, w.leeds.ID: 3}[site]; cells != want || register.Total != want {
			t.Errorf("site %v: heat map holds %d risks, register %d, want %d", site, cells, register.Total, want)
		}
		for band, n := range map[string]int{"low": d.Bands.Low, "medium": d.Bands.Medium, "high": d.Bands.High, "critical": d.Bands.Critical} {
			if listed := qmstest.Must(w.svc.Risks(w.ctx, w.org.Viewer, qms.RiskFilter{SiteID: site, Band: band}))(t).Total; n != listed {
				t.Errorf("site %v: %s band: dashboard %d, register %d", site, band, n, listed)
			}
		}
	}
}
