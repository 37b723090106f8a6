package server

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func siteForm(r *http.Request) templates.SiteForm {
	return templates.SiteForm{
		Name:    r.PostFormValue("name"),
		Code:    r.PostFormValue("code"),
		Address: r.PostFormValue("address"),
		Version: formVersion(r),
	}
}

func (s *Server) showSites(w http.ResponseWriter, r *http.Request) {
	s.renderSites(w, r, http.StatusOK, templates.SiteForm{})
}

func (s *Server) renderSites(w http.ResponseWriter, r *http.Request, status int, f templates.SiteForm) {
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermManageStructure); err != nil {
		s.fail(w, r, err)
		return
	}
	sites, err := s.svc.Sites(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, templates.SitesView(templates.SitesPage{Chrome: s.chrome(r, "Sites", "settings"), Sites: sites, Form: f}))
}

func (s *Server) createSite(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := siteForm(r)
	site, err := s.svc.CreateSite(r.Context(), a, qms.SiteInput{Name: f.Name, Code: f.Code, Address: f.Address})
	if qms.ErrorKind(err) == qms.KindInvalid {
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderSites(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "settings", "sites"), "Site "+site.Name+" was added.")
}

func (s *Server) showSite(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "siteID")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermManageStructure); err != nil {
		s.fail(w, r, err)
		return
	}
	site, err := s.svc.Site(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.SiteEditView(templates.SiteEditPage{Chrome: s.chrome(r, site.Name, "settings"), Site: site, Form: currentSiteForm(site)}))
}

func (s *Server) updateSite(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "siteID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := siteForm(r)
	site, err := s.svc.UpdateSite(r.Context(), a, id, f.Version, qms.SiteInput{Name: f.Name, Code: f.Code, Address: f.Address})
	if err != nil {
		s.siteEditRefused(w, r, id, &f, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "settings", "sites"), "Site "+site.Name+" was saved.")
}

func (s *Server) archiveSite(w http.ResponseWriter, r *http.Request) { s.setSiteArchived(w, r, true) }
func (s *Server) restoreSite(w http.ResponseWriter, r *http.Request) { s.setSiteArchived(w, r, false) }

func (s *Server) setSiteArchived(w http.ResponseWriter, r *http.Request, archived bool) {
	id, ok := idParam(r, "siteID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	site, err := s.svc.SetSiteArchived(r.Context(), a, id, formVersion(r), archived)
	if err != nil {
		s.siteEditRefused(w, r, id, nil, err)
		return
	}
	verb := "restored"
	if archived {
		verb = "archived"
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "settings", "sites", id.String()), "Site "+site.Name+" was "+verb+".")
}

func currentSiteForm(site qms.Site) templates.SiteForm {
	return templates.SiteForm{Name: site.Name, Code: site.Code, Address: site.Address, Version: site.Version}
}

// siteEditRefused re-shows the edit page after a refused change: 422 with field errors, or
// 409 next to the version someone else saved, with the user's typed input (typed, nil for
// archive and restore) kept in the form.
func (s *Server) siteEditRefused(w http.ResponseWriter, r *http.Request, id uuid.UUID, typed *templates.SiteForm, err error) {
	status, shown := editRefusal(err)
	if !shown {
		s.fail(w, r, err)
		return
	}
	current, lerr := s.svc.Site(r.Context(), actorFrom(r.Context()), id)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	p := templates.SiteEditPage{Chrome: s.chrome(r, current.Name, "settings"), Site: current, Form: currentSiteForm(current)}
	if typed != nil {
		p.Form = *typed
	}
	p.Form.Alert, p.Form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
	if status == http.StatusConflict {
		p.Theirs = &current
		// Saving again now means "mine over theirs", so the form carries their version.
		p.Form.Version = current.Version
	}
	s.render(w, r, status, templates.SiteEditView(p))
}
