package demo_test

import (
	"context"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// The demo's objectives tell the story the demo is shown with: delivery dipped in the spring
// and wobbled in October, scrap is off track, CMM yield is slipping while still on target.
func TestSeed_ObjectivesTellTheirStory(t *testing.T) {
	svc, _ := qmstest.New(t)
	ctx := context.Background()
	res, err := demo.Seed(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	a := qms.SystemActor(res.Org, "test")
	list := qmstest.Must(svc.Objectives(ctx, a, qms.ObjectiveFilter{}))(t)
	if n := len(list.Objectives); n < 5 || n > 7 {
		t.Fatalf("%d objectives, want 5 to 7", n)
	}
	want := map[string]qms.Status{
		"On-time delivery to customers":      qms.StatusAtRisk,
		"Customer complaints":                qms.StatusOnTrack,
		"Internal scrap rate":                qms.StatusOffTrack,
		"First-pass yield at CMM inspection": qms.StatusAtRisk,
		"Supplier on-time delivery":          qms.StatusOnTrack,
		"Training plan completion":           qms.StatusOnTrack,
	}
	for _, o := range list.Objectives {
		d := qmstest.Must(svc.ObjectiveDetail(ctx, a, o.ID))(t)
		if len(d.Measurements) == 0 {
			t.Errorf("%s has no values", o.Title)
			continue
		}
		if first := d.Measurements[0].PeriodStart; first.Year() != 2025 {
			t.Errorf("%s starts in %v, want the plan year from late 2025", o.Title, first)
		}
		if st, ok := want[o.Title]; ok && o.Status != st {
			t.Errorf("%s is %s (%s), want %s", o.Title, o.Status, o.StatusReason, st)
		}
		if o.Title == "Internal scrap rate" && len(d.Corrections) != 1 {
			t.Errorf("the scrap rate has %d corrections, want the March one", len(d.Corrections))
		}
		if o.Title == "Supplier on-time delivery" && len(d.ImportFiles) != 1 {
			t.Errorf("supplier delivery was not imported from the ERP export")
		}
		if o.Source == qms.SourceObjectivesOnTrack && d.ComputedBy == nil {
			t.Errorf("%s is not computed", o.Title)
		}
	}
}
