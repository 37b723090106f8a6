package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/textdiff"
	"github.com/plumbline/plumbline/templates"
)

// versionParams reads the document and version ids of a version's route.
func versionParams(r *http.Request) (docID, versionID uuid.UUID, ok bool) {
	docID, ok1 := idParam(r, "documentID")
	versionID, ok2 := idParam(r, "versionID")
	return docID, versionID, ok1 && ok2
}

func (s *Server) showVersion(w http.ResponseWriter, r *http.Request) {
	docID, versionID, ok := versionParams(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderVersion(w, r, docID, versionID, http.StatusOK, templates.VersionPage{})
}

func (s *Server) renderVersion(w http.ResponseWriter, r *http.Request, docID, versionID uuid.UUID, status int, p templates.VersionPage) {
	vw, err := s.svc.DocumentVersionView(r.Context(), actorFrom(r.Context()), docID, versionID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Chrome, p.View = s.chrome(r, vw.Document.Number+" rev. "+strconv.Itoa(vw.Version.Revision), "documents"), vw
	p.Approvers = []templates.Option{{Value: "", Label: "Choose the approver"}}
	for _, m := range vw.Members {
		if vw.Version.Contributed(m.UserID) {
			continue
		}
		opt := templates.Option{Value: m.UserID.String(), Label: m.Name + " (" + m.Role.Label() + ")"}
		p.Reviewers = append(p.Reviewers, opt)
		if m.Role.Can(auth.PermApproveDocuments) {
			p.Approvers = append(p.Approvers, opt)
		}
	}
	s.render(w, r, status, templates.VersionView(p))
}

// versionRefused shows the version page again after a refused action, with the message.
func (s *Server) versionRefused(w http.ResponseWriter, r *http.Request, docID, versionID uuid.UUID, err error, p templates.VersionPage) {
	status, shown := editRefusal(err)
	if !shown {
		s.fail(w, r, err)
		return
	}
	p.Alert = qms.ErrorMessage(err)
	s.renderVersion(w, r, docID, versionID, status, p)
}

func (s *Server) showEditDraft(w http.ResponseWriter, r *http.Request) {
	docID, versionID, ok := versionParams(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorFrom(r.Context())
	vw, err := s.svc.DocumentVersionView(r.Context(), a, docID, versionID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if vw.Version.State != qms.VersionDraft {
		s.redirect(w, r, templates.Path(a.OrgSlug, "documents", docID.String(), "versions", versionID.String()),
			"Only drafts can be edited; this revision is "+lowerState(vw.Version.State)+".")
		return
	}
	if !vw.CanDraft {
		s.fail(w, r, a.Require(auth.PermManageDocuments))
		return
	}
	s.render(w, r, http.StatusOK, templates.DraftEditView(templates.DraftPage{
		Chrome: s.chrome(r, "Edit "+vw.Document.Number, "documents"), View: vw,
		Form: templates.DraftForm{Body: vw.Version.Body, ChangeSummary: vw.Version.ChangeSummary, Version: vw.Version.Version},
	}))
}

func lowerState(state string) string { return strings.ToLower(qms.StateLabel(state)) }

// editDraft saves a draft. On a conflict the page shows their text, the differences from
// theirs to the user's, and keeps the user's text in the form, so nothing typed is lost.
func (s *Server) editDraft(w http.ResponseWriter, r *http.Request) {
	docID, versionID, ok := versionParams(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorFrom(r.Context())
	form, err := s.readUploadForm(w, r, a)
	v := form.Values
	f := templates.DraftForm{Body: v.Get("body"), ChangeSummary: v.Get("change_summary"), Remove: v["remove_file"]}
	f.Version, _ = strconv.Atoi(v.Get("version"))
	if err == nil {
		var remove []uuid.UUID
		for _, x := range f.Remove {
			if id, perr := uuid.Parse(x); perr == nil {
				remove = append(remove, id)
			}
		}
		var saved qms.DocumentVersion
		saved, err = s.svc.EditDraft(r.Context(), a, docID, versionID, f.Version, qms.DraftInput{
			Body: f.Body, ChangeSummary: f.ChangeSummary, RemoveFileIDs: remove, Uploads: form.Uploads["files"]})
		if err == nil {
			s.redirect(w, r, templates.Path(a.OrgSlug, "documents", docID.String(), "versions", versionID.String()),
				"The draft of revision "+strconv.Itoa(saved.Revision)+" was saved.")
			return
		}
	}
	status, shown := uploadRefusal(err)
	if qms.ErrorKind(err) == qms.KindConflict {
		status, shown = http.StatusConflict, true
	}
	if !shown {
		s.fail(w, r, err)
		return
	}
	vw, lerr := s.svc.DocumentVersionView(r.Context(), a, docID, versionID)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	if vw.Version.State != qms.VersionDraft {
		// Someone submitted or withdrew it meanwhile: it cannot take the edit any more.
		s.versionRefused(w, r, docID, versionID, err, templates.VersionPage{})
		return
	}
	f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
	if len(form.Uploads["files"]) > 0 {
		f.Errors = withFileNote(f.Errors)
	}
	p := templates.DraftPage{Chrome: s.chrome(r, "Edit "+vw.Document.Number, "documents"), View: vw, Form: f}
	if status == http.StatusConflict {
		theirs := vw.Version
		p.Theirs = &theirs
		p.Diff = textdiff.Lines(theirs.Body, normaliseNewlines(f.Body))
		// Saving again now means "mine over theirs", so the form carries their version.
		p.Form.Version = theirs.Version
	}
	s.render(w, r, status, templates.DraftEditView(p))
}

func normaliseNewlines(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

func (s *Server) submitVersion(w http.ResponseWriter, r *http.Request) {
	docID, versionID, ok := versionParams(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	form := templates.SubmitForm{ReviewerIDs: r.PostForm["reviewer_ids"], ApproverID: r.PostFormValue("approver_id")}
	in := qms.SubmitInput{}
	in.ApproverID, _ = uuid.Parse(form.ApproverID) // unreadable: "not chosen"
	for _, x := range form.ReviewerIDs {
		if id, err := uuid.Parse(x); err == nil {
			in.ReviewerIDs = append(in.ReviewerIDs, id)
		}
	}
	v, err := s.svc.SubmitForReview(r.Context(), a, docID, versionID, formVersion(r), in)
	if err != nil {
		form.Errors = qms.FieldErrors(err)
		s.versionRefused(w, r, docID, versionID, err, templates.VersionPage{Submit: form})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "documents", docID.String(), "versions", versionID.String()),
		"Revision "+strconv.Itoa(v.Revision)+" was submitted for review.")
}

func (s *Server) reviewVersion(w http.ResponseWriter, r *http.Request) {
	docID, versionID, ok := versionParams(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	form := templates.ReviewForm{Decision: r.PostFormValue("decision"), Comment: r.PostFormValue("comment")}
	v, err := s.svc.ReviewVersion(r.Context(), a, docID, versionID, form.Decision, form.Comment)
	if err != nil {
		form.Errors = qms.FieldErrors(err)
		s.versionRefused(w, r, docID, versionID, err, templates.VersionPage{Review: form})
		return
	}
	msg := "Your approval of revision " + strconv.Itoa(v.Revision) + " was recorded."
	if form.Decision == qms.ReviewChangesRequested {
		msg = "Changes were requested; revision " + strconv.Itoa(v.Revision) + " is back with its author as a draft."
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "documents", docID.String(), "versions", versionID.String()), msg)
}

func (s *Server) approveVersion(w http.ResponseWriter, r *http.Request) {
	docID, versionID, ok := versionParams(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	form := templates.ApproveForm{EffectiveOn: r.PostFormValue("effective_on"), Comment: r.PostFormValue("sign_comment")}
	in := qms.ApproveInput{Password: r.PostFormValue("password"), Meaning: r.PostFormValue("meaning"), Comment: form.Comment}
	var err error
	if form.EffectiveOn != "" {
		day, perr := time.Parse("2006-01-02", form.EffectiveOn)
		if perr != nil {
			err = &qms.Error{Kind: qms.KindInvalid, Message: "Please correct the highlighted fields.",
				Fields: map[string]string{"effective_on": "Enter a date, or leave it empty to take effect on approval."}}
		}
		in.EffectiveOn = &day
	}
	var v qms.DocumentVersion
	if err == nil {
		v, err = s.svc.ApproveVersion(r.Context(), a, docID, versionID, formVersion(r), in)
	}
	if err != nil {
		form.Errors = qms.FieldErrors(err)
		s.versionRefused(w, r, docID, versionID, err, templates.VersionPage{Approve: form})
		return
	}
	msg := "You signed revision " + strconv.Itoa(v.Revision) + ". It is now in force."
	if v.State == qms.VersionApproved && v.EffectiveOn != nil {
		msg = "You signed revision " + strconv.Itoa(v.Revision) + ". It takes effect on " + templates.Date(*v.EffectiveOn) + "."
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "documents", docID.String(), "versions", versionID.String()), msg)
}

func (s *Server) withdrawVersion(w http.ResponseWriter, r *http.Request) {
	docID, versionID, ok := versionParams(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	v, err := s.svc.WithdrawVersion(r.Context(), a, docID, versionID, formVersion(r))
	if err != nil {
		s.versionRefused(w, r, docID, versionID, err, templates.VersionPage{})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "documents", docID.String()), "Revision "+strconv.Itoa(v.Revision)+" was withdrawn.")
}

func (s *Server) acknowledgeVersion(w http.ResponseWriter, r *http.Request) {
	docID, versionID, ok := versionParams(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorFrom(r.Context())
	if _, err := s.svc.AcknowledgeVersion(r.Context(), a, docID, versionID); err != nil {
		s.versionRefused(w, r, docID, versionID, err, templates.VersionPage{})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "documents", docID.String()), "Thank you: your acknowledgement was recorded.")
}

func (s *Server) compareVersions(w http.ResponseWriter, r *http.Request) {
	docID, ok := idParam(r, "documentID")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorFrom(r.Context())
	vw, err := s.svc.DocumentView(r.Context(), a, docID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	versions := vw.Versions // newest first
	if len(versions) < 2 {
		s.redirect(w, r, templates.Path(a.OrgSlug, "documents", docID.String()), "There is only one revision: nothing to compare yet.")
		return
	}
	pick := func(param string, fallback uuid.UUID) uuid.UUID {
		if id, err := uuid.Parse(r.URL.Query().Get(param)); err == nil {
			return id
		}
		return fallback
	}
	to := pick("to", versions[0].ID)
	// By default compare with the revision before "to".
	from := versions[1].ID
	for i, v := range versions {
		if v.ID == to && i+1 < len(versions) {
			from = versions[i+1].ID
		}
	}
	from = pick("from", from)
	doc, fromV, toV, err := s.svc.CompareVersions(r.Context(), a, docID, from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := templates.ComparePage{Chrome: s.chrome(r, "Compare "+doc.Number, "documents"), Document: doc, From: fromV, To: toV}
	for _, v := range versions {
		p.Versions = append(p.Versions, templates.Option{Value: v.ID.String(), Label: "Rev. " + strconv.Itoa(v.Revision) + " (" + qms.StateLabel(v.State) + ")"})
	}
	p.Lines = textdiff.Lines(fromV.Body, toV.Body)
	p.Added, p.Removed = textdiff.Counts(p.Lines)
	s.render(w, r, http.StatusOK, templates.CompareView(p))
}

func (s *Server) showAcknowledgements(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentID")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderAcknowledgements(w, r, id, http.StatusOK, templates.AcknowledgementsPage{})
}

func (s *Server) renderAcknowledgements(w http.ResponseWriter, r *http.Request, id uuid.UUID, status int, p templates.AcknowledgementsPage) {
	m, err := s.svc.AcknowledgementMatrix(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Chrome, p.Matrix = s.chrome(r, "Read and understood: "+m.Document.Number, "documents"), m
	s.render(w, r, status, templates.AcknowledgementsView(p))
}

func (s *Server) setAudience(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	var au qms.Audience
	for _, x := range r.PostForm["roles"] {
		au.Roles = append(au.Roles, auth.Role(x))
	}
	parseIDs := func(xs []string) []uuid.UUID {
		var out []uuid.UUID
		for _, x := range xs {
			if id, err := uuid.Parse(x); err == nil {
				out = append(out, id)
			}
		}
		return out
	}
	au.ProcessIDs, au.UserIDs = parseIDs(r.PostForm["process_ids"]), parseIDs(r.PostForm["user_ids"])
	n, err := s.svc.SetDocumentAudience(r.Context(), a, id, formVersion(r), au)
	if err != nil {
		status, shown := editRefusal(err)
		if !shown {
			s.fail(w, r, err)
			return
		}
		s.renderAcknowledgements(w, r, id, status, templates.AcknowledgementsPage{Alert: qms.ErrorMessage(err), Errors: qms.FieldErrors(err)})
		return
	}
	msg := "Saved whom the document concerns."
	if n > 0 {
		msg += " " + strconv.Itoa(n) + " more people were asked to acknowledge the current version."
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "documents", id.String(), "acknowledgements"), msg)
}

func (s *Server) showPeriodicReview(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentID")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderPeriodicReview(w, r, id, http.StatusOK, templates.PeriodicReviewPage{})
}

func (s *Server) renderPeriodicReview(w http.ResponseWriter, r *http.Request, id uuid.UUID, status int, p templates.PeriodicReviewPage) {
	a := actorFrom(r.Context())
	vw, err := s.svc.DocumentView(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !vw.CanDraft {
		s.fail(w, r, a.Require(auth.PermManageDocuments))
		return
	}
	p.Chrome, p.View = s.chrome(r, "Periodic review: "+vw.Document.Number, "documents"), vw
	s.render(w, r, status, templates.PeriodicReviewView(p))
}

func (s *Server) confirmPeriodicReview(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	comment := r.PostFormValue("comment")
	d, err := s.svc.ConfirmPeriodicReview(r.Context(), a, id, formVersion(r), r.PostFormValue("password"), comment)
	if err != nil {
		status, shown := editRefusal(err)
		if !shown {
			s.fail(w, r, err)
			return
		}
		s.renderPeriodicReview(w, r, id, status, templates.PeriodicReviewPage{Comment: comment, Alert: qms.ErrorMessage(err), Errors: qms.FieldErrors(err)})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "documents", id.String()),
		"Periodic review signed: "+d.Number+" is confirmed unchanged. Next review "+templates.Date(*d.NextReviewOn)+".")
}

func (s *Server) reviseFromReview(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	comment := r.PostFormValue("revision_comment")
	v, err := s.svc.StartRevisionFromReview(r.Context(), a, id, comment)
	if err != nil {
		status, shown := editRefusal(err)
		if !shown {
			s.fail(w, r, err)
			return
		}
		errs := templates.FieldErrors{}
		for k, m := range qms.FieldErrors(err) {
			if k == "comment" {
				k = "revision_comment"
			}
			errs[k] = m
		}
		s.renderPeriodicReview(w, r, id, status, templates.PeriodicReviewPage{Revision: comment, Alert: qms.ErrorMessage(err), Errors: errs})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "documents", id.String(), "versions", v.ID.String(), "edit"),
		"Periodic review recorded. Revision "+strconv.Itoa(v.Revision)+" was started.")
}

func (s *Server) showDocumentTypes(w http.ResponseWriter, r *http.Request) {
	s.renderDocumentTypes(w, r, http.StatusOK, templates.DocumentTypesPage{})
}

func (s *Server) renderDocumentTypes(w http.ResponseWriter, r *http.Request, status int, p templates.DocumentTypesPage) {
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermManageDocumentTypes); err != nil {
		s.fail(w, r, err)
		return
	}
	types, err := s.svc.DocumentTypes(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Editing != "" && !containsType(types, p.Editing) {
		s.notFound(w, r)
		return
	}
	p.Chrome, p.Types = s.chrome(r, "Document types", "settings"), types
	s.render(w, r, status, templates.DocumentTypesView(p))
}

func containsType(types []qms.DocumentType, id string) bool {
	for _, t := range types {
		if t.ID.String() == id {
			return true
		}
	}
	return false
}

func (s *Server) updateDocumentType(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentTypeID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := templates.DocumentTypeForm{Name: r.PostFormValue("name"), Prefix: r.PostFormValue("prefix"),
		NextNumber: r.PostFormValue("next_number"), Version: formVersion(r)}
	next, _ := strconv.Atoi(strings.TrimSpace(f.NextNumber)) // unreadable: leave the counter
	t, err := s.svc.UpdateDocumentType(r.Context(), a, id, f.Version, qms.DocumentTypeInput{Name: f.Name, Prefix: f.Prefix, NextNumber: next})
	if err != nil {
		status, shown := editRefusal(err)
		if !shown {
			s.fail(w, r, err)
			return
		}
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		if status == http.StatusConflict {
			types, lerr := s.svc.DocumentTypes(r.Context(), a)
			if lerr != nil {
				s.fail(w, r, lerr)
				return
			}
			for _, x := range types {
				if x.ID == id {
					f.Version = x.Version
					f.Alert = "Someone else changed this type meanwhile (now " + x.Name + ", " + x.Prefix + "). Your input is kept: save again to apply it."
				}
			}
		}
		s.renderDocumentTypes(w, r, status, templates.DocumentTypesPage{Editing: id.String(), Form: f})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "settings", "document-types"), t.Name+" documents are now numbered "+t.NextDocumentNumber()+" onwards.")
}
