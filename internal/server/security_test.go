package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
)

// TestRoutes_AnotherOrganisationIsNotFound walks every registered route and requests it as a
// signed-in admin of acme: with globex's slug, and with acme's slug but globex's ids. Each must
// answer 404 and change nothing, so a new route is covered the day it is added. A route with
// a parameter this test does not know fails until a foreign value is added below.
func TestRoutes_AnotherOrganisationIsNotFound(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	g := h.globex
	site, err := h.svc.CreateSite(ctx, g.Admin, qms.SiteInput{Name: "Springfield"})
	if err != nil {
		t.Fatal(err)
	}
	process, err := h.svc.CreateProcess(ctx, g.Admin, qms.ProcessInput{Name: "Secret process", OwnerID: g.ProcessOwner.UserID})
	if err != nil {
		t.Fatal(err)
	}
	objective, err := h.svc.CreateObjective(ctx, g.Admin, qms.ObjectiveInput{Title: "Springfield output", OwnerID: g.ProcessOwner.UserID,
		ProcessID: process.ID, TargetValue: "95", Direction: qms.AtLeast, Frequency: qms.Monthly, StartDate: "2026-01-01", ReviewDate: "2026-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	measurement, err := h.svc.RecordMeasurement(ctx, g.Admin, objective.ID, qms.MeasurementInput{Period: "2026-01", Value: "96"})
	if err != nil {
		t.Fatal(err)
	}
	doc, version, flag, docType := foreignDocument(t, h, process)
	audit := globexAudit(t, h, process)
	recs := globexRecords(t, h)
	capaID, actionID := globexCAPA(t, h, process)
	review, reviewOutput := globexReview(t, h)
	foreign := map[string]string{
		"siteID":         site.ID.String(),
		"processID":      process.ID.String(),
		"objectiveID":    objective.ID.String(),
		"measurementID":  measurement.Measurement.ID.String(),
		"userID":         g.Viewer.UserID.String(), // a member of globex only
		"fileID":         storeFile(t, h, g.Admin, "globex-only.pdf", "%PDF-1.4\nSpringfield\n").String(),
		"documentID":     doc.String(),
		"versionID":      version.String(),
		"flagID":         flag.String(),
		"documentTypeID": docType.String(),
		"recordID":       recs.record.String(),
		"revision":       "1", // of globex's record
		"supplierID":     recs.supplier.String(),
		"typeID":         recs.recordType.String(),
		"importID":       recs.importID.String(),
		"number":         "99.9", // clauses are the same for everyone; there is no clause 99.9
		"auditID":        audit.AuditID.String(),
		"itemID":         audit.ItemID.String(),
		"evidenceID":     audit.EvidenceID.String(),
		"findingID":      audit.FindingID.String(),
		"templateID":     audit.TemplateID.String(),
		"capaID":         capaID.String(),
		"actionID":       actionID.String(),
		"reviewID":       review.String(),
		"outputID":       reviewOutput.String(),
		"inputKey":       "c1",
		"riskID":         globexRisk(t, h, process).String(),
	}
	trailBefore, err := h.svc.AuditTrail(ctx, g.Admin, qms.AuditFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}

	c := h.signedIn(h.acme, auth.RoleAdmin)
	walked := 0
	param := regexp.MustCompile(`\{(\w+)\}`)
	err = chi.Walk(h.server.handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(route, "/o/{org}") {
			return nil
		}
		walked++
		fill := func(org string, ids map[string]string) string {
			return param.ReplaceAllStringFunc(route, func(m string) string {
				name := param.FindStringSubmatch(m)[1]
				if name == "org" {
					return org
				}
				v, ok := ids[name]
				if !ok {
					t.Errorf("route %s has parameter {%s}: add a foreign value for it to this test", route, name)
				}
				return v
			})
		}
		paths := []string{fill("globex", foreign), fill("no-such-org", foreign)}
		if param.FindAllString(route, -1)[len(param.FindAllString(route, -1))-1] != "{org}" {
			paths = append(paths, fill("acme", foreign)) // acme's address, globex's object
		}
		for _, p := range paths {
			var res *response
			if method == http.MethodPost {
				res = c.post(p, url.Values{"version": {"1"}, "name": {"Taken"}, "role": {"viewer"}, "email": {"x@y.z"}})
			} else {
				res = c.get(p)
			}
			if res.status != http.StatusNotFound {
				t.Errorf("%s %s (from route %s): status %d, want 404", method, p, route, res.status)
			}
			if strings.Contains(res.body, "Springfield") || strings.Contains(res.body, "Secret process") {
				t.Errorf("%s %s shows globex's data", method, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if walked < 15 {
		t.Fatalf("walked only %d tenant routes; is the walk seeing the router?", walked)
	}
	trailAfter, err := h.svc.AuditTrail(ctx, g.Admin, qms.AuditFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(trailAfter.Entries) != len(trailBefore.Entries) {
		t.Fatalf("the walk changed globex: %d trail entries before, %d after", len(trailBefore.Entries), len(trailAfter.Entries))
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	form := url.Values{"name": {"Planted by another site"}}
	for _, headers := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Origin": "https://evil.example"}, // an older browser without Fetch metadata
	} {
		res := c.postWith("/o/acme/settings/sites", form, headers).wantStatus(http.StatusForbidden)
		if !strings.Contains(res.text("h1"), "refused") {
			t.Errorf("refusal page heading %q", res.text("h1"))
		}
	}
	if strings.Contains(c.get("/o/acme/settings/sites").body, "Planted by another site") {
		t.Fatal("a cross-origin post created a site")
	}
	// The same post from this site works.
	c.post("/o/acme/settings/sites", form).wantRedirect("/o/acme/settings/sites")
}

func TestSecurityHeadersOnEveryKindOfPage(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	anon := h.client()
	pages := map[string]*response{
		"sign-in":     anon.get("/login"),
		"home":        c.get("/o/acme/"),
		"settings":    c.get("/o/acme/settings/processes"),
		"audit trail": c.get("/o/acme/settings/audit-trail"),
		"not found":   c.get("/o/acme/no-such-page"),
		"foreign org": c.get("/o/globex/"),
		"stylesheet":  anon.get("/static/app.css"),
		"health":      anon.get("/healthz"),
	}
	for name, res := range pages {
		csp := res.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", name, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline code", name)
		}
		for header, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "same-origin",
			"X-Frame-Options":        "DENY",
		} {
			if got := res.header.Get(header); got != want {
				t.Errorf("%s: %s is %q, want %q", name, header, got, want)
			}
		}
		if res.header.Get("X-Request-Id") == "" {
			t.Errorf("%s: no request id", name)
		}
	}
	if pages["home"].header.Get("Cache-Control") != "no-store" {
		t.Error("organisation pages may be cached")
	}
}

func TestPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	for _, p := range []string{"/o/acme/", "/o/acme/settings/members", "/o/acme/settings/sites", "/o/acme/settings/processes", "/o/acme/settings/audit-trail"} {
		res := c.get(p).wantStatus(http.StatusOK)
		if n := res.count("[style], style"); n > 0 {
			t.Errorf("%s has %d inline styles, which the CSP blocks", p, n)
		}
		res.doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if src, _ := s.Attr("src"); src == "" {
				t.Errorf("%s has an inline script", p)
			}
		})
		if res.doc.Find("[onclick], [onload], [onsubmit]").Length() > 0 {
			t.Errorf("%s has inline event handlers", p)
		}
	}
}

func TestNonMembersAndForeignPathsAre404NotForbidden(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleViewer)
	res := c.get("/o/globex/").wantStatus(http.StatusNotFound)
	if strings.Contains(res.body, "Org globex") {
		t.Fatal("the 404 page names the foreign organisation")
	}
	c.get("/o/does-not-exist/").wantStatus(http.StatusNotFound)
	c.get("/o/acme/settings/sites/not-a-uuid").wantStatus(http.StatusNotFound)
}

func TestRolesWithoutPermissionGetForbidden(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleViewer)
	for _, p := range []string{"/o/acme/settings/members", "/o/acme/settings/sites", "/o/acme/settings/processes", "/o/acme/settings/audit-trail"} {
		c.get(p).wantStatus(http.StatusForbidden)
	}
	c.post("/o/acme/settings/sites", url.Values{"name": {"Viewer's site"}}).wantStatus(http.StatusForbidden)
	// And the home page does not offer what would be refused.
	if n := c.get("/o/acme/").count("a[href^='/o/acme/settings']"); n != 0 {
		t.Fatalf("a viewer's home links to %d settings pages", n)
	}
}

func TestErrors_InternalDetailIsNeverShown(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	h.db.App.Close() // every query now fails with "closed pool"
	res := c.get("/o/acme/").wantStatus(http.StatusInternalServerError)
	if strings.Contains(strings.ToLower(res.body), "pool") || strings.Contains(res.body, "sql") {
		t.Fatalf("internal error text reached the page:\n%s", res.body)
	}
	if id := res.header.Get("X-Request-Id"); !strings.Contains(res.body, id) {
		t.Fatal("the 500 page does not show the request id")
	}
	anon := h.client()
	anon.get("/readyz").wantStatus(http.StatusServiceUnavailable)
	anon.get("/healthz").wantStatus(http.StatusOK)
}

func TestErrors_PanicsBecomeA500WithoutDetail(t *testing.T) {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	handler := s.requestID(s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret internal detail")
	})))
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "secret internal detail") {
		t.Fatalf("status %d, body:\n%s", rec.Code, rec.Body.String())
	}
	if !strings.Contains(rec.Body.String(), rec.Header().Get("X-Request-Id")) {
		t.Fatal("no request id on the 500 page")
	}
}

func TestRequestBodiesAreLimited(t *testing.T) {
	h := newHarness(t, Config{MaxFormBytes: 64 << 10})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	c.post("/o/acme/settings/sites", url.Values{"name": {strings.Repeat("x", 100<<10)}}).wantStatus(http.StatusRequestEntityTooLarge)
}

func TestReadiness(t *testing.T) {
	h := newHarness(t, Config{})
	h.client().get("/readyz").wantStatus(http.StatusOK)
	h.client().get("/healthz").wantStatus(http.StatusOK)
}
