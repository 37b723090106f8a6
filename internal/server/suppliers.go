package server

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func supplierForm(r *http.Request) templates.SupplierForm {
	return templates.SupplierForm{
		Name: r.PostFormValue("name"), Supplies: r.PostFormValue("supplies"), ApprovalStatus: r.PostFormValue("approval_status"),
		ProcessID: r.PostFormValue("process_id"), ContactName: r.PostFormValue("contact_name"),
		ContactEmail: r.PostFormValue("contact_email"), ContactPhone: r.PostFormValue("contact_phone"),
		Notes: r.PostFormValue("notes"), Version: formVersion(r),
	}
}

func supplierInput(f templates.SupplierForm) qms.SupplierInput {
	return qms.SupplierInput{
		Name: f.Name, Supplies: f.Supplies, ApprovalStatus: qms.SupplierStatus(f.ApprovalStatus), ProcessID: parseID(f.ProcessID),
		ContactName: f.ContactName, ContactEmail: f.ContactEmail, ContactPhone: f.ContactPhone, Notes: f.Notes,
	}
}

func currentSupplierForm(sup qms.Supplier) templates.SupplierForm {
	f := templates.SupplierForm{
		Name: sup.Name, Supplies: sup.Supplies, ApprovalStatus: string(sup.ApprovalStatus), ContactName: sup.ContactName,
		ContactEmail: sup.ContactEmail, ContactPhone: sup.ContactPhone, Notes: sup.Notes, Version: sup.Version,
	}
	if sup.ProcessID != nil {
		f.ProcessID = sup.ProcessID.String()
	}
	return f
}

func (s *Server) showSuppliers(w http.ResponseWriter, r *http.Request) {
	s.renderSuppliers(w, r, http.StatusOK, templates.SupplierForm{ApprovalStatus: string(qms.SupplierPending)})
}

func (s *Server) renderSuppliers(w http.ResponseWriter, r *http.Request, status int, f templates.SupplierForm) {
	a := actorFrom(r.Context())
	st := qms.SupplierStatus(r.URL.Query().Get("status"))
	if !st.Valid() {
		st = ""
	}
	list, err := s.svc.Suppliers(r.Context(), a, qms.SupplierFilter{Status: st})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	choices, err := s.svc.RecordChoices(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, templates.SuppliersView(templates.SuppliersPage{
		Chrome: s.chrome(r, "Suppliers", "records"), Status: string(st), Suppliers: list, Processes: choices.Processes, Form: f,
	}))
}

func (s *Server) createSupplier(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := supplierForm(r)
	sup, err := s.svc.CreateSupplier(r.Context(), a, supplierInput(f))
	if qms.ErrorKind(err) == qms.KindInvalid {
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderSuppliers(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "records", "suppliers", sup.ID.String()), "Supplier "+sup.Name+" was added.")
}

func (s *Server) showSupplier(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "supplierID")
	if !ok {
		s.notFound(w, r)
		return
	}
	d, err := s.svc.Supplier(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderSupplier(w, r, http.StatusOK, templates.SupplierPage{Detail: d, Form: currentSupplierForm(d.Supplier)})
}

func (s *Server) renderSupplier(w http.ResponseWriter, r *http.Request, status int, p templates.SupplierPage) {
	a := actorFrom(r.Context())
	choices, err := s.svc.RecordChoices(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Processes = choices.Processes
	if a.Can(auth.PermWriteRecords) && !p.Detail.Archived() {
		for _, t := range choices.Types {
			if t.Kind == qms.KindSupplierEvaluation && !t.Archived() && p.EvaluateURL == "" {
				p.EvaluateURL = string(templates.WithQuery(templates.Path(a.OrgSlug, "records", "new"),
					templates.SupplierEvaluateQuery(t.ID.String(), p.Detail.ID.String())))
			}
		}
	}
	p.Chrome = s.chrome(r, p.Detail.Name, "records")
	s.render(w, r, status, templates.SupplierView(p))
}

func (s *Server) updateSupplier(w http.ResponseWriter, r *http.Request) {
	s.changeSupplier(w, r, func(a qms.Actor, id uuid.UUID, f templates.SupplierForm) (qms.Supplier, error) {
		return s.svc.UpdateSupplier(r.Context(), a, id, f.Version, supplierInput(f))
	}, true, "was saved")
}

func (s *Server) archiveSupplier(w http.ResponseWriter, r *http.Request) {
	s.changeSupplier(w, r, func(a qms.Actor, id uuid.UUID, f templates.SupplierForm) (qms.Supplier, error) {
		return s.svc.SetSupplierArchived(r.Context(), a, id, f.Version, true)
	}, false, "was archived")
}

func (s *Server) restoreSupplier(w http.ResponseWriter, r *http.Request) {
	s.changeSupplier(w, r, func(a qms.Actor, id uuid.UUID, f templates.SupplierForm) (qms.Supplier, error) {
		return s.svc.SetSupplierArchived(r.Context(), a, id, f.Version, false)
	}, false, "was restored")
}

// changeSupplier runs one change of a supplier and answers it: back to the supplier's page,
// or the page again with 422 (field errors) or 409 (someone else's version), typed input kept
// when the change came from the form (typed).
func (s *Server) changeSupplier(w http.ResponseWriter, r *http.Request,
	change func(qms.Actor, uuid.UUID, templates.SupplierForm) (qms.Supplier, error), typed bool, done string) {
	id, ok := idParam(r, "supplierID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	if _, err := s.svc.Supplier(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	f := supplierForm(r)
	sup, err := change(a, id, f)
	if err == nil {
		s.redirect(w, r, templates.Path(a.OrgSlug, "records", "suppliers", id.String()), "Supplier "+sup.Name+" "+done+".")
		return
	}
	status, shown := editRefusal(err)
	if !shown {
		s.fail(w, r, err)
		return
	}
	current, lerr := s.svc.Supplier(r.Context(), a, id)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	p := templates.SupplierPage{Detail: current, Form: currentSupplierForm(current.Supplier)}
	if typed {
		p.Form = f
	}
	p.Form.Alert, p.Form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
	if status == http.StatusConflict {
		p.Theirs = &current.Supplier
		p.Form.Version = current.Version
	}
	s.renderSupplier(w, r, status, p)
}
