package templates

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/markdown"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/textdiff"
)

// DocumentFilterForm is the register's filter as the query string carries it.
type DocumentFilterForm struct {
	Query     string
	TypeID    string
	ProcessID string
	OwnerID   string
	Status    string
	ReviewDue bool
	Flagged   bool
}

// Values is the filter as a query string, for links that keep it (next page, CSV).
func (f DocumentFilterForm) Values() url.Values {
	v := url.Values{}
	set := func(k, x string) {
		if x != "" {
			v.Set(k, x)
		}
	}
	set("q", f.Query)
	set("type", f.TypeID)
	set("process", f.ProcessID)
	set("owner", f.OwnerID)
	set("status", f.Status)
	if f.ReviewDue {
		v.Set("review", "due")
	}
	if f.Flagged {
		v.Set("flagged", "1")
	}
	return v
}

// DocumentsPage is the register.
type DocumentsPage struct {
	Chrome    Chrome
	Documents []qms.Document
	Filter    DocumentFilterForm
	Types     []Option
	Processes []Option
	Owners    []Option
	Statuses  []Option
	NextURL   string
	CSVURL    string
	Today     time.Time
	CanCreate bool
	Heading   string
}

// DocumentForm is the register entry (and, for a new document, its first draft) as typed.
type DocumentForm struct {
	Title          string
	TypeID         string
	ProcessID      string
	OwnerID        string
	ReviewInterval string
	Clauses        []string
	Body           string
	ChangeSummary  string
	Version        int
	Alert          string
	Errors         FieldErrors
}

// DocumentFormPage is the new-document page and the register-entry edit page.
type DocumentFormPage struct {
	Chrome    Chrome
	Document  *qms.Document // nil when creating
	Form      DocumentForm
	Types     []Option
	Processes []Option
	Owners    []Option
	Clauses   []Option
	Theirs    *qms.Document
}

// DocumentPage is one document.
type DocumentPage struct {
	Chrome    Chrome
	View      qms.DocumentView
	FlagForm  FlagForm
	Obsolete  ObsoleteForm
	Today     time.Time
	CanFlag   bool
	RowAlert  string
	RowErrors FieldErrors
}

// FlagForm is the "review required" form.
type FlagForm struct {
	Reason string
	Alert  string
	Errors FieldErrors
}

// ObsoleteForm is the "make obsolete" form.
type ObsoleteForm struct {
	Reason string
	Errors FieldErrors
}

// VersionPage is one version of a document.
type VersionPage struct {
	Chrome    Chrome
	View      qms.VersionView
	Submit    SubmitForm
	Review    ReviewForm
	Approve   ApproveForm
	Alert     string
	Reviewers []Option
	Approvers []Option
}

// SubmitForm names reviewers and the approver.
type SubmitForm struct {
	ReviewerIDs []string
	ApproverID  string
	Errors      FieldErrors
}

// ReviewForm is a reviewer's decision.
type ReviewForm struct {
	Decision string
	Comment  string
	Errors   FieldErrors
}

// ApproveForm is the approver's signature.
type ApproveForm struct {
	EffectiveOn string
	Comment     string
	Errors      FieldErrors
}

// DraftForm is the content of a draft as typed.
type DraftForm struct {
	Body          string
	ChangeSummary string
	Remove        []string
	Version       int
	Alert         string
	Errors        FieldErrors
}

// DraftPage is the draft editor.
type DraftPage struct {
	Chrome Chrome
	View   qms.VersionView
	Form   DraftForm
	// Theirs is set after an edit conflict: the draft as someone else saved it meanwhile.
	Theirs *qms.DocumentVersion
	Diff   []textdiff.Line
}

// ComparePage shows what changed between two versions.
type ComparePage struct {
	Chrome   Chrome
	Document qms.Document
	From, To qms.DocumentVersion
	Versions []Option
	Lines    []textdiff.Line
	Added    int
	Removed  int
}

// AcknowledgementsPage is the matrix of a document with its audience form.
type AcknowledgementsPage struct {
	Chrome Chrome
	Matrix qms.AckMatrix
	Alert  string
	Errors FieldErrors
}

// PeriodicReviewPage is the periodic review of a document.
type PeriodicReviewPage struct {
	Chrome   Chrome
	View     qms.DocumentView
	Comment  string
	Revision string
	Alert    string
	Errors   FieldErrors
}

// DocumentTypesPage is the settings page of document types.
type DocumentTypesPage struct {
	Chrome  Chrome
	Types   []qms.DocumentType
	Editing string // the id of the type whose form failed
	Form    DocumentTypeForm
}

// DocumentTypeForm is one type's form as typed.
type DocumentTypeForm struct {
	Name       string
	Prefix     string
	NextNumber string
	Version    int
	Alert      string
	Errors     FieldErrors
}

// RenderMarkdown is a document's text as safe HTML.
func RenderMarkdown(src string) templ.Component { return templ.Raw(markdown.Render(src)) }

func docURL(slug string, d qms.Document, parts ...string) templ.SafeURL {
	return OrgURL(slug, append([]string{"documents", d.ID.String()}, parts...)...)
}

func versionURL(slug string, docID uuid.UUID, v qms.DocumentVersion, parts ...string) templ.SafeURL {
	return OrgURL(slug, append([]string{"documents", docID.String(), "versions", v.ID.String()}, parts...)...)
}

func stateTone(state string) string {
	switch state {
	case qms.VersionEffective:
		return "ok"
	case qms.VersionInReview, qms.VersionApproved:
		return "info"
	case qms.VersionDraft:
		return "warn"
	case qms.VersionSuperseded, qms.VersionObsolete:
		return "bad"
	}
	return "muted"
}

func rev(n int) string { return "Rev. " + strconv.Itoa(n) }

func revPtr(n *int) string {
	if n == nil {
		return "—"
	}
	return rev(*n)
}

func dateOr(t *time.Time, or string) string {
	if t == nil {
		return or
	}
	return Date(*t)
}

func strOr(s *string, or string) string {
	if s == nil || *s == "" {
		return or
	}
	return *s
}

// selectedIn reports whether v is one of the chosen values.
func selectedIn(v string, chosen []string) bool {
	for _, c := range chosen {
		if c == v {
			return true
		}
	}
	return false
}

func rolesChosen(roles []auth.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

func idsChosen(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

func bannerText(v qms.DocumentVersion) string { t, _ := bannerFor(v); return t }

func bannerClass(v qms.DocumentVersion) string { _, c := bannerFor(v); return c }

// bannerFor says what a reader must know before using a version.
func bannerFor(v qms.DocumentVersion) (text, class string) {
	switch v.State {
	case qms.VersionEffective:
		return "", ""
	case qms.VersionSuperseded:
		return "Not current — do not use. This revision was superseded on " + dateOr(v.EffectiveUntil, "") + ".", "banner banner-stop"
	case qms.VersionObsolete:
		return "Not current — do not use. This document was made obsolete on " + dateOr(v.EffectiveUntil, "") + ".", "banner banner-stop"
	case qms.VersionWithdrawn:
		return "Not current — do not use. This revision was withdrawn and never took effect.", "banner banner-stop"
	case qms.VersionApproved:
		return "Not yet effective — do not use before " + dateOr(v.EffectiveOn, "its effective date") + ". Approved; it takes effect on that day.", "banner banner-draft"
	}
	return "Draft — not approved, do not use. " + qms.StateLabel(v.State) + ".", "banner banner-draft"
}

func decisionLabel(d *string) string {
	if d == nil {
		return "Waiting"
	}
	if *d == qms.ReviewApproved {
		return "Approved"
	}
	return "Changes requested"
}

func decisionTone(d *string) string {
	if d == nil {
		return "muted"
	}
	if *d == qms.ReviewApproved {
		return "ok"
	}
	return "warn"
}

func outcomeLabel(o string) string {
	if o == "confirmed" {
		return "Confirmed unchanged"
	}
	return "Revision started"
}

// sourceLink is where a review flag's source lives, or "" when it has no page.
func sourceLink(slug string, f qms.ReviewFlag) templ.SafeURL {
	if f.SourcePath == "" {
		return ""
	}
	return templ.SafeURL(string(OrgURL(slug)) + "/" + f.SourcePath)
}

func lower(s string) string { return strings.ToLower(s) }

func join(s []string) string {
	if len(s) == 0 {
		return "—"
	}
	return strings.Join(s, ", ")
}

// navFor picks the documents tab that a filter amounts to.
func navFor(f DocumentFilterForm) string {
	switch {
	case f.ReviewDue:
		return "reviews"
	case f.Flagged:
		return "flagged"
	}
	return "register"
}

func processOptions(ps []qms.Process) []Option {
	out := make([]Option, 0, len(ps))
	for _, p := range ps {
		out = append(out, Option{Value: p.ID.String(), Label: p.Name})
	}
	return out
}

func memberChoices(ms []qms.Member) []Option {
	out := make([]Option, 0, len(ms))
	for _, m := range ms {
		out = append(out, Option{Value: m.UserID.String(), Label: m.Name + " (" + m.Role.Label() + ")"})
	}
	return out
}
