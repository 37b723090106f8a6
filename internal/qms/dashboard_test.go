package qms_test

import (
	"testing"

	"github.com/google/uuid"

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
