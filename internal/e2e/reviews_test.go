package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The quality manager prepares the year-end management review from live data, minutes an
// input, records an action, holds the review; the chair signs the minutes with her password.
func TestBrowser_QualityManagerPreparesAReviewAndTheChairSigns(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.signIn("priya.shah@northwind.example")

	b.clickLinkAndWait("Reviews")
	if got := b.text("h1"); got != "Management reviews" {
		t.Fatalf("reviews heading %q", got)
	}
	b.clickLinkAndWait("MR-2026-002")
	if got := b.text(".page-header .badge"); got != "In preparation" {
		t.Fatalf("status %q", got)
	}
	// Input a) carries the half-year review's actions, one of them overdue.
	if got := b.text(`#input-a tr[data-metric="overdue"]`); !strings.Contains(got, "1") {
		t.Fatalf("input a) overdue row %q", got)
	}
	if n := b.count("section.review-input"); n != 12 {
		t.Fatalf("%d input sections, want 12", n)
	}

	b.fill("#minutes_a", "The CMM training is overdue: the course was cancelled. Rachel to book another provider.")
	b.clickAndWait("#input-a form.minutes-form button[type=submit]")
	if got := b.text(".flash"); got != "The minutes were saved." {
		t.Fatalf("flash %q", got)
	}

	b.do("opening the output form", chromedp.Click(chromedp.CSS("details.add-output summary")))
	b.fill("#kind", "action")
	b.fill("#description", "Book CMM training for two operators with another provider.")
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(() => { const s = document.querySelector('#owner_id');
		s.value = [...s.options].find(o => o.text.startsWith('Rachel Evans')).value; return true })()`)); err != nil {
		t.Fatalf("choosing the owner: %v", err)
	}
	b.fill("#due_date", "2027-01-31")
	b.clickAndWait("details.add-output button[type=submit]")
	if got := b.text("#review-outputs"); !strings.Contains(got, "Book CMM training") || !strings.Contains(got, "Rachel Evans") {
		t.Fatalf("outputs %q", got)
	}

	b.clickAndWait("#hold")
	if got := b.text(".page-header .badge"); got != "Held" {
		t.Fatalf("after holding: status %q", got)
	}
	if b.count("#sign") != 0 {
		t.Fatal("the quality manager is offered the chair's signature")
	}
	review := b.path()

	b.clickAndWait(".usermenu form button")
	b.signIn("helen.ward@northwind.example")
	b.open(review)
	// (A wrong password is refused with a 422, which the browser console reports as an error:
	// the HTTP and service tests cover it.)
	b.fill("#password", "northwind-demo")
	b.clickAndWait("#sign")
	if got := b.text(".page-header .badge"); got != "Signed" {
		t.Fatalf("after signing: status %q", got)
	}
	if got := b.text("#review-signature"); !strings.Contains(got, "Helen Ward") || !strings.Contains(got, "Minutes unchanged since signing") {
		t.Fatalf("signature %q", got)
	}
	b.screenshot("management-review-signed")
}
