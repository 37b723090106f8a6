package server

import (
	"bytes"
	"mime"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/pdf"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func (s *Server) showReviews(w http.ResponseWriter, r *http.Request) {
	reviews, err := s.svc.Reviews(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.ReviewsView(templates.ReviewsPage{Chrome: s.chrome(r, "Management reviews", "reviews"), Reviews: reviews}))
}

func (s *Server) showNewReview(w http.ResponseWriter, r *http.Request) {
	s.renderReviewForm(w, r, http.StatusOK, templates.MgmtReviewForm{})
}

func (s *Server) renderReviewForm(w http.ResponseWriter, r *http.Request, status int, f templates.MgmtReviewForm) {
	ctx, a := r.Context(), actorFrom(r.Context())
	if err := a.Require(auth.PermManageReviews); err != nil {
		s.fail(w, r, err)
		return
	}
	members, err := s.svc.Members(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, templates.MgmtReviewFormView(templates.MgmtReviewFormPage{
		Chrome: s.chrome(r, "Schedule a management review", "reviews"), Form: f, Members: members}))
}

func (s *Server) scheduleReview(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx, a := r.Context(), actorFrom(r.Context())
	f := templates.MgmtReviewForm{Title: r.PostFormValue("title"), ScheduledOn: r.PostFormValue("scheduled_on"),
		ChairID: r.PostFormValue("chair_id"), Attendees: r.PostFormValue("attendees")}
	rv, err := s.svc.ScheduleReview(ctx, a, qms.ReviewInput{Title: f.Title, ScheduledOn: f.ScheduledOn,
		ChairID: formID(f.ChairID), Attendees: f.Attendees})
	if err != nil {
		if qms.ErrorKind(err) != qms.KindInvalid {
			s.fail(w, r, err)
			return
		}
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderReviewForm(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "reviews", rv.ID.String()), "Management review "+rv.Reference+" was scheduled.")
}

// loadReview reads the review of the route, answering 404 for an unknown or foreign one.
func (s *Server) loadReview(w http.ResponseWriter, r *http.Request) (qms.Review, bool) {
	id, ok := idParam(r, "reviewID")
	if !ok {
		s.notFound(w, r)
		return qms.Review{}, false
	}
	rv, err := s.svc.Review(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return qms.Review{}, false
	}
	return rv, true
}

func (s *Server) showReview(w http.ResponseWriter, r *http.Request) {
	rv, ok := s.loadReview(w, r)
	if !ok {
		return
	}
	s.renderReview(w, r, http.StatusOK, templates.ReviewPage{Review: rv})
}

// renderReview shows a review with the forms the viewer may use; forms not given in p show
// what is stored.
func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, status int, p templates.ReviewPage) {
	ctx, a := r.Context(), actorFrom(r.Context())
	rv := p.Review
	p.Me, p.Today = a.UserID, s.svc.Today()
	p.CanManage = a.Can(auth.PermManageReviews)
	p.CanSign = rv.Status == qms.ReviewHeld && rv.ChairID == a.UserID
	if p.Details.Version == 0 {
		p.Details = templates.MgmtReviewForm{Title: rv.Title, ScheduledOn: rv.ScheduledOn.Format("2006-01-02"),
			ChairID: rv.ChairID.String(), Attendees: rv.Attendees, Version: rv.Version}
	}
	if p.Entries.Version == 0 {
		p.Entries = templates.EntriesForm{IssuesChanges: rv.IssuesChanges, Resources: rv.Resources, Version: rv.Version}
	}
	if p.Minutes == nil {
		p.Minutes = map[string]templates.MinutesForm{}
	}
	for _, k := range qms.ReviewInputKeys {
		if _, given := p.Minutes[k.Key]; !given {
			m := rv.Minutes[k.Key]
			p.Minutes[k.Key] = templates.MinutesForm{Text: m.Minutes, Version: m.Version}
		}
	}
	if p.CanManage {
		var err error
		if p.Members, err = s.svc.Members(ctx, a); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p.Chrome = s.chrome(r, "Management review "+rv.Reference, "reviews")
	s.render(w, r, status, templates.ReviewView(p))
}

// reviewRefused shows the review again after a refused change, or fails for errors that are
// not the form's to show. form fills in the refused form of p.
func (s *Server) reviewRefused(w http.ResponseWriter, r *http.Request, err error, form func(p *templates.ReviewPage)) {
	status, shown := editRefusal(err)
	if qms.ErrorKind(err) == qms.KindRateLimited {
		status, shown = http.StatusTooManyRequests, true
	}
	if !shown {
		s.fail(w, r, err)
		return
	}
	rv, ok := s.loadReview(w, r)
	if !ok {
		return
	}
	p := templates.ReviewPage{Review: rv}
	form(&p)
	s.renderReview(w, r, status, p)
}

// reviewStep runs one of the review's buttons (prepare, hold) on the version shown.
func (s *Server) reviewStep(step func(*Server, *http.Request, qms.Review) error, flash string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.parseForm(w, r) {
			return
		}
		rv, ok := s.loadReview(w, r)
		if !ok {
			return
		}
		if err := step(s, r, rv); err != nil {
			s.reviewRefused(w, r, err, func(p *templates.ReviewPage) { p.Alert = qms.ErrorMessage(err) })
			return
		}
		s.redirect(w, r, templates.Path(actorFrom(r.Context()).OrgSlug, "reviews", rv.ID.String()), "Management review "+rv.Reference+flash)
	}
}

func prepareReview(s *Server, r *http.Request, rv qms.Review) error {
	return s.svc.PrepareReview(r.Context(), actorFrom(r.Context()), rv.ID, formVersion(r))
}

func holdReview(s *Server, r *http.Request, rv qms.Review) error {
	return s.svc.HoldReview(r.Context(), actorFrom(r.Context()), rv.ID, formVersion(r))
}

func (s *Server) updateReview(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	rv, ok := s.loadReview(w, r)
	if !ok {
		return
	}
	f := templates.MgmtReviewForm{Title: r.PostFormValue("title"), ScheduledOn: r.PostFormValue("scheduled_on"),
		ChairID: r.PostFormValue("chair_id"), Attendees: r.PostFormValue("attendees"), Version: formVersion(r)}
	updated, err := s.svc.UpdateReview(r.Context(), actorFrom(r.Context()), rv.ID, f.Version, qms.ReviewInput{
		Title: f.Title, ScheduledOn: f.ScheduledOn, ChairID: formID(f.ChairID), Attendees: f.Attendees})
	if err != nil {
		s.reviewRefused(w, r, err, func(p *templates.ReviewPage) {
			f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
			if qms.ErrorKind(err) == qms.KindConflict && p.Review.Version != f.Version {
				p.Theirs, f.Version = &p.Review, p.Review.Version
			}
			p.Details = f
		})
		return
	}
	s.redirect(w, r, templates.Path(actorFrom(r.Context()).OrgSlug, "reviews", rv.ID.String()), "Management review "+updated.Reference+" was saved.")
}

func (s *Server) saveReviewEntries(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	rv, ok := s.loadReview(w, r)
	if !ok {
		return
	}
	f := templates.EntriesForm{IssuesChanges: r.PostFormValue("issues_changes"), Resources: r.PostFormValue("resources"), Version: formVersion(r)}
	err := s.svc.UpdateReviewEntries(r.Context(), actorFrom(r.Context()), rv.ID, f.Version, qms.ReviewEntries{IssuesChanges: f.IssuesChanges, Resources: f.Resources})
	if err != nil {
		s.reviewRefused(w, r, err, func(p *templates.ReviewPage) {
			f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
			if qms.ErrorKind(err) == qms.KindConflict {
				f.Version = p.Review.Version
			}
			p.Entries = f
		})
		return
	}
	s.redirect(w, r, templates.Path(actorFrom(r.Context()).OrgSlug, "reviews", rv.ID.String()), "The issues and resources were saved.")
}

func (s *Server) saveReviewMinutes(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	rv, ok := s.loadReview(w, r)
	if !ok {
		return
	}
	key := chi.URLParam(r, "inputKey")
	f := templates.MinutesForm{Text: r.PostFormValue("minutes_" + key), Version: formVersion(r)}
	if err := s.svc.SaveReviewMinutes(r.Context(), actorFrom(r.Context()), rv.ID, key, f.Version, f.Text); err != nil {
		s.reviewRefused(w, r, err, func(p *templates.ReviewPage) {
			f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
			if qms.ErrorKind(err) == qms.KindConflict {
				if theirs, ok := p.Review.Minutes[key]; ok {
					f.Version, f.Theirs = theirs.Version, &theirs.Minutes
				}
			}
			p.Minutes = map[string]templates.MinutesForm{key: f}
		})
		return
	}
	s.redirect(w, r, templates.Path(actorFrom(r.Context()).OrgSlug, "reviews", rv.ID.String())+"#input-"+key, "The minutes were saved.")
}

func (s *Server) addReviewOutput(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	rv, ok := s.loadReview(w, r)
	if !ok {
		return
	}
	f := templates.OutputForm{Kind: r.PostFormValue("kind"), Description: r.PostFormValue("description"),
		OwnerID: r.PostFormValue("owner_id"), DueDate: r.PostFormValue("due_date")}
	out, err := s.svc.AddReviewOutput(r.Context(), actorFrom(r.Context()), rv.ID, qms.OutputInput{
		Kind: qms.OutputKind(f.Kind), Description: f.Description, OwnerID: formID(f.OwnerID), DueDate: f.DueDate})
	if err != nil {
		s.reviewRefused(w, r, err, func(p *templates.ReviewPage) {
			f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
			p.Output = f
		})
		return
	}
	s.redirect(w, r, templates.Path(actorFrom(r.Context()).OrgSlug, "reviews", rv.ID.String())+"#outputs", out.Kind.Label()+" recorded.")
}

func (s *Server) completeReviewAction(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	rv, ok := s.loadReview(w, r)
	if !ok {
		return
	}
	outputID, ok := idParam(r, "outputID")
	if !ok {
		s.notFound(w, r)
		return
	}
	note := r.PostFormValue("completion_note")
	if _, err := s.svc.CompleteReviewAction(r.Context(), actorFrom(r.Context()), rv.ID, outputID, formVersion(r), note); err != nil {
		s.reviewRefused(w, r, err, func(p *templates.ReviewPage) {
			p.Complete = templates.CompleteForm{OutputID: outputID, Note: note, Alert: qms.ErrorMessage(err), Errors: qms.FieldErrors(err)}
		})
		return
	}
	s.redirect(w, r, templates.Path(actorFrom(r.Context()).OrgSlug, "reviews", rv.ID.String())+"#outputs", "The action was marked done.")
}

func (s *Server) signReview(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	rv, ok := s.loadReview(w, r)
	if !ok {
		return
	}
	if _, err := s.svc.SignReview(r.Context(), actorFrom(r.Context()), rv.ID, formVersion(r), r.PostFormValue("password")); err != nil {
		s.reviewRefused(w, r, err, func(p *templates.ReviewPage) {
			p.SignForm = templates.SignatureForm{Alert: qms.ErrorMessage(err), Errors: qms.FieldErrors(err)}
		})
		return
	}
	s.redirect(w, r, templates.Path(actorFrom(r.Context()).OrgSlug, "reviews", rv.ID.String()), "You signed the minutes of "+rv.Reference+".")
}

func (s *Server) showReviewMinutes(w http.ResponseWriter, r *http.Request) {
	rv, ok := s.loadReview(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, templates.ReviewMinutesView(templates.ReviewMinutesPage{
		Chrome: s.chrome(r, "Minutes of "+rv.Reference, "reviews"), Review: rv, Today: s.svc.Today()}))
}

// reviewMinutesPDF sends the minutes as a PDF attachment, built in memory so that a failure is
// a clean error page rather than half a file.
func (s *Server) reviewMinutesPDF(w http.ResponseWriter, r *http.Request) {
	rv, ok := s.loadReview(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := pdf.ReviewMinutes(&buf, actorFrom(r.Context()).OrgName, rv, s.svc.Today()); err != nil {
		s.fail(w, r, err)
		return
	}
	name := "Management review " + rv.Reference + " minutes.pdf"
	if rv.Status != qms.ReviewSigned {
		name = "Management review " + rv.Reference + " minutes (draft).pdf"
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	_, _ = buf.WriteTo(w)
}
