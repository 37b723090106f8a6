package bench

import (
	"bytes"
	"strings"
	"testing"
)

// Every page is held to its kind's target; the large organisation's p50 is compared with the
// small one's; the reference row gets its ratio to the baseline and no verdict.
func TestScore_HoldsEachPageToItsTarget(t *testing.T) {
	rep := &Report{
		Baseline: []Result{{RPS: 9000}, {RPS: 11000}},
		Pages: []Result{
			{Page: "floor", Kind: "reference", Org: "large", RPS: 4000, P50: 3, P99: 9},
			{Page: "home", Kind: "home", Org: "large", RPS: 3400, P50: 4, P99: 20},
			{Page: "home", Kind: "home", Org: "small", RPS: 3500, P50: 4, P99: 20},
			{Page: "documents", Kind: "list", Org: "large", RPS: 4000, P50: 6, P99: 30},
			{Page: "documents", Kind: "list", Org: "small", RPS: 5200, P50: 4, P99: 10},
			{Page: "risk", Kind: "detail", Org: "small", RPS: 6000, P50: 2, P99: 8, Errors: 1},
		},
	}
	score(rep)
	if rep.BaselineRPS != 10000 {
		t.Fatalf("baseline %v, want the mean 10000", rep.BaselineRPS)
	}
	want := []struct {
		pass   bool
		misses string
		ratio  float64
	}{
		{false, "", 0.4},
		{true, "", 0.34},
		{true, "", 0.35},
		{false, "ratio<0.50, p99>25ms, large/small>1.2", 0.4},
		{true, "", 0.52},
		{false, "errors", 0.6},
	}
	for i, w := range want {
		r := rep.Pages[i]
		if r.Pass != w.pass || r.Misses != w.misses || r.Ratio != w.ratio {
			t.Errorf("%s %s: pass %v, misses %q, ratio %v; want %v, %q, %v", r.Page, r.Org, r.Pass, r.Misses, r.Ratio, w.pass, w.misses, w.ratio)
		}
	}
	var out bytes.Buffer
	Print(&out, rep)
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "floor") && !strings.HasSuffix(strings.TrimSpace(line), "reference") {
			t.Errorf("the reference row reads %q", line)
		}
	}
}
