package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func (s *Server) showRisks(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	q := r.URL.Query()
	ff := templates.RiskFilterForm{
		ProcessID: q.Get("process"), SiteID: q.Get("site"), OwnerID: q.Get("owner"), Kind: q.Get("kind"), Band: q.Get("band"),
		Treatment: q.Get("treatment"), Likelihood: q.Get("likelihood"), Severity: q.Get("severity"), Status: q.Get("status"),
	}
	list, err := s.svc.RiskList(ctx, a, qms.RiskFilter{
		ProcessID: formID(ff.ProcessID), SiteID: formID(ff.SiteID), OwnerID: formID(ff.OwnerID), Kind: ff.Kind, Band: ff.Band,
		Treatment: ff.Treatment, Likelihood: formInt(ff.Likelihood), Severity: formInt(ff.Severity), Status: ff.Status,
		After: q.Get("after"),
	})
	if qms.ErrorKind(err) == qms.KindInvalid {
		s.notFound(w, r) // a filter or cursor no page of the register offers
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := list.RiskPage
	keep := func(skip ...string) url.Values {
		v := url.Values{}
		for k, x := range q {
			if len(x) > 0 && x[0] != "" && k != "after" && !slices.Contains(skip, k) {
				v.Set(k, x[0])
			}
		}
		return v
	}
	p := templates.RisksPage{Chrome: s.chrome(r, "Risks", "risks"), Filter: ff, Page: page, Processes: list.Processes,
		Sites: list.Sites, Members: list.Members}
	// The 25 cells share the rest of the filter, encoded once.
	cellBase := templates.Path(a.OrgSlug, "risks") + "?"
	if rest := keep("likelihood", "severity").Encode(); rest != "" {
		cellBase += rest + "&"
	}
	p.CellURL = func(l, sev int) templ.SafeURL {
		return templ.SafeURL(cellBase + "likelihood=" + strconv.Itoa(l) + "&severity=" + strconv.Itoa(sev))
	}
	if page.Next != "" {
		v := keep()
		v.Set("after", page.Next)
		p.NextURL = templates.Path(a.OrgSlug, "risks") + "?" + v.Encode()
	}
	s.render(w, r, http.StatusOK, templates.RisksView(p))
}

func riskFormFrom(v url.Values) templates.RiskForm {
	docs := v.Get("documents")
	if add := strings.TrimSpace(v.Get("documents_add")); add != "" {
		docs = strings.TrimSpace(docs + "\n" + add)
	}
	return templates.RiskForm{
		Kind: v.Get("kind"), Title: v.Get("title"), Description: v.Get("description"), Cause: v.Get("cause"),
		Consequence: v.Get("consequence"), ProcessID: v.Get("process_id"), SiteID: v.Get("site_id"), OwnerID: v.Get("owner_id"),
		InherentLikelihood: v.Get("inherent_likelihood"), InherentSeverity: v.Get("inherent_severity"),
		ExistingControls: v.Get("existing_controls"), ResidualLikelihood: v.Get("residual_likelihood"),
		ResidualSeverity: v.Get("residual_severity"), Treatment: v.Get("treatment"), TreatmentPlan: v.Get("treatment_plan"),
		ReviewDate: v.Get("review_date"), Documents: docs, Findings: v.Get("findings"), Version: formInt(v.Get("version")),
	}
}

func riskInput(f templates.RiskForm) qms.RiskInput {
	return qms.RiskInput{
		Kind: f.Kind, Title: f.Title, Description: f.Description, Cause: f.Cause, Consequence: f.Consequence,
		ProcessID: formID(f.ProcessID), SiteID: formID(f.SiteID), OwnerID: formID(f.OwnerID),
		InherentLikelihood: f.InherentLikelihood, InherentSeverity: f.InherentSeverity, ExistingControls: f.ExistingControls,
		ResidualLikelihood: f.ResidualLikelihood, ResidualSeverity: f.ResidualSeverity, Treatment: f.Treatment,
		TreatmentPlan: f.TreatmentPlan, ReviewDate: f.ReviewDate, Documents: f.Documents, Findings: f.Findings,
	}
}

func (s *Server) renderRiskForm(w http.ResponseWriter, r *http.Request, status int, p templates.RiskFormPage) {
	ctx, a := r.Context(), actorFrom(r.Context())
	if err := a.Require(auth.PermManageRisks); err != nil {
		s.fail(w, r, err)
		return
	}
	processes, sites, _, err := s.findingChoices(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	members, err := s.svc.Members(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	docs, err := s.svc.Documents(ctx, a, qms.DocumentFilter{Limit: pickMore})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Processes, p.Sites, p.Members, p.Documents = processes, sites, members, templates.DocumentChoices(docs.Documents)
	title := "Add a risk or opportunity"
	if p.Risk != nil {
		title = "Re-assess " + p.Risk.Reference()
	}
	p.Chrome = s.chrome(r, title, "risks")
	s.render(w, r, status, templates.RiskFormView(p))
}

func (s *Server) showNewRisk(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	q := r.URL.Query()
	f := templates.RiskForm{Kind: "risk", ProcessID: q.Get("process"), OwnerID: a.UserID.String(),
		ReviewDate: s.svc.Today().AddDate(1, 0, 0).Format(time.DateOnly)}
	if q.Get("kind") == qms.RiskKindOpportunity {
		f.Kind = qms.RiskKindOpportunity
	}
	s.renderRiskForm(w, r, http.StatusOK, templates.RiskFormPage{Form: f})
}

// formFailure is the status of a refused form: 422 for bad input, 409 for a stale edit.
func formFailure(err error) (int, bool) {
	switch qms.ErrorKind(err) {
	case qms.KindInvalid:
		return http.StatusUnprocessableEntity, true
	case qms.KindConflict:
		return http.StatusConflict, true
	}
	return 0, false
}

func (s *Server) createRisk(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	if !s.parseForm(w, r) {
		return
	}
	f := riskFormFrom(r.PostForm)
	risk, err := s.svc.CreateRisk(ctx, a, riskInput(f))
	if err != nil {
		status, ok := formFailure(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderRiskForm(w, r, status, templates.RiskFormPage{Form: f})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "risks", risk.ID.String()),
		risk.Reference()+" was added at exposure "+strconv.Itoa(risk.Exposure)+" ("+risk.ExposureBand+").")
}

func (s *Server) showRisk(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	id, ok := idParam(r, "riskID")
	if !ok {
		s.notFound(w, r)
		return
	}
	d, err := s.svc.RiskDetail(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderRisk(w, r, http.StatusOK, d, templates.RiskStatusForm{})
}

// renderRisk shows a risk's page; status is the retire / reinstate form as typed, if any.
func (s *Server) renderRisk(w http.ResponseWriter, r *http.Request, code int, d qms.RiskDetail, status templates.RiskStatusForm) {
	s.render(w, r, code, templates.RiskView(templates.RiskPage{
		Chrome: s.chrome(r, d.Reference()+" "+d.Title, "risks"), Detail: d,
		CanEdit: actorFrom(r.Context()).Can(auth.PermManageRisks), Status: status}))
}

// setRiskStatus retires or reinstates a risk. A missing reason or a stale page answers with
// the risk page again, the form open with what was typed.
func (s *Server) setRiskStatus(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	id, ok := idParam(r, "riskID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	status, reason := r.PostForm.Get("status"), r.PostForm.Get("reason")
	risk, err := s.svc.SetRiskStatus(ctx, a, id, version, status, reason)
	if err != nil {
		code, ok := formFailure(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		d, derr := s.svc.RiskDetail(ctx, a, id)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		s.renderRisk(w, r, code, d, templates.RiskStatusForm{Reason: reason, Errors: qms.FieldErrors(err), Alert: qms.ErrorMessage(err), Open: true})
		return
	}
	msg := risk.Reference() + " was retired: it has left the register and the heat map."
	if risk.Status == "active" {
		msg = risk.Reference() + " was reinstated: exposure " + strconv.Itoa(risk.Exposure) + " (" + risk.ExposureBand + ")."
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "risks", risk.ID.String()), msg)
}

func currentRiskForm(d qms.RiskDetail) templates.RiskForm {
	in := qms.RiskInputOf(d)
	site := ""
	if in.SiteID != uuid.Nil {
		site = in.SiteID.String()
	}
	return templates.RiskForm{
		Kind: in.Kind, Title: in.Title, Description: in.Description, Cause: in.Cause, Consequence: in.Consequence,
		ProcessID: in.ProcessID.String(), SiteID: site, OwnerID: in.OwnerID.String(),
		InherentLikelihood: in.InherentLikelihood, InherentSeverity: in.InherentSeverity, ExistingControls: in.ExistingControls,
		ResidualLikelihood: in.ResidualLikelihood, ResidualSeverity: in.ResidualSeverity, Treatment: in.Treatment,
		TreatmentPlan: in.TreatmentPlan, ReviewDate: in.ReviewDate, Documents: in.Documents, Findings: in.Findings,
		Version: d.Version,
	}
}

func (s *Server) showEditRisk(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	id, ok := idParam(r, "riskID")
	if !ok {
		s.notFound(w, r)
		return
	}
	d, err := s.svc.RiskDetail(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderRiskForm(w, r, http.StatusOK, templates.RiskFormPage{Risk: &d.Risk, Form: currentRiskForm(d)})
}

func (s *Server) updateRisk(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	id, ok := idParam(r, "riskID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f := riskFormFrom(r.PostForm)
	risk, err := s.svc.UpdateRisk(ctx, a, id, f.Version, riskInput(f))
	if err != nil {
		status, ok := formFailure(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		d, derr := s.svc.RiskDetail(ctx, a, id)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		if status == http.StatusConflict {
			// Someone else re-assessed it meanwhile: show theirs, keep nothing of ours silently.
			f.Version = d.Version
		}
		s.renderRiskForm(w, r, status, templates.RiskFormPage{Risk: &d.Risk, Form: f})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "risks", risk.ID.String()),
		risk.Reference()+" was re-assessed: exposure "+strconv.Itoa(risk.Exposure)+" ("+risk.ExposureBand+").")
}

func (s *Server) showExposureWeights(w http.ResponseWriter, r *http.Request) {
	s.renderExposureWeights(w, r, http.StatusOK, templates.ExposureWeightsPage{})
}

func (s *Server) renderExposureWeights(w http.ResponseWriter, r *http.Request, status int, p templates.ExposureWeightsPage) {
	ctx, a := r.Context(), actorFrom(r.Context())
	ws, err := s.svc.ExposureWeights(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Chrome, p.Weights, p.CanEdit = s.chrome(r, "Exposure weights", "settings"), ws, a.Can(auth.PermManageExposureWeights)
	s.render(w, r, status, templates.ExposureWeightsView(p))
}

func (s *Server) updateExposureWeights(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	if !s.parseForm(w, r) {
		return
	}
	edits := map[string]qms.WeightEdit{}
	values := map[string]string{}
	for _, sig := range qms.ExposureSignals {
		if v, ok := r.PostForm["weight_"+sig]; ok && len(v) > 0 {
			edits[sig] = qms.WeightEdit{Weight: v[0], Version: formInt(r.PostForm.Get("version_" + sig))}
			values[sig] = v[0]
		}
	}
	if _, err := s.svc.UpdateExposureWeights(ctx, a, edits); err != nil {
		status, ok := formFailure(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		p := templates.ExposureWeightsPage{Alert: qms.ErrorMessage(err), Errors: qms.FieldErrors(err)}
		if status == http.StatusUnprocessableEntity {
			p.Values = values
		}
		s.renderExposureWeights(w, r, status, p)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "settings", "exposure-weights"), "Exposure weights saved; every risk was re-scored.")
}

func (s *Server) showRecurringFindings(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	process := r.URL.Query().Get("process")
	list, err := s.svc.RecurringFindings(ctx, a, formID(process))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	processes, err := s.svc.Processes(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.RecurringFindingsView(templates.RecurringFindingsPage{
		Chrome: s.chrome(r, "Recurring findings", "findings"), ProcessID: process, Processes: processes, Findings: list}))
}

// recheckExposure re-scores every risk as of now, for a quality manager who wants the register
// to reflect today without waiting for the periodic job.
func (s *Server) recheckExposure(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	changed, err := s.svc.RecheckExposure(ctx, a, nil, "Re-checked by "+a.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "risks"), "Exposure re-checked: "+qms.Plural(len(changed), "risk", "risks")+" changed.")
}
