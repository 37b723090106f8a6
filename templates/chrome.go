// Package templates holds the templ components that render every page. Pages take typed
// props and plain data; nothing here queries or decides permissions beyond hiding controls
// the service layer would refuse anyway.
package templates

import (
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/plumbline/plumbline/internal/auth"
)

// Chrome is what the layout needs on every page: who is signed in, where they are, and any
// one-time message.
type Chrome struct {
	Title     string
	User      *CurrentUser
	Org       *CurrentOrg
	Flash     string
	Section   string // highlights the nav entry of the current area
	RequestID string
	// RefreshSeconds, when set, reloads the page after that many seconds: a page that shows
	// the progress of background work keeps itself current without JavaScript.
	RefreshSeconds int
}

// CurrentUser is the signed-in person.
type CurrentUser struct {
	Name  string
	Email string
}

// CurrentOrg is the organisation the page belongs to and the viewer's role there.
type CurrentOrg struct {
	Slug string
	Name string
	Role auth.Role
}

// Can is the viewer's permission, for showing or hiding controls.
func (o *CurrentOrg) Can(p auth.Permission) bool { return o != nil && o.Role.Can(p) }

// CanSeeSettings reports whether any settings page is open to the viewer.
func (o *CurrentOrg) CanSeeSettings() bool {
	return o.Can(auth.PermManageMembers) || o.Can(auth.PermManageStructure) || o.Can(auth.PermViewAuditTrail)
}

// OrgURL builds a path inside an organisation: OrgURL("acme", "settings", "sites").
func OrgURL(slug string, parts ...string) templ.SafeURL {
	var b strings.Builder
	b.WriteString("/o/")
	b.WriteString(url.PathEscape(slug))
	for _, p := range parts {
		b.WriteString("/")
		b.WriteString(url.PathEscape(p))
	}
	return templ.SafeURL(b.String())
}

// Path returns the string form of OrgURL, for form actions.
func Path(slug string, parts ...string) string { return string(OrgURL(slug, parts...)) }

// Date formats a day the way people in the organisation write it.
func Date(t time.Time) string { return t.Format("2 Jan 2006") }

// DateTime formats a moment to the minute.
func DateTime(t time.Time) string { return t.Format("2 Jan 2006 15:04") }

// ISODateTime is the machine-readable form for <time datetime>.
func ISODateTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// FieldErrors maps a form field's name to the message shown next to it.
type FieldErrors map[string]string

// Has reports whether field has an error.
func (e FieldErrors) Has(field string) bool { return e[field] != "" }

// orDash shows an empty value as a dash, so an empty cell reads as "not given".
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
