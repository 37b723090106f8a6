package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/auth"
)

func TestSites_BadInputIs422WithMessagesAndTheInputKept(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	res := c.post("/o/acme/settings/sites", url.Values{
		"name": {"  "}, "code": {strings.Repeat("C", 25)}, "address": {"1 Canal Street\nLeeds"},
	}).wantStatus(http.StatusUnprocessableEntity)
	if res.text("#name-error") == "" || res.text("#code-error") == "" {
		t.Fatalf("no message next to name or code:\n%s", res.body)
	}
	if res.attr("input#name", "aria-describedby") != "name-error" {
		t.Error("the name field is not tied to its message")
	}
	if res.attr("input#code", "value") != strings.Repeat("C", 25) || res.text("textarea#address") != "1 Canal Street\nLeeds" {
		t.Fatalf("input lost:\n%s", res.body)
	}
}

func TestSites_CreateEditArchive(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	c.post("/o/acme/settings/sites", url.Values{"name": {"Leeds"}, "code": {"LDS"}}).wantRedirect("/o/acme/settings/sites")
	list := c.get("/o/acme/settings/sites").wantStatus(http.StatusOK)
	if !strings.Contains(list.text(".flash"), "Leeds") {
		t.Errorf("flash %q", list.text(".flash"))
	}
	href := list.attr("#sites a", "href")
	edit := c.get(href).wantStatus(http.StatusOK)
	version := edit.attr("form input[name=version]", "value")
	c.post(href, url.Values{"name": {"Leeds Plant"}, "code": {"LDS"}, "version": {version}}).wantRedirect("/o/acme/settings/sites")
	edit = c.get(href)
	if edit.attr("input#name", "value") != "Leeds Plant" {
		t.Fatal("the edit was not saved")
	}
	c.post(href+"/archive", url.Values{"version": {edit.attr("form[action$='/archive'] input[name=version]", "value")}}).wantRedirect(href)
	if !strings.Contains(c.get("/o/acme/settings/sites").text("#sites"), "Archived") {
		t.Fatal("the site is not shown as archived")
	}
}

// Two people open the same site; the second to save is told, sees the first one's version,
// and keeps what they typed.
func TestSites_AnEditConflictIsShownAndNothingIsLost(t *testing.T) {
	h := newHarness(t, Config{})
	priya := h.signedIn(h.acme, auth.RoleAdmin)
	priya.post("/o/acme/settings/sites", url.Values{"name": {"Leeds"}}).wantRedirect("/o/acme/settings/sites")
	href := priya.get("/o/acme/settings/sites").attr("#sites a", "href")

	mine := priya.get(href).attr("form input[name=version]", "value")
	theirs := mine
	// The other editor saves first.
	priya.post(href, url.Values{"name": {"Leeds Plant"}, "address": {"Their address"}, "version": {theirs}}).wantRedirect("/o/acme/settings/sites")

	res := priya.post(href, url.Values{"name": {"Leeds Works"}, "address": {"My address"}, "version": {mine}}).wantStatus(http.StatusConflict)
	if !strings.Contains(res.text(".conflict"), "Leeds Plant") || !strings.Contains(res.text(".conflict"), "Their address") {
		t.Fatalf("their version is not shown:\n%s", res.body)
	}
	if res.attr("input#name", "value") != "Leeds Works" || res.text("textarea#address") != "My address" {
		t.Fatalf("my input was lost:\n%s", res.body)
	}
	if res.attr("form input[name=version]", "value") == mine {
		t.Fatal("saving again would conflict forever: the form still carries the stale version")
	}
	// Saving again applies mine over theirs, deliberately.
	priya.post(href, url.Values{"name": {"Leeds Works"}, "address": {"My address"}, "version": {res.attr("form input[name=version]", "value")}}).
		wantRedirect("/o/acme/settings/sites")
}

func TestProcesses_OwnerIsChosenFromMembersAndValidated(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	page := c.get("/o/acme/settings/processes").wantStatus(http.StatusOK)
	if n := page.count("select#owner_user_id option"); n != 1+5 {
		t.Fatalf("%d owner choices, want an empty one and the 5 members", n)
	}
	res := c.post("/o/acme/settings/processes", url.Values{"name": {"Production"}, "description": {"CNC machining"}}).
		wantStatus(http.StatusUnprocessableEntity)
	if res.text("#owner_user_id-error") == "" || res.attr("input#name", "value") != "Production" {
		t.Fatalf("no owner message or input lost:\n%s", res.body)
	}
	// An owner from another organisation is refused even if posted by hand.
	res = c.post("/o/acme/settings/processes", url.Values{"name": {"Production"}, "owner_user_id": {h.globex.ProcessOwner.UserID.String()}}).
		wantStatus(http.StatusUnprocessableEntity)
	if res.text("#owner_user_id-error") == "" {
		t.Fatal("a foreign owner was not refused next to the field")
	}
	c.post("/o/acme/settings/processes", url.Values{"name": {"Production"}, "owner_user_id": {h.acme.ProcessOwner.UserID.String()}}).
		wantRedirect("/o/acme/settings/processes")
	if !strings.Contains(c.get("/o/acme/settings/processes").text("#processes"), h.acme.ProcessOwner.Name) {
		t.Fatal("the owner is not listed")
	}
}

func TestProcesses_AnEditConflictIsShownAndNothingIsLost(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	owner := h.acme.ProcessOwner.UserID.String()
	c.post("/o/acme/settings/processes", url.Values{"name": {"Sales"}, "owner_user_id": {owner}}).wantRedirect("/o/acme/settings/processes")
	href := c.get("/o/acme/settings/processes").attr("#processes a", "href")
	version := c.get(href).attr("form input[name=version]", "value")
	c.post(href, url.Values{"name": {"Sales & service"}, "owner_user_id": {owner}, "description": {"theirs"}, "version": {version}}).
		wantRedirect("/o/acme/settings/processes")
	res := c.post(href, url.Values{"name": {"Sales"}, "owner_user_id": {owner}, "description": {"mine, typed carefully"}, "version": {version}}).
		wantStatus(http.StatusConflict)
	if !strings.Contains(res.text(".conflict"), "Sales & service") || res.text("textarea#description") != "mine, typed carefully" {
		t.Fatalf("conflict page:\n%s", res.body)
	}
}

func TestMembers_AddChangeRoleRemove(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	// An existing account from another organisation joins.
	c.post("/o/acme/settings/members", url.Values{"email": {h.globex.Auditor.Email}, "role": {"auditor"}}).
		wantRedirect("/o/acme/settings/members")
	page := c.get("/o/acme/settings/members")
	row := "#members tr:contains('" + h.globex.Auditor.Email + "')"
	if page.count(row) != 1 {
		t.Fatalf("the new member is not listed:\n%s", page.body)
	}
	action := page.attr(row+" form[action$='/role']", "action")
	version := page.attr(row+" form[action$='/role'] input[name=version]", "value")
	c.post(action, url.Values{"role": {"viewer"}, "version": {version}}).wantRedirect("/o/acme/settings/members")
	page = c.get("/o/acme/settings/members")
	if got := page.attr(row+" select option[selected]", "value"); got != "viewer" {
		t.Fatalf("role is %q after the change", got)
	}
	remove := page.attr(row+" form[action$='/remove']", "action")
	c.post(remove, url.Values{"version": {page.attr(row+" form[action$='/remove'] input[name=version]", "value")}}).
		wantRedirect("/o/acme/settings/members")
	if c.get("/o/acme/settings/members").count(row) != 0 {
		t.Fatal("the member was not removed")
	}
}

func TestMembers_BadInputIs422AndTheLastAdminRefusalIsShown(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	res := c.post("/o/acme/settings/members", url.Values{"email": {"not an email"}, "name": {"Kept Name"}, "role": {"auditor"}}).
		wantStatus(http.StatusUnprocessableEntity)
	if res.text("#email-error") == "" || res.attr("input#name", "value") != "Kept Name" || res.attr("select#role option[selected]", "value") != "auditor" {
		t.Fatalf("422 page:\n%s", res.body)
	}
	page := c.get("/o/acme/settings/members")
	row := "#members tr:contains('admin@acme.test')"
	res = c.post(page.attr(row+" form[action$='/role']", "action"), url.Values{
		"role": {"viewer"}, "version": {page.attr(row+" form[action$='/role'] input[name=version]", "value")},
	}).wantStatus(http.StatusConflict)
	if !strings.Contains(res.text(".alert"), "at least one admin") {
		t.Fatalf("alert %q", res.text(".alert"))
	}
}

func TestAuditTrail_PageListsAndFiltersChanges(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleAdmin)
	c.post("/o/acme/settings/sites", url.Values{"name": {"Leeds"}}).wantRedirect("/o/acme/settings/sites")
	all := c.get("/o/acme/settings/audit-trail").wantStatus(http.StatusOK)
	if !strings.Contains(all.text("#audit-trail"), "Created site Leeds") || !strings.Contains(all.text("#audit-trail"), "Added") {
		t.Fatalf("trail:\n%s", all.text("#audit-trail"))
	}
	sites := c.get("/o/acme/settings/audit-trail?entity=site")
	if strings.Contains(sites.text("#audit-trail"), "Added") || !strings.Contains(sites.text("#audit-trail"), "Leeds") {
		t.Fatalf("filtered trail:\n%s", sites.text("#audit-trail"))
	}
	// A quality manager reads it too.
	h.signedIn(h.acme, auth.RoleQualityManager).get("/o/acme/settings/audit-trail").wantStatus(http.StatusOK)
}
