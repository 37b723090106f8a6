package server

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// postFile sends a multipart form with one file, the way a browser on this site does.
func (c *client) postFile(path string, fields map[string]string, fileField, filename, content string) *response {
	c.h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile(fileField, filename)
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, c.h.http.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.h.http.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// objectiveIn creates, in acme, a process owned by the process owner and an on-time delivery
// objective for it, owned by them too, and returns the objective's path.
func objectiveIn(t *testing.T, h *harness) (qms.Objective, string) {
	t.Helper()
	ctx := context.Background()
	p := qmstest.Must(h.svc.CreateProcess(ctx, h.acme.Admin, qms.ProcessInput{Name: "Dispatch", OwnerID: h.acme.ProcessOwner.UserID}))(t)
	o := qmstest.Must(h.svc.CreateObjective(ctx, h.acme.QualityManager, qms.ObjectiveInput{
		Title: "On-time delivery", OwnerID: h.acme.ProcessOwner.UserID, ProcessID: p.ID, TargetValue: "95", Unit: "%",
		Direction: qms.AtLeast, Tolerance: "2", Frequency: qms.Monthly, StartDate: "2026-01-01", ReviewDate: "2026-12-31",
	}))(t)
	return o, "/o/acme/objectives/" + o.ID.String()
}

func TestObjectives_BadInputIs422WithMessagesAndTheInputKept(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleQualityManager)
	form := c.get("/o/acme/objectives/new").wantStatus(http.StatusOK)
	if form.attr("select#clause option[selected]", "value") != "6.2" {
		t.Fatal("a new objective does not default to clause 6.2")
	}
	res := c.post("/o/acme/objectives", url.Values{
		"title": {" "}, "description": {"Deliveries on time,\nmeasured at despatch."}, "target_value": {"ninety-five"},
		"unit": {"%"}, "direction": {"at_least"}, "tolerance": {"2"}, "frequency": {"monthly"}, "source": {"manual"},
		"start_date": {"2026-01-01"}, "review_date": {"2025-12-31"}, "clause": {"6.2"},
	}).wantStatus(http.StatusUnprocessableEntity)
	for _, id := range []string{"#title-error", "#target_value-error", "#process_id-error", "#owner_user_id-error", "#review_date-error"} {
		if res.text(id) == "" {
			t.Errorf("no message at %s", id)
		}
	}
	if res.attr("input#target_value", "value") != "ninety-five" || res.text("textarea#description") != "Deliveries on time,\nmeasured at despatch." ||
		res.attr("input#start_date", "value") != "2026-01-01" {
		t.Fatalf("input lost:\n%s", clip(res.body))
	}
	if res.attr("input#target_value", "aria-describedby") != "target_value-error" {
		t.Error("the target field is not tied to its message")
	}
}

func TestObjectives_SetRecordAndSeeTheStatusAndChart(t *testing.T) {
	h := newHarness(t, Config{})
	qm := h.signedIn(h.acme, auth.RoleQualityManager)
	p := qmstest.Must(h.svc.CreateProcess(context.Background(), h.acme.Admin, qms.ProcessInput{Name: "Dispatch", OwnerID: h.acme.ProcessOwner.UserID}))(t)
	res := qm.post("/o/acme/objectives", url.Values{
		"title": {"On-time delivery"}, "process_id": {p.ID.String()}, "owner_user_id": {h.acme.ProcessOwner.UserID.String()},
		"target_value": {"95"}, "unit": {"%"}, "direction": {"at_least"}, "tolerance": {"2"}, "frequency": {"monthly"},
		"source": {"manual"}, "start_date": {"2026-01-01"}, "review_date": {"2026-12-31"}, "clause": {"6.2"},
	})
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/o/acme/objectives/") {
		t.Fatalf("status %d, location %q", res.status, res.location)
	}
	href := res.location
	owner := h.signedIn(h.acme, auth.RoleProcessOwner)
	page := owner.get(href).wantStatus(http.StatusOK)
	if page.text("#status .badge") != "No data" || page.count("circle.chart-point") != 0 {
		t.Fatalf("a new objective shows %q with %d points", page.text("#status .badge"), page.count("circle.chart-point"))
	}
	owner.post(href+"/measurements", url.Values{"period": {"2026-01"}, "value": {"93.5"}, "note": {"Carrier strike"}}).wantRedirect(href)
	page = owner.get(href).wantStatus(http.StatusOK)
	if !strings.Contains(page.text(".flash"), "Recorded Jan 2026: 93.5%. The objective is at risk.") {
		t.Errorf("flash %q", page.text(".flash"))
	}
	if page.text("#status .badge") != "At risk" || !strings.Contains(page.text("#status"), "misses the target (at least 95%) by 1.5%") {
		t.Fatalf("status %q", page.text("#status"))
	}
	owner.post(href+"/measurements", url.Values{"period": {"2026-02"}, "value": {"96"}}).wantRedirect(href)
	page = owner.get(href)
	if page.text("#status .badge") != "On track" || page.count("circle.chart-point") != 2 || page.count("line.chart-target-line") != 1 {
		t.Fatalf("status %q, %d points", page.text("#status .badge"), page.count("circle.chart-point"))
	}
	if !strings.Contains(page.text("#measurements"), "Carrier strike") {
		t.Fatal("the note is not listed")
	}
	list := h.signedIn(h.acme, auth.RoleViewer).get("/o/acme/objectives").wantStatus(http.StatusOK)
	if !strings.Contains(list.text("#objectives"), "On-time delivery") || list.text("#objectives .badge") != "On track" || list.count("#objectives svg.sparkline") != 1 {
		t.Fatalf("list:\n%s", list.text("#objectives"))
	}
	for _, path := range []string{"/o/acme/objectives", href, href + "/edit", "/o/acme/objectives/new"} {
		checkNoInlineCode(t, qm.get(path).wantStatus(http.StatusOK), path)
	}
}

func checkNoInlineCode(t *testing.T, res *response, path string) {
	t.Helper()
	if n := res.count("[style], style"); n > 0 {
		t.Errorf("%s has %d inline styles, which the CSP blocks", path, n)
	}
	res.doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, _ := s.Attr("src"); src == "" {
			t.Errorf("%s has an inline script", path)
		}
	})
}

func TestMeasurements_BadInputIs422WithTheInputKept(t *testing.T) {
	h := newHarness(t, Config{})
	_, href := objectiveIn(t, h)
	owner := h.signedIn(h.acme, auth.RoleProcessOwner)
	res := owner.post(href+"/measurements", url.Values{"period": {"2026-03"}, "value": {"about 95"}, "note": {"From the despatch log"}}).
		wantStatus(http.StatusUnprocessableEntity)
	if res.text("#value-error") == "" || res.attr("input#value", "value") != "about 95" || res.attr("input#period", "value") != "2026-03" ||
		res.text("textarea#note") != "From the despatch log" {
		t.Fatalf("refused value:\n%s", clip(res.body))
	}
	owner.post(href+"/measurements", url.Values{"period": {"2026-03"}, "value": {"95"}}).wantRedirect(href)
	res = owner.post(href+"/measurements", url.Values{"period": {"2026-03"}, "value": {"97"}}).wantStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.text("#period-error"), "Mar 2026 already has a value (95%)") {
		t.Fatalf("period message %q", res.text("#period-error"))
	}
}

func TestMeasurements_OnlyTheOwnerAndQualityManagersRecord(t *testing.T) {
	h := newHarness(t, Config{})
	o, href := objectiveIn(t, h)
	for _, role := range []auth.Role{auth.RoleAuditor, auth.RoleViewer} {
		c := h.signedIn(h.acme, role)
		page := c.get(href).wantStatus(http.StatusOK) // everyone reads
		if page.count("form[action$='/measurements']") != 0 || page.count("#import") != 0 {
			t.Errorf("%s is offered the record or import form", role)
		}
		c.post(href+"/measurements", url.Values{"period": {"2026-01"}, "value": {"96"}}).wantStatus(http.StatusForbidden)
		c.postFile(href+"/measurements/import", nil, "file", "v.csv", "period,value\n2026-01,96\n").wantStatus(http.StatusForbidden)
		c.get("/o/acme/objectives/new").wantStatus(http.StatusForbidden)
		c.get(href + "/edit").wantStatus(http.StatusForbidden)
	}
	h.signedIn(h.acme, auth.RoleQualityManager).post(href+"/measurements", url.Values{"period": {"2026-01"}, "value": {"96"}}).wantRedirect(href)
	if d := qmstest.Must(h.svc.ObjectiveDetail(context.Background(), h.acme.Viewer, o.ID))(t); len(d.Measurements) != 1 {
		t.Fatalf("%d values recorded", len(d.Measurements))
	}
}

// Two people correct the same value; the second is told, sees both values, and keeps theirs
// in the form.
func TestMeasurements_ACorrectionConflictShowsBothValues(t *testing.T) {
	h := newHarness(t, Config{})
	o, href := objectiveIn(t, h)
	m := qmstest.Must(h.svc.RecordMeasurement(context.Background(), h.acme.ProcessOwner, o.ID, qms.MeasurementInput{Period: "2026-02", Value: "93"}))(t).Measurement
	mhref := href + "/measurements/" + m.ID.String()

	owner := h.signedIn(h.acme, auth.RoleProcessOwner)
	qm := h.signedIn(h.acme, auth.RoleQualityManager)
	mine := owner.get(mhref).wantStatus(http.StatusOK).attr("form input[name=version]", "value")
	theirs := qm.get(mhref).attr("form input[name=version]", "value")
	qm.post(mhref, url.Values{"value": {"93.8"}, "reason": {"Two orders were dispatched on time but booked late"}, "version": {theirs}}).wantRedirect(href)

	res := owner.post(mhref, url.Values{"value": {"94.1"}, "note": {"Recount"}, "reason": {"Recounted the despatch log"}, "version": {mine}}).
		wantStatus(http.StatusConflict)
	if res.text("#their-value") != "93.8%" || res.text("#your-value") != "94.1%" {
		t.Fatalf("conflict shows theirs %q and mine %q", res.text("#their-value"), res.text("#your-value"))
	}
	if res.attr("input#value", "value") != "94.1" || res.attr("input#reason", "value") != "Recounted the despatch log" || res.text("textarea#note") != "Recount" {
		t.Fatalf("my input was lost:\n%s", clip(res.body))
	}
	again := res.attr("form input[name=version]", "value")
	if again == mine {
		t.Fatal("saving again would conflict forever")
	}
	// Without a reason, the correction is refused next to the field.
	bad := owner.post(mhref, url.Values{"value": {"94.1"}, "version": {again}}).wantStatus(http.StatusUnprocessableEntity)
	if bad.text("#reason-error") == "" || bad.attr("input#value", "value") != "94.1" {
		t.Fatalf("a correction without a reason:\n%s", clip(bad.body))
	}
	owner.post(mhref, url.Values{"value": {"94.1"}, "reason": {"Recounted the despatch log"}, "version": {again}}).wantRedirect(href)
	page := owner.get(href)
	if !strings.Contains(page.text("#corrections"), "from 93.8% to 94.1%: Recounted the despatch log") ||
		!strings.Contains(page.text("#corrections"), "from 93% to 93.8%") {
		t.Fatalf("corrections:\n%s", page.text("#corrections"))
	}
}

func TestObjectives_AnEditConflictIsShownAndNothingIsLost(t *testing.T) {
	h := newHarness(t, Config{})
	_, href := objectiveIn(t, h)
	qm := h.signedIn(h.acme, auth.RoleQualityManager)
	edit := qm.get(href + "/edit").wantStatus(http.StatusOK)
	form := url.Values{}
	edit.doc.Find("form[action='" + href + "'] input, form[action='" + href + "'] select, form[action='" + href + "'] textarea").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		switch {
		case goquery.NodeName(s) == "select":
			form.Set(name, s.Find("option[selected]").AttrOr("value", ""))
		case goquery.NodeName(s) == "textarea":
			form.Set(name, s.Text())
		default:
			form.Set(name, s.AttrOr("value", ""))
		}
	})
	theirs := url.Values{}
	for k, v := range form {
		theirs[k] = v
	}
	theirs.Set("target_value", "96")
	qm.post(href, theirs).wantRedirect(href)
	form.Set("target_value", "97.5")
	form.Set("title", "On-time delivery, complete orders")
	res := qm.post(href, form).wantStatus(http.StatusConflict)
	if !strings.Contains(res.text(".conflict"), "at least 96%") {
		t.Fatalf("their version is not shown:\n%s", res.text(".conflict"))
	}
	if res.attr("input#target_value", "value") != "97.5" || res.attr("input#title", "value") != "On-time delivery, complete orders" {
		t.Fatalf("my input was lost")
	}
}

func TestImport_TemplateDownloadAndAllOrNothingUpload(t *testing.T) {
	h := newHarness(t, Config{})
	o, href := objectiveIn(t, h)
	owner := h.signedIn(h.acme, auth.RoleProcessOwner)
	tpl := owner.get(href + "/measurements/template.csv").wantStatus(http.StatusOK)
	if ct := tpl.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	if cd := tpl.header.Get("Content-Disposition"); cd != `attachment; filename=on-time-delivery-values.csv` {
		t.Fatalf("disposition %q", cd)
	}
	if !strings.HasPrefix(tpl.body, "period,value,note\n2026-01,,\n2026-02,,\n") {
		t.Fatalf("template:\n%s", tpl.body)
	}
	// Everyone who reads the objective may download the template; another organisation may not.
	h.signedIn(h.acme, auth.RoleViewer).get(href + "/measurements/template.csv").wantStatus(http.StatusOK)

	bad := strings.Replace(tpl.body, "2026-01,,", "2026-01,96.1,", 1)
	bad = strings.Replace(bad, "2026-02,,", "2026-02,ninety,", 1)
	bad = strings.Replace(bad, "2026-03,,", "2026-3-40,95,", 1)
	res := owner.postFile(href+"/measurements/import", nil, "file", "otd.csv", bad).wantStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.text("#file-error"), "2 lines have problems, so nothing was imported") {
		t.Fatalf("file message %q", res.text("#file-error"))
	}
	lines := res.doc.Find("#import-problems tbody tr td:first-child").Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	if strings.Join(lines, ",") != "3,4" {
		t.Fatalf("problem lines %v:\n%s", lines, res.text("#import-problems"))
	}
	if d := qmstest.Must(h.svc.ObjectiveDetail(context.Background(), h.acme.Viewer, o.ID))(t); len(d.Measurements) != 0 {
		t.Fatalf("a refused import recorded %d values", len(d.Measurements))
	}
	good := strings.Replace(tpl.body, "2026-01,,", "2026-01,96.1,", 1)
	good = strings.Replace(good, "2026-02,,", "2026-02,97,Carrier changed", 1)
	owner.postFile(href+"/measurements/import", nil, "file", "otd.csv", good).wantRedirect(href)
	page := owner.get(href)
	if !strings.Contains(page.text(".flash"), "Imported 2 values from otd.csv.") {
		t.Fatalf("flash %q", page.text(".flash"))
	}
	if page.count("#measurements a[href^='/o/acme/files/']") != 2 {
		t.Fatal("the imported values do not link to the file they came from")
	}
	// No file at all is a message next to the file field, not an error page.
	res = owner.postFile(href+"/measurements/import", nil, "other", "", "").wantStatus(http.StatusUnprocessableEntity)
	if res.text("#file-error") == "" {
		t.Fatalf("no file:\n%s", clip(res.body))
	}
}

func TestComputedObjectives_AreComputedFromTheirPageNotTyped(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	o, _ := objectiveIn(t, h)
	qmstest.Must(h.svc.RecordMeasurement(ctx, h.acme.ProcessOwner, o.ID, qms.MeasurementInput{Period: "2026-01", Value: "96"}))(t)
	meta := qmstest.Must(h.svc.CreateObjective(ctx, h.acme.QualityManager, qms.ObjectiveInput{
		Title: "Objectives on track", OwnerID: h.acme.QualityManager.UserID, ProcessID: o.ProcessID, TargetValue: "80", Unit: "%",
		Direction: qms.AtLeast, Frequency: qms.Quarterly, Source: qms.SourceObjectivesOnTrack, StartDate: "2026-01-01", ReviewDate: "2026-12-31",
	}))(t)
	href := "/o/acme/objectives/" + meta.ID.String()
	qm := h.signedIn(h.acme, auth.RoleQualityManager)
	page := qm.get(href).wantStatus(http.StatusOK)
	if page.count("#record") != 0 || page.count("#import") != 0 || page.count("#compute form") != 1 {
		t.Fatal("a computed objective offers typing or importing values, or no way to compute them")
	}
	h.signedIn(h.acme, auth.RoleViewer).post(href+"/measurements/compute", nil).wantStatus(http.StatusForbidden)
	qm.post(href+"/measurements", url.Values{"period": {"2026-Q1"}, "value": {"100"}}).wantStatus(http.StatusConflict)
	qm.post(href+"/measurements/compute", nil).wantRedirect(href)
	page = qm.get(href)
	if !strings.Contains(page.text(".flash"), "Computed:") || !strings.Contains(page.text("#measurements"), "Q1 2026") ||
		!strings.Contains(page.text("#measurements"), "100%") {
		t.Fatalf("after computing: %q\n%s", page.text(".flash"), page.text("#measurements"))
	}
}
