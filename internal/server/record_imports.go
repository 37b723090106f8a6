package server

import (
	"encoding/csv"
	"mime"
	"net/http"
	"strconv"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

// importRefresh is how often an import's page reloads itself while the import runs.
const importRefresh = 2

func (s *Server) showImports(w http.ResponseWriter, r *http.Request) {
	s.renderImports(w, r, http.StatusOK, templates.ImportsPage{Finalise: "no"})
}

func (s *Server) renderImports(w http.ResponseWriter, r *http.Request, status int, p templates.ImportsPage) {
	a := actorFrom(r.Context())
	imports, err := s.svc.RecordImports(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Chrome, p.Imports, p.MaxUpload = s.chrome(r, "Import records", "records"), imports, qms.HumanSize(s.svc.MaxUploadBytes())
	s.render(w, r, status, templates.ImportsView(p))
}

func (s *Server) startImport(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermImportRecords); err != nil {
		s.fail(w, r, err)
		return
	}
	form, err := s.readUploadForm(w, r, a)
	p := templates.ImportsPage{Finalise: form.Values.Get("finalise")}
	if err == nil {
		var imp qms.RecordImport
		imp, err = s.svc.StartRecordImport(r.Context(), a, form.Uploads["file"], p.Finalise == "yes")
		if err == nil {
			s.redirect(w, r, templates.Path(a.OrgSlug, "records", "imports", imp.ID.String()),
				"Checking "+imp.Filename+". Nothing is imported unless every row is right.")
			return
		}
	}
	status, shown := uploadRefusal(err)
	if !shown {
		s.fail(w, r, err)
		return
	}
	p.Alert, p.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
	s.renderImports(w, r, status, p)
}

func (s *Server) showImport(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "importID")
	if !ok {
		s.notFound(w, r)
		return
	}
	rep, err := s.svc.RecordImport(r.Context(), actorFrom(r.Context()), id, 500)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := s.chrome(r, "Import of "+rep.Filename, "records")
	if rep.Running() {
		c.RefreshSeconds = importRefresh
	}
	s.render(w, r, http.StatusOK, templates.ImportView(templates.ImportPage{Chrome: c, Report: rep}))
}

// importProblems downloads every problem of an import as CSV, to fix the file line by line.
func (s *Server) importProblems(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "importID")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorFrom(r.Context())
	if _, err := s.svc.RecordImport(r.Context(), a, id, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "import-problems.csv"}))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"line", "column", "problem"})
	err := s.svc.ImportProblems(r.Context(), a, id, func(p qms.ImportProblem) error {
		return cw.Write([]string{strconv.Itoa(p.Line), p.Field, csvCell(p.Message)})
	})
	cw.Flush()
	if err != nil {
		s.log.Error("import problems download stopped", "request_id", requestIDFrom(r.Context()), "error", err)
	}
}

func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermImportRecords); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "records-import-template.csv"}))
	if err := s.svc.RecordImportTemplate(r.Context(), a, w); err != nil {
		w.Header().Del("Content-Disposition")
		s.fail(w, r, err)
	}
}
