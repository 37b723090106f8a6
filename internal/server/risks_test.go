package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// globexRisk is a risk of globex, for the cross-tenant walk.
func globexRisk(t *testing.T, h *harness, process qms.Process) uuid.UUID {
	t.Helper()
	g := h.globex
	return qmstest.Must(h.svc.CreateRisk(context.Background(), g.QualityManager, qms.RiskInput{
		Kind: "risk", Title: "Springfield meltdown", ProcessID: process.ID, OwnerID: g.ProcessOwner.UserID,
		InherentLikelihood: "5", InherentSeverity: "5", ResidualLikelihood: "3", ResidualSeverity: "4",
		Treatment: "reduce", ReviewDate: "2026-12-31",
	}))(t).ID
}

func riskForm(process uuid.UUID, owner uuid.UUID) url.Values {
	return url.Values{
		"kind": {"risk"}, "title": {"Nonconforming parts reach the customer"}, "process_id": {process.String()},
		"owner_id": {owner.String()}, "inherent_likelihood": {"4"}, "inherent_severity": {"4"},
		"residual_likelihood": {"2"}, "residual_severity": {"3"}, "treatment": {"reduce"}, "review_date": {"2026-12-31"},
		"existing_controls": {"Final inspection"},
	}
}

func TestRisks_FormsAnswer422PerFieldAndKeepTheInput(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	a := h.acme
	production := acmeProcess(t, h, "Production")
	qm := h.signedIn(a, auth.RoleQualityManager)

	qm.get("/o/acme/risks/new").wantStatus(http.StatusOK)
	bad := riskForm(production.ID, a.ProcessOwner.UserID)
	bad.Set("residual_severity", "9")
	bad.Set("documents", "QP-999")
	bad.Set("title", "Kept title")
	res := qm.post("/o/acme/risks", bad).wantStatus(http.StatusUnprocessableEntity)
	if res.text(".field-error, [id$=-error]") == "" && !strings.Contains(res.body, "Choose 1 to 5.") {
		t.Errorf("no message next to the severity: %s", clip(res.body))
	}
	if res.attr("input[name=title]", "value") != "Kept title" {
		t.Error("the typed title was not kept")
	}
	bad.Set("residual_severity", "3")
	res = qm.post("/o/acme/risks", bad).wantStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.body, "There is no document QP-999.") {
		t.Errorf("unknown document: %s", clip(res.body))
	}

	res = qm.post("/o/acme/risks", riskForm(production.ID, a.ProcessOwner.UserID)).wantStatus(http.StatusSeeOther)
	page := qm.get(res.location).wantStatus(http.StatusOK)
	if !strings.Contains(page.text("#why-h"), "Why is this risk at 6?") {
		t.Errorf("risk page heading %q", page.text("#why-h"))
	}
	// A major NC raised on the process: the page says why the risk is at 12 and links the finding.
	f := qmstest.Must(h.svc.RaiseFinding(ctx, a.QualityManager, qms.FindingInput{Classification: qms.MajorNC, Source: qms.SourceOther,
		Statement: "Released uninspected", ClauseNumber: "8.6", ObjectiveEvidence: "DN-1", ProcessID: production.ID}))(t)
	page = qm.get(res.location).wantStatus(http.StatusOK)
	if !strings.Contains(page.text("#why-h"), "at 12?") || page.attr("tr.reason[data-signal=major_nc] a", "href") != "/o/acme/findings/"+f.ID.String() {
		t.Errorf("why: %q", page.text(".why-exposure"))
	}
	if page.count("svg.chart, .exposure-history tbody tr") < 2 {
		t.Errorf("no history shown")
	}

	// Editing: a stale version is a conflict, shown, never overwritten.
	edit := qm.get(res.location + "/edit").wantStatus(http.StatusOK)
	version := edit.attr("input[name=version]", "value")
	form := riskForm(production.ID, a.ProcessOwner.UserID)
	form.Set("version", version)
	form.Set("residual_likelihood", "3")
	qm.post(res.location+"/edit", form).wantStatus(http.StatusSeeOther)
	form.Set("residual_likelihood", "1")
	qm.post(res.location+"/edit", form).wantStatus(http.StatusConflict)
	if page = qm.get(res.location); !strings.Contains(page.text("#why-h"), "at 15?") {
		t.Errorf("after re-assessment: %q", page.text("#why-h"))
	}

	// Viewers read the register and the weights, and change nothing.
	v := h.signedIn(a, auth.RoleViewer)
	v.get("/o/acme/risks").wantStatus(http.StatusOK)
	v.get("/o/acme/risks/new").wantStatus(http.StatusForbidden)
	w := v.get("/o/acme/settings/exposure-weights").wantStatus(http.StatusOK)
	if w.count("input[type=number]") != 0 || !strings.Contains(w.body, "Open major nonconformity") {
		t.Error("viewer's weights page")
	}
	v.post("/o/acme/settings/exposure-weights", url.Values{"weight_major_nc": {"1"}, "version_major_nc": {"1"}}).wantStatus(http.StatusForbidden)
	w = qm.post("/o/acme/settings/exposure-weights", url.Values{"weight_major_nc": {"30"}, "version_major_nc": {"1"}}).wantStatus(http.StatusUnprocessableEntity)
	if w.attr("input[name=weight_major_nc]", "value") != "30" {
		t.Error("the typed weight was not kept")
	}
	qm.post("/o/acme/settings/exposure-weights", url.Values{"weight_major_nc": {"8"}, "version_major_nc": {"1"}}).wantStatus(http.StatusSeeOther)
	qm.post("/o/acme/settings/exposure-weights", url.Values{"weight_major_nc": {"7"}, "version_major_nc": {"1"}}).wantStatus(http.StatusConflict)
	if page = qm.get(res.location); !strings.Contains(page.text("#why-h"), "at 17?") {
		t.Errorf("after the weight change: %q", page.text("#why-h"))
	}
	// The recurring list.
	again := qmstest.Must(h.svc.RaiseFinding(ctx, a.QualityManager, qms.FindingInput{Classification: qms.MinorNC, Source: qms.SourceOther,
		Statement: "Again", ClauseNumber: "8.6", ObjectiveEvidence: "DN-2", ProcessID: production.ID}))(t)
	// The finding says it recurs, on its page and in the list; the first one does not.
	if fp := v.get("/o/acme/findings/" + again.ID.String()).wantStatus(http.StatusOK); !strings.Contains(fp.text(".eyebrow"), "Recurring") {
		t.Errorf("the recurring finding's page: %q", fp.text(".eyebrow"))
	}
	if fp := v.get("/o/acme/findings/" + f.ID.String()).wantStatus(http.StatusOK); strings.Contains(fp.text(".eyebrow"), "Recurring") {
		t.Errorf("the first finding is marked recurring: %q", fp.text(".eyebrow"))
	}
	if list := v.get("/o/acme/findings").wantStatus(http.StatusOK); list.count("table.findings .recurring-badge") != 1 {
		t.Errorf("%d recurring badges in the findings list", list.count("table.findings .recurring-badge"))
	}
	if rec := v.get("/o/acme/findings/recurring").wantStatus(http.StatusOK); rec.count("table.recurring tbody tr") != 1 || !strings.Contains(rec.body, f.Reference) {
		t.Errorf("recurring list: %s", clip(rec.text("main")))
	}
}

// The register filters, pages by keyset and its heat map cells link to exactly their risks.
func TestRisks_RegisterFiltersAndHeatMapCellsAgree(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	a := h.acme
	production := acmeProcess(t, h, "Production")
	stores := acmeProcess(t, h, "Stores")
	for i := range 7 {
		p := production
		if i%3 == 0 {
			p = stores
		}
		qmstest.Must(h.svc.CreateRisk(ctx, a.QualityManager, qms.RiskInput{
			Kind: "risk", Title: "Risk " + strconv.Itoa(i), ProcessID: p.ID, OwnerID: a.ProcessOwner.UserID,
			InherentLikelihood: "5", InherentSeverity: "5", ResidualLikelihood: strconv.Itoa(1 + i%5), ResidualSeverity: strconv.Itoa(1 + (i*2)%5),
			Treatment: "reduce", ReviewDate: "2026-12-31",
		}))(t)
	}
	c := h.signedIn(a, auth.RoleViewer)
	list := c.get("/o/acme/risks").wantStatus(http.StatusOK)
	if n := list.count("table.risks tbody tr"); n != 7 {
		t.Fatalf("register shows %d", n)
	}
	cells := 0
	for l := 1; l <= 5; l++ {
		for sev := 1; sev <= 5; sev++ {
			sel := "svg.heatmap a[data-cell='" + strconv.Itoa(l) + "-" + strconv.Itoa(sev) + "']"
			want, _ := strconv.Atoi(list.attr(sel, "data-count"))
			href := list.attr(sel, "href")
			if got := c.get(href).wantStatus(http.StatusOK).count("table.risks tbody tr"); got != want {
				t.Errorf("cell %d-%d: map says %d, list has %d", l, sev, want, got)
			}
			cells += want
		}
	}
	if cells != 7 {
		t.Errorf("the heat map counts %d risks", cells)
	}
	storesList := c.get("/o/acme/risks?process=" + stores.ID.String())
	if n := storesList.count("table.risks tbody tr"); n != 3 {
		t.Errorf("stores: %d", n)
	}
	// A filtered register's cells keep the filter: each lists its own risks of that process.
	cells = 0
	for l := 1; l <= 5; l++ {
		for sev := 1; sev <= 5; sev++ {
			sel := "svg.heatmap a[data-cell='" + strconv.Itoa(l) + "-" + strconv.Itoa(sev) + "']"
			want, _ := strconv.Atoi(storesList.attr(sel, "data-count"))
			href := storesList.attr(sel, "href")
			if !strings.Contains(href, "process="+stores.ID.String()) {
				t.Errorf("cell %d-%d drops the process filter: %s", l, sev, href)
			}
			if got := c.get(href).wantStatus(http.StatusOK).count("table.risks tbody tr"); got != want {
				t.Errorf("stores cell %d-%d: map says %d, list has %d", l, sev, want, got)
			}
			cells += want
		}
	}
	if cells != 3 {
		t.Errorf("the stores heat map counts %d risks", cells)
	}
	// Re-checking changes nothing when nothing happened, and is not for viewers.
	c.post("/o/acme/risks/recheck", url.Values{}).wantStatus(http.StatusForbidden)
	qm := h.signedIn(a, auth.RoleQualityManager)
	qm.post("/o/acme/risks/recheck", url.Values{}).wantRedirect("/o/acme/risks")
	if flash := qm.get("/o/acme/risks").text(".flash"); !strings.Contains(flash, "0 risks changed") {
		t.Errorf("flash %q", flash)
	}
	c.get("/o/acme/risks?band=purple").wantStatus(http.StatusNotFound)
	c.get("/o/acme/risks?likelihood=9&severity=1").wantStatus(http.StatusNotFound)
}

// Retiring a risk needs a reason (422, the form kept open with what was typed), refuses a stale
// page, takes the risk off the register's default view and the heat map, and stops its
// re-scoring; reinstating it re-scores it from what is happening now.
func TestRisks_RetireAndReinstateWithAReason(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	a := h.acme
	production := acmeProcess(t, h, "Production")
	qm := h.signedIn(a, auth.RoleQualityManager)
	res := qm.post("/o/acme/risks", riskForm(production.ID, a.ProcessOwner.UserID)).wantStatus(http.StatusSeeOther)
	riskPath := res.location
	page := qm.get(riskPath).wantStatus(http.StatusOK)
	version := page.attr(".risk-status input[name=version]", "value")
	hub := "/o/acme/processes/" + production.ID.String()
	if sec := qm.get(hub).wantStatus(http.StatusOK); !strings.Contains(sec.text("#risks-section"), "Nonconforming parts reach the customer") {
		t.Errorf("the process page does not list its risk: %q", sec.text("#risks-section"))
	}

	typed := url.Values{"status": {"retired"}, "version": {version}, "reason": {"   "}}
	bad := qm.post(riskPath+"/status", typed).wantStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(bad.text(".risk-status"), "Say why") || bad.count("details.risk-status[open]") != 1 {
		t.Errorf("no message next to the reason: %q", bad.text(".risk-status"))
	}
	long := strings.Repeat("x", 2001)
	typed.Set("reason", long)
	if kept := qm.post(riskPath+"/status", typed).wantStatus(http.StatusUnprocessableEntity); kept.text(".risk-status textarea[name=reason]") != long {
		t.Error("the typed reason was not kept")
	}
	typed.Set("reason", "Line 3 was sold in October; the process no longer exists.")
	typed.Set("version", "999")
	qm.post(riskPath+"/status", typed).wantStatus(http.StatusConflict)
	typed.Set("version", version)
	h.signedIn(a, auth.RoleViewer).post(riskPath+"/status", typed).wantStatus(http.StatusForbidden)
	qm.post(riskPath+"/status", typed).wantStatus(http.StatusSeeOther)

	page = qm.get(riskPath).wantStatus(http.StatusOK)
	if !strings.Contains(page.text(".toolbar"), "Retired") || page.count(".toolbar a[href$='/edit']") != 0 {
		t.Errorf("retired risk page: %q", page.text(".toolbar"))
	}
	// Nor can it be re-assessed while retired, whatever the page shows.
	edit := riskForm(production.ID, a.ProcessOwner.UserID)
	edit.Set("version", page.attr(".risk-status input[name=version]", "value"))
	qm.post(riskPath+"/edit", edit).wantStatus(http.StatusConflict)
	if list := qm.get("/o/acme/risks").wantStatus(http.StatusOK); list.count("table.risks tbody tr") != 0 {
		t.Errorf("a retired risk is still in the register's default view")
	}
	if sec := qm.get(hub).wantStatus(http.StatusOK); strings.Contains(sec.text("#risks-section"), "Nonconforming parts") {
		t.Error("the process page still lists the retired risk")
	}
	if list := qm.get("/o/acme/risks?status=retired").wantStatus(http.StatusOK); list.count("table.risks tbody tr") != 1 {
		t.Errorf("the retired risk is not listed under retired")
	}
	// A major NC on the process no longer moves it.
	qmstest.Must(h.svc.RaiseFinding(ctx, a.QualityManager, qms.FindingInput{Classification: qms.MajorNC, Source: qms.SourceOther,
		Statement: "Released uninspected", ClauseNumber: "8.6", ObjectiveEvidence: "DN-1", ProcessID: production.ID}))(t)
	if page = qm.get(riskPath); !strings.Contains(page.text("#why-h"), "at 6?") {
		t.Errorf("a retired risk was re-scored: %q", page.text("#why-h"))
	}

	// Reinstated, it is re-scored at once: 6 residual + 6 for the open major NC.
	back := url.Values{"status": {"active"}, "version": {page.attr(".risk-status input[name=version]", "value")},
		"reason": {"The line was not sold after all."}}
	qm.post(riskPath+"/status", back).wantStatus(http.StatusSeeOther)
	if page = qm.get(riskPath); !strings.Contains(page.text("#why-h"), "at 12?") || !strings.Contains(page.text(".exposure-history"), "reinstated") {
		t.Errorf("after reinstating: %q / %q", page.text("#why-h"), page.text(".exposure-history"))
	}
}
