package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

// yearParam reads ?year=, defaulting to this year.
func yearParam(r *http.Request) int {
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y >= 2000 && y <= 2200 {
		return y
	}
	return time.Now().Year()
}

// formDate reads a date field; anything unreadable is "not given", which the service reports.
func formDate(v string) time.Time {
	t, _ := time.Parse("2006-01-02", v)
	return t
}

// formIDs reads the uuids of a multi-valued field, skipping unreadable ones: a forged id can
// only be one the service then refuses or ignores.
func formIDs(values []string) []uuid.UUID {
	var out []uuid.UUID
	for _, v := range values {
		if id, err := uuid.Parse(v); err == nil {
			out = append(out, id)
		}
	}
	return out
}

func formID(v string) uuid.UUID {
	id, _ := uuid.Parse(v)
	return id
}

func (s *Server) showAudits(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	year := yearParam(r)
	audits, err := s.svc.Audits(r.Context(), a, qms.AuditListFilter{Year: year})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.AuditsView(templates.AuditsPage{
		Chrome: s.chrome(r, "Audits "+strconv.Itoa(year), "audits"), Year: year, Audits: audits,
	}))
}

func (s *Server) showAuditProgramme(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	year := yearParam(r)
	p, err := s.svc.AuditProgramme(r.Context(), a, year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.ProgrammeView(templates.ProgrammePage{
		Chrome: s.chrome(r, "Audit programme "+strconv.Itoa(year), "audits"), Programme: p,
	}))
}

func auditForm(r *http.Request) templates.AuditForm {
	return templates.AuditForm{
		Type:              r.PostFormValue("type"),
		Title:             r.PostFormValue("title"),
		Scope:             r.PostFormValue("scope"),
		AuditeeContacts:   r.PostFormValue("auditee_contacts"),
		CertificationBody: r.PostFormValue("certification_body"),
		ExternalAuditor:   r.PostFormValue("external_auditor"),
		LeadAuditorID:     r.PostFormValue("lead_auditor_id"),
		Team:              r.PostForm["team"],
		Processes:         r.PostForm["processes"],
		Sites:             r.PostForm["sites"],
		Clauses:           r.PostForm["clauses"],
		Documents:         r.PostForm["documents"],
		PlannedStart:      r.PostFormValue("planned_start"),
		PlannedEnd:        r.PostFormValue("planned_end"),
		Version:           formVersion(r),
	}
}

func auditInput(f templates.AuditForm) qms.AuditInput {
	return qms.AuditInput{
		Type: qms.AuditType(f.Type), Title: f.Title, Scope: f.Scope, AuditeeContacts: f.AuditeeContacts,
		CertificationBody: f.CertificationBody, ExternalAuditor: f.ExternalAuditor,
		LeadAuditorID: formID(f.LeadAuditorID), TeamIDs: formIDs(f.Team), ProcessIDs: formIDs(f.Processes),
		SiteIDs: formIDs(f.Sites), Clauses: f.Clauses, DocumentIDs: formIDs(f.Documents),
		PlannedStart: formDate(f.PlannedStart), PlannedEnd: formDate(f.PlannedEnd),
	}
}

func currentAuditForm(au qms.Audit) templates.AuditForm {
	f := templates.AuditForm{
		Type: string(au.Type), Title: au.Title, Scope: au.Scope, AuditeeContacts: au.AuditeeContacts,
		CertificationBody: au.CertificationBody, ExternalAuditor: au.ExternalAuditor,
		LeadAuditorID: au.LeadAuditorID.String(), PlannedStart: au.PlannedStart.Format("2006-01-02"),
		PlannedEnd: au.PlannedEnd.Format("2006-01-02"), Version: au.Version,
	}
	for _, t := range au.Team {
		f.Team = append(f.Team, t.ID.String())
	}
	for _, p := range au.Processes {
		f.Processes = append(f.Processes, p.ID.String())
	}
	for _, x := range au.Sites {
		f.Sites = append(f.Sites, x.ID.String())
	}
	for _, k := range au.Clauses {
		f.Clauses = append(f.Clauses, k.Number)
	}
	for _, d := range au.Documents {
		f.Documents = append(f.Documents, d.ID.String())
	}
	return f
}

func (s *Server) showNewAudit(w http.ResponseWriter, r *http.Request) {
	f := templates.AuditForm{Type: string(qms.AuditInternal)}
	if id, err := uuid.Parse(r.URL.Query().Get("process")); err == nil {
		f.Processes = []string{id.String()} // planning from the programme's row
	}
	s.renderAuditForm(w, r, http.StatusOK, templates.AuditFormPage{Form: f})
}

// renderAuditForm shows the planning form with its choices and the independence warnings of
// the plan as it stands in the form.
func (s *Server) renderAuditForm(w http.ResponseWriter, r *http.Request, status int, p templates.AuditFormPage) {
	ctx, a := r.Context(), actorFrom(r.Context())
	if err := a.Require(auth.PermPlanAudits); err != nil {
		s.fail(w, r, err)
		return
	}
	members, err := s.svc.Members(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	processes, err := s.svc.Processes(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sites, err := s.svc.Sites(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Clauses, err = s.svc.ISOClauses(ctx, a); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Documents, err = s.criteriaDocuments(ctx, a, p.Form.Documents); err != nil {
		s.fail(w, r, err)
		return
	}
	var team []qms.NamedRef
	for _, m := range members {
		if m.Role.Can(auth.PermPerformAudits) {
			p.Auditors = append(p.Auditors, m)
		}
		if m.UserID.String() == p.Form.LeadAuditorID || contains(p.Form.Team, m.UserID.String()) {
			team = append(team, qms.NamedRef{ID: m.UserID, Name: m.Name})
		}
	}
	var scope []qms.AuditProcess
	for _, pr := range processes {
		chosen := contains(p.Form.Processes, pr.ID.String())
		if chosen {
			scope = append(scope, qms.AuditProcess{ID: pr.ID, Name: pr.Name, OwnerID: pr.OwnerID, OwnerName: pr.OwnerName})
		}
		if !pr.Archived() || chosen {
			p.Processes = append(p.Processes, pr)
		}
	}
	for _, x := range sites {
		if !x.Archived() || contains(p.Form.Sites, x.ID.String()) {
			p.Sites = append(p.Sites, x)
		}
	}
	if !qms.AuditType(p.Form.Type).External() { // the certification body audits; the team hosts
		p.Warnings = qms.CheckIndependence(team, scope)
	}
	title := "Plan an audit"
	if p.Audit != nil {
		title = "Plan of " + p.Audit.Reference
	}
	p.Chrome = s.chrome(r, title, "audits")
	s.render(w, r, status, templates.AuditFormView(p))
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) createAudit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := auditForm(r)
	au, err := s.svc.CreateAudit(r.Context(), a, auditInput(f))
	if qms.ErrorKind(err) == qms.KindInvalid {
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderAuditForm(w, r, http.StatusUnprocessableEntity, templates.AuditFormPage{Form: f})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "audits", au.ID.String()), "Audit "+au.Reference+" was planned.")
}

func (s *Server) showAudit(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "auditID")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderAudit(w, r, http.StatusOK, id, "", templates.QuestionForm{})
}

// renderAudit shows the audit page, with alert (a refused step) above it; qf is the ad-hoc
// question form, refused or blank.
func (s *Server) renderAudit(w http.ResponseWriter, r *http.Request, status int, id uuid.UUID, alert string, qf templates.QuestionForm) {
	ctx, a := r.Context(), actorFrom(r.Context())
	d, err := s.svc.AuditDetails(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if qf.Clauses, err = s.svc.ISOClauses(ctx, a); err != nil {
		s.fail(w, r, err)
		return
	}
	au := d.Audit
	onTeam := au.OnTeam(a.UserID) && a.Can(auth.PermPerformAudits)
	s.render(w, r, status, templates.AuditView(templates.AuditPage{
		Chrome:       s.chrome(r, au.Reference+" "+au.Title, "audits"),
		Detail:       d,
		Alert:        alert,
		CanPlan:      a.Can(auth.PermPlanAudits) && !au.Status.Done(),
		CanWork:      onTeam && au.Status == qms.AuditInProgress,
		CanStart:     onTeam && au.Status == qms.AuditPlanned,
		CanReport:    au.LeadAuditorID == a.UserID && a.Can(auth.PermPerformAudits) && au.Status == qms.AuditInProgress,
		CanClose:     a.Can(auth.PermCloseFindings) && au.Status == qms.AuditReported,
		QuestionForm: qf,
	}))
}

func (s *Server) showEditAudit(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "auditID")
	if !ok {
		s.notFound(w, r)
		return
	}
	au, err := s.svc.AuditDetails(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAuditForm(w, r, http.StatusOK, templates.AuditFormPage{Audit: &au.Audit, Form: currentAuditForm(au.Audit)})
}

func (s *Server) updateAudit(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "auditID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	current, err := s.svc.AuditDetails(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := auditForm(r)
	au, err := s.svc.UpdateAudit(ctx, a, id, f.Version, auditInput(f))
	if err != nil {
		status, shown := editRefusal(err)
		if !shown {
			s.fail(w, r, err)
			return
		}
		p := templates.AuditFormPage{Audit: &current.Audit, Form: f}
		p.Form.Alert, p.Form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		if status == http.StatusConflict && current.Audit.Version != f.Version {
			p.Theirs = &current.Audit
			// Saving again now means "mine over theirs", so the form carries their version.
			p.Form.Version = current.Audit.Version
		}
		s.renderAuditForm(w, r, status, p)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "audits", id.String()), "The plan of "+au.Reference+" was saved.")
}

func (s *Server) startAudit(w http.ResponseWriter, r *http.Request) {
	s.auditStep(w, r, "was started: record results question by question.", s.svc.StartAudit)
}

func (s *Server) closeAudit(w http.ResponseWriter, r *http.Request) {
	s.auditStep(w, r, "was closed.", s.svc.CloseAudit)
}

// auditStep runs a status change of an audit posted from its page; a refusal (its state
// forbids it, or someone changed it meanwhile) shows on the page again.
func (s *Server) auditStep(w http.ResponseWriter, r *http.Request, done string,
	step func(ctx context.Context, a qms.Actor, id uuid.UUID, version int) (qms.Audit, error)) {
	id, ok := idParam(r, "auditID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	au, err := step(r.Context(), a, id, formVersion(r))
	if qms.ErrorKind(err) == qms.KindConflict {
		s.renderAudit(w, r, http.StatusConflict, id, qms.ErrorMessage(err), templates.QuestionForm{})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "audits", id.String()), "Audit "+au.Reference+" "+done)
}
