package qms_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// docFixture is an organisation with a process owned by its process owner.
type docFixture struct {
	t       *testing.T
	svc     *qms.Service
	org     qmstest.Org
	process qms.Process
	types   map[string]qms.DocumentType // by kind
}

func newDocFixture(t *testing.T) *docFixture {
	t.Helper()
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	f := &docFixture{t: t, svc: svc, org: org, types: map[string]qms.DocumentType{}}
	f.process = qmstest.Must(svc.CreateProcess(ctx, org.Admin, qms.ProcessInput{Name: "Production", OwnerID: org.ProcessOwner.UserID}))(t)
	for _, ty := range qmstest.Must(svc.DocumentTypes(ctx, org.Admin))(t) {
		f.types[ty.Kind] = ty
	}
	return f
}

// create registers a procedure drafted by the process owner.
func (f *docFixture) create(title, body string) qms.Document {
	f.t.Helper()
	return qmstest.Must(f.svc.CreateDocument(context.Background(), f.org.ProcessOwner, qms.NewDocument{
		DocumentInput: qms.DocumentInput{Title: title, TypeID: f.types["procedure"].ID, ProcessID: f.process.ID,
			OwnerID: f.org.ProcessOwner.UserID, ReviewIntervalMonths: 12, Clauses: []string{"8.5.1", "7.5"}},
		DraftInput: qms.DraftInput{Body: body, ChangeSummary: "First issue"},
	}))(f.t)
}

// open returns the document's open (draft or in-review) version.
func (f *docFixture) open(docID uuid.UUID) qms.DocumentVersion {
	f.t.Helper()
	vw := qmstest.Must(f.svc.DocumentView(context.Background(), f.org.Viewer, docID))(f.t)
	if vw.Document.OpenVersionID == nil {
		f.t.Fatalf("%s has no open version", vw.Document.Number)
	}
	return qmstest.Must(f.svc.DocumentVersionView(context.Background(), f.org.Viewer, docID, *vw.Document.OpenVersionID))(f.t).Version
}

// submit sends the open draft to the quality manager for approval, with no reviewers.
func (f *docFixture) submit(docID uuid.UUID, reviewers ...uuid.UUID) qms.DocumentVersion {
	f.t.Helper()
	v := f.open(docID)
	return qmstest.Must(f.svc.SubmitForReview(context.Background(), f.org.ProcessOwner, docID, v.ID, v.Version,
		qms.SubmitInput{ApproverID: f.org.QualityManager.UserID, ReviewerIDs: reviewers}))(f.t)
}

func (f *docFixture) approve(docID uuid.UUID, v qms.DocumentVersion, effectiveOn *time.Time) qms.DocumentVersion {
	f.t.Helper()
	return qmstest.Must(f.svc.ApproveVersion(context.Background(), f.org.QualityManager, docID, v.ID, v.Version,
		qms.ApproveInput{Password: qmstest.Password, Meaning: qms.ApprovalMeaning, EffectiveOn: effectiveOn}))(f.t)
}

// issue takes the open draft through review to effective.
func (f *docFixture) issue(docID uuid.UUID) qms.DocumentVersion {
	f.t.Helper()
	return f.approve(docID, f.submit(docID), nil)
}

// revise starts a revision and saves new text into it.
func (f *docFixture) revise(docID uuid.UUID, body, summary string) qms.DocumentVersion {
	f.t.Helper()
	ctx := context.Background()
	d := qmstest.Must(f.svc.ReviseDocument(ctx, f.org.ProcessOwner, docID))(f.t)
	return qmstest.Must(f.svc.EditDraft(ctx, f.org.ProcessOwner, docID, d.ID, d.Version, qms.DraftInput{Body: body, ChangeSummary: summary}))(f.t)
}

// attach uploads a file as the process owner and adds it to the document's open draft,
// keeping the draft's text and summary.
func (f *docFixture) attach(docID uuid.UUID, filename, content string) qms.DocumentVersion {
	f.t.Helper()
	ctx := context.Background()
	up := qmstest.Must(f.svc.ReceiveFile(ctx, f.org.ProcessOwner, "files", filename, strings.NewReader(content)))(f.t)
	v := f.open(docID)
	return qmstest.Must(f.svc.EditDraft(ctx, f.org.ProcessOwner, docID, v.ID, v.Version,
		qms.DraftInput{Body: v.Body, ChangeSummary: v.ChangeSummary, Uploads: []qms.Upload{up}}))(f.t)
}

func (f *docFixture) actions(docID uuid.UUID) []string {
	f.t.Helper()
	trail := qmstest.Must(f.svc.AuditTrail(context.Background(), f.org.Admin, qms.AuditFilter{EntityType: "document", EntityID: docID.String(), Limit: 200}))(f.t)
	var out []string
	for _, e := range trail.Entries {
		out = append(out, e.Action)
	}
	return out
}

func TestDocuments_NumbersFollowTheTypePrefixAndStayUniqueUnderConcurrency(t *testing.T) {
	f := newDocFixture(t)
	const n = 8
	var wg sync.WaitGroup
	numbers := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := f.svc.CreateDocument(context.Background(), f.org.QualityManager, qms.NewDocument{
				DocumentInput: qms.DocumentInput{Title: "Procedure " + string(rune('A'+i)), TypeID: f.types["procedure"].ID,
					ProcessID: f.process.ID, OwnerID: f.org.ProcessOwner.UserID, ReviewIntervalMonths: 24},
			})
			numbers[i], errs[i] = d.Number, err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(numbers)
	for i, got := range numbers {
		if want := "QP-00" + string(rune('1'+i)); got != want {
			t.Fatalf("numbers %v, want QP-001 to QP-008", numbers)
		}
	}
}

func TestDocumentTypes_AdminsChangePrefixesAndNewNumbersUseThem(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	wi := f.types["work_instruction"]
	if _, err := f.svc.UpdateDocumentType(ctx, f.org.QualityManager, wi.ID, wi.Version, qms.DocumentTypeInput{Name: "Work instruction", Prefix: "SOP"}); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("a quality manager changed a prefix: %v", err)
	}
	if _, err := f.svc.UpdateDocumentType(ctx, f.org.Admin, wi.ID, wi.Version, qms.DocumentTypeInput{Name: "Work instruction", Prefix: "QP"}); qms.FieldErrors(err)["prefix"] == "" {
		t.Fatalf("a prefix taken by another type: got %v", err)
	}
	qmstest.Must(f.svc.UpdateDocumentType(ctx, f.org.Admin, wi.ID, wi.Version, qms.DocumentTypeInput{Name: "Operator instruction", Prefix: "oi"}))(t)
	d := qmstest.Must(f.svc.CreateDocument(ctx, f.org.ProcessOwner, qms.NewDocument{DocumentInput: qms.DocumentInput{
		Title: "Deburring", TypeID: wi.ID, ProcessID: f.process.ID, OwnerID: f.org.ProcessOwner.UserID, ReviewIntervalMonths: 12}}))(t)
	if d.Number != "OI-001" || d.TypeName != "Operator instruction" {
		t.Fatalf("number %s, type %s", d.Number, d.TypeName)
	}
	// The counter moves forward (carrying on from a paper register) but never back.
	types := qmstest.Must(f.svc.DocumentTypes(ctx, f.org.Admin))(t)
	for _, ty := range types {
		if ty.ID != wi.ID {
			continue
		}
		if _, err := f.svc.UpdateDocumentType(ctx, f.org.Admin, ty.ID, ty.Version, qms.DocumentTypeInput{Name: ty.Name, Prefix: ty.Prefix, NextNumber: 1}); qms.FieldErrors(err)["next_number"] == "" {
			t.Fatalf("moving the counter back: %v", err)
		}
		moved := qmstest.Must(f.svc.UpdateDocumentType(ctx, f.org.Admin, ty.ID, ty.Version, qms.DocumentTypeInput{Name: ty.Name, Prefix: ty.Prefix, NextNumber: 12}))(t)
		if moved.NextDocumentNumber() != "OI-012" {
			t.Fatalf("next %s", moved.NextDocumentNumber())
		}
	}
}

func TestDocuments_ProcessOwnersDraftOnlyTheirOwnDocuments(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	other := qmstest.Must(f.svc.CreateProcess(ctx, f.org.Admin, qms.ProcessInput{Name: "Sales", OwnerID: f.org.QualityManager.UserID}))(t)
	_, err := f.svc.CreateDocument(ctx, f.org.ProcessOwner, qms.NewDocument{DocumentInput: qms.DocumentInput{
		Title: "Contract review", TypeID: f.types["procedure"].ID, ProcessID: other.ID, OwnerID: f.org.QualityManager.UserID, ReviewIntervalMonths: 12}})
	if qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("a process owner created a document of someone else's process: %v", err)
	}
	theirs := qmstest.Must(f.svc.CreateDocument(ctx, f.org.QualityManager, qms.NewDocument{DocumentInput: qms.DocumentInput{
		Title: "Contract review", TypeID: f.types["procedure"].ID, ProcessID: other.ID, OwnerID: f.org.QualityManager.UserID, ReviewIntervalMonths: 12}}))(t)
	v := f.open(theirs.ID)
	if _, err := f.svc.EditDraft(ctx, f.org.ProcessOwner, theirs.ID, v.ID, v.Version, qms.DraftInput{Body: "mine"}); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("a process owner edited someone else's draft: %v", err)
	}
	if _, err := f.svc.CreateDocument(ctx, f.org.Viewer, qms.NewDocument{}); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("a viewer created a document: %v", err)
	}
}

func TestDocumentVersions_OnlyDraftsCanBeEdited(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("Control of nonconforming output", "Quarantine the parts.")
	v := f.submit(d.ID)
	_, err := f.svc.EditDraft(ctx, f.org.ProcessOwner, d.ID, v.ID, v.Version, qms.DraftInput{Body: "Scrap the parts.", ChangeSummary: "x"})
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("editing a version in review: got %v, want conflict", err)
	}
	effective := f.approve(d.ID, v, nil)
	_, err = f.svc.EditDraft(ctx, f.org.ProcessOwner, d.ID, effective.ID, effective.Version, qms.DraftInput{Body: "Scrap the parts.", ChangeSummary: "x"})
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("editing an effective version: got %v, want conflict", err)
	}
	if got := qmstest.Must(f.svc.DocumentVersionView(ctx, f.org.Viewer, d.ID, v.ID))(t).Version.Body; got != "Quarantine the parts." {
		t.Fatalf("the approved text changed to %q", got)
	}
}

func TestDocumentVersions_AStaleDraftEditIsAConflictAndChangesNothing(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("Purchasing", "Buy from approved suppliers.")
	v := f.open(d.ID)
	qmstest.Must(f.svc.EditDraft(ctx, f.org.QualityManager, d.ID, v.ID, v.Version, qms.DraftInput{Body: "Theirs", ChangeSummary: "First issue"}))(t)
	_, err := f.svc.EditDraft(ctx, f.org.ProcessOwner, d.ID, v.ID, v.Version, qms.DraftInput{Body: "Mine", ChangeSummary: "First issue"})
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("got %v, want conflict", err)
	}
	if got := f.open(d.ID).Body; got != "Theirs" {
		t.Fatalf("body %q, want the first save kept", got)
	}
}

func TestDocumentVersions_RevisingCopiesTheApprovedVersionIntoANewDraft(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("CMM inspection", "Clamp the part.")
	v1 := f.issue(d.ID)
	draft := qmstest.Must(f.svc.ReviseDocument(ctx, f.org.ProcessOwner, d.ID))(t)
	if draft.Revision != 2 || draft.State != qms.VersionDraft || draft.Body != v1.Body || draft.BasedOnID == nil || *draft.BasedOnID != v1.ID {
		t.Fatalf("revision %+v", draft)
	}
	if _, err := f.svc.ReviseDocument(ctx, f.org.ProcessOwner, d.ID); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("a second revision alongside the first: got %v, want conflict", err)
	}
}

func TestDocumentVersions_TakingEffectSupersedesThePreviousVersion(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	clock := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f.svc.SetClock(func() time.Time { return clock })
	d := f.create("Calibration", "Calibrate yearly.")
	v1 := f.issue(d.ID)
	clock = clock.Add(30 * 24 * time.Hour)
	f.revise(d.ID, "Calibrate every six months.", "Shorter interval")
	v2 := f.issue(d.ID)
	if v2.State != qms.VersionEffective || v2.EffectiveFrom == nil || !v2.EffectiveFrom.Equal(clock) {
		t.Fatalf("revision 2: %+v", v2)
	}
	old := qmstest.Must(f.svc.DocumentVersionView(ctx, f.org.Viewer, d.ID, v1.ID))(t).Version
	if old.State != qms.VersionSuperseded || old.EffectiveUntil == nil || !old.EffectiveUntil.Equal(*v2.EffectiveFrom) {
		t.Fatalf("revision 1 after revision 2 took effect: %+v", old)
	}
	// Which version was in force when: the day before the change, and after it.
	at := func(t0 time.Time) int {
		return qmstest.Must(f.svc.DocumentVersionEffectiveAt(ctx, f.org.Auditor, d.ID, t0))(t).Revision
	}
	if at(clock.Add(-time.Hour)) != 1 || at(clock.Add(time.Hour)) != 2 {
		t.Fatal("the version in force at a time is wrong")
	}
	if _, err := f.svc.DocumentVersionEffectiveAt(ctx, f.org.Auditor, d.ID, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("before the first issue: got %v", err)
	}
	doc := qmstest.Must(f.svc.DocumentView(ctx, f.org.Viewer, d.ID))(t).Document
	if doc.NextReviewOn == nil || doc.NextReviewOn.Format("2006-01-02") != "2027-04-01" {
		t.Fatalf("next review %v, want 12 months after revision 2", doc.NextReviewOn)
	}
	acts := f.actions(d.ID)
	if !slices.Contains(acts, "document.supersede") || !slices.Contains(acts, "document.effective") {
		t.Fatalf("trail %v", acts)
	}
}

func TestDocumentVersions_TheAuthorMayNotApproveTheirOwnVersion(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := qmstest.Must(f.svc.CreateDocument(ctx, f.org.QualityManager, qms.NewDocument{
		DocumentInput: qms.DocumentInput{Title: "Quality manual", TypeID: f.types["manual"].ID, ProcessID: f.process.ID,
			OwnerID: f.org.QualityManager.UserID, ReviewIntervalMonths: 12},
		DraftInput: qms.DraftInput{Body: "Scope", ChangeSummary: "First issue"},
	}))(t)
	v := f.open(d.ID)
	_, err := f.svc.SubmitForReview(ctx, f.org.QualityManager, d.ID, v.ID, v.Version, qms.SubmitInput{ApproverID: f.org.QualityManager.UserID})
	if qms.FieldErrors(err)["approver_id"] == "" {
		t.Fatalf("the author named themselves approver: got %v", err)
	}
	// Editing someone else's draft makes you one of its authors too.
	p := f.create("Deburring", "Use the brush.")
	pv := f.open(p.ID)
	pv = qmstest.Must(f.svc.EditDraft(ctx, f.org.QualityManager, p.ID, pv.ID, pv.Version, qms.DraftInput{Body: "Use the nylon brush.", ChangeSummary: "First issue"}))(t)
	_, err = f.svc.SubmitForReview(ctx, f.org.ProcessOwner, p.ID, pv.ID, pv.Version, qms.SubmitInput{ApproverID: f.org.QualityManager.UserID})
	if qms.FieldErrors(err)["approver_id"] == "" {
		t.Fatalf("an editor was accepted as approver: got %v", err)
	}
	// A process owner may not approve at all.
	_, err = f.svc.SubmitForReview(ctx, f.org.ProcessOwner, p.ID, pv.ID, pv.Version, qms.SubmitInput{ApproverID: f.org.ProcessOwner.UserID})
	if qms.FieldErrors(err)["approver_id"] == "" {
		t.Fatalf("a process owner was accepted as approver: got %v", err)
	}
}

func TestDocumentVersions_OnlyTheNamedApproverSigns(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("Goods-in", "Check the certificate.")
	v := f.submit(d.ID)
	_, err := f.svc.ApproveVersion(ctx, f.org.Admin, d.ID, v.ID, v.Version, qms.ApproveInput{Password: qmstest.Password, Meaning: qms.ApprovalMeaning})
	if qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("an admin who was not named approved: %v", err)
	}
}

func TestDocumentVersions_AWrongPasswordSignsNothing(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("Heat treatment", "Send to the approved heat treater.")
	v := f.submit(d.ID)
	_, err := f.svc.ApproveVersion(ctx, f.org.QualityManager, d.ID, v.ID, v.Version, qms.ApproveInput{Password: "guess", Meaning: qms.ApprovalMeaning})
	if qms.ErrorKind(err) != qms.KindInvalid || qms.FieldErrors(err)["password"] == "" {
		t.Fatalf("got %v, want a password field error", err)
	}
	vw := qmstest.Must(f.svc.DocumentVersionView(ctx, f.org.Viewer, d.ID, v.ID))(t)
	if vw.Version.State != qms.VersionInReview || len(vw.Signatures) != 0 {
		t.Fatalf("state %s with %d signatures after a wrong password", vw.Version.State, len(vw.Signatures))
	}
}

func TestDocumentVersions_TheSignatureHashesExactlyTheContentSigned(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("Plating", "Zinc-nickel to 8 microns.")
	f.attach(d.ID, "spec.pdf", "%PDF-1.4\nspec A\n")
	v1 := f.issue(d.ID)
	f.revise(d.ID, "Zinc-nickel to 10 microns.", "Thicker plating")
	v2 := f.issue(d.ID)
	view1 := qmstest.Must(f.svc.DocumentVersionView(ctx, f.org.Auditor, d.ID, v1.ID))(t)
	view2 := qmstest.Must(f.svc.DocumentVersionView(ctx, f.org.Auditor, d.ID, v2.ID))(t)
	if len(view1.Signatures) != 1 || len(view2.Signatures) != 1 {
		t.Fatalf("signatures: %d and %d", len(view1.Signatures), len(view2.Signatures))
	}
	s1, s2 := view1.Signatures[0], view2.Signatures[0]
	if s1.SignerName != f.org.QualityManager.Name || s1.Meaning != qms.ApprovalMeaning {
		t.Fatalf("signature %+v", s1)
	}
	if s1.ContentSHA256 == s2.ContentSHA256 {
		t.Fatal("different texts have the same content hash")
	}
	if s1.ContentSHA256 != *view1.Version.ContentSHA256 || !view1.HashMatches || !view2.HashMatches {
		t.Fatal("the stored content no longer matches what was signed")
	}
	if len(view2.Files) != 1 || view2.Files[0].Filename != "spec.pdf" {
		t.Fatalf("the revision did not keep the file: %+v", view2.Files)
	}
}

func TestDocumentView_ShowsTheVersionInForceWithItsFilesAndAcknowledgements(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("Anodising", "Type II, sealed.")
	f.attach(d.ID, "spec.pdf", "%PDF-1.4\nspec\n")
	qmstest.Must(f.svc.SetDocumentAudience(ctx, f.org.ProcessOwner, d.ID, d.Version, qms.Audience{
		Roles: []auth.Role{auth.RoleViewer, auth.RoleAuditor}}))(t)
	v1 := f.issue(d.ID)
	qmstest.Must(f.svc.AcknowledgeVersion(ctx, f.org.Viewer, d.ID, v1.ID))(t)
	// A revision under way, with a file of its own, changes nothing the page says about the
	// version in force.
	f.revise(d.ID, "Type III, hard anodised.", "Harder finish")
	draft := f.attach(d.ID, "draft-only.pdf", "%PDF-1.4\ndraft\n")

	vw := qmstest.Must(f.svc.DocumentView(ctx, f.org.Viewer, d.ID))(t)
	if vw.Effective == nil || vw.Effective.ID != v1.ID || vw.Effective.Body != "Type II, sealed." {
		t.Fatalf("version in force: %+v", vw.Effective)
	}
	if len(vw.Versions) != 2 || vw.Versions[0].ID != draft.ID || vw.Versions[0].Body != "" {
		t.Fatalf("versions, newest first and without their text: %+v", vw.Versions)
	}
	if len(vw.Files) != 1 || vw.Files[0].Filename != "spec.pdf" {
		t.Fatalf("files of the version in force: %+v", vw.Files)
	}
	if vw.MyAcknowledgement == nil || !vw.MyAcknowledgement.Done() || vw.AckDone != 1 || vw.AckPending != 1 {
		t.Fatalf("acknowledgements: mine %+v, %d done, %d pending", vw.MyAcknowledgement, vw.AckDone, vw.AckPending)
	}
	if mine := qmstest.Must(f.svc.DocumentView(ctx, f.org.Auditor, d.ID))(t).MyAcknowledgement; mine == nil || mine.Done() {
		t.Fatalf("the auditor's acknowledgement, still to do: %+v", mine)
	}
	if mine := qmstest.Must(f.svc.DocumentView(ctx, f.org.QualityManager, d.ID))(t).MyAcknowledgement; mine != nil {
		t.Fatalf("asked someone not concerned: %+v", mine)
	}
}

func TestDocumentVersions_ReviewersDecideBeforeTheApproverSigns(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("Contract review", "Check the drawing revision.")
	v := f.submit(d.ID, f.org.Auditor.UserID)
	_, err := f.svc.ApproveVersion(ctx, f.org.QualityManager, d.ID, v.ID, v.Version, qms.ApproveInput{Password: qmstest.Password, Meaning: qms.ApprovalMeaning})
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("approving before the review: got %v, want conflict", err)
	}
	if _, err := f.svc.ReviewVersion(ctx, f.org.Viewer, d.ID, v.ID, qms.ReviewApproved, ""); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("a non-reviewer reviewed: %v", err)
	}
	if _, err := f.svc.ReviewVersion(ctx, f.org.Auditor, d.ID, v.ID, qms.ReviewChangesRequested, ""); qms.FieldErrors(err)["comment"] == "" {
		t.Fatalf("changes requested without a comment: %v", err)
	}
	back := qmstest.Must(f.svc.ReviewVersion(ctx, f.org.Auditor, d.ID, v.ID, qms.ReviewChangesRequested, "Name the drawing register."))(t)
	if back.State != qms.VersionDraft {
		t.Fatalf("after changes were requested the version is %s", back.State)
	}
	v = f.submit(d.ID, f.org.Auditor.UserID)
	qmstest.Must(f.svc.ReviewVersion(ctx, f.org.Auditor, d.ID, v.ID, qms.ReviewApproved, "Fine now."))(t)
	v = qmstest.Must(f.svc.DocumentVersionView(ctx, f.org.Viewer, d.ID, v.ID))(t).Version
	if got := f.approve(d.ID, v, nil); got.State != qms.VersionEffective {
		t.Fatalf("state %s", got.State)
	}
}

func TestDocumentVersions_ALaterEffectiveDateWaitsForTheScheduler(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	clock := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	f.svc.SetClock(func() time.Time { return clock })
	d := f.create("Packing", "Wrap in VCI paper.")
	f.issue(d.ID)
	f.revise(d.ID, "Wrap in VCI paper and add desiccant.", "Desiccant for export")
	later := time.Date(2026, 5, 11, 0, 0, 0, 0, time.UTC)
	v2 := f.approve(d.ID, f.submit(d.ID), &later)
	if v2.State != qms.VersionApproved {
		t.Fatalf("state %s, want approved and waiting", v2.State)
	}
	if n := qmstest.Must(f.svc.MakeDueVersionsEffective(ctx))(t); n != 0 {
		t.Fatalf("%d versions took effect early", n)
	}
	clock = time.Date(2026, 5, 11, 0, 5, 0, 0, time.UTC)
	// Two servers running the job at once put the version in force once.
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := f.svc.MakeDueVersionsEffective(ctx)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if counts[0]+counts[1] != 1 {
		t.Fatalf("%v versions took effect, want 1 in all", counts)
	}
	if n := qmstest.Must(f.svc.MakeDueVersionsEffective(ctx))(t); n != 0 {
		t.Fatalf("running again made %d more effective", n)
	}
	doc := qmstest.Must(f.svc.DocumentView(ctx, f.org.Viewer, d.ID))(t).Document
	if doc.EffectiveRevision == nil || *doc.EffectiveRevision != 2 {
		t.Fatalf("revision in force %v, want 2", doc.EffectiveRevision)
	}
	trail := qmstest.Must(f.svc.AuditTrail(ctx, f.org.Admin, qms.AuditFilter{EntityType: "document", EntityID: d.ID.String()}))(t)
	if trail.Entries[0].ActorName != qms.SchedulerName {
		t.Fatalf("the last entry is by %q", trail.Entries[0].ActorName)
	}
}

func TestDocuments_SearchFindsTheEffectiveTextOnly(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("Bar stock inspection", "Check the mill certificate against the purchase order.")
	f.issue(d.ID)
	f.revise(d.ID, "Verify the material certificate and the heat number.", "Heat number traceability")
	search := func(q string) int {
		return len(qmstest.Must(f.svc.Documents(ctx, f.org.Viewer, qms.DocumentFilter{Query: q}))(t).Documents)
	}
	if search(`"mill certificate"`) != 1 {
		t.Fatal("a phrase of the effective text was not found")
	}
	if search("heat number") != 0 {
		t.Fatal("the text of a draft was found")
	}
	f.issue(d.ID)
	if search(`"mill certificate"`) != 0 {
		t.Fatal("the text of a superseded version was found")
	}
	if search("heat number") != 1 || search("bar stock") != 1 || search("QP-001") != 1 {
		t.Fatal("the new effective text, the title or the number was not found")
	}
}

func TestDocuments_ListFiltersAndPagesByNumber(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	for i := range 5 {
		f.create("Procedure "+string(rune('A'+i)), "Text")
	}
	flagged := f.create("Flagged", "Text")
	f.issue(flagged.ID)
	qmstest.Must(f.svc.RaiseReviewFlag(ctx, f.org.Viewer, flagged.ID, "The torque values changed."))(t)
	page := qmstest.Must(f.svc.Documents(ctx, f.org.Viewer, qms.DocumentFilter{Limit: 4}))(t)
	if len(page.Documents) != 4 || page.NextAfter != "QP-004" {
		t.Fatalf("first page: %d, next after %q", len(page.Documents), page.NextAfter)
	}
	next := qmstest.Must(f.svc.Documents(ctx, f.org.Viewer, qms.DocumentFilter{Limit: 4, After: page.NextAfter}))(t)
	if len(next.Documents) != 2 || next.Documents[0].Number != "QP-005" || next.NextAfter != "" {
		t.Fatalf("second page: %+v", next)
	}
	// A search pages the same way, in number order, on the register page too.
	var found []string
	after := ""
	for pages := 0; pages < 5; pages++ {
		l := qmstest.Must(f.svc.DocumentList(ctx, f.org.Viewer, qms.DocumentFilter{Query: "procedure", Limit: 2, After: after}))(t)
		for _, d := range l.Page.Documents {
			found = append(found, d.Number+" "+d.Title)
		}
		if after = l.Page.NextAfter; after == "" {
			break
		}
		if len(l.Page.Documents) != 2 || after != l.Page.Documents[1].Number {
			t.Fatalf("search page after %q: %d documents, next after %q", after, len(l.Page.Documents), l.Page.NextAfter)
		}
	}
	if want := "[QP-001 Procedure A QP-002 Procedure B QP-003 Procedure C QP-004 Procedure D QP-005 Procedure E]"; fmt.Sprint(found) != want {
		t.Fatalf("search pages %v, want %s", found, want)
	}
	only := qmstest.Must(f.svc.Documents(ctx, f.org.Viewer, qms.DocumentFilter{Flagged: true}))(t).Documents
	if len(only) != 1 || only[0].ID != flagged.ID || only[0].OpenFlags != 1 {
		t.Fatalf("flagged: %+v", only)
	}
	if got := qmstest.Must(f.svc.Documents(ctx, f.org.Viewer, qms.DocumentFilter{Status: "effective"}))(t).Documents; len(got) != 1 {
		t.Fatalf("effective: %d", len(got))
	}
	if got := qmstest.Must(f.svc.Documents(ctx, f.org.Viewer, qms.DocumentFilter{Status: "draft"}))(t).Documents; len(got) != 5 {
		t.Fatalf("drafts: %d", len(got))
	}
	// Each state of a revision on its way selects its own.
	inReview := page.Documents[0]
	f.submit(inReview.ID)
	for status, want := range map[string]int{"draft": 4, "in_review": 1, "approved": 0} {
		got := qmstest.Must(f.svc.Documents(ctx, f.org.Viewer, qms.DocumentFilter{Status: status}))(t).Documents
		if len(got) != want || (status == "in_review" && got[0].ID != inReview.ID) {
			t.Errorf("%s: %d documents, want %d", status, len(got), want)
		}
	}
	var exported []string
	if err := f.svc.ExportDocuments(ctx, f.org.Viewer, qms.DocumentFilter{After: "QP-003", Limit: 1}, func(d qms.Document) error {
		exported = append(exported, d.Number)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(exported) != 6 {
		t.Fatalf("exported %v, want all six whatever the page", exported)
	}
}

func TestDocuments_ReviewDueListsOverdueAndSoonDue(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	clock := time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC)
	f.svc.SetClock(func() time.Time { return clock })
	d := f.create("Maintenance", "Grease weekly.")
	f.issue(d.ID)
	due := func() int {
		return len(qmstest.Must(f.svc.Documents(ctx, f.org.Viewer, qms.DocumentFilter{ReviewDue: true}))(t).Documents)
	}
	if due() != 0 {
		t.Fatal("due straight after issue")
	}
	clock = time.Date(2025, 12, 20, 9, 0, 0, 0, time.UTC)
	if due() != 1 {
		t.Fatal("not due three weeks before the date")
	}
	doc := qmstest.Must(f.svc.DocumentView(ctx, f.org.Viewer, d.ID))(t).Document
	if _, err := f.svc.ConfirmPeriodicReview(ctx, f.org.ProcessOwner, d.ID, doc.Version, "wrong", "Checked"); qms.FieldErrors(err)["password"] == "" {
		t.Fatalf("wrong password: %v", err)
	}
	after := qmstest.Must(f.svc.ConfirmPeriodicReview(ctx, f.org.ProcessOwner, d.ID, doc.Version, qmstest.Password, "Checked on the shop floor."))(t)
	if after.NextReviewOn.Format("2006-01-02") != "2026-12-20" || due() != 0 {
		t.Fatalf("next review %v", after.NextReviewOn)
	}
	vw := qmstest.Must(f.svc.DocumentView(ctx, f.org.Viewer, d.ID))(t)
	if len(vw.Reviews) != 1 || len(vw.ReviewSignatures) != 1 || vw.ReviewSignatures[0].Meaning != qms.PeriodicReviewMeaning {
		t.Fatalf("reviews %+v signatures %+v", vw.Reviews, vw.ReviewSignatures)
	}
	v := qmstest.Must(f.svc.StartRevisionFromReview(ctx, f.org.ProcessOwner, d.ID, "New grease spec."))(t)
	if v.Revision != 2 || v.State != qms.VersionDraft {
		t.Fatalf("revision from review %+v", v)
	}
}

func TestReviewFlags_RaisedByPeopleOrSourcesAndResolvedByARevision(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("Turning", "Set the tool offsets.")
	f.issue(d.ID)
	byViewer := qmstest.Must(f.svc.RaiseReviewFlag(ctx, f.org.Viewer, d.ID, "New lathe has a different turret."))(t)
	if byViewer.SourceType != "person" || byViewer.SourceLabel != f.org.Viewer.Name {
		t.Fatalf("flag %+v", byViewer)
	}
	riskID := uuid.New()
	src := qms.FlagSource{Type: "risk", ID: &riskID, Label: "Risk R-7", Path: "risks/" + riskID.String()}
	first, created, err := f.svc.RaiseReviewFlagForTest(ctx, f.org.QualityManager, d.ID, "Risk exposure rose to high.", src)
	if err != nil || !created {
		t.Fatalf("raising from a risk: %v", err)
	}
	again, created, err := f.svc.RaiseReviewFlagForTest(ctx, f.org.QualityManager, d.ID, "Risk exposure rose to critical.", src)
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("the same risk flagged twice: created=%v err=%v", created, err)
	}
	if _, err := f.svc.ResolveReviewFlag(ctx, f.org.Viewer, d.ID, byViewer.ID, byViewer.Version, "dismissed", "no"); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("a viewer resolved a flag: %v", err)
	}
	f.revise(d.ID, "Set the tool offsets for both turrets.", "New lathe")
	f.issue(d.ID)
	for _, fl := range qmstest.Must(f.svc.DocumentView(ctx, f.org.Viewer, d.ID))(t).Flags {
		if fl.Open() || *fl.Resolution != "revised" {
			t.Fatalf("flag after the revision took effect: %+v", fl)
		}
	}
}

func TestAcknowledgements_TheMatrixCountsWhoHasAndHasNotRead(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("Quality policy", "We make parts right first time.")
	qmstest.Must(f.svc.SetDocumentAudience(ctx, f.org.ProcessOwner, d.ID, d.Version, qms.Audience{
		Roles: []auth.Role{auth.RoleViewer, auth.RoleAuditor}, UserIDs: []uuid.UUID{f.org.Admin.UserID}}))(t)
	v := f.issue(d.ID)
	m := qmstest.Must(f.svc.AcknowledgementMatrix(ctx, f.org.QualityManager, d.ID))(t)
	if m.Done != 0 || m.Pending != 3 {
		t.Fatalf("before anyone read it: %d done, %d pending", m.Done, m.Pending)
	}
	home := qmstest.Must(f.svc.Home(ctx, f.org.Viewer, uuid.Nil))(t)
	if len(home.MyAcknowledgements) != 1 || home.MyAcknowledgements[0].VersionID != v.ID {
		t.Fatalf("the viewer's home: %+v", home.MyAcknowledgements)
	}
	qmstest.Must(f.svc.AcknowledgeVersion(ctx, f.org.Viewer, d.ID, v.ID))(t)
	qmstest.Must(f.svc.AcknowledgeVersion(ctx, f.org.Viewer, d.ID, v.ID))(t) // twice changes nothing
	if _, err := f.svc.AcknowledgeVersion(ctx, f.org.ProcessOwner, d.ID, v.ID); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("someone not concerned acknowledged: %v", err)
	}
	m = qmstest.Must(f.svc.AcknowledgementMatrix(ctx, f.org.QualityManager, d.ID))(t)
	if m.Done != 1 || m.Pending != 2 || m.Rows[len(m.Rows)-1].Name != f.org.Viewer.Name {
		t.Fatalf("after the viewer read it: %d done, %d pending, rows %+v", m.Done, m.Pending, m.Rows)
	}
	if n := len(qmstest.Must(f.svc.Home(ctx, f.org.Viewer, uuid.Nil))(t).MyAcknowledgements); n != 0 {
		t.Fatalf("the viewer still has %d to acknowledge", n)
	}
	// Adding the process owners' role asks them at once for the version in force.
	doc := qmstest.Must(f.svc.DocumentView(ctx, f.org.Viewer, d.ID))(t).Document
	n := qmstest.Must(f.svc.SetDocumentAudience(ctx, f.org.QualityManager, d.ID, doc.Version, qms.Audience{
		Roles: []auth.Role{auth.RoleViewer, auth.RoleAuditor}, UserIDs: []uuid.UUID{f.org.Admin.UserID}, ProcessIDs: []uuid.UUID{f.process.ID}}))(t)
	if n != 1 {
		t.Fatalf("%d newly asked, want the process owner", n)
	}
}

func TestDocuments_ObsoleteVersionsStayReadableButOutOfSearch(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("Old gauge procedure", "Use the vernier gauge.")
	v := f.issue(d.ID)
	doc := qmstest.Must(f.svc.DocumentView(ctx, f.org.Viewer, d.ID))(t).Document
	if _, err := f.svc.ObsoleteDocument(ctx, f.org.ProcessOwner, d.ID, doc.Version, "Replaced"); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("a process owner made a document obsolete: %v", err)
	}
	if _, err := f.svc.ObsoleteDocument(ctx, f.org.QualityManager, d.ID, doc.Version, ""); qms.FieldErrors(err)["reason"] == "" {
		t.Fatalf("no reason: %v", err)
	}
	qmstest.Must(f.svc.ObsoleteDocument(ctx, f.org.QualityManager, d.ID, doc.Version, "Gauges replaced by the CMM."))(t)
	old := qmstest.Must(f.svc.DocumentVersionView(ctx, f.org.Viewer, d.ID, v.ID))(t).Version
	if old.State != qms.VersionObsolete || old.Body != "Use the vernier gauge." {
		t.Fatalf("obsolete version %+v", old)
	}
	if n := len(qmstest.Must(f.svc.Documents(ctx, f.org.Viewer, qms.DocumentFilter{Query: "vernier", Status: "all"}))(t).Documents); n != 0 {
		t.Fatal("an obsolete document's text was found")
	}
	if _, err := f.svc.ReviseDocument(ctx, f.org.QualityManager, d.ID); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("revising an obsolete document: %v", err)
	}
}

func TestDocuments_EveryTransitionIsInTheAuditTrail(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := f.create("Dispatch", "Check the packing list.")
	v := f.submit(d.ID, f.org.Auditor.UserID)
	qmstest.Must(f.svc.ReviewVersion(ctx, f.org.Auditor, d.ID, v.ID, qms.ReviewChangesRequested, "Add labels."))(t)
	v = f.submit(d.ID, f.org.Auditor.UserID)
	qmstest.Must(f.svc.ReviewVersion(ctx, f.org.Auditor, d.ID, v.ID, qms.ReviewApproved, ""))(t)
	v = qmstest.Must(f.svc.DocumentVersionView(ctx, f.org.Viewer, d.ID, v.ID))(t).Version
	f.approve(d.ID, v, nil)
	draft := f.revise(d.ID, "Check the packing list and labels.", "Labels")
	qmstest.Must(f.svc.WithdrawVersion(ctx, f.org.ProcessOwner, d.ID, draft.ID, draft.Version))(t)
	doc := qmstest.Must(f.svc.DocumentView(ctx, f.org.Viewer, d.ID))(t).Document
	qmstest.Must(f.svc.ObsoleteDocument(ctx, f.org.QualityManager, d.ID, doc.Version, "Merged into QP-002."))(t)
	got := f.actions(d.ID)
	for _, want := range []string{"document.create", "document.submit", "document.changes_requested", "document.review_approve",
		"document.approve", "document.effective", "document.revise", "document.edit_draft", "document.withdraw", "document.obsolete"} {
		if !slices.Contains(got, want) {
			t.Errorf("no %s in the trail %v", want, got)
		}
	}
	sigs := qmstest.Must(f.svc.AuditTrail(ctx, f.org.Admin, qms.AuditFilter{EntityType: "document_version", EntityID: v.ID.String()}))(t)
	if len(sigs.Entries) != 1 || sigs.Entries[0].Action != "signature.sign" {
		t.Fatalf("signature trail %+v", sigs.Entries)
	}
}

func TestDocuments_AnotherOrganisationsDocumentIsNotFound(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	globex := qmstest.NewOrg(t, f.svc, "globex")
	d := f.create("Secret", "Text")
	if _, err := f.svc.DocumentView(ctx, globex.Admin, d.ID); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("reading: %v", err)
	}
	if _, err := f.svc.ReviseDocument(ctx, globex.Admin, d.ID); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("revising: %v", err)
	}
	if _, err := f.svc.RaiseReviewFlag(ctx, globex.Viewer, d.ID, "mine"); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("flagging: %v", err)
	}
	if types := qmstest.Must(f.svc.DocumentTypes(ctx, globex.Admin))(t); len(types) != 6 || types[2].Prefix != "QP" {
		t.Fatalf("a new organisation's types: %+v", types)
	}
}

// A document's clauses are listed in the standard's order, not as text: 4.4 before 9.1.2
// before 10.2.
func TestDocuments_ListClausesInTheStandardsOrder(t *testing.T) {
	f := newDocFixture(t)
	ctx := context.Background()
	d := qmstest.Must(f.svc.CreateDocument(ctx, f.org.ProcessOwner, qms.NewDocument{
		DocumentInput: qms.DocumentInput{Title: "Improvement", TypeID: f.types["procedure"].ID, ProcessID: f.process.ID,
			OwnerID: f.org.ProcessOwner.UserID, ReviewIntervalMonths: 12, Clauses: []string{"10.2", "9.1.2", "4.4"}},
		DraftInput: qms.DraftInput{Body: "Text", ChangeSummary: "First issue"},
	}))(t)
	l := qmstest.Must(f.svc.DocumentList(ctx, f.org.Viewer, qms.DocumentFilter{}))(t)
	if len(l.Page.Documents) != 1 || l.Page.Documents[0].ID != d.ID {
		t.Fatalf("listed %+v", l.Page.Documents)
	}
	if got := fmt.Sprint(l.Page.Documents[0].Clauses); got != "[4.4 9.1.2 10.2]" {
		t.Fatalf("clauses %s, want [4.4 9.1.2 10.2]", got)
	}
}
