package demo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func TestSeed_IsIdempotentAndObeysTheRules(t *testing.T) {
	svc, _ := qmstest.New(t)
	ctx := context.Background()
	first, err := demo.Seed(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created {
		t.Fatal("the first run did not create the organisation")
	}
	admin := qms.SystemActor(first.Org, "test")
	count := func() (members, sites, processes, trail int) {
		m := qmstest.Must(svc.Members(ctx, admin))(t)
		s := qmstest.Must(svc.Sites(ctx, admin))(t)
		p := qmstest.Must(svc.Processes(ctx, admin))(t)
		a := qmstest.Must(svc.AuditTrail(ctx, admin, qms.AuditFilter{Limit: 200}))(t)
		return len(m), len(s), len(p), len(a.Entries)
	}
	checkEvidenceLinks(t, svc, admin)
	m1, s1, p1, a1 := count()
	if m1 != len(demo.People) || s1 != 3 || p1 < 9 {
		t.Fatalf("seeded %d members, %d sites, %d processes", m1, s1, p1)
	}
	second, err := demo.Seed(ctx, svc)
	if err != nil {
		t.Fatalf("seeding again: %v", err)
	}
	if second.Created {
		t.Fatal("the second run created the organisation again")
	}
	if m2, s2, p2, a2 := count(); m2 != m1 || s2 != s1 || p2 != p1 || a2 != a1 {
		t.Fatalf("seeding again changed the demo: %d/%d/%d/%d → %d/%d/%d/%d", m1, s1, p1, a1, m2, s2, p2, a2)
	}
	// Every demo person can sign in with the printed password.
	for _, p := range demo.People {
		if _, err := svc.SignIn(ctx, p.Email, demo.Password, "192.0.2.1"); err != nil {
			t.Errorf("%s cannot sign in: %v", p.Email, err)
		}
	}
	if res := qmstest.Must(svc.VerifyAuditTrail(ctx, demo.Slug))(t); !res.Intact {
		t.Fatalf("the demo's trail does not verify: %+v", res)
	}
}

// checkEvidenceLinks: the demo audits check against documents and link documents and records
// as evidence, on answers and on findings.
func checkEvidenceLinks(t *testing.T, svc *qms.Service, a qms.Actor) {
	t.Helper()
	ctx := context.Background()
	criteria, docLinks, recordLinks, findingLinks := 0, 0, 0, 0
	count := func(links []qms.EvidenceLink) {
		for _, l := range links {
			if l.Document != nil {
				docLinks++
			}
			if l.Record != nil {
				recordLinks++
			}
		}
	}
	for _, au := range qmstest.Must(svc.Audits(ctx, a, qms.AuditListFilter{Year: 2026}))(t) {
		criteria += len(au.Documents)
		d := qmstest.Must(svc.AuditDetails(ctx, a, au.ID))(t)
		for _, it := range d.Checklist {
			count(it.Evidence)
		}
		for _, f := range d.Findings {
			findingLinks += len(f.Evidence)
		}
	}
	if criteria < 3 || docLinks < 4 || recordLinks < 3 || findingLinks < 4 {
		t.Fatalf("demo audits: %d document criteria, %d document and %d record links on answers, %d evidence links on findings",
			criteria, docLinks, recordLinks, findingLinks)
	}
}

// The demo's risk register tells the year's story: a register across the processes, histories
// replayed from the findings, the production major NC lifting a risk into a higher band and
// flagging its procedure, and a heat map that is not empty.
func TestSeed_RiskRegisterTellsTheYearsStory(t *testing.T) {
	svc, _ := qmstest.New(t)
	ctx := context.Background()
	res, err := demo.Seed(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	a := qms.SystemActor(res.Org, "test")
	page := qmstest.Must(svc.Risks(ctx, a, qms.RiskFilter{Limit: 200}))(t)
	if len(page.Risks) < 15 {
		t.Fatalf("the register has %d entries", len(page.Risks))
	}
	processes, opportunities, rose := map[string]bool{}, 0, 0
	var ncRisk *qms.RiskDetail
	for _, r := range page.Risks {
		processes[r.ProcessName] = true
		if r.Opportunity() {
			opportunities++
		}
		d := qmstest.Must(svc.RiskDetail(ctx, a, r.ID))(t)
		for _, h := range d.History {
			if h.OldBand != nil && qms.BandRank(h.NewBand) > qms.BandRank(*h.OldBand) {
				rose++
			}
		}
		if r.Title == "Nonconforming parts reach the customer" {
			ncRisk = &d
		}
	}
	if len(processes) < 7 || opportunities < 2 || rose < 2 {
		t.Errorf("register over %d processes, %d opportunities, %d band rises", len(processes), opportunities, rose)
	}
	if ncRisk == nil || len(ncRisk.Findings) != 1 || len(ncRisk.History) < 3 {
		t.Fatalf("the nonconforming-output risk: %+v", ncRisk)
	}
	found := false
	for _, h := range ncRisk.History {
		if h.NewBand == qms.BandHigh && h.OldBand != nil && *h.OldBand == qms.BandMedium {
			found = true
		}
	}
	if !found {
		t.Errorf("the major NC did not lift the risk from medium to high: %+v", ncRisk.History)
	}
	flags := 0
	for _, doc := range ncRisk.Documents {
		vw := qmstest.Must(svc.DocumentView(ctx, a, doc.ID))(t)
		for _, f := range vw.Flags {
			if f.SourceType == "risk" && strings.Contains(f.Reason, "rose from medium to high") {
				flags++
			}
		}
	}
	if flags == 0 {
		t.Error("no document of the risk was flagged for review")
	}
	cells := 0
	for _, row := range page.HeatMap {
		for _, n := range row {
			if n > 0 {
				cells++
			}
		}
	}
	if cells < 5 {
		t.Errorf("the heat map uses %d cells", cells)
	}
}
