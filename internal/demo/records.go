package demo

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
)

// Shop-floor people without a Plumbline account, who attend trainings.
var operators = []string{"Jack Wilson", "Aisha Khan", "Liam O'Connor", "Grace Hughes", "Connor Walsh", "Megan Price",
	"Oliver Bennett", "Zofia Nowak", "Ryan Hall", "Chloe Turner", "Hassan Ali", "Bethany Cole"}

// demoFile is a small generated file attached to a record.
type demoFile struct {
	name    string
	content []byte
}

// demoRecord is one record as the demo tells it.
type demoRecord struct {
	typ, title, process, site, clauses, desc, by string
	day                                          time.Time
	customer, product, severity                  string
	supplier                                     string
	score                                        int
	topic                                        string
	members                                      []string // emails
	names                                        []string
	files                                        []demoFile
	draft                                        bool
	recorded                                     time.Time // when it was recorded, if not the day after
}

// recordSeeder carries what the records step looks up by name.
type recordSeeder struct {
	*seeder
	now       time.Time
	rng       *rand.Rand
	types     map[string]qms.RecordType
	processes map[string]uuid.UUID
	sites     map[string]uuid.UUID
	suppliers map[string]uuid.UUID
}

// records seeds a year of Northwind's records: suppliers and their evaluations, CMM reports,
// gauge calibrations, trainings, customer complaints and their handling, incidents, monthly
// KPI reports and meeting minutes, a few corrections, some drafts, and old records from the
// paper archive that are past their retention, one of them already disposed of.
func (s *seeder) records(ctx context.Context) error {
	qm := s.as(priya)
	existing, err := s.svc.Records(ctx, qm, qms.RecordFilter{Limit: 1})
	if err != nil || len(existing.Rows) > 0 {
		return err
	}
	if sup, err := s.svc.Suppliers(ctx, qm, qms.SupplierFilter{}); err != nil || len(sup) > 0 {
		return err
	}
	// Each record is stamped with the time it was recorded, so the service's clock follows
	// the story and is given back afterwards.
	defer s.svc.SetClock(time.Now)
	now := time.Now()
	r := &recordSeeder{seeder: s, now: now, rng: rand.New(rand.NewPCG(2026, 9001)),
		types: map[string]qms.RecordType{}, processes: map[string]uuid.UUID{}, sites: map[string]uuid.UUID{}, suppliers: map[string]uuid.UUID{}}
	types, err := s.svc.RecordTypes(ctx, qm)
	if err != nil {
		return err
	}
	for _, t := range types {
		r.types[t.Name] = t
	}
	procs, err := s.svc.Processes(ctx, qm)
	if err != nil {
		return err
	}
	for _, p := range procs {
		r.processes[p.Name] = p.ID
	}
	sites, err := s.svc.Sites(ctx, s.as(helen))
	if err != nil {
		return err
	}
	for _, st := range sites {
		r.sites[st.Name] = st.ID
	}
	for _, step := range []func(context.Context) error{
		r.supplierRegister, r.legacy, r.inspections, r.calibrations, r.trainings, r.complaints,
		r.evaluations, r.management, r.incidentsAndFeedback,
	} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// at moves the clock to t, but never past the real now.
func (r *recordSeeder) at(t time.Time) {
	if t.After(r.now) {
		t = r.now
	}
	r.svc.SetClock(func() time.Time { return t })
}

// daysAgo is a date n days before today.
func (r *recordSeeder) daysAgo(n int) time.Time {
	y, m, d := r.now.AddDate(0, 0, -n).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (r *recordSeeder) create(ctx context.Context, d demoRecord) (qms.RecordDetail, error) {
	a := r.as(d.by)
	t, ok := r.types[d.typ]
	if !ok {
		return qms.RecordDetail{}, fmt.Errorf("demo: no record type %q", d.typ)
	}
	in := qms.RecordInput{
		TypeID: t.ID, Title: d.title, EventDate: d.day.Format(time.DateOnly), ProcessID: r.processes[d.process],
		SiteID: r.sites[d.site], Clauses: d.clauses, Description: d.desc, Customer: d.customer, ProductService: d.product,
		Severity: d.severity, SupplierID: r.suppliers[d.supplier], Topic: d.topic, AttendeeNames: d.names,
	}
	if d.score > 0 {
		in.Score = fmt.Sprint(d.score)
	}
	for _, email := range d.members {
		in.AttendeeIDs = append(in.AttendeeIDs, r.as(email).UserID)
	}
	// Recorded the working day after the event, mid-morning.
	if d.recorded.IsZero() {
		d.recorded = d.day.Add(24*time.Hour + time.Duration(8+r.rng.IntN(8))*time.Hour + time.Duration(r.rng.IntN(60))*time.Minute)
	}
	r.at(d.recorded)
	var uploads []qms.Upload
	for _, f := range d.files {
		u, err := r.svc.ReceiveFile(ctx, a, "files", f.name, bytes.NewReader(f.content))
		if err != nil {
			return qms.RecordDetail{}, fmt.Errorf("demo file %s: %w", f.name, err)
		}
		uploads = append(uploads, u)
	}
	rec, err := r.svc.CreateRecord(ctx, a, in, uploads, !d.draft)
	if err != nil {
		return rec, fmt.Errorf("demo record %q: %w %v", d.title, err, qms.FieldErrors(err))
	}
	return rec, nil
}

// correct makes a correction some days after a record was finalised.
func (r *recordSeeder) correct(ctx context.Context, rec qms.RecordDetail, by string, after int, reason string, change func(*qms.RecordInput)) error {
	v := rec.Shown
	in := qms.RecordInput{
		TypeID: rec.TypeID, Title: v.Title, EventDate: v.EventDate.Format(time.DateOnly), Description: v.Description,
		Customer: v.Customer, ProductService: v.ProductService, Severity: string(v.Severity), Topic: v.Topic,
	}
	for _, id := range []struct {
		from *uuid.UUID
		to   *uuid.UUID
	}{{v.ProcessID, &in.ProcessID}, {v.SiteID, &in.SiteID}, {v.SupplierID, &in.SupplierID}} {
		if id.from != nil {
			*id.to = *id.from
		}
	}
	if v.Score != nil {
		in.Score = fmt.Sprint(*v.Score)
	}
	var clauses []string
	for _, c := range v.Clauses {
		clauses = append(clauses, c.Number)
	}
	in.Clauses = strings.Join(clauses, ", ")
	for _, at := range v.Attendees {
		if at.UserID != nil {
			in.AttendeeIDs = append(in.AttendeeIDs, *at.UserID)
		} else {
			in.AttendeeNames = append(in.AttendeeNames, at.Name)
		}
	}
	var keep []uuid.UUID
	for _, f := range v.Files {
		keep = append(keep, f.ID)
	}
	change(&in)
	r.at(v.EventDate.AddDate(0, 0, after).Add(14 * time.Hour))
	_, err := r.svc.CorrectRecord(ctx, r.as(by), rec.ID, rec.Version, in, reason, nil, keep)
	return err
}

func (r *recordSeeder) supplierRegister(ctx context.Context) error {
	list := []qms.SupplierInput{
		{Name: "Sheffield Bar Stock Ltd", Supplies: "EN1A and EN8 free-cutting steel bar, 6–80 mm, with 3.1 certificates", ApprovalStatus: qms.SupplierApproved,
			ContactName: "Gary Whitaker", ContactEmail: "gary.whitaker@sheffieldbarstock.example", ContactPhone: "0114 496 0321"},
		{Name: "Castleton Alloys", Supplies: "6082-T6 aluminium and 303/316 stainless bar", ApprovalStatus: qms.SupplierApproved,
			ContactName: "Fiona Marsh", ContactEmail: "sales@castletonalloys.example", ContactPhone: "01433 496 118"},
		{Name: "Aire Valley Heat Treatment", Supplies: "Case hardening, through hardening and stress relieving (Nadcap)", ApprovalStatus: qms.SupplierApproved,
			ContactName: "Dev Patel", ContactEmail: "quality@airevalleyht.example", ContactPhone: "0113 496 0777"},
		{Name: "Pennine Plating Services", Supplies: "Zinc-nickel and electroless nickel plating", ApprovalStatus: qms.SupplierConditional,
			ContactName: "Karen Holt", ContactEmail: "karen.holt@pennineplating.example", ContactPhone: "01422 496 550",
			Notes: "Conditional since the Q3 evaluation: adhesion failures on zinc-nickel (see complaint from Brenner). 8D and re-audit due before Q1 orders are released."},
		{Name: "Calder Anodising Ltd", Supplies: "Type II and hard anodising of aluminium", ApprovalStatus: qms.SupplierNotApproved,
			ContactName: "Mike Rowe", ContactEmail: "mike@calderanodising.example",
			Notes: "Removed from the approved list after two poor evaluations (coating thickness out of tolerance, late deliveries). Work moved to Pennine."},
		{Name: "Yorkshire Metrology Services", Supplies: "UKAS-accredited calibration of gauges, instruments and CMM verification", ApprovalStatus: qms.SupplierApproved,
			ContactName: "Alan Firth", ContactEmail: "lab@yorkshiremetrology.example", ContactPhone: "01924 496 200"},
		{Name: "Harrow Cutting Tools", Supplies: "Carbide inserts, drills and end mills", ApprovalStatus: qms.SupplierPending,
			ContactName: "Sophie Grant", ContactEmail: "sophie.grant@harrowtools.example",
			Notes: "Proposed by production as second source for inserts; trial order placed, first evaluation due."},
	}
	process := map[string]string{"Aire Valley Heat Treatment": "Production", "Pennine Plating Services": "Production",
		"Calder Anodising Ltd": "Production", "Yorkshire Metrology Services": "Maintenance & calibration", "Harrow Cutting Tools": "Production"}
	r.at(r.now.AddDate(-1, 0, -20))
	for _, in := range list {
		p, ok := process[in.Name]
		if !ok {
			p = "Purchasing & supplier management"
		}
		in.ProcessID = r.processes[p]
		sup, err := r.svc.CreateSupplier(ctx, r.as(maria), in)
		if err != nil {
			return err
		}
		r.suppliers[sup.Name] = sup.ID
	}
	return nil
}

// legacy is what came over from the paper archive: old enough to be past retention.
func (r *recordSeeder) legacy(ctx context.Context) error {
	var first qms.RecordDetail
	for i, month := range []string{"2019-01-31", "2019-02-28", "2019-03-31", "2019-06-30", "2019-09-30", "2020-03-31"} {
		day, _ := time.Parse(time.DateOnly, month)
		rec, err := r.create(ctx, demoRecord{
			typ: "KPI report", by: priya, day: day, process: "Management & planning", clauses: "9.1.3",
			recorded: r.now.AddDate(0, 0, -40).Add(time.Duration(i) * time.Hour),
			title:    "Quality KPIs, " + day.Format("January 2006") + " (paper archive)",
			desc:     "Scanned from the paper archive when records moved to Plumbline. On-time delivery, scrap rate and complaints for the month.",
			files: []demoFile{{"kpi-" + day.Format("2006-01") + "-scan.pdf", tinyPDF("Quality KPIs "+day.Format("January 2006"),
				"Northwind Precision Components - monthly quality report", fmt.Sprintf("On-time delivery: %.1f%%", 91+r.rng.Float64()*5),
				fmt.Sprintf("Scrap: %.1f%%", 1+r.rng.Float64()*2), "Scanned from paper, original destroyed after scanning.")}},
		})
		if err != nil {
			return err
		}
		if i == 0 {
			first = rec
		}
	}
	day, _ := time.Parse(time.DateOnly, "2014-11-20")
	if _, err := r.create(ctx, demoRecord{
		typ: "Meeting minutes", by: priya, day: day, process: "Management & planning", clauses: "9.3",
		recorded: r.now.AddDate(0, 0, -39),
		title:    "Management review 2014 (paper archive)", desc: "Minutes of the 2014 management review, scanned from the paper archive.",
	}); err != nil {
		return err
	}
	// The oldest KPI report has been reviewed and disposed of already.
	r.at(r.now.AddDate(0, 0, -12))
	_, err := r.svc.DisposeRecord(ctx, r.as(priya), first.ID, first.Version,
		"KPI reports are kept 3 years (QP-002 Control of records). The figures are in the 2019 annual summary, which is kept.", Password)
	return err
}

var parts = []struct{ number, name, customer string }{
	{"LA-7741-A", "Housing", "Lindqvist Automotive Systems"},
	{"AM-4471", "Manifold block", "Aerostar Components plc"},
	{"LS-904", "Drive shaft", "Lindqvist Automotive Systems"},
	{"KB-77", "Mounting bracket", "Kestrel Aero Structures"},
	{"AC-118", "Cover plate", "Aerostar Components plc"},
	{"MM-3120", "Valve body", "Marlowe Motors UK"},
}

func (r *recordSeeder) cmmReport(p struct{ number, name, customer string }, batch int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "part,%s\nbatch,%d\nmachine,Zeiss Contura M-001\n\nfeature,nominal,tolerance,measured,result\n", p.number, batch)
	for i, f := range []string{"bore A", "bore B", "face flatness", "hole position 1", "hole position 2", "length"} {
		nominal := []float64{12, 18, 0, 0, 0, 84.5}[i]
		dev := (r.rng.Float64() - 0.5) * 0.012
		fmt.Fprintf(&b, "%s,%.3f,0.010,%.4f,OK\n", f, nominal, nominal+dev)
	}
	return []byte(b.String())
}

func (r *recordSeeder) inspections(ctx context.Context) error {
	batch := 2180
	var wrong qms.RecordDetail
	for week := 50; week >= 0; week -= 2 {
		p := parts[(50-week)/2%len(parts)]
		batch += 7 + r.rng.IntN(9)
		if week == 34 {
			batch = 2291 // the batch behind Lindqvist's complaint
			p = parts[0]
		}
		day := r.daysAgo(week*7 + 2)
		number := batch
		if week == 34 {
			number = 2219 // typed wrongly, corrected below
		}
		rec, err := r.create(ctx, demoRecord{
			typ: "Inspection / test", by: tom, day: day, process: "Inspection & testing", site: "Leeds Plant", clauses: "8.6, 8.5.1",
			title: fmt.Sprintf("CMM report %s %s, batch %d", p.name, p.number, number),
			desc:  fmt.Sprintf("Final inspection on the Contura CMM, first and last off plus 1 in 20. All features within tolerance. Released for %s.", p.customer),
			files: []demoFile{{fmt.Sprintf("cmm-%s-%d.csv", strings.ToLower(p.number), batch), r.cmmReport(p, batch)}},
			draft: week < 2,
		})
		if err != nil {
			return err
		}
		if week == 34 {
			wrong = rec
		}
	}
	if err := r.correct(ctx, wrong, priya, 9, "Batch number transcribed wrongly from the traveller (2219 → 2291), found when tracing Lindqvist's complaint.",
		func(in *qms.RecordInput) { in.Title = strings.Replace(in.Title, "2219", "2291", 1) }); err != nil {
		return err
	}
	for i, fai := range []struct {
		part  int
		weeks int
	}{{1, 44}, {3, 20}} {
		p := parts[fai.part]
		if _, err := r.create(ctx, demoRecord{
			typ: "Inspection / test", by: priya, day: r.daysAgo(fai.weeks * 7), process: "Inspection & testing", site: "Leeds Plant", clauses: "8.3.4, 8.6",
			title: fmt.Sprintf("First article inspection (AS9102) %s %s", p.name, p.number),
			desc:  fmt.Sprintf("Full FAI for %s: balloon drawing, 100%% dimensional on the CMM, material and special-process certificates checked.", p.customer),
			files: []demoFile{{fmt.Sprintf("fai-%s.pdf", strings.ToLower(p.number)), tinyPDF("First Article Inspection Report "+p.number,
				"Form 1: part number accountability - complete", "Form 2: product accountability - material, heat treatment, plating certs attached",
				"Form 3: characteristic accountability - 64 characteristics, all conforming", fmt.Sprintf("FAI %d of the year, signed by P. Shah", i+1))}},
		}); err != nil {
			return err
		}
	}
	return nil
}

func (r *recordSeeder) calibrations(ctx context.Context) error {
	gauges := []string{"Mitutoyo micrometer 0–25 mm (G-014)", "Digital caliper 150 mm (G-022)", "Bore gauge 18–35 mm (G-031)",
		"Height gauge 300 mm (G-002)", "Thread plug gauge M8×1.25 6H (G-118)", "Zeiss Contura CMM (M-001), ISO 10360 verification",
		"Torque wrench 5–25 Nm (T-007)", "Surface roughness tester (M-009)", "Pin gauge set 1–10 mm (G-090)", "Slip gauge set, grade 1 (G-200)",
		"Digital caliper 300 mm (G-023)", "Micrometer 25–50 mm (G-015)"}
	for i, g := range gauges {
		day := r.daysAgo(350 - i*29)
		site := "Leeds Plant"
		if i == 6 {
			site = "Sheffield Distribution Centre"
		}
		cert := fmt.Sprintf("YMS-%d-%04d", day.Year(), 3100+i*17)
		if _, err := r.create(ctx, demoRecord{
			typ: "Calibration", by: tom, day: day, process: "Maintenance & calibration", site: site, clauses: "7.1.5.2",
			title: "Calibration " + g,
			desc:  "Calibrated by Yorkshire Metrology Services (UKAS 0412), certificate " + cert + ". As found and as left within tolerance; next due in 12 months.",
			files: []demoFile{{strings.ToLower(cert) + ".pdf", tinyPDF("Certificate of Calibration "+cert, "Instrument: "+g,
				"Laboratory: Yorkshire Metrology Services, UKAS 0412", "Result: within specification, as found and as left",
				"Uncertainty stated at k=2, approx. 95% confidence", "Traceable to national standards (NPL)")}},
		}); err != nil {
			return err
		}
	}
	return nil
}

func (r *recordSeeder) trainings(ctx context.Context) error {
	pick := func(n int) []string {
		out := make([]string, 0, n)
		for _, i := range r.rng.Perm(len(operators))[:n] {
			out = append(out, operators[i])
		}
		return out
	}
	list := []demoRecord{
		{title: "ISO 9001 awareness for new starters", topic: "Quality policy, objectives and how to raise a nonconformity", process: "Training & competence", site: "Leeds Plant", clauses: "7.3", members: []string{sam}, names: pick(3)},
		{title: "CMM programming refresher (Calypso)", topic: "CMM programming and alignment", process: "Inspection & testing", site: "Leeds Plant", clauses: "7.2", members: []string{tom, sam}, names: pick(2)},
		{title: "Manual handling refresher", topic: "Manual handling", process: "Warehouse & dispatch", site: "Sheffield Distribution Centre", clauses: "7.1.4", names: pick(5)},
		{title: "Fire warden training", topic: "Fire safety and evacuation", process: "Management & planning", site: "Leeds Plant", members: []string{rachel, tom}, names: pick(2)},
		{title: "First article inspection to AS9102", topic: "AS9102 first article inspection", process: "Inspection & testing", site: "Leeds Plant", clauses: "7.2, 8.6", members: []string{priya, ian}, names: pick(1)},
		{title: "Forklift refresher (RTITB)", topic: "Counterbalance forklift refresher", process: "Warehouse & dispatch", site: "Sheffield Distribution Centre", clauses: "7.2", names: pick(4)},
		{title: "Internal auditor course (ISO 19011)", topic: "Auditing management systems", process: "Management & planning", clauses: "7.2, 9.2", members: []string{ian, priya, rachel}},
		{title: "Briefing: deburring standard WI-PR-012 rev B", topic: "Deburring of cross-drilled holes", process: "Production", site: "Leeds Plant", clauses: "7.3, 10.2", members: []string{sam, tom}, names: pick(6)},
		{title: "Chip, swarf and coolant safety (COSHH)", topic: "COSHH: metalworking fluids", process: "Production", site: "Leeds Plant", clauses: "7.1.4", names: pick(5)},
		{title: "Briefing: drawing revision control at the machine", topic: "Using the current drawing revision", process: "Design & engineering", site: "Leeds Plant", clauses: "7.5.3, 8.5.1", members: []string{sam}, names: pick(4)},
	}
	var withGrace qms.RecordDetail
	for i, d := range list {
		d.typ, d.by = "Training", rachel
		d.day = r.daysAgo(340 - i*34)
		d.desc = "Session run on site. Attendance sheet signed by everyone present; understanding checked with a short practical or quiz."
		d.files = []demoFile{{fmt.Sprintf("attendance-%s.pdf", d.day.Format("2006-01-02")), tinyPDF("Attendance sheet: "+d.title,
			"Date: "+d.day.Format("2 January 2006"), "Trainer: "+[]string{"Rachel Evans", "Priya Shah", "External (RTITB)", "Tom Baker"}[i%4],
			fmt.Sprintf("Attendees: %d, all signed", len(d.members)+len(d.names)))}}
		d.draft = i == len(list)-1 // the latest briefing is still being written up
		if i == 2 {
			d.names = []string{"Jack Wilson", "Aisha Khan", "Connor Walsh", "Megan Price"}
		}
		rec, err := r.create(ctx, d)
		if err != nil {
			return err
		}
		if i == 2 {
			withGrace = rec
		}
	}
	return r.correct(ctx, withGrace, rachel, 6, "Attendee list missed Grace Hughes, who attended and signed the sheet at the end of the session.",
		func(in *qms.RecordInput) { in.AttendeeNames = append(in.AttendeeNames, "Grace Hughes") })
}

func (r *recordSeeder) complaints(ctx context.Context) error {
	type complaint struct {
		demoRecord
		ago    int
		status qms.ComplaintStatus
		notes  [2]string
	}
	list := []complaint{
		{demoRecord{customer: "Aerostar Components plc", product: "Manifold block AM-4471", severity: "high", process: "Production", site: "Leeds Plant",
			title: "Burrs left in cross-drilled holes", clauses: "8.7, 10.2",
			desc: "Aerostar goods-in found burrs at the intersection of cross-drilled holes on 14 of 60 manifold blocks (their NCR 22-0871). Parts quarantined at the customer; sorted on site by our team."},
			310, qms.ComplaintClosed, [2]string{"8D opened; containment: 100% inspection with borescope", "Root cause: deburring tool worn, no tool-life limit. WI-PR-012 revised, operators briefed; customer accepted the 8D"}},
		{demoRecord{customer: "Lindqvist Automotive Systems", product: "Housing LA-7741-A", severity: "high", process: "Inspection & testing", site: "Leeds Plant",
			title: "Bore A oversize on batch 2291", clauses: "8.6, 8.7, 10.2",
			desc: "Lindqvist measured bore A at 12.014 mm on 6 parts of batch 2291 (tolerance 12.000 +0.010). Our CMM report showed conforming parts: measurement correlation to be checked."},
			235, qms.ComplaintClosed, [2]string{"Correlation study with Lindqvist's lab started", "Thermal effect: parts measured warm. Soak time of 2 h added before CMM; batch replaced"}},
		{demoRecord{customer: "Marlowe Motors UK", product: "Order MM-55821, valve bodies", severity: "medium", process: "Warehouse & dispatch", site: "Sheffield Distribution Centre",
			title: "Order delivered four days late", clauses: "8.2.1, 9.1.2",
			desc: "Order MM-55821 reached Marlowe four days after the agreed date; their line was not stopped but they raised a supplier performance flag."},
			200, qms.ComplaintClosed, [2]string{"Investigating: carrier collection missed", "Second carrier contracted for Friday collections; Marlowe informed"}},
		{demoRecord{customer: "Kestrel Aero Structures", product: "Shipment KA-3310, brackets KB-77", severity: "medium", process: "Warehouse & dispatch", site: "Sheffield Distribution Centre",
			title: "Material certificates missing from shipment", clauses: "8.5.2, 8.6",
			desc: "Shipment KA-3310 arrived without the 3.1 material certificates; Kestrel could not release the parts into stores."},
			150, qms.ComplaintClosed, [2]string{"Certificates found in the dispatch office", "Certificates sent the same day; dispatch checklist now includes a certificate check"}},
		{demoRecord{customer: "Brenner Fahrzeugtechnik GmbH", product: "Bracket BF-220, zinc-nickel plated", severity: "high", process: "Purchasing & supplier management", site: "Leeds Plant",
			title: "Zinc-nickel plating peeling after assembly", clauses: "8.4, 8.7",
			desc: "Brenner reports plating flaking from 40 brackets after press-fit assembly. Plating by Pennine Plating Services, batch PP-2291."},
			95, qms.ComplaintInvestigating, [2]string{"8D with Pennine Plating; adhesion tests on retained samples", ""}},
		{demoRecord{customer: "Aerostar Components plc", product: "Cover plate AC-118", severity: "medium", process: "Production", site: "Leeds Plant",
			title: "Scratches on anodised cover plates", clauses: "8.5.4",
			desc: "Light scratches on the visible face of 9 cover plates; packaging suspected (parts touching in the tote)."},
			45, qms.ComplaintInvestigating, [2]string{"Packaging trial with separators", ""}},
		{demoRecord{customer: "Lindqvist Automotive Systems", product: "Drive shaft LS-904", severity: "critical", process: "Design & engineering", site: "Leeds Plant",
			title: "Shafts machined to drawing revision C instead of D", clauses: "7.5.3, 8.5.1, 8.5.6",
			desc: "Lindqvist found the new keyway (rev D) missing on 120 shafts. The machine held a printed rev C drawing; the CNC program had not been updated."},
			20, qms.ComplaintOpen, [2]string{}},
		{demoRecord{customer: "Marlowe Motors UK", product: "Valve body MM-3120", severity: "low", process: "Warehouse & dispatch", site: "Sheffield Distribution Centre",
			title: "Twelve parts dented in transit", clauses: "8.5.4",
			desc: "Pallet arrived with a crushed corner; 12 valve bodies dented. Photos received from Marlowe goods-in."},
			9, qms.ComplaintOpen, [2]string{}},
		{demoRecord{customer: "Kestrel Aero Structures", product: "Mounting bracket KB-77", severity: "medium", process: "Inspection & testing", site: "Leeds Plant",
			title: "M8 tapped holes fail the NO-GO gauge", clauses: "8.6, 8.7",
			desc: "Kestrel's receiving inspection rejected 5 brackets: the M8 NO-GO thread gauge enters more than two turns."},
			3, qms.ComplaintOpen, [2]string{}},
	}
	for i, c := range list {
		d := c.demoRecord
		d.typ, d.by, d.day = "Customer complaint", daniel, r.daysAgo(c.ago)
		d.files = []demoFile{{fmt.Sprintf("customer-report-%d.txt", i+1), []byte(fmt.Sprintf(
			"Complaint received by email from the %s quality department\nCustomer's subject line: %s\n\n%s\n\nPlease respond with containment within 24 hours and an 8D within 10 working days.\n",
			d.customer, d.title, d.desc))}}
		rec, err := r.create(ctx, d)
		if err != nil {
			return err
		}
		version := rec.Version
		for step, st := range []qms.ComplaintStatus{qms.ComplaintInvestigating, qms.ComplaintClosed} {
			if c.status == qms.ComplaintOpen || (st == qms.ComplaintClosed && c.status != qms.ComplaintClosed) {
				break
			}
			r.at(d.day.AddDate(0, 0, 2+step*(12+r.rng.IntN(20))).Add(11 * time.Hour))
			moved, err := r.svc.SetComplaintStatus(ctx, r.as([]string{daniel, priya}[step]), rec.ID, version, st, c.notes[step])
			if err != nil {
				return err
			}
			version = moved.Version
		}
	}
	return nil
}

func (r *recordSeeder) evaluations(ctx context.Context) error {
	scores := map[string][]int{
		"Sheffield Bar Stock Ltd":      {92, 90, 94, 93},
		"Castleton Alloys":             {85, 82, 88, 86},
		"Aire Valley Heat Treatment":   {88, 91, 90, 92},
		"Pennine Plating Services":     {84, 76, 68, 71},
		"Calder Anodising Ltd":         {62, 55},
		"Yorkshire Metrology Services": {95, 96, 95, 97},
	}
	for _, name := range []string{"Sheffield Bar Stock Ltd", "Castleton Alloys", "Aire Valley Heat Treatment", "Pennine Plating Services", "Calder Anodising Ltd", "Yorkshire Metrology Services"} {
		for q, score := range scores[name] {
			day := r.daysAgo(330 - q*91)
			otd, quality := score+r.rng.IntN(6)-2, min(100, score+r.rng.IntN(8))
			d := demoRecord{
				typ: "Supplier evaluation", by: maria, day: day, process: "Purchasing & supplier management", clauses: "8.4.1",
				supplier: name, score: score, title: fmt.Sprintf("Q%d evaluation: %s", q+1, name),
				desc: fmt.Sprintf("Quarterly evaluation. On-time delivery %d%%, quality (accepted lots) %d%%, responsiveness and documentation scored by purchasing and quality.", otd, quality),
				files: []demoFile{{fmt.Sprintf("scorecard-%s-q%d.csv", strings.ToLower(strings.Fields(name)[0]), q+1),
					[]byte(fmt.Sprintf("criterion,weight,score\non-time delivery,40,%d\nquality,40,%d\nresponsiveness,10,%d\ndocumentation,10,%d\ntotal,100,%d\n",
						otd, quality, score, score, score))}},
				draft: name == "Castleton Alloys" && q == 3, // this quarter's is still being scored
			}
			rec, err := r.create(ctx, d)
			if err != nil {
				return err
			}
			if name == "Pennine Plating Services" && q == 2 {
				if err := r.correct(ctx, rec, maria, 8, "Delivery data for August corrected: two deliveries counted late were held at our goods-in. Score recalculated.",
					func(in *qms.RecordInput) { in.Score = "70" }); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (r *recordSeeder) management(ctx context.Context) error {
	for m := 12; m >= 1; m-- {
		end := time.Date(r.now.Year(), r.now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -m+1, -1) // last day of the month m months ago
		otd, scrap, ppm := 93+r.rng.Float64()*4, 0.8+r.rng.Float64()*1.4, 180+r.rng.IntN(500)
		if _, err := r.create(ctx, demoRecord{
			typ: "KPI report", by: priya, day: end, process: "Management & planning", clauses: "9.1.3, 6.2",
			title: "Quality KPIs, " + end.Format("January 2006"),
			desc:  fmt.Sprintf("On-time delivery %.1f%% (objective 95%%), internal scrap %.1f%% (objective < 1.5%%), customer PPM %d (objective < 500).", otd, scrap, ppm),
			files: []demoFile{{"kpi-" + end.Format("2006-01") + ".csv", []byte(fmt.Sprintf("kpi,objective,actual\non-time delivery %%,95,%.1f\nscrap %%,1.5,%.1f\ncustomer ppm,500,%d\n", otd, scrap, ppm))}},
			draft: m == 1,
		}); err != nil {
			return err
		}
		if m%3 == 0 {
			day := end.AddDate(0, 0, 10)
			if _, err := r.create(ctx, demoRecord{
				typ: "Meeting minutes", by: priya, day: day, process: "Management & planning", clauses: "9.1.3, 10.2",
				title: "Quality meeting, " + day.Format("January 2006"),
				desc:  "Attended by Helen Ward, Priya Shah, Tom Baker, Maria Lopez, Daniel Okafor. Reviewed KPIs, open complaints and supplier performance; actions in the minutes.",
				files: []demoFile{{"minutes-" + day.Format("2006-01-02") + ".pdf", tinyPDF("Quality meeting minutes "+day.Format("2 January 2006"),
					"Present: H. Ward (chair), P. Shah, T. Baker, M. Lopez, D. Okafor", "1. KPIs for the quarter reviewed against objectives",
					"2. Open complaints and 8D progress", "3. Supplier performance: Pennine Plating under review", "Actions recorded in the action log")}},
			}); err != nil {
				return err
			}
		}
	}
	day := r.daysAgo(60)
	_, err := r.create(ctx, demoRecord{
		typ: "Meeting minutes", by: helen, day: day, process: "Management & planning", clauses: "9.3, 9.3.2, 9.3.3",
		title: "Management review " + fmt.Sprint(day.Year()),
		desc:  "Annual management review: inputs of 9.3.2 (audit results, customer feedback, process performance, supplier performance, risks), decisions on resources and improvement objectives for next year.",
		files: []demoFile{{"management-review-" + fmt.Sprint(day.Year()) + ".pdf", tinyPDF("Management review "+fmt.Sprint(day.Year()),
			"Chair: Helen Ward, Managing Director", "Inputs: internal audits, complaints (9), supplier evaluations, KPIs, risks",
			"Decision: second CMM operator to be trained; drawing control at machines to be reviewed", "Decision: Pennine Plating to be re-audited before Q1")}},
	})
	return err
}

func (r *recordSeeder) incidentsAndFeedback(ctx context.Context) error {
	for _, d := range []demoRecord{
		{typ: "Incident", by: tom, day: r.daysAgo(130), process: "Production", site: "Leeds Plant", severity: "low", clauses: "7.1.4",
			title: "Coolant spill at cell 3 (Mazak)", desc: "About 20 litres of coolant leaked from a split hose onto the walkway. Area closed, spill kit used, hose replaced. Nobody hurt."},
		{typ: "Incident", by: tom, day: r.daysAgo(38), process: "Warehouse & dispatch", site: "Sheffield Distribution Centre", severity: "medium", clauses: "7.1.3",
			title: "Near miss: pallet slipped from racking bay 14", desc: "A pallet of bar stock slid off the second level while being placed; nobody in the aisle. Racking beam found bent; bay taken out of use and inspected.",
			files: []demoFile{{"near-miss-bay-14.txt", []byte("Near miss report\nLocation: Sheffield, racking bay 14\nImmediate action: bay closed, racking inspector called\nFollow-up: beam replaced, load signs renewed\n")}}},
		{typ: "Customer feedback", by: daniel, day: r.daysAgo(250), process: "Sales & customer service", customer: "Aerostar Components plc", product: "All parts", clauses: "9.1.2",
			title: "Aerostar supplier scorecard, first half-year", desc: "Aerostar rates Northwind 'preferred': on-time delivery 96%, quality 99.2%. One escalation (burrs, now closed)."},
		{typ: "Customer feedback", by: daniel, day: r.daysAgo(120), process: "Sales & customer service", customer: "Lindqvist Automotive Systems", product: "Housings and shafts", clauses: "9.1.2",
			title: "Lindqvist annual customer survey", desc: "Overall satisfaction 4.1 of 5. Praised responsiveness; asked for better measurement correlation and earlier notice of capacity limits.",
			files: []demoFile{{"lindqvist-survey.pdf", tinyPDF("Lindqvist Automotive Systems - supplier survey", "Overall: 4.1 / 5", "Responsiveness: 4.6", "Quality: 3.9", "Delivery: 4.0")}}},
		{typ: "Customer feedback", by: daniel, day: r.daysAgo(15), process: "Sales & customer service", customer: "Kestrel Aero Structures", product: "Mounting brackets", clauses: "9.1.2",
			title: "Kestrel thanks the team for the weekend turnaround", desc: "Email from Kestrel's buyer thanking the team for machining and shipping 200 brackets over a weekend for an AOG order.", draft: true},
		{typ: "Other", by: priya, day: r.daysAgo(75), process: "Inspection & testing", site: "Leeds Plant", clauses: "8.5.3",
			title: "Customer-owned gauges received from Aerostar", desc: "GO/NO-GO gauges AG-11 and AG-12 received on loan from Aerostar, labelled as customer property and logged in the gauge register."},
	} {
		if _, err := r.create(ctx, d); err != nil {
			return err
		}
	}
	return nil
}
