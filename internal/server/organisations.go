package server

import (
	"net/http"

	"github.com/plumbline/plumbline/templates"
)

// showOrganisations lists the user's organisations, or goes straight to the only one.
func (s *Server) showOrganisations(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	orgs, err := s.svc.OrganisationsOf(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(orgs) == 1 {
		http.Redirect(w, r, string(templates.OrgURL(orgs[0].Slug))+"/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, templates.OrganisationsPage(s.chrome(r, "Your organisations", ""), orgs))
}
