package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
)

// demoFinding is a finding the demo raises on an audit question (the first question of its
// clause, or the one at index) or, without a clause on an audit, directly.
type demoFinding struct {
	clause      string
	index       int
	class       qms.Classification
	notes       string // what the auditor noted on the question
	statement   string
	requirement string
	evidence    string
	reference   string    // evidence by reference
	file        [2]string // evidence file: name and content
	link        demoLink  // a controlled document and a record linked as evidence
	process     string    // for audits with several processes
	closedOn    time.Time // zero: still open
	closure     string
}

// demoAudit is an audit of the 2026 programme and how far it got.
type demoAudit struct {
	typ                       qms.AuditType
	title, scope, contacts    string
	cb, externalAuditor       string
	lead                      string
	team                      []string
	processes, sites, clauses []string
	start, end                time.Time
	status                    qms.AuditStatus
	answered                  int // in progress: how many questions have a result
	findings                  []demoFinding
	documents                 []string         // criteria besides the clauses, by title
	links                     map[int]demoLink // evidence on conforming answers, by question
	summary, conclusion       string
	reportedOn                time.Time
	closedOn                  time.Time
}

// demoLink is evidence an auditor links: a controlled document by its title (numbers are
// handed out as the demo runs) and a record found by a search and its exact title.
type demoLink struct {
	document            string
	recordQuery, record string
}

func d(m time.Month, day int) time.Time { return time.Date(2026, m, day, 0, 0, 0, 0, time.UTC) }

const (
	leeds  = "Leeds Plant"
	sheff  = "Sheffield Distribution Centre"
	calCSV = "Gauge,Description,Last calibrated,Due,Certificate,Status\n" +
		"M-108,Micrometer 0-25 mm,2025-11-03,2026-11-03,CAL-25-1182,OK\n" +
		"M-112,Micrometer 25-50 mm,2025-01-14,2026-01-14,CAL-25-0041,OVERDUE\n" +
		"G-114,Plug gauge M8x1 6H GO/NOGO,2025-06-20,2026-06-20,,NO CERTIFICATE ON FILE\n" +
		"G-117,Ring gauge 12h7,2025-06-20,2026-06-20,,NO CERTIFICATE ON FILE\n" +
		"H-003,Height gauge 600 mm,2025-09-30,2026-09-30,CAL-25-0977,OK\n"
)

// programme2026 is Northwind's audit year: internal audits by quarter, an external
// surveillance audit by the certification body, one audit running and one planned.
var programme2026 = []demoAudit{
	{
		typ: qms.AuditInternal, title: "Purchasing and supplier control", lead: ian,
		processes: []string{"Purchasing & supplier management"}, sites: []string{leeds}, clauses: []string{"8.4", "7.5"},
		scope:    "Supplier approval and re-evaluation, purchase orders for bar stock, heat treatment and plating, incoming certificates.",
		contacts: "Maria Lopez (Purchasing Manager); Kevin Doyle (Buyer)",
		start:    d(2, 10), end: d(2, 11), status: qms.AuditClosed, reportedOn: d(2, 13), closedOn: d(4, 2),
		findings: []demoFinding{
			{clause: "8.4", class: qms.Observation, notes: "Re-evaluation of Yorkshire Plating and Castleford Heat Treatment due Dec 2025, done 28 Jan 2026.",
				statement: "Annual re-evaluation of two special-process suppliers was completed six weeks after its due date.",
				evidence:  "Approved supplier list rev 14: re-evaluation due 15 Dec 2025, scorecards dated 28 Jan 2026.",
				closedOn:  d(3, 20), closure: "Re-evaluation dates added to the purchasing calendar with a reminder one month before."},
			{clause: "8.4", index: 2, class: qms.OFI, notes: "Scorecards kept in a spreadsheet per supplier.",
				statement: "Supplier scorecards could be generated from goods-in and NCR data instead of being compiled by hand each quarter.",
				closedOn:  d(4, 2), closure: "Taken into the 2026 improvement plan (action IP-26-04)."},
		},
		summary:    "Sampled 12 purchase orders for bar stock, heat treatment and plating placed in Q4 2025, the approved supplier list and the re-evaluation records of 8 suppliers. Interviewed Maria Lopez and Kevin Doyle.",
		conclusion: "Supplier control is effective. Purchase orders state material grade, drawing revision and certificate requirements consistently. One observation and one opportunity for improvement.",
	},
	{
		typ: qms.AuditInternal, title: "Production: control of production and nonconforming output", lead: ian,
		processes: []string{"Production"}, sites: []string{leeds}, clauses: []string{"8.5.1", "8.5.2", "8.7"},
		documents: []string{"Control of nonconforming output", "CNC lathe setting and first-off approval"},
		scope:     "CNC turning and milling cells 1 to 4, first-off approval, traceability of bar stock, quarantine and NCR handling.",
		contacts:  "Tom Baker (Production Manager); Sam Lee (CNC Machinist, cell 3)",
		start:     d(3, 17), end: d(3, 18), status: qms.AuditReported, reportedOn: d(3, 20),
		findings: []demoFinding{
			{clause: "8.7", class: qms.MajorNC,
				notes:       "14 shafts NW-1180 (job 5120) on the finished goods rack with an undersize bearing diameter, no NCR tag, mixed with released parts.",
				statement:   "Nonconforming product was not identified or segregated to prevent its unintended use or delivery: 14 shafts from job 5120 with an undersize bearing diameter were stored with released product.",
				requirement: "QP-014 Control of nonconforming product, section 4.2",
				evidence:    "Job 5120 CMM report 17 Mar 2026 (Ø20 g6 measured 19.962–19.968); no NCR raised; parts found on rack FG-2 alongside released batch 5118.",
				reference:   "CMM report job 5120, 17 Mar 2026", closedOn: d(5, 14),
				link:    demoLink{document: "Control of nonconforming output"},
				closure: "Parts scrapped (NCR-2026-031). Quarantine cage installed at cell 3; QP-014 revised to rev 6 with red-tag step; all operators briefed 2 Apr. Effectiveness checked by sampling 20 NCRs in April and May: all tagged and segregated."},
			{clause: "8.5.1", class: qms.MinorNC,
				notes:       "Route cards for jobs 5114 and 5119 have no first-off sign-off; operator says inspector checked verbally.",
				statement:   "First-off approval was not recorded for 2 of 6 sampled jobs, so it cannot be shown that production was released under controlled conditions.",
				requirement: "WI-PRD-03 First-off inspection, step 5: inspector signs the route card before the batch runs",
				evidence:    "Route cards jobs 5114 and 5119, cells 2 and 3, 16 Mar 2026.",
				link:        demoLink{document: "CNC lathe setting and first-off approval"}},
			{clause: "8.5.2", class: qms.Observation,
				notes:     "Bar stock offcuts in rack R4 without heat numbers.",
				statement: "Offcuts of EN24T bar returned to rack R4 were not marked with their heat number; traceability relied on memory.",
				evidence:  "Rack R4, three offcuts of Ø40 EN24T, 17 Mar 2026."},
		},
		summary:    "Followed jobs 5114 to 5120 from route card to final inspection on cells 1 to 4. Sampled 6 route cards, the quarantine area, 10 NCRs from Q1 and the bar store. Interviewed Tom Baker, Sam Lee and the cell 2 setter.",
		conclusion: "Production is largely under control, but nonconforming product was not segregated (major nonconformity) and first-off approval is not always recorded. Corrective action on the major nonconformity is required before the surveillance audit.",
	},
	{
		typ: qms.AuditInternal, title: "Maintenance & calibration", lead: ian,
		processes: []string{"Maintenance & calibration"}, sites: []string{leeds}, clauses: []string{"7.1.3", "7.1.5"},
		documents: []string{"Control of monitoring and measuring equipment"},
		links:     map[int]demoLink{0: {recordQuery: "Mitutoyo micrometer", record: "Calibration Mitutoyo micrometer 0–25 mm (G-014)"}},
		scope:     "Planned maintenance of CNC machines and the calibration of gauges and measuring instruments used in production and inspection.",
		contacts:  "Tom Baker (process owner); Dave Whitaker (Maintenance Technician)",
		start:     d(5, 12), end: d(5, 12), status: qms.AuditReported, reportedOn: d(5, 14),
		findings: []demoFinding{
			{clause: "7.1.5", index: 1, class: qms.MinorNC,
				notes:       "Sampled 12 gauges in the register: M-112 overdue since 14 Jan, still in the cell 3 drawer; G-114 and G-117 have no certificate on file.",
				statement:   "Calibration records could not be shown for all measuring equipment in use: 3 of 12 sampled gauges were overdue or had no calibration certificate.",
				requirement: "QP-009 Control of monitoring and measuring equipment, section 5",
				link:        demoLink{document: "Control of monitoring and measuring equipment", recordQuery: "bore gauge", record: "Calibration Bore gauge 18–35 mm (G-031)"},
				evidence:    "Calibration register extract 12 May 2026: M-112 due 14 Jan 2026; G-114 and G-117 calibrated 20 Jun 2025 with no certificate on file.",
				reference:   "Calibration register, entries M-112, G-114, G-117",
				file:        [2]string{"calibration-register-extract-2026-05-12.csv", calCSV}},
			{clause: "7.1.3", class: qms.OFI, notes: "Maintenance plan on a wall chart; history in a paper log per machine.",
				statement: "Machine maintenance history could be kept with the planned-maintenance schedule, so that breakdown trends per machine are visible."},
		},
		summary:    "Sampled the planned-maintenance records of 5 CNC machines and 12 gauges from the calibration register, and checked 8 instruments in use on the shop floor against it.",
		conclusion: "Maintenance is planned and carried out. Calibration control has a minor nonconformity: the register is not kept up to date when certificates come back or instruments fall due.",
	},
	{
		typ: qms.AuditInternal, title: "Leadership, planning and management review", lead: ian,
		processes: []string{"Management & planning"}, sites: []string{leeds}, clauses: []string{"4", "5", "6", "9.1", "9.3", "10"},
		scope:    "Context, quality policy and objectives, risks and opportunities, performance evaluation, management review and improvement.",
		contacts: "Helen Ward (Managing Director); Priya Shah (Quality Manager)",
		start:    d(6, 23), end: d(6, 24), status: qms.AuditClosed, reportedOn: d(6, 26), closedOn: d(7, 3),
		findings: []demoFinding{
			{clause: "6.2", index: 1, class: qms.OFI,
				notes:     "Objectives set for on-time delivery, scrap and complaints; action plans only for scrap.",
				statement: "Each quality objective could have its own action plan with owner and dates, as the scrap objective does."},
			{clause: "9.3", class: qms.Observation,
				notes:     "January review minutes list customer satisfaction as an input but only the complaints count was presented.",
				statement: "The management review of January 2026 covered customer satisfaction through complaint numbers only; survey and scorecard results were not presented.",
				evidence:  "Management review minutes 21 Jan 2026, item 4."},
		},
		summary:    "Interviewed Helen Ward and Priya Shah. Sampled the context analysis, interested parties register, quality policy, 2026 objectives and their tracking, the risk register, and the minutes of the January management review.",
		conclusion: "Leadership is visibly engaged and the planning of the QMS is effective. One observation on management review inputs and one opportunity for improvement on objective action plans.",
	},
	{
		typ: qms.AuditInternal, title: "Inspection, testing and release of product", lead: ian, team: []string{helen},
		processes: []string{"Inspection & testing"}, sites: []string{leeds}, clauses: []string{"8.6", "8.5.2"},
		scope:    "Final inspection and release, CMM measurement, certificates of conformity.",
		contacts: "Priya Shah (process owner); Anna Novak (CMM programmer)",
		start:    d(7, 7), end: d(7, 8), status: qms.AuditClosed, reportedOn: d(7, 10), closedOn: d(7, 24),
		findings: []demoFinding{
			{clause: "8.6", class: qms.Observation,
				notes:     "CMM program for NW-2231 is rev B; drawing is rev C (change to a chamfer only, not measured).",
				statement: "The CMM program for bracket NW-2231 was at revision B while the drawing is at revision C; the change did not affect measured features, but program revisions are not checked against drawing changes.",
				evidence:  "CMM program list 8 Jul 2026; drawing NW-2231 rev C issued 2 Jun 2026.",
				closedOn:  d(7, 24), closure: "Program updated to rev C; drawing change notices now copied to the CMM programmer."},
		},
		summary:    "Witnessed final inspection of 4 batches, reviewed 15 certificates of conformity and the CMM program list. Interviewed Anna Novak and two inspectors.",
		conclusion: "Release of product is effective and well controlled. One observation on CMM program revision control.",
	},
	{
		typ: qms.AuditSurveillance, title: "Surveillance audit 1 (ISO 9001:2015)", lead: priya, team: []string{helen},
		cb: "LRQA", externalAuditor: "Graham Pearce",
		processes: []string{"Management & planning", "Production", "Purchasing & supplier management", "Inspection & testing"},
		sites:     []string{leeds, sheff}, clauses: []string{"4.4", "5.1", "6.1", "8.5.1", "8.7", "9.2", "9.3", "10.2"},
		scope:    "Design and manufacture of precision machined components by CNC turning and milling; distribution from Sheffield.",
		contacts: "Helen Ward (Managing Director); Priya Shah (Quality Manager)",
		start:    d(10, 6), end: d(10, 7), status: qms.AuditReported, reportedOn: d(10, 9),
		findings: []demoFinding{
			{clause: "6.1", class: qms.MinorNC, process: "Management & planning",
				notes:       "Risk register last reviewed Nov 2025; the new 5-axis machine and the Sheffield racking change are not assessed.",
				statement:   "Risks and opportunities were not updated for two changes to the organisation in 2026 (commissioning of the 5-axis machining centre and the re-racking of the Sheffield warehouse).",
				requirement: "ISO 9001:2015 6.1.1 and 6.3",
				evidence:    "Risk register dated 20 Nov 2025; capital request CR-26-02 (DMG Mori 5-axis), Sheffield racking project file."},
			{clause: "9.2", class: qms.OFI, process: "Management & planning",
				notes:     "Programme risk-based on paper, but frequencies are not written down per process.",
				statement: "The internal audit programme could record why each process is audited as often as it is, to show how importance and previous results were taken into account."},
		},
		summary:    "LRQA surveillance visit 1 of the 2025–2028 cycle, two days at Leeds and half a day at Sheffield. Graham Pearce sampled management review, internal audits, corrective actions including the March major nonconformity, production and purchasing.",
		conclusion: "Recommendation: continued certification. One minor nonconformity to be answered within 90 days; one opportunity for improvement. The corrective action for the March major nonconformity was verified as effective.",
	},
	{
		typ: qms.AuditInternal, title: "Training, competence and awareness", lead: priya,
		processes: []string{"Training & competence"}, sites: []string{leeds}, clauses: []string{"7.2", "7.3"},
		scope:    "Induction, the skills matrix and competence evaluation of CNC setters and operators.",
		contacts: "Rachel Evans (HR & Training Coordinator)",
		start:    d(9, 15), end: d(9, 15), status: qms.AuditReported, reportedOn: d(9, 17),
		findings: []demoFinding{
			{clause: "7.2", index: 1, class: qms.MinorNC,
				notes:       "Two setters running the DMG Mori 5-axis since July; skills matrix shows 'in training', no evaluation recorded.",
				statement:   "Competence of two CNC setters working unsupervised on the 5-axis machining centre had not been evaluated or recorded.",
				requirement: "HR-PR-02 Training and competence, section 6: competence is signed off before unsupervised work",
				evidence:    "Skills matrix rev 2026-08; training records of J. Fletcher and M. Amin; shift rota weeks 30 to 37."},
			{clause: "7.3", class: qms.OFI,
				statement: "The quality objectives board at Leeds could show this month's figures; it still shows Q1."},
		},
		summary:    "Sampled the training files of 10 employees against the skills matrix and interviewed 5 operators about the quality policy and objectives.",
		conclusion: "Induction and awareness are effective. Competence evaluation has not kept pace with the new 5-axis machine (minor nonconformity).",
	},
	{
		typ: qms.AuditInternal, title: "Sales, contract review and customer communication", lead: ian,
		processes: []string{"Sales & customer service"}, sites: []string{leeds}, clauses: []string{"8.2", "9.1.2"},
		scope:    "Quotations, contract review of drawings and delivery dates, order changes, complaints intake and customer satisfaction.",
		contacts: "Daniel Okafor (Sales Manager); Lucy Grant (Customer Service)",
		start:    d(11, 17), end: d(11, 19), status: qms.AuditInProgress, answered: 2,
		documents: []string{"Contract review"},
		links: map[int]demoLink{
			0: {document: "Contract review"},
			1: {recordQuery: "delivered late", record: "Order delivered four days late"},
		},
	},
	{
		typ: qms.AuditInternal, title: "Design & engineering and warehouse", lead: ian, team: []string{priya},
		processes: []string{"Design & engineering", "Warehouse & dispatch"}, sites: []string{leeds, sheff}, clauses: []string{"8.3", "8.5.4"},
		scope:    "Process sheets and CNC programs for new parts; preservation and dispatch at Sheffield.",
		contacts: "Priya Shah (Design & engineering); Tom Baker (Warehouse & dispatch)",
		start:    d(12, 8), end: d(12, 9), status: qms.AuditPlanned,
	},
}

// findingsOutsideAudits are findings from a customer complaint and an incident.
var findingsOutsideAudits = []struct {
	on                               time.Time
	source                           qms.FindingSource
	ref                              string
	process, site, clause            string
	class                            qms.Classification
	statement, requirement, evidence string
	closedOn                         time.Time
	closure                          string
}{
	{d(4, 2), qms.SourceComplaint, "CC-2026-014 (Kestrel Aerospace)", "Production", leeds, "8.5.1", qms.MinorNC,
		"40 brackets NW-2231 were delivered with an M8 coarse thread instead of the M8x1 fine thread on the drawing.",
		"Drawing NW-2231 rev C, note 3", "Customer complaint CC-2026-014 of 1 Apr 2026 with photos; 40 parts returned; route card job 5207 shows the M8 tap issued.",
		d(6, 11), "Parts remade and delivered 9 Apr. Tap holder labels added to the tool crib; thread gauges added to the first-off check. No recurrence in 60 days."},
	{d(8, 19), qms.SourceIncident, "INC-2026-006", "Warehouse & dispatch", sheff, "8.5.4", qms.Observation,
		"Three pallets of plated flanges were stored under a leaking roof light at Sheffield; the packaging was wet but the parts were not affected.",
		"", "Incident report INC-2026-006, 18 Aug 2026; photos of bay 7.", time.Time{}, ""},
}

// audits seeds the 2026 audit programme: audit frequencies, past internal audits with their
// findings and reports, the certification body's surveillance audit, an audit in progress and
// one planned, and findings from a complaint and an incident.
func (s *seeder) audits(ctx context.Context) error {
	priyaA := s.as(priya)
	existing, err := s.svc.Audits(ctx, priyaA, qms.AuditListFilter{Year: 2026})
	if err != nil || len(existing) > 0 {
		return err
	}
	defer s.svc.SetClock(time.Now)
	at := func(day time.Time, hour int) {
		s.svc.SetClock(func() time.Time { return day.Add(time.Duration(hour) * time.Hour) })
	}

	processes, err := s.svc.Processes(ctx, priyaA)
	if err != nil {
		return err
	}
	process := map[string]qms.Process{}
	for _, p := range processes {
		process[p.Name] = p
	}
	sites, err := s.svc.Sites(ctx, priyaA)
	if err != nil {
		return err
	}
	site := map[string]uuid.UUID{}
	for _, x := range sites {
		site[x.Name] = x.ID
	}

	// The programme audits production, inspection and calibration twice a year.
	at(d(1, 6), 9)
	for name, months := range map[string]int{"Production": 6, "Inspection & testing": 6, "Maintenance & calibration": 6} {
		p := process[name]
		updated, err := s.svc.UpdateProcess(ctx, s.as(helen), p.ID, p.Version, qms.ProcessInput{
			Name: p.Name, Description: p.Description, OwnerID: p.OwnerID, AuditFrequencyMonths: months})
		if err != nil {
			return fmt.Errorf("audit frequency of %s: %w", name, err)
		}
		process[name] = updated
	}

	for _, da := range programme2026 {
		if err := s.seedAudit(ctx, da, process, site, at); err != nil {
			return fmt.Errorf("audit %q: %w", da.title, err)
		}
	}
	for _, f := range findingsOutsideAudits {
		at(f.on, 10)
		raised, err := s.svc.RaiseFinding(ctx, priyaA, qms.FindingInput{
			Classification: f.class, Source: f.source, SourceReference: f.ref, Statement: f.statement,
			ClauseNumber: f.clause, Requirement: f.requirement, ObjectiveEvidence: f.evidence,
			ProcessID: process[f.process].ID, SiteID: site[f.site],
		})
		if err != nil {
			return err
		}
		// Nonconformities close through their correction and CAPA (capas.go).
		if !f.closedOn.IsZero() && !f.class.Nonconformity() {
			at(f.closedOn, 15)
			if _, err := s.svc.CloseFinding(ctx, priyaA, raised.ID, raised.Version, f.closure); err != nil {
				return err
			}
		}
	}
	return nil
}

// seedAudit plans an audit a month ahead and takes it as far as its status: started, results
// recorded, findings raised, report signed by the lead auditor, findings and audit closed.
func (s *seeder) seedAudit(ctx context.Context, da demoAudit, process map[string]qms.Process, site map[string]uuid.UUID, at func(time.Time, int)) error {
	priyaA, lead := s.as(priya), s.as(da.lead)
	in := qms.AuditInput{
		Type: da.typ, Title: da.title, Scope: da.scope, AuditeeContacts: da.contacts, CertificationBody: da.cb,
		ExternalAuditor: da.externalAuditor, LeadAuditorID: lead.UserID, Clauses: da.clauses,
		PlannedStart: da.start, PlannedEnd: da.end,
	}
	for _, email := range da.team {
		in.TeamIDs = append(in.TeamIDs, s.as(email).UserID)
	}
	for _, name := range da.processes {
		in.ProcessIDs = append(in.ProcessIDs, process[name].ID)
	}
	for _, name := range da.sites {
		in.SiteIDs = append(in.SiteIDs, site[name])
	}
	for _, title := range da.documents {
		doc, err := s.documentTitled(ctx, title)
		if err != nil {
			return err
		}
		in.DocumentIDs = append(in.DocumentIDs, doc.ID)
	}
	at(da.start.AddDate(0, -1, 0), 11)
	au, err := s.svc.CreateAudit(ctx, priyaA, in)
	if err != nil || da.status == qms.AuditPlanned {
		return err
	}
	at(da.start, 9)
	if au, err = s.svc.StartAudit(ctx, lead, au.ID, au.Version); err != nil {
		return err
	}
	detail, err := s.svc.AuditDetails(ctx, lead, au.ID)
	if err != nil {
		return err
	}
	// Which question each finding is raised on: the index-th question of its clause.
	onQuestion := map[uuid.UUID]demoFinding{}
	seen := map[string]int{}
	for _, it := range detail.Checklist {
		for _, f := range da.findings {
			if f.clause == it.ClauseNumber && f.index == seen[it.ClauseNumber] {
				onQuestion[it.ID] = f
			}
		}
		seen[it.ClauseNumber]++
	}
	type raisedFinding struct {
		demo    demoFinding
		finding qms.Finding
	}
	var raised []raisedFinding
	for i, it := range detail.Checklist {
		if da.status == qms.AuditInProgress && i >= da.answered {
			break
		}
		in := qms.ResultInput{Result: qms.ResultConforming, Notes: conformingNote(it, i)}
		link := da.links[i]
		f, hasFinding := onQuestion[it.ID]
		if hasFinding {
			in = qms.ResultInput{Result: qms.Result(f.class), Notes: f.notes, EvidenceReference: f.reference}
			link = f.link
			if in.Notes == "" {
				in.Notes = f.statement
			}
			if f.file[0] != "" {
				up, err := s.svc.ReceiveFile(ctx, lead, "evidence_files", f.file[0], strings.NewReader(f.file[1]))
				if err != nil {
					return err
				}
				in.Files = []qms.Upload{up}
			}
		}
		if in.Links, err = s.evidenceRefs(ctx, link); err != nil {
			return err
		}
		day := da.start
		if i >= len(detail.Checklist)/2 {
			day = da.end
		}
		at(day, 10+i%6)
		it, err := s.svc.RecordResult(ctx, lead, au.ID, it.ID, it.Version, in)
		if err != nil {
			return err
		}
		if !hasFinding {
			continue
		}
		fin := qms.FindingInput{Classification: f.class, ChecklistItemID: it.ID, Statement: f.statement,
			Requirement: f.requirement, ObjectiveEvidence: f.evidence}
		if f.process != "" {
			fin.ProcessID = process[f.process].ID
		}
		if fin.ObjectiveEvidence == "" {
			fin.ObjectiveEvidence = f.notes
		}
		r, err := s.svc.RaiseFinding(ctx, lead, fin)
		if err != nil {
			return err
		}
		raised = append(raised, raisedFinding{f, r})
	}
	if da.status == qms.AuditInProgress {
		return nil
	}
	at(da.reportedOn, 16)
	detail, err = s.svc.AuditDetails(ctx, lead, au.ID)
	if err != nil {
		return err
	}
	au, err = s.svc.IssueAuditReport(ctx, lead, au.ID, detail.Audit.Version, qms.ReportInput{
		Summary: da.summary, Conclusion: da.conclusion, ActualEnd: da.end, Password: Password,
	})
	if err != nil {
		return err
	}
	for _, r := range raised {
		if r.demo.closedOn.IsZero() || r.demo.class.Nonconformity() {
			continue // nonconformities close through their correction and CAPA (capas.go)
		}
		at(r.demo.closedOn, 14)
		if _, err := s.svc.CloseFinding(ctx, priyaA, r.finding.ID, r.finding.Version, r.demo.closure); err != nil {
			return err
		}
	}
	if da.status == qms.AuditClosed {
		at(da.closedOn, 17)
		if _, err := s.svc.CloseAudit(ctx, priyaA, au.ID, au.Version); err != nil {
			return err
		}
	}
	return nil
}

// conformingNote is what an auditor jots down for a question that conformed: brief, and not
// for every question.
func conformingNote(it qms.ChecklistItem, i int) string {
	notes := []string{
		"Sampled three records; all complete and signed.",
		"",
		"Interviewed the process owner; consistent with the procedure.",
		"Checked at the point of use: current revision available.",
		"",
	}
	return notes[i%len(notes)]
}

// documentTitled finds a demo document by its title.
func (s *seeder) documentTitled(ctx context.Context, title string) (qms.Document, error) {
	page, err := s.svc.Documents(ctx, s.as(priya), qms.DocumentFilter{Status: "all", Query: title, Limit: 20})
	if err != nil {
		return qms.Document{}, err
	}
	for _, d := range page.Documents {
		if d.Title == title {
			return d, nil
		}
	}
	return qms.Document{}, fmt.Errorf("no demo document titled %q", title)
}

// evidenceRefs turns a demo link into what an auditor types: the document's number (its
// title works too) and the record's number.
func (s *seeder) evidenceRefs(ctx context.Context, l demoLink) (qms.EvidenceRefs, error) {
	refs := qms.EvidenceRefs{Document: l.document}
	if l.record == "" {
		return refs, nil
	}
	page, err := s.svc.Records(ctx, s.as(priya), qms.RecordFilter{Query: l.recordQuery, State: qms.RecordFinal, Limit: 50})
	if err != nil {
		return refs, err
	}
	for _, r := range page.Rows {
		if r.Title == l.record {
			refs.Record = qms.RecordNumber(r.Ref)
			return refs, nil
		}
	}
	return refs, fmt.Errorf("no demo record titled %q", l.record)
}
