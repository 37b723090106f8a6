package server

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func objectiveForm(r *http.Request) templates.ObjectiveForm {
	v := r.PostFormValue
	return templates.ObjectiveForm{
		Title: v("title"), Description: v("description"), OwnerID: v("owner_user_id"), ProcessID: v("process_id"),
		SiteID: v("site_id"), Clause: v("clause"), TargetValue: v("target_value"), Unit: v("unit"),
		Direction: v("direction"), Tolerance: v("tolerance"), Frequency: v("frequency"), Source: v("source"),
		StartDate: v("start_date"), ReviewDate: v("review_date"), Version: formVersion(r),
	}
}

func objectiveInput(f templates.ObjectiveForm) qms.ObjectiveInput {
	// Unreadable ids are "not chosen", which the service reports next to the field.
	owner, _ := uuid.Parse(f.OwnerID)
	process, _ := uuid.Parse(f.ProcessID)
	site, _ := uuid.Parse(f.SiteID)
	return qms.ObjectiveInput{
		Title: f.Title, Description: f.Description, OwnerID: owner, ProcessID: process, SiteID: site,
		Clause: f.Clause, TargetValue: f.TargetValue, Unit: f.Unit, Direction: qms.Direction(f.Direction),
		Tolerance: f.Tolerance, Frequency: qms.Frequency(f.Frequency), Source: f.Source,
		StartDate: f.StartDate, ReviewDate: f.ReviewDate,
	}
}

func (s *Server) objectiveOptions(r *http.Request) (templates.ObjectiveOptions, error) {
	c, err := s.svc.ObjectiveChoices(r.Context(), actorFrom(r.Context()))
	return templates.ObjectiveOptionsOf(c), err
}

func (s *Server) showObjectives(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	q := r.URL.Query()
	shown := templates.ObjectivesFilter{ProcessID: q.Get("process"), OwnerID: q.Get("owner"), SiteID: q.Get("site"), Status: q.Get("status"), Archived: q.Get("archived") == "1"}
	f := qms.ObjectiveFilter{Status: qms.Status(shown.Status), Archived: shown.Archived, After: q.Get("after")}
	// A filter value that is not an id filters nothing rather than failing the page.
	f.ProcessID, _ = uuid.Parse(shown.ProcessID)
	f.OwnerID, _ = uuid.Parse(shown.OwnerID)
	f.SiteID, _ = uuid.Parse(shown.SiteID)
	list, err := s.svc.Objectives(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opts, err := s.objectiveOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.ObjectivesView(templates.ObjectivesPage{
		Chrome: s.chrome(r, "Quality objectives", "objectives"), List: list, Filter: shown, Options: opts,
	}))
}

func (s *Server) newObjective(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermManageObjectives); err != nil {
		s.fail(w, r, err)
		return
	}
	in := s.svc.NewObjectiveDefaults()
	s.renderObjectiveForm(w, r, http.StatusOK, templates.ObjectiveFormPage{Form: templates.ObjectiveForm{
		Clause: in.Clause, Direction: string(in.Direction), Frequency: string(in.Frequency), Source: in.Source,
		Tolerance: in.Tolerance, StartDate: in.StartDate, ReviewDate: in.ReviewDate,
	}})
}

func (s *Server) renderObjectiveForm(w http.ResponseWriter, r *http.Request, status int, p templates.ObjectiveFormPage) {
	opts, err := s.objectiveOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := "Set a quality objective"
	if p.Objective != nil {
		title = p.Objective.Title
	}
	p.Chrome, p.Options = s.chrome(r, title, "objectives"), opts
	s.render(w, r, status, templates.ObjectiveFormView(p))
}

func (s *Server) createObjective(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := objectiveForm(r)
	o, err := s.svc.CreateObjective(r.Context(), a, objectiveInput(f))
	if qms.ErrorKind(err) == qms.KindInvalid {
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderObjectiveForm(w, r, http.StatusUnprocessableEntity, templates.ObjectiveFormPage{Form: f})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "objectives", o.ID.String()), "Objective "+o.Title+" was set.")
}

func (s *Server) showObjective(w http.ResponseWriter, r *http.Request) {
	s.renderObjective(w, r, http.StatusOK, templates.MeasurementForm{}, templates.ImportForm{})
}

// renderObjective shows an objective's page, with the record and import forms as given (empty,
// or as typed after a refusal).
func (s *Server) renderObjective(w http.ResponseWriter, r *http.Request, status int, m templates.MeasurementForm, imp templates.ImportForm) {
	id, ok := idParam(r, "objectiveID")
	if !ok {
		s.notFound(w, r)
		return
	}
	d, err := s.svc.ObjectiveDetail(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if m.Period == "" && m.Errors == nil && !d.NextPeriod.IsZero() {
		m.Period = d.Frequency.PeriodCode(d.NextPeriod)
	}
	s.render(w, r, status, templates.ObjectiveView(templates.ObjectivePage{
		Chrome: s.chrome(r, d.Title, "objectives"), Detail: d, Measurement: m, Import: imp,
	}))
}

func (s *Server) editObjective(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "objectiveID")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermManageObjectives); err != nil {
		// Existence first: another organisation's id is not found, whatever the role.
		if _, lerr := s.svc.Objective(r.Context(), a, id); lerr != nil {
			err = lerr
		}
		s.fail(w, r, err)
		return
	}
	o, err := s.svc.Objective(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderObjectiveForm(w, r, http.StatusOK, templates.ObjectiveFormPage{Objective: &o, Form: templates.ObjectiveFormOf(o)})
}

func (s *Server) updateObjective(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "objectiveID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := objectiveForm(r)
	o, err := s.svc.UpdateObjective(r.Context(), a, id, f.Version, objectiveInput(f))
	if err != nil {
		s.objectiveEditRefused(w, r, id, &f, err)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "objectives", id.String()), "Objective "+o.Title+" was saved.")
}

func (s *Server) archiveObjective(w http.ResponseWriter, r *http.Request) {
	s.setObjectiveArchived(w, r, true)
}

func (s *Server) restoreObjective(w http.ResponseWriter, r *http.Request) {
	s.setObjectiveArchived(w, r, false)
}

func (s *Server) setObjectiveArchived(w http.ResponseWriter, r *http.Request, archived bool) {
	id, ok := idParam(r, "objectiveID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	o, err := s.svc.SetObjectiveArchived(r.Context(), a, id, formVersion(r), archived)
	if err != nil {
		s.objectiveEditRefused(w, r, id, nil, err)
		return
	}
	verb := "restored"
	if archived {
		verb = "archived"
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "objectives", id.String()), "Objective "+o.Title+" was "+verb+".")
}

// objectiveEditRefused re-shows the edit page after a refused change: 422 with field errors,
// or 409 next to the version someone else saved, with the user's typed input (typed, nil for
// archive and restore) kept in the form.
func (s *Server) objectiveEditRefused(w http.ResponseWriter, r *http.Request, id uuid.UUID, typed *templates.ObjectiveForm, err error) {
	status, shown := editRefusal(err)
	if !shown {
		s.fail(w, r, err)
		return
	}
	current, lerr := s.svc.Objective(r.Context(), actorFrom(r.Context()), id)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	p := templates.ObjectiveFormPage{Objective: &current, Form: templates.ObjectiveFormOf(current)}
	if typed != nil {
		p.Form = *typed
	}
	p.Form.Alert, p.Form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
	if status == http.StatusConflict {
		p.Theirs = &current
		// Saving again now means "mine over theirs", so the form carries their version.
		p.Form.Version = current.Version
	}
	s.renderObjectiveForm(w, r, status, p)
}

func (s *Server) recordMeasurement(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "objectiveID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := templates.MeasurementForm{Period: r.PostFormValue("period"), Value: r.PostFormValue("value"), Note: r.PostFormValue("note")}
	res, err := s.svc.RecordMeasurement(r.Context(), a, id, qms.MeasurementInput{Period: f.Period, Value: f.Value, Note: f.Note})
	if qms.ErrorKind(err) == qms.KindInvalid {
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderObjective(w, r, http.StatusUnprocessableEntity, f, templates.ImportForm{})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o := res.Objective
	s.redirect(w, r, templates.Path(a.OrgSlug, "objectives", id.String()),
		"Recorded "+o.Frequency.PeriodLabel(res.Measurement.PeriodStart)+": "+qms.FormatQuantity(res.Measurement.Value, o.Unit)+
			". The objective is "+strings.ToLower(o.Status.Label())+".")
}

func (s *Server) showMeasurement(w http.ResponseWriter, r *http.Request) {
	objectiveID, ok1 := idParam(r, "objectiveID")
	id, ok2 := idParam(r, "measurementID")
	if !ok1 || !ok2 {
		s.notFound(w, r)
		return
	}
	item, err := s.svc.Measurement(r.Context(), actorFrom(r.Context()), objectiveID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := item.Measurement
	s.renderMeasurement(w, r, http.StatusOK, templates.MeasurementPage{Item: item, Form: templates.CorrectionForm{
		Value: qms.FormatNumber(m.Value), Note: m.Note, Version: m.Version,
	}})
}

func (s *Server) renderMeasurement(w http.ResponseWriter, r *http.Request, status int, p templates.MeasurementPage) {
	o := p.Item.Objective
	p.Chrome = s.chrome(r, "Correct "+o.Frequency.PeriodLabel(p.Item.Measurement.PeriodStart)+" of "+o.Title, "objectives")
	s.render(w, r, status, templates.MeasurementView(p))
}

func (s *Server) correctMeasurement(w http.ResponseWriter, r *http.Request) {
	objectiveID, ok1 := idParam(r, "objectiveID")
	id, ok2 := idParam(r, "measurementID")
	if !ok1 || !ok2 {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := templates.CorrectionForm{Value: r.PostFormValue("value"), Note: r.PostFormValue("note"), Reason: r.PostFormValue("reason"), Version: formVersion(r)}
	res, err := s.svc.CorrectMeasurement(r.Context(), a, objectiveID, id, f.Version, qms.MeasurementCorrection{Value: f.Value, Note: f.Note, Reason: f.Reason})
	if err != nil {
		status, shown := editRefusal(err)
		if !shown {
			s.fail(w, r, err)
			return
		}
		current, lerr := s.svc.Measurement(r.Context(), a, objectiveID, id)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		p := templates.MeasurementPage{Item: current, Form: f}
		p.Form.Alert, p.Form.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		if status == http.StatusConflict && current.CanCorrect {
			p.Theirs = &current.Measurement
			// Saving again now means "mine over theirs", so the form carries their version.
			p.Form.Version = current.Measurement.Version
		}
		s.renderMeasurement(w, r, status, p)
		return
	}
	o := res.Objective
	s.redirect(w, r, templates.Path(a.OrgSlug, "objectives", objectiveID.String()),
		"Corrected "+o.Frequency.PeriodLabel(res.Measurement.PeriodStart)+" to "+qms.FormatQuantity(res.Measurement.Value, o.Unit)+
			". The objective is "+strings.ToLower(o.Status.Label())+".")
}

// measurementTemplate downloads the CSV template of an objective: its periods without a value.
func (s *Server) measurementTemplate(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "objectiveID")
	if !ok {
		s.notFound(w, r)
		return
	}
	t, err := s.svc.MeasurementTemplate(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fileSlug(t.Objective.Title) + "-values.csv"}))
	if err := t.WriteCSV(w); err != nil {
		s.log.Error("writing a CSV template", "request_id", requestIDFrom(r.Context()), "error", err)
	}
}

// fileSlug makes a title safe and readable as a file name: on-time-delivery.
func fileSlug(title string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(title) {
		if unicode.IsLetter(c) && c < unicode.MaxASCII || unicode.IsDigit(c) && c < unicode.MaxASCII {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "objective"
	}
	return b.String()
}

func (s *Server) importMeasurements(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "objectiveID")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorFrom(r.Context())
	// Refuse before storing anything from someone who may not import here.
	if err := s.svc.MayRecordMeasurements(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	form, err := s.readUploadForm(w, r, a)
	if err == nil {
		var up qms.Upload
		if files := form.Uploads["file"]; len(files) > 0 {
			up = files[0]
		}
		var res qms.ImportResult
		res, err = s.svc.ImportMeasurements(r.Context(), a, id, up)
		if err == nil {
			flash := "Imported " + plural(res.Imported, "value", "values") + " from " + res.File.Filename + "."
			if res.Blank > 0 {
				flash += " " + plural(res.Blank, "line without a value was", "lines without a value were") + " skipped."
			}
			s.redirect(w, r, templates.Path(a.OrgSlug, "objectives", id.String()), flash)
			return
		}
	}
	switch qms.ErrorKind(err) {
	case qms.KindInvalid, qms.KindTooLarge:
		status := http.StatusUnprocessableEntity
		if qms.ErrorKind(err) == qms.KindTooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		imp := templates.ImportForm{Alert: qms.ErrorMessage(err), Errors: qms.FieldErrors(err), Problems: qms.ImportProblems(err)}
		if imp.Errors["file"] == "" {
			imp.Errors = templates.FieldErrors{"file": "The file could not be read; please choose it and send the form again."}
		}
		s.renderObjective(w, r, status, templates.MeasurementForm{}, imp)
	default:
		s.fail(w, r, err)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func (s *Server) computeMeasurements(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "objectiveID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	res, err := s.svc.ComputeMeasurements(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flash := "Computed: " + plural(res.Added, "new value", "new values") + ", " + plural(res.Changed, "value changed", "values changed") +
		", " + plural(res.Unchanged, "unchanged", "unchanged") + "."
	if len(res.NoData) > 0 {
		flash += " " + plural(len(res.NoData), "period had", "periods had") + " nothing to compute from."
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "objectives", id.String()), flash)
}
