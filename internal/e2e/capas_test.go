package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// choose selects the option of a select whose text contains label.
func (b *browser) choose(selector, label string) {
	b.t.Helper()
	ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(() => {
		const s = document.querySelector(`+jsString(selector)+`);
		for (const o of s.options) { if (o.text.includes(`+jsString(label)+`)) { s.value = o.value; return true; } }
		return false;
	})()`))
	if err != nil || !ok {
		b.t.Fatalf("choosing %q in %s: %v", label, selector, err)
	}
}

// value is the current value of a form field.
func (b *browser) value(selector string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector(`+jsString(selector)+`).value`))
	if err != nil {
		b.t.Fatalf("reading %s: %v", selector, err)
	}
	return v
}

// The quality manager takes a customer's complaint as a major nonconformity, records its
// correction, raises a CAPA from it, analyses the root cause, adds an action and completes it
// with evidence; as the named verifier she signs the check effective, and the CAPA and the
// finding are closed.
func TestBrowser_AQualityManagerWorksACAPAFromAMajorNCToAVerifiedClose(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.signIn("priya.shah@northwind.example")

	b.open("/o/northwind/findings/new")
	b.fill("#classification", "major_nc")
	b.fill("#source", "complaint")
	b.fill("#source_reference", "CC-2026-031 (Kestrel Aerospace)")
	b.fill("#statement", "25 housings NW-3310 were delivered with the Ø32 H7 bore oversize.")
	b.fill("#requirement", "Drawing NW-3310 rev A: Ø32 H7")
	b.fill("#objective_evidence", "Kestrel CMM report 12 Nov 2026; 25 parts returned.")
	b.choose("#process_id", "Production")
	b.clickAndWait("form[action$='/findings'] button[type=submit]")
	findingPath := b.path()
	if !strings.Contains(b.text(".flash"), "Major nonconformity") {
		t.Fatalf("flash after raising: %q", b.text(".flash"))
	}

	b.workCAPAToVerifiedClose(findingPath)

	b.open(findingPath)
	if got := b.text(".eyebrow"); !strings.Contains(got, "Closed") {
		t.Fatalf("the finding is %q after its CAPA closed", got)
	}
	b.screenshot("finding-closed-by-capa")

	// The list: the demo's CAPAs of the year and this one, with their ageing.
	b.open("/o/northwind/capas")
	if n := b.count("table#capas tbody tr"); n < 7 {
		t.Fatalf("%d CAPAs listed", n)
	}
	b.screenshot("capa-list")
}

// workCAPAToVerifiedClose is the quality manager's path from an open major nonconformity to a
// closed CAPA: the correction, the CAPA raised from the finding (owned by Tom Baker, verified by
// Priya Shah, who must be signed in), three whys and a category, one action done with
// evidence, and the verifier's signed effective check. It returns the CAPA's path.
func (b *browser) workCAPAToVerifiedClose(findingPath string) string {
	t := b.t
	t.Helper()
	b.open(findingPath)
	// The correction, then the CAPA raised from the finding.
	b.do("opening the correction form", chromedp.Click(chromedp.CSS(".record-correction summary")))
	b.fill("#correction", "Housings quarantined at Kestrel and replaced from re-bored stock on 14 Nov.")
	b.clickAndWait(".record-correction button[type=submit]")
	b.clickAndWait("#finding-capa a.button")
	if got := b.value("#problem_statement"); !strings.Contains(got, "Evidence: ") {
		t.Fatalf("the CAPA form does not carry the finding over: %q", got)
	}
	b.fill("#containment", "All NW-3310 stock at Leeds measured: 3 more oversize parts scrapped.")
	b.choose("#owner_id", "Tom Baker")
	b.choose("#verifier_id", "Priya Shah")
	b.screenshot("capa-new")
	b.clickAndWait("form[action$='/capas'] button[type=submit]")
	capaPath := b.path()
	if got := b.text("h1"); !strings.HasPrefix(got, "CA-2026-") {
		t.Fatalf("the CAPA page's heading is %q", got)
	}

	// Root cause: three whys and a category.
	b.do("opening the root cause form", chromedp.Click(chromedp.CSS(".root-cause summary")))
	b.fill("#why-1", "The bore was cut oversize.")
	b.fill("#why-2", "The boring bar had worn past its limit.")
	b.fill("#why-3", "Boring bars have no tool-life limit in the CNC program.")
	b.fill("#root_cause", "No tool-life limits for boring bars.")
	b.fill("#root_cause_category", "method")
	b.clickAndWait(".root-cause button[type=submit]")
	if n := b.count("ol.whys li"); n != 3 {
		t.Fatalf("%d whys on the page", n)
	}

	// One action, owned by the quality manager, done with evidence.
	b.do("opening the action form", chromedp.Click(chromedp.CSS(".add-action summary")))
	b.fill("#description", "Set tool-life limits for every boring bar in the NW-3310 program.")
	b.choose(".add-action #owner_id", "Priya Shah")
	b.fill("#due_date", time.Now().AddDate(0, 0, 14).Format(time.DateOnly))
	b.clickAndWait(".add-action button[type=submit]")
	b.do("opening the completion form", chromedp.Click(chromedp.CSS(".complete-action summary")))
	b.fill("#completion_note", "Tool-life limits in program NW-3310 rev 4; tool-change log started.")
	evidence := filepath.Join(t.TempDir(), "tool-life-limits.csv")
	if err := os.WriteFile(evidence, []byte("Tool,Limit (parts)\nBB-32,120\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.upload("#completion_file", evidence)
	b.clickAndWait(".complete-action button[type=submit]")
	if got := b.text(".eyebrow"); !strings.Contains(got, "Awaiting effectiveness check") {
		t.Fatalf("after the last action the CAPA is %q", got)
	}
	b.screenshot("capa-awaiting-check")

	// The verifier signs with her password (a wrong one is refused with a 422, tested over HTTP).
	b.fill("#evidence", "30 housings measured after the change: all bores in tolerance.")
	b.fill("#result", "effective")
	b.fill("#password", "northwind-demo")
	b.clickAndWait(".record-check button[type=submit]")
	if got := b.path(); got != capaPath {
		t.Fatalf("after signing the browser is at %s", got)
	}
	if got := b.text(".eyebrow"); !strings.Contains(got, "Closed") {
		t.Fatalf("after the effective check the CAPA is %q", got)
	}
	if got := b.text(".signature"); !strings.Contains(got, "Priya Shah") || !strings.Contains(got, "Verified effective") {
		t.Fatalf("signature: %q", got)
	}
	b.screenshot("capa-closed")
	return capaPath
}
