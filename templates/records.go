package templates

import (
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
)

// ISODate is a day as forms and URLs write it: 2026-03-14.
func ISODate(t time.Time) string { return t.Format(time.DateOnly) }

// WithQuery adds a query string to a path.
func WithQuery(path string, q url.Values) templ.SafeURL {
	if len(q) == 0 {
		return templ.SafeURL(path)
	}
	return templ.SafeURL(path + "?" + q.Encode())
}

// Score writes a supplier's score, or a dash when there is none.
func Score(s *int) string {
	if s == nil {
		return "—"
	}
	return strconv.Itoa(*s)
}

// ScoreTone colours a score: 80 and up is good, under 60 is poor.
func ScoreTone(s *int) string {
	switch {
	case s == nil:
		return "muted"
	case *s >= 80:
		return "ok"
	case *s >= 60:
		return "warn"
	}
	return "bad"
}

// RecordURL is the page of a record.
func RecordURL(slug string, id uuid.UUID, more ...string) templ.SafeURL {
	return OrgURL(slug, append([]string{"records", id.String()}, more...)...)
}

// ProcessURL is the page of a process, where every area shows what it has for it.
func ProcessURL(slug string, id uuid.UUID) templ.SafeURL {
	return OrgURL(slug, "processes", id.String())
}

// ClauseURL is the page of an ISO 9001 clause.
func ClauseURL(slug, number string) templ.SafeURL { return OrgURL(slug, "clauses", number) }

// RecordTypeOptions are the types offered for new records (archived ones are not), after an
// optional first choice.
func RecordTypeOptions(types []qms.RecordType, first string, withArchived bool) []Option {
	var out []Option
	if first != "" {
		out = append(out, Option{Value: "", Label: first})
	}
	for _, t := range types {
		if withArchived || !t.Archived() {
			out = append(out, Option{Value: t.ID.String(), Label: t.Name})
		}
	}
	return out
}

// ProcessOptions lists processes after a first choice; current keeps an archived process
// that a record already names.
func ProcessOptions(ps []qms.Process, first string, withArchived bool, current string) []Option {
	out := []Option{{Value: "", Label: first}}
	for _, p := range ps {
		if withArchived || !p.Archived() || p.ID.String() == current {
			out = append(out, Option{Value: p.ID.String(), Label: p.Name})
		}
	}
	return out
}

// SiteOptions lists sites after a first choice, like ProcessOptions.
func SiteOptions(sites []qms.Site, first string, withArchived bool, current string) []Option {
	out := []Option{{Value: "", Label: first}}
	for _, s := range sites {
		if withArchived || !s.Archived() || s.ID.String() == current {
			out = append(out, Option{Value: s.ID.String(), Label: s.Name})
		}
	}
	return out
}

// SupplierOptions lists suppliers after a first choice, like ProcessOptions.
func SupplierOptions(list []qms.Supplier, first string, withArchived bool, current string) []Option {
	out := []Option{{Value: "", Label: first}}
	for _, s := range list {
		if withArchived || !s.Archived() || s.ID.String() == current {
			out = append(out, Option{Value: s.ID.String(), Label: s.Name})
		}
	}
	return out
}

// SeverityOptions lists severities after a first choice.
func SeverityOptions(first string) []Option {
	out := []Option{{Value: "", Label: first}}
	for _, v := range qms.Severities {
		out = append(out, Option{Value: string(v), Label: v.Label()})
	}
	return out
}

// ComplaintStatusOptions lists complaint statuses, after a first choice if one is given.
func ComplaintStatusOptions(first string) []Option {
	var out []Option
	if first != "" {
		out = append(out, Option{Value: "", Label: first})
	}
	for _, st := range qms.ComplaintStatuses {
		out = append(out, Option{Value: string(st), Label: st.Label()})
	}
	return out
}

// SupplierStatusOptions lists approval statuses, after a first choice if one is given.
func SupplierStatusOptions(first string) []Option {
	var out []Option
	if first != "" {
		out = append(out, Option{Value: "", Label: first})
	}
	for _, st := range qms.SupplierStatuses {
		out = append(out, Option{Value: string(st), Label: st.Label()})
	}
	return out
}

// KindOptions lists the kinds of record type.
func KindOptions() []Option {
	out := []Option{{Value: "", Label: "Choose the fields"}}
	for _, k := range qms.RecordKinds {
		out = append(out, Option{Value: string(k), Label: k.Label()})
	}
	return out
}

// RecordForm is a record form (new, edit or correct), as typed.
type RecordForm struct {
	TypeID         string
	Title          string
	EventDate      string
	ProcessID      string
	SiteID         string
	Clauses        string
	Description    string
	Customer       string
	ProductService string
	Severity       string
	SupplierID     string
	Score          string
	Topic          string
	AttendeeIDs    []string
	AttendeeNames  string
	Reason         string
	// FileIDs are the current files ticked: to remove (editing a draft) or to keep (a
	// correction).
	FileIDs []string
	Version int
	Alert   string
	Errors  FieldErrors
	// FilesChosen is set when a refused form had files chosen: browsers cannot keep them, so
	// the form asks for them again.
	FilesChosen bool
}

// Ticked reports whether a checkbox value is among the chosen ones.
func Ticked(values []string, v string) bool { return slices.Contains(values, v) }

// RecordFormChoices are the options a record form offers.
type RecordFormChoices struct {
	Processes []Option
	Sites     []Option
	Suppliers []Option
	Members   []Option
}

// RecordFormPage is the page to record something, edit a draft, or correct a final record.
type RecordFormPage struct {
	Chrome    Chrome
	Mode      string // "new", "edit" or "correct"
	Type      qms.RecordType
	Record    *qms.RecordDetail // what is edited or corrected
	Form      RecordForm
	Choices   RecordFormChoices
	MaxUpload string
	// Theirs is set after an edit conflict: the record as someone else saved it meanwhile.
	Theirs *qms.RecordDetail
}

// Action is where the form posts.
func (p RecordFormPage) Action() string {
	switch p.Mode {
	case "edit":
		return Path(p.Chrome.Org.Slug, "records", p.Record.ID.String(), "edit")
	case "correct":
		return Path(p.Chrome.Org.Slug, "records", p.Record.ID.String(), "correct")
	}
	return Path(p.Chrome.Org.Slug, "records")
}

// RecordFilterForm is the records filter as typed, and the query it makes.
type RecordFilterForm struct {
	Query     string
	TypeID    string
	ProcessID string
	SiteID    string
	Clause    string
	From      string
	To        string
	Files     string // "", "with", "without"
	State     string
	Errors    FieldErrors
}

// Values is the filter as a query string, without paging.
func (f RecordFilterForm) Values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"q": f.Query, "type": f.TypeID, "process": f.ProcessID, "site": f.SiteID,
		"clause": f.Clause, "from": f.From, "to": f.To, "files": f.Files, "state": f.State} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// RecordsPage is the records list.
type RecordsPage struct {
	Chrome  Chrome
	Filter  RecordFilterForm
	Page    qms.RecordPage
	Choices qms.RecordChoices
}

// NextURL is the next page of the same filter.
func (p RecordsPage) NextURL() templ.SafeURL {
	v := p.Filter.Values()
	v.Set("after", p.Page.Next)
	return WithQuery(Path(p.Chrome.Org.Slug, "records"), v)
}

// ExportURL is the CSV of the same filter.
func (p RecordsPage) ExportURL() templ.SafeURL {
	return WithQuery(Path(p.Chrome.Org.Slug, "records", "export.csv"), p.Filter.Values())
}

// Filtered reports whether any filter is set.
func (p RecordsPage) Filtered() bool { return len(p.Filter.Values()) > 0 }

// ChooseTypePage lets a person pick the type of record before its form.
type ChooseTypePage struct {
	Chrome Chrome
	Types  []qms.RecordType
	// Query carries what the link already chose (a supplier, a process) to the form.
	Query url.Values
}

// RecordPage is a record's page.
type RecordPage struct {
	Chrome Chrome
	Detail qms.RecordDetail
	// PastRetention is set when the record may be disposed of.
	PastRetention bool
	Status        ComplaintStatusForm
}

// ComplaintStatusForm moves a complaint on.
type ComplaintStatusForm struct {
	Status string
	Note   string
	Alert  string
	Errors FieldErrors
}

// CanWrite reports whether the viewer may record and correct.
func (p RecordPage) CanWrite() bool { return p.Chrome.Org.Can(auth.PermWriteRecords) }

// DisposePage is the signed disposal of one record.
type DisposePage struct {
	Chrome Chrome
	Detail qms.RecordDetail
	Reason string
	Alert  string
	Errors FieldErrors
}

// ComplaintFilterForm is the complaints filter as typed.
type ComplaintFilterForm struct {
	Query     string
	Status    string
	Severity  string
	ProcessID string
}

// ComplaintsPage is the complaints view.
type ComplaintsPage struct {
	Chrome    Chrome
	Filter    ComplaintFilterForm
	Page      qms.RecordPage
	Processes []qms.Process
	NewURL    templ.SafeURL // records a complaint; empty if the viewer may not
}

// NextURL is the next page of the same filter.
func (p ComplaintsPage) NextURL() templ.SafeURL {
	v := url.Values{"after": {p.Page.Next}}
	for k, x := range map[string]string{"q": p.Filter.Query, "status": p.Filter.Status, "severity": p.Filter.Severity, "process": p.Filter.ProcessID} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return WithQuery(Path(p.Chrome.Org.Slug, "records", "complaints"), v)
}

// RetentionPage lists records past their retention and recent disposals.
type RetentionPage struct {
	Chrome   Chrome
	Page     qms.RecordPage
	Disposed []qms.Record
	Today    time.Time
}

// NextURL is the next page of records past retention.
func (p RetentionPage) NextURL() templ.SafeURL {
	return WithQuery(Path(p.Chrome.Org.Slug, "records", "retention"), url.Values{"after": {p.Page.Next}})
}

// OverdueBy says how long ago a record's retention ended.
func OverdueBy(keepUntil, today time.Time) string {
	days := int(today.Sub(keepUntil).Hours() / 24)
	switch {
	case days >= 730:
		return strconv.Itoa(days/365) + " years"
	case days >= 60:
		return strconv.Itoa(days/30) + " months"
	case days == 1:
		return "1 day"
	}
	return strconv.Itoa(days) + " days"
}
