package e2e

import (
	"strings"
	"testing"
)

// A process owner opens their objective, records this month's value, and sees the status
// and the chart follow it.
func TestBrowser_ProcessOwnerRecordsThisMonthsValue(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.signIn("tom.baker@northwind.example")

	b.clickLinkAndWait("Objectives")
	if got := b.text("h1"); got != "Quality objectives" {
		t.Fatalf("objectives heading %q", got)
	}
	b.clickLinkAndWait("On-time delivery to customers")
	if got := b.text("#status .badge"); got != "At risk" {
		t.Fatalf("before: status %q (%s)", got, b.text("#status"))
	}
	before := b.count("#objective-chart circle.chart-point")
	if before < 11 {
		t.Fatalf("the chart shows %d values, want the demo's year", before)
	}

	// The month offered is the current one; Tom types this month's figure from the despatch log.
	b.fill("#value", "96.4")
	b.fill("#note", "All orders for Hartley Hydraulics shipped on time after the plating delay.")
	b.clickAndWait("#record button[type=submit]")

	if got := b.text(".flash"); !strings.Contains(got, ": 96.4%. The objective is on track.") {
		t.Fatalf("flash %q", got)
	}
	if got := b.text("#status .badge"); got != "On track" {
		t.Fatalf("after: status %q (%s)", got, b.text("#status"))
	}
	if got := b.text("#status p"); !strings.Contains(got, "96.4% meets the target (at least 95%)") {
		t.Fatalf("after: reason %q", got)
	}
	if after := b.count("#objective-chart circle.chart-point"); after != before+1 {
		t.Fatalf("the chart shows %d values after recording, want %d", after, before+1)
	}
	if got := b.text("#measurements tbody tr:first-child"); !strings.Contains(got, "96.4%") || !strings.Contains(got, "Tom Baker") {
		t.Fatalf("latest row %q", got)
	}
	b.screenshot("objective-recorded")
}
