package server

import (
	"context"
	"net/http"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

// How many suggestions an evidence picker offers at a time.
const (
	pickFirst = 50
	pickMore  = 20
)

// evidenceChoices are the pickers' first suggestions: documents in force and final records,
// the most recent first.
func (s *Server) evidenceChoices(ctx context.Context, a qms.Actor) (templates.EvidenceChoices, error) {
	docs, err := s.svc.Documents(ctx, a, qms.DocumentFilter{Status: "effective", Limit: pickFirst})
	if err != nil {
		return templates.EvidenceChoices{}, err
	}
	recs, err := s.svc.Records(ctx, a, qms.RecordFilter{State: qms.RecordFinal, Limit: pickFirst})
	if err != nil {
		return templates.EvidenceChoices{}, err
	}
	return templates.EvidenceChoices{Documents: templates.DocumentChoices(docs.Documents), Records: templates.RecordChoices(recs.Rows)}, nil
}

// criteriaDocuments are the documents a planner may choose as audit criteria: every current
// document, and any already chosen that has since been made obsolete.
func (s *Server) criteriaDocuments(ctx context.Context, a qms.Actor, chosen []string) ([]qms.Document, error) {
	page, err := s.svc.Documents(ctx, a, qms.DocumentFilter{Status: "all", Limit: 200})
	if err != nil {
		return nil, err
	}
	var out []qms.Document
	for _, d := range page.Documents {
		if !d.Obsolete() || contains(chosen, d.ID.String()) {
			out = append(out, d)
		}
	}
	return out, nil
}

// pickDocuments answers a document picker with the documents matching what was typed so far
// (number or words of the title or text), obsolete ones included: they may have been in force
// at the audit.
func (s *Server) pickDocuments(w http.ResponseWriter, r *http.Request) {
	page, err := s.svc.Documents(r.Context(), actorFrom(r.Context()), qms.DocumentFilter{
		Status: "all", Query: r.URL.Query().Get("document"), Limit: pickMore})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.PickOptions(templates.DocumentChoices(page.Documents)))
}

// pickRecords answers a record picker with the final records matching what was typed so far.
func (s *Server) pickRecords(w http.ResponseWriter, r *http.Request) {
	page, err := s.svc.Records(r.Context(), actorFrom(r.Context()), qms.RecordFilter{
		State: qms.RecordFinal, Query: r.URL.Query().Get("record"), Limit: pickMore})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.PickOptions(templates.RecordChoices(page.Rows)))
}

// linkFindingEvidence links a document or a record to a finding. The finding is loaded
// first, so a foreign or unknown one is not found; a refusal shows the finding again with
// what was typed.
func (s *Server) linkFindingEvidence(w http.ResponseWriter, r *http.Request) {
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
	form := templates.FindingEvidenceForm{Document: r.PostFormValue("document"), Record: r.PostFormValue("record")}
	f, err := s.svc.LinkFindingEvidence(ctx, a, id, qms.EvidenceRefs{Document: form.Document, Record: form.Record})
	if err != nil {
		status, shown := editRefusal(err)
		if !shown {
			s.fail(w, r, err)
			return
		}
		form.Alert, form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderFinding(w, r, status, templates.FindingPage{Finding: current, Edit: currentFindingForm(current), Link: form})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "findings", id.String()), "The evidence was linked to finding "+f.Reference+".")
}
