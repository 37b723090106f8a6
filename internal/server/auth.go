package server

import (
	"net"
	"net/http"
	"strings"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.sessionUser(r); ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	f := templates.LoginForm{Next: localPath(r.URL.Query().Get("next")), Alert: s.sessions.PopString(r.Context(), sessionFlash)}
	s.render(w, r, http.StatusOK, templates.LoginPage(f))
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := templates.LoginForm{Email: strings.TrimSpace(r.PostFormValue("email")), Next: localPath(r.PostFormValue("next"))}
	password := r.PostFormValue("password")
	if f.Email == "" || password == "" {
		f.Alert = "Enter your email and password."
		s.render(w, r, http.StatusUnprocessableEntity, templates.LoginPage(f))
		return
	}
	u, err := s.svc.SignIn(r.Context(), f.Email, password, clientAddr(r))
	switch qms.ErrorKind(err) {
	case qms.KindUnauthenticated:
		f.Alert = qms.ErrorMessage(err)
		s.render(w, r, http.StatusUnauthorized, templates.LoginPage(f))
		return
	case qms.KindRateLimited:
		f.Alert = qms.ErrorMessage(err)
		s.render(w, r, http.StatusTooManyRequests, templates.LoginPage(f))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A new token at sign-in, so a token planted before sign-in (session fixation) is useless.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessionUserID, u.ID.String())
	if u.MustChangePassword {
		s.sessions.Put(r.Context(), sessionMustChange, true)
	}
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Remove(r.Context(), sessionUserID)
	s.sessions.Remove(r.Context(), sessionMustChange)
	s.redirect(w, r, "/login", "You have signed out.")
}

// clientAddr is the peer's IP address, for per-address sign-in throttling. Forwarded-for
// headers are not trusted: anyone can send them.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
