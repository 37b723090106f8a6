package server

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

// capaPageSize is how many CAPAs one page of the list shows.
const capaPageSize = 50

func (s *Server) showCAPAs(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	q := r.URL.Query()
	f := templates.CAPAFilterForm{
		Status: q.Get("status"), ProcessID: q.Get("process"), SiteID: q.Get("site"), OwnerID: q.Get("owner"),
		Category: q.Get("category"), Age: q.Get("age"), Overdue: q.Get("overdue") == "1",
		ActionOwnerID: q.Get("action_owner"), VerifierID: q.Get("verifier"),
	}
	list, err := s.svc.CAPAList(ctx, a, qms.CAPAFilter{
		Status: qms.CAPAStatus(f.Status), ProcessID: formID(f.ProcessID), SiteID: formID(f.SiteID), OwnerID: formID(f.OwnerID),
		Category: qms.RootCauseCategory(f.Category), Age: f.Age, Overdue: f.Overdue,
		ActionOwnerID: formID(f.ActionOwnerID), VerifierID: formID(f.VerifierID),
		After: q.Get("after"), Limit: capaPageSize,
	})
	if qms.ErrorKind(err) == qms.KindInvalid {
		s.notFound(w, r) // a filter no page of ours links to
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	capas := list.CAPAs
	p := templates.CAPAsPage{Chrome: s.chrome(r, "Corrective actions", "capas"), Filter: f, CAPAs: capas, Today: s.svc.Today(),
		OwnerActions: list.OwnerActions, Processes: active(list.Processes), Sites: active(list.Sites), Members: list.Members}
	if len(capas) == capaPageSize {
		next := r.URL.Query()
		next.Set("after", qms.CAPACursor(capas[len(capas)-1]))
		p.Next = templates.WithQuery(templates.Path(a.OrgSlug, "capas"), next)
	}
	p.Continued = q.Get("after") != ""
	s.render(w, r, http.StatusOK, templates.CAPAsView(p))
}

// capaFormPage loads the choices of the new-CAPA form, and the finding it answers if any.
func (s *Server) capaFormPage(r *http.Request, form templates.CAPAForm) (templates.CAPAFormPage, error) {
	ctx, a := r.Context(), actorFrom(r.Context())
	p := templates.CAPAFormPage{Chrome: s.chrome(r, "Raise a CAPA", "capas"), Form: form}
	if err := a.Require(auth.PermCloseFindings); err != nil {
		return p, err
	}
	if id := formID(form.FindingID); id != uuid.Nil {
		f, err := s.svc.Finding(ctx, a, id)
		if err != nil {
			return p, err
		}
		p.Finding = &f
	}
	var err error
	if p.Processes, p.Sites, _, err = s.findingChoices(r); err != nil {
		return p, err
	}
	p.Members, err = s.svc.Members(ctx, a)
	return p, err
}

func (s *Server) showNewCAPA(w http.ResponseWriter, r *http.Request) {
	finding := r.URL.Query().Get("finding")
	if finding != "" && formID(finding) == uuid.Nil {
		s.notFound(w, r)
		return
	}
	p, err := s.capaFormPage(r, templates.CAPAForm{FindingID: finding})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f := p.Finding; f != nil {
		p.Form.Title = auditExcerptTitle(f.Statement)
		p.Form.ProblemStatement = f.Statement
		if f.ObjectiveEvidence != "" {
			p.Form.ProblemStatement += "\n\nEvidence: " + f.ObjectiveEvidence
		}
		p.Form.ProcessID = f.ProcessID.String()
		if f.SiteID != nil {
			p.Form.SiteID = f.SiteID.String()
		}
	}
	s.render(w, r, http.StatusOK, templates.CAPAFormView(p))
}

// auditExcerptTitle is a finding's statement cut to a title's length.
func auditExcerptTitle(s string) string {
	r := []rune(s)
	if len(r) <= 120 {
		return s
	}
	return string(r[:119]) + "…"
}

func (s *Server) raiseCAPA(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	v := r.PostForm
	form := templates.CAPAForm{Title: v.Get("title"), ProblemStatement: v.Get("problem_statement"), Containment: v.Get("containment"),
		ProcessID: v.Get("process_id"), SiteID: v.Get("site_id"), OwnerID: v.Get("owner_id"), VerifierID: v.Get("verifier_id"),
		FindingID: v.Get("finding")}
	in := qms.CAPAInput{Title: form.Title, ProblemStatement: form.ProblemStatement, Containment: form.Containment,
		ProcessID: formID(form.ProcessID), SiteID: formID(form.SiteID), OwnerID: formID(form.OwnerID), VerifierID: formID(form.VerifierID)}
	if id := formID(form.FindingID); id != uuid.Nil {
		in.FindingIDs = []uuid.UUID{id}
	}
	c, err := s.svc.RaiseCAPA(ctx, a, in)
	if err != nil {
		status, shown := editRefusal(err)
		if !shown {
			s.fail(w, r, err)
			return
		}
		p, perr := s.capaFormPage(r, form)
		if perr != nil {
			s.fail(w, r, perr)
			return
		}
		p.Form.Alert, p.Form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.render(w, r, status, templates.CAPAFormView(p))
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "capas", c.ID.String()), "CAPA "+c.Reference+" was raised.")
}

func (s *Server) showCAPA(w http.ResponseWriter, r *http.Request) {
	s.renderCAPA(w, r, http.StatusOK, templates.CAPAPage{})
}

// renderCAPA shows a CAPA with the forms the viewer may use; p carries a refused form.
func (s *Server) renderCAPA(w http.ResponseWriter, r *http.Request, status int, p templates.CAPAPage) {
	id, ok := idParam(r, "capaID")
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	d, err := s.svc.CAPADetails(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Detail, p.Today, p.Me = d, s.svc.Today(), a.UserID
	p.CanManage = d.Status != qms.CAPAClosed && d.ManagedBy(a)
	if p.CanManage {
		if p.Processes, p.Sites, _, err = s.findingChoices(r); err != nil {
			s.fail(w, r, err)
			return
		}
		if p.Members, err = s.svc.Members(ctx, a); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p.Chrome = s.chrome(r, "CAPA "+d.Reference, "capas")
	s.render(w, r, status, templates.CAPAView(p))
}

// capaFormDone answers a form on the CAPA page: on success back to the page with flash, on a
// refusal the page again with the form as typed and its messages.
func (s *Server) capaFormDone(w http.ResponseWriter, r *http.Request, form string, values url.Values, err error, flash string) {
	if err != nil {
		status, shown := editRefusal(err)
		if qms.ErrorKind(err) == qms.KindTooLarge {
			status, shown = http.StatusRequestEntityTooLarge, true
		}
		if !shown {
			s.fail(w, r, err)
			return
		}
		s.renderCAPA(w, r, status, templates.CAPAPage{Form: form, Values: values, Alert: qms.ErrorMessage(err), Errors: qms.FieldErrors(err)})
		return
	}
	s.redirect(w, r, templates.Path(actorFrom(r.Context()).OrgSlug, "capas", chi.URLParam(r, "capaID")), flash)
}

func (s *Server) updateCAPA(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "capaID")
	if !ok || !s.parseForm(w, r) {
		if !ok {
			s.notFound(w, r)
		}
		return
	}
	v := r.PostForm
	c, err := s.svc.UpdateCAPA(r.Context(), actorFrom(r.Context()), id, formVersion(r), qms.CAPAEdit{
		Title: v.Get("title"), ProblemStatement: v.Get("problem_statement"), Containment: v.Get("containment"),
		ProcessID: formID(v.Get("process_id")), SiteID: formID(v.Get("site_id")), OwnerID: formID(v.Get("owner_id")),
		VerifierID: formID(v.Get("verifier_id")),
	})
	s.capaFormDone(w, r, "edit", v, err, "CAPA "+c.Reference+" was saved.")
}

func (s *Server) setRootCause(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "capaID")
	if !ok || !s.parseForm(w, r) {
		if !ok {
			s.notFound(w, r)
		}
		return
	}
	v := r.PostForm
	in := qms.RootCauseInput{Whys: v["why"], RootCause: v.Get("root_cause"), Category: qms.RootCauseCategory(v.Get("root_cause_category"))}
	cats, causes := v["fishbone_category"], v["fishbone_cause"]
	for i := range causes {
		cat := ""
		if i < len(cats) {
			cat = cats[i]
		}
		in.Fishbone = append(in.Fishbone, qms.FishboneCause{Category: qms.RootCauseCategory(cat), Cause: causes[i]})
	}
	c, err := s.svc.SetRootCause(r.Context(), actorFrom(r.Context()), id, formVersion(r), in)
	s.capaFormDone(w, r, "root_cause", v, err, "The root cause of "+c.Reference+" was saved.")
}

func (s *Server) addCAPAAction(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "capaID")
	if !ok || !s.parseForm(w, r) {
		if !ok {
			s.notFound(w, r)
		}
		return
	}
	v := r.PostForm
	_, err := s.svc.AddCAPAAction(r.Context(), actorFrom(r.Context()), id, formVersion(r), qms.ActionInput{
		Kind: v.Get("kind"), Description: v.Get("description"), OwnerID: formID(v.Get("owner_id")), DueDate: v.Get("due_date"),
	})
	s.capaFormDone(w, r, "action", v, err, "The action was added.")
}

func (s *Server) completeCAPAAction(w http.ResponseWriter, r *http.Request) {
	capaID, ok1 := idParam(r, "capaID")
	actionID, ok2 := idParam(r, "actionID")
	if !ok1 || !ok2 {
		s.notFound(w, r)
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	form, err := s.readUploadForm(w, r, a)
	if err == nil {
		var file *qms.Upload
		if ups := form.Uploads["completion_file"]; len(ups) > 0 {
			file = &ups[0]
		}
		_, err = s.svc.CompleteCAPAAction(ctx, a, capaID, actionID, formInt(form.Values.Get("version")), form.Values.Get("completion_note"), file)
	}
	form.Values.Set("action_id", actionID.String())
	s.capaFormDone(w, r, "complete", form.Values, err, "The action was marked done.")
}

func (s *Server) cancelCAPAAction(w http.ResponseWriter, r *http.Request) {
	capaID, ok1 := idParam(r, "capaID")
	actionID, ok2 := idParam(r, "actionID")
	if !ok1 || !ok2 {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	_, err := s.svc.CancelCAPAAction(r.Context(), actorFrom(r.Context()), capaID, actionID, formVersion(r), r.PostFormValue("cancel_reason"))
	v := r.PostForm
	v.Set("action_id", actionID.String())
	s.capaFormDone(w, r, "cancel", v, err, "The action was cancelled.")
}

func (s *Server) planCAPACheck(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "capaID")
	if !ok || !s.parseForm(w, r) {
		if !ok {
			s.notFound(w, r)
		}
		return
	}
	v := r.PostForm
	_, err := s.svc.PlanEffectivenessCheck(r.Context(), actorFrom(r.Context()), id, formVersion(r), qms.CheckPlan{
		Criteria: v.Get("criteria"), PlannedDate: v.Get("planned_date"),
	})
	s.capaFormDone(w, r, "plan", v, err, "The effectiveness check was planned.")
}

func (s *Server) recordCAPACheck(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "capaID")
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	form, err := s.readUploadForm(w, r, a)
	var c qms.CAPA
	if err == nil {
		var file *qms.Upload
		if ups := form.Uploads["evidence_file"]; len(ups) > 0 {
			file = &ups[0]
		}
		c, err = s.svc.RecordEffectivenessCheck(ctx, a, id, formInt(form.Values.Get("version")), qms.CheckResult{
			Result: form.Values.Get("result"), Evidence: form.Values.Get("evidence"), File: file, Password: form.Values.Get("password"),
		})
	}
	form.Values.Del("password") // never shown again
	flash := "The effectiveness check was recorded and signed."
	if c.Status == qms.CAPAClosed {
		flash = "Verified effective: " + c.Reference + " and its findings are closed."
	} else if c.Round > 1 {
		flash = "Not effective: " + c.Reference + " is open again for new actions."
	}
	s.capaFormDone(w, r, "check", form.Values, err, flash)
}

// Finding correction and CAPA decision, on the finding's page.

func (s *Server) recordFindingCorrection(w http.ResponseWriter, r *http.Request) {
	s.findingResponseForm(w, r, "correction", func(id uuid.UUID) (qms.Finding, error) {
		return s.svc.RecordCorrection(r.Context(), actorFrom(r.Context()), id, formVersion(r), r.PostFormValue("correction"))
	})
}

func (s *Server) decideFindingCAPA(w http.ResponseWriter, r *http.Request) {
	s.findingResponseForm(w, r, "decision", func(id uuid.UUID) (qms.Finding, error) {
		return s.svc.DecideCAPA(r.Context(), actorFrom(r.Context()), id, formVersion(r),
			qms.CAPADecision(r.PostFormValue("capa_decision")), r.PostFormValue("capa_decision_reason"))
	})
}

func (s *Server) findingResponseForm(w http.ResponseWriter, r *http.Request, form string, do func(uuid.UUID) (qms.Finding, error)) {
	id, ok := idParam(r, "findingID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	f, err := do(id)
	if err != nil {
		status, shown := editRefusal(err)
		if !shown {
			s.fail(w, r, err)
			return
		}
		current, ferr := s.svc.Finding(ctx, a, id)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		p := templates.FindingPage{Finding: current, Edit: currentFindingForm(current)}
		p.Respond = templates.RespondForm{Form: form, Values: r.PostForm, Alert: qms.ErrorMessage(err), Errors: qms.FieldErrors(err)}
		s.renderFinding(w, r, status, p)
		return
	}
	msg := "The correction of " + f.Reference + " was recorded."
	if form == "decision" {
		msg = "The CAPA decision on " + f.Reference + " was recorded."
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "findings", id.String()), msg)
}
