package server

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

// questionIDs reads the audit and question of a checklist route.
func questionIDs(r *http.Request) (auditID, itemID uuid.UUID, ok bool) {
	auditID, ok1 := idParam(r, "auditID")
	itemID, ok2 := idParam(r, "itemID")
	return auditID, itemID, ok1 && ok2
}

func (s *Server) showQuestion(w http.ResponseWriter, r *http.Request) {
	auditID, itemID, ok := questionIDs(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	d, err := s.svc.ChecklistQuestion(r.Context(), actorFrom(r.Context()), auditID, itemID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderQuestion(w, r, http.StatusOK, templates.QuestionPage{Detail: d, Form: currentResultForm(d.Item)})
}

// formInt reads a whole number from a form value; anything else is 0.
func formInt(v string) int {
	n, _ := strconv.Atoi(v)
	return n
}

func currentResultForm(it qms.ChecklistItem) templates.ResultForm {
	return templates.ResultForm{Result: string(it.Result), Notes: it.Notes, Version: it.Version}
}

func (s *Server) renderQuestion(w http.ResponseWriter, r *http.Request, status int, p templates.QuestionPage) {
	a := actorFrom(r.Context())
	au := p.Detail.Audit
	p.CanWork = a.Can(auth.PermPerformAudits) && au.OnTeam(a.UserID) && au.Status == qms.AuditInProgress
	if p.CanWork {
		var err error
		if p.Choices, err = s.evidenceChoices(r.Context(), a); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p.Chrome = s.chrome(r, au.Reference+": "+p.Detail.Item.Question, "audits")
	s.render(w, r, status, templates.QuestionView(p))
}

// recordResult saves a question's result, notes and evidence. The question is loaded first:
// a foreign or unknown one is not found before anything is received, and a refusal shows
// the page again with what the auditor typed.
func (s *Server) recordResult(w http.ResponseWriter, r *http.Request) {
	auditID, itemID, ok := questionIDs(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	d, err := s.svc.ChecklistQuestion(ctx, a, auditID, itemID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	form, err := s.readUploadForm(w, r, a)
	f := templates.ResultForm{
		Result: form.Values.Get("result"), Notes: form.Values.Get("notes"),
		EvidenceReference: form.Values.Get("evidence_reference"), Version: formInt(form.Values.Get("version")),
		Document: form.Values.Get("document"), Record: form.Values.Get("record"),
	}
	if err == nil {
		_, err = s.svc.RecordResult(ctx, a, auditID, itemID, f.Version, qms.ResultInput{
			Result: qms.Result(f.Result), Notes: f.Notes, EvidenceReference: f.EvidenceReference,
			Files: form.Uploads["evidence_files"], Links: qms.EvidenceRefs{Document: f.Document, Record: f.Record},
		})
	}
	if err != nil {
		status, shown := editRefusal(err)
		if qms.ErrorKind(err) == qms.KindTooLarge {
			status, shown = http.StatusRequestEntityTooLarge, true
		}
		if !shown {
			s.fail(w, r, err)
			return
		}
		p := templates.QuestionPage{Detail: d, Form: f}
		p.Form.Alert, p.Form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		if status == http.StatusConflict {
			if fresh, lerr := s.svc.ChecklistQuestion(ctx, a, auditID, itemID); lerr == nil {
				p.Detail = fresh
				if fresh.Item.Version != f.Version {
					p.Theirs = &fresh.Item
					p.Form.Version = fresh.Item.Version
				}
			}
		}
		s.renderQuestion(w, r, status, p)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "audits", auditID.String(), "questions", itemID.String()), "Saved.")
}

func (s *Server) removeEvidence(w http.ResponseWriter, r *http.Request) {
	auditID, itemID, ok := questionIDs(r)
	evidenceID, ok2 := idParam(r, "evidenceID")
	if !ok || !ok2 {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	if _, err := s.svc.RemoveEvidence(r.Context(), a, auditID, itemID, evidenceID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "audits", auditID.String(), "questions", itemID.String()), "The evidence was removed from the question.")
}

func (s *Server) addQuestion(w http.ResponseWriter, r *http.Request) {
	auditID, ok := idParam(r, "auditID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	if _, err := s.svc.AuditDetails(ctx, a, auditID); err != nil {
		s.fail(w, r, err)
		return
	}
	qf := templates.QuestionForm{Clause: r.PostFormValue("clause"), Question: r.PostFormValue("question"), Guidance: r.PostFormValue("guidance")}
	it, err := s.svc.AddQuestion(ctx, a, auditID, qms.QuestionInput{ClauseNumber: qf.Clause, Question: qf.Question, Guidance: qf.Guidance})
	if qms.ErrorKind(err) == qms.KindInvalid {
		qf.Alert, qf.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderAudit(w, r, http.StatusUnprocessableEntity, auditID, "", qf)
		return
	}
	if qms.ErrorKind(err) == qms.KindConflict {
		s.renderAudit(w, r, http.StatusConflict, auditID, qms.ErrorMessage(err), templates.QuestionForm{})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "audits", auditID.String(), "questions", it.ID.String()), "The question was added to the checklist.")
}

func (s *Server) removeQuestion(w http.ResponseWriter, r *http.Request) {
	auditID, itemID, ok := questionIDs(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	err := s.svc.RemoveQuestion(r.Context(), a, auditID, itemID, formVersion(r))
	if qms.ErrorKind(err) == qms.KindConflict {
		s.renderAudit(w, r, http.StatusConflict, auditID, qms.ErrorMessage(err), templates.QuestionForm{})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "audits", auditID.String())+"#checklist", "The question was removed from the checklist.")
}

func (s *Server) showQuestionTemplates(w http.ResponseWriter, r *http.Request) {
	s.renderQuestionTemplates(w, r, http.StatusOK, templates.TemplateForm{})
}

func (s *Server) renderQuestionTemplates(w http.ResponseWriter, r *http.Request, status int, f templates.TemplateForm) {
	ctx, a := r.Context(), actorFrom(r.Context())
	list, err := s.svc.QuestionTemplates(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	clauses, err := s.svc.ISOClauses(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, templates.QuestionTemplatesView(templates.QuestionTemplatesPage{
		Chrome: s.chrome(r, "Checklist library", "audits"), Templates: list, Clauses: clauses, Form: f,
	}))
}

func templateForm(r *http.Request) templates.TemplateForm {
	return templates.TemplateForm{Clause: r.PostFormValue("clause"), Question: r.PostFormValue("question"),
		Guidance: r.PostFormValue("guidance"), Version: formVersion(r)}
}

func templateInput(f templates.TemplateForm) qms.QuestionInput {
	return qms.QuestionInput{ClauseNumber: f.Clause, Question: f.Question, Guidance: f.Guidance}
}

func (s *Server) addQuestionTemplate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := templateForm(r)
	t, err := s.svc.AddQuestionTemplate(r.Context(), a, templateInput(f))
	if qms.ErrorKind(err) == qms.KindInvalid {
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderQuestionTemplates(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "audits", "checklists"), "A question for "+t.ClauseNumber+" was added to the library.")
}

func (s *Server) showQuestionTemplate(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "templateID")
	if !ok {
		s.notFound(w, r)
		return
	}
	t, err := s.svc.QuestionTemplate(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderQuestionTemplate(w, r, http.StatusOK, templates.QuestionTemplatePage{Template: t, Form: templates.TemplateForm{
		Clause: t.ClauseNumber, Question: t.Question, Guidance: t.Guidance, Version: t.Version,
	}})
}

func (s *Server) renderQuestionTemplate(w http.ResponseWriter, r *http.Request, status int, p templates.QuestionTemplatePage) {
	ctx, a := r.Context(), actorFrom(r.Context())
	if err := a.Require(auth.PermPlanAudits); err != nil {
		s.fail(w, r, err)
		return
	}
	var err error
	if p.Clauses, err = s.svc.ISOClauses(ctx, a); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Chrome = s.chrome(r, "Library question", "audits")
	s.render(w, r, status, templates.QuestionTemplateView(p))
}

func (s *Server) updateQuestionTemplate(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "templateID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	current, err := s.svc.QuestionTemplate(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := templateForm(r)
	if _, err := s.svc.UpdateQuestionTemplate(ctx, a, id, f.Version, templateInput(f)); err != nil {
		s.templateRefused(w, r, id, current, f, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "audits", "checklists"), "The question was saved.")
}

func (s *Server) removeQuestionTemplate(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "templateID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	current, err := s.svc.QuestionTemplate(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.svc.RemoveQuestionTemplate(ctx, a, id, formVersion(r)); err != nil {
		s.templateRefused(w, r, id, current, templates.TemplateForm{
			Clause: current.ClauseNumber, Question: current.Question, Guidance: current.Guidance, Version: formVersion(r),
		}, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "audits", "checklists"), "The question was removed from the library.")
}

// templateRefused shows a library question's page again after a refused change.
func (s *Server) templateRefused(w http.ResponseWriter, r *http.Request, id uuid.UUID, before qms.QuestionTemplate, f templates.TemplateForm, err error) {
	status, shown := editRefusal(err)
	if !shown {
		s.fail(w, r, err)
		return
	}
	p := templates.QuestionTemplatePage{Template: before, Form: f}
	p.Form.Alert, p.Form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
	if status == http.StatusConflict {
		if current, lerr := s.svc.QuestionTemplate(r.Context(), actorFrom(r.Context()), id); lerr == nil {
			p.Template, p.Theirs = current, &current
			p.Form.Version = current.Version
		}
	}
	s.renderQuestionTemplate(w, r, status, p)
}
