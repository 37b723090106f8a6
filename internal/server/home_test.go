package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

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

	c := h.signedIn(a, auth.RoleViewer)
	followed := 0
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
	if followed < 8 {
		t.Errorf("followed only %d dashboard links", followed)
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
