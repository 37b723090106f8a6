package bench

import (
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
)

// orgGen builds one organisation's rows. Every state it writes is one the service could have
// reached: exactly one effective version per current document, final records, closed CAPAs
// with a signed effective check, closed nonconformities only behind a closed CAPA or a
// recorded decision that none is needed.
type orgGen struct {
	b     *batch
	slug  string
	org   uuid.UUID
	size  OrgSize
	hash  string
	now   time.Time
	rng   *mrand.Rand
	types *orgTypes

	users     []member
	owners    []member // members who may own and approve things (not viewers)
	auditors  []member
	sites     []uuid.UUID
	processes []uuid.UUID
	suppliers []uuid.UUID
	documents []genDocument
	audits    []genAudit
	findings  []genFinding
	// text draws the words of documents' texts, apart from rng, so that how long a text is
	// does not change which rows the rest of the data set has.
	text *mrand.Rand
}

type member struct {
	id   uuid.UUID
	name string
	role string
}

type genAudit struct {
	id        uuid.UUID
	process   uuid.UUID
	status    string
	end       time.Time
	items     []uuid.UUID
	itemClaus []string
}

type genDocument struct {
	id      uuid.UUID
	current bool // not obsolete: a rising risk flags it for review
}

type genFinding struct {
	id      uuid.UUID
	process uuid.UUID
	class   string
	raised  time.Time
	open    bool
}

var clauses = []string{"4.4", "6.1", "7.1.5", "7.2", "7.5", "8.2", "8.4", "8.5.1", "8.5.2", "8.6", "8.7", "9.1.2", "9.2", "10.2"}

var words = []string{"calibration", "inspection", "welding", "machining", "assembly", "packaging", "supplier",
	"training", "maintenance", "purchasing", "design", "testing", "storage", "shipping", "complaint", "drawing",
	"gauge", "torque", "coating", "heat treatment", "labelling", "traceability", "sampling", "release", "cleaning"}

var processNames = []string{"Sales", "Design", "Purchasing", "Production", "Quality control", "Warehouse",
	"Maintenance", "Human resources", "Management", "Shipping", "Calibration", "Customer service"}

func (g *orgGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// someClauses picks n different clauses.
func (g *orgGen) someClauses(n int) []string {
	first := g.rng.IntN(len(clauses))
	out := make([]string, 0, n)
	for k := range min(n, len(clauses)) {
		out = append(out, clauses[(first+k*5)%len(clauses)])
	}
	return out
}

func (g *orgGen) words(n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = g.pick(words)
	}
	return strings.Join(w, " ")
}

// ago is a moment up to max before now.
func (g *orgGen) ago(max time.Duration) time.Time {
	return g.now.Add(-time.Duration(g.rng.Int64N(int64(max))))
}

// procedure is a document's text as people write one, about 2 KiB: purpose, scope,
// responsibilities, numbered steps, the records kept and references, about the document's
// topic. Apart from the topic and one reference, it uses none of the words the benchmark
// searches for, so a search finds the documents about its word, not every document.
func (g *orgGen) procedure(topic string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Purpose\n\nThis procedure sets out how %s is planned, carried out and recorded, so that the result is consistent and can be verified afterwards.\n\n", topic)
	fmt.Fprintf(&b, "# Scope\n\nIt applies to all %s work at every site, including work done for us by subcontractors.\n\n", topic)
	b.WriteString("# Responsibilities\n\n" +
		"- The process owner keeps this procedure current and reviews it at least every two years.\n" +
		"- Supervisors make sure that the people doing the work are competent and authorised.\n" +
		"- The quality manager checks during internal audits that the records are complete.\n\n")
	b.WriteString("# Method\n\n")
	for i := range 6 + g.text.IntN(5) {
		fmt.Fprintf(&b, "%d. %s\n", i+1, fmt.Sprintf(procedureSteps[g.text.IntN(len(procedureSteps))], topic))
	}
	b.WriteString("\n# Records\n\n| Record | Kept by | Retention |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| Log of %s | Supervisor | 3 years |\n| Nonconformity report | Quality | 5 years |\n| Competence record | HR | Employment + 2 years |\n\n", topic)
	fmt.Fprintf(&b, "# References\n\n- ISO 9001:2015, clause 8.5.1\n- Work instruction for %s\n", words[g.text.IntN(len(words))])
	return b.String()
}

var procedureSteps = []string{
	"Confirm that the job card names the right part number and revision before any %s starts.",
	"Record the result of the %s on the log straight away, with the date and your initials.",
	"If a result of the %s is outside its limits, stop, quarantine the parts and raise a nonconformity report.",
	"The supervisor reviews the log of %s at the end of each shift and signs it off.",
	"Keep the work area tidy, and remove anything not needed for the %s before the next job.",
	"Where the customer has special requirements for %s, follow their instruction and note it on the job card.",
	"Escalate repeated problems with %s to the process owner, who decides whether a corrective action is needed.",
	"Only people shown as competent on the skills matrix may carry out or approve %s.",
}

func (g *orgGen) owner() member   { return g.owners[g.rng.IntN(len(g.owners))] }
func (g *orgGen) auditor() member { return g.auditors[g.rng.IntN(len(g.auditors))] }
func (g *orgGen) process() uuid.UUID {
	return g.processes[g.rng.IntN(len(g.processes))]
}
func (g *orgGen) site() uuid.UUID { return g.sites[g.rng.IntN(len(g.sites))] }

// other is a member of owners other than not.
func (g *orgGen) other(not uuid.UUID) member {
	for {
		if m := g.owner(); m.id != not {
			return m
		}
	}
}

func date(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

const year = 365 * 24 * time.Hour
const day = 24 * time.Hour

func (g *orgGen) generate() {
	g.people()
	g.structure()
	g.documentsAndVersions()
	g.records()
	g.auditsAndFindings()
	g.capas()
	g.risks()
}

func (g *orgGen) people() {
	for i := 0; i < g.size.Users; i++ {
		role, name := "", ""
		if i < len(roles) {
			role, name = roles[i], roles[i]
		} else {
			role = []string{"process_owner", "auditor", "viewer", "quality_manager", "viewer"}[i%5]
			name = fmt.Sprintf("user%03d", i)
		}
		m := member{id: newID(), name: fmt.Sprintf("%s %s", strings.ReplaceAll(name, "_", " "), g.slug), role: role}
		g.b.add("users", []string{"id", "email", "name", "password_hash"}, m.id, Email(g.slug, name), m.name, g.hash)
		g.b.add("memberships", []string{"tenant_id", "user_id", "role"}, g.org, m.id, role)
		g.users = append(g.users, m)
		if role != "viewer" {
			g.owners = append(g.owners, m)
		}
		if role == "auditor" || role == "quality_manager" || role == "admin" {
			g.auditors = append(g.auditors, m)
		}
	}
}

func (g *orgGen) structure() {
	for i := 0; i < g.size.Sites; i++ {
		id := newID()
		g.b.add("sites", []string{"tenant_id", "id", "name", "code"}, g.org, id, fmt.Sprintf("Site %d", i+1), fmt.Sprintf("S%d", i+1))
		g.sites = append(g.sites, id)
	}
	for i := 0; i < g.size.Processes; i++ {
		id := newID()
		name := processNames[i%len(processNames)]
		if i >= len(processNames) {
			name = fmt.Sprintf("%s %d", name, i/len(processNames)+1)
		}
		g.b.add("processes", []string{"tenant_id", "id", "name", "description", "owner_user_id"},
			g.org, id, name, "How "+strings.ToLower(name)+" works here.", g.owner().id)
		g.processes = append(g.processes, id)
	}
	for i := 0; i < g.size.Suppliers; i++ {
		id := newID()
		g.b.add("suppliers", []string{"tenant_id", "id", "name", "supplies", "approval_status", "process_id"},
			g.org, id, fmt.Sprintf("Supplier %03d Ltd", i+1), g.words(2), []string{"approved", "approved", "conditional", "pending"}[i%4], g.processes[0])
		g.suppliers = append(g.suppliers, id)
	}
}

var docCols = []string{"tenant_id", "id", "number", "title", "type_id", "process_id", "owner_user_id",
	"review_interval_months", "next_review_on", "obsoleted_at", "obsolete_reason", "created_at", "updated_at"}

var versionCols = []string{"tenant_id", "id", "document_id", "revision", "state", "body", "change_summary",
	"based_on_id", "author_id", "approver_id", "review_round", "submitted_at", "approved_at", "approved_by",
	"content_sha256", "effective_from", "effective_until", "created_at", "updated_at"}

func (g *orgGen) documentsAndVersions() {
	next := make([]int, len(g.types.docTypes))
	for i := 0; i < g.size.Documents; i++ {
		ti := i % len(g.types.docTypes)
		if ti == 1 && i > 20 { // few manuals
			ti = 2
		}
		next[ti]++
		dt := g.types.docTypes[ti]
		id := newID()
		owner := g.owner()
		created := g.ago(3 * year).Add(-60 * day)
		interval := []int{12, 12, 24, 36}[g.rng.IntN(4)]
		// The fate of the document: mostly issued and current, some with a revision under way,
		// a few never issued, a few obsolete.
		fate := g.rng.IntN(100)
		nver := g.size.VersionsPerDoc
		if fate >= 85 && fate < 88 {
			nver = 1 // not yet issued: a first draft
		}
		gap := g.now.Sub(created) / time.Duration(nver+1)
		topic := words[g.text.IntN(len(words))]
		var prev *uuid.UUID
		var lastEffective time.Time
		var obsoletedAt *time.Time
		obsoleteReason := ""
		for rev := 1; rev <= nver; rev++ {
			vid := newID()
			vcreated := created.Add(gap * time.Duration(rev-1))
			state := "superseded"
			last := rev == nver
			switch {
			case last && fate >= 85 && fate < 88:
				state = "draft"
			case last && fate >= 88 && fate < 96:
				state = "draft"
			case last && fate >= 96:
				state = "obsolete"
			case last:
				state = "effective"
			case rev == nver-1 && fate >= 88 && fate < 96:
				state = "effective"
			}
			approver := g.other(owner.id)
			var submitted, approvedAt, effFrom, effUntil *time.Time
			var approvedBy, approverID *uuid.UUID
			var sha *string
			round := 0
			if state != "draft" {
				s := vcreated.Add(2 * day)
				submitted, approverID, round = &s, &approver.id, 1
			}
			if state != "draft" && state != "in_review" {
				a := vcreated.Add(5 * day)
				approvedAt, approvedBy = &a, &approver.id
				h := randomHex()
				sha = &h
			}
			if state == "effective" || state == "superseded" || state == "obsolete" {
				f := vcreated.Add(7 * day)
				effFrom = &f
				lastEffective = f
			}
			if state == "superseded" {
				u := created.Add(gap*time.Duration(rev) + 7*day)
				effUntil = &u
			}
			if state == "obsolete" {
				u := effFrom.Add(gap / 2)
				effUntil, obsoletedAt = &u, &u
				obsoleteReason = "Replaced by a combined procedure."
			}
			summary := ""
			if rev > 1 {
				summary = "Updated after " + g.words(2) + " review."
			}
			g.b.add("document_versions", versionCols, g.org, vid, id, rev, state, g.procedure(topic),
				summary, prev, owner.id, approverID, round, submitted, approvedAt, approvedBy, sha,
				effFrom, effUntil, vcreated, vcreated.Add(7*day))
			v := vid
			prev = &v
		}
		var nextReview *time.Time
		if !lastEffective.IsZero() && obsoletedAt == nil {
			n := date(lastEffective.AddDate(0, interval, 0))
			nextReview = &n
		}
		g.b.add("documents", docCols, g.org, id, fmt.Sprintf("%s-%03d", dt.prefix, next[ti]),
			strings.ToUpper(g.words(1)[:1])+g.words(3)[1:]+" procedure", dt.id, g.process(), owner.id, interval,
			nextReview, obsoletedAt, obsoleteReason, created, created)
		for _, c := range g.someClauses(1 + g.rng.IntN(3)) {
			g.b.add("document_clauses", []string{"tenant_id", "document_id", "clause_number"}, g.org, id, c)
		}
		g.documents = append(g.documents, genDocument{id: id, current: obsoletedAt == nil})
	}
	for ti, n := range next {
		if n > 0 {
			g.b.exec(`UPDATE document_types SET next_number = $3 WHERE tenant_id = $1 AND id = $2`, g.org, g.types.docTypes[ti].id, n+1)
		}
	}
}

var recordCols = []string{"tenant_id", "id", "ref", "type_id", "kind", "state", "current_revision_id",
	"event_date", "revision_count", "complaint_status", "created_by", "created_at", "finalised_at", "finalised_by", "updated_at"}

var revisionCols = []string{"tenant_id", "id", "record_id", "kind", "revision", "state", "title", "event_date",
	"process_id", "site_id", "description", "customer", "product_service", "severity", "supplier_id", "score",
	"topic", "attendee_names", "retention_months", "correction_reason", "recorded_by", "recorded_by_name",
	"recorded_at", "finalised_at", "updated_at"}

func (g *orgGen) records() {
	// Weights: inspection and training dominate, complaints and incidents are rarer.
	for i := 1; i <= g.size.Records; i++ {
		rt := g.types.recTypes[g.rng.IntN(len(g.types.recTypes))]
		id := newID()
		by := g.users[g.rng.IntN(len(g.users))]
		created := g.ago(3 * year)
		nrev := 1
		if g.rng.IntN(20) == 0 {
			nrev = 2
		}
		var status *string
		if rt.kind == "complaint" {
			s := "closed"
			if created.After(g.now.Add(-60 * day)) {
				s = []string{"open", "investigating"}[g.rng.IntN(2)]
			}
			status = &s
		}
		var current uuid.UUID
		event := date(created)
		proc, site := g.process(), g.site()
		title := strings.ToUpper(g.words(1)[:1]) + g.words(3)[1:]
		for rev := 1; rev <= nrev; rev++ {
			rid := newID()
			current = rid
			at := created.Add(time.Duration(rev-1) * 3 * day)
			customer, product, topic, attendees := "", "", "", ""
			var severity *string
			var supplier *uuid.UUID
			var score *int
			switch rt.kind {
			case "complaint", "feedback":
				customer, product = fmt.Sprintf("Customer %02d", g.rng.IntN(40)+1), "Part "+g.words(1)
			case "supplier_evaluation":
				s := g.suppliers[g.rng.IntN(len(g.suppliers))]
				sc := 50 + g.rng.IntN(50)
				supplier, score = &s, &sc
			case "training":
				topic, attendees = g.words(2)+" training", by.name
			}
			if rt.kind == "complaint" || rt.kind == "incident" {
				s := []string{"low", "medium", "high", "critical"}[g.rng.IntN(4)]
				severity = &s
			}
			correction := ""
			if rev > 1 {
				correction = "Wrong " + g.words(1) + " value entered."
			}
			g.b.add("record_revisions", revisionCols, g.org, rid, id, rt.kind, rev, "final", title, event,
				proc, site, g.words(12)+".", customer, product, severity, supplier, score, topic, attendees,
				rt.retention, correction, by.id, by.name, at, at.Add(time.Hour), at.Add(time.Hour))
		}
		g.b.add("records", recordCols, g.org, id, i, rt.id, rt.kind, "final", current, event, nrev, status,
			by.id, created, created.Add(time.Hour), by.id, created.Add(time.Duration(nrev)*3*day))
	}
	if g.size.Records > 0 {
		g.b.exec(`INSERT INTO record_ref_counters (tenant_id, last_ref) VALUES ($1, $2)`, g.org, g.size.Records)
	}
}

var auditCols = []string{"tenant_id", "id", "reference", "type", "title", "scope", "lead_auditor_id",
	"planned_start", "planned_end", "actual_start", "actual_end", "status", "summary", "conclusion",
	"reported_at", "closed_at", "closed_by", "created_by", "created_at", "updated_at"}

var itemCols = []string{"tenant_id", "id", "audit_id", "clause_number", "position", "question", "result",
	"notes", "audited_by", "audited_at"}

var findingCols = []string{"tenant_id", "id", "reference", "year", "seq", "classification", "source",
	"source_reference", "statement", "clause_number", "requirement", "objective_evidence", "process_id", "site_id",
	"audit_id", "checklist_item_id", "raised_by", "raised_at", "status", "closed_at", "closed_by", "closure_note",
	"correction", "correction_at", "capa_decision", "capa_decision_reason", "capa_decided_by", "capa_decided_at",
	"created_at", "updated_at"}

type numbering map[string]int // series-year → last seq

func (n numbering) next(series string, y int) (string, int) {
	k := fmt.Sprintf("%s\x00%d", series, y)
	n[k]++
	return fmt.Sprintf("%s-%d-%03d", series, y, n[k]), n[k]
}

func (g *orgGen) auditsAndFindings() {
	num := numbering{}
	for i := 0; i < g.size.Audits; i++ {
		// Spread from three years ago to three months ahead, in order.
		span := 3*year + 90*day
		start := date(g.now.Add(-3*year + time.Duration(int64(span)*int64(i)/int64(max(g.size.Audits, 1)))))
		end := start.Add(time.Duration(g.rng.IntN(3)) * day)
		typ, series := "internal", "IA"
		switch r := g.rng.IntN(20); {
		case r == 0:
			typ, series = "surveillance", "EA"
		case r < 3:
			typ, series = "supplier", "SA"
		}
		ref, _ := num.next(series, start.Year())
		lead := g.auditor()
		status := "closed"
		var actualStart, actualEnd, reported, closed *time.Time
		var closedBy *uuid.UUID
		switch {
		case start.After(g.now):
			status = "planned"
		case end.After(g.now.Add(-7 * day)):
			status = "in_progress"
			actualStart = &start
		default:
			actualStart, actualEnd = &start, &end
			r := end.Add(3 * day)
			reported = &r
			if end.After(g.now.Add(-45 * day)) {
				status = "reported"
			} else {
				c := end.Add(30 * day)
				closed, closedBy = &c, &lead.id
			}
		}
		a := genAudit{id: newID(), process: g.process(), status: status, end: end}
		g.b.add("audits", auditCols, g.org, a.id, ref, typ, "Audit of "+g.words(2), "Processes and records of "+g.words(3)+".",
			lead.id, start, end, actualStart, actualEnd, status, "", "", reported, closed, closedBy, lead.id,
			start.Add(-30*day), start)
		g.b.add("audit_processes", []string{"tenant_id", "audit_id", "process_id"}, g.org, a.id, a.process)
		g.b.add("audit_sites", []string{"tenant_id", "audit_id", "site_id"}, g.org, a.id, g.site())
		g.b.add("audit_team", []string{"tenant_id", "audit_id", "user_id"}, g.org, a.id, lead.id)
		for p := 0; p < g.size.ItemsPerAudit; p++ {
			item := newID()
			cl := clauses[(i+p)%len(clauses)]
			var result *string
			var auditedBy *uuid.UUID
			var auditedAt *time.Time
			if status != "planned" {
				r := []string{"conforming", "conforming", "conforming", "minor_nc", "observation", "ofi"}[g.rng.IntN(6)]
				result, auditedBy, auditedAt = &r, &lead.id, &start
			}
			g.b.add("audit_checklist_items", itemCols, g.org, item, a.id, cl, p+1,
				"Is "+g.words(2)+" controlled as required by "+cl+"?", result, "", auditedBy, auditedAt)
			a.items, a.itemClaus = append(a.items, item), append(a.itemClaus, cl)
		}
		for _, cl := range slices.Compact(slices.Sorted(slices.Values(a.itemClaus))) {
			g.b.add("audit_clauses", []string{"tenant_id", "audit_id", "clause_number"}, g.org, a.id, cl)
		}
		g.audits = append(g.audits, a)
	}
	var done []genAudit // audits with results, where findings come from
	for _, a := range g.audits {
		if a.status == "closed" || a.status == "reported" {
			done = append(done, a)
		}
	}

	for i := 0; i < g.size.Findings; i++ {
		class := "observation"
		switch r := g.rng.IntN(100); {
		case r < 12:
			class = "major_nc"
		case r < 67:
			class = "minor_nc"
		case r < 85:
			class = "observation"
		default:
			class = "ofi"
		}
		f := genFinding{id: newID(), class: class}
		source, srcRef := "other", ""
		var auditID, itemID *uuid.UUID
		clause := g.pick(clauses)
		if len(done) > 0 && g.rng.IntN(10) < 7 {
			a := done[g.rng.IntN(len(done))]
			source, auditID, f.process, f.raised = "audit", &a.id, a.process, a.end.Add(12*time.Hour)
			if len(a.items) > 0 {
				k := g.rng.IntN(len(a.items))
				itemID, clause = &a.items[k], a.itemClaus[k]
			}
		} else {
			if g.rng.IntN(2) == 0 {
				source, srcRef = "complaint", fmt.Sprintf("Complaint from customer %02d", g.rng.IntN(40)+1)
			}
			f.process, f.raised = g.process(), g.ago(3*year)
		}
		g.findings = append(g.findings, f)
		y := f.raised.Year()
		ref, seq := num.next("F", y)
		g.b.add("findings", findingCols, g.org, f.id, ref, y, seq, class, source, srcRef,
			"The "+g.words(2)+" was not "+g.words(1)+" as required.", clause, "", "Seen: "+g.words(5)+".",
			f.process, g.site(), auditID, itemID, g.auditor().id, f.raised,
			"open", nil, nil, "", "", nil, nil, "", nil, nil, f.raised, f.raised)
	}
	for k, last := range num {
		series, y, _ := strings.Cut(k, "\x00")
		g.b.exec(`INSERT INTO audit_numbering (tenant_id, series, year, last_seq) VALUES ($1, $2, $3::int, $4)`, g.org, series, y, last)
	}
}

var capaCols = []string{"tenant_id", "id", "reference", "year", "seq", "title", "problem_statement", "containment",
	"root_cause", "root_cause_category", "process_id", "site_id", "owner_id", "verifier_id", "status", "round",
	"opened_at", "closed_at", "closed_by", "created_by", "created_at", "updated_at"}

var actionCols = []string{"tenant_id", "id", "capa_id", "round", "kind", "description", "owner_id", "due_date",
	"status", "completed_at", "completed_by", "completion_note", "created_at", "updated_at"}

var checkCols = []string{"tenant_id", "id", "capa_id", "round", "criteria", "planned_date", "verifier_id",
	"result", "evidence", "recorded_at", "recorded_by", "signature_id", "created_at", "updated_at"}

var signatureCols = []string{"tenant_id", "id", "entity_type", "entity_id", "meaning", "signer_id", "signer_name",
	"content_sha256", "signed_at"}

// capas opens a CAPA for nonconformities, oldest first, and then decides every finding's
// state from its CAPA: closed only behind a closed CAPA (major, or minor needing one), or with
// a correction and a decision that none is needed (minor), or freely (observation, OFI).
func (g *orgGen) capas() {
	findings := g.b.tables["findings"]
	num := numbering{}
	made := 0
	for fi := range g.findings {
		f := &g.findings[fi]
		row := findings.rows[len(findings.rows)-len(g.findings)+fi]
		isNC := f.class == "major_nc" || f.class == "minor_nc"
		age := g.now.Sub(f.raised)
		// Columns of the finding that change with its fate.
		set := func(col string, v any) {
			for i, c := range findingCols {
				if c == col {
					row[i] = v
					return
				}
			}
			panic(col)
		}
		closeFinding := func(at time.Time, by uuid.UUID, note string) {
			set("status", "closed")
			set("closed_at", at)
			set("closed_by", by)
			set("closure_note", note)
			f.open = false
		}
		f.open = true
		if !isNC {
			if age > 90*day {
				closeFinding(f.raised.Add(30*day), g.owner().id, "Considered; no further action.")
			}
			continue
		}
		correctionAt := f.raised.Add(day)
		if correctionAt.After(g.now) {
			correctionAt = g.now
		}
		set("correction", "Contained and corrected "+g.words(2)+".")
		set("correction_at", correctionAt)
		decider := g.owner()
		if made >= g.size.CAPAs {
			if f.class == "minor_nc" {
				set("capa_decision", "not_required")
				set("capa_decision_reason", "Isolated slip; the correction is enough.")
				set("capa_decided_by", decider.id)
				set("capa_decided_at", correctionAt)
				if age > 30*day {
					closeFinding(correctionAt.Add(7*day), decider.id, "Correction verified.")
				}
			}
			continue
		}
		set("capa_decision", "required")
		set("capa_decided_by", decider.id)
		set("capa_decided_at", correctionAt)
		made++
		closedAt := g.capa(num, f, correctionAt)
		if closedAt != nil {
			closeFinding(minTime(closedAt.Add(day), g.now), decider.id, "Closed with its CAPA.")
		}
	}
	for k, last := range num {
		series, y, _ := strings.Cut(k, "\x00")
		g.b.exec(`INSERT INTO audit_numbering (tenant_id, series, year, last_seq) VALUES ($1, $2, $3::int, $4)`, g.org, series, y, last)
	}
}

// capa writes one CAPA for finding f and returns when it closed (nil while open).
func (g *orgGen) capa(num numbering, f *genFinding, opened time.Time) *time.Time {
	id := newID()
	age := g.now.Sub(opened)
	status := "open"
	r := g.rng.IntN(100)
	switch {
	case age > 120*day && r < 85:
		status = "closed"
	case age > 120*day && r < 90:
		status = "awaiting_check"
	case age > 30*day && age <= 120*day && r < 30:
		status = "awaiting_check"
	case age > 30*day && age <= 120*day && r < 40:
		status = "closed"
	}
	owner := g.owner()
	verifier := g.other(owner.id)
	round := 1
	if status != "open" && g.rng.IntN(10) == 0 {
		round = 2
	}
	ref, seq := num.next("CA", opened.Year())
	var closedAt *time.Time
	var closedBy *uuid.UUID
	rootCause, category := "", any(nil)
	if status != "open" || g.rng.IntN(2) == 0 {
		rootCause = "The " + g.words(2) + " step was not defined."
		category = []string{"people", "method", "machine", "material", "measurement", "environment", "supplier"}[g.rng.IntN(7)]
		for p := 1; p <= 3; p++ {
			g.b.add("capa_whys", []string{"tenant_id", "capa_id", "position", "why"}, g.org, id, p, "Because "+g.words(4)+".")
		}
	}
	// Actions: done for every round before the last, and for the last unless the CAPA is open.
	actionsDone := opened.Add(20 * day)
	for rd := 1; rd <= round; rd++ {
		for k := 0; k < 2; k++ {
			due := date(opened.Add(time.Duration(30+15*k+40*(rd-1)) * day))
			st := "done"
			var completedAt *time.Time
			var completedBy *uuid.UUID
			if status == "open" && rd == round {
				st = "open"
			} else {
				c := opened.Add(time.Duration(15+10*k+40*(rd-1)) * day)
				if c.After(g.now) {
					c = g.now
				}
				completedAt, completedBy = &c, &owner.id
				actionsDone = c
			}
			g.b.add("capa_actions", actionCols, g.org, newID(), id, rd, []string{"corrective", "preventive"}[k],
				"Change the "+g.words(2)+" and brief the team.", owner.id, due, st, completedAt, completedBy,
				"", opened, opened)
		}
	}
	// Effectiveness checks: a failed one for an earlier round; the last is pending while
	// awaiting the check, effective and signed when closed.
	for rd := 1; rd <= round; rd++ {
		cid := newID()
		planned := date(actionsDone.Add(30 * day))
		var result *string
		var recordedAt *time.Time
		var recordedBy, sigID *uuid.UUID
		switch {
		case rd < round:
			res, at := "not_effective", actionsDone.Add(-10*day)
			result, recordedAt, recordedBy = &res, &at, &verifier.id
		case status == "closed":
			res, at := "effective", actionsDone.Add(30*day)
			if at.After(g.now) {
				at = g.now
			}
			sid := newID()
			result, recordedAt, recordedBy, sigID = &res, &at, &verifier.id, &sid
			// Signed as the CAPA service signs a check: on the CAPA, naming the round.
			g.b.add("signatures", signatureCols, g.org, sid, "capa", id,
				"Verified effective (round "+strconv.Itoa(rd)+")", verifier.id, verifier.name, randomHex(), at)
			c := at
			closedAt, closedBy = &c, &verifier.id
		case status == "open":
			continue
		}
		g.b.add("capa_effectiveness_checks", checkCols, g.org, cid, id, rd,
			"No recurrence of "+g.words(2)+" in the next three months.", planned, verifier.id, result,
			checkEvidence(result), recordedAt, recordedBy, sigID, opened, opened)
	}
	g.b.add("capas", capaCols, g.org, id, ref, opened.Year(), seq, "Stop "+g.words(3), "The "+g.words(4)+" failed.",
		"Stock quarantined.", rootCause, category, f.process, g.site(), owner.id, verifier.id, status, round,
		opened, closedAt, closedBy, owner.id, opened, opened)
	g.b.add("capa_findings", []string{"tenant_id", "capa_id", "finding_id"}, g.org, id, f.id)
	return closedAt
}

func checkEvidence(result *string) string {
	if result == nil {
		return ""
	}
	return "Three months of inspection results reviewed."
}

var riskCols = []string{"tenant_id", "id", "ref", "kind", "title", "description", "cause", "consequence",
	"process_id", "site_id", "owner_id", "inherent_likelihood", "inherent_severity", "existing_controls",
	"residual_likelihood", "residual_severity", "treatment", "treatment_plan", "review_date", "status",
	"exposure", "exposure_band", "exposure_updated_at", "created_by", "created_at", "updated_at"}

var historyCols = []string{"tenant_id", "id", "risk_id", "at", "old_score", "new_score", "old_band", "new_band", "cause", "reasons"}

func (g *orgGen) risks() {
	for i := 1; i <= g.size.Risks; i++ {
		id := newID()
		kind, treatment := "risk", []string{"reduce", "reduce", "accept", "avoid", "transfer"}[g.rng.IntN(5)]
		if g.rng.IntN(7) == 0 {
			kind, treatment = "opportunity", []string{"pursue", "not_pursue"}[g.rng.IntN(2)]
		}
		il, is := 1+g.rng.IntN(5), 1+g.rng.IntN(5)
		rl, rs := 1+g.rng.IntN(il), 1+g.rng.IntN(is)
		status := "active"
		if g.rng.IntN(20) == 0 {
			status = "retired"
		}
		created := g.ago(2 * year)
		proc := g.process()
		// History: the first assessment, then signals that moved the exposure.
		base := rl * rs
		score := base
		prev := 0
		var roseAt time.Time // the last time the exposure rose a band
		roseFrom := ""
		nh := 1 + g.rng.IntN(3)
		for h := 0; h < nh; h++ {
			at := created.Add(time.Duration(h) * g.now.Sub(created) / time.Duration(nh))
			cause, reasons := "Risk assessed", `[]`
			if h > 0 {
				score = min(25, base+g.rng.IntN(7))
				cause, reasons = "Finding raised on the process", `[{"signal":"minor_nc","weight":3}]`
			}
			var oldScore, oldBand any
			if h > 0 {
				oldScore, oldBand = prev, qms.ExposureBandOf(prev)
			}
			g.b.add("risk_exposure_history", historyCols, g.org, newID(), id, at, oldScore, score, oldBand, qms.ExposureBandOf(score), cause, reasons)
			if h > 0 && qms.BandRank(qms.ExposureBandOf(score)) > qms.BandRank(qms.ExposureBandOf(prev)) {
				roseAt, roseFrom = at, qms.ExposureBandOf(prev)
			}
			prev = score
		}
		title := strings.ToUpper(g.words(1)[:1]) + g.words(3)[1:]
		g.b.add("risks", riskCols, g.org, id, i, kind, title,
			"What could go wrong with "+g.words(3)+".", "Lack of "+g.words(1)+".", "Late or faulty delivery.",
			proc, g.site(), g.owner().id, il, is, "Inspection and training.", rl, rs, treatment, "Review monthly.",
			date(g.now.Add(time.Duration(g.rng.IntN(365)-60)*day)), status, score, qms.ExposureBandOf(score), created,
			g.owner().id, created, created)
		if len(g.findings) > 0 && g.rng.IntN(4) == 0 {
			g.b.add("risk_findings", []string{"tenant_id", "risk_id", "finding_id"}, g.org, id, g.findings[g.rng.IntN(len(g.findings))].id)
		}
		if len(g.documents) > 0 && g.rng.IntN(3) == 0 {
			d := g.documents[g.rng.IntN(len(g.documents))]
			g.b.add("risk_documents", []string{"tenant_id", "risk_id", "document_id"}, g.org, id, d.id)
			// A rise of a band flagged the linked document for review, as the service does; two
			// flags in three have been dealt with a fortnight later, the rest wait.
			if d.current && !roseAt.IsZero() {
				reason := qms.RiskRef(i) + " " + title + ": risk exposure rose from " + roseFrom + " to " +
					qms.ExposureBandOf(score) + " because a finding was raised on the process."
				var resolvedAt *time.Time
				var resolvedBy *uuid.UUID
				var resolution *string
				if roseAt.Before(g.now.Add(-14*day)) && g.rng.IntN(3) != 0 {
					at, by, r := roseAt.Add(14*day), g.owner().id, "reviewed_unchanged"
					resolvedAt, resolvedBy, resolution = &at, &by, &r
				}
				g.b.add("document_review_flags", flagCols, g.org, newID(), d.id, reason, "risk", id,
					qms.RiskRef(i), "risks/"+id.String(), nil, roseAt, resolvedAt, resolvedBy, resolution)
			}
		}
	}
	if g.size.Risks > 0 {
		g.b.exec(`INSERT INTO risk_ref_counters (tenant_id, last_ref) VALUES ($1, $2)`, g.org, g.size.Risks)
	}
}

var flagCols = []string{"tenant_id", "id", "document_id", "reason", "source_type", "source_id", "source_label",
	"source_path", "raised_by", "raised_at", "resolved_at", "resolved_by", "resolution"}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
