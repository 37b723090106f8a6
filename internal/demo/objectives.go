package demo

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"github.com/plumbline/plumbline/internal/qms"
)

// demoObjective is one of Northwind's quality objectives with a year of its values, Dec 2025
// onwards, one per period; notes are keyed by the value's index.
type demoObjective struct {
	title, description, process, owner, site string
	target, tolerance, unit                  string
	direction                                qms.Direction
	frequency                                qms.Frequency
	source                                   string
	values                                   []string
	notes                                    map[int]string
	// imported values come from the ERP's monthly export, as one CSV file.
	imported int
}

var demoObjectives = []demoObjective{
	{
		title:       "On-time delivery to customers",
		description: "Orders dispatched complete on or before the date confirmed to the customer, as a share of orders due in the month. Measured from the despatch log at Sheffield; the basis of our customers' supplier ratings.",
		process:     "Warehouse & dispatch", owner: "tom.baker@northwind.example", site: "SHF",
		target: "95", tolerance: "2", unit: "%", direction: qms.AtLeast, frequency: qms.Monthly,
		values: []string{"96.8", "97.2", "95.9", "93.1", "91.4", "92.8", "94.6", "96.1", "96.8", "97.1", "94.6"},
		notes: map[int]string{
			3:  "Heat-treatment backlog at Castleford Heat Treatment delayed 14 orders.",
			4:  "Two CNC lathes down for spindle rebuild; 23 late shipments. Recovery plan agreed with Helen.",
			5:  "Saturday shifts on the Mazak cell to clear the backlog.",
			7:  "Back above target; recovery plan closed.",
			10: "Plating delay at Aire Valley Finishing held three orders for Hartley Hydraulics.",
		},
	},
	{
		title:       "Customer complaints",
		description: "Complaints received from customers in the month, whatever their cause or validity. Every complaint is logged by Sales on the day it arrives.",
		process:     "Sales & customer service", owner: "daniel.okafor@northwind.example",
		target: "2", tolerance: "1", unit: "complaints", direction: qms.AtMost, frequency: qms.Monthly,
		values: []string{"1", "2", "1", "3", "2", "1", "0", "1", "2", "1", "1"},
		notes: map[int]string{
			3: "Burrs in the bore of HX-220 housings (Hartley Hydraulics), two late deliveries.",
			6: "First month without a complaint since the QMS started.",
		},
	},
	{
		title:       "Internal scrap rate",
		description: "Machining scrap at Leeds as a share of parts machined, by value of material. Scrap tickets are booked per shift in the production system.",
		process:     "Production", owner: "tom.baker@northwind.example", site: "LDS",
		target: "1.5", tolerance: "0.3", unit: "%", direction: qms.AtMost, frequency: qms.Monthly,
		values: []string{"1.2", "1.1", "1.3", "0.7", "1.2", "1.1", "1.4", "1.6", "1.9", "2.1", "2.4"},
		notes: map[int]string{
			7:  "New batch of 17-4PH bar stock; chatter on thin-walled valve bodies.",
			8:  "Tool life down on the Citizen L20; trial of new inserts started.",
			9:  "Insert trial did not help. Material certificates of the 17-4PH batch under review with the supplier.",
			10: "Scrap concentrated on 17-4PH valve bodies (VB-17 family).",
		},
	},
	{
		title:       "First-pass yield at CMM inspection",
		description: "Parts passing final CMM inspection at the first measurement, as a share of parts measured. Taken from the CMM reports of the month.",
		process:     "Inspection & testing", owner: "priya.shah@northwind.example", site: "LDS",
		target: "98", tolerance: "1", unit: "%", direction: qms.AtLeast, frequency: qms.Monthly,
		values: []string{"98.6", "98.9", "98.4", "98.7", "99.0", "98.8", "98.9", "98.7", "98.5", "98.3", "98.2"},
		notes: map[int]string{
			10: "Still above target, but falling since July, with the scrap rate rising on the same parts.",
		},
	},
	{
		title:       "Supplier on-time delivery",
		description: "Purchase order lines received complete by the confirmed date, as a share of lines due: bar stock, tooling, heat treatment and plating.",
		process:     "Purchasing & supplier management", owner: "maria.lopez@northwind.example",
		target: "92", tolerance: "3", unit: "%", direction: qms.AtLeast, frequency: qms.Monthly,
		values:   []string{"89.5", "90.2", "91.8", "88.7", "90.5", "92.6", "93.4", "94.1", "93.0", "94.8", "95.2"},
		imported: 10,
		notes: map[int]string{
			3:  "Castleford Heat Treatment capacity problem.",
			5:  "Second heat-treatment supplier approved.",
			10: "Entered from the ERP report; the export was not run this month.",
		},
	},
	{
		title:       "Training plan completion",
		description: "Training in the annual training plan completed by the end of the quarter, cumulative for the plan year, from the skills matrix.",
		process:     "Training & competence", owner: "rachel.evans@northwind.example",
		target: "90", tolerance: "5", unit: "%", direction: qms.AtLeast, frequency: qms.Quarterly,
		values: []string{"84", "88", "92", "94"},
		notes: map[int]string{
			0: "Skills matrix rebuilt; CMM programming training for two inspectors outstanding.",
			2: "CMM training completed in May.",
		},
	},
	{
		title:       "Quality objectives on track",
		description: "An overview for management review: how many of the other quality objectives were on track at the end of each quarter.",
		process:     "Management & planning", owner: "helen.ward@northwind.example",
		target: "80", tolerance: "15", unit: "%", direction: qms.AtLeast, frequency: qms.Quarterly,
		source: qms.SourceObjectivesOnTrack,
	},
}

// objectiveStart is when Northwind's current objectives started: the plan year agreed at the
// management review of November 2025.
var objectiveStart = time.Date(2025, time.December, 1, 0, 0, 0, 0, time.UTC)

// objectives sets Northwind's quality objectives and records a year of their values the way
// the owners did, each early in the month after the period, including one correction.
func (s *seeder) objectives(ctx context.Context) error {
	priya := s.as("priya.shah@northwind.example")
	existing, err := s.svc.Objectives(ctx, priya, qms.ObjectiveFilter{Limit: 1})
	if err != nil || len(existing.Objectives) > 0 {
		return err
	}
	processes, err := s.svc.Processes(ctx, priya)
	if err != nil {
		return err
	}
	sites, err := s.svc.Sites(ctx, priya)
	if err != nil {
		return err
	}
	processID := map[string]qms.Process{}
	for _, p := range processes {
		processID[p.Name] = p
	}
	// The values are written as of the days they were recorded; the clock goes back to the
	// real one afterwards.
	defer s.svc.SetClock(time.Now)
	at := func(t time.Time) {
		if now := time.Now(); t.After(now) {
			t = now
		}
		s.svc.SetClock(func() time.Time { return t })
	}
	at(objectiveStart.AddDate(0, 0, -10))
	for _, d := range demoObjectives {
		p, ok := processID[d.process]
		if !ok {
			continue // the process was renamed or removed: nothing to hang the objective on
		}
		in := qms.ObjectiveInput{
			Title: d.title, Description: d.description, OwnerID: s.as(d.owner).UserID, ProcessID: p.ID,
			TargetValue: d.target, Tolerance: d.tolerance, Unit: d.unit, Direction: d.direction, Frequency: d.frequency,
			Source: d.source, StartDate: objectiveStart.Format("2006-01-02"), ReviewDate: "2026-12-15",
		}
		for _, site := range sites {
			if site.Code == d.site && d.site != "" {
				in.SiteID = site.ID
			}
		}
		o, err := s.svc.CreateObjective(ctx, priya, in)
		if err != nil {
			return fmt.Errorf("objective %s: %w", d.title, err)
		}
		if err := s.objectiveValues(ctx, o, d, at); err != nil {
			return fmt.Errorf("values of %s: %w", d.title, err)
		}
	}
	return nil
}

func (s *seeder) objectiveValues(ctx context.Context, o qms.Objective, d demoObjective, at func(time.Time)) error {
	owner := s.as(d.owner)
	period := o.Frequency.PeriodOf(o.StartDate)
	recordedOn := func(p time.Time) time.Time {
		return o.Frequency.Next(p).AddDate(0, 0, 3).Add(9*time.Hour + 40*time.Minute)
	}
	if d.source != "" {
		at(time.Now())
		_, err := s.svc.ComputeMeasurements(ctx, owner, o.ID)
		return err
	}
	if d.imported > 0 {
		// Maria exports supplier delivery performance from the ERP and imports it in one go.
		var file strings.Builder
		w := csv.NewWriter(&file)
		_ = w.Write(qms.MeasurementCSVColumns)
		p := period
		for i := 0; i < d.imported; i++ {
			_ = w.Write([]string{o.Frequency.PeriodCode(p), d.values[i], d.notes[i]})
			p = o.Frequency.Next(p)
		}
		w.Flush()
		at(recordedOn(o.Frequency.PeriodOf(p.AddDate(0, -1, 0))))
		up, err := s.svc.ReceiveFile(ctx, owner, "file", "erp-supplier-otd-dec2025-sep2026.csv", strings.NewReader(file.String()))
		if err == nil {
			if _, err := s.svc.ImportMeasurements(ctx, owner, o.ID, up); err != nil {
				return err
			}
			d.values, period = d.values[d.imported:], p
			notes := map[int]string{}
			for i, n := range d.notes {
				notes[i-d.imported] = n
			}
			d.notes = notes
		}
		// Without evidence storage (a bare service) the values are simply entered by hand.
	}
	for i, v := range d.values {
		at(recordedOn(period))
		res, err := s.svc.RecordMeasurement(ctx, owner, o.ID, qms.MeasurementInput{Period: o.Frequency.PeriodCode(period), Value: v, Note: d.notes[i]})
		if err != nil {
			return err
		}
		if o.Title == "Internal scrap rate" && period.Month() == time.March {
			// Night-shift scrap tickets for March were booked late; Priya corrected the value
			// when she reconciled the scrap report.
			at(recordedOn(period).AddDate(0, 0, 9))
			m := res.Measurement
			if _, err := s.svc.CorrectMeasurement(ctx, s.as("priya.shah@northwind.example"), o.ID, m.ID, m.Version, qms.MeasurementCorrection{
				Value: "1.0", Note: "Includes night-shift scrap tickets booked late.",
				Reason: "Night-shift scrap tickets for March were booked after the report was run",
			}); err != nil {
				return err
			}
		}
		period = o.Frequency.Next(period)
	}
	return nil
}
