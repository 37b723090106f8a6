package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
)

// demoRisk is an entry of Northwind's risk register, set up at the start of the year.
type demoRisk struct {
	kind, title, process, owner string
	cause, consequence          string
	il, is, rl, rs              int
	controls, treatment, plan   string
	documents                   []string // titles
	// linkFinding links, on the day it is raised, the finding of this process, clause and
	// classification (from another process than the risk's).
	linkFinding *findingKey
	// retired, when set, is when and why the entry was retired during the year.
	retired *retirement
}

type retirement struct {
	month  time.Month
	day    int
	reason string
}

type findingKey struct {
	process, clause string
	class           qms.Classification
}

var register2026 = []demoRisk{
	{kind: "risk", title: "Nonconforming parts reach the customer", process: "Inspection & testing", owner: priya,
		cause: "Nonconforming parts not identified or segregated at the cells; final inspection sampling misses them.", consequence: "Customer rejects, recalls on aerospace parts, loss of approved-supplier status.",
		il: 4, is: 4, rl: 2, rs: 4, controls: "Final inspection and CMM release; NCR red-tag procedure.", treatment: "reduce",
		plan: "Quarantine cage at every cell; red-tag step in the NCR procedure.", documents: []string{"Control of nonconforming output", "CMM inspection of turned parts"},
		linkFinding: &findingKey{"Production", "8.7", qms.MajorNC}},
	{kind: "risk", title: "Machining to the wrong drawing revision or thread", process: "Production", owner: tom,
		cause: "Old drawings at the cells; tap and tool selection by memory.", consequence: "Batches remade, late deliveries, complaints.",
		il: 3, is: 3, rl: 2, rs: 3, controls: "First-off approval signed on the route card; drawings issued from the document register.", treatment: "reduce",
		documents: []string{"CNC lathe setting and first-off approval"}},
	{kind: "risk", title: "Gauges used past their calibration date", process: "Maintenance & calibration", owner: tom,
		cause: "Calibration recall kept on a spreadsheet; gauges borrowed between cells.", consequence: "Product accepted on false measurements.",
		il: 3, is: 4, rl: 2, rs: 3, controls: "Calibration register and labels; quarterly gauge sweep.", treatment: "reduce",
		documents: []string{"Control of monitoring and measuring equipment"}},
	{kind: "risk", title: "Unplanned breakdown of the 5-axis machining centre", process: "Maintenance & calibration", owner: tom,
		cause: "Single machine for 5-axis work; spindle bearings near end of life.", consequence: "Two-week stoppage of aerospace orders.",
		il: 2, is: 4, rl: 2, rs: 3, controls: "Planned maintenance; spindle vibration checks monthly.", treatment: "accept"},
	{kind: "risk", title: "Special-process supplier fails (plating, heat treatment)", process: "Purchasing & supplier management", owner: maria,
		cause: "Few approved platers in the region; Pennine Plating under review.", consequence: "Adhesion failures at customers; orders stopped.",
		il: 3, is: 4, rl: 2, rs: 4, controls: "Annual re-evaluation; certificates checked at goods-in.", treatment: "reduce",
		plan: "Approve a second plater by Q3.", documents: []string{"Purchasing and supplier evaluation"}},
	{kind: "risk", title: "Bar stock without traceable heat numbers", process: "Inspection & testing", owner: priya,
		cause: "Offcuts returned to racks unmarked.", consequence: "Material traceability lost on aerospace parts.",
		il: 3, is: 3, rl: 2, rs: 2, controls: "Goods-in check of mill certificates; heat number on every bar.", treatment: "reduce",
		documents: []string{"Goods-in inspection of bar stock"}},
	{kind: "risk", title: "Order accepted with requirements not reviewed", process: "Sales & customer service", owner: daniel,
		cause: "Drawings and delivery dates confirmed by phone before review.", consequence: "Late deliveries, parts to the wrong revision.",
		il: 3, is: 3, rl: 2, rs: 2, controls: "Contract review checklist on every order.", treatment: "reduce", documents: []string{"Contract review"}},
	{kind: "risk", title: "Late deliveries to key accounts", process: "Sales & customer service", owner: daniel,
		cause: "Capacity planning in spreadsheets; material lead times.", consequence: "Loss of Kestrel Aerospace scheduling agreement.",
		il: 3, is: 3, rl: 3, rs: 2, controls: "Weekly capacity meeting.", treatment: "reduce"},
	{kind: "risk", title: "Parts damaged in storage at Sheffield", process: "Warehouse & dispatch", owner: tom,
		cause: "Old roof over bays 5–8; pallets stacked near roof lights.", consequence: "Corroded plated parts, rework.",
		il: 2, is: 3, rl: 2, rs: 2, controls: "Bay inspections weekly.", treatment: "reduce"},
	{kind: "risk", title: "Operators not competent on new CNC controls", process: "Training & competence", owner: rachel,
		cause: "New Fanuc controls on cells 3 and 4; training by shadowing.", consequence: "Scrap, crashes, unsafe set-ups.",
		il: 3, is: 3, rl: 2, rs: 3, controls: "Skills matrix; sign-off before working alone.", treatment: "reduce", documents: []string{"Training and competence"}},
	{kind: "risk", title: "Key-person dependency in CNC programming", process: "Design & engineering", owner: priya,
		cause: "One programmer writes all 5-axis programs.", consequence: "New parts delayed when he is away.",
		il: 3, is: 3, rl: 3, rs: 2, controls: "Programs stored in the document register.", treatment: "transfer",
		plan: "Framework agreement with a CAM bureau for cover."},
	{kind: "risk", title: "Quality objectives not followed up", process: "Management & planning", owner: helen,
		cause: "Objectives reviewed only at management review.", consequence: "Trends noticed late.",
		il: 2, is: 2, rl: 1, rs: 2, controls: "Monthly KPI review.", treatment: "accept"},
	{kind: "risk", title: "Loss of ISO 9001 certification at surveillance", process: "Management & planning", owner: helen,
		cause: "Open major nonconformities at the audit.", consequence: "Aerospace customers suspend orders.",
		il: 2, is: 5, rl: 1, rs: 5, controls: "Internal audit programme; CAPA follow-up.", treatment: "reduce",
		documents: []string{"Internal audit", "Nonconformity and corrective action"}},
	{kind: "opportunity", title: "Generate supplier scorecards from goods-in and NCR data", process: "Purchasing & supplier management", owner: maria,
		cause: "Scorecards compiled by hand each quarter.", consequence: "Faster, fairer supplier evaluation.",
		il: 3, is: 2, rl: 3, rs: 2, treatment: "pursue", plan: "Improvement plan IP-26-04."},
	{kind: "opportunity", title: "Share CMM programs between shifts", process: "Inspection & testing", owner: priya,
		cause: "Each shift writes its own CMM programs.", consequence: "Shorter inspection queues.",
		il: 3, is: 2, rl: 2, rs: 2, treatment: "pursue"},
	{kind: "opportunity", title: "Offer assembly kits to Kestrel Aerospace", process: "Sales & customer service", owner: daniel,
		cause: "Customer asked for kitted brackets and fasteners.", consequence: "New revenue, closer partnership.",
		il: 2, is: 3, rl: 2, rs: 3, treatment: "not_pursue", plan: "Revisit when the Sheffield roof is replaced and storage is safe."},
	{kind: "risk", title: "Thread and feature errors on customer drawings missed at first-off", process: "Production", owner: tom,
		cause: "Thread gauges not part of the first-off check.", consequence: "Wrong threads delivered (see CC-2026-014).",
		il: 3, is: 3, rl: 2, rs: 2, controls: "First-off check with thread gauges since April.", treatment: "reduce",
		documents: []string{"CNC lathe setting and first-off approval"}},
	{kind: "risk", title: "Canal flooding of the Bradford Workshop", process: "Production", owner: tom,
		cause: "Workshop floor below the towpath; two near-misses in winter storms.", consequence: "Machines and work in progress lost for weeks.",
		il: 2, is: 4, rl: 2, rs: 3, controls: "Flood boards and sandbags; machines on plinths.", treatment: "accept",
		retired: &retirement{time.March, 31, "Bradford's work moved to Leeds in the consolidation and the workshop has closed."}},
}

// risks seeds Northwind's risk register at the start of 2026 and replays the year's exposure:
// each finding raised and closed, each complaint and incident recorded, and a re-check at the
// end of every month, in order, with the clock set to when it happened. The histories, the
// heat map and the review flags are what the exposure rule made of the year.
func (s *seeder) risks(ctx context.Context) error {
	priyaA := s.as(priya)
	existing, err := s.svc.Risks(ctx, priyaA, qms.RiskFilter{Status: "all", Limit: 1})
	if err != nil || len(existing.Risks) > 0 {
		return err
	}
	defer s.svc.SetClock(time.Now)
	at := func(t time.Time) { s.svc.SetClock(func() time.Time { return t }) }

	processes, err := s.svc.Processes(ctx, priyaA)
	if err != nil {
		return err
	}
	process := map[string]qms.Process{}
	for _, p := range processes {
		process[p.Name] = p
	}
	at(d(1, 5).Add(10 * time.Hour))
	ids := map[string]uuid.UUID{}
	for _, r := range register2026 {
		var docs []string
		for _, title := range r.documents {
			doc, err := s.documentTitled(ctx, title)
			if err != nil {
				return err
			}
			docs = append(docs, doc.Number)
		}
		owner := r.owner
		p, ok := process[r.process]
		if !ok {
			return fmt.Errorf("no demo process %q", r.process)
		}
		created, err := s.svc.CreateRisk(ctx, priyaA, qms.RiskInput{
			Kind: r.kind, Title: r.title, Cause: r.cause, Consequence: r.consequence, ProcessID: p.ID, OwnerID: s.as(owner).UserID,
			InherentLikelihood: itoa(r.il), InherentSeverity: itoa(r.is), ResidualLikelihood: itoa(r.rl), ResidualSeverity: itoa(r.rs),
			ExistingControls: r.controls, Treatment: r.treatment, TreatmentPlan: r.plan, ReviewDate: "2026-12-15",
			Documents: strings.Join(docs, "\n"),
		})
		if err != nil {
			return fmt.Errorf("risk %q: %w", r.title, err)
		}
		ids[r.title] = created.ID
	}

	// The year's events, in order.
	type event struct {
		at        time.Time
		processID uuid.UUID
		cause     string
		link      func() error // instead of a re-check: link the finding to a risk (re-assessment)
	}
	var events []event
	findings, err := s.svc.Findings(ctx, priyaA, qms.FindingFilter{Limit: 200})
	if err != nil {
		return err
	}
	for _, r := range register2026 {
		if r.retired == nil {
			continue
		}
		riskID, reason := ids[r.title], r.retired.reason
		events = append(events, event{at: d(r.retired.month, r.retired.day).Add(16 * time.Hour), processID: process[r.process].ID,
			cause: r.title + " retired",
			link: func() error {
				dt, err := s.svc.RiskDetail(ctx, priyaA, riskID)
				if err != nil {
					return err
				}
				_, err = s.svc.SetRiskStatus(ctx, priyaA, riskID, dt.Version, "retired", reason)
				return err
			}})
	}
	for _, f := range findings.Findings {
		f := f
		ev := event{at: f.RaisedAt.Add(time.Minute), processID: f.ProcessID, cause: f.Classification.Label() + " " + f.Reference + " raised"}
		for _, r := range register2026 {
			if k := r.linkFinding; k != nil && k.process == f.ProcessName && k.clause == f.ClauseNumber && k.class == f.Classification {
				riskID := ids[r.title]
				ev.link = func() error {
					dt, err := s.svc.RiskDetail(ctx, priyaA, riskID)
					if err != nil {
						return err
					}
					in := qms.RiskInputOf(dt)
					in.Findings = strings.TrimSpace(in.Findings + "\n" + f.Reference)
					_, err = s.svc.UpdateRisk(ctx, priyaA, riskID, dt.Version, in)
					return err
				}
			}
		}
		events = append(events, ev)
		if f.ClosedAt != nil {
			events = append(events, event{at: f.ClosedAt.Add(time.Minute), processID: f.ProcessID, cause: "Finding " + f.Reference + " closed"})
		}
	}
	for _, kind := range []qms.RecordKind{qms.KindComplaint, qms.KindIncident} {
		rows, err := s.svc.Records(ctx, priyaA, qms.RecordFilter{Kind: kind, State: qms.RecordFinal, Limit: 200})
		if err != nil {
			return err
		}
		for _, r := range rows.Rows {
			if r.ProcessID == nil {
				continue
			}
			events = append(events, event{at: r.EventDate.Add(17 * time.Hour), processID: *r.ProcessID,
				cause: "Record " + qms.RecordNumber(r.Ref) + " (" + string(kind) + ") " + r.Title})
		}
	}
	now := time.Now()
	for m := time.February; ; m++ {
		t := d(m, 1).Add(-time.Hour) // the last evening of the month before
		if t.After(now) {
			break
		}
		events = append(events, event{at: t, cause: "Monthly re-check"})
	}
	slices.SortStableFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	for _, ev := range events {
		if ev.at.After(now) || ev.at.Before(d(1, 5)) {
			continue
		}
		at(ev.at)
		if ev.link != nil {
			if err := ev.link(); err != nil {
				return err
			}
		}
		var ps []uuid.UUID
		if ev.processID != uuid.Nil {
			ps = []uuid.UUID{ev.processID}
		}
		if _, err := s.svc.RecheckExposure(ctx, priyaA, ps, ev.cause); err != nil {
			return fmt.Errorf("%s: %w", ev.cause, err)
		}
	}
	at(now)
	_, err = s.svc.RecheckExposure(ctx, priyaA, nil, "Time-based signals re-checked")
	return err
}

func itoa(n int) string { return fmt.Sprint(n) }
