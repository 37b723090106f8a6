package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/qms"
)

// The sales manager records a customer complaint with the customer's photo report attached,
// finds it again by a word from its description, and downloads the report.
func TestBrowser_RecordAComplaintFindItAndDownloadItsFile(t *testing.T) {
	a := startApp(t)
	ctx := context.Background()
	org, err := a.Svc.OrganisationBySlug(ctx, demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	system := qms.SystemActor(org, "test")
	choices, err := a.Svc.RecordChoices(ctx, system)
	if err != nil {
		t.Fatal(err)
	}
	var complaintType, sales string
	for _, ty := range choices.Types {
		if ty.Name == "Customer complaint" {
			complaintType = ty.ID.String()
		}
	}
	for _, p := range choices.Processes {
		if p.Name == "Sales & customer service" {
			sales = p.ID.String()
		}
	}
	report := filepath.Join(t.TempDir(), "brenner-galling-report.pdf")
	content := "%PDF-1.4\n% Brenner 8D D2: thread galling on studs\n"
	if err := os.WriteFile(report, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, a.URL)
	b.signIn("daniel.okafor@northwind.example")
	b.open("/o/northwind/records")
	b.clickAndWait("a.button.primary[href='/o/northwind/records/new']")
	b.clickAndWait("#record-types a[href*='" + complaintType + "']")
	b.fill("#title", "Studs seizing in tapped holes")
	b.fill("#event_date", time.Now().AddDate(0, 0, -1).Format(time.DateOnly))
	b.fill("#process_id", sales)
	b.fill("#customer", "Brenner Fahrzeugtechnik GmbH")
	b.fill("#product_service", "Stud plate BF-310")
	b.fill("#severity", "high")
	b.fill("#clauses", "8.7, 9.1.2")
	b.fill("#description", "Fitters report thread galling when driving the M10 studs; 30 plates returned.")
	b.upload("#files", report)
	b.screenshot("records-new-complaint")
	b.clickAndWait("button[name=finalise][value=yes]")
	if got := b.path(); !strings.HasPrefix(got, "/o/northwind/records/") {
		t.Fatalf("after recording, the browser is at %s (%s)", got, b.text("main"))
	}
	if got := b.text("h1"); got != "Studs seizing in tapped holes" {
		t.Fatalf("record heading %q", got)
	}
	recordPage := b.path()
	b.screenshot("records-complaint")

	b.open("/o/northwind/records")
	b.fill("#q", "galling")
	b.clickAndWait("form[role=search] button[type=submit]")
	if got := b.text("#records tbody"); !strings.Contains(got, "Studs seizing in tapped holes") {
		t.Fatalf("searching for a word of the description found: %s", got)
	}
	b.screenshot("records-search")
	b.clickAndWait("#records .record-title")
	if b.path() != recordPage {
		t.Fatalf("the search result leads to %s, want %s", b.path(), recordPage)
	}
	if got := b.download(".files a", "brenner-galling-report.pdf"); string(got) != content {
		t.Fatalf("downloaded %q", got)
	}
	b.open("/o/northwind/records/complaints")
	if got := b.text("#complaints"); !strings.Contains(got, "Brenner Fahrzeugtechnik GmbH") || !strings.Contains(got, "Open") {
		t.Fatalf("complaints view: %s", got)
	}
}

// The demo's records area is lived in: lists, a supplier, the clause index and a process.
func TestBrowser_TheDemoRecordsAreaIsLivedIn(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.signIn("priya.shah@northwind.example")
	b.open("/o/northwind/records")
	if got := b.text("#records"); !strings.Contains(got, "CMM report") {
		t.Fatalf("records: %s", got)
	}
	b.screenshot("records-list")
	b.open("/o/northwind/records/suppliers")
	b.screenshot("records-suppliers")
	b.clickAndWait("#suppliers a[href*='/records/suppliers/']")
	if got := b.text("#evaluations"); !strings.Contains(got, "evaluation") {
		t.Fatalf("supplier evaluations: %s", got)
	}
	b.open("/o/northwind/records/retention")
	if got := b.text("#past-retention"); !strings.Contains(got, "paper archive") {
		t.Fatalf("past retention: %s", got)
	}
	b.screenshot("records-retention")
	b.open("/o/northwind/clauses")
	b.screenshot("records-clauses")
	b.open("/o/northwind/processes")
	b.clickAndWait("#process-list a")
	if got := b.text("#records-section"); !strings.Contains(got, "records") {
		t.Fatalf("process page: %s", got)
	}
	b.screenshot("records-process")
}
