package server

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/templates"
)

// showHome is the organisation home: the person's own work and the dashboard, for the whole
// organisation or one site (?site=).
func (s *Server) showHome(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	var site uuid.UUID
	if v := r.URL.Query().Get("site"); v != "" {
		var err error
		if site, err = uuid.Parse(v); err != nil {
			s.notFound(w, r)
			return
		}
	}
	h, err := s.svc.Home(r.Context(), a, site)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.HomePage(s.chrome(r, a.OrgName, "home"), h))
}
