package server

import (
	"encoding/csv"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

// recordFilterFrom reads the records filter from a query string. Unreadable ids are ignored
// (a stale link filters less, not nothing); unreadable dates and clauses are reported.
func recordFilterFrom(q url.Values) (templates.RecordFilterForm, qms.RecordFilter) {
	form := templates.RecordFilterForm{
		Query: strings.TrimSpace(q.Get("q")), TypeID: q.Get("type"), ProcessID: q.Get("process"), SiteID: q.Get("site"),
		Clause: strings.TrimSpace(q.Get("clause")), From: q.Get("from"), To: q.Get("to"), Files: q.Get("files"), State: q.Get("state"),
		Errors: templates.FieldErrors{},
	}
	f := qms.RecordFilter{Query: form.Query, After: q.Get("after"), TypeID: optionalID(form.TypeID),
		ProcessID: optionalID(form.ProcessID), SiteID: optionalID(form.SiteID)}
	if form.Clause != "" {
		if clauseNumber(form.Clause) {
			f.Clause = form.Clause
		} else {
			form.Errors["clause"] = "Enter a clause number like 7.2 or 8.5.1."
		}
	}
	for field, target := range map[string]**time.Time{"from": &f.From, "to": &f.To} {
		v := q.Get(field)
		if v == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			form.Errors[field] = "Enter a date as YYYY-MM-DD."
			continue
		}
		*target = &d
	}
	switch form.Files {
	case "with", "without":
		has := form.Files == "with"
		f.HasFiles = &has
	default:
		form.Files = ""
	}
	switch qms.RecordState(form.State) {
	case qms.RecordDraft, qms.RecordFinal:
		f.State = qms.RecordState(form.State)
	default:
		form.State = ""
	}
	return form, f
}

func optionalID(s string) *uuid.UUID {
	id, err := uuid.Parse(s)
	if err != nil {
		return nil
	}
	return &id
}

func clauseNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if _, err := strconv.Atoi(part); err != nil || part == "" || strings.HasPrefix(part, "+") || strings.HasPrefix(part, "-") {
			return false
		}
	}
	return true
}

func (s *Server) showRecords(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	form, f := recordFilterFrom(r.URL.Query())
	list, err := s.svc.RecordList(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if len(form.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, templates.RecordsView(templates.RecordsPage{
		Chrome: s.chrome(r, "Records", "records"), Filter: form, Page: list.Page, Choices: list.Choices,
	}))
}

// csvCell keeps text a person typed from being run as a formula when the export is opened
// in a spreadsheet.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// sentWriter notes whether anything was written through it, which decides whether an error
// can still be answered with an error page.
type sentWriter struct {
	w    io.Writer
	sent bool
}

func (s *sentWriter) Write(b []byte) (int, error) {
	s.sent = s.sent || len(b) > 0
	return s.w.Write(b)
}

// exportRecords streams the filtered records as CSV, row by row from the database.
func (s *Server) exportRecords(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	_, f := recordFilterFrom(r.URL.Query())
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{
		"filename": a.OrgSlug + "-records-" + s.svc.Today().Format(time.DateOnly) + ".csv"}))
	out := &sentWriter{w: w}
	cw := csv.NewWriter(out)
	written := 0
	_ = cw.Write([]string{"number", "type", "title", "event_date", "process", "site", "clauses", "state", "revision",
		"customer", "product_service", "severity", "complaint_status", "supplier", "score", "topic", "files",
		"recorded_by", "keep_until"})
	err := s.svc.ExportRecords(r.Context(), a, f, func(row qms.RecordRow) error {
		score := ""
		if row.Score != nil {
			score = strconv.Itoa(*row.Score)
		}
		written++
		if err := cw.Write([]string{row.Number(), csvCell(row.TypeName), csvCell(row.Title), templates.ISODate(row.EventDate),
			csvCell(row.ProcessName), csvCell(row.SiteName), strings.Join(row.Clauses, "; "), string(row.State), strconv.Itoa(row.Revision),
			csvCell(row.Customer), csvCell(row.ProductService), string(row.Severity), string(row.ComplaintStatus),
			csvCell(row.SupplierName), score, csvCell(row.Topic), strconv.Itoa(row.FileCount), csvCell(row.RecordedByName),
			templates.ISODate(row.KeepUntil)}); err != nil {
			return err
		}
		if written%200 == 0 {
			cw.Flush()
		}
		return cw.Error()
	})
	if err != nil {
		if !out.sent { // nothing has reached the client yet: answer with the error page
			h.Del("Content-Disposition")
			s.fail(w, r, err)
			return
		}
		s.log.Error("record export stopped", "request_id", requestIDFrom(r.Context()), "error", err)
		return
	}
	cw.Flush()
}

// showNewRecord asks for the type of record, then shows its form. A query may preselect a
// supplier or a process (from a supplier's or a process's page).
func (s *Server) showNewRecord(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermWriteRecords); err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	typeID, ok := uuid.Parse(q.Get("type"))
	if ok != nil {
		types, err := s.svc.RecordTypes(r.Context(), a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		keep := url.Values{}
		for _, k := range []string{"supplier", "process"} {
			if q.Get(k) != "" {
				keep.Set(k, q.Get(k))
			}
		}
		s.render(w, r, http.StatusOK, templates.ChooseTypeView(templates.ChooseTypePage{
			Chrome: s.chrome(r, "Record something", "records"), Types: types, Query: keep}))
		return
	}
	f := templates.RecordForm{
		TypeID: typeID.String(), EventDate: s.svc.Today().Format(time.DateOnly),
		SupplierID: q.Get("supplier"), ProcessID: q.Get("process"),
	}
	s.renderRecordForm(w, r, http.StatusOK, templates.RecordFormPage{Mode: "new", Form: f}, typeID)
}

// recordFormFrom reads a record form from its fields.
func recordFormFrom(v url.Values, fileField string) templates.RecordForm {
	version, _ := strconv.Atoi(v.Get("version"))
	return templates.RecordForm{
		TypeID: v.Get("type_id"), Title: v.Get("title"), EventDate: v.Get("event_date"), ProcessID: v.Get("process_id"),
		SiteID: v.Get("site_id"), Clauses: v.Get("clauses"), Description: v.Get("description"), Customer: v.Get("customer"),
		ProductService: v.Get("product_service"), Severity: v.Get("severity"), SupplierID: v.Get("supplier_id"),
		Score: v.Get("score"), Topic: v.Get("topic"), AttendeeIDs: v["attendee_ids"], AttendeeNames: v.Get("attendee_names"),
		Reason: v.Get("reason"), FileIDs: v[fileField], Version: version,
	}
}

func parseID(s string) uuid.UUID {
	id, _ := uuid.Parse(s) // unreadable is "not chosen", which the service reports where it matters
	return id
}

func recordInput(f templates.RecordForm) qms.RecordInput {
	in := qms.RecordInput{
		TypeID: parseID(f.TypeID), Title: f.Title, EventDate: f.EventDate, ProcessID: parseID(f.ProcessID), SiteID: parseID(f.SiteID),
		Clauses: f.Clauses, Description: f.Description, Customer: f.Customer, ProductService: f.ProductService,
		Severity: f.Severity, SupplierID: parseID(f.SupplierID), Score: f.Score, Topic: f.Topic,
		AttendeeNames: strings.Split(strings.ReplaceAll(f.AttendeeNames, "\r\n", "\n"), "\n"),
	}
	for _, s := range f.AttendeeIDs {
		if id, err := uuid.Parse(s); err == nil {
			in.AttendeeIDs = append(in.AttendeeIDs, id)
		}
	}
	return in
}

func fileIDs(values []string) []uuid.UUID {
	var out []uuid.UUID
	for _, s := range values {
		if id, err := uuid.Parse(s); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// currentRecordForm fills the form with a record's current content.
func currentRecordForm(d qms.RecordDetail) templates.RecordForm {
	v := d.Shown
	f := templates.RecordForm{
		TypeID: d.TypeID.String(), Title: v.Title, EventDate: templates.ISODate(v.EventDate), Description: v.Description,
		Customer: v.Customer, ProductService: v.ProductService, Severity: string(v.Severity), Topic: v.Topic, Version: d.Version,
	}
	if v.ProcessID != nil {
		f.ProcessID = v.ProcessID.String()
	}
	if v.SiteID != nil {
		f.SiteID = v.SiteID.String()
	}
	if v.SupplierID != nil {
		f.SupplierID = v.SupplierID.String()
	}
	if v.Score != nil {
		f.Score = strconv.Itoa(*v.Score)
	}
	var clauses, names []string
	for _, c := range v.Clauses {
		clauses = append(clauses, c.Number)
	}
	f.Clauses = strings.Join(clauses, ", ")
	for _, at := range v.Attendees {
		if at.UserID != nil {
			f.AttendeeIDs = append(f.AttendeeIDs, at.UserID.String())
		} else {
			names = append(names, at.Name)
		}
	}
	f.AttendeeNames = strings.Join(names, "\n")
	return f
}

// renderRecordForm shows the form for a record of type typeID, with the choices it offers.
func (s *Server) renderRecordForm(w http.ResponseWriter, r *http.Request, status int, p templates.RecordFormPage, typeID uuid.UUID) {
	a := actorFrom(r.Context())
	choices, err := s.svc.RecordChoices(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	found := false
	for _, t := range choices.Types {
		if t.ID == typeID && (!t.Archived() || p.Mode != "new") {
			p.Type, found = t, true
		}
	}
	if !found {
		s.notFound(w, r)
		return
	}
	p.Choices = templates.RecordFormChoices{
		Processes: templates.ProcessOptions(choices.Processes, "None", false, p.Form.ProcessID),
		Sites:     templates.SiteOptions(choices.Sites, "None", false, p.Form.SiteID),
		Suppliers: templates.SupplierOptions(choices.Suppliers, "Choose the supplier", false, p.Form.SupplierID),
	}
	members := map[string]bool{}
	for _, m := range choices.Members {
		members[m.UserID.String()] = true
		p.Choices.Members = append(p.Choices.Members, templates.Option{Value: m.UserID.String(), Label: m.Name})
	}
	// A member who attended and has left since stays choosable on the records they attended.
	if p.Record != nil && p.Record.Shown != nil {
		for _, at := range p.Record.Shown.Attendees {
			if at.UserID != nil && !members[at.UserID.String()] {
				p.Choices.Members = append(p.Choices.Members, templates.Option{Value: at.UserID.String(), Label: at.Name + " (no longer a member)"})
			}
		}
	}
	p.MaxUpload = qms.HumanSize(s.svc.MaxUploadBytes())
	title := "Record: " + p.Type.Name
	if p.Record != nil {
		title = p.Record.Number()
	}
	p.Chrome = s.chrome(r, title, "records")
	s.render(w, r, status, templates.RecordFormView(p))
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	// Refuse before reading what may be a large upload.
	if err := a.Require(auth.PermWriteRecords); err != nil {
		s.fail(w, r, err)
		return
	}
	form, err := s.readUploadForm(w, r, a)
	f := recordFormFrom(form.Values, "")
	if err == nil {
		var rec qms.RecordDetail
		rec, err = s.svc.CreateRecord(r.Context(), a, recordInput(f), form.Uploads["files"], form.Values.Get("finalise") == "yes")
		if err == nil {
			verb := "saved as a draft"
			if rec.State == qms.RecordFinal {
				verb = "recorded and finalised"
			}
			s.redirect(w, r, string(templates.RecordURL(a.OrgSlug, rec.ID)), rec.Number()+" was "+verb+".")
			return
		}
	}
	status, shown := uploadRefusal(err)
	typeID, perr := uuid.Parse(f.TypeID)
	if !shown || perr != nil {
		s.fail(w, r, err)
		return
	}
	f.Alert, f.Errors, f.FilesChosen = qms.ErrorMessage(err), qms.FieldErrors(err), len(form.Uploads["files"]) > 0
	s.renderRecordForm(w, r, status, templates.RecordFormPage{Mode: "new", Form: f}, typeID)
}

func (s *Server) recordID(w http.ResponseWriter, r *http.Request) (uuid.UUID, bool) {
	id, ok := idParam(r, "recordID")
	if !ok {
		s.notFound(w, r)
	}
	return id, ok
}

func (s *Server) showRecord(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordID(w, r)
	if !ok {
		return
	}
	d, err := s.svc.Record(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderRecord(w, r, http.StatusOK, d, templates.ComplaintStatusForm{})
}

func (s *Server) showRecordRevision(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordID(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(chi.URLParam(r, "revision"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	d, err := s.svc.RecordRevision(r.Context(), actorFrom(r.Context()), id, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderRecord(w, r, http.StatusOK, d, templates.ComplaintStatusForm{})
}

func (s *Server) renderRecord(w http.ResponseWriter, r *http.Request, status int, d qms.RecordDetail, st templates.ComplaintStatusForm) {
	title := d.TombstoneTitle
	if d.Shown != nil {
		title = d.Number() + " " + d.Shown.Title
	}
	s.render(w, r, status, templates.RecordView(templates.RecordPage{
		Chrome: s.chrome(r, title, "records"), Detail: d, Status: st,
		PastRetention: d.Shown != nil && d.Shown.KeepUntil.Before(s.svc.Today()),
	}))
}

func (s *Server) showEditRecord(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordID(w, r)
	if !ok {
		return
	}
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermWriteRecords); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.svc.Record(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.State != qms.RecordDraft {
		s.redirect(w, r, string(templates.RecordURL(a.OrgSlug, id)), d.Number()+" is final and cannot be edited; make a correction instead.")
		return
	}
	s.renderRecordForm(w, r, http.StatusOK, templates.RecordFormPage{Mode: "edit", Record: &d, Form: currentRecordForm(d)}, d.TypeID)
}

func (s *Server) updateRecord(w http.ResponseWriter, r *http.Request) {
	s.changeRecord(w, r, "edit")
}

func (s *Server) showCorrectRecord(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordID(w, r)
	if !ok {
		return
	}
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermWriteRecords); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.svc.Record(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.State != qms.RecordFinal {
		s.redirect(w, r, string(templates.RecordURL(a.OrgSlug, id)), d.Number()+" is not a final record; only final records are corrected.")
		return
	}
	f := currentRecordForm(d)
	for _, file := range d.Shown.Files {
		f.FileIDs = append(f.FileIDs, file.ID.String())
	}
	s.renderRecordForm(w, r, http.StatusOK, templates.RecordFormPage{Mode: "correct", Record: &d, Form: f}, d.TypeID)
}

func (s *Server) correctRecord(w http.ResponseWriter, r *http.Request) {
	s.changeRecord(w, r, "correct")
}

// changeRecord saves the edit of a draft or the correction of a final record.
func (s *Server) changeRecord(w http.ResponseWriter, r *http.Request, mode string) {
	id, ok := s.recordID(w, r)
	if !ok {
		return
	}
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermWriteRecords); err != nil {
		s.fail(w, r, err)
		return
	}
	// The record must exist before its upload is read.
	if _, err := s.svc.Record(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	fileField := "remove_file"
	if mode == "correct" {
		fileField = "keep_file"
	}
	form, err := s.readUploadForm(w, r, a)
	f := recordFormFrom(form.Values, fileField)
	if err == nil {
		var d qms.RecordDetail
		if mode == "correct" {
			d, err = s.svc.CorrectRecord(r.Context(), a, id, f.Version, recordInput(f), f.Reason, form.Uploads["files"], fileIDs(f.FileIDs))
		} else {
			d, err = s.svc.UpdateDraft(r.Context(), a, id, f.Version, recordInput(f), form.Uploads["files"], fileIDs(f.FileIDs))
		}
		if err == nil {
			msg := "The draft " + d.Number() + " was saved."
			if mode == "correct" {
				msg = d.Number() + " was corrected: revision " + strconv.Itoa(d.RevisionCount) + " is now current."
			}
			s.redirect(w, r, string(templates.RecordURL(a.OrgSlug, id)), msg)
			return
		}
	}
	current, lerr := s.svc.Record(r.Context(), a, id)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	status, shown := uploadRefusal(err)
	stale := qms.ErrorKind(err) == qms.KindConflict &&
		((mode == "edit" && current.State == qms.RecordDraft) || (mode == "correct" && current.State == qms.RecordFinal))
	if !shown && !stale {
		s.fail(w, r, err) // finalised meanwhile, disposed of, or worse
		return
	}
	f.Alert, f.Errors, f.FilesChosen = qms.ErrorMessage(err), qms.FieldErrors(err), len(form.Uploads["files"]) > 0
	p := templates.RecordFormPage{Mode: mode, Record: &current, Form: f}
	if stale {
		status = http.StatusConflict
		p.Theirs = &current
		// Saving again now means "mine over theirs", so the form carries their version.
		p.Form.Version = current.Version
	}
	s.renderRecordForm(w, r, status, p, current.TypeID)
}

func (s *Server) finaliseRecord(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordID(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	d, err := s.svc.FinaliseRecord(r.Context(), a, id, formVersion(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, string(templates.RecordURL(a.OrgSlug, id)), d.Number()+" is final: it can no longer be changed, only corrected.")
}

func (s *Server) deleteRecord(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordID(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	rec, err := s.svc.DeleteDraft(r.Context(), a, id, formVersion(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "records"), "The draft "+rec.Number()+" was deleted.")
}

func (s *Server) setComplaintStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := s.recordID(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	if _, err := s.svc.Record(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	st := templates.ComplaintStatusForm{Status: r.PostFormValue("complaint_status"), Note: r.PostFormValue("note")}
	rec, err := s.svc.SetComplaintStatus(r.Context(), a, id, formVersion(r), qms.ComplaintStatus(st.Status), st.Note)
	if err == nil {
		s.redirect(w, r, string(templates.RecordURL(a.OrgSlug, id)), "Complaint "+rec.Number()+" is now "+strings.ToLower(rec.ComplaintStatus.Label())+".")
		return
	}
	status, shown := editRefusal(err)
	if !shown {
		s.fail(w, r, err)
		return
	}
	d, lerr := s.svc.Record(r.Context(), a, id)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	st.Alert, st.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
	s.renderRecord(w, r, status, d, st)
}

func (s *Server) showComplaints(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	q := r.URL.Query()
	form := templates.ComplaintFilterForm{Query: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Severity: q.Get("severity"), ProcessID: q.Get("process")}
	f := qms.RecordFilter{Kind: qms.KindComplaint, Query: form.Query, ProcessID: optionalID(form.ProcessID), After: q.Get("after")}
	if st := qms.ComplaintStatus(form.Status); st.Valid() {
		f.ComplaintStatus = st
	}
	if sev := qms.Severity(form.Severity); sev.Valid() {
		f.Severity = sev
	}
	page, err := s.svc.Records(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	choices, err := s.svc.RecordChoices(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := templates.ComplaintsPage{Chrome: s.chrome(r, "Complaints", "records"), Filter: form, Page: page, Processes: choices.Processes}
	if a.Can(auth.PermWriteRecords) {
		for _, t := range choices.Types {
			if t.Kind == qms.KindComplaint && !t.Archived() && p.NewURL == "" {
				p.NewURL = templates.WithQuery(templates.Path(a.OrgSlug, "records", "new"), url.Values{"type": {t.ID.String()}})
			}
		}
	}
	s.render(w, r, http.StatusOK, templates.ComplaintsView(p))
}
