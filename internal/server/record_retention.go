package server

import (
	"net/http"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func (s *Server) showRetention(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	page, err := s.svc.PastRetention(r.Context(), a, r.URL.Query().Get("after"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	disposed, err := s.svc.DisposedRecords(r.Context(), a, 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.RetentionView(templates.RetentionPage{
		Chrome: s.chrome(r, "Past retention", "records"), Page: page, Disposed: disposed, Today: s.svc.Today(),
	}))
}

func (s *Server) showDisposeRecord(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordID(w, r)
	if !ok {
		return
	}
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermDisposeRecords); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.svc.Record(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.State == qms.RecordDisposed {
		s.redirect(w, r, string(templates.RecordURL(a.OrgSlug, id)), d.Number()+" was disposed of already.")
		return
	}
	s.render(w, r, http.StatusOK, templates.DisposeView(templates.DisposePage{Chrome: s.chrome(r, "Dispose of "+d.Number(), "records"), Detail: d}))
}

func (s *Server) disposeRecord(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordID(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	d, err := s.svc.Record(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := templates.DisposePage{Detail: d, Reason: r.PostFormValue("reason")}
	rec, err := s.svc.DisposeRecord(r.Context(), a, id, formVersion(r), p.Reason, r.PostFormValue("password"))
	if err == nil {
		s.redirect(w, r, string(templates.RecordURL(a.OrgSlug, id)), rec.Number()+" was disposed of. Its signed tombstone remains.")
		return
	}
	if qms.ErrorKind(err) != qms.KindInvalid {
		s.fail(w, r, err) // not past retention, changed meanwhile, throttled, not allowed
		return
	}
	p.Chrome, p.Alert, p.Errors = s.chrome(r, "Dispose of "+d.Number(), "records"), qms.ErrorMessage(err), qms.FieldErrors(err)
	s.render(w, r, http.StatusUnprocessableEntity, templates.DisposeView(p))
}
