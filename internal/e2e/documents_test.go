package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/qms"
)

// actorID is the user id of a demo person, for choosing them in a form.
func (a *app) actorID(t *testing.T, email string) string {
	t.Helper()
	ctx := context.Background()
	org, err := a.Svc.OrganisationBySlug(ctx, demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	members, err := a.Svc.Members(ctx, qms.SystemActor(org, "test"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if m.Email == email {
			return m.UserID.String()
		}
	}
	t.Fatalf("no demo member %s", email)
	return ""
}

// A process owner drafts a revision of a procedure, the quality manager approves it with an
// electronic signature, and a machinist acknowledges the new version from their home page.
func TestBrowser_ReviseApproveAndAcknowledgeAProcedure(t *testing.T) {
	a := startApp(t)

	tom := newBrowser(t, a.URL)
	tom.signIn("tom.baker@northwind.example")
	tom.open("/o/northwind/documents?q=QP-006")
	tom.clickAndWait("#documents tbody a")
	if got := tom.text("h1"); !strings.Contains(got, "QP-006") {
		t.Fatalf("opened %q, want QP-006", got)
	}
	tom.clickAndWait("form[action$='/revise'] button")
	if !strings.HasSuffix(tom.path(), "/edit") {
		t.Fatalf("after starting a revision the browser is at %s, want the draft editor", tom.path())
	}
	tom.fill("#body", "# QP-006 Control of monitoring and measuring equipment\n\n"+
		"Micrometers in daily use are calibrated every 6 months; all other equipment every 12 months.\n")
	tom.fill("#change_summary", "Micrometers in daily use calibrated every six months")
	tom.clickAndWait("form[enctype] button[type=submit]")
	if got := tom.text(".flash"); !strings.Contains(got, "was saved") {
		t.Fatalf("after saving the draft: %q", got)
	}
	tom.fill("#approver_id", a.actorID(t, "priya.shah@northwind.example"))
	tom.clickAndWait("form[action$='/submit'] button")
	if got := tom.text(".flash"); !strings.Contains(got, "submitted for review") {
		t.Fatalf("after submitting: %q", got)
	}
	tom.screenshot("documents-1-submitted")

	priya := newBrowser(t, a.URL)
	priya.signIn("priya.shah@northwind.example")
	if got := priya.text("#my-document-tasks"); !strings.Contains(got, "QP-006") {
		t.Fatalf("Priya's home does not ask her to approve QP-006: %q", got)
	}
	priya.open("/o/northwind/documents?q=QP-006")
	priya.clickAndWait("#documents tbody a")
	priya.clickAndWait(".notice a")
	if got := priya.text(".banner"); !strings.Contains(got, "do not use") {
		t.Fatalf("a version in review has no warning: %q", got)
	}
	priya.fill("#password", "northwind-demo")
	priya.clickAndWait("form[action$='/approve'] button[type=submit]")
	if got := priya.text(".flash"); !strings.Contains(got, "now in force") {
		t.Fatalf("after signing: %q", got)
	}
	if got := priya.text(".signatures"); !strings.Contains(got, "Priya Shah") || !strings.Contains(got, "approved") {
		t.Fatalf("signatures: %q", got)
	}
	priya.screenshot("documents-2-approved")

	sam := newBrowser(t, a.URL)
	sam.signIn("sam.lee@northwind.example")
	if got := sam.text("#my-acknowledgements"); !strings.Contains(got, "QP-006") {
		t.Fatalf("Sam's home does not ask him to read QP-006: %q", got)
	}
	sam.clickAndWait("#my-acknowledgements a[href*='versions']")
	sam.clickAndWait(".ack-form button")
	if got := sam.text(".flash"); !strings.Contains(got, "acknowledgement was recorded") {
		t.Fatalf("after acknowledging: %q", got)
	}
	if got := sam.text(".doc-current .notice"); !strings.Contains(got, "You acknowledged this version") {
		t.Fatalf("the document does not show Sam's acknowledgement: %q", got)
	}
	sam.screenshot("documents-3-acknowledged")
}
