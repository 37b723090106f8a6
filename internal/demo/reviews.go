package demo

import (
	"context"
	"time"

	"github.com/plumbline/plumbline/internal/qms"
)

// reviewAttendees are those at Northwind's management reviews.
const reviewAttendees = "Helen Ward (Managing Director, chair)\nPriya Shah (Quality Manager)\nTom Baker (Production Manager)\nMaria Lopez (Purchasing Manager)\nDaniel Okafor (Sales Manager)\nRachel Evans (HR & Training Coordinator)"

// reviews seeds the half-year management review of May, held, minuted and signed by Helen,
// whose actions have mostly been done (one is overdue), and the year-end review, which Priya
// is preparing.
func (s *seeder) reviews(ctx context.Context) error {
	priyaA, helenA := s.as(priya), s.as(helen)
	existing, err := s.svc.Reviews(ctx, priyaA)
	if err != nil || len(existing) > 0 {
		return err
	}
	defer s.svc.SetClock(time.Now)
	at := func(y int, m time.Month, d, hour int) {
		s.svc.SetClock(func() time.Time { return time.Date(y, m, d, hour, 0, 0, 0, time.UTC) })
	}

	at(2026, time.April, 22, 9)
	mr, err := s.svc.ScheduleReview(ctx, priyaA, qms.ReviewInput{
		Title: "Half-year management review 2026", ScheduledOn: "2026-05-20", ChairID: helenA.UserID, Attendees: reviewAttendees,
	})
	if err != nil {
		return err
	}
	at(2026, time.May, 11, 14)
	if err := s.svc.PrepareReview(ctx, priyaA, mr.ID, mr.Version); err != nil {
		return err
	}
	if err := s.svc.UpdateReviewEntries(ctx, priyaA, mr.ID, mr.Version+1, qms.ReviewEntries{
		IssuesChanges: "Hartley Hydraulics moved two valve-body programmes to us from a competitor: volumes in the VB-17 family double from July.\n" +
			"A heat-treatment backlog at our subcontractor in March delayed 14 orders; lead times there went from 5 to 12 days.\n" +
			"Energy prices: the Leeds plant's electricity contract renews in October at a higher rate.",
		Resources: "Final inspection depends on one trained CMM programmer at Leeds; holidays in August are not covered.\n" +
			"The Mazak cell needs Saturday shifts until on-time delivery is back above target.",
	}); err != nil {
		return err
	}
	at(2026, time.May, 20, 10)
	if err := s.svc.HoldReview(ctx, priyaA, mr.ID, mr.Version+2); err != nil {
		return err
	}
	at(2026, time.May, 20, 12)
	minutes := []struct{ key, text string }{
		{"a", "First management review since the QMS went live: no earlier actions."},
		{"b", "Helen asked Sales to confirm the Hartley volumes in writing before we commit the second Citizen lathe."},
		{"c1", "Complaints were above the monthly limit in March (burrs in HX-220 bores, two late deliveries) and back within it since. Daniel to keep reporting complaints by customer."},
		{"c2", "On-time delivery is off track after the lathe breakdown; the recovery plan is in place. Other objectives on track."},
		{"c4", "The HX-220 deburring nonconformity is contained; its corrective action is under way."},
		{"c6", "Internal audits are on plan for the year; findings are being closed on time."},
		{"c7", "Supplier evaluations are on schedule. Heat-treatment capacity is the main supply risk for the VB-17 volumes."},
		{"d", "The board accepted that inspection capacity is a single point of failure."},
		{"e", "No risk moved a band in the period."},
		{"f", "The OFI on tool presetting was welcomed; Tom to cost a second presetter for the next budget."},
	}
	v := map[string]int{}
	for _, m := range minutes {
		if err := s.svc.SaveReviewMinutes(ctx, priyaA, mr.ID, m.key, v[m.key], m.text); err != nil {
			return err
		}
		v[m.key]++
	}
	outputs := []qms.OutputInput{
		{Kind: qms.OutputDecision, Description: "The quality policy and the objectives stand for the second half of 2026; the scrap target stays at 1.5 %."},
		{Kind: qms.OutputAction, Description: "Run Saturday shifts on the Mazak cell until on-time delivery is back above 95 % for two months.", OwnerID: s.as(tom).UserID, DueDate: "2026-07-31"},
		{Kind: qms.OutputAction, Description: "Agree a furnace capacity reservation with Aire Valley Heat Treatment for the VB-17 volumes.", OwnerID: s.as(maria).UserID, DueDate: "2026-08-31"},
		{Kind: qms.OutputAction, Description: "Train two more operators to programme and run the CMM, so that final inspection does not depend on one person.", OwnerID: s.as(rachel).UserID, DueDate: "2026-09-30"},
		{Kind: qms.OutputResourceNeed, Description: "Budget for CMM training (two operators, five days each) approved."},
		{Kind: qms.OutputQMSChange, Description: "Supplier on-time delivery joins the monthly KPI report from June."},
	}
	var actions []qms.ReviewOutput
	for _, o := range outputs {
		out, err := s.svc.AddReviewOutput(ctx, priyaA, mr.ID, o)
		if err != nil {
			return err
		}
		if out.Kind == qms.OutputAction {
			actions = append(actions, out)
		}
	}
	at(2026, time.May, 21, 9)
	held, err := s.svc.Review(ctx, helenA, mr.ID)
	if err != nil {
		return err
	}
	if _, err := s.svc.SignReview(ctx, helenA, mr.ID, held.Version, Password); err != nil {
		return err
	}
	// Two of the three actions were done; the CMM training slipped and is overdue.
	at(2026, time.July, 24, 16)
	if _, err := s.svc.CompleteReviewAction(ctx, s.as(tom), mr.ID, actions[0].ID, actions[0].Version,
		"On-time delivery 96.1 % in July after 97 % in June; Saturday shifts stopped from 25 July."); err != nil {
		return err
	}
	at(2026, time.September, 10, 11)
	if _, err := s.svc.CompleteReviewAction(ctx, s.as(maria), mr.ID, actions[1].ID, actions[1].Version,
		"Two furnace days a week reserved for us from October; confirmed in the purchase agreement."); err != nil {
		return err
	}

	// The year-end review, being prepared.
	at(2026, time.November, 9, 10)
	next, err := s.svc.ScheduleReview(ctx, priyaA, qms.ReviewInput{
		Title: "Year-end management review 2026", ScheduledOn: "2026-12-03", ChairID: helenA.UserID, Attendees: reviewAttendees,
	})
	if err != nil {
		return err
	}
	at(2026, time.November, 16, 15)
	if err := s.svc.PrepareReview(ctx, priyaA, next.ID, next.Version); err != nil {
		return err
	}
	return s.svc.UpdateReviewEntries(ctx, priyaA, next.ID, next.Version+1, qms.ReviewEntries{
		IssuesChanges: "Hartley Hydraulics' VB-17 volumes arrived as forecast.\nScrap on 17-4PH valve bodies has risen since July; the material certificates of the batch are under review with the supplier.",
		Resources:     "CMM training still outstanding: the course was cancelled by the provider in September.",
	})
}
