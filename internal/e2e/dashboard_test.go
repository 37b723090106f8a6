package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The quality manager signs in, reads the dashboard, narrows it to one site and follows a count
// to the list behind it: the list holds exactly that many findings.
func TestBrowser_QualityManagerFollowsTheDashboard(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.signIn("priya.shah@northwind.example")

	if b.count("#dashboard") != 1 {
		t.Fatalf("no dashboard on the home page %s", b.path())
	}
	for _, heading := range []string{"#mywork-h", "#risk-h", "#capa-h", "#docs-h", "#obj-h", "#audits-h"} {
		if b.count(heading) != 1 {
			t.Errorf("dashboard lacks %s", heading)
		}
	}
	if b.count("svg.heatmap") != 1 {
		t.Errorf("dashboard lacks the risk heat map")
	}
	b.screenshot("dashboard")

	// The total of open findings on the first process row links to the filtered list.
	link := `section[aria-label="Open findings by process"] tbody tr:first-child td:last-child a`
	if b.count(link) != 1 {
		t.Fatalf("no open findings by process on the demo dashboard")
	}
	want, err := strconv.Atoi(strings.TrimSpace(b.text(link)))
	if err != nil {
		t.Fatalf("count %q: %v", b.text(link), err)
	}
	b.clickAndWait(link)
	if !strings.Contains(b.path(), "/findings") {
		t.Fatalf("the count led to %s", b.path())
	}
	if got := b.count("table.findings tbody tr"); got != want {
		t.Fatalf("the dashboard counted %d open findings, the list shows %d", want, got)
	}

	// Narrowing to one site keeps the dashboard and says which site it shows.
	b.open("/o/northwind/")
	if b.count("form.dash-site select#site option") < 3 {
		t.Fatalf("the demo has several sites; the site filter offers %d options", b.count("form.dash-site select#site option"))
	}
	site, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelectorAll("form.dash-site select#site option")[1].value`))
	if err != nil || site == "" {
		t.Fatalf("reading the first site's value: %q %v", site, err)
	}
	b.fill("form.dash-site select#site", site)
	b.clickAndWait("form.dash-site button[type=submit]")
	if !strings.Contains(b.path(), "site="+site) {
		t.Fatalf("the site filter did not apply: %s", b.path())
	}
	if b.count("#dashboard") != 1 {
		t.Fatalf("no dashboard for one site")
	}
}
