package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/pdf/pdftest"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// globexReview is a held review of globex with an action, for the cross-tenant walk.
func globexReview(t *testing.T, h *harness) (review, output uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	g := h.globex
	rv := qmstest.Must(h.svc.ScheduleReview(ctx, g.Admin, qms.ReviewInput{Title: "Springfield review", ScheduledOn: "2026-06-01", ChairID: g.Viewer.UserID}))(t)
	if err := h.svc.PrepareReview(ctx, g.Admin, rv.ID, rv.Version); err != nil {
		t.Fatal(err)
	}
	out := qmstest.Must(h.svc.AddReviewOutput(ctx, g.Admin, rv.ID, qms.OutputInput{Kind: qms.OutputAction, Description: "Springfield action",
		OwnerID: g.ProcessOwner.UserID, DueDate: "2026-07-01"}))(t)
	return rv.ID, out.ID
}

func TestReviewPages_AQualityManagerPreparesMinutesAndTheChairSigns(t *testing.T) {
	h := newHarness(t, Config{})
	qm := h.signedIn(h.acme, auth.RoleQualityManager)
	chair := h.signedIn(h.acme, auth.RoleViewer)

	qm.get("/o/acme/reviews/new").wantStatus(http.StatusOK)
	// Bad input: 422, each message next to its field, the input kept.
	res := qm.post("/o/acme/reviews", url.Values{"title": {"Management review 2026"}, "attendees": {"Board"}}).wantStatus(http.StatusUnprocessableEntity)
	for _, f := range []string{"scheduled_on", "chair_id"} {
		if res.text("#"+f+"-error") == "" {
			t.Errorf("no message next to %s", f)
		}
	}
	if res.attr("#title", "value") != "Management review 2026" || res.text("#attendees") != "Board" {
		t.Errorf("the input was not kept")
	}
	res = qm.post("/o/acme/reviews", url.Values{"title": {"Management review 2026"}, "scheduled_on": {"2026-06-01"},
		"chair_id": {h.acme.Viewer.UserID.String()}, "attendees": {"Board"}}).wantStatus(http.StatusSeeOther)
	path := res.location
	if !strings.HasPrefix(path, "/o/acme/reviews/") {
		t.Fatalf("redirected to %s", path)
	}
	if got := qm.get("/o/acme/reviews").text("#reviews tbody"); !strings.Contains(got, "MR-2026-001") {
		t.Errorf("the list shows %q", got)
	}
	// A change from a page loaded before someone else's is shown next to theirs, the input kept.
	qm.post(path, url.Values{"version": {"1"}, "title": {"Management review 2026 H1"}, "scheduled_on": {"2026-06-02"},
		"chair_id": {h.acme.Viewer.UserID.String()}, "attendees": {"Board"}}).wantRedirect(path)
	res = qm.post(path, url.Values{"version": {"1"}, "title": {"Stale title"}, "scheduled_on": {"2026-06-03"},
		"chair_id": {h.acme.Viewer.UserID.String()}, "attendees": {"Board"}}).wantStatus(http.StatusConflict)
	if res.attr("#title", "value") != "Stale title" || !strings.Contains(res.text(".conflict"), "Management review 2026 H1") {
		t.Errorf("the conflict does not show both versions")
	}
	qm.post(path+"/prepare", url.Values{"version": {"2"}}).wantRedirect(path)
	page := qm.get(path).wantStatus(http.StatusOK)
	if n := page.count("section.review-input"); n != len(qms.ReviewInputKeys) {
		t.Fatalf("%d input sections, want %d", n, len(qms.ReviewInputKeys))
	}
	if page.count(`#input-c4 tr[data-metric="nc_open"]`) != 1 {
		t.Errorf("input c) 4) does not show the open nonconformities")
	}

	// Minutes: a save, then a save from a page loaded before it is a conflict that keeps the text.
	qm.post(path+"/minutes/c1", url.Values{"version": {"0"}, "minutes_c1": {"Complaints fell."}}).wantRedirect(path + "#input-c1")
	res = qm.post(path+"/minutes/c1", url.Values{"version": {"0"}, "minutes_c1": {"Complaints rose."}}).wantStatus(http.StatusConflict)
	if res.text("#minutes_c1") != "Complaints rose." || !strings.Contains(res.text("#input-c1 .conflict"), "Complaints fell.") {
		t.Errorf("the conflict does not show both: %q / %q", res.text("#minutes_c1"), res.text("#input-c1 .conflict"))
	}
	qm.post(path+"/minutes/zz", url.Values{"version": {"0"}, "minutes_zz": {"x"}}).wantStatus(http.StatusNotFound)

	// An action without owner and date: 422 next to the fields, the description kept.
	res = qm.post(path+"/outputs", url.Values{"kind": {"action"}, "description": {"Recruit a CMM operator"}}).wantStatus(http.StatusUnprocessableEntity)
	if res.text("#owner_id-error") == "" || res.text("#due_date-error") == "" || res.text("#description") != "Recruit a CMM operator" {
		t.Errorf("refused action: %q %q %q", res.text("#owner_id-error"), res.text("#due_date-error"), res.text("#description"))
	}
	qm.post(path+"/outputs", url.Values{"kind": {"action"}, "description": {"Recruit a CMM operator"},
		"owner_id": {h.acme.ProcessOwner.UserID.String()}, "due_date": {"2026-09-01"}}).wantRedirect(path + "#outputs")
	qm.post(path+"/hold", url.Values{"version": {"3"}}).wantRedirect(path)

	// Only the chair is offered the signature, and only the chair's counts.
	if qm.get(path).count("#sign") != 0 {
		t.Errorf("the quality manager is offered the chair's signature")
	}
	page = chair.get(path)
	if page.count("#sign") != 1 {
		t.Fatalf("the chair is not offered the signature")
	}
	version := page.attr(`form[action$="/sign"] input[name="version"]`, "value")
	qm.post(path+"/sign", url.Values{"version": {version}, "password": {qmstest.Password}}).wantStatus(http.StatusForbidden)
	res = chair.post(path+"/sign", url.Values{"version": {version}, "password": {"wrong"}}).wantStatus(http.StatusUnprocessableEntity)
	if res.text("#password-error") == "" {
		t.Errorf("a wrong password has no message at the field")
	}
	chair.post(path+"/sign", url.Values{"version": {version}, "password": {qmstest.Password}}).wantRedirect(path)
	page = chair.get(path)
	if got := page.text("#review-signature"); !strings.Contains(got, qms.ReviewMinutesMeaning) || !strings.Contains(got, "Minutes unchanged since signing") {
		t.Errorf("signature shows %q", got)
	}

	// The printable minutes and the PDF carry every input.
	minutes := chair.get(path + "/minutes").wantStatus(http.StatusOK)
	if n := minutes.count("section.review-input"); n != len(qms.ReviewInputKeys) {
		t.Errorf("printable minutes have %d input sections", n)
	}
	pdfRes := chair.get(path + "/minutes.pdf").wantStatus(http.StatusOK)
	if pdfRes.header.Get("Content-Type") != "application/pdf" || !strings.Contains(pdfRes.header.Get("Content-Disposition"), "MR-2026-001") {
		t.Fatalf("PDF headers: %v", pdfRes.header)
	}
	text := pdftest.Text([]byte(pdfRes.body))
	for _, k := range qms.ReviewInputKeys {
		if !strings.Contains(text, k.Clause+" "+k.Title) {
			t.Errorf("the PDF lacks %s", k.Clause)
		}
	}
	if !strings.Contains(text, "Complaints fell.") || !strings.Contains(text, "Recruit a CMM operator") {
		t.Errorf("the PDF lacks the minutes or the action")
	}

	// The action is on its owner's home, and its owner completes it.
	owner := h.signedIn(h.acme, auth.RoleProcessOwner)
	home := owner.get("/o/acme").wantStatus(http.StatusOK)
	if !strings.Contains(home.text(".my-review-actions"), "Recruit a CMM operator") {
		t.Fatalf("the owner's home does not show the action")
	}
	page = owner.get(path)
	form := page.doc.Find(`form.complete-form`).First()
	action, _ := form.Attr("action")
	v, _ := form.Find(`input[name="version"]`).Attr("value")
	res = owner.post(action, url.Values{"version": {v}, "completion_note": {""}}).wantStatus(http.StatusUnprocessableEntity)
	if res.text(".complete-form .field-error") == "" {
		t.Errorf("no message for a missing note")
	}
	owner.post(action, url.Values{"version": {v}, "completion_note": {"Hired from 1 August."}}).wantRedirect(path + "#outputs")
	if owner.get("/o/acme").count(".my-review-actions") != 0 {
		t.Errorf("a done action stays on the owner's home")
	}
}

func TestReviewPages_OnlyReviewManagersScheduleAndEveryMemberReads(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	rv := qmstest.Must(h.svc.ScheduleReview(ctx, h.acme.QualityManager, qms.ReviewInput{Title: "MR", ScheduledOn: time.Now().Format("2006-01-02"), ChairID: h.acme.Admin.UserID}))(t)
	viewer := h.signedIn(h.acme, auth.RoleViewer)
	viewer.get("/o/acme/reviews/new").wantStatus(http.StatusForbidden)
	viewer.post("/o/acme/reviews", url.Values{"title": {"x"}}).wantStatus(http.StatusForbidden)
	page := viewer.get("/o/acme/reviews/" + rv.ID.String()).wantStatus(http.StatusOK)
	if page.count("#prepare") != 0 {
		t.Errorf("a viewer is offered to prepare the review")
	}
	viewer.post("/o/acme/reviews/"+rv.ID.String()+"/prepare", url.Values{"version": {"1"}}).wantStatus(http.StatusForbidden)
	viewer.get("/o/acme/reviews/not-a-uuid").wantStatus(http.StatusNotFound)
}
