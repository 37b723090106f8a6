package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// Every finding and objective number on the dashboard links to a list that shows exactly that
// many rows, for the whole organisation and for one site.
func TestDashboard_NumbersLinkToListsThatAgree(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	a := h.acme
	production := qmstest.Must(h.svc.CreateProcess(ctx, a.Admin, qms.ProcessInput{Name: "Production", OwnerID: a.ProcessOwner.UserID}))(t)
	leeds := qmstest.Must(h.svc.CreateSite(ctx, a.Admin, qms.SiteInput{Name: "Leeds Plant"}))(t)
	york := qmstest.Must(h.svc.CreateSite(ctx, a.Admin, qms.SiteInput{Name: "York Works"}))(t)
	for i, c := range []qms.Classification{qms.MajorNC, qms.MinorNC, qms.MinorNC, qms.Observation, qms.OFI} {
		site := leeds.ID
		if i%2 == 1 {
			site = york.ID
		}
		qmstest.Must(h.svc.RaiseFinding(ctx, a.QualityManager, qms.FindingInput{
			Classification: c, Source: qms.SourceOther, Statement: "Statement " + strconv.Itoa(i), ClauseNumber: "8.5.1",
			ObjectiveEvidence: "Evidence", ProcessID: production.ID, SiteID: site,
		}))(t)
	}
	qmstest.Must(h.svc.CreateObjective(ctx, a.QualityManager, qms.ObjectiveInput{
		Title: "On-time delivery", OwnerID: a.ProcessOwner.UserID, ProcessID: production.ID, SiteID: york.ID,
		TargetValue: "95", Unit: "%", Direction: qms.AtLeast, Frequency: qms.Monthly, StartDate: "2026-01-01", ReviewDate: "2026-12-31",
	}))(t)

	// CAPAs: one 45 days old with an overdue action (Leeds), one awaiting its check (York), one
	// new with an open action (no site).
	now := time.Now()
	h.svc.SetClock(func() time.Time { return now.AddDate(0, 0, -45) })
	old := qmstest.Must(h.svc.RaiseCAPA(ctx, a.QualityManager, qms.CAPAInput{Title: "Old", ProblemStatement: "P", ProcessID: production.ID,
		SiteID: leeds.ID, OwnerID: a.ProcessOwner.UserID, VerifierID: a.QualityManager.UserID}))(t)
	qmstest.Must(h.svc.AddCAPAAction(ctx, a.QualityManager, old.ID, old.Version, qms.ActionInput{Description: "Overdue one",
		OwnerID: a.Auditor.UserID, DueDate: now.AddDate(0, 0, -40).UTC().Format(time.DateOnly)}))(t)
	h.svc.SetClock(time.Now)
	york2 := qmstest.Must(h.svc.RaiseCAPA(ctx, a.QualityManager, qms.CAPAInput{Title: "Checked", ProblemStatement: "P", ProcessID: production.ID,
		SiteID: york.ID, OwnerID: a.ProcessOwner.UserID, VerifierID: a.QualityManager.UserID}))(t)
	x := qmstest.Must(h.svc.AddCAPAAction(ctx, a.QualityManager, york2.ID, york2.Version, qms.ActionInput{Description: "Done one",
		OwnerID: a.Auditor.UserID, DueDate: now.AddDate(0, 0, 7).UTC().Format(time.DateOnly)}))(t)
	qmstest.Must(h.svc.CompleteCAPAAction(ctx, a.Auditor, york2.ID, x.ID, x.Version, "Done.", nil))(t)
	fresh := qmstest.Must(h.svc.RaiseCAPA(ctx, a.QualityManager, qms.CAPAInput{Title: "New", ProblemStatement: "P", ProcessID: production.ID,
		OwnerID: a.ProcessOwner.UserID, VerifierID: a.Admin.UserID}))(t)
	qmstest.Must(h.svc.AddCAPAAction(ctx, a.QualityManager, fresh.ID, fresh.Version, qms.ActionInput{Description: "Open one",
		OwnerID: a.QualityManager.UserID, DueDate: now.AddDate(0, 0, 3).UTC().Format(time.DateOnly)}))(t)

	c := h.signedIn(a, auth.RoleViewer)
	followed, capaLinks := 0, 0
	for _, page := range []string{"/o/acme/", "/o/acme/?site=" + york.ID.String()} {
		home := c.get(page).wantStatus(http.StatusOK)
		if home.count("#dashboard") != 1 || home.count(".heatmap") != 1 {
			t.Fatalf("%s: no dashboard", page)
		}
		home.doc.Find("#dashboard td.num a").Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			var rows string
			switch {
			case strings.HasPrefix(href, "/o/acme/findings?"):
				rows = "table.findings tbody tr"
			case strings.HasPrefix(href, "/o/acme/objectives?"):
				rows = "table#objectives tbody tr"
			case strings.HasPrefix(href, "/o/acme/capas?"):
				rows = "table#capas tbody tr"
				capaLinks++
			default:
				return // lists of other areas are checked with them
			}
			shown, err := strconv.Atoi(s.Text())
			if err != nil {
				t.Fatalf("%s: number %q", page, s.Text())
			}
			if listed := c.get(href).wantStatus(http.StatusOK).count(rows); listed != shown {
				t.Errorf("%s: %s shows %d, the list has %d", page, href, shown, listed)
			}
			followed++
		})
	}
	if followed < 8 || capaLinks < 6 {
		t.Errorf("followed only %d dashboard links, %d of them to CAPAs", followed, capaLinks)
	}
	// The person's own CAPA work: each tile links to a list with as many rows, and the home
	// page lists the items.
	for role, items := range map[auth.Role]int{auth.RoleAuditor: 1, auth.RoleQualityManager: 2} {
		me := h.signedIn(a, role)
		home := me.get("/o/acme/").wantStatus(http.StatusOK)
		nonZero := 0
		home.doc.Find(".dash-mywork .tile a").Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			if !strings.HasPrefix(href, "/o/acme/capas?") {
				return
			}
			shown, _ := strconv.Atoi(s.Find(".tile-number").Text())
			rows := "table#capas tbody tr"
			if strings.Contains(href, "action_owner=") {
				rows = "table#owner-actions tbody tr"
			}
			if listed := me.get(href).wantStatus(http.StatusOK).count(rows); listed != shown {
				t.Errorf("%s: %s shows %d, the list has %d", role, href, shown, listed)
			}
			if shown > 0 {
				nonZero++
			}
		})
		if nonZero < 2 || home.count("#my-capa-table tbody tr") != items {
			t.Errorf("%s: %d CAPA tiles with work, %d items listed on home", role, nonZero, home.count("#my-capa-table tbody tr"))
		}
	}

	// A site that is not the organisation's is a 404, like anything foreign.
	foreign := qmstest.Must(h.svc.CreateSite(ctx, h.globex.Admin, qms.SiteInput{Name: "Elsewhere"}))(t)
	for _, site := range []string{foreign.ID.String(), uuid.NewString(), "not-an-id"} {
		c.get("/o/acme/?site=" + site).wantStatus(http.StatusNotFound)
	}
}

// The dashboard's risk numbers (bands and heat-map cells, for the organisation and for one
// site) link to the register, which lists exactly that many risks.
func TestDashboard_RiskLinksAgreeWithTheRegister(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	a := h.acme
	production := qmstest.Must(h.svc.CreateProcess(ctx, a.Admin, qms.ProcessInput{Name: "Production", OwnerID: a.ProcessOwner.UserID}))(t)
	leeds := qmstest.Must(h.svc.CreateSite(ctx, a.Admin, qms.SiteInput{Name: "Leeds Plant"}))(t)
	york := qmstest.Must(h.svc.CreateSite(ctx, a.Admin, qms.SiteInput{Name: "York Works"}))(t)
	for i := range 9 {
		site := leeds.ID
		switch i % 3 {
		case 1:
			site = york.ID
		case 2:
			site = uuid.Nil
		}
		qmstest.Must(h.svc.CreateRisk(ctx, a.QualityManager, qms.RiskInput{
			Kind: "risk", Title: "Risk " + strconv.Itoa(i), ProcessID: production.ID, SiteID: site, OwnerID: a.ProcessOwner.UserID,
			InherentLikelihood: "5", InherentSeverity: "5", ResidualLikelihood: strconv.Itoa(1 + i%4), ResidualSeverity: strconv.Itoa(1 + (i*3)%5),
			Treatment: "reduce", ReviewDate: "2026-12-31",
		}))(t)
	}
	// A finding moves every risk of the process up the likelihood axis.
	qmstest.Must(h.svc.RaiseFinding(ctx, a.QualityManager, qms.FindingInput{Classification: qms.MinorNC, Source: qms.SourceOther,
		Statement: "S", ClauseNumber: "8.5.1", ObjectiveEvidence: "E", ProcessID: production.ID}))(t)

	c := h.signedIn(a, auth.RoleViewer)
	followed, total := 0, 0
	for _, page := range []string{"/o/acme/", "/o/acme/?site=" + york.ID.String()} {
		home := c.get(page).wantStatus(http.StatusOK)
		check := func(href string, shown int) {
			if listed := c.get(href).wantStatus(http.StatusOK).count("table.risks tbody tr"); listed != shown {
				t.Errorf("%s: %s shows %d, the register has %d", page, href, shown, listed)
			}
			followed++
		}
		home.doc.Find("#dashboard .dash-bands a").Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			n, _ := strconv.Atoi(s.Text())
			check(href, n)
			if page == "/o/acme/" {
				total += n
			}
		})
		home.doc.Find("#dashboard svg.heatmap a").Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			n, _ := strconv.Atoi(s.AttrOr("data-count", ""))
			if n > 0 {
				check(href, n)
			}
		})
	}
	if total != 9 || followed < 8 {
		t.Errorf("bands count %d risks; followed %d links", total, followed)
	}
}
