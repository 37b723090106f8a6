package server

import (
	"bytes"
	"mime"
	"net/http"
	"time"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/pdf"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func (s *Server) showAuditReport(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "auditID")
	if !ok {
		s.notFound(w, r)
		return
	}
	rep, err := s.svc.AuditReport(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	au := rep.Audit
	end := time.Now()
	if au.ActualEnd != nil {
		end = *au.ActualEnd
	}
	s.renderAuditReport(w, r, http.StatusOK, templates.AuditReportPage{Report: rep, Form: templates.ReportForm{
		Summary: au.Summary, Conclusion: au.Conclusion, ActualEnd: end.Format("2006-01-02"), Version: au.Version,
	}})
}

func (s *Server) renderAuditReport(w http.ResponseWriter, r *http.Request, status int, p templates.AuditReportPage) {
	a := actorFrom(r.Context())
	au := p.Report.Audit
	p.CanIssue = au.Status == qms.AuditInProgress && au.LeadAuditorID == a.UserID && a.Can(auth.PermPerformAudits)
	p.Chrome = s.chrome(r, "Audit report "+au.Reference, "audits")
	s.render(w, r, status, templates.AuditReportView(p))
}

// issueAuditReport signs and issues the report. The report is loaded first, so that an
// unknown audit is not found before the form is judged, and a refusal shows the report
// again with what the lead auditor wrote.
func (s *Server) issueAuditReport(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "auditID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	rep, err := s.svc.AuditReport(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := templates.ReportForm{Summary: r.PostFormValue("summary"), Conclusion: r.PostFormValue("conclusion"),
		ActualEnd: r.PostFormValue("actual_end"), Version: formVersion(r)}
	au, err := s.svc.IssueAuditReport(ctx, a, id, f.Version, qms.ReportInput{
		Summary: f.Summary, Conclusion: f.Conclusion, ActualEnd: formDate(f.ActualEnd), Password: r.PostFormValue("password"),
	})
	if err != nil {
		status, shown := editRefusal(err)
		if qms.ErrorKind(err) == qms.KindRateLimited {
			status, shown = http.StatusTooManyRequests, true
		}
		if !shown {
			s.fail(w, r, err)
			return
		}
		p := templates.AuditReportPage{Report: rep, Form: f}
		p.Form.Alert, p.Form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		if status == http.StatusConflict {
			p.Form.Version = rep.Audit.Version
		}
		s.renderAuditReport(w, r, status, p)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "audits", id.String()), "The report of "+au.Reference+" was signed and issued.")
}

// auditReportPDF sends the report as a PDF attachment. It is built in memory (a report is a
// few hundred kilobytes) so that a failure is a clean error page, not half a file.
func (s *Server) auditReportPDF(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "auditID")
	if !ok {
		s.notFound(w, r)
		return
	}
	rep, err := s.svc.AuditReport(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := pdf.AuditReport(&buf, rep); err != nil {
		s.fail(w, r, err)
		return
	}
	name := "Audit report " + rep.Audit.Reference + ".pdf"
	if !rep.Audit.Status.Done() {
		name = "Audit report " + rep.Audit.Reference + " (draft).pdf"
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	_, _ = buf.WriteTo(w)
}
