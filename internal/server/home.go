package server

import (
	"net/http"

	"github.com/plumbline/plumbline/templates"
)

func (s *Server) showHome(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	h, err := s.svc.Home(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.HomePage(s.chrome(r, a.OrgName, "home"), h))
}
