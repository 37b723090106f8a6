package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func processForm(r *http.Request) templates.ProcessForm {
	return templates.ProcessForm{
		Name:        r.PostFormValue("name"),
		Description: r.PostFormValue("description"),
		OwnerID:     r.PostFormValue("owner_user_id"),
		Frequency:   r.PostFormValue("audit_frequency_months"),
		Version:     formVersion(r),
	}
}

func processInput(f templates.ProcessForm) qms.ProcessInput {
	owner, _ := uuid.Parse(f.OwnerID) // an unreadable owner is "not chosen", reported by the service
	// Left empty, the frequency is the default; anything but a whole number is out of range,
	// which the service reports next to the field.
	frequency := 0
	if strings.TrimSpace(f.Frequency) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(f.Frequency))
		if err != nil {
			n = -1
		}
		frequency = n
	}
	return qms.ProcessInput{Name: f.Name, Description: f.Description, OwnerID: owner, AuditFrequencyMonths: frequency}
}

// ownerOptions lists who may own a process: the organisation's members.
func (s *Server) ownerOptions(r *http.Request) ([]templates.Option, error) {
	members, err := s.svc.Members(r.Context(), actorFrom(r.Context()))
	return templates.MemberOptions(members), err
}

func (s *Server) showProcesses(w http.ResponseWriter, r *http.Request) {
	s.renderProcesses(w, r, http.StatusOK, templates.ProcessForm{})
}

func (s *Server) renderProcesses(w http.ResponseWriter, r *http.Request, status int, f templates.ProcessForm) {
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermManageStructure); err != nil {
		s.fail(w, r, err)
		return
	}
	processes, err := s.svc.Processes(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	owners, err := s.ownerOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, templates.ProcessesView(templates.ProcessesPage{
		Chrome: s.chrome(r, "Processes", "settings"), Processes: processes, Owners: owners, Form: f,
	}))
}

func (s *Server) createProcess(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := processForm(r)
	p, err := s.svc.CreateProcess(r.Context(), a, processInput(f))
	if qms.ErrorKind(err) == qms.KindInvalid {
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderProcesses(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "settings", "processes"), "Process "+p.Name+" was added.")
}

func (s *Server) showProcess(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "processID")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermManageStructure); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.svc.Process(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderProcessEdit(w, r, http.StatusOK, templates.ProcessEditPage{Process: p, Form: currentProcessForm(p)})
}

func currentProcessForm(p qms.Process) templates.ProcessForm {
	return templates.ProcessForm{Name: p.Name, Description: p.Description, OwnerID: p.OwnerID.String(),
		Frequency: strconv.Itoa(p.AuditFrequencyMonths), Version: p.Version}
}

func (s *Server) renderProcessEdit(w http.ResponseWriter, r *http.Request, status int, p templates.ProcessEditPage) {
	owners, err := s.ownerOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Chrome, p.Owners = s.chrome(r, p.Process.Name, "settings"), owners
	s.render(w, r, status, templates.ProcessEditView(p))
}

func (s *Server) updateProcess(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "processID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := processForm(r)
	p, err := s.svc.UpdateProcess(r.Context(), a, id, f.Version, processInput(f))
	if err != nil {
		s.processEditRefused(w, r, id, &f, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "settings", "processes"), "Process "+p.Name+" was saved.")
}

func (s *Server) archiveProcess(w http.ResponseWriter, r *http.Request) {
	s.setProcessArchived(w, r, true)
}

func (s *Server) restoreProcess(w http.ResponseWriter, r *http.Request) {
	s.setProcessArchived(w, r, false)
}

func (s *Server) setProcessArchived(w http.ResponseWriter, r *http.Request, archived bool) {
	id, ok := idParam(r, "processID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	p, err := s.svc.SetProcessArchived(r.Context(), a, id, formVersion(r), archived)
	if err != nil {
		s.processEditRefused(w, r, id, nil, err)
		return
	}
	verb := "restored"
	if archived {
		verb = "archived"
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "settings", "processes", id.String()), "Process "+p.Name+" was "+verb+".")
}

// processEditRefused re-shows the edit page after a refused change: 422 with field errors, or
// 409 next to the version someone else saved, with the user's typed input (typed, nil for
// archive and restore) kept in the form.
func (s *Server) processEditRefused(w http.ResponseWriter, r *http.Request, id uuid.UUID, typed *templates.ProcessForm, err error) {
	status, shown := editRefusal(err)
	if !shown {
		s.fail(w, r, err)
		return
	}
	current, lerr := s.svc.Process(r.Context(), actorFrom(r.Context()), id)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	p := templates.ProcessEditPage{Process: current, Form: currentProcessForm(current)}
	if typed != nil {
		p.Form = *typed
	}
	p.Form.Alert, p.Form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
	if status == http.StatusConflict {
		p.Theirs = &current
		// Saving again now means "mine over theirs", so the form carries their version.
		p.Form.Version = current.Version
	}
	s.renderProcessEdit(w, r, status, p)
}
