package server

import (
	"net/http"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func (s *Server) showChangePassword(w http.ResponseWriter, r *http.Request) {
	f := templates.PasswordForm{Forced: s.sessions.GetBool(r.Context(), sessionMustChange)}
	s.render(w, r, http.StatusOK, templates.PasswordPage(s.chrome(r, "Change your password", ""), f))
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	u, _ := userFrom(r.Context())
	err := s.svc.ChangePassword(r.Context(), u.ID, r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm"))
	if qms.ErrorKind(err) == qms.KindInvalid {
		f := templates.PasswordForm{
			Forced: s.sessions.GetBool(r.Context(), sessionMustChange),
			Alert:  qms.ErrorMessage(err),
			Errors: qms.FieldErrors(err),
		}
		s.render(w, r, http.StatusUnprocessableEntity, templates.PasswordPage(s.chrome(r, "Change your password", ""), f))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Remove(r.Context(), sessionMustChange)
	s.redirect(w, r, "/", "Your password has been changed.")
}
