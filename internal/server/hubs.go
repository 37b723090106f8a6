package server

import (
	"context"
	"net/http"
	"net/url"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

// The process and clause pages are hubs that every area of the QMS contributes a section to.
// A section is one function here (with its templ component): an area that has something per
// process or per clause adds its function to processSections or clauseSections. Each section
// loads its own data through its area's service method, so the areas stay apart.

// hubRows is how many documents or audits a hub's section lists at most: the first documents
// by number, the latest audits. A section links to the whole list.
const hubRows = 20

type processSection func(ctx context.Context, a qms.Actor, p qms.Process) (templ.Component, error)

type clauseSection func(ctx context.Context, a qms.Actor, c qms.Clause) (templ.Component, error)

func (s *Server) processSections() []processSection {
	return []processSection{
		s.processDocumentsSection,
		s.processRecordsSection,
		s.processAuditsSection,
		s.processFindingsSection,
		s.processRisksSection,
	}
}

func (s *Server) processRisksSection(ctx context.Context, a qms.Actor, p qms.Process) (templ.Component, error) {
	page, err := s.svc.Risks(ctx, a, qms.RiskFilter{ProcessID: p.ID, Limit: 20})
	all := templates.WithQuery(templates.Path(a.OrgSlug, "risks"), url.Values{"process": {p.ID.String()}})
	return templates.RisksSection(a.OrgSlug, page, all), err
}

func (s *Server) clauseSections() []clauseSection {
	return []clauseSection{
		s.clauseDocumentsSection,
		s.clauseRecordsSection,
		s.clauseAuditsSection,
		s.clauseFindingsSection,
	}
}

func (s *Server) processRecordsSection(ctx context.Context, a qms.Actor, p qms.Process) (templ.Component, error) {
	sum, err := s.svc.ProcessRecords(ctx, a, p.ID)
	all := templates.WithQuery(templates.Path(a.OrgSlug, "records"), url.Values{"process": {p.ID.String()}})
	return templates.RecordsSection(a.OrgSlug, sum, all, true), err
}

func (s *Server) clauseRecordsSection(ctx context.Context, a qms.Actor, c qms.Clause) (templ.Component, error) {
	sum, err := s.svc.ClauseRecords(ctx, a, c.Number)
	all := templates.WithQuery(templates.Path(a.OrgSlug, "records"), url.Values{"clause": {c.Number}})
	return templates.RecordsSection(a.OrgSlug, sum, all, false), err
}

func (s *Server) processDocumentsSection(ctx context.Context, a qms.Actor, p qms.Process) (templ.Component, error) {
	page, err := s.svc.Documents(ctx, a, qms.DocumentFilter{ProcessID: p.ID, Limit: hubRows})
	all := templates.WithQuery(templates.Path(a.OrgSlug, "documents"), url.Values{"process": {p.ID.String()}})
	return templates.DocumentsSection(a.OrgSlug, page, s.svc.Today(), all), err
}

func (s *Server) clauseDocumentsSection(ctx context.Context, a qms.Actor, c qms.Clause) (templ.Component, error) {
	page, err := s.svc.ClauseDocuments(ctx, a, c.Number, hubRows)
	return templates.DocumentsSection(a.OrgSlug, page, s.svc.Today(), templates.OrgURL(a.OrgSlug, "documents")), err
}

func (s *Server) processAuditsSection(ctx context.Context, a qms.Actor, p qms.Process) (templ.Component, error) {
	audits, err := s.svc.Audits(ctx, a, qms.AuditListFilter{ProcessID: p.ID, Latest: hubRows})
	return templates.AuditsSection(a.OrgSlug, audits, hubRows), err
}

func (s *Server) clauseAuditsSection(ctx context.Context, a qms.Actor, c qms.Clause) (templ.Component, error) {
	audits, err := s.svc.Audits(ctx, a, qms.AuditListFilter{Clause: c.Number, Latest: hubRows})
	return templates.AuditsSection(a.OrgSlug, audits, hubRows), err
}

// hubFindings are the latest findings matching f and how many are open, for a hub's section.
func (s *Server) hubFindings(ctx context.Context, a qms.Actor, f qms.FindingFilter, all templ.SafeURL) (templ.Component, error) {
	f.Limit = 10
	latest, err := s.svc.Findings(ctx, a, f)
	if err != nil {
		return nil, err
	}
	open, openNCs, err := s.svc.OpenFindings(ctx, a, f)
	return templates.FindingsSection(a.OrgSlug, latest.Findings, open, openNCs, all), err
}

func (s *Server) processFindingsSection(ctx context.Context, a qms.Actor, p qms.Process) (templ.Component, error) {
	return s.hubFindings(ctx, a, qms.FindingFilter{ProcessID: p.ID},
		templates.WithQuery(templates.Path(a.OrgSlug, "findings"), url.Values{"process": {p.ID.String()}}))
}

func (s *Server) clauseFindingsSection(ctx context.Context, a qms.Actor, c qms.Clause) (templ.Component, error) {
	return s.hubFindings(ctx, a, qms.FindingFilter{Clause: c.Number},
		templates.WithQuery(templates.Path(a.OrgSlug, "findings"), url.Values{"clause": {c.Number}}))
}

func (s *Server) showProcessIndex(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.Processes(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.ProcessIndexView(templates.ProcessIndexPage{Chrome: s.chrome(r, "Processes", "records"), Processes: list}))
}

func (s *Server) showProcessHub(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "processID")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorFrom(r.Context())
	p, err := s.svc.Process(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := templates.ProcessHubPage{Chrome: s.chrome(r, p.Name, "records"), Process: p}
	for _, section := range s.processSections() {
		c, err := section(r.Context(), a, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		page.Sections = append(page.Sections, c)
	}
	s.render(w, r, http.StatusOK, templates.ProcessHubView(page))
}

func (s *Server) showClauses(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.Clauses(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.ClauseIndexView(templates.ClausesPage{Chrome: s.chrome(r, "ISO 9001 clauses", "records"), Clauses: list}))
}

func (s *Server) showClause(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	c, err := s.svc.Clause(r.Context(), a, chi.URLParam(r, "number"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := templates.ClauseHubPage{Chrome: s.chrome(r, c.Number+" "+c.Title, "records"), Clause: c}
	for _, section := range s.clauseSections() {
		comp, err := section(r.Context(), a, c)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		page.Sections = append(page.Sections, comp)
	}
	s.render(w, r, http.StatusOK, templates.ClauseHubView(page))
}
