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
	checkReviews(t, svc, admin)
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

// The demo's CAPAs are in every state, the closed ones signed by their verifier, and every
// nonconformity of the year has a correction and a decision.
func TestSeed_CAPAsInEveryState(t *testing.T) {
	svc, _ := qmstest.New(t)
	ctx := context.Background()
	res := qmstest.Must(demo.Seed(ctx, svc))(t)
	a := qms.SystemActor(res.Org, "test")
	capas := qmstest.Must(svc.CAPAs(ctx, a, qms.CAPAFilter{}))(t)
	states := map[string]int{}
	for _, c := range capas {
		d := qmstest.Must(svc.CAPADetails(ctx, a, c.ID))(t)
		switch {
		case c.Status == qms.CAPAClosed:
			states["closed"]++
			if len(d.Signatures) == 0 || d.CurrentCheck() == nil || d.CurrentCheck().Result != qms.Effective {
				t.Errorf("%s closed without a signed effective check", c.Reference)
			}
			for _, f := range d.Findings {
				if f.Status != qms.FindingClosed {
					t.Errorf("%s is closed but its finding %s is open", c.Reference, f.Reference)
				}
			}
		case c.Round > 1:
			states["reopened"]++
		case c.Status == qms.CAPAAwaitingCheck:
			states["awaiting check"]++
		default:
			states["open"]++
		}
		if c.OverdueActions > 0 {
			states["overdue"]++
		}
		if c.Status != qms.CAPAOpen || c.Round > 1 {
			if len(d.Whys) < 3 || c.RootCauseCategory == "" {
				t.Errorf("%s has no root cause analysis", c.Reference)
			}
		}
	}
	for _, s := range []string{"closed", "reopened", "awaiting check", "overdue", "open"} {
		if states[s] == 0 {
			t.Errorf("no demo CAPA is %s: %v", s, states)
		}
	}
	page := qmstest.Must(svc.Findings(ctx, a, qms.FindingFilter{Limit: 200}))(t)
	notRequired := 0
	for _, f := range page.Findings {
		if !f.Classification.Nonconformity() {
			continue
		}
		r := qmstest.Must(svc.FindingResponse(ctx, a, f.ID))(t)
		if r.Correction == "" && f.AuditID != nil && f.Classification == qms.MajorNC {
			t.Errorf("major NC %s has no correction", f.Reference)
		}
		if r.Decision == qms.CAPANotRequired && f.Status == qms.FindingClosed {
			notRequired++
		}
	}
	if notRequired == 0 {
		t.Error("no minor NC was closed with a correction and no CAPA")
	}
}

// checkReviews: one past review, held and signed by its chair, with minutes and outputs whose
// actions are partly done and one overdue; and one review in preparation whose input a)
// tracks those actions.
func checkReviews(t *testing.T, svc *qms.Service, a qms.Actor) {
	t.Helper()
	ctx := context.Background()
	reviews := qmstest.Must(svc.Reviews(ctx, a))(t)
	if len(reviews) != 2 {
		t.Fatalf("%d demo reviews, want 2", len(reviews))
	}
	var past, next qms.Review
	for _, r := range reviews {
		full := qmstest.Must(svc.Review(ctx, a, r.ID))(t)
		switch full.Status {
		case qms.ReviewSigned:
			past = full
		case qms.ReviewInPreparation:
			next = full
		}
	}
	if past.Signature == nil || !past.MinutesIntact() || past.Signature.SignerID != past.ChairID {
		t.Fatalf("the past review is not signed by its chair over its minutes: %+v", past.Signature)
	}
	if len(past.Minutes) < 5 {
		t.Errorf("the past review has minutes on %d inputs", len(past.Minutes))
	}
	done, overdue := 0, 0
	for _, o := range past.Outputs {
		if o.Kind == qms.OutputAction && o.CompletedAt != nil {
			done++
		}
		if o.Overdue(svc.Today()) {
			overdue++
		}
	}
	if done < 2 || overdue != 1 {
		t.Errorf("past review actions: %d done, %d overdue; want some done and one overdue", done, overdue)
	}
	if next.Inputs == nil || next.Inputs.PreviousReference != past.Reference {
		t.Fatalf("the review in preparation is not compared with %s", past.Reference)
	}
	if a := next.Inputs.Section("a"); a.Metric("overdue").Value != 1 || a.Metric("done").Value < 2 {
		t.Errorf("input a) of the next review: %+v", a.Metrics)
	}
	if next.Inputs.Section("b").Text == "" || next.Inputs.Section("d").Text == "" {
		t.Errorf("the next review has no entered issues or resources")
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
	if retired := qmstest.Must(svc.Risks(ctx, a, qms.RiskFilter{Status: "retired", Limit: 200}))(t); len(retired.Risks) != 1 {
		t.Errorf("%d retired risks, want the Bradford one", len(retired.Risks))
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
