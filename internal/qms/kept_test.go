package qms_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database/dbtest"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// The home page's shared part (the organisation's counts) is read once and kept for every
// member until the organisation changes, whoever changes it: this service, at once, or
// anyone else, as soon as the database announces it.
func TestHome_KeptUntilTheOrganisationChanges(t *testing.T) {
	svc, db, acme, globex := listeningService(t)
	ctx := context.Background()
	home := func(a qms.Actor) qms.HomeSummary {
		t.Helper()
		return qmstest.Must(svc.Home(ctx, a, uuid.Nil))(t)
	}

	first := home(acme.QualityManager)
	kept := svc.KeptReads()
	second := home(acme.Viewer)
	if svc.KeptReads() != kept+1 {
		t.Fatalf("a second member's home was counted again: kept reads %d, want %d", svc.KeptReads(), kept+1)
	}
	if second.Sites != first.Sites || second.Members != first.Members || second.Dashboard.Me != acme.Viewer.UserID {
		t.Fatalf("second member's home: sites %d members %d me %v; want %d, %d, %v",
			second.Sites, second.Members, second.Dashboard.Me, first.Sites, first.Members, acme.Viewer.UserID)
	}

	// Another organisation's change leaves what is kept of this one.
	qmstest.Must(svc.CreateSite(ctx, globex.Admin, qms.SiteInput{Name: "Springfield"}))(t)
	kept = svc.KeptReads()
	home(acme.Viewer)
	if svc.KeptReads() != kept+1 {
		t.Error("another organisation's change made this one's home be counted again")
	}

	york := qmstest.Must(svc.CreateSite(ctx, acme.Admin, qms.SiteInput{Name: "York Works"}))(t)
	qmstest.Eventually(t, "the new site shows on the home page", func() bool { return home(acme.QualityManager).Sites == first.Sites+1 })

	// A change made elsewhere (another server, a job, an operator) is heard from the database.
	if _, err := db.Admin.Exec(ctx, `UPDATE sites SET archived_at = now() WHERE tenant_id = $1 AND id = $2`, acme.ID, york.ID); err != nil {
		t.Fatal(err)
	}
	qmstest.Eventually(t, "the site archived by hand leaves the home page", func() bool {
		return home(acme.QualityManager).Sites == first.Sites
	})
}

// A change made through the service voids what it kept of the organisation as soon as it
// commits, without waiting for the database's announcement: its author's next page shows it.
func TestHome_TheServicesOwnChangesShowAtOnce(t *testing.T) {
	svc, _ := qmstest.New(t)
	ctx := context.Background()
	acme := qmstest.NewOrg(t, svc, "acme")
	svc.KeepWithoutHearingChanges()
	home := func() qms.HomeSummary {
		t.Helper()
		return qmstest.Must(svc.Home(ctx, acme.QualityManager, uuid.Nil))(t)
	}
	first := home()
	if kept := svc.KeptReads(); home().Sites != first.Sites || svc.KeptReads() != kept+1 {
		t.Fatal("the home page was not kept")
	}
	york := qmstest.Must(svc.CreateSite(ctx, acme.Admin, qms.SiteInput{Name: "York Works"}))(t)
	after := home()
	if after.Sites != first.Sites+1 || !slices.ContainsFunc(after.Dashboard.Sites, func(s qms.Site) bool { return s.ID == york.ID }) {
		t.Fatalf("after adding a site: %d sites (%v), want %d with York Works", after.Sites, after.Dashboard.Sites, first.Sites+1)
	}
}

// Each person's whole home (their tasks, the trail if their role shows it) is kept for them
// alone until the organisation changes.
func TestHome_EachPersonsHomeKeptForThem(t *testing.T) {
	svc, db := qmstest.New(t)
	ctx := context.Background()
	acme := qmstest.NewOrg(t, svc, "acme")
	svc.KeepWithoutHearingChanges()
	home := func(a qms.Actor) qms.HomeSummary {
		t.Helper()
		return qmstest.Must(svc.Home(ctx, a, uuid.Nil))(t)
	}
	qm := home(acme.QualityManager)
	kept := svc.KeptReads()
	if again := home(acme.QualityManager); svc.KeptReads() != kept+1 || len(again.RecentActivity) != len(qm.RecentActivity) {
		t.Fatalf("the quality manager's home was read again: kept reads %d, want %d", svc.KeptReads(), kept+1)
	}
	if len(qm.RecentActivity) == 0 {
		t.Fatal("the quality manager's home shows no activity")
	}
	// A change this service does not hear of (by hand, while it does not listen) shows that
	// the personal part is kept too, not only the shared one.
	if _, err := db.Admin.Exec(ctx, `UPDATE processes SET owner_user_id = $2 WHERE tenant_id = $1`, acme.ID, acme.QualityManager.UserID); err != nil {
		t.Fatal(err)
	}
	if mine := home(acme.QualityManager).MyProcesses; len(mine) != len(qm.MyProcesses) {
		t.Fatalf("the quality manager's own processes were read again: %d, then %d", len(qm.MyProcesses), len(mine))
	}
	viewer := home(acme.Viewer)
	if viewer.Dashboard.Me != acme.Viewer.UserID || len(viewer.RecentActivity) != 0 {
		t.Fatalf("the viewer got someone else's home: me %v, %d trail entries", viewer.Dashboard.Me, len(viewer.RecentActivity))
	}
	owned := len(home(acme.ProcessOwner).MyProcesses)
	qmstest.Must(svc.CreateProcess(ctx, acme.Admin, qms.ProcessInput{Name: "Calibration", OwnerID: acme.ProcessOwner.UserID}))(t)
	if mine := home(acme.ProcessOwner).MyProcesses; len(mine) != owned+1 {
		t.Fatalf("after a process was given to them: %d processes, want %d", len(mine), owned+1)
	}
}

// When the connection that listens for changes drops, the service listens again on a new one,
// and hears the changes made from then on.
func TestHome_ListensAgainAfterTheConnectionDrops(t *testing.T) {
	svc, db, acme, _ := listeningService(t)
	ctx := context.Background()
	listener := func() int {
		var pid int
		_ = db.Admin.QueryRow(ctx, `SELECT coalesce(max(pid), 0) FROM pg_stat_activity
			WHERE datname = current_database() AND query = 'LISTEN "tenant_changes"'`).Scan(&pid)
		return pid
	}
	before := listener()
	if before == 0 {
		t.Fatal("no connection listens for changes")
	}
	sites := qmstest.Must(svc.Home(ctx, acme.Viewer, uuid.Nil))(t).Sites

	if _, err := db.Admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, before); err != nil {
		t.Fatal(err)
	}
	qmstest.Eventually(t, "a new connection listens", func() bool {
		now := listener()
		return now != 0 && now != before && svc.HearsChanges()
	})
	qmstest.Must(svc.Home(ctx, acme.Viewer, uuid.Nil))(t) // kept again
	if _, err := db.Admin.Exec(ctx, `INSERT INTO sites (tenant_id, name) VALUES ($1, 'Added by hand')`, acme.ID); err != nil {
		t.Fatal(err)
	}
	qmstest.Eventually(t, "the site added by hand shows on the home page", func() bool {
		return qmstest.Must(svc.Home(ctx, acme.Viewer, uuid.Nil))(t).Sites == sites+1
	})
}

// listeningService is a service on a fresh database with two organisations, listening for
// changes to them, so that it keeps what it reads of each.
func listeningService(t *testing.T) (*qms.Service, *dbtest.DB, qmstest.Org, qmstest.Org) {
	t.Helper()
	svc, db := qmstest.New(t)
	acme := qmstest.NewOrg(t, svc, "acme")
	globex := qmstest.NewOrg(t, svc, "globex")
	svc.FollowChanges()
	qmstest.Eventually(t, "the service listens for changes", svc.HearsChanges)
	return svc, db, acme, globex
}

// The choice lists of most pages (processes, sites, members) are kept until the organisation
// changes, including a change to a member's account, which belongs to no organisation.
func TestChoices_KeptUntilTheOrganisationChanges(t *testing.T) {
	svc, db, acme, globex := listeningService(t)
	ctx := context.Background()
	memberName := func(org qmstest.Org, id uuid.UUID) string {
		t.Helper()
		for _, m := range qmstest.Must(svc.Members(ctx, org.Viewer))(t) {
			if m.UserID == id {
				return m.Name
			}
		}
		t.Fatalf("%s is not among the members", id)
		return ""
	}
	name := memberName(acme, acme.Auditor.UserID)
	kept := svc.KeptReads()
	if memberName(acme, acme.Auditor.UserID) != name || svc.KeptReads() != kept+1 {
		t.Fatal("the members were not kept")
	}

	// The list a page gets is its own: changing it leaves what is kept.
	members := qmstest.Must(svc.Members(ctx, acme.Viewer))(t)
	members[0].Name = "Changed by a page"
	if memberName(acme, members[0].UserID) == "Changed by a page" {
		t.Fatal("a page's change to its list reached the kept list")
	}

	// A process added through the service is on the next page's list.
	p := qmstest.Must(svc.CreateProcess(ctx, acme.Admin, qms.ProcessInput{Name: "Calibration", OwnerID: acme.ProcessOwner.UserID}))(t)
	if !slices.ContainsFunc(qmstest.Must(svc.Processes(ctx, acme.Viewer))(t), func(x qms.Process) bool { return x.ID == p.ID }) {
		t.Fatal("the new process is not on the list")
	}

	// An account renamed by hand is renamed in every organisation the person belongs to.
	globexName := memberName(globex, globex.Viewer.UserID) // kept too
	if _, err := db.Admin.Exec(ctx, `UPDATE users SET name = 'Renamed By Hand' WHERE id = $1`, acme.Auditor.UserID); err != nil {
		t.Fatal(err)
	}
	qmstest.Eventually(t, "the renamed member shows under the new name", func() bool {
		return memberName(acme, acme.Auditor.UserID) == "Renamed By Hand"
	})
	kept = svc.KeptReads()
	if memberName(globex, globex.Viewer.UserID) != globexName || svc.KeptReads() != kept+1 {
		t.Error("renaming someone who is not a member made another organisation read its members again")
	}
}

// The register's heat map is kept for each filter until the organisation changes; the count
// of the page's filter (a cell of the map) is worked out from it either way.
func TestRiskHeatMap_KeptForEachFilterUntilTheOrganisationChanges(t *testing.T) {
	w := newRiskWorld(t)
	w.svc.KeepWithoutHearingChanges()
	risk := func(l, s string, site uuid.UUID) {
		t.Helper()
		qmstest.Must(w.svc.CreateRisk(w.ctx, w.org.QualityManager, qms.RiskInput{
			Kind: "risk", Title: "Risk " + l + "×" + s, ProcessID: w.production.ID, SiteID: site,
			OwnerID: w.org.ProcessOwner.UserID, InherentLikelihood: "5", InherentSeverity: "5",
			ResidualLikelihood: l, ResidualSeverity: s, Treatment: "reduce", ReviewDate: "2026-12-31",
		}))(t)
	}
	risk("2", "3", uuid.Nil)
	risk("2", "3", w.leeds.ID)
	risk("4", "4", uuid.Nil)
	register := func(f qms.RiskFilter) qms.RiskPage {
		t.Helper()
		return qmstest.Must(w.svc.Risks(w.ctx, w.org.Viewer, f))(t)
	}
	all, leeds := register(qms.RiskFilter{}), register(qms.RiskFilter{SiteID: w.leeds.ID})
	if all.HeatMap[1][2] != 2 || all.Total != 3 || leeds.HeatMap[1][2] != 1 || leeds.Total != 1 {
		t.Fatalf("heat maps: all %v (total %d), Leeds %v (total %d)", all.HeatMap, all.Total, leeds.HeatMap, leeds.Total)
	}
	kept := w.svc.KeptReads()
	cell := register(qms.RiskFilter{Likelihood: 2, Severity: 3})
	if w.svc.KeptReads() != kept+1 || cell.HeatMap != all.HeatMap || cell.Total != 2 || len(cell.Risks) != 2 {
		t.Fatalf("one cell: kept reads %d (want %d), heat map %v, total %d, %d risks; want the whole map, 2, 2",
			w.svc.KeptReads(), kept+1, cell.HeatMap, cell.Total, len(cell.Risks))
	}
	risk("2", "3", uuid.Nil)
	if got := register(qms.RiskFilter{}); got.HeatMap[1][2] != 3 || got.Total != 4 {
		t.Errorf("after adding a risk: heat map %v, total %d; want 3 in the cell, 4 in all", got.HeatMap, got.Total)
	}
}

// Who a person is in an organisation (their role, its name), which every page starts by
// reading, is kept until the organisation changes: a removal through the service ends their
// access at once, a change made elsewhere as soon as the database announces it.
func TestActor_KeptUntilTheOrganisationChanges(t *testing.T) {
	svc, db, acme, globex := listeningService(t)
	ctx := context.Background()
	auditor := acme.Auditor.UserID
	actor := func() qms.Actor {
		t.Helper()
		return qmstest.Must(svc.ActorFor(ctx, auditor, acme.Slug))(t)
	}
	notFound := func(slug string) bool {
		_, err := svc.ActorFor(ctx, auditor, slug)
		return qms.ErrorKind(err) == qms.KindNotFound
	}

	first := actor() // learns which organisation the slug is
	actor()          // kept from here
	kept := svc.KeptReads()
	if a := actor(); a != first || a != acme.Auditor || svc.KeptReads() != kept+1 {
		t.Fatalf("kept reads %d, want %d; actor %+v, want %+v", svc.KeptReads(), kept+1, a, acme.Auditor)
	}
	for range 2 { // a refusal is never kept either
		if !notFound(globex.Slug) {
			t.Fatal("a person was let into an organisation they are not a member of")
		}
	}

	// Changes made elsewhere: a membership's role, the organisation's own name.
	if _, err := db.Admin.Exec(ctx, `UPDATE memberships SET role = 'viewer' WHERE tenant_id = $1 AND user_id = $2`, acme.ID, auditor); err != nil {
		t.Fatal(err)
	}
	qmstest.Eventually(t, "the role changed by hand applies", func() bool { return actor().Role == auth.RoleViewer })
	if _, err := db.Admin.Exec(ctx, `UPDATE organisations SET name = 'Acme Renamed By Hand' WHERE id = $1`, acme.ID); err != nil {
		t.Fatal(err)
	}
	qmstest.Eventually(t, "the organisation renamed by hand shows its new name", func() bool { return actor().OrgName == "Acme Renamed By Hand" })

	// Removed through the service: the next page is refused.
	actor()
	var version int
	for _, m := range qmstest.Must(svc.Members(ctx, acme.Admin))(t) {
		if m.UserID == auditor {
			version = m.Version
		}
	}
	qmstest.Must(svc.RemoveMember(ctx, acme.Admin, auditor, version))(t)
	if !notFound(acme.Slug) {
		t.Fatal("a removed member was still let in")
	}
}

// The audit programme is the same for every member: it is kept for each year until the
// organisation changes.
func TestProgramme_KeptForEachYearUntilTheOrganisationChanges(t *testing.T) {
	w := newAuditWorld(t)
	w.svc.KeepWithoutHearingChanges()
	programme := func(a qms.Actor, year int) qms.Programme {
		t.Helper()
		return qmstest.Must(w.svc.AuditProgramme(w.ctx, a, year))(t)
	}
	first := programme(w.org.Viewer, 2026)
	kept := w.svc.KeptReads()
	if again := programme(w.org.QualityManager, 2026); w.svc.KeptReads() != kept+1 || len(again.Audits) != len(first.Audits) {
		t.Fatalf("kept reads %d, want %d", w.svc.KeptReads(), kept+1)
	}
	au := w.plan(t, w.internalAudit(day(2026, 5, 10), []string{"8.5.1"}, w.production))
	after := programme(w.org.Viewer, 2026)
	if len(after.Audits) != len(first.Audits)+1 || after.Audits[len(after.Audits)-1].ID != au.ID {
		t.Fatalf("after planning an audit the programme lists %d audits, want %d with it", len(after.Audits), len(first.Audits)+1)
	}
	if other := programme(w.org.Viewer, 2025); len(other.Audits) != 0 {
		t.Fatalf("2025's programme lists %d audits planned for 2026", len(other.Audits))
	}
}

// The supplier register counts every supplier's evaluations, so it is kept for each filter
// until the organisation changes.
func TestSuppliers_KeptForEachFilterUntilTheOrganisationChanges(t *testing.T) {
	svc, _ := qmstest.New(t)
	ctx := context.Background()
	acme := qmstest.NewOrg(t, svc, "acme")
	svc.KeepWithoutHearingChanges()
	names := func(status qms.SupplierStatus) []string {
		t.Helper()
		var out []string
		for _, s := range qmstest.Must(svc.Suppliers(ctx, acme.Viewer, qms.SupplierFilter{Status: status}))(t) {
			out = append(out, s.Name)
		}
		return out
	}
	qmstest.Must(svc.CreateSupplier(ctx, acme.QualityManager, qms.SupplierInput{Name: "Aire Heat Treatment", ApprovalStatus: qms.SupplierApproved}))(t)
	first := names("")
	kept := svc.KeptReads()
	if again := names(""); svc.KeptReads() != kept+1 || !slices.Equal(again, first) {
		t.Fatalf("kept reads %d (want %d), suppliers %v then %v", svc.KeptReads(), kept+1, first, again)
	}
	if approved := names(qms.SupplierApproved); len(approved) != 1 {
		t.Fatalf("approved suppliers %v", approved)
	}
	qmstest.Must(svc.CreateSupplier(ctx, acme.QualityManager, qms.SupplierInput{Name: "Brook Castings", ApprovalStatus: qms.SupplierPending}))(t)
	if all := names(""); len(all) != len(first)+1 || !slices.Contains(all, "Brook Castings") {
		t.Fatalf("after adding a supplier: %v", all)
	}
	if approved := names(qms.SupplierApproved); len(approved) != 1 {
		t.Fatalf("a pending supplier is listed as approved: %v", approved)
	}
}

// The records pages' record types and suppliers are kept with the other choices until the
// organisation changes: a type or supplier added is offered on the next page.
func TestRecordChoices_KeptUntilTheOrganisationChanges(t *testing.T) {
	svc, _ := qmstest.New(t)
	ctx := context.Background()
	acme := qmstest.NewOrg(t, svc, "acme")
	svc.KeepWithoutHearingChanges()
	first := qmstest.Must(svc.RecordChoices(ctx, acme.Viewer))(t)
	kept := svc.KeptReads()
	again := qmstest.Must(svc.RecordChoices(ctx, acme.Viewer))(t)
	if svc.KeptReads() != kept+5 || len(again.Types) != len(first.Types) || len(again.Suppliers) != len(first.Suppliers) {
		t.Fatalf("kept reads %d (want %d): %d types, %d suppliers, then %d, %d", svc.KeptReads(), kept+5,
			len(first.Types), len(first.Suppliers), len(again.Types), len(again.Suppliers))
	}
	qmstest.Must(svc.CreateRecordType(ctx, acme.Admin, qms.RecordTypeInput{Name: "Torque check", Kind: qms.KindGeneral, RetentionMonths: "24"}))(t)
	qmstest.Must(svc.CreateSupplier(ctx, acme.QualityManager, qms.SupplierInput{Name: "Aire Heat Treatment", ApprovalStatus: qms.SupplierApproved}))(t)
	after := qmstest.Must(svc.RecordChoices(ctx, acme.Viewer))(t)
	if !slices.ContainsFunc(after.Types, func(x qms.RecordType) bool { return x.Name == "Torque check" }) {
		t.Error("the new record type is not offered")
	}
	if !slices.ContainsFunc(after.Suppliers, func(x qms.Supplier) bool { return x.Name == "Aire Heat Treatment" }) {
		t.Error("the new supplier is not offered")
	}
}
