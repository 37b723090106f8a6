package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
)

// demoAction is a CAPA action: who, by when, and when it was done (zero: still open).
type demoAction struct {
	owner, description string
	kind               string
	due, done          time.Time
	note               string
}

// demoCheck is an effectiveness check: planned (zero: the default, 30 days after the last
// action) and, once recorded, its result.
type demoCheck struct {
	criteria       string
	planned        time.Time
	recorded       time.Time // zero: not yet recorded
	effective      bool
	evidence       string
	evidenceFile   [2]string
	followupWhys   []string // a failed check sharpens the analysis
	followupReason string
}

// demoCAPA is a CAPA of Northwind's year, for a finding found by a phrase of its statement.
type demoCAPA struct {
	finding                 string // a phrase of the finding's statement
	correction              string
	correctedOn             time.Time
	opened                  time.Time
	title, problem, contain string
	owner, verifier         string
	whys                    []string
	fishbone                []qms.FishboneCause
	rootCause               string
	category                qms.RootCauseCategory
	rounds                  [][]demoAction // the actions of each round
	checks                  []demoCheck    // the check of each round
}

var capas2026 = []demoCAPA{
	{
		finding: "Nonconforming product was not identified or segregated", opened: d(3, 20),
		correction: "The 14 shafts of job 5120 were tagged, moved to quarantine and scrapped under NCR-2026-031; batch 5118 was re-inspected and released.", correctedOn: d(3, 18),
		title:   "Nonconforming shafts stored with released product",
		problem: "During the internal audit of 17 March, 14 shafts NW-1180 from job 5120 with an undersize bearing diameter (Ø20 g6 measured 19.962–19.968) were found on finished-goods rack FG-2, untagged and mixed with released batch 5118. No NCR had been raised.",
		contain: "Rack FG-2 and cell 3 searched the same day; no other untagged rejects found. Batch 5118 re-inspected 100 % before dispatch.",
		owner:   tom, verifier: priya,
		whys: []string{
			"The rejected shafts were put on the finished-goods rack.",
			"The operator had nowhere at cell 3 to put rejects and meant to raise the NCR at the end of the shift.",
			"The quarantine area is at the far end of the shop and rejects pile up at the cells.",
			"QP-014 says 'segregate' but not where or when, and no red tags are kept at the cells.",
			"When cells 3 and 4 were added in 2024 the nonconforming-product procedure was not reviewed for the new layout.",
		},
		fishbone: []qms.FishboneCause{
			{Category: "method", Cause: "QP-014 has no red-tag step and no time limit for raising the NCR"},
			{Category: "environment", Cause: "Quarantine cage 40 m from cells 3 and 4"},
			{Category: "people", Cause: "Night-shift operator not briefed on QP-014 since 2023"},
		},
		rootCause: "The control of nonconforming product was not reviewed when the shop layout changed, so there is no practical way to segregate rejects at the newer cells.",
		category:  "method",
		rounds: [][]demoAction{{
			{owner: tom, description: "Install a locked quarantine cage at cell 3 and red-tag boards at every cell.", due: d(4, 3), done: d(4, 1),
				note: "Cage installed at cell 3, red-tag boards at cells 1 to 4. Photos on the NCR board."},
			{owner: priya, description: "Revise QP-014 with a red-tag step and NCR within the shift.", due: d(4, 10), done: d(4, 2),
				note: "QP-014 rev 6 approved 2 Apr."},
			{owner: tom, description: "Brief all operators and setters on QP-014 rev 6.", due: d(4, 10), done: d(4, 2), kind: "preventive",
				note: "Toolbox talks on both shifts 2 Apr; 31 of 31 operators signed the briefing sheet."},
		}},
		checks: []demoCheck{{
			criteria: "Sample 20 NCRs raised in April and May: every rejected part tagged and in quarantine within the shift; no untagged rejects found in two unannounced walks of cells 1 to 4.",
			planned:  d(5, 14), recorded: d(5, 14), effective: true,
			evidence:     "20 of 20 sampled NCRs (NCR-2026-034 to -061) tagged and caged within the shift. Unannounced walks 29 Apr and 12 May: no untagged rejects.",
			evidenceFile: [2]string{"ncr-sample-2026-05.csv", "NCR,Raised,Tagged,Caged within shift\nNCR-2026-034,2026-04-03,yes,yes\nNCR-2026-041,2026-04-15,yes,yes\nNCR-2026-058,2026-05-07,yes,yes\n"},
		}},
	},
	{
		finding: "M8 coarse thread instead of the M8x1", opened: d(4, 3),
		correction: "40 brackets remade with the M8x1 thread and delivered 9 Apr; the returned parts scrapped.", correctedOn: d(4, 3),
		title:   "Wrong thread tapped on brackets NW-2231",
		problem: "Kestrel Aerospace returned 40 brackets NW-2231 (complaint CC-2026-014): the holes were tapped M8 coarse instead of M8x1 fine as on drawing rev C, note 3.",
		contain: "Stock of NW-2231 at Leeds and Sheffield checked with a thread gauge: all M8x1. Kestrel's remaining stock checked by their goods-in.",
		owner:   tom, verifier: priya,
		whys: []string{
			"The M8 tap was used instead of the M8x1 tap.",
			"The setter picked the tap from the crib by eye.",
			"M8 and M8x1 taps sit side by side in unlabelled holders.",
			"The tool crib is not organised by thread and the first-off check does not include threads.",
		},
		rootCause: "Taps that look alike are stored unlabelled and threads are not checked at first-off.",
		category:  "material",
		rounds: [][]demoAction{{
			{owner: tom, description: "Label every tap holder in the crib with size and pitch; separate fine and coarse threads.", due: d(4, 17), done: d(4, 10),
				note: "Crib re-laid out 10 Apr; fine threads in the blue drawer."},
			{owner: priya, description: "Add thread GO/NOGO gauging to the first-off check in WI-PRD-03.", due: d(4, 24), done: d(4, 14),
				note: "WI-PRD-03 rev 4 issued 14 Apr."},
		}},
		checks: []demoCheck{{
			criteria: "No thread errors on delivered parts or at final inspection for 60 days after the actions.",
			planned:  d(6, 11), recorded: d(6, 11), effective: true,
			evidence: "No thread-related NCRs or complaints from 14 Apr to 11 Jun; 23 first-off reports sampled, all with thread gauging recorded.",
		}},
	},
	{
		finding: "Calibration records could not be shown", opened: d(5, 15),
		correction: "M-112 withdrawn and recalibrated (CAL-26-0412); certificates for G-114 and G-117 obtained from the calibration lab.", correctedOn: d(5, 15),
		title:   "Gauges in use past calibration or without certificates",
		problem: "The May calibration audit found 3 of 12 sampled gauges overdue or without certificates on file (M-112 overdue since 14 Jan; G-114 and G-117 no certificate).",
		contain: "All 148 gauges in the register checked against the shop floor on 15 May: 2 more overdue gauges withdrawn.",
		owner:   tom, verifier: priya,
		whys: []string{
			"Overdue gauges stayed in use.",
			"Nobody noticed they had fallen due.",
			"The register is only looked at when the calibration lab visits.",
		},
		rootCause: "The calibration register is not reviewed between lab visits.",
		category:  "measurement",
		rounds: [][]demoAction{
			{
				{owner: tom, description: "Reconcile the calibration register with every gauge on the shop floor.", due: d(5, 29), done: d(5, 28),
					note: "Register reconciled; 6 gauges retired, 4 added."},
				{owner: tom, description: "Review the register monthly and withdraw gauges due in the next month.", due: d(6, 5), done: d(6, 5),
					note: "Monthly review added to the maintenance planner's calendar."},
			},
			{
				{owner: tom, description: "Email the calibration due list weekly to cell leaders from the register.", due: d(8, 15), done: d(8, 12),
					note: "Weekly email running since 12 Aug."},
				{owner: sam, description: "Tag overdue gauges red and move them to the crib's withdrawn shelf at each weekly list.", due: d(12, 11), kind: "preventive"},
			},
		},
		checks: []demoCheck{{
			criteria: "Spot check of 10 gauges in use in July: none overdue, every certificate on file.",
			planned:  d(7, 6), recorded: d(7, 6), effective: false,
			evidence:       "July spot check: 2 of 10 gauges overdue (M-120 since 30 Jun, H-007 since 2 Jul). The June monthly review was missed while the planner was on leave.",
			followupWhys:   []string{"The June review was missed.", "It depends on one person's calendar and has no cover."},
			followupReason: "The review depends on one person.",
		}},
	},
	{
		finding: "First-off approval was not recorded", opened: d(3, 25),
		correction: "Jobs 5114 and 5119 re-inspected; first-off reports completed and signed.", correctedOn: d(3, 24),
		title:   "First-off approval not recorded on route cards",
		problem: "2 of 6 sampled route cards (jobs 5114, 5119) had no first-off sign-off; the inspector had approved verbally.",
		owner:   tom, verifier: ian,
		whys: []string{
			"The inspector did not sign the route card.",
			"The setter started the batch after a verbal OK.",
			"Nothing stops a batch starting without the signature.",
		},
		rootCause: "Release of the batch does not depend on the recorded first-off approval.",
		category:  "method",
		rounds: [][]demoAction{{
			{owner: tom, description: "Redesign the route card with a mandatory first-off box beside the start-batch box.", due: d(5, 29), done: d(6, 20),
				note: "Route card rev F in use from 20 Jun (late: waited for the printer)."},
			{owner: tom, description: "Interlock in the MES: a batch cannot start until the inspector's first-off approval is entered.", due: d(10, 31), done: d(11, 6),
				note: "MES change MC-26-17 live 6 Nov on all cells."},
		}},
		checks: []demoCheck{{
			criteria: "Sample 20 jobs started after 6 Nov: first-off approval recorded before batch start on every one.",
		}},
	},
	{
		finding: "Competence of two CNC setters", opened: d(9, 25),
		correction: "Both setters supervised by the lead setter until their evaluation; evaluations done and signed off 25 Sep.", correctedOn: d(9, 25),
		title:   "Competence not evaluated before unsupervised work on the 5-axis",
		problem: "Two CNC setters ran the DMG Mori 5-axis unsupervised from July without a recorded competence evaluation.",
		owner:   rachel, verifier: priya,
		whys: []string{
			"The setters worked unsupervised while still 'in training'.",
			"The 5-axis was commissioned without deciding who may run it.",
			"Commissioning new equipment has no step for competence.",
		},
		rootCause: "New equipment is commissioned without a competence step.",
		category:  "people",
		rounds: [][]demoAction{{
			{owner: rachel, description: "Add 5-axis setting to the skills matrix with evaluation criteria.", due: d(10, 17), done: d(10, 15),
				note: "Skills matrix rev 2026-10 with criteria agreed with Tom."},
			{owner: tom, description: "Add a competence sign-off step to the new-equipment commissioning checklist.", due: d(10, 31), kind: "preventive"},
			{owner: rachel, description: "Evaluate the three remaining 5-axis operators.", due: d(11, 14)},
		}},
	},
	{
		finding: "Risks and opportunities were not updated", opened: d(10, 20),
		correction: "Risk assessments done for the 5-axis machining centre and the Sheffield re-racking on 20 Oct.", correctedOn: d(10, 20),
		title:   "Risk register not updated for changes",
		problem: "LRQA found the risk register last reviewed in Nov 2025; two 2026 changes (5-axis machine, Sheffield racking) were not assessed.",
		owner:   helen, verifier: priya,
		rounds: [][]demoAction{{
			{owner: priya, description: "Add a risk review to the change request form.", due: d(12, 15)},
			{owner: helen, description: "Put the risk register on every management review agenda.", due: d(12, 18), kind: "preventive"},
		}},
	},
}

// capas seeds Northwind's corrective actions: the findings of the year answered by CAPAs in
// every state (closed effective, reopened after a failed check, awaiting the check, actions
// overdue, open), and a minor nonconformity corrected without one.
func (s *seeder) capas(ctx context.Context) error {
	priyaA := s.as(priya)
	existing, err := s.svc.CAPAs(ctx, priyaA, qms.CAPAFilter{})
	if err != nil || len(existing) > 0 {
		return err
	}
	defer s.svc.SetClock(time.Now)
	at := func(day time.Time, hour int) {
		s.svc.SetClock(func() time.Time { return day.Add(time.Duration(hour) * time.Hour) })
	}
	page, err := s.svc.Findings(ctx, priyaA, qms.FindingFilter{Limit: 200})
	if err != nil {
		return err
	}
	for _, dc := range capas2026 {
		var finding *qms.Finding
		for i, f := range page.Findings {
			if strings.Contains(f.Statement, dc.finding) {
				finding = &page.Findings[i]
			}
		}
		if finding == nil {
			return fmt.Errorf("no demo finding %q", dc.finding)
		}
		if err := s.seedCAPA(ctx, dc, *finding, at); err != nil {
			return fmt.Errorf("CAPA %q: %w", dc.title, err)
		}
	}
	return s.correctedWithoutCAPA(ctx, at)
}

func (s *seeder) seedCAPA(ctx context.Context, dc demoCAPA, f qms.Finding, at func(time.Time, int)) error {
	priyaA := s.as(priya)
	at(dc.correctedOn, 9)
	f, err := s.svc.RecordCorrection(ctx, priyaA, f.ID, f.Version, dc.correction)
	if err != nil {
		return err
	}
	at(dc.opened, 10)
	c, err := s.svc.RaiseCAPA(ctx, priyaA, qms.CAPAInput{
		Title: dc.title, ProblemStatement: dc.problem, Containment: dc.contain,
		OwnerID: s.as(dc.owner).UserID, VerifierID: s.as(dc.verifier).UserID, FindingIDs: []uuid.UUID{f.ID},
	})
	if err != nil {
		return err
	}
	owner := s.as(dc.owner)
	if len(dc.whys) > 0 {
		at(dc.opened.AddDate(0, 0, 2), 14)
		if c, err = s.svc.SetRootCause(ctx, owner, c.ID, c.Version, qms.RootCauseInput{
			Whys: dc.whys, Fishbone: dc.fishbone, RootCause: dc.rootCause, Category: dc.category,
		}); err != nil {
			return err
		}
	}
	for round, actions := range dc.rounds {
		var check *demoCheck
		if round < len(dc.checks) {
			check = &dc.checks[round]
		}
		var added []qms.CAPAAction
		for _, x := range actions {
			d, err := s.svc.CAPADetails(ctx, priyaA, c.ID)
			if err != nil {
				return err
			}
			a, err := s.svc.AddCAPAAction(ctx, owner, c.ID, d.Version, qms.ActionInput{
				Kind: x.kind, Description: x.description, OwnerID: s.as(x.owner).UserID, DueDate: x.due.Format(time.DateOnly),
			})
			if err != nil {
				return err
			}
			added = append(added, a)
		}
		if check != nil && !check.planned.IsZero() {
			d, err := s.svc.CAPADetails(ctx, priyaA, c.ID)
			if err != nil {
				return err
			}
			if _, err := s.svc.PlanEffectivenessCheck(ctx, owner, c.ID, d.Version, qms.CheckPlan{
				Criteria: check.criteria, PlannedDate: check.planned.Format(time.DateOnly)}); err != nil {
				return err
			}
		}
		for i, x := range actions {
			if x.done.IsZero() {
				continue
			}
			at(x.done, 15)
			if _, err := s.svc.CompleteCAPAAction(ctx, s.as(x.owner), c.ID, added[i].ID, added[i].Version, x.note, nil); err != nil {
				return err
			}
		}
		if check == nil {
			continue
		}
		if check.planned.IsZero() && check.criteria != "" {
			d, err := s.svc.CAPADetails(ctx, priyaA, c.ID)
			if err != nil {
				return err
			}
			if _, err := s.svc.PlanEffectivenessCheck(ctx, owner, c.ID, d.Version, qms.CheckPlan{Criteria: check.criteria}); err != nil {
				return err
			}
		}
		if check.recorded.IsZero() {
			continue
		}
		at(check.recorded, 16)
		verifier := s.as(dc.verifier)
		d, err := s.svc.CAPADetails(ctx, verifier, c.ID)
		if err != nil {
			return err
		}
		result := qms.NotEffective
		if check.effective {
			result = qms.Effective
		}
		in := qms.CheckResult{Result: result, Evidence: check.evidence, Password: Password}
		if check.evidenceFile[0] != "" {
			up, err := s.svc.ReceiveFile(ctx, verifier, "evidence_file", check.evidenceFile[0], strings.NewReader(check.evidenceFile[1]))
			if err != nil {
				return err
			}
			in.File = &up
		}
		if c, err = s.svc.RecordEffectivenessCheck(ctx, verifier, c.ID, d.CurrentCheck().Version, in); err != nil {
			return err
		}
		if len(check.followupWhys) > 0 {
			at(check.recorded.AddDate(0, 0, 3), 10)
			if c, err = s.svc.SetRootCause(ctx, owner, c.ID, c.Version, qms.RootCauseInput{
				Whys: append(append([]string{}, dc.whys...), check.followupWhys...), RootCause: check.followupReason, Category: dc.category,
			}); err != nil {
				return err
			}
		}
		// New actions of the next round are added from the day after the failed check.
		if !check.effective {
			at(check.recorded.AddDate(0, 0, 3), 11)
		}
	}
	return nil
}

// correctedWithoutCAPA is a minor nonconformity from a complaint, corrected the same day
// and closed with a reasoned decision that no CAPA is needed.
func (s *seeder) correctedWithoutCAPA(ctx context.Context, at func(time.Time, int)) error {
	priyaA := s.as(priya)
	processes, err := s.svc.Processes(ctx, priyaA)
	if err != nil {
		return err
	}
	var dispatch uuid.UUID
	for _, p := range processes {
		if p.Name == "Warehouse & dispatch" {
			dispatch = p.ID
		}
	}
	at(d(8, 4), 10)
	f, err := s.svc.RaiseFinding(ctx, priyaA, qms.FindingInput{
		Classification: qms.MinorNC, Source: qms.SourceComplaint, SourceReference: "CC-2026-022 (Harrow Hydraulics)",
		Statement:    "A delivery of 200 spacers NW-0415 left Sheffield without its certificate of conformity.",
		ClauseNumber: "8.6", Requirement: "Purchase order HH-88410: certificate of conformity with each delivery",
		ObjectiveEvidence: "Customer email 3 Aug 2026; dispatch file DN-26-3307 without the CoC.", ProcessID: dispatch,
	})
	if err != nil {
		return err
	}
	if f, err = s.svc.RecordCorrection(ctx, priyaA, f.ID, f.Version, "CoC emailed to Harrow Hydraulics on 4 Aug and a paper copy sent with the next delivery."); err != nil {
		return err
	}
	at(d(8, 5), 9)
	if f, err = s.svc.DecideCAPA(ctx, priyaA, f.ID, f.Version, qms.CAPANotRequired,
		"Isolated: a relief clerk's first day. The dispatch checklist requires the CoC and was followed on 212 of 213 deliveries since January."); err != nil {
		return err
	}
	_, err = s.svc.CloseFinding(ctx, priyaA, f.ID, f.Version, "Corrected the same day; no CAPA needed (isolated, see decision).")
	return err
}
