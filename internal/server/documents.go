package server

import (
	"encoding/csv"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

// documentFilter reads the register's filter from the query string.
func documentFilter(r *http.Request) (qms.DocumentFilter, templates.DocumentFilterForm) {
	q := r.URL.Query()
	form := templates.DocumentFilterForm{
		Query: q.Get("q"), TypeID: q.Get("type"), ProcessID: q.Get("process"), OwnerID: q.Get("owner"),
		Status: q.Get("status"), ReviewDue: q.Get("review") == "due", Flagged: q.Get("flagged") == "1",
	}
	parse := func(s string) uuid.UUID {
		id, _ := uuid.Parse(s) // an unreadable id filters on nothing
		return id
	}
	return qms.DocumentFilter{
		TypeID: parse(form.TypeID), ProcessID: parse(form.ProcessID), OwnerID: parse(form.OwnerID),
		Status: form.Status, ReviewDue: form.ReviewDue, Flagged: form.Flagged, Query: form.Query,
		After: q.Get("after"),
	}, form
}

func (s *Server) showDocuments(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	f, form := documentFilter(r)
	list, err := s.svc.DocumentList(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, types, processes, members := list.Page, list.Types, list.Processes, list.Members
	heading := "Documents"
	switch {
	case form.ReviewDue:
		heading = "Reviews due"
	case form.Flagged:
		heading = "Flagged for review"
	}
	base := templates.Path(a.OrgSlug, "documents")
	p := templates.DocumentsPage{
		Chrome: s.chrome(r, heading, "documents"), Documents: page.Documents, Filter: form, Heading: heading,
		Types: typeOptions(types, "Any type"), Processes: anyOption("Any process", processChoices(processes)),
		Owners: anyOption("Anyone", memberOptions(members)), Today: s.svc.Today(),
		CanCreate: a.Can(auth.PermDraftDocuments),
	}
	for _, st := range qms.DocumentStatuses {
		p.Statuses = append(p.Statuses, templates.Option{Value: st.Value, Label: st.Label})
	}
	if page.NextAfter != "" {
		next := form.Values()
		next.Set("after", page.NextAfter)
		p.NextURL = base + "?" + next.Encode()
	}
	p.CSVURL = base + "/export.csv"
	if v := form.Values(); len(v) > 0 {
		p.CSVURL += "?" + v.Encode()
	}
	s.render(w, r, http.StatusOK, templates.DocumentsView(p))
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// exportDocuments streams the filtered register as CSV: rows are written as the database
// returns them, so a large register is never held whole in memory.
func (s *Server) exportDocuments(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	f, _ := documentFilter(r)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{
		"filename": "documents-" + s.svc.Today().Format("2006-01-02") + ".csv"}))
	cw := csv.NewWriter(w)
	started := false
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format("2006-01-02")
	}
	num := func(n *int) string {
		if n == nil {
			return ""
		}
		return strconv.Itoa(*n)
	}
	err := s.svc.ExportDocuments(r.Context(), a, f, func(d qms.Document) error {
		if !started {
			started = true
			if err := cw.Write([]string{"Number", "Title", "Type", "Process", "Owner", "Status", "Effective revision",
				"Effective from", "Revision under way", "Revision state", "Next review", "Open review flags", "ISO 9001 clauses"}); err != nil {
				return err
			}
		}
		open := ""
		if d.OpenState != nil {
			open = qms.StateLabel(*d.OpenState)
		}
		row := []string{d.Number, d.Title, d.TypeName, d.ProcessName, d.OwnerName, d.Status(), num(d.EffectiveRevision),
			date(d.EffectiveFrom), num(d.OpenRevision), open, date(d.NextReviewOn), strconv.Itoa(d.OpenFlags), strings.Join(d.Clauses, " ")}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		return cw.Write(row)
	})
	if err != nil && !started {
		h.Del("Content-Disposition")
		s.fail(w, r, err)
		return
	}
	if err != nil {
		// Half a file has gone out; the log has the reason and the client sees a cut file.
		s.log.Error("exporting documents", "request_id", requestIDFrom(r.Context()), "error", err)
		return
	}
	if !started {
		_ = cw.Write([]string{"Number", "Title", "Type", "Process", "Owner", "Status", "Effective revision",
			"Effective from", "Revision under way", "Revision state", "Next review", "Open review flags", "ISO 9001 clauses"})
	}
	cw.Flush()
}

func typeOptions(types []qms.DocumentType, first string) []templates.Option {
	out := []templates.Option{{Value: "", Label: first}}
	for _, t := range types {
		out = append(out, templates.Option{Value: t.ID.String(), Label: t.Name + " (" + t.Prefix + ")"})
	}
	return out
}

func processChoices(ps []qms.Process) []templates.Option {
	var out []templates.Option
	for _, p := range ps {
		if !p.Archived() {
			out = append(out, templates.Option{Value: p.ID.String(), Label: p.Name})
		}
	}
	return out
}

func memberOptions(ms []qms.Member) []templates.Option {
	var out []templates.Option
	for _, m := range ms {
		out = append(out, templates.Option{Value: m.UserID.String(), Label: m.Name})
	}
	return out
}

func anyOption(label string, opts []templates.Option) []templates.Option {
	return append([]templates.Option{{Value: "", Label: label}}, opts...)
}

// documentFormPage fills a register form's choices.
func (s *Server) documentFormPage(r *http.Request, p *templates.DocumentFormPage) error {
	a := actorFrom(r.Context())
	types, err := s.svc.DocumentTypes(r.Context(), a)
	if err != nil {
		return err
	}
	processes, err := s.svc.Processes(r.Context(), a)
	if err != nil {
		return err
	}
	members, err := s.svc.Members(r.Context(), a)
	if err != nil {
		return err
	}
	clauses, err := s.svc.ISOClauses(r.Context(), a)
	if err != nil {
		return err
	}
	p.Types = typeOptions(types, "Choose a type")
	p.Processes = anyOption("Choose a process", processChoices(processes))
	p.Owners = anyOption("Choose a member", memberOptions(members))
	for _, c := range clauses {
		p.Clauses = append(p.Clauses, templates.Option{Value: c.Number, Label: c.Number + " " + c.Title})
	}
	return nil
}

func (s *Server) showNewDocument(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermDraftDocuments); err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderNewDocument(w, r, http.StatusOK, templates.DocumentForm{ReviewInterval: "24", OwnerID: a.UserID.String(), ChangeSummary: "First issue"})
}

func (s *Server) renderNewDocument(w http.ResponseWriter, r *http.Request, status int, f templates.DocumentForm) {
	p := templates.DocumentFormPage{Chrome: s.chrome(r, "New document", "documents"), Form: f}
	if err := s.documentFormPage(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, templates.DocumentNewView(p))
}

func documentForm(v url.Values) templates.DocumentForm {
	return templates.DocumentForm{
		Title: v.Get("title"), TypeID: v.Get("type_id"), ProcessID: v.Get("process_id"), OwnerID: v.Get("owner_user_id"),
		ReviewInterval: v.Get("review_interval_months"), Clauses: v["clauses"],
		Body: v.Get("body"), ChangeSummary: v.Get("change_summary"),
	}
}

func documentInput(f templates.DocumentForm) qms.DocumentInput {
	// Unreadable ids and numbers are "not chosen", which the service reports per field.
	typeID, _ := uuid.Parse(f.TypeID)
	processID, _ := uuid.Parse(f.ProcessID)
	ownerID, _ := uuid.Parse(f.OwnerID)
	months, _ := strconv.Atoi(strings.TrimSpace(f.ReviewInterval))
	return qms.DocumentInput{Title: f.Title, TypeID: typeID, ProcessID: processID, OwnerID: ownerID,
		ReviewIntervalMonths: months, Clauses: f.Clauses}
}

func (s *Server) createDocument(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermDraftDocuments); err != nil {
		s.fail(w, r, err)
		return
	}
	form, err := s.readUploadForm(w, r, a)
	f := documentForm(form.Values)
	if err == nil {
		var d qms.Document
		d, err = s.svc.CreateDocument(r.Context(), a, qms.NewDocument{
			DocumentInput: documentInput(f),
			DraftInput:    qms.DraftInput{Body: f.Body, ChangeSummary: f.ChangeSummary, Uploads: form.Uploads["files"]},
		})
		if err == nil {
			s.redirect(w, r, templates.Path(a.OrgSlug, "documents", d.ID.String()), d.Number+" "+d.Title+" was registered with a first draft.")
			return
		}
	}
	status, shown := uploadRefusal(err)
	if !shown {
		s.fail(w, r, err)
		return
	}
	f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
	if len(form.Uploads["files"]) > 0 {
		f.Errors = withFileNote(f.Errors)
	}
	s.renderNewDocument(w, r, status, f)
}

// withFileNote tells the user that files they chose were not kept with a refused form (a
// browser cannot refill a file input).
func withFileNote(errs map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range errs {
		out[k] = v
	}
	if out["files"] == "" {
		out["files"] = "Your files were received but not attached, because the form was refused. Choose them again."
	}
	return out
}

func (s *Server) showDocument(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentID")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderDocument(w, r, id, http.StatusOK, templates.DocumentPage{})
}

func (s *Server) renderDocument(w http.ResponseWriter, r *http.Request, id uuid.UUID, status int, p templates.DocumentPage) {
	a := actorFrom(r.Context())
	vw, err := s.svc.DocumentView(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Chrome, p.View, p.Today = s.chrome(r, vw.Document.Number+" "+vw.Document.Title, "documents"), vw, vw.Today
	p.CanFlag = a.Can(auth.PermRaiseReviewFlags)
	s.render(w, r, status, templates.DocumentView(p))
}

// documentRefused shows the document page again after a refused action on it, with the
// message in place (422/409), or the error page for anything else.
func (s *Server) documentRefused(w http.ResponseWriter, r *http.Request, id uuid.UUID, err error, p templates.DocumentPage) {
	status, shown := editRefusal(err)
	if !shown {
		s.fail(w, r, err)
		return
	}
	// A form with its own message (the flag and obsolete forms) shows it next to itself.
	if p.RowAlert == "" && p.FlagForm.Alert == "" && p.Obsolete.Errors == nil {
		p.RowAlert = qms.ErrorMessage(err)
	}
	s.renderDocument(w, r, id, status, p)
}

func (s *Server) showEditDocument(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentID")
	if !ok {
		s.notFound(w, r)
		return
	}
	vw, err := s.svc.DocumentView(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !vw.CanDraft {
		s.fail(w, r, actorFrom(r.Context()).Require(auth.PermManageDocuments))
		return
	}
	s.renderEditDocument(w, r, http.StatusOK, vw.Document, currentDocumentForm(vw.Document), nil)
}

func currentDocumentForm(d qms.Document) templates.DocumentForm {
	return templates.DocumentForm{Title: d.Title, ProcessID: d.ProcessID.String(), OwnerID: d.OwnerID.String(),
		ReviewInterval: strconv.Itoa(d.ReviewIntervalMonths), Clauses: d.Clauses, Version: d.Version}
}

func (s *Server) renderEditDocument(w http.ResponseWriter, r *http.Request, status int, d qms.Document, f templates.DocumentForm, theirs *qms.Document) {
	p := templates.DocumentFormPage{Chrome: s.chrome(r, d.Number, "documents"), Document: &d, Form: f, Theirs: theirs}
	if err := s.documentFormPage(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, templates.DocumentEditView(p))
}

func (s *Server) updateDocument(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := documentForm(r.PostForm)
	f.Version = formVersion(r)
	d, err := s.svc.UpdateDocument(r.Context(), a, id, f.Version, documentInput(f))
	if err == nil {
		s.redirect(w, r, templates.Path(a.OrgSlug, "documents", id.String()), "The register entry of "+d.Number+" was saved.")
		return
	}
	status, shown := editRefusal(err)
	if !shown {
		s.fail(w, r, err)
		return
	}
	current, lerr := s.svc.DocumentView(r.Context(), a, id)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
	var theirs *qms.Document
	if status == http.StatusConflict {
		theirs = &current.Document
		f.Version = current.Document.Version
	}
	s.renderEditDocument(w, r, status, current.Document, f, theirs)
}

func (s *Server) reviseDocument(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentID")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorFrom(r.Context())
	v, err := s.svc.ReviseDocument(r.Context(), a, id)
	if err != nil {
		s.documentRefused(w, r, id, err, templates.DocumentPage{})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "documents", id.String(), "versions", v.ID.String(), "edit"),
		"Revision "+strconv.Itoa(v.Revision)+" was started as a copy of the current text. Edit it, then submit it for review.")
}

func (s *Server) obsoleteDocument(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	reason := r.PostFormValue("obsolete_reason")
	d, err := s.svc.ObsoleteDocument(r.Context(), a, id, formVersion(r), reason)
	if err != nil {
		s.documentRefused(w, r, id, err, templates.DocumentPage{Obsolete: templates.ObsoleteForm{Reason: reason, Errors: qms.FieldErrors(err)}})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "documents", id.String()), d.Number+" is now obsolete.")
}

func (s *Server) raiseFlag(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	reason := r.PostFormValue("reason")
	if _, err := s.svc.RaiseReviewFlag(r.Context(), a, id, reason); err != nil {
		s.documentRefused(w, r, id, err, templates.DocumentPage{
			FlagForm: templates.FlagForm{Reason: reason, Alert: qms.ErrorMessage(err), Errors: qms.FieldErrors(err)}})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "documents", id.String())+"#flags", "The document was flagged for review. Its owner will see the flag.")
}

func (s *Server) resolveFlag(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "documentID")
	flagID, ok2 := idParam(r, "flagID")
	if !ok || !ok2 {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	_, err := s.svc.ResolveReviewFlag(r.Context(), a, id, flagID, formVersion(r), r.PostFormValue("resolution"), r.PostFormValue("note"))
	if err != nil {
		msg := qms.ErrorMessage(err)
		if fe := qms.FieldErrors(err); fe["note"] != "" {
			msg = "To resolve a flag: " + fe["note"]
		}
		s.documentRefused(w, r, id, err, templates.DocumentPage{RowAlert: msg})
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "documents", id.String())+"#flags", "The review flag was resolved.")
}
