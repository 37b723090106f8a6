package qms_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// procedure registers a procedure of the production process in org, drafted by its process
// owner; issued, it is approved by the quality manager and takes effect at once.
func (w *auditWorld) procedure(t *testing.T, org qmstest.Org, process qms.Process, title string, issued bool) qms.Document {
	t.Helper()
	var typeID uuid.UUID
	for _, ty := range qmstest.Must(w.svc.DocumentTypes(w.ctx, org.Admin))(t) {
		if ty.Kind == "procedure" {
			typeID = ty.ID
		}
	}
	d := qmstest.Must(w.svc.CreateDocument(w.ctx, org.ProcessOwner, qms.NewDocument{
		DocumentInput: qms.DocumentInput{Title: title, TypeID: typeID, ProcessID: process.ID, OwnerID: org.ProcessOwner.UserID,
			ReviewIntervalMonths: 12, Clauses: []string{"8.5.1"}},
		DraftInput: qms.DraftInput{Body: "# " + title + "\n\nFirst issue.", ChangeSummary: "First issue"},
	}))(t)
	if issued {
		w.issueOpenVersion(t, org, d.ID)
	}
	return qmstest.Must(w.svc.DocumentView(w.ctx, org.Viewer, d.ID))(t).Document
}

// issueOpenVersion takes the document's open version through approval to effective, today.
func (w *auditWorld) issueOpenVersion(t *testing.T, org qmstest.Org, docID uuid.UUID) {
	t.Helper()
	vw := qmstest.Must(w.svc.DocumentView(w.ctx, org.Viewer, docID))(t)
	v := qmstest.Must(w.svc.DocumentVersionView(w.ctx, org.Viewer, docID, *vw.Document.OpenVersionID))(t).Version
	v = qmstest.Must(w.svc.SubmitForReview(w.ctx, org.ProcessOwner, docID, v.ID, v.Version,
		qms.SubmitInput{ApproverID: org.QualityManager.UserID}))(t)
	qmstest.Must(w.svc.ApproveVersion(w.ctx, org.QualityManager, docID, v.ID, v.Version,
		qms.ApproveInput{Password: qmstest.Password, Meaning: qms.ApprovalMeaning}))(t)
}

// reviseAndIssue issues a new revision of the document today.
func (w *auditWorld) reviseAndIssue(t *testing.T, org qmstest.Org, docID uuid.UUID, body string) {
	t.Helper()
	d := qmstest.Must(w.svc.ReviseDocument(w.ctx, org.ProcessOwner, docID))(t)
	qmstest.Must(w.svc.EditDraft(w.ctx, org.ProcessOwner, docID, d.ID, d.Version, qms.DraftInput{Body: body, ChangeSummary: "Revised"}))(t)
	w.issueOpenVersion(t, org, docID)
}

// link records a conforming result on a question with evidence links.
func (w *auditWorld) link(it qms.ChecklistItem, refs qms.EvidenceRefs) (qms.ChecklistItem, error) {
	return w.svc.RecordResult(w.ctx, w.org.Auditor, it.AuditID, it.ID, it.Version, qms.ResultInput{
		Result: qms.ResultConforming, Notes: "Sampled.", Links: refs})
}

func documentLinks(links []qms.EvidenceLink) []string {
	var out []string
	for _, l := range links {
		if l.Document != nil {
			out = append(out, l.Document.Label())
		}
	}
	return out
}

func TestEvidenceLinks_KeepTheDocumentVersionInForceAtTheAudit(t *testing.T) {
	w := newAuditWorld(t)
	doc := w.procedure(t, w.org, w.production, "Control of production", true) // rev 1 from 2 March
	au := w.plan(t, w.internalAudit(day(2026, 3, 9), []string{"8.5"}, w.production))
	w.setToday(day(2026, 3, 9))
	au = w.start(t, au)
	// Rev 2 takes effect two days into the audit: the auditors worked to rev 1.
	w.setToday(day(2026, 3, 11))
	w.reviseAndIssue(t, w.org, doc.ID, "Second issue.")

	it := w.details(t, au).Checklist[0]
	it = qmstest.Must(w.link(it, qms.EvidenceRefs{Document: strings.ToLower(doc.Number) + " · " + doc.Title}))(t)
	if got := documentLinks(it.Evidence); len(got) != 1 || got[0] != doc.Number+" rev 1" {
		t.Fatalf("linked %v, want %s rev 1, the version in force on 9 March", got, doc.Number)
	}
	if !it.Evidence[0].Document.Superseded() {
		t.Error("rev 1 was superseded on 11 March but the link does not say so")
	}

	// A later revision changes nothing about the link, and linking again does not add a copy.
	w.setToday(day(2026, 3, 12))
	w.reviseAndIssue(t, w.org, doc.ID, "Third issue.")
	it = qmstest.Must(w.link(it, qms.EvidenceRefs{Document: doc.Number}))(t)
	if got := documentLinks(it.Evidence); len(got) != 1 || got[0] != doc.Number+" rev 1" {
		t.Fatalf("after rev 3 the question links %v, want only %s rev 1", got, doc.Number)
	}

	// The finding raised from the question carries the same version, and so do the report and
	// the finding's own links.
	f := qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.Auditor, qms.FindingInput{Classification: qms.OFI, ChecklistItemID: it.ID,
		Statement: "Work instructions could show the torque values."}))(t)
	if got := documentLinks(f.Evidence); len(got) != 1 || got[0] != doc.Number+" rev 1" {
		t.Fatalf("the finding links %v, want %s rev 1", got, doc.Number)
	}
	f = qmstest.Must(w.svc.LinkFindingEvidence(w.ctx, w.org.Auditor, f.ID, qms.EvidenceRefs{Document: doc.Number}))(t)
	if got := documentLinks(f.Evidence); len(got) != 1 {
		t.Fatalf("linking the same version to the finding again made %v", got)
	}
	rep := qmstest.Must(w.svc.AuditReport(w.ctx, w.org.Viewer, au.ID))(t)
	if got := documentLinks(rep.Checklist[0].Evidence); len(got) != 1 || got[0] != doc.Number+" rev 1" {
		t.Fatalf("the report shows %v", got)
	}
	trail := qmstest.Must(w.svc.AuditTrail(w.ctx, w.org.Admin, qms.AuditFilter{EntityType: "audit", EntityID: au.ID.String(), Limit: 50}))(t)
	found := false
	for _, e := range trail.Entries {
		found = found || strings.Contains(e.Summary, "evidence: "+doc.Number+" rev 1")
	}
	if !found {
		t.Error("the audit trail does not name the linked version")
	}
}

func TestEvidenceLinks_ADocumentNotInForceAtTheAuditIsRefused(t *testing.T) {
	w := newAuditWorld(t)
	au := w.plan(t, w.internalAudit(day(2026, 3, 9), []string{"8.5"}, w.production))
	w.setToday(day(2026, 3, 9))
	au = w.start(t, au)
	w.setToday(day(2026, 3, 11))
	later := w.procedure(t, w.org, w.production, "Deburring", true) // first in force on 11 March
	draft := w.procedure(t, w.org, w.production, "Packing", false)

	it := w.details(t, au).Checklist[0]
	for _, tc := range []struct {
		typed, want string
	}{
		{later.Number, "was not yet in force on 9 Mar 2026"},
		{draft.Number, "has not been issued yet"},
		{"QP-999", "There is no document “QP-999”"},
	} {
		_, err := w.link(it, qms.EvidenceRefs{Document: tc.typed})
		if qms.ErrorKind(err) != qms.KindInvalid || !strings.Contains(qms.FieldErrors(err)["document"], tc.want) {
			t.Errorf("linking %s: %v %v, want a field error saying %q", tc.typed, err, qms.FieldErrors(err), tc.want)
		}
	}
	if after := w.details(t, au).Checklist[0]; after.Version != it.Version || after.Result != "" || len(after.Evidence) > 0 {
		t.Fatalf("a refused link still saved the question: %+v", after)
	}
}

func TestEvidenceLinks_RecordsKeepTheRevisionCurrentWhenLinked(t *testing.T) {
	w := newAuditWorld(t)
	var inspection qms.RecordType
	for _, ty := range qmstest.Must(w.svc.RecordTypes(w.ctx, w.org.Viewer))(t) {
		if ty.Name == "Inspection / test" {
			inspection = ty
		}
	}
	in := qms.RecordInput{TypeID: inspection.ID, Title: "First-off inspection, job 5120", EventDate: "2026-03-02", ProcessID: w.production.ID}
	rec := qmstest.Must(w.svc.CreateRecord(w.ctx, w.org.QualityManager, in, nil, true))(t)
	draft := qmstest.Must(w.svc.CreateRecord(w.ctx, w.org.QualityManager, qms.RecordInput{TypeID: inspection.ID,
		Title: "Not finished", EventDate: "2026-03-02", ProcessID: w.production.ID}, nil, false))(t)

	au := w.start(t, w.plan(t, w.internalAudit(day(2026, 3, 2), []string{"8.6"}, w.production)))
	it := w.details(t, au).Checklist[0]
	for typed, want := range map[string]string{
		draft.Number():  "is a draft",
		"R-09999":       "There is no record R-09999",
		"the first one": "Type the record's number",
	} {
		if _, err := w.link(it, qms.EvidenceRefs{Record: typed}); !strings.Contains(qms.FieldErrors(err)["record"], want) {
			t.Errorf("linking %q: %v %v, want %q", typed, err, qms.FieldErrors(err), want)
		}
	}
	it = qmstest.Must(w.link(it, qms.EvidenceRefs{Record: strings.TrimPrefix(rec.Number(), "R-0") + " First-off"}))(t)
	if len(it.Evidence) != 1 || it.Evidence[0].Record == nil || it.Evidence[0].Record.Number != rec.Number() || it.Evidence[0].Record.Revision != 1 {
		t.Fatalf("evidence %+v, want %s revision 1", it.Evidence, rec.Number())
	}

	in.Title = "First-off inspection, job 5120 (corrected)"
	qmstest.Must(w.svc.CorrectRecord(w.ctx, w.org.QualityManager, rec.ID, rec.Version, in, "Wrong job number on the sheet", nil, nil))(t)
	l := w.details(t, au).Checklist[0].Evidence[0].Record
	if l.Revision != 1 || l.Title != "First-off inspection, job 5120" || !l.Corrected() {
		t.Fatalf("after a correction the link shows %+v, want revision 1 as linked, marked corrected", l)
	}

	// Disposal at the end of retention removes the revisions; the link keeps the tombstone.
	w.setToday(day(2150, 1, 1))
	cur := qmstest.Must(w.svc.Record(w.ctx, w.org.QualityManager, rec.ID))(t)
	qmstest.Must(w.svc.DisposeRecord(w.ctx, w.org.QualityManager, rec.ID, cur.Version, "Retention ended", qmstest.Password))(t)
	gone := w.details(t, au).Checklist[0].Evidence[0]
	if gone.Record == nil || gone.Record.Revision != 0 || !strings.Contains(gone.Name(), "(disposed of)") {
		t.Fatalf("after disposal the link shows %+v", gone.Record)
	}
}

func TestEvidenceLinks_AnotherOrganisationsDocumentsAndRecordsAreNeverLinked(t *testing.T) {
	w := newAuditWorld(t)
	globex := qmstest.NewOrg(t, w.svc, "globex")
	gProcess := qmstest.Must(w.svc.CreateProcess(w.ctx, globex.Admin, qms.ProcessInput{Name: "Springfield", OwnerID: globex.ProcessOwner.UserID}))(t)
	gDoc := w.procedure(t, globex, gProcess, "Springfield secrets", true)
	mine := w.procedure(t, w.org, w.production, "Control of production", true)
	if gDoc.Number != mine.Number {
		t.Fatalf("the test expects both organisations to number their first procedure alike: %s, %s", gDoc.Number, mine.Number)
	}

	// The same number names this organisation's own document, never the other one's.
	in := w.internalAudit(day(2026, 3, 2), []string{"8.5"}, w.production)
	au := w.start(t, w.plan(t, in))
	it := qmstest.Must(w.link(w.details(t, au).Checklist[0], qms.EvidenceRefs{Document: gDoc.Number}))(t)
	if l := it.Evidence[0].Document; l.DocumentID != mine.ID {
		t.Fatalf("linked document %s (%s), want this organisation's own", l.DocumentID, l.Title)
	}

	// Another organisation's id as a criterion is a field error; its finding is not found.
	in.DocumentIDs = []uuid.UUID{gDoc.ID}
	if _, err := w.svc.CreateAudit(w.ctx, w.org.QualityManager, in); qms.FieldErrors(err)["documents"] == "" {
		t.Fatalf("planning with a foreign document: %v", err)
	}
	gf := qmstest.Must(w.svc.RaiseFinding(w.ctx, globex.QualityManager, qms.FindingInput{Classification: qms.Observation,
		Source: qms.SourceOther, Statement: "Springfield", ProcessID: gProcess.ID}))(t)
	if _, err := w.svc.LinkFindingEvidence(w.ctx, w.org.QualityManager, gf.ID, qms.EvidenceRefs{Document: mine.Number}); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("linking to another organisation's finding: %v, want not found", err)
	}
}

func TestAudits_DocumentCriteriaShowTheVersionInForceAtTheAudit(t *testing.T) {
	w := newAuditWorld(t)
	doc := w.procedure(t, w.org, w.production, "Control of production", true)
	in := w.internalAudit(day(2026, 3, 9), []string{"8.5"}, w.production)
	in.DocumentIDs = []uuid.UUID{doc.ID, doc.ID}
	au := w.plan(t, in)
	if len(au.Documents) != 1 || au.Documents[0].Label() != doc.Number+" rev 1 Control of production" {
		t.Fatalf("criteria documents %+v", au.Documents)
	}
	w.setToday(day(2026, 3, 9))
	au = w.start(t, au)
	w.setToday(day(2026, 3, 20))
	w.reviseAndIssue(t, w.org, doc.ID, "Second issue.")
	if got := w.details(t, au).Audit.Documents[0]; *got.Revision != 1 {
		t.Fatalf("after rev 2 the audit of 9 March shows rev %d", *got.Revision)
	}
	// Linking from a finding outside an audit takes the version in force when it was raised.
	f := qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{Classification: qms.Observation,
		Source: qms.SourceOther, Statement: "Seen on the line", ProcessID: w.production.ID}))(t)
	f = qmstest.Must(w.svc.LinkFindingEvidence(w.ctx, w.org.QualityManager, f.ID, qms.EvidenceRefs{Document: doc.Number}))(t)
	if got := documentLinks(f.Evidence); len(got) != 1 || got[0] != doc.Number+" rev 2" {
		t.Fatalf("a finding raised on 20 March links %v, want rev 2", got)
	}
}
