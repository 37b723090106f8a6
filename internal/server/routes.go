package server

import (
	"io/fs"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/plumbline/plumbline/web"
)

// routes is the one route table. Every path of a tenant lives under /o/{org}; requireMember
// answers 404 there for anyone who is not a member.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.requestID, s.logRequests, s.recoverPanics, s.securityHeaders, s.refuseCrossOrigin)

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	static, _ := fs.Sub(web.Static, "static")
	r.Handle("/static/*", http.StripPrefix("/static/", staticFiles(static)))

	r.Group(func(r chi.Router) {
		r.Use(s.limitBody(s.cfg.MaxFormBytes), s.loadSession, noStore)

		r.Get("/login", s.showLogin)
		r.Post("/login", s.login)
		r.Post("/logout", s.logout)

		r.Group(func(r chi.Router) {
			r.Use(s.requireUser)
			r.Get("/", s.showOrganisations)
			r.Get("/account/password", s.showChangePassword)
			r.Post("/account/password", s.changePassword)
		})

		r.Route("/o/{org}", func(r chi.Router) {
			r.Use(s.requireMember)
			r.Get("/", s.showHome)
			r.Get("/files/{fileID}", s.downloadFile)

			r.Get("/settings/members", s.showMembers)
			r.Post("/settings/members", s.addMember)
			r.Post("/settings/members/{userID}/role", s.changeMemberRole)
			r.Post("/settings/members/{userID}/remove", s.removeMember)

			r.Get("/settings/sites", s.showSites)
			r.Post("/settings/sites", s.createSite)
			r.Get("/settings/sites/{siteID}", s.showSite)
			r.Post("/settings/sites/{siteID}", s.updateSite)
			r.Post("/settings/sites/{siteID}/archive", s.archiveSite)
			r.Post("/settings/sites/{siteID}/restore", s.restoreSite)

			r.Get("/settings/processes", s.showProcesses)
			r.Post("/settings/processes", s.createProcess)
			r.Get("/settings/processes/{processID}", s.showProcess)
			r.Post("/settings/processes/{processID}", s.updateProcess)
			r.Post("/settings/processes/{processID}/archive", s.archiveProcess)
			r.Post("/settings/processes/{processID}/restore", s.restoreProcess)

			r.Get("/settings/audit-trail", s.showAuditTrail)

			r.Get("/audits", s.showAudits)
			r.Post("/audits", s.createAudit)
			r.Get("/audits/new", s.showNewAudit)
			r.Get("/audits/programme", s.showAuditProgramme)
			r.Get("/audits/checklists", s.showQuestionTemplates)
			r.Post("/audits/checklists", s.addQuestionTemplate)
			r.Get("/audits/checklists/{templateID}", s.showQuestionTemplate)
			r.Post("/audits/checklists/{templateID}", s.updateQuestionTemplate)
			r.Post("/audits/checklists/{templateID}/remove", s.removeQuestionTemplate)
			r.Get("/audits/{auditID}", s.showAudit)
			r.Post("/audits/{auditID}", s.updateAudit)
			r.Get("/audits/{auditID}/edit", s.showEditAudit)
			r.Post("/audits/{auditID}/start", s.startAudit)
			r.Post("/audits/{auditID}/close", s.closeAudit)
			r.Post("/audits/{auditID}/questions", s.addQuestion)
			r.Get("/audits/{auditID}/questions/{itemID}", s.showQuestion)
			r.Post("/audits/{auditID}/questions/{itemID}", s.recordResult)
			r.Post("/audits/{auditID}/questions/{itemID}/remove", s.removeQuestion)
			r.Post("/audits/{auditID}/questions/{itemID}/evidence/{evidenceID}/remove", s.removeEvidence)
			r.Get("/audits/{auditID}/report", s.showAuditReport)
			r.Post("/audits/{auditID}/report", s.issueAuditReport)
			r.Get("/audits/{auditID}/report.pdf", s.auditReportPDF)

			r.Get("/findings", s.showFindings)
			r.Post("/findings", s.raiseFinding)
			r.Get("/findings/new", s.showNewFinding)
			r.Get("/findings/{findingID}", s.showFinding)
			r.Post("/findings/{findingID}", s.updateFinding)
			r.Post("/findings/{findingID}/close", s.closeFinding)
		})
	})

	r.NotFound(s.notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusMethodNotAllowed, "Not allowed", "This address does not accept that kind of request.")
	})
	return r
}
