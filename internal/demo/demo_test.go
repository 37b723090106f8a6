package demo_test

import (
	"context"
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
