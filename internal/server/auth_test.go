package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func TestSignIn_LandsOnTheOnlyOrganisation(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.client()
	c.get("/").wantRedirect("/login")
	c.post("/login", url.Values{"email": {"admin@acme.test"}, "password": {qmstest.Password}}).wantRedirect("/")
	c.get("/").wantRedirect("/o/acme/")
	home := c.get("/o/acme/").wantStatus(http.StatusOK)
	if got := home.text("h1"); got != "Org acme" {
		t.Fatalf("home heading %q", got)
	}
}

func TestSignIn_ListsSeveralOrganisations(t *testing.T) {
	h := newHarness(t, Config{})
	if _, err := h.svc.AddMember(t.Context(), h.globex.Admin, qms.NewMember{Email: h.acme.Auditor.Email, Role: auth.RoleAuditor}); err != nil {
		t.Fatal(err)
	}
	c := h.signedIn(h.acme, auth.RoleAuditor)
	page := c.get("/").wantStatus(http.StatusOK)
	if n := page.count(".cards a[href='/o/acme']") + page.count(".cards a[href='/o/globex']"); n != 2 {
		t.Fatalf("%d organisation links, want 2:\n%s", n, page.body)
	}
}

func TestSignIn_WrongPasswordGetsOneGenericMessageAndKeepsTheEmail(t *testing.T) {
	h := newHarness(t, Config{})
	for _, email := range []string{"admin@acme.test", "nobody@acme.test"} {
		res := h.client().post("/login", url.Values{"email": {email}, "password": {"wrong password"}}).wantStatus(http.StatusUnauthorized)
		if got := res.text(".alert"); got != "Email or password is incorrect." {
			t.Errorf("%s: alert %q", email, got)
		}
		if got := res.attr("input#email", "value"); got != email {
			t.Errorf("email kept as %q, want %q", got, email)
		}
		if got := res.attr("input#password", "value"); got != "" {
			t.Errorf("the password was sent back: %q", got)
		}
	}
}

func TestSignIn_EmptyFieldsAre422(t *testing.T) {
	h := newHarness(t, Config{})
	res := h.client().post("/login", url.Values{"email": {"admin@acme.test"}}).wantStatus(http.StatusUnprocessableEntity)
	if res.text(".alert") == "" || res.attr("input#email", "value") != "admin@acme.test" {
		t.Fatalf("no message, or the email was lost:\n%s", res.body)
	}
}

func TestSignIn_IsRateLimited(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.client()
	for range 5 {
		c.post("/login", url.Values{"email": {"viewer@acme.test"}, "password": {"guess"}}).wantStatus(http.StatusUnauthorized)
	}
	res := c.post("/login", url.Values{"email": {"viewer@acme.test"}, "password": {qmstest.Password}}).wantStatus(http.StatusTooManyRequests)
	if !strings.Contains(res.text(".alert"), "Too many") {
		t.Fatalf("alert %q", res.text(".alert"))
	}
}

func TestSignIn_ReturnsToTheRequestedPageButNeverOffSite(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.client()
	c.get("/o/acme/settings/sites").wantRedirect("/login?next=%2Fo%2Facme%2Fsettings%2Fsites")
	login := c.get("/login?next=%2Fo%2Facme%2Fsettings%2Fsites")
	if got := login.attr("input[name=next]", "value"); got != "/o/acme/settings/sites" {
		t.Fatalf("next kept as %q", got)
	}
	c.post("/login", url.Values{"email": {"admin@acme.test"}, "password": {qmstest.Password}, "next": {"/o/acme/settings/sites"}}).
		wantRedirect("/o/acme/settings/sites")
	for _, evil := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		h.client().post("/login", url.Values{"email": {"admin@acme.test"}, "password": {qmstest.Password}, "next": {evil}}).wantRedirect("/")
	}
}

func TestSession_CookieFlagsAndTokenRenewal(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.client()
	// Signing out without a session still starts one (for the flash): a token from before
	// sign-in, which sign-in must replace.
	before := c.post("/logout", nil).header.Get("Set-Cookie")
	after := c.post("/login", url.Values{"email": {"admin@acme.test"}, "password": {qmstest.Password}}).header.Get("Set-Cookie")
	// Max-Age is the 30-minute idle timeout, renewed by each request.
	for _, flag := range []string{"HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=1800"} {
		if !strings.Contains(after, flag) {
			t.Errorf("session cookie %q lacks %s", after, flag)
		}
	}
	if strings.Contains(after, "Secure") {
		t.Errorf("development cookie is Secure, which breaks plain-HTTP local use: %q", after)
	}
	if token(before) == "" || token(before) == token(after) {
		t.Fatalf("the token was not renewed at sign-in: %q then %q", before, after)
	}
}

func TestSession_ProductionCookieIsHostOnlyAndSecure(t *testing.T) {
	h := newHarness(t, Config{Production: true})
	res := h.client().post("/login", url.Values{"email": {"admin@acme.test"}, "password": {qmstest.Password}})
	cookie := res.header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "__Host-plumbline_session=") || !strings.Contains(cookie, "Secure") {
		t.Fatalf("production cookie %q, want __Host- prefixed and Secure", cookie)
	}
	if res.header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS in production")
	}
}

func TestSignOut_EndsTheSessionAndItsToken(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	u, _ := url.Parse(h.http.URL)
	old := c.http.Jar.Cookies(u)
	c.post("/logout", nil).wantRedirect("/login")
	c.get("/o/acme/").wantRedirect("/login?next=%2Fo%2Facme%2F")

	// Replaying the cookie from before sign-out gets nowhere.
	replay := h.client()
	replay.http.Jar.SetCookies(u, old)
	replay.get("/o/acme/").wantRedirect("/login?next=%2Fo%2Facme%2F")
}

func TestSignIn_TemporaryPasswordMustBeChangedFirst(t *testing.T) {
	h := newHarness(t, Config{})
	admin := h.signedIn(h.acme, auth.RoleAdmin)
	admin.post("/o/acme/settings/members", url.Values{"email": {"nina@acme.test"}, "name": {"Nina New"}, "role": {"process_owner"}}).
		wantRedirect("/o/acme/settings/members")
	page := admin.get("/o/acme/settings/members").wantStatus(http.StatusOK)
	temp := page.text("code.secret")
	if temp == "" {
		t.Fatalf("the temporary password is not shown:\n%s", page.body)
	}
	if admin.get("/o/acme/settings/members").count("code.secret") != 0 {
		t.Fatal("the temporary password is shown a second time")
	}

	nina := h.client()
	nina.post("/login", url.Values{"email": {"nina@acme.test"}, "password": {temp}}).wantRedirect("/")
	nina.get("/o/acme/").wantRedirect("/account/password")
	nina.post("/account/password", url.Values{"current": {temp}, "new": {"short"}, "confirm": {"short"}}).
		wantStatus(http.StatusUnprocessableEntity)
	nina.post("/account/password", url.Values{"current": {temp}, "new": {"ninas own password"}, "confirm": {"ninas own password"}}).
		wantRedirect("/")
	nina.get("/o/acme/").wantStatus(http.StatusOK)
}

func token(setCookie string) string {
	v, _, _ := strings.Cut(setCookie, ";")
	_, tok, _ := strings.Cut(v, "=")
	return tok
}
