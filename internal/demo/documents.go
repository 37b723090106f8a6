package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
)

// demoVersion is one issued revision: its text, what changed, and how many days ago it took
// effect.
type demoVersion struct {
	daysAgo int
	summary string
	body    string
}

// demoDoc is a controlled document with its history and what is going on with it now.
type demoDoc struct {
	kind, title, process, owner, approver string
	interval                              int
	clauses                               []string
	roles                                 []auth.Role
	readers                               []string // named people it concerns
	reviewer                              string   // reviews each revision, if set
	history                               []demoVersion
	// notRead are the people who have not yet acknowledged the version in force.
	notRead []string
	// next is a revision under way: "draft", "in_review" or "approved" (effective in 14 days).
	next      *demoVersion
	nextState string
	// flag is an open "review required" raised by a person.
	flagBy, flag string
	// reviewed are the days (ago) of signed periodic reviews that found the document unchanged.
	reviewed []int
}

// documents seeds Northwind's document register: a policy, a manual, procedures and work
// instructions with years of revisions, one revision in review, one draft, one approved for
// a later day, a procedure overdue for review, an open review flag and people who still have
// to read the latest versions. Dates are set back with the service clock, so versions carry
// the days they took effect; the audit trail and signatures record when they were entered.
func (s *seeder) documents(ctx context.Context) error {
	admin := s.as(helen)
	existing, err := s.svc.Documents(ctx, admin, qms.DocumentFilter{Status: "all", Limit: 1})
	if err != nil || len(existing.Documents) > 0 {
		return err
	}
	now := time.Now()
	clock := now
	s.svc.SetClock(func() time.Time { return clock })
	defer s.svc.SetClock(time.Now)
	at := func(daysAgo int) time.Time { return now.AddDate(0, 0, -daysAgo) }

	types, err := s.svc.DocumentTypes(ctx, admin)
	if err != nil {
		return err
	}
	byKind := map[string]qms.DocumentType{}
	for _, t := range types {
		byKind[t.Kind] = t
	}
	// Work instructions carried on from the paper register, which ended at WI-009.
	clock = at(1200)
	wi := byKind["work_instruction"]
	if _, err := s.svc.UpdateDocumentType(ctx, admin, wi.ID, wi.Version, qms.DocumentTypeInput{Name: wi.Name, Prefix: wi.Prefix, NextNumber: 10}); err != nil {
		return fmt.Errorf("work instruction numbering: %w", err)
	}
	processes, err := s.svc.Processes(ctx, admin)
	if err != nil {
		return err
	}
	processID := map[string]uuid.UUID{}
	for _, p := range processes {
		processID[p.Name] = p.ID
	}

	for _, d := range demoDocuments {
		if err := s.seedDocument(ctx, &clock, at, byKind[d.kind].ID, processID, d); err != nil {
			return fmt.Errorf("demo document %s: %w", d.title, err)
		}
	}
	return nil
}

func (s *seeder) seedDocument(ctx context.Context, clock *time.Time, at func(int) time.Time, typeID uuid.UUID,
	processID map[string]uuid.UUID, d demoDoc) error {
	owner := s.as(d.owner)
	first := d.history[0]
	*clock = at(first.daysAgo + 12)
	doc, err := s.svc.CreateDocument(ctx, owner, qms.NewDocument{
		DocumentInput: qms.DocumentInput{Title: d.title, TypeID: typeID, ProcessID: processID[d.process], OwnerID: owner.UserID,
			ReviewIntervalMonths: d.interval, Clauses: d.clauses},
		DraftInput: qms.DraftInput{Body: first.body, ChangeSummary: first.summary},
	})
	if err != nil {
		return err
	}
	audience := qms.Audience{Roles: d.roles, ProcessIDs: []uuid.UUID{processID[d.process]}}
	for _, email := range d.readers {
		audience.UserIDs = append(audience.UserIDs, s.as(email).UserID)
	}
	if _, err := s.svc.SetDocumentAudience(ctx, owner, doc.ID, doc.Version, audience); err != nil {
		return err
	}
	for i, v := range d.history {
		if i > 0 {
			*clock = at(v.daysAgo + 10)
			if err := s.draftRevision(ctx, owner, doc.ID, v); err != nil {
				return err
			}
		}
		ver, err := s.takeThroughReview(ctx, clock, at, doc.ID, d, v)
		if err != nil {
			return err
		}
		if err := s.acknowledge(ctx, clock, at, doc.ID, ver, v.daysAgo, i == len(d.history)-1, d.notRead); err != nil {
			return err
		}
	}
	for _, daysAgo := range d.reviewed {
		*clock = at(daysAgo)
		vw, err := s.svc.DocumentView(ctx, owner, doc.ID)
		if err != nil {
			return err
		}
		if _, err := s.svc.ConfirmPeriodicReview(ctx, owner, doc.ID, vw.Document.Version, Password,
			"Read through against current practice with the people who do the work; still right."); err != nil {
			return err
		}
	}
	if d.next != nil {
		*clock = at(d.next.daysAgo)
		if err := s.draftRevision(ctx, owner, doc.ID, *d.next); err != nil {
			return err
		}
		if d.nextState == qms.VersionInReview || d.nextState == qms.VersionApproved {
			v, err := s.openVersion(ctx, owner, doc.ID)
			if err != nil {
				return err
			}
			in := qms.SubmitInput{ApproverID: s.as(d.approver).UserID}
			if d.reviewer != "" {
				in.ReviewerIDs = []uuid.UUID{s.as(d.reviewer).UserID}
			}
			if v, err = s.svc.SubmitForReview(ctx, owner, doc.ID, v.ID, v.Version, in); err != nil {
				return err
			}
			if d.nextState == qms.VersionApproved {
				if d.reviewer != "" {
					if _, err := s.svc.ReviewVersion(ctx, s.as(d.reviewer), doc.ID, v.ID, qms.ReviewApproved, "Agreed."); err != nil {
						return err
					}
				}
				day := at(-14)
				if _, err := s.svc.ApproveVersion(ctx, s.as(d.approver), doc.ID, v.ID, v.Version, qms.ApproveInput{
					Password: Password, Meaning: qms.ApprovalMeaning, EffectiveOn: &day,
					Comment: "Effective after the toolroom briefing."}); err != nil {
					return err
				}
			}
		}
	}
	if d.flag != "" {
		*clock = at(9)
		if _, err := s.svc.RaiseReviewFlag(ctx, s.as(d.flagBy), doc.ID, d.flag); err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) openVersion(ctx context.Context, a qms.Actor, docID uuid.UUID) (qms.DocumentVersion, error) {
	vw, err := s.svc.DocumentView(ctx, a, docID)
	if err != nil {
		return qms.DocumentVersion{}, err
	}
	if vw.Document.OpenVersionID == nil {
		return qms.DocumentVersion{}, fmt.Errorf("%s has no open version", vw.Document.Number)
	}
	vv, err := s.svc.DocumentVersionView(ctx, a, docID, *vw.Document.OpenVersionID)
	return vv.Version, err
}

func (s *seeder) draftRevision(ctx context.Context, owner qms.Actor, docID uuid.UUID, v demoVersion) error {
	draft, err := s.svc.ReviseDocument(ctx, owner, docID)
	if err != nil {
		return err
	}
	_, err = s.svc.EditDraft(ctx, owner, docID, draft.ID, draft.Version, qms.DraftInput{Body: v.body, ChangeSummary: v.summary})
	return err
}

// takeThroughReview submits the open draft, has the reviewer approve it and the approver sign
// it on the day it takes effect.
func (s *seeder) takeThroughReview(ctx context.Context, clock *time.Time, at func(int) time.Time, docID uuid.UUID, d demoDoc, v demoVersion) (qms.DocumentVersion, error) {
	owner := s.as(d.owner)
	ver, err := s.openVersion(ctx, owner, docID)
	if err != nil {
		return ver, err
	}
	*clock = at(v.daysAgo + 6)
	in := qms.SubmitInput{ApproverID: s.as(d.approver).UserID}
	if d.reviewer != "" {
		in.ReviewerIDs = []uuid.UUID{s.as(d.reviewer).UserID}
	}
	if ver, err = s.svc.SubmitForReview(ctx, owner, docID, ver.ID, ver.Version, in); err != nil {
		return ver, err
	}
	if d.reviewer != "" {
		*clock = at(v.daysAgo + 3)
		if ver, err = s.svc.ReviewVersion(ctx, s.as(d.reviewer), docID, ver.ID, qms.ReviewApproved, reviewComment(v)); err != nil {
			return ver, err
		}
	}
	*clock = at(v.daysAgo)
	return s.svc.ApproveVersion(ctx, s.as(d.approver), docID, ver.ID, ver.Version, qms.ApproveInput{Password: Password, Meaning: qms.ApprovalMeaning})
}

func reviewComment(v demoVersion) string {
	if strings.HasPrefix(v.summary, "First issue") {
		return "Read through against current practice; agreed."
	}
	return "Checked the changes against the shop floor; agreed."
}

// acknowledge has everyone asked read the version a few days after it took effect, except
// (for the version in force) the people in notRead.
func (s *seeder) acknowledge(ctx context.Context, clock *time.Time, at func(int) time.Time, docID uuid.UUID, v qms.DocumentVersion, daysAgo int, latest bool, notRead []string) error {
	for i, p := range People {
		if latest && contains(notRead, p.Email) {
			continue
		}
		a := s.as(p.Email)
		vw, err := s.svc.DocumentVersionView(ctx, a, docID, v.ID)
		if err != nil {
			return err
		}
		if vw.MyAcknowledgement == nil || !vw.Version.Current() {
			continue
		}
		*clock = minTime(at(daysAgo).Add(time.Duration(24+i*7)*time.Hour), time.Now())
		if _, err := s.svc.AcknowledgeVersion(ctx, a, docID, v.ID); err != nil {
			return err
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

var everyone = []auth.Role{auth.RoleAdmin, auth.RoleQualityManager, auth.RoleProcessOwner, auth.RoleAuditor, auth.RoleViewer}

var demoDocuments = []demoDoc{
	{
		kind: "policy", title: "Quality policy", process: "Management & planning", owner: helen, approver: priya,
		interval: 24, clauses: []string{"5.2", "5.2.1", "5.2.2"}, roles: everyone,
		history: []demoVersion{
			{1150, "First issue", qualityPolicy("on time and right first time", "")},
			{620, "Added our commitment to supplier partnerships after the management review", qualityPolicy("on time and right first time", "- Work with our suppliers of bar stock, heat treatment and plating as partners, and measure them fairly.\n")},
			{150, "Objectives now refer to the quality objectives register; signed by the new MD", qualityPolicy("on time, right first time and traceable to the bar", "- Work with our suppliers of bar stock, heat treatment and plating as partners, and measure them fairly.\n- Set measurable quality objectives each year and review them at management review.\n")},
		},
		notRead: []string{sam, ian},
	},
	{
		kind: "manual", title: "Quality manual", process: "Management & planning", owner: priya, approver: helen,
		interval: 24, clauses: []string{"4.1", "4.2", "4.3", "4.4", "5.3"}, roles: []auth.Role{auth.RoleAdmin, auth.RoleQualityManager, auth.RoleProcessOwner, auth.RoleAuditor},
		history: []demoVersion{
			{1100, "First issue", qualityManual("Leeds Plant, Sheffield Distribution Centre and Bradford Workshop")},
			{480, "Bradford Workshop closed; its work moved to Leeds. Process map updated", qualityManual("Leeds Plant and Sheffield Distribution Centre")},
		},
	},
	{
		kind: "procedure", title: "Control of documented information", process: "Management & planning", owner: priya, approver: helen,
		interval: 24, clauses: []string{"7.5", "7.5.1", "7.5.2", "7.5.3"}, roles: []auth.Role{auth.RoleProcessOwner, auth.RoleQualityManager},
		reviewer: ian,
		history: []demoVersion{
			{1090, "First issue", qp001(false)},
			{200, "Documents are now controlled in Plumbline; paper masters withdrawn", qp001(true)},
		},
	},
	{
		kind: "procedure", title: "Internal audit", process: "Management & planning", owner: priya, approver: helen,
		interval: 12, clauses: []string{"9.2"}, roles: []auth.Role{auth.RoleAuditor, auth.RoleQualityManager}, reviewer: ian,
		history: []demoVersion{
			{400, "First issue", qp002},
		},
	},
	{
		kind: "procedure", reviewed: []int{280}, title: "Nonconformity and corrective action", process: "Management & planning", owner: priya, approver: helen,
		interval: 24, clauses: []string{"10.2"}, roles: []auth.Role{auth.RoleProcessOwner, auth.RoleQualityManager, auth.RoleAuditor},
		history: []demoVersion{
			{1000, "First issue", qp003},
		},
	},
	{
		kind: "procedure", title: "Purchasing and supplier evaluation", process: "Purchasing & supplier management", owner: maria, approver: priya,
		interval: 24, clauses: []string{"8.4", "8.4.1", "8.4.2", "8.4.3"}, roles: []auth.Role{auth.RoleQualityManager}, readers: []string{tom},
		reviewer: tom,
		history: []demoVersion{
			{1080, "First issue", qp004(false, false)},
			{700, "Supplier scorecard replaces the annual questionnaire", qp004(true, false)},
			{260, "Plating suppliers now need a salt-spray test report with each batch", qp004(true, true)},
		},
		next:      &demoVersion{daysAgo: 6, summary: "Heat treaters must hold Nadcap or send hardness results per load", body: qp004(true, true) + "\n## 7. Special processes\n\nHeat treatment suppliers must hold Nadcap accreditation for the process, or send hardness test results for every load with the delivery. Purchasing checks the accreditation expiry date each quarter.\n"},
		nextState: qms.VersionInReview,
	},
	{
		kind: "procedure", reviewed: []int{180}, title: "Contract review", process: "Sales & customer service", owner: daniel, approver: priya,
		interval: 24, clauses: []string{"8.2", "8.2.2", "8.2.3", "8.2.4"}, roles: []auth.Role{auth.RoleQualityManager},
		history: []demoVersion{
			{900, "First issue", qp005},
		},
	},
	{
		kind: "procedure", reviewed: []int{230}, title: "Control of monitoring and measuring equipment", process: "Maintenance & calibration", owner: tom, approver: priya,
		interval: 24, clauses: []string{"7.1.5", "7.1.5.1", "7.1.5.2"}, roles: []auth.Role{auth.RoleQualityManager}, readers: []string{sam},
		history: []demoVersion{
			{950, "First issue", qp006("12 months")},
		},
	},
	{
		kind: "procedure", title: "Control of nonconforming output", process: "Inspection & testing", owner: priya, approver: helen,
		interval: 24, clauses: []string{"8.7", "10.2"}, roles: []auth.Role{auth.RoleProcessOwner, auth.RoleQualityManager}, readers: []string{sam},
		reviewer: tom,
		history: []demoVersion{
			{1060, "First issue", qp007("the quarantine cage in Bay 1")},
			{330, "Concessions now need the customer's written agreement before release", qp007("the quarantine cage in Bay 1") + "\n## 6. Concessions\n\nNonconforming parts are released on concession only with the customer's written agreement, filed with the NCR.\n"},
		},
		flagBy: sam, flag: "The quarantine cage moved from Bay 1 to Bay 3 when the new Mazak was installed; section 4 still says Bay 1.",
	},
	{
		kind: "procedure", reviewed: []int{150}, title: "Training and competence", process: "Training & competence", owner: rachel, approver: priya,
		interval: 24, clauses: []string{"7.2", "7.3"}, roles: []auth.Role{auth.RoleProcessOwner},
		history: []demoVersion{
			{870, "First issue", qp008},
		},
		next: &demoVersion{daysAgo: 2, summary: "Skills matrix and training records kept in Plumbline", body: strings.Replace(qp008,
			"kept by HR & Training", "kept in Plumbline by HR & Training", 1)},
		nextState: qms.VersionDraft,
	},
	{
		kind: "work_instruction", reviewed: []int{90}, title: "CNC lathe setting and first-off approval", process: "Production", owner: tom, approver: priya,
		interval: 24, clauses: []string{"8.5.1"}, roles: []auth.Role{auth.RoleViewer},
		history: []demoVersion{
			{800, "First issue (replaces paper WI-004)", wi010(false)},
		},
		next:      &demoVersion{daysAgo: 4, summary: "Tool life counters on the new Mazak", body: wi010(true)},
		nextState: qms.VersionApproved,
	},
	{
		kind: "work_instruction", reviewed: []int{60}, title: "Goods-in inspection of bar stock", process: "Inspection & testing", owner: priya, approver: helen,
		interval: 24, clauses: []string{"8.4.2", "8.5.2", "8.6"}, readers: []string{tom, sam},
		history: []demoVersion{
			{760, "First issue", wi011},
		},
	},
	{
		kind: "work_instruction", title: "CMM inspection of turned parts", process: "Inspection & testing", owner: priya, approver: helen,
		interval: 12, clauses: []string{"8.6", "7.1.5"}, roles: []auth.Role{auth.RoleViewer}, readers: []string{tom},
		reviewer: tom,
		history: []demoVersion{
			{540, "First issue", wi012(false)},
			{40, "Probe qualification before every shift; first-article reports now attached to the job in the ERP", wi012(true)},
		},
		notRead: []string{sam},
	},
	{
		kind: "form", title: "Nonconformance report (NCR)", process: "Inspection & testing", owner: priya, approver: helen,
		interval: 36, clauses: []string{"8.7"}, roles: []auth.Role{auth.RoleProcessOwner},
		history: []demoVersion{
			{1050, "First issue", frm001},
		},
	},
	{
		kind: "external", reviewed: []int{300}, title: "ISO 9001:2015 Quality management systems — Requirements", process: "Management & planning", owner: priya, approver: helen,
		interval: 36, clauses: []string{"4"}, roles: []auth.Role{auth.RoleQualityManager, auth.RoleAuditor},
		history: []demoVersion{
			{1120, "Registered the purchased copy", "# ISO 9001:2015\n\nExternal document. The licensed PDF is held by the Quality Manager (BSI shop order 4471-2019). Check for amendments at each management review; Amendment 1:2024 (climate change) was noted in the 2024 review.\n"},
		},
	},
}

func qualityPolicy(promise, extra string) string {
	return `# Quality policy

Northwind Precision Components machines precision turned and milled parts for hydraulics, automotive and
instrumentation customers. Our customers trust us to deliver parts that are ` + promise + `.

To keep that trust we will:

- Understand each customer's requirements before we accept an order, and tell them early when something changes.
- Control our processes so that the first part and the last part of every batch meet the drawing.
- Measure what matters (on-time delivery, customer returns, scrap) and act on what the numbers tell us.
` + extra + `- Give everyone the training and equipment to do the job right, and the authority to stop the job when it is not.
- Meet the requirements of ISO 9001 and improve our quality management system continually.

This policy is displayed in the canteen at Leeds and in the goods-out office at Sheffield, and every new
starter reads it at induction.

*Helen Ward, Managing Director*
`
}

func qualityManual(sites string) string {
	return `# Quality manual

## 1. Scope

The quality management system covers the manufacture of precision turned and milled components to
customer drawings, including subcontracted heat treatment and plating, at ` + sites + `.

Clause 8.3 (design and development) applies only to our manufacturing process design: customers own
the product design.

## 2. Context

| Interested party | What they need from us |
|---|---|
| Customers | Conforming parts on time, certificates of conformity, traceability to the bar |
| Suppliers | Clear purchase orders with drawing revision and special requirements |
| Employees | Safe work, training, clear instructions |
| Certification body | Evidence the system works as described |

## 3. Processes

Management & planning → Sales & customer service → Design & engineering → Purchasing & supplier
management → Production → Inspection & testing → Warehouse & dispatch, supported by Maintenance &
calibration and Training & competence. Each process has an owner who keeps its procedures current.

## 4. Responsibilities

- **Managing Director**: quality policy, resources, management review.
- **Quality Manager**: the QMS, internal audits, approval of procedures, release of product.
- **Process owners**: their process, its procedures, risks and records.
`
}

func qp001(plumbline bool) string {
	where := "Master copies are kept in the red ring binders in the quality office. Controlled copies are stamped in blue and listed on the distribution sheet."
	if plumbline {
		where = "Controlled documents are kept in Plumbline. The version shown as effective is the only valid one; printed copies are uncontrolled and valid only on the day of printing."
	}
	return `# QP-001 Control of documented information

## 1. Purpose

To make sure everyone works to the current, approved version of every procedure, work instruction and form.

## 2. Numbering

| Type | Prefix |
|---|---|
| Policy | POL |
| Quality manual | QM |
| Procedure | QP |
| Work instruction | WI |
| Form | FRM |
| External document | EXT |

## 3. Creating and changing documents

1. The process owner drafts the document or the revision and writes a change summary.
2. At least one person who does the work reviews it.
3. The Quality Manager approves it (the Managing Director approves documents written by the Quality Manager).
4. The approved version takes effect on approval or on the date chosen by the approver.

## 4. Storage and access

` + where + `

## 5. Review

Every document is reviewed at the interval shown in the register (normally two years) and whenever a
risk, an audit finding or a change in the process calls for it.
`
}

const qp002 = `# QP-002 Internal audit

## 1. Programme

The Quality Manager plans an audit programme each January so that every process is audited at least
once a year, and more often where risks are high or previous audits found problems.

## 2. Auditors

Internal auditors are trained (lead auditor course or in-house training by Ian Clarke) and do not audit
their own work.

## 3. Conducting the audit

1. Send the audit plan to the process owner a week ahead.
2. Use the checklist for the ISO 9001 clauses in scope.
3. Record objective evidence: record numbers, drawing revisions, names.
4. Grade findings as major nonconformity, minor nonconformity, observation or opportunity for improvement.

## 4. Reporting

The audit report goes to the process owner within five working days. Nonconformities are raised as
corrective actions under QP-003.
`

const qp003 = `# QP-003 Nonconformity and corrective action

## 1. When to raise a CAPA

For every major or minor nonconformity from an audit, every customer complaint, and any internal
nonconformity that recurs within 12 months.

## 2. Steps

1. **Contain**: quarantine suspect stock and check work in progress and stock at Sheffield.
2. **Find the root cause**: use 5 whys; for complex problems a fishbone with the people who do the work.
3. **Act**: agree actions with owners and due dates.
4. **Verify effectiveness**: after the actions are complete, check the problem has not recurred
   (normally after three months or three batches).

A CAPA is closed only when it has been verified effective.
`

func qp004(scorecard, saltSpray bool) string {
	eval := "Each supplier completes the annual supplier questionnaire, reviewed by Purchasing and Quality."
	if scorecard {
		eval = "Each quarter Purchasing scores every approved supplier on on-time delivery (target 95 %), quality (rejects per delivery) and responsiveness. Suppliers scoring below 70 % are put on a development plan; two quarters below 70 % means re-approval."
	}
	plating := ""
	if saltSpray {
		plating = "\n## 6. Plating\n\nEvery batch from a plating supplier comes with a salt-spray test report (ASTM B117, 240 hours to white rust for zinc-nickel). Goods-in holds the batch until the report is on file.\n"
	}
	return `# QP-004 Purchasing and supplier evaluation

## 1. Scope

Bar stock (steel, stainless, brass, aluminium), cutting tools, and subcontracted heat treatment and plating.

## 2. Approved supplier list

Only suppliers on the approved supplier list are used for product-related purchases. New suppliers are
approved by Purchasing and Quality after a trial order and, for special processes, a site visit.

## 3. Purchase orders

Every purchase order states the material specification, the drawing and its revision, the quantity,
the delivery date and whether a certificate of conformity or a mill certificate (EN 10204 3.1) is needed.

## 4. Evaluation

` + eval + `

## 5. Receipt

Goods-in checks deliveries against WI-011 before they are booked into stock.
` + plating
}

const qp005 = `# QP-005 Contract review

Before an order is accepted, Sales checks with Engineering and Production that:

- the drawing and its revision are the ones quoted;
- the material, tolerances and surface finish can be achieved on our machines;
- special requirements (certificates, first-article inspection reports, packaging) are understood;
- the delivery date is achievable given the current load.

Differences between the quotation and the order are resolved with the customer in writing before the
order is entered. Changes to an accepted order go through the same review, and everyone affected is told.
`

func qp006(interval string) string {
	return `# QP-006 Control of monitoring and measuring equipment

## 1. Register

Every gauge, micrometer, caliper, height gauge, thread gauge and the CMM has a unique number and an
entry in the calibration register with its calibration interval and due date.

## 2. Intervals

Calibration intervals: ` + interval + `. The CMM is calibrated yearly by the manufacturer's engineer to ISO 10360.

## 3. Out of calibration

Equipment found out of tolerance is quarantined. Quality assesses the parts measured with it since the
last good calibration and raises an NCR where they may be affected.

## 4. Personal gauges

Personal measuring equipment may not be used for product acceptance.
`
}

func qp007(quarantine string) string {
	return `# QP-007 Control of nonconforming output

## 1. Identify

Anyone who finds a nonconforming part stops, attaches a red HOLD label and tells the cell leader.

## 2. Record

The cell leader raises a nonconformance report (FRM-001) with the part number, drawing revision, batch,
quantity and what is wrong.

## 3. Segregate

Nonconforming parts go to ` + quarantine + ` until a decision is made.

## 4. Decide

The Quality Manager decides with Production: rework (and re-inspect), scrap, return to supplier, or
use as is under concession.

## 5. Learn

NCRs are reviewed monthly. Repeat NCRs on the same part or process raise a corrective action (QP-003).
`
}

const qp008 = `# QP-008 Training and competence

- Every role has the competences it needs listed in the skills matrix.
- New starters follow the induction checklist, including the quality policy and safety briefing.
- Machinists are signed off on each machine by the Production Manager after supervised work.
- Training records and sign-offs are kept by HR & Training and reviewed yearly at appraisal.
- The effectiveness of training is checked by observation and by first-off approval results.
`

func wi010(mazak bool) string {
	tools := ""
	if mazak {
		tools = "\n6. On the Mazak QTN-250, check the tool life counters on the tool data screen; replace any insert above 90 % of its life before starting the batch.\n"
	}
	return `# WI-010 CNC lathe setting and first-off approval

**Applies to:** all CNC lathes at Leeds Plant.

1. Check the job card: part number, drawing revision and program number must match.
2. Load the program from the DNC server, never from a USB stick.
3. Set tool offsets with the tool setter and record them on the setting sheet.
4. Machine the first part and measure every dimension on the drawing.
5. Ask the cell leader or inspector to sign off the first-off before running the batch.
` + tools
}

const wi011 = `# WI-011 Goods-in inspection of bar stock

1. Check the delivery note against the purchase order: material grade, bar diameter, length, quantity.
2. Check the mill certificate (EN 10204 3.1) is present and the heat number on it matches the bar tags.
3. Measure the diameter of three bars with the calibrated micrometer.
4. Paint the bar ends with the colour code for the grade (see the chart at goods-in).
5. Book the delivery into stock with the heat number, so every part can be traced to the bar.

If anything does not match, put the delivery on HOLD and raise an NCR (FRM-001).
`

func wi012(probeEveryShift bool) string {
	probe := "Qualify the probe weekly and after any collision."
	report := "File the printed report with the job card."
	if probeEveryShift {
		probe = "Qualify the probe at the start of every shift, after any stylus change and after any collision, and record it in the CMM log."
		report = "Save the report as PDF and attach it to the job in the ERP; print a copy only if the customer asks for one."
	}
	return `# WI-012 CMM inspection of turned parts

**Machine:** Zeiss Contura, inspection room, Leeds Plant (20 ± 1 °C).

## Before measuring

1. Let parts soak in the inspection room for at least one hour.
2. ` + probe + `
3. Clean the part; remove burrs and coolant.

## Measuring

1. Load the inspection program for the part number and drawing revision.
2. Fixture the part in the V-block fixture with the datum face against the stop.
3. Run the program; do not override the probing sequence.
4. Check the report: any characteristic out of tolerance → put the batch on HOLD (QP-007).

## Records

` + report + `
`
}

const frm001 = `# FRM-001 Nonconformance report

| Field | Entry |
|---|---|
| NCR number | |
| Part number / drawing revision | |
| Batch / works order | |
| Quantity affected | |
| Found by / date | |
| Description of the nonconformity | |
| Containment (what was done at once) | |
| Disposition (rework / scrap / return / concession) | |
| Approved by (Quality) | |
| CAPA raised? (number) | |
`
