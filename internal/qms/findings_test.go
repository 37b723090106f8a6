package qms_test

import (
	"testing"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func TestFindings_OutsideAnAuditTheyNameTheirSource(t *testing.T) {
	w := newAuditWorld(t)
	in := qms.FindingInput{
		Classification: qms.MajorNC, Source: qms.SourceIncident, SourceReference: "INC-2026-003",
		Statement:   "A batch of 60 flanges was released without final inspection.",
		Requirement: "QP-012 Final inspection and release", ObjectiveEvidence: "Dispatch note DN-88123; no inspection record.",
		ProcessID: w.production.ID, SiteID: w.leeds.ID,
	}
	f := qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, in))(t)
	if f.Reference != "F-2026-001" || f.Source != qms.SourceIncident || f.AuditID != nil || f.SiteName != "Leeds Plant" || f.Status != qms.FindingOpen {
		t.Fatalf("finding %+v", f)
	}
	if f.RequirementText() != "QP-012 Final inspection and release" {
		t.Errorf("requirement %q", f.RequirementText())
	}
	// Numbers run on per year.
	w.setToday(day(2027, 1, 5))
	if g := qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.Auditor, in))(t); g.Reference != "F-2027-001" {
		t.Errorf("first finding of 2027: %s", g.Reference)
	}

	// "Audit" is not a source one may claim without an audit.
	bad := in
	bad.Source = qms.SourceAudit
	if _, err := w.svc.RaiseFinding(w.ctx, w.org.QualityManager, bad); qms.FieldErrors(err)["source"] == "" {
		t.Errorf("source audit without an audit: got %v", err)
	}
	// A nonconformity states its requirement and evidence.
	bad = qms.FindingInput{Classification: qms.MinorNC, Source: qms.SourceOther, Statement: "Something", ProcessID: w.production.ID}
	_, err := w.svc.RaiseFinding(w.ctx, w.org.QualityManager, bad)
	fields := qms.FieldErrors(err)
	if fields["requirement"] == "" || fields["objective_evidence"] == "" {
		t.Errorf("NC without requirement and evidence: %v", fields)
	}
	// An OFI needs neither.
	ofi := qms.FindingInput{Classification: qms.OFI, Source: qms.SourceManagementReview, Statement: "Share CMM programs between shifts.", ProcessID: w.production.ID}
	qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, ofi))(t)
	// Process owners and viewers do not raise findings.
	for _, a := range []qms.Actor{w.org.ProcessOwner, w.org.Viewer} {
		if _, err := w.svc.RaiseFinding(w.ctx, a, ofi); qms.ErrorKind(err) != qms.KindForbidden {
			t.Errorf("%s raising: got %v", a.Role, err)
		}
	}
}

func TestFindings_ListFiltersAndPagesByKeyset(t *testing.T) {
	w := newAuditWorld(t)
	raise := func(c qms.Classification, src qms.FindingSource, p qms.Process, clause string) qms.Finding {
		t.Helper()
		return qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{
			Classification: c, Source: src, Statement: "Statement", ClauseNumber: clause,
			ObjectiveEvidence: "Evidence", ProcessID: p.ID,
		}))(t)
	}
	var all []qms.Finding
	for i := range 7 {
		all = append(all, raise(qms.MinorNC, qms.SourceComplaint, w.production, "8.5.1"))
		if i%2 == 0 {
			all = append(all, raise(qms.Observation, qms.SourceOther, w.maintenance, "7.1.5"))
		}
	}
	f := w.respond(t, all[0])
	all[0] = f
	qmstest.Must(w.svc.CloseFinding(w.ctx, w.org.QualityManager, f.ID, f.Version, "Corrected."))(t)

	list := func(f qms.FindingFilter) qms.FindingPage {
		t.Helper()
		return qmstest.Must(w.svc.Findings(w.ctx, w.org.Viewer, f))(t)
	}
	// Pages of 4, newest first, with no gaps or repeats.
	var seen []string
	page := list(qms.FindingFilter{Limit: 4})
	for {
		for _, f := range page.Findings {
			seen = append(seen, f.Reference)
		}
		if page.Next == "" {
			break
		}
		page = list(qms.FindingFilter{Limit: 4, After: page.Next})
	}
	if len(seen) != len(all) || seen[0] != all[len(all)-1].Reference || seen[len(seen)-1] != all[0].Reference {
		t.Fatalf("paged through %v", seen)
	}
	for name, c := range map[string]struct {
		f    qms.FindingFilter
		want int
	}{
		"classification":         {qms.FindingFilter{Classification: qms.Observation}, 4},
		"status":                 {qms.FindingFilter{Status: qms.FindingOpen}, 10},
		"process":                {qms.FindingFilter{ProcessID: w.maintenance.ID}, 4},
		"clause and sub-clauses": {qms.FindingFilter{Clause: "8.5"}, 7},
		"clause exactly":         {qms.FindingFilter{Clause: "7.1.5"}, 4},
		"source":                 {qms.FindingFilter{Source: qms.SourceComplaint, Status: qms.FindingClosed}, 1},
		"every filter at once": {qms.FindingFilter{Classification: qms.MinorNC, Status: qms.FindingOpen,
			ProcessID: w.production.ID, Clause: "8.5", Source: qms.SourceComplaint}, 6},
	} {
		if got := len(list(c.f).Findings); got != c.want {
			t.Errorf("filter by %s: %d findings, want %d", name, got, c.want)
		}
	}
	// A filtered list pages too: the cursor's parameters follow the filters'.
	minor := qms.FindingFilter{Classification: qms.MinorNC, Clause: "8.5", Limit: 4}
	first := list(minor)
	minor.After = first.Next
	if second := list(minor); len(first.Findings) != 4 || len(second.Findings) != 3 || second.Next != "" {
		t.Errorf("paging minor nonconformities: %d then %d findings", len(first.Findings), len(second.Findings))
	}
	if _, err := w.svc.Findings(w.ctx, w.org.Viewer, qms.FindingFilter{After: "nonsense"}); qms.ErrorKind(err) != qms.KindInvalid {
		t.Errorf("a malformed cursor: got %v", err)
	}
}

func TestFindings_AnOpenFindingCanBeCorrectedAStaleEditCannot(t *testing.T) {
	w := newAuditWorld(t)
	f := qmstest.Must(w.svc.RaiseFinding(w.ctx, w.org.QualityManager, qms.FindingInput{
		Classification: qms.Observation, Source: qms.SourceOther, Statement: "Gauge board untidy.", ProcessID: w.production.ID,
	}))(t)
	edit := qms.FindingEdit{Classification: qms.MinorNC, Statement: "Gauges stored loose, not on the shadow board.",
		ClauseNumber: "7.1.5", ObjectiveEvidence: "Three plug gauges in a drawer at cell 2.", ProcessID: w.production.ID}
	g := qmstest.Must(w.svc.UpdateFinding(w.ctx, w.org.QualityManager, f.ID, f.Version, edit))(t)
	if g.Classification != qms.MinorNC || g.ClauseNumber != "7.1.5" || g.Version != f.Version+1 {
		t.Fatalf("updated %+v", g)
	}
	if _, err := w.svc.UpdateFinding(w.ctx, w.org.QualityManager, f.ID, f.Version, edit); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("stale edit: got %v", err)
	}
	trail := qmstest.Must(w.svc.AuditTrail(w.ctx, w.org.Admin, qms.AuditFilter{EntityType: "finding", EntityID: f.ID.String()}))(t)
	if trail.Entries[0].Summary != "Reclassified finding "+f.Reference+" from observation to minor nonconformity" {
		t.Errorf("trail %q", trail.Entries[0].Summary)
	}
	g = w.respond(t, g)
	g = qmstest.Must(w.svc.CloseFinding(w.ctx, w.org.QualityManager, g.ID, g.Version, "Shadow board fitted."))(t)
	if _, err := w.svc.UpdateFinding(w.ctx, w.org.QualityManager, g.ID, g.Version, edit); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("editing a closed finding: got %v", err)
	}
}

func TestChecklistTemplates_NewOrganisationsStartWithTheDefaultsAndEditThem(t *testing.T) {
	w := newAuditWorld(t)
	list := qmstest.Must(w.svc.QuestionTemplates(w.ctx, w.org.Viewer))(t)
	if len(list) < 50 {
		t.Fatalf("%d default questions", len(list))
	}
	clauses := map[string]bool{}
	for _, q := range list {
		clauses[q.ClauseNumber] = true
	}
	for _, c := range []string{"4.1", "5.2", "6.1", "7.1.5", "7.2", "7.5", "8.4", "8.5.1", "8.7", "9.2", "9.3", "10.2"} {
		if !clauses[c] {
			t.Errorf("no default question for %s", c)
		}
	}
	q := list[0]
	if _, err := w.svc.UpdateQuestionTemplate(w.ctx, w.org.ProcessOwner, q.ID, q.Version, qms.QuestionInput{ClauseNumber: "4.1", Question: "x"}); qms.ErrorKind(err) != qms.KindForbidden {
		t.Errorf("a process owner editing the library: got %v", err)
	}
	if _, err := w.svc.AddQuestionTemplate(w.ctx, w.org.Auditor, qms.QuestionInput{ClauseNumber: "99.1", Question: "x"}); qms.FieldErrors(err)["clause"] == "" {
		t.Errorf("an unknown clause: got %v", err)
	}
	qmstest.Must(0, w.svc.RemoveQuestionTemplate(w.ctx, w.org.Auditor, q.ID, q.Version))(t)
	if n := len(qmstest.Must(w.svc.QuestionTemplates(w.ctx, w.org.Viewer))(t)); n != len(list)-1 {
		t.Errorf("%d questions after removing one of %d", n, len(list))
	}
	// Another organisation's library is its own.
	globex := qmstest.NewOrg(t, w.svc, "globex")
	if _, err := w.svc.QuestionTemplate(w.ctx, globex.Admin, list[1].ID); qms.ErrorKind(err) != qms.KindNotFound {
		t.Errorf("reading another organisation's question: got %v", err)
	}
}
