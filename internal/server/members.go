package server

import (
	"net/http"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

const (
	sessionNewAccountName     = "new_account_name"
	sessionNewAccountEmail    = "new_account_email"
	sessionNewAccountPassword = "new_account_password"
)

func (s *Server) showMembers(w http.ResponseWriter, r *http.Request) {
	p := templates.MembersPage{Form: templates.MemberForm{Role: string(auth.RoleViewer)}}
	// A temporary password is kept in the (server-side) session only until this page shows it.
	if pw := s.sessions.PopString(r.Context(), sessionNewAccountPassword); pw != "" {
		p.NewAccount = &templates.NewAccountNotice{
			Name:              s.sessions.PopString(r.Context(), sessionNewAccountName),
			Email:             s.sessions.PopString(r.Context(), sessionNewAccountEmail),
			TemporaryPassword: pw,
		}
	}
	s.renderMembers(w, r, http.StatusOK, p)
}

func (s *Server) renderMembers(w http.ResponseWriter, r *http.Request, status int, p templates.MembersPage) {
	a := actorFrom(r.Context())
	if err := a.Require(auth.PermManageMembers); err != nil {
		s.fail(w, r, err)
		return
	}
	members, err := s.svc.Members(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Chrome, p.Members = s.chrome(r, "Members", "settings"), members
	s.render(w, r, status, templates.MembersView(p))
}

func (s *Server) addMember(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	f := templates.MemberForm{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role")}
	added, err := s.svc.AddMember(r.Context(), a, qms.NewMember{Email: f.Email, Name: f.Name, Role: auth.Role(f.Role)})
	if qms.ErrorKind(err) == qms.KindInvalid {
		f.Alert, f.Errors = qms.ErrorMessage(err), qms.FieldErrors(err)
		s.renderMembers(w, r, http.StatusUnprocessableEntity, templates.MembersPage{Form: f})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if added.NewAccount {
		s.sessions.Put(r.Context(), sessionNewAccountName, added.Member.Name)
		s.sessions.Put(r.Context(), sessionNewAccountEmail, added.Member.Email)
		s.sessions.Put(r.Context(), sessionNewAccountPassword, added.TemporaryPassword)
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "settings", "members"),
		added.Member.Name+" was added as "+added.Member.Role.Label()+".")
}

func (s *Server) changeMemberRole(w http.ResponseWriter, r *http.Request) {
	userID, ok := idParam(r, "userID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	m, err := s.svc.ChangeMemberRole(r.Context(), a, userID, formVersion(r), auth.Role(r.PostFormValue("role")))
	if s.memberRowRefused(w, r, err) {
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "settings", "members"), m.Name+" is now "+m.Role.Label()+".")
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) {
	userID, ok := idParam(r, "userID")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actorFrom(r.Context())
	m, err := s.svc.RemoveMember(r.Context(), a, userID, formVersion(r))
	if s.memberRowRefused(w, r, err) {
		return
	}
	s.redirect(w, r, templates.Path(a.OrgSlug, "settings", "members"), m.Name+" was removed from the organisation.")
}

// memberRowRefused shows a refused change to one member's row above the list (409 or 422);
// other errors get their usual page. It reports whether it answered.
func (s *Server) memberRowRefused(w http.ResponseWriter, r *http.Request, err error) bool {
	if err == nil {
		return false
	}
	blank := templates.MemberForm{Role: string(auth.RoleViewer)}
	switch qms.ErrorKind(err) {
	case qms.KindConflict:
		s.renderMembers(w, r, http.StatusConflict, templates.MembersPage{RowAlert: qms.ErrorMessage(err), Form: blank})
	case qms.KindInvalid:
		msg := qms.ErrorMessage(err)
		for _, m := range qms.FieldErrors(err) {
			msg = m // a row form has one field
		}
		s.renderMembers(w, r, http.StatusUnprocessableEntity, templates.MembersPage{RowAlert: msg, Form: blank})
	default:
		s.fail(w, r, err)
	}
	return true
}
