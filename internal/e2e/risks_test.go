package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The linkage, through the browser: the internal auditor raises a major nonconformity on
// sales; the contract-review risk turns high on the heat map, the contract review procedure
// carries a review flag saying why, and the risk's page explains the signal with a link to
// the finding. The quality manager then works a CAPA to a verified-effective close, and the
// risk falls back, its history saying why.
func TestBrowser_AMajorNCRaisesTheRiskFlagsItsProcedureAndTheRiskPageSaysWhy(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a.URL)
	const risk = "Order accepted with requirements not reviewed"

	b.signIn("priya.shah@northwind.example")
	b.open("/o/northwind/risks?band=high")
	if strings.Contains(b.text("main"), risk) {
		t.Fatal("the contract-review risk is high before the finding")
	}

	b.clickAndWait("form[action='/logout'] button")
	b.signIn("ian.clarke@northwind.example")
	b.open("/o/northwind/findings/new")
	b.do("choosing the classification", chromedp.SetValue(chromedp.CSS("#classification"), "major_nc"))
	b.do("choosing the source", chromedp.SetValue(chromedp.CSS("#source"), "complaint"))
	b.fill("#source_reference", "CC-2026-021 (Kestrel Aerospace)")
	b.fill("#statement", "Orders are accepted without reviewing the customer's drawing revision: 3 of 5 orders sampled in November had no contract review record.")
	b.do("choosing the clause", chromedp.SetValue(chromedp.CSS("#clause"), "8.2.3"))
	b.fill("#objective_evidence", "Orders 24-1187, 24-1192 and 24-1201: no contract review checklist on file.")
	if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(() => { const s = document.querySelector('#process_id');
		for (const o of s.options) { if (o.text === 'Sales & customer service') { s.value = o.value; return true } } return false })()`)); err != nil || !ok {
		t.Fatalf("choosing the process: %v %v", ok, err)
	}
	b.clickAndWait("form[action$='/findings'] button[type=submit]")
	flash := b.text(".flash")
	if !strings.Contains(flash, "Major nonconformity") {
		t.Fatalf("flash after raising: %q", flash)
	}
	ref := strings.Fields(strings.TrimPrefix(flash, "Finding "))[0]
	findingPath := b.path()

	// The register: the risk is high, and its heat-map cell lists it.
	b.clickAndWait("form[action='/logout'] button")
	b.signIn("priya.shah@northwind.example")
	b.open("/o/northwind/risks?band=high")
	if !strings.Contains(b.text("table.risks"), risk) {
		t.Fatalf("the high risks are %q", b.text("table.risks"))
	}
	b.open("/o/northwind/risks")
	saveHeatMap(t, b)
	riskPath, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('table.risks tbody tr')]
		.find(tr => tr.textContent.includes(`+jsString(risk)+`)).querySelector('a').getAttribute('href')`))
	if err != nil {
		t.Fatalf("finding the risk in the register: %v", err)
	}
	b.open(riskPath)
	if why := b.text(".why-exposure"); !strings.Contains(strings.ToLower(why), "open major nonconformity") || !strings.Contains(why, ref) || !strings.Contains(why, "+6") {
		t.Fatalf("the risk page does not explain the signal: %q", why)
	}
	if got := b.text(".exposure-history tbody tr"); !strings.Contains(got, "Major nonconformity "+ref+" raised") || !strings.Contains(got, "High") {
		t.Fatalf("the newest history row: %q", got)
	}
	b.screenshot("risk-why")
	b.clickLinkAndWait(ref)
	if !strings.Contains(b.text("h1"), ref) {
		t.Fatalf("the signal's link leads to %q", b.text("h1"))
	}

	// The procedure that controls the risk carries a review flag saying why.
	b.open(riskPath)
	b.clickLinkAndWait(b.text(".facts a[href*='/documents/']"))
	if flags := b.text("ul.flags"); !strings.Contains(flags, "risk exposure rose from") || !strings.Contains(flags, "to high because") || !strings.Contains(flags, ref) {
		t.Fatalf("the procedure's flags: %q", flags)
	}
	b.screenshot("procedure-flagged-by-risk")

	// Daniel, who owns the risk, sees it on his home page.
	b.clickAndWait("form[action='/logout'] button")
	b.signIn("daniel.okafor@northwind.example")
	b.open("/o/northwind/")
	if got := b.text("#my-risks-rose"); !strings.Contains(got, risk) {
		t.Fatalf("the owner's home: %q", got)
	}

	// The CAPA answers the finding and is verified effective: the finding closes, the signal
	// goes, and the risk falls back out of the high band with the reason in its history.
	b.clickAndWait("form[action='/logout'] button")
	b.signIn("priya.shah@northwind.example")
	capaPath := b.workCAPAToVerifiedClose(findingPath)
	b.open("/o/northwind/risks?band=high")
	if strings.Contains(b.text("main"), risk) {
		t.Fatal("the risk is still high after the CAPA was verified effective")
	}
	b.open(riskPath)
	if why := b.text(".why-exposure"); strings.Contains(why, ref) {
		t.Fatalf("the closed finding still counts: %q", why)
	}
	history := b.text(".exposure-history tbody tr")
	fell := strings.Contains(history, "Low") || strings.Contains(history, "Medium")
	if !strings.Contains(history, "effectiveness check verified effective") || !fell {
		t.Fatalf("the newest history row after the CAPA closed (%s): %q", capaPath, history)
	}
	b.screenshot("risk-fell-back")
}

// saveHeatMap keeps a picture of the register's heat map and list: under test-output/, and
// with PLUMBLINE_UPDATE_SCREENSHOTS=1 also as the README's web/screenshots/risk-heat-map.png.
func saveHeatMap(t *testing.T, b *browser) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.Screenshot(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("screenshot of the register: %v", err)
	}
	dirs := []string{outputDir(t)}
	if os.Getenv("PLUMBLINE_UPDATE_SCREENSHOTS") == "1" {
		dirs = append(dirs, filepath.Join(filepath.Dir(outputDir(t)), "web", "screenshots"))
	}
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "risk-heat-map.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
