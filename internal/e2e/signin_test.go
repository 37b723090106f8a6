package e2e

import (
	"os"
	"strings"
	"testing"
)

// A demo user signs in and lands on the organisation home.
func TestBrowser_SignInLandsOnTheOrganisationHome(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a.URL)

	b.open("/")
	if got := b.path(); !strings.HasPrefix(got, "/login") {
		t.Fatalf("signed out, / went to %s, want the sign-in page", got)
	}
	b.signIn("priya.shah@northwind.example")
	if got := b.path(); got != "/o/northwind/" {
		t.Fatalf("after sign-in the browser is at %s, want the organisation home", got)
	}
	if got := b.text("h1"); got != "Northwind Precision Components Ltd" {
		t.Fatalf("home heading %q", got)
	}
	if got := b.text(".tiles"); !strings.Contains(got, "9") || !strings.Contains(got, "processes") {
		t.Fatalf("home tiles %q", got)
	}
	shot := b.screenshot("signin-home")
	if info, err := os.Stat(shot); err != nil || info.Size() < 10_000 {
		t.Fatalf("screenshot %s is missing or empty: %v", shot, err)
	}
}
