package server

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func recordTypeForm(r *http.Request) templates.RecordTypeForm {
	return templates.RecordTypeForm{
		Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), RetentionMonths: r.PostFormValue("retention_months"),
		Description: r.PostFormValue("description"), Version: formVersion(r),
	}
}

func recordTypeInput(f templates.RecordTypeForm) qms.RecordTypeInput {
	return qms.RecordTypeInput{Name: f.Name, Kind: qms.RecordKind(f.Kind), RetentionMonths: f.RetentionMonths, Description: f.Description}
}

func currentRecordTypeForm(t qms.RecordType) templates.RecordTypeForm {
	return templates.RecordTypeForm{Name: t.Name, Kind: string(t.Kind), RetentionMonths: strconv.Itoa(t.RetentionMonths),
		Description: t.Description, Version: t.Version}
}

func (s *Server) showRecordTypes(w http.ResponseWriter, r *http.Request) {
	s.renderRecordTypes(w, r, http.StatusOK, templates.RecordTypeForm{RetentionMonths: "72"})
}

func (s *Server) renderRecordTypes(w http.ResponseWriter, r *http.Request, status int, f templates.RecordTypeForm) {
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermManageRecordTypes); err != nil {
		s.fail(w, r, err)
		return
	}
	types, err := s.svc.RecordTypes(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, templates.RecordTypesView(templates.RecordTypesPage{Chrome: s.chrome(r, "Record types", "records"), Types: types, Form: f}))
}

func (s *Server) createRecordType(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := recordTypeForm(r)
	t, err := s.svc.CreateRecordType(r.Context(), a, recordTypeInput(f))
	if qms.ErrorKind(err) == qms.KindInvalid {
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderRecordTypes(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "records", "types"), "Record type "+t.Name+" was added.")
}

func (s *Server) showRecordType(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "typeID")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermManageRecordTypes); err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.svc.RecordType(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.RecordTypeView(templates.RecordTypePage{Chrome: s.chrome(r, t.Name, "records"), Type: t, Form: currentRecordTypeForm(t)}))
}

func (s *Server) updateRecordType(w http.ResponseWriter, r *http.Request) {
	s.changeRecordType(w, r, func(a qms.Actor, id uuid.UUID, f templates.RecordTypeForm) (qms.RecordType, error) {
		return s.svc.UpdateRecordType(r.Context(), a, id, f.Version, recordTypeInput(f))
	}, true)
}

func (s *Server) archiveRecordType(w http.ResponseWriter, r *http.Request) {
	s.changeRecordType(w, r, func(a qms.Actor, id uuid.UUID, f templates.RecordTypeForm) (qms.RecordType, error) {
		return s.svc.SetRecordTypeArchived(r.Context(), a, id, f.Version, true)
	}, false)
}

func (s *Server) restoreRecordType(w http.ResponseWriter, r *http.Request) {
	s.changeRecordType(w, r, func(a qms.Actor, id uuid.UUID, f templates.RecordTypeForm) (qms.RecordType, error) {
		return s.svc.SetRecordTypeArchived(r.Context(), a, id, f.Version, false)
	}, false)
}

// changeRecordType runs one change of a record type and answers it like changeSupplier.
func (s *Server) changeRecordType(w http.ResponseWriter, r *http.Request,
	change func(qms.Actor, uuid.UUID, templates.RecordTypeForm) (qms.RecordType, error), typed bool) {
	id, ok := idParam(r, "typeID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	if _, err := s.svc.RecordType(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	f := recordTypeForm(r)
	t, err := change(a, id, f)
	if err == nil {
		s.redirect(w, r, templates.Path(a.OrgSlug, "records", "types"), "Record type "+t.Name+" was saved.")
		return
	}
	status, shown := editRefusal(err)
	if !shown {
		s.fail(w, r, err)
		return
	}
	current, lerr := s.svc.RecordType(r.Context(), a, id)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	p := templates.RecordTypePage{Chrome: s.chrome(r, current.Name, "records"), Type: current, Form: currentRecordTypeForm(current)}
	if typed {
		p.Form = f
	}
	p.Form.Alert, p.Form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
	if status == http.StatusConflict {
		p.Theirs = &current
		p.Form.Version = current.Version
	}
	s.render(w, r, status, templates.RecordTypeView(p))
}
