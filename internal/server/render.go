package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

// pageBuffers are the buffers pages are rendered into, used again by later pages: a list page
// is 30–50 KiB, and growing a new buffer to that size took a dozen allocations and copies.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// largestPooledPage is the largest buffer kept for another page; a rare huge page's buffer
// is left to the garbage collector rather than held.
const largestPooledPage = 1 << 20

// render writes a page with status. It renders into a buffer first, so a failure half-way
// becomes a clean 500 page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= largestPooledPage {
			buf.Reset()
			pageBuffers.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// chrome is the layout data of a page: the signed-in user, the organisation, the flash.
func (s *Server) chrome(r *http.Request, title, section string) templates.Chrome {
	ctx := r.Context()
	c := templates.Chrome{Title: title, Section: section, RequestID: requestIDFrom(ctx)}
	if a := actorFrom(ctx); a.UserID != uuid.Nil {
		c.User = &templates.CurrentUser{Name: a.Name, Email: a.Email}
		c.Org = &templates.CurrentOrg{Slug: a.OrgSlug, Name: a.OrgName, Role: a.Role}
	} else if u, ok := userFrom(ctx); ok {
		c.User = &templates.CurrentUser{Name: u.Name, Email: u.Email}
	}
	if s.sessions != nil && hasSession(ctx) {
		c.Flash = s.sessions.PopString(ctx, sessionFlash)
	}
	return c
}

// hasSession reports whether the session middleware ran for this request; error pages are
// also rendered from outside it (unknown paths, static files).
func hasSession(ctx context.Context) bool {
	loaded, _ := ctx.Value(keySessionLoaded).(bool)
	return loaded
}

// redirect answers a successful form post: 303 to the page to show next, with a one-time
// message.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		s.sessions.Put(r.Context(), sessionFlash, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// fail answers with the page for err's kind. Internal errors are logged with their detail
// and shown only as "something went wrong" with the request id.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		s.errorPage(w, r, http.StatusRequestEntityTooLarge, "Too large",
			"What you sent is larger than "+qms.HumanSize(maxBytes.Limit)+", the most this page accepts.")
		return
	case errors.Is(err, context.Canceled):
		return // the client went away; nobody is listening
	}
	switch qms.ErrorKind(err) {
	case qms.KindNotFound:
		s.notFound(w, r)
	case qms.KindForbidden:
		s.errorPage(w, r, http.StatusForbidden, "Not allowed", qms.ErrorMessage(err))
	case qms.KindConflict:
		s.errorPage(w, r, http.StatusConflict, "Could not be done", qms.ErrorMessage(err))
	case qms.KindInvalid:
		s.errorPage(w, r, http.StatusUnprocessableEntity, "Could not be done", qms.ErrorMessage(err))
	case qms.KindUnauthenticated:
		s.errorPage(w, r, http.StatusUnauthorized, "Sign in again", qms.ErrorMessage(err))
	case qms.KindRateLimited:
		s.errorPage(w, r, http.StatusTooManyRequests, "Too many attempts", qms.ErrorMessage(err))
	case qms.KindTooLarge:
		s.errorPage(w, r, http.StatusRequestEntityTooLarge, "Too large", qms.ErrorMessage(err))
	default:
		s.log.Error("internal error", "request_id", requestIDFrom(r.Context()), "method", r.Method, "path", r.URL.Path, "error", err)
		s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong", qms.ErrorMessage(err))
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "Page not found",
		"There is nothing at this address, or you do not have access to it. Check the link, or start again from your organisations.")
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	c := s.chrome(r, heading, "")
	var buf bytes.Buffer
	if err := templates.ErrorView(c, templates.ErrorPage{Status: status, Heading: heading, Message: message}).Render(r.Context(), &buf); err != nil {
		s.log.Error("rendering the error page", "error", err)
		http.Error(w, heading, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// editRefusal says how an edit form shows a refused save: again with field errors (422), or
// again next to the version someone else saved meanwhile (409). Any other error is not the
// form's to show (shown is false).
func editRefusal(err error) (status int, shown bool) {
	switch qms.ErrorKind(err) {
	case qms.KindInvalid:
		return http.StatusUnprocessableEntity, true
	case qms.KindConflict:
		return http.StatusConflict, true
	}
	return 0, false
}

// idParam reads a UUID from the route; a malformed one is simply not found.
func idParam(r *http.Request, name string) (uuid.UUID, bool) {
	id, err := uuid.Parse(chi.URLParam(r, name))
	return id, err == nil
}

// formVersion reads the hidden version field of an edit form.
func formVersion(r *http.Request) int {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	return v
}
