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

			r.Get("/documents", s.showDocuments)
			r.Post("/documents", s.createDocument)
			r.Get("/documents/new", s.showNewDocument)
			r.Get("/documents/export.csv", s.exportDocuments)
			r.Get("/documents/{documentID}", s.showDocument)
			r.Get("/documents/{documentID}/edit", s.showEditDocument)
			r.Post("/documents/{documentID}/edit", s.updateDocument)
			r.Post("/documents/{documentID}/revise", s.reviseDocument)
			r.Post("/documents/{documentID}/obsolete", s.obsoleteDocument)
			r.Post("/documents/{documentID}/flags", s.raiseFlag)
			r.Post("/documents/{documentID}/flags/{flagID}/resolve", s.resolveFlag)
			r.Get("/documents/{documentID}/acknowledgements", s.showAcknowledgements)
			r.Post("/documents/{documentID}/audience", s.setAudience)
			r.Get("/documents/{documentID}/review", s.showPeriodicReview)
			r.Post("/documents/{documentID}/review/confirm", s.confirmPeriodicReview)
			r.Post("/documents/{documentID}/review/revise", s.reviseFromReview)
			r.Get("/documents/{documentID}/compare", s.compareVersions)
			r.Get("/documents/{documentID}/versions/{versionID}", s.showVersion)
			r.Get("/documents/{documentID}/versions/{versionID}/edit", s.showEditDraft)
			r.Post("/documents/{documentID}/versions/{versionID}/edit", s.editDraft)
			r.Post("/documents/{documentID}/versions/{versionID}/submit", s.submitVersion)
			r.Post("/documents/{documentID}/versions/{versionID}/review", s.reviewVersion)
			r.Post("/documents/{documentID}/versions/{versionID}/approve", s.approveVersion)
			r.Post("/documents/{documentID}/versions/{versionID}/withdraw", s.withdrawVersion)
			r.Post("/documents/{documentID}/versions/{versionID}/acknowledge", s.acknowledgeVersion)
			r.Get("/settings/document-types", s.showDocumentTypes)
			r.Post("/settings/document-types/{documentTypeID}", s.updateDocumentType)
			r.Get("/objectives", s.showObjectives)
			r.Get("/objectives/new", s.newObjective)
			r.Post("/objectives", s.createObjective)
			r.Get("/objectives/{objectiveID}", s.showObjective)
			r.Post("/objectives/{objectiveID}", s.updateObjective)
			r.Get("/objectives/{objectiveID}/edit", s.editObjective)
			r.Post("/objectives/{objectiveID}/archive", s.archiveObjective)
			r.Post("/objectives/{objectiveID}/restore", s.restoreObjective)
			r.Post("/objectives/{objectiveID}/measurements", s.recordMeasurement)
			r.Get("/objectives/{objectiveID}/measurements/template.csv", s.measurementTemplate)
			r.Post("/objectives/{objectiveID}/measurements/import", s.importMeasurements)
			r.Post("/objectives/{objectiveID}/measurements/compute", s.computeMeasurements)
			r.Get("/objectives/{objectiveID}/measurements/{measurementID}", s.showMeasurement)
			r.Post("/objectives/{objectiveID}/measurements/{measurementID}", s.correctMeasurement)
			// Records and evidence, with the supplier register and the complaints view.
			r.Get("/records", s.showRecords)
			r.Post("/records", s.createRecord)
			r.Get("/records/new", s.showNewRecord)
			r.Get("/records/export.csv", s.exportRecords)
			r.Get("/records/complaints", s.showComplaints)
			r.Get("/records/retention", s.showRetention)
			r.Get("/records/suppliers", s.showSuppliers)
			r.Post("/records/suppliers", s.createSupplier)
			r.Get("/records/suppliers/{supplierID}", s.showSupplier)
			r.Post("/records/suppliers/{supplierID}", s.updateSupplier)
			r.Post("/records/suppliers/{supplierID}/archive", s.archiveSupplier)
			r.Post("/records/suppliers/{supplierID}/restore", s.restoreSupplier)
			r.Get("/records/types", s.showRecordTypes)
			r.Post("/records/types", s.createRecordType)
			r.Get("/records/types/{typeID}", s.showRecordType)
			r.Post("/records/types/{typeID}", s.updateRecordType)
			r.Post("/records/types/{typeID}/archive", s.archiveRecordType)
			r.Post("/records/types/{typeID}/restore", s.restoreRecordType)
			r.Get("/records/import", s.showImports)
			r.Post("/records/import", s.startImport)
			r.Get("/records/import/template.csv", s.importTemplate)
			r.Get("/records/imports/{importID}", s.showImport)
			r.Get("/records/imports/{importID}/problems.csv", s.importProblems)
			r.Get("/records/{recordID}", s.showRecord)
			r.Get("/records/{recordID}/revisions/{revision}", s.showRecordRevision)
			r.Get("/records/{recordID}/edit", s.showEditRecord)
			r.Post("/records/{recordID}/edit", s.updateRecord)
			r.Post("/records/{recordID}/finalise", s.finaliseRecord)
			r.Post("/records/{recordID}/delete", s.deleteRecord)
			r.Get("/records/{recordID}/correct", s.showCorrectRecord)
			r.Post("/records/{recordID}/correct", s.correctRecord)
			r.Post("/records/{recordID}/status", s.setComplaintStatus)
			r.Get("/records/{recordID}/dispose", s.showDisposeRecord)
			r.Post("/records/{recordID}/dispose", s.disposeRecord)

			// Hubs: a process and a clause with everything every area has for it.
			r.Get("/processes", s.showProcessIndex)
			r.Get("/processes/{processID}", s.showProcessHub)
			r.Get("/clauses", s.showClauses)
			r.Get("/clauses/{number}", s.showClause)
		})
	})

	r.NotFound(s.notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusMethodNotAllowed, "Not allowed", "This address does not accept that kind of request.")
	})
	return r
}
