package qms_test

import (
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/qms"
)

func month(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

// series turns values into consecutive months from January 2026.
func series(values ...float64) []qms.PeriodValue {
	out := make([]qms.PeriodValue, len(values))
	for i, v := range values {
		out[i] = qms.PeriodValue{Period: month(2026, time.January).AddDate(0, i, 0), Value: v}
	}
	return out
}

func TestAssessStatus_FromMeasurementsAndDirection(t *testing.T) {
	atLeast95 := qms.Target{Value: 95, Direction: qms.AtLeast, Tolerance: 2, Unit: "%"}
	atMost1_5 := qms.Target{Value: 1.5, Direction: qms.AtMost, Tolerance: 0.3, Unit: "%"}
	atMost2 := qms.Target{Value: 2, Direction: qms.AtMost, Tolerance: 0, Unit: "complaints"}
	atLeastMinus5 := qms.Target{Value: -5, Direction: qms.AtLeast, Tolerance: 1}
	for _, tc := range []struct {
		name    string
		target  qms.Target
		history []qms.PeriodValue
		want    qms.Status
		reason  string // a part of the explanation
	}{
		{"nothing measured is no data, not on track", atLeast95, nil, qms.StatusNoData, "No measurement"},
		{"above an at-least target is on track", atLeast95, series(97.2), qms.StatusOnTrack, "Jan 2026: 97.2% meets the target (at least 95%)"},
		{"exactly on the target meets it", atLeast95, series(95), qms.StatusOnTrack, "meets"},
		{"a miss within the tolerance is at risk", atLeast95, series(96, 93.5), qms.StatusAtRisk, "misses the target (at least 95%) by 1.5%, within the at-risk band of 2%"},
		{"a miss of exactly the tolerance is at risk", atLeast95, series(93), qms.StatusAtRisk, "by 2%"},
		{"a miss beyond the tolerance is off track", atLeast95, series(98, 92.9), qms.StatusOffTrack, "by 2.1%, more than the at-risk band of 2%"},
		{"only the latest value decides the miss", atLeast95, series(80, 85, 96), qms.StatusOnTrack, "meets"},
		{"meeting it while moving away twice is at risk", atLeast95, series(99, 98, 96.5), qms.StatusAtRisk, "moved away from it two periods running (99% → 98% → 96.5%)"},
		{"moving away once is still on track", atLeast95, series(97, 99, 98), qms.StatusOnTrack, "meets"},
		{"a trend needs three values", atLeast95, series(99, 98), qms.StatusOnTrack, "meets"},
		{"a flat series is on track", atLeast95, series(97, 97, 97), qms.StatusOnTrack, "meets"},
		{"below an at-most target is on track", atMost1_5, series(1.2, 1.1), qms.StatusOnTrack, "meets the target (at most 1.5%)"},
		{"at most: rising twice while meeting is at risk", atMost1_5, series(1.1, 1.3, 1.4), qms.StatusAtRisk, "moved away"},
		{"at most: falling is improvement, not a warning", atMost1_5, series(1.4, 1.3, 1.1), qms.StatusOnTrack, "meets"},
		{"at most: a miss of the tolerance despite binary rounding is at risk", atMost1_5, series(1.8), qms.StatusAtRisk, "by 0.3%"},
		{"at most: beyond the tolerance is off track", atMost1_5, series(1.4, 1.9, 2.4), qms.StatusOffTrack, "2.4% misses the target (at most 1.5%) by 0.9%"},
		{"without a tolerance any miss is off track", atMost2, series(3), qms.StatusOffTrack, "Jan 2026: 3 complaints misses the target (at most 2 complaints) by 1 complaint."},
		{"negative targets and values work the same way", atLeastMinus5, series(-3, -4, -5.5), qms.StatusAtRisk, "misses the target (at least -5) by 0.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := qms.AssessStatus(tc.target, qms.Monthly, tc.history)
			if got.Status != tc.want {
				t.Fatalf("status %s, want %s (%s)", got.Status, tc.want, got.Reason)
			}
			if !strings.Contains(got.Reason, tc.reason) {
				t.Fatalf("reason %q does not say %q", got.Reason, tc.reason)
			}
		})
	}
}

func TestPeriods_ParseAndName(t *testing.T) {
	for _, tc := range []struct {
		f     qms.Frequency
		in    string
		want  time.Time
		label string
		code  string
	}{
		{qms.Monthly, "2026-11", month(2026, time.November), "Nov 2026", "2026-11"},
		{qms.Monthly, "2026-11-23", month(2026, time.November), "Nov 2026", "2026-11"},
		{qms.Monthly, "Nov 2026", month(2026, time.November), "Nov 2026", "2026-11"},
		{qms.Monthly, "November 2026", month(2026, time.November), "Nov 2026", "2026-11"},
		{qms.Monthly, "Nov-26", month(2026, time.November), "Nov 2026", "2026-11"},
		{qms.Quarterly, "2026-Q3", month(2026, time.July), "Q3 2026", "2026-Q3"},
		{qms.Quarterly, "2026-q4", month(2026, time.October), "Q4 2026", "2026-Q4"},
		{qms.Quarterly, "2026-08-15", month(2026, time.July), "Q3 2026", "2026-Q3"},
		{qms.Quarterly, "2026-12", month(2026, time.October), "Q4 2026", "2026-Q4"},
		{qms.HalfYearly, "2026-H2", month(2026, time.July), "H2 2026", "2026-H2"},
		{qms.HalfYearly, "2026-Q2", month(2026, time.January), "H1 2026", "2026-H1"},
		{qms.Yearly, "2026", month(2026, time.January), "2026", "2026"},
	} {
		got, err := tc.f.ParsePeriod(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s %q: got %v %v, want %v", tc.f, tc.in, got, err, tc.want)
			continue
		}
		if l := tc.f.PeriodLabel(got); l != tc.label {
			t.Errorf("%s %q: label %q, want %q", tc.f, tc.in, l, tc.label)
		}
		if c := tc.f.PeriodCode(got); c != tc.code {
			t.Errorf("%s %q: code %q, want %q", tc.f, tc.in, c, tc.code)
		}
		if back, _ := tc.f.ParsePeriod(tc.f.PeriodCode(got)); !back.Equal(got) {
			t.Errorf("%s: the code %q does not read back", tc.f, tc.f.PeriodCode(got))
		}
	}
	// A coarser period does not name one period of a finer frequency; nonsense is refused.
	for _, tc := range []struct {
		f  qms.Frequency
		in string
	}{
		{qms.Monthly, "2026-Q3"}, {qms.Monthly, "2026"}, {qms.Quarterly, "2026-H1"}, {qms.Quarterly, "2026-Q5"},
		{qms.Monthly, ""}, {qms.Monthly, "last month"}, {qms.Monthly, "2026-13"}, {qms.Yearly, "26"},
	} {
		if got, err := tc.f.ParsePeriod(tc.in); err == nil {
			t.Errorf("%s %q: accepted as %v", tc.f, tc.in, got)
		}
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-11", "2026-Q3", "2026-H2", "2026", "Nov-26", "2026-11-23", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fr := range qms.Frequencies {
			p, err := fr.ParsePeriod(s)
			if err != nil {
				continue
			}
			if !fr.PeriodOf(p).Equal(p) {
				t.Fatalf("%s %q parsed to %v, which is not the start of a period", fr, s, p)
			}
		}
	})
}
