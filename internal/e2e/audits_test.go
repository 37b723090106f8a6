package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The demo's internal auditor opens the audit in progress, records a minor nonconformity on a
// question with a reference and a file as evidence, raises its finding from the question, and
// the finding is on the audit and in the findings list.
func TestBrowser_AnAuditorRecordsAMinorNCWithEvidenceAndItsFindingIsListed(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.signIn("ian.clarke@northwind.example")

	b.open("/o/northwind/audits?year=2026")
	b.clickAndWait("#audits tr.status-in_progress a")
	if got := b.text("h1"); !strings.Contains(got, "Sales, contract review") {
		t.Fatalf("the audit in progress is %q", got)
	}
	auditPath := b.path()
	b.screenshot("audit-in-progress")

	b.clickAndWait(".table.checklist tr.result-todo td.question a")
	questionPath := b.path()
	b.do("choosing minor NC", chromedp.Click(chromedp.CSS("input[name=result][value=minor_nc]")))
	b.fill("#notes", "Order 24-1187 from Kestrel Aerospace accepted on 3 Nov with drawing NW-2231 rev B; the customer's PO cites rev C. No record that the change was reviewed.")
	b.fill("#evidence_reference", "Order file 24-1187, contract review checklist")
	evidence := filepath.Join(t.TempDir(), "order-24-1187-review.csv")
	if err := os.WriteFile(evidence, []byte("Order,Drawing on order,Drawing on PO,Reviewed by\n24-1187,NW-2231 rev B,NW-2231 rev C,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do("attaching the evidence file", chromedp.SetUploadFiles(chromedp.CSS("#evidence_files"), []string{evidence}))
	// The document picker narrows its suggestions as the auditor types (htmx), and the
	// procedure is linked as the version in force at the audit.
	b.do("typing in the document picker", chromedp.SendKeys(chromedp.CSS("#document"), "contract"))
	for deadline := time.Now().Add(10 * time.Second); b.count("#document-choices option") != 1; {
		if time.Now().After(deadline) {
			t.Fatalf("the document picker still offers %d suggestions after typing “contract”", b.count("#document-choices option"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.fill("#document", "Contract review")
	b.clickAndWait("form[enctype] button[type=submit]")
	if got := b.path(); got != questionPath {
		t.Fatalf("after saving the browser is at %s, want the question again", got)
	}
	if got := b.text(".evidence"); !strings.Contains(got, "order-24-1187-review.csv") || !strings.Contains(got, "Order file 24-1187") ||
		!strings.Contains(got, "Contract review") || !strings.Contains(got, "effective at audit") {
		t.Fatalf("evidence on the question: %q", got)
	}
	b.screenshot("question-minor-nc")

	b.clickAndWait(".needs-finding a")
	b.fill("#statement", "Changes to customer requirements were not reviewed before the order was accepted: order 24-1187 was accepted against drawing rev B while the customer's purchase order cites rev C.")
	b.screenshot("raise-finding")
	b.clickAndWait("form[action$='/findings'] button[type=submit]")
	flash := b.text(".flash")
	if !strings.Contains(flash, "Minor nonconformity") || !strings.Contains(flash, "F-2026-") {
		t.Fatalf("flash after raising: %q", flash)
	}
	ref := strings.Fields(strings.TrimPrefix(flash, "Finding "))[0]

	b.open(auditPath)
	if got := b.text("#findings ~ .table.findings"); !strings.Contains(got, ref) || !strings.Contains(got, "Changes to customer requirements") {
		t.Fatalf("the audit's findings: %q", got)
	}
	b.screenshot("audit-with-finding")
	b.open("/o/northwind/findings")
	if got := b.text(".table.findings tbody tr"); !strings.Contains(got, ref) {
		t.Fatalf("the newest finding in the list is %q, want %s", got, ref)
	}
	b.screenshot("findings-list")
}

// The programme and the report read well enough to hand over: screenshots for a person to
// look at, and the pages show what they must.
func TestBrowser_TheProgrammeAndAReport(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.signIn("priya.shah@northwind.example")
	b.open("/o/northwind/audits/programme?year=2026")
	if got := b.text("#clause-coverage"); !strings.Contains(got, "8.7 Control of nonconforming outputs") || !strings.Contains(got, "Gap") {
		t.Fatalf("clause coverage: %q", got)
	}
	b.screenshot("programme-2026")
	b.open("/o/northwind/audits?year=2026")
	if got := b.text("#audits"); !strings.Contains(got, "EA-2026-001") || !strings.Contains(got, "LRQA") && !strings.Contains(got, "Surveillance") {
		t.Fatalf("the year's audits: %q", got)
	}
	b.screenshot("audits-2026")
	b.clickAndWait("#audits tr.status-reported a")
	b.clickAndWait(".actions a[href$='/report']")
	if got := b.text(".report"); !strings.Contains(got, "Signatures") || !strings.Contains(got, "Audit report issued by the lead auditor") {
		t.Fatalf("report: %q", got)
	}
	b.screenshot("audit-report")

	// The planned audit has an auditor who owns a process in its scope: the page and the
	// planning form warn.
	b.open("/o/northwind/audits?year=2026")
	b.clickAndWait("#audits tr.status-planned a")
	if got := b.text(".independence"); !strings.Contains(got, "Priya Shah owns Design & engineering") {
		t.Fatalf("independence warning on the audit: %q", got)
	}
	b.clickAndWait(".actions a[href$='/edit']")
	if got := b.text(".independence"); !strings.Contains(got, "Priya Shah owns Design & engineering") {
		t.Fatalf("independence warning on the form: %q", got)
	}
	b.screenshot("audit-plan-form")
}
