package server

import (
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func (s *Server) showFindings(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	q := r.URL.Query()
	ff := templates.FindingFilterForm{
		Classification: q.Get("classification"), Status: q.Get("status"), ProcessID: q.Get("process"),
		Clause: q.Get("clause"), Source: q.Get("source"), SiteID: q.Get("site"),
	}
	page, err := s.svc.FindingList(ctx, a, qms.FindingFilter{
		Classification: qms.Classification(ff.Classification), Status: qms.FindingStatus(ff.Status),
		ProcessID: formID(ff.ProcessID), Clause: ff.Clause, Source: qms.FindingSource(ff.Source), After: q.Get("after"),
		SiteID: formID(ff.SiteID),
	})
	if qms.ErrorKind(err) == qms.KindInvalid {
		s.notFound(w, r) // a cursor that no page of the list produced
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := templates.FindingsPage{Chrome: s.chrome(r, "Findings", "findings"), Filter: ff, Findings: page.Findings,
		Processes: page.Processes, Clauses: page.Clauses, Sites: page.Sites}
	if page.Next != "" {
		next := url.Values{}
		for k, v := range q {
			if k != "after" && len(v) > 0 && v[0] != "" {
				next.Set(k, v[0])
			}
		}
		next.Set("after", page.Next)
		p.NextURL = templates.Path(a.OrgSlug, "findings") + "?" + next.Encode()
	}
	s.render(w, r, http.StatusOK, templates.FindingsView(p))
}

// findingContext loads where a finding is being raised: from a question of an audit, on an
// audit, or neither.
func (s *Server) findingContext(r *http.Request, auditValue, questionValue string) (templates.FindingFormPage, error) {
	ctx, a := r.Context(), actorFrom(r.Context())
	var p templates.FindingFormPage
	auditID, itemID := formID(auditValue), formID(questionValue)
	switch {
	case itemID != uuid.Nil:
		d, err := s.svc.ChecklistQuestion(ctx, a, auditID, itemID)
		if err != nil {
			return p, err
		}
		p.Audit, p.Question = &d.Audit, &d.Item
	case auditID != uuid.Nil:
		d, err := s.svc.AuditDetails(ctx, a, auditID)
		if err != nil {
			return p, err
		}
		p.Audit = &d.Audit
	}
	return p, nil
}

func (s *Server) showNewFinding(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, err := s.findingContext(r, q.Get("audit"), q.Get("question"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// From a question, what the auditor recorded carries over: the classification its result
	// calls for, its clause and notes, and the audit's process and site when it has one.
	if it := p.Question; it != nil {
		if c, ok := it.Result.Finding(); ok {
			p.Form.Classification = string(c)
		}
		p.Form.Clause, p.Form.ObjectiveEvidence = it.ClauseNumber, it.Notes
	}
	if au := p.Audit; au != nil {
		if len(au.Processes) == 1 {
			p.Form.ProcessID = au.Processes[0].ID.String()
		}
		if len(au.Sites) == 1 {
			p.Form.SiteID = au.Sites[0].ID.String()
		}
	}
	s.renderFindingForm(w, r, http.StatusOK, p)
}

func (s *Server) renderFindingForm(w http.ResponseWriter, r *http.Request, status int, p templates.FindingFormPage) {
	a := actorFrom(r.Context())
	if p.Audit != nil {
		if err := a.Require(auth.PermPerformAudits); err != nil {
			s.fail(w, r, err)
			return
		}
	} else if err := a.Require(auth.PermRaiseFindings); err != nil {
		s.fail(w, r, err)
		return
	}
	var err error
	if p.Processes, p.Sites, p.Clauses, err = s.findingChoices(r); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Chrome = s.chrome(r, "Raise a finding", "findings")
	s.render(w, r, status, templates.FindingFormView(p))
}

// findingChoices are the active processes and sites and the clauses a finding may name.
func (s *Server) findingChoices(r *http.Request) ([]qms.Process, []qms.Site, []qms.ISOClause, error) {
	ctx, a := r.Context(), actorFrom(r.Context())
	processes, err := s.svc.Processes(ctx, a)
	if err != nil {
		return nil, nil, nil, err
	}
	sites, err := s.svc.Sites(ctx, a)
	if err != nil {
		return nil, nil, nil, err
	}
	clauses, err := s.svc.ISOClauses(ctx, a)
	if err != nil {
		return nil, nil, nil, err
	}
	return active(processes), active(sites), clauses, nil
}

// active keeps the entries that are not archived: what a form or filter offers.
func active[T interface{ Archived() bool }](all []T) []T {
	var out []T
	for _, x := range all {
		if !x.Archived() {
			out = append(out, x)
		}
	}
	return out
}

func findingFormFrom(v url.Values) templates.FindingForm {
	return templates.FindingForm{
		Classification: v.Get("classification"), Source: v.Get("source"), SourceReference: v.Get("source_reference"),
		Statement: v.Get("statement"), Clause: v.Get("clause"), Requirement: v.Get("requirement"),
		ObjectiveEvidence: v.Get("objective_evidence"), ProcessID: v.Get("process_id"), SiteID: v.Get("site_id"),
		EvidenceReference: v.Get("evidence_reference"), Version: formInt(v.Get("version")),
	}
}

func (s *Server) raiseFinding(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	form, err := s.readUploadForm(w, r, a)
	f := findingFormFrom(form.Values)
	auditValue, questionValue := form.Values.Get("audit"), form.Values.Get("question")
	var raised qms.Finding
	if err == nil {
		raised, err = s.svc.RaiseFinding(ctx, a, qms.FindingInput{
			Classification: qms.Classification(f.Classification), Source: qms.FindingSource(f.Source),
			SourceReference: f.SourceReference, Statement: f.Statement, ClauseNumber: f.Clause,
			Requirement: f.Requirement, ObjectiveEvidence: f.ObjectiveEvidence, ProcessID: formID(f.ProcessID),
			SiteID: formID(f.SiteID), AuditID: formID(auditValue), ChecklistItemID: formID(questionValue),
			EvidenceReference: f.EvidenceReference, Files: form.Uploads["evidence_files"],
		})
	}
	if err != nil {
		kind := qms.ErrorKind(err)
		if kind != qms.KindInvalid && kind != qms.KindTooLarge && kind != qms.KindConflict {
			s.fail(w, r, err)
			return
		}
		p, cerr := s.findingContext(r, auditValue, questionValue)
		if cerr != nil {
			s.fail(w, r, cerr)
			return
		}
		p.Form = f
		p.Form.Alert, p.Form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		status := http.StatusUnprocessableEntity
		switch kind {
		case qms.KindTooLarge:
			status = http.StatusRequestEntityTooLarge
		case qms.KindConflict:
			status = http.StatusConflict
		}
		s.renderFindingForm(w, r, status, p)
		return
	}
	flash := "Finding " + raised.Reference + " (" + raised.Classification.Label() + ") was raised."
	if raised.ChecklistItemID != nil {
		s.redirect(w, r, templates.Path(a.OrgSlug, "audits", raised.AuditID.String(), "questions", raised.ChecklistItemID.String()), flash)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "findings", raised.ID.String()), flash)
}

func currentFindingForm(f qms.Finding) templates.FindingForm {
	site := ""
	if f.SiteID != nil {
		site = f.SiteID.String()
	}
	return templates.FindingForm{
		Classification: string(f.Classification), SourceReference: f.SourceReference, Statement: f.Statement,
		Clause: f.ClauseNumber, Requirement: f.Requirement, ObjectiveEvidence: f.ObjectiveEvidence,
		ProcessID: f.ProcessID.String(), SiteID: site, Version: f.Version,
	}
}

func (s *Server) showFinding(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "findingID")
	if !ok {
		s.notFound(w, r)
		return
	}
	f, err := s.svc.Finding(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderFinding(w, r, http.StatusOK, templates.FindingPage{Finding: f, Edit: currentFindingForm(f)})
}

// renderFinding shows a finding with the forms the viewer may use on it.
func (s *Server) renderFinding(w http.ResponseWriter, r *http.Request, status int, p templates.FindingPage) {
	ctx, a := r.Context(), actorFrom(r.Context())
	f := p.Finding
	open := f.Status == qms.FindingOpen
	p.CanClose = open && a.Can(auth.PermCloseFindings)
	resp, err := s.svc.FindingResponse(ctx, a, f.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Response = resp
	if f.AuditID != nil {
		d, err := s.svc.AuditDetails(ctx, a, *f.AuditID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Audit = &d.Audit
		p.CanEdit = open && a.Can(auth.PermPerformAudits) && d.Audit.OnTeam(a.UserID) && d.Audit.Status == qms.AuditInProgress
	} else {
		p.CanEdit = open && a.Can(auth.PermRaiseFindings)
	}
	if p.CanEdit {
		var err error
		if p.Processes, p.Sites, p.Clauses, err = s.findingChoices(r); err != nil {
			s.fail(w, r, err)
			return
		}
		if p.Choices, err = s.evidenceChoices(ctx, a); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p.Chrome = s.chrome(r, "Finding "+f.Reference, "findings")
	s.render(w, r, status, templates.FindingView(p))
}

func (s *Server) updateFinding(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "findingID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	current, err := s.svc.Finding(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := findingFormFrom(r.PostForm)
	updated, err := s.svc.UpdateFinding(ctx, a, id, f.Version, qms.FindingEdit{
		Classification: qms.Classification(f.Classification), Statement: f.Statement, ClauseNumber: f.Clause,
		Requirement: f.Requirement, ObjectiveEvidence: f.ObjectiveEvidence, ProcessID: formID(f.ProcessID),
		SiteID: formID(f.SiteID), SourceReference: f.SourceReference,
	})
	if err != nil {
		status, shown := editRefusal(err)
		if !shown {
			s.fail(w, r, err)
			return
		}
		p := templates.FindingPage{Finding: current, Edit: f}
		p.Edit.Alert, p.Edit.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		if status == http.StatusConflict && current.Version != f.Version {
			p.Theirs = &current
			p.Edit.Version = current.Version
		}
		s.renderFinding(w, r, status, p)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "findings", id.String()), "Finding "+updated.Reference+" was saved.")
}

func (s *Server) closeFinding(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "findingID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	current, err := s.svc.Finding(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	note := r.PostFormValue("closure_note")
	closed, err := s.svc.CloseFinding(ctx, a, id, formVersion(r), note)
	if err != nil {
		status, shown := editRefusal(err)
		if !shown {
			s.fail(w, r, err)
			return
		}
		p := templates.FindingPage{Finding: current, Edit: currentFindingForm(current), CloseNote: note}
		p.CloseAlert, p.CloseErrors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderFinding(w, r, status, p)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "findings", id.String()), "Finding "+closed.Reference+" was closed.")
}
