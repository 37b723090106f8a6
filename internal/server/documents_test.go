package server

import (
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// foreignDocument gives globex an issued document with an open flag, for the route walk.
func foreignDocument(t *testing.T, h *harness, process qms.Process) (doc, version, flag, docType uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	g := h.globex
	types := qmstest.Must(h.svc.DocumentTypes(ctx, g.Admin))(t)
	d := qmstest.Must(h.svc.CreateDocument(ctx, g.QualityManager, qms.NewDocument{
		DocumentInput: qms.DocumentInput{Title: "Secret process manual", TypeID: types[0].ID, ProcessID: process.ID,
			OwnerID: g.QualityManager.UserID, ReviewIntervalMonths: 12},
		DraftInput: qms.DraftInput{Body: "Springfield only", ChangeSummary: "First issue"},
	}))(t)
	vw := qmstest.Must(h.svc.DocumentView(ctx, g.Admin, d.ID))(t)
	v := qmstest.Must(h.svc.DocumentVersionView(ctx, g.Admin, d.ID, *vw.Document.OpenVersionID))(t).Version
	v = qmstest.Must(h.svc.SubmitForReview(ctx, g.QualityManager, d.ID, v.ID, v.Version, qms.SubmitInput{ApproverID: g.Admin.UserID}))(t)
	qmstest.Must(h.svc.ApproveVersion(ctx, g.Admin, d.ID, v.ID, v.Version, qms.ApproveInput{Password: qmstest.Password, Meaning: qms.ApprovalMeaning}))(t)
	f := qmstest.Must(h.svc.RaiseReviewFlag(ctx, g.Viewer, d.ID, "Springfield changed"))(t)
	return d.ID, v.ID, f.ID, types[0].ID
}

// docSetup is acme with a production process owned by its process owner.
func docSetup(t *testing.T, h *harness) (process qms.Process, procedureType qms.DocumentType) {
	t.Helper()
	ctx := context.Background()
	process = qmstest.Must(h.svc.CreateProcess(ctx, h.acme.Admin, qms.ProcessInput{Name: "Production", OwnerID: h.acme.ProcessOwner.UserID}))(t)
	for _, ty := range qmstest.Must(h.svc.DocumentTypes(ctx, h.acme.Admin))(t) {
		if ty.Kind == "procedure" {
			procedureType = ty
		}
	}
	return process, procedureType
}

func newDocumentForm(process qms.Process, ty qms.DocumentType, owner qms.Actor, title, body string) url.Values {
	return url.Values{
		"title": {title}, "type_id": {ty.ID.String()}, "process_id": {process.ID.String()},
		"owner_user_id": {owner.UserID.String()}, "review_interval_months": {"24"}, "clauses": {"8.7", "10.2"},
		"body": {body}, "change_summary": {"First issue"},
	}
}

// createdDocument follows the redirect after creating a document to its id.
func createdDocument(t *testing.T, res *response) string {
	t.Helper()
	res.wantStatus(http.StatusSeeOther)
	return strings.TrimPrefix(res.location, "/o/acme/documents/")
}

func TestDocumentPages_DraftSubmitSignAndAcknowledge(t *testing.T) {
	h := newHarness(t, Config{})
	process, ty := docSetup(t, h)
	owner := h.signedIn(h.acme, auth.RoleProcessOwner)
	docID := createdDocument(t, owner.postFiles("/o/acme/documents",
		newDocumentForm(process, ty, h.acme.ProcessOwner, "Control of nonconforming output", "# Identify\n\nAttach a red HOLD label."),
		map[string][2]string{"files": {"ncr-form.pdf", "%PDF-1.4\nNCR form\n"}}))
	page := owner.get("/o/acme/documents/" + docID).wantStatus(http.StatusOK)
	if got := page.text("h1"); !strings.Contains(got, "QP-001") || !strings.Contains(got, "Control of nonconforming output") {
		t.Fatalf("heading %q", got)
	}
	versionPath := page.attr("#versions tbody a", "href")
	draft := owner.get(versionPath).wantStatus(http.StatusOK)
	if !strings.Contains(draft.text(".banner"), "do not use") {
		t.Fatalf("a draft has no warning banner: %q", draft.text(".banner"))
	}
	// The owner names the quality manager as approver.
	owner.post(versionPath+"/submit", url.Values{"version": {draft.attr("form[action$='/submit'] input[name=version]", "value")},
		"approver_id": {h.acme.QualityManager.UserID.String()}}).wantRedirect(versionPath)

	qm := h.signedIn(h.acme, auth.RoleQualityManager)
	review := qm.get(versionPath).wantStatus(http.StatusOK)
	version := review.attr("form[action$='/approve'] input[name=version]", "value")
	wrong := qm.post(versionPath+"/approve", url.Values{"version": {version}, "meaning": {"approved"}, "password": {"not it"}}).
		wantStatus(http.StatusUnprocessableEntity)
	if wrong.text("#password-error") == "" {
		t.Fatal("a wrong password has no message next to the password field")
	}
	if n := wrong.count(".signatures li"); n != 0 {
		t.Fatalf("%d signatures after a wrong password", n)
	}
	qm.post(versionPath+"/approve", url.Values{"version": {version}, "meaning": {"approved"}, "password": {qmstest.Password}}).
		wantRedirect(versionPath)
	signed := qm.get(versionPath).wantStatus(http.StatusOK)
	if got := signed.text(".signatures li"); !strings.Contains(got, h.acme.QualityManager.Name) || !strings.Contains(got, "approved") {
		t.Fatalf("signatures %q", got)
	}
	if signed.count(".banner") != 0 {
		t.Fatal("the effective version carries a warning banner")
	}
	if signed.text(".files") == "" {
		t.Fatal("the attached file is not listed")
	}
	// The file downloads as an attachment that cannot run as a page.
	dl := h.signedIn(h.acme, auth.RoleViewer).get(signed.attr(".files a", "href")).wantStatus(http.StatusOK)
	if !strings.HasPrefix(dl.header.Get("Content-Disposition"), "attachment") || dl.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("download headers %v", dl.header)
	}

	// Whom it concerns: viewers. The viewer then finds it on their home and acknowledges it.
	docPage := owner.get("/o/acme/documents/" + docID + "/acknowledgements").wantStatus(http.StatusOK)
	owner.post("/o/acme/documents/"+docID+"/audience", url.Values{"version": {docPage.attr("form[action$='/audience'] input[name=version]", "value")},
		"roles": {"viewer"}}).wantRedirect("/o/acme/documents/" + docID + "/acknowledgements")
	viewer := h.signedIn(h.acme, auth.RoleViewer)
	home := viewer.get("/o/acme/").wantStatus(http.StatusOK)
	if !strings.Contains(home.text("#my-acknowledgements"), "QP-001") {
		t.Fatalf("the viewer's home does not ask them to read QP-001: %q", home.text("#my-acknowledgements"))
	}
	viewer.post(versionPath+"/acknowledge", nil).wantRedirect("/o/acme/documents/" + docID)
	matrix := qm.get("/o/acme/documents/" + docID + "/acknowledgements").wantStatus(http.StatusOK)
	if matrix.text("#ack-done") != "1" || matrix.text("#ack-pending") != "0" {
		t.Fatalf("matrix: %s done, %s pending", matrix.text("#ack-done"), matrix.text("#ack-pending"))
	}
}

func TestDocumentPages_ADraftConflictShowsBothTextsAndKeepsMine(t *testing.T) {
	h := newHarness(t, Config{})
	process, ty := docSetup(t, h)
	owner := h.signedIn(h.acme, auth.RoleProcessOwner)
	docID := createdDocument(t, owner.postFiles("/o/acme/documents",
		newDocumentForm(process, ty, h.acme.ProcessOwner, "Deburring", "Use the brush."), nil))
	versionPath := owner.get("/o/acme/documents/"+docID).attr("#versions tbody a", "href")
	editor := owner.get(versionPath + "/edit").wantStatus(http.StatusOK)
	loaded := editor.attr("input[name=version]", "value")
	qm := h.signedIn(h.acme, auth.RoleQualityManager)
	qm.postFiles(versionPath+"/edit", url.Values{"version": {loaded}, "body": {"Use the nylon brush, theirs."}, "change_summary": {"First issue"}}, nil).
		wantRedirect(versionPath)
	res := owner.postFiles(versionPath+"/edit", url.Values{"version": {loaded}, "body": {"Use the wire brush, mine."}, "change_summary": {"First issue"}}, nil).
		wantStatus(http.StatusConflict)
	if got := res.text("textarea[name=body]"); got != "Use the wire brush, mine." {
		t.Fatalf("my text in the form: %q", got)
	}
	if got := res.text("pre.theirs"); got != "Use the nylon brush, theirs." {
		t.Fatalf("their text: %q", got)
	}
	if res.count(".diff ins") != 1 || res.count(".diff del") != 1 {
		t.Fatal("the differences are not shown")
	}
	// Saving again now applies mine over theirs.
	owner.postFiles(versionPath+"/edit", url.Values{"version": {res.attr("input[name=version]", "value")}, "body": {"Use the wire brush, mine."},
		"change_summary": {"First issue"}}, nil).wantRedirect(versionPath)
}

func TestDocumentPages_RefusedUploadsKeepTheFormAndSayWhy(t *testing.T) {
	h := newHarness(t, Config{})
	process, ty := docSetup(t, h)
	owner := h.signedIn(h.acme, auth.RoleProcessOwner)
	form := newDocumentForm(process, ty, h.acme.ProcessOwner, "Packing", "Wrap in VCI paper.")
	res := owner.postFiles("/o/acme/documents", form, map[string][2]string{"files": {"page.html", "<!DOCTYPE html><html><script>x</script></html>"}}).
		wantStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.text("#files-error"), "page.html") || res.attr("#title", "value") != "Packing" {
		t.Fatalf("file error %q, title %q", res.text("#files-error"), res.attr("#title", "value"))
	}
	// A server with a 1 KiB limit answers 413 with the limit in the message.
	small := New(Config{}, qmstest.WithUploadLimit(t, h.db, 1024), slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(small.Close)
	ts := httptest.NewServer(small.Handler())
	t.Cleanup(ts.Close)
	h.http = ts
	c := h.signedIn(h.acme, auth.RoleProcessOwner)
	res = c.postFiles("/o/acme/documents", form, map[string][2]string{"files": {"big.pdf", "%PDF-1.4\n" + strings.Repeat("x", 4096)}}).
		wantStatus(http.StatusRequestEntityTooLarge)
	if !strings.Contains(res.text("#files-error"), "1 KiB") {
		t.Fatalf("too large: %q", res.text("#files-error"))
	}
}

func TestDocumentPages_ScriptsInMarkdownAreStripped(t *testing.T) {
	h := newHarness(t, Config{})
	process, ty := docSetup(t, h)
	owner := h.signedIn(h.acme, auth.RoleProcessOwner)
	docID := createdDocument(t, owner.postFiles("/o/acme/documents", newDocumentForm(process, ty, h.acme.ProcessOwner, "Sneaky",
		"# Title\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n[link](javascript:alert(2))\n"), nil))
	versionPath := owner.get("/o/acme/documents/"+docID).attr("#versions tbody a", "href")
	res := owner.get(versionPath).wantStatus(http.StatusOK)
	res.doc.Find(".doc-text script, .doc-text [onerror], .doc-text a[href^='javascript']").Each(func(_ int, s *goquery.Selection) {
		t.Errorf("dangerous markup survived: %s", goquery.NodeName(s))
	})
	if res.text(".doc-text h1") != "Title" {
		t.Fatal("the Markdown was not rendered")
	}
}

func TestDocumentPages_SupersededVersionsSayNotCurrent(t *testing.T) {
	h := newHarness(t, Config{})
	process, ty := docSetup(t, h)
	ctx := context.Background()
	a := h.acme
	d := qmstest.Must(h.svc.CreateDocument(ctx, a.ProcessOwner, qms.NewDocument{
		DocumentInput: qms.DocumentInput{Title: "Calibration", TypeID: ty.ID, ProcessID: process.ID, OwnerID: a.ProcessOwner.UserID, ReviewIntervalMonths: 12},
		DraftInput:    qms.DraftInput{Body: "Yearly.", ChangeSummary: "First issue"}}))(t)
	issue := func() qms.DocumentVersion {
		vw := qmstest.Must(h.svc.DocumentView(ctx, a.Viewer, d.ID))(t)
		v := qmstest.Must(h.svc.DocumentVersionView(ctx, a.Viewer, d.ID, *vw.Document.OpenVersionID))(t).Version
		v = qmstest.Must(h.svc.SubmitForReview(ctx, a.ProcessOwner, d.ID, v.ID, v.Version, qms.SubmitInput{ApproverID: a.QualityManager.UserID}))(t)
		return qmstest.Must(h.svc.ApproveVersion(ctx, a.QualityManager, d.ID, v.ID, v.Version, qms.ApproveInput{Password: qmstest.Password, Meaning: qms.ApprovalMeaning}))(t)
	}
	v1 := issue()
	draft := qmstest.Must(h.svc.ReviseDocument(ctx, a.ProcessOwner, d.ID))(t)
	qmstest.Must(h.svc.EditDraft(ctx, a.ProcessOwner, d.ID, draft.ID, draft.Version, qms.DraftInput{Body: "Six-monthly.", ChangeSummary: "Shorter"}))(t)
	issue()
	c := h.signedIn(a, auth.RoleViewer)
	res := c.get("/o/acme/documents/" + d.ID.String() + "/versions/" + v1.ID.String()).wantStatus(http.StatusOK)
	if got := res.text(".banner-stop"); !strings.Contains(got, "Not current — do not use") {
		t.Fatalf("banner %q", got)
	}
	cmp := c.get("/o/acme/documents/" + d.ID.String() + "/compare").wantStatus(http.StatusOK)
	if cmp.text(".diff ins") != "+Six-monthly." || cmp.text(".diff del") != "−Yearly." {
		t.Fatalf("comparison: ins %q del %q", cmp.text(".diff ins"), cmp.text(".diff del"))
	}
}

func TestDocumentPages_RegisterFiltersPagesAndExportsCSV(t *testing.T) {
	h := newHarness(t, Config{})
	process, ty := docSetup(t, h)
	owner := h.signedIn(h.acme, auth.RoleProcessOwner)
	for _, title := range []string{"Turning", "Milling", "=HYPERLINK(\"evil\")"} {
		createdDocument(t, owner.postFiles("/o/acme/documents", newDocumentForm(process, ty, h.acme.ProcessOwner, title, "Text"), nil))
	}
	c := h.signedIn(h.acme, auth.RoleViewer)
	list := c.get("/o/acme/documents?q=Milling").wantStatus(http.StatusOK)
	if list.count("#documents tbody tr") != 1 {
		t.Fatalf("search found %d rows", list.count("#documents tbody tr"))
	}
	res := c.get("/o/acme/documents/export.csv").wantStatus(http.StatusOK)
	if !strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("headers %v", res.header)
	}
	rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "Number" || rows[1][0] != "QP-001" {
		t.Fatalf("csv %v", rows)
	}
	if rows[3][1] != `'=HYPERLINK("evil")` {
		t.Fatalf("a formula went out unescaped: %q", rows[3][1])
	}
}

func TestDocumentPages_HaveNoInlineScriptOrStyle(t *testing.T) {
	h := newHarness(t, Config{})
	process, ty := docSetup(t, h)
	owner := h.signedIn(h.acme, auth.RoleProcessOwner)
	docID := createdDocument(t, owner.postFiles("/o/acme/documents", newDocumentForm(process, ty, h.acme.ProcessOwner, "Turning", "# Turning"), nil))
	versionPath := owner.get("/o/acme/documents/"+docID).attr("#versions tbody a", "href")
	admin := h.signedIn(h.acme, auth.RoleAdmin)
	for _, p := range []string{"/o/acme/documents", "/o/acme/documents/new", "/o/acme/documents/" + docID, versionPath, versionPath + "/edit",
		"/o/acme/documents/" + docID + "/acknowledgements", "/o/acme/documents/" + docID + "/edit", "/o/acme/settings/document-types"} {
		res := admin.get(p).wantStatus(http.StatusOK)
		if n := res.count("[style], style"); n > 0 {
			t.Errorf("%s has %d inline styles", p, n)
		}
		res.doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if src, _ := s.Attr("src"); src == "" {
				t.Errorf("%s has an inline script", p)
			}
		})
	}
}

func TestDocumentTypesPage_AdminsChangeAPrefix(t *testing.T) {
	h := newHarness(t, Config{})
	_, ty := docSetup(t, h)
	h.signedIn(h.acme, auth.RoleQualityManager).get("/o/acme/settings/document-types").wantStatus(http.StatusForbidden)
	c := h.signedIn(h.acme, auth.RoleAdmin)
	path := "/o/acme/settings/document-types/" + ty.ID.String()
	res := c.post(path, url.Values{"version": {"1"}, "name": {"Procedure"}, "prefix": {"WI"}}).wantStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.text("#prefix-"+ty.ID.String()+"-error"), "already uses") {
		t.Fatalf("prefix error %q", res.text("#prefix-"+ty.ID.String()+"-error"))
	}
	c.post(path, url.Values{"version": {"1"}, "name": {"Procedure"}, "prefix": {"SOP"}, "next_number": {"1"}}).wantRedirect("/o/acme/settings/document-types")
	if !strings.Contains(c.get("/o/acme/settings/document-types").text("#document-types"), "SOP-001") {
		t.Fatal("the new prefix is not shown")
	}
}

// A process's and a clause's pages list the first documents by number and the latest audits,
// say that there are more, and leave the rest to the register and the programme.
func TestHubsHTTP_ListTheFirstDocumentsAndSayThereAreMore(t *testing.T) {
	h := newHarness(t, Config{})
	process, ty := docSetup(t, h)
	ctx := context.Background()
	a := h.acme
	for i := range hubRows + 1 {
		qmstest.Must(h.svc.CreateDocument(ctx, a.ProcessOwner, qms.NewDocument{
			DocumentInput: qms.DocumentInput{Title: "Work instruction " + itoa(i+1), TypeID: ty.ID, ProcessID: process.ID,
				OwnerID: a.ProcessOwner.UserID, ReviewIntervalMonths: 12, Clauses: []string{"8.5.1"}},
			DraftInput: qms.DraftInput{Body: "Steps.", ChangeSummary: "First issue"}}))(t)
		qmstest.Must(h.svc.CreateAudit(ctx, a.QualityManager, qms.AuditInput{
			Type: qms.AuditInternal, Title: "Work instructions " + itoa(i+1), LeadAuditorID: a.Auditor.UserID,
			ProcessIDs: []uuid.UUID{process.ID}, Clauses: []string{"8.5.1"}, PlannedStart: time.Date(2026, 1, 5+i, 0, 0, 0, 0, time.UTC),
		}))(t)
	}
	c := h.signedIn(a, auth.RoleViewer)
	for _, path := range []string{"/o/acme/processes/" + process.ID.String(), "/o/acme/clauses/8.5"} {
		hub := c.get(path).wantStatus(http.StatusOK)
		if n := hub.count("#documents-section tbody tr"); n != hubRows {
			t.Errorf("%s lists %d documents, want %d", path, n, hubRows)
		}
		if !strings.Contains(hub.text("#documents-section"), "The first 20 by number") {
			t.Errorf("%s does not say there are more: %q", path, hub.text("#documents-section"))
		}
		if n := hub.count("#audits-section tbody tr"); n != hubRows || !strings.Contains(hub.text("#audits-section"), "The latest 20.") ||
			!strings.Contains(hub.text("#audits-section tbody tr:first-child"), "Work instructions 21") {
			t.Errorf("%s lists %d audits, the latest first (%q); want the latest %d, saying so", path, n,
				hub.text("#audits-section tbody tr:first-child"), hubRows)
		}
	}
}
