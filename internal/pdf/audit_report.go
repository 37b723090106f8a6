package pdf

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/plumbline/plumbline/internal/qms"
)

func date(t time.Time) string { return t.Format("2 January 2006") }

func dateRange(from, to time.Time) string {
	if from.Equal(to) {
		return date(from)
	}
	return date(from) + " to " + date(to)
}

func names(refs []qms.NamedRef) string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ", ")
}

// evidenceLine names a piece of evidence: a file with the start of its hash, a document
// version with the moment it belongs to, a record with its revision, or the reference.
func evidenceLine(e qms.EvidenceLink) string {
	switch {
	case e.File != nil:
		return e.File.Filename + " (SHA-256 " + e.File.SHA256[:16] + "…)"
	case e.Document != nil:
		return e.Name() + " (effective at audit)"
	}
	return strings.Trim(e.Name(), "“”")
}

// AuditReport writes the report of an audit: the same content as the report page, for
// management and the certification body.
func AuditReport(w io.Writer, r qms.AuditReport) error {
	au := r.Audit
	created := time.Now()
	if au.ReportedAt != nil {
		created = *au.ReportedAt
	}
	d := New(Options{
		Title:   "Audit report " + au.Reference + ": " + au.Title,
		Subject: au.Type.Label(),
		Author:  r.Organisation,
		Header:  r.Organisation + " · Audit report " + au.Reference,
		Created: created,
	})
	d.Title("Audit report "+au.Reference, au.Title)
	if !au.Status.Done() {
		d.Note("Draft: this report has not been issued. The audit is " + strings.ToLower(au.Status.Label()) + ".")
	}

	var processes []string
	for _, p := range au.Processes {
		processes = append(processes, p.Name+" (owner: "+p.OwnerName+")")
	}
	var criteria []string
	for _, k := range au.Clauses {
		criteria = append(criteria, "ISO 9001:2015 "+k.Label())
	}
	for _, doc := range au.Documents {
		if doc.Revision == nil {
			criteria = append(criteria, doc.Label()+" (not in force at the audit)")
		} else {
			criteria = append(criteria, doc.Label()+" (in force at the audit)")
		}
	}
	fields := []Field{
		{"Organisation", r.Organisation},
		{"Type", au.Type.Label()},
		{"Status", au.Status.Label()},
		{"Processes", strings.Join(processes, "\n")},
		{"Sites", names(au.Sites)},
		{"Scope", au.Scope},
		{"Criteria", strings.Join(criteria, "\n")},
	}
	if au.Type.External() {
		fields = append(fields, Field{"Certification body", au.CertificationBody}, Field{"External auditor", au.ExternalAuditor},
			Field{"Hosted by", au.LeadAuditorName})
	} else {
		fields = append(fields, Field{"Lead auditor", au.LeadAuditorName})
	}
	fields = append(fields,
		Field{"Audit team", names(au.Team)},
		Field{"Auditee contacts", au.AuditeeContacts},
		Field{"Planned", dateRange(au.PlannedStart, au.PlannedEnd)},
	)
	if au.ActualEnd != nil {
		fields = append(fields, Field{"Conducted", dateRange(au.Start(), au.End())})
	} else if au.ActualStart != nil {
		fields = append(fields, Field{"Started", date(*au.ActualStart)})
	}
	if au.ReportedAt != nil {
		fields = append(fields, Field{"Report issued", date(*au.ReportedAt)})
	}
	d.Fields(fields)
	for _, w := range au.IndependenceWarnings() {
		d.Note("Independence: " + w.String())
	}

	d.Heading("Summary")
	if au.Summary != "" {
		d.Paragraph(au.Summary)
	} else {
		d.Paragraph("Not written yet.")
	}

	t := r.Tally
	d.Heading("Results by clause")
	d.Paragraph(strconv.Itoa(t.Audited()) + " of " + strconv.Itoa(t.Total) + " questions audited (" + strconv.Itoa(t.ProgressPercent()) +
		"%); " + strconv.Itoa(t.Conforming) + " of the " + strconv.Itoa(t.Audited()) + " audited conformed (" + strconv.Itoa(t.ConformityPercent()) + "%).")
	num := func(n int) string {
		if n == 0 {
			return "–"
		}
		return strconv.Itoa(n)
	}
	cols := []Column{{Header: "Clause"}, {Header: "Questions", Width: 21, Right: true}, {Header: "Conf.", Width: 13, Right: true},
		{Header: "Major", Width: 13, Right: true}, {Header: "Minor", Width: 13, Right: true}, {Header: "Obs.", Width: 13, Right: true},
		{Header: "OFI", Width: 13, Right: true}, {Header: "Not aud.", Width: 16, Right: true}, {Header: "To do", Width: 13, Right: true}}
	var rows [][]string
	for _, g := range r.ChecklistByClause() {
		label := "Other questions"
		if g.Clause.Number != "" {
			label = g.Clause.Label()
		}
		rows = append(rows, []string{label, strconv.Itoa(g.Tally.Total), num(g.Tally.Conforming), num(g.Tally.MajorNC), num(g.Tally.MinorNC),
			num(g.Tally.Observation), num(g.Tally.OFI), num(g.Tally.NotAudited), num(g.Tally.Open())})
	}
	d.TableTotal(cols, rows, []string{"Total", strconv.Itoa(t.Total), num(t.Conforming), num(t.MajorNC), num(t.MinorNC),
		num(t.Observation), num(t.OFI), num(t.NotAudited), num(t.Open())})

	d.Heading("Findings")
	if len(r.Findings) == 0 {
		d.Paragraph("No findings were raised.")
	}
	for _, f := range r.Findings {
		d.Subheading(f.Reference + " · " + f.Classification.Label() + " · " + f.Status.Label())
		evidence := []string{}
		for _, e := range f.Evidence {
			evidence = append(evidence, evidenceLine(e))
		}
		closed := ""
		if f.ClosedAt != nil {
			closed = date(*f.ClosedAt) + " by " + f.ClosedByName + ": " + f.ClosureNote
		}
		d.Fields([]Field{
			{"Statement", f.Statement},
			{"Requirement", f.RequirementText()},
			{"Objective evidence", f.ObjectiveEvidence},
			{"Evidence on file", strings.Join(evidence, "\n")},
			{"Process", f.ProcessName},
			{"Site", f.SiteName},
			{"Raised", date(f.RaisedAt) + " by " + f.RaisedByName},
			{"Closed", closed},
		})
	}

	d.Heading("Checklist")
	var items [][]string
	for _, it := range r.Checklist {
		notes := it.Notes
		for _, e := range it.Evidence {
			notes += "\nEvidence: " + evidenceLine(e)
		}
		for _, f := range it.Findings {
			notes += "\nFinding " + f.Reference
		}
		items = append(items, []string{it.ClauseNumber, it.Question, it.Result.Label(), strings.TrimSpace(notes)})
	}
	d.Table([]Column{{Header: "Clause", Width: 15}, {Header: "Question", Width: 70}, {Header: "Result", Width: 27}, {Header: "Notes and evidence"}}, items)

	d.Heading("Conclusion")
	if au.Conclusion != "" {
		d.Paragraph(au.Conclusion)
	} else {
		d.Paragraph("Not written yet.")
	}

	d.Heading("Signatures")
	if len(r.Signatures) == 0 {
		d.Paragraph("Not signed yet.")
	}
	for _, sg := range r.Signatures {
		d.Fields([]Field{
			{"Signed by", sg.SignerName},
			{"Meaning", sg.Meaning},
			{"Signed at", sg.SignedAt.UTC().Format("2 January 2006 15:04 UTC")},
			{"SHA-256 of content", sg.ContentSHA256},
		})
	}
	return d.Write(w)
}
