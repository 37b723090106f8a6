package templates

import (
	"github.com/a-h/templ"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
)

// CAPAFilterForm is the CAPA list's filter, as chosen.
type CAPAFilterForm struct {
	Status, ProcessID, SiteID, OwnerID, Category, Age string
	Overdue                                           bool
	ActionOwnerID, VerifierID                         string
}

// CAPAsPage is the CAPA list.
type CAPAsPage struct {
	Chrome Chrome
	Filter CAPAFilterForm
	CAPAs  []qms.CAPA
	// OwnerActions are the open actions of the person the list is filtered to.
	OwnerActions []qms.CAPAWorkItem
	Today        time.Time
	Processes    []qms.Process
	Sites        []qms.Site
	Members      []qms.Member
	// Next continues the list after this page ("" on the last); Continued says this is not
	// the first page.
	Next      templ.SafeURL
	Continued bool
}

// CAPAForm is the new-CAPA form as typed.
type CAPAForm struct {
	Title, ProblemStatement, Containment, ProcessID, SiteID, OwnerID, VerifierID string
	FindingID                                                                    string
	Alert                                                                        string
	Errors                                                                       FieldErrors
}

// CAPAFormPage is the page that raises a CAPA, from a finding or directly.
type CAPAFormPage struct {
	Chrome    Chrome
	Form      CAPAForm
	Finding   *qms.Finding
	Processes []qms.Process
	Sites     []qms.Site
	Members   []qms.Member
}

// CAPAPage is a CAPA's page. Form names the form that was refused (edit, root_cause,
// action, complete, cancel, plan, check), with its input and messages.
type CAPAPage struct {
	Chrome    Chrome
	Detail    qms.CAPADetail
	Today     time.Time
	Me        uuid.UUID
	CanManage bool
	Processes []qms.Process
	Sites     []qms.Site
	Members   []qms.Member

	Form   string
	Values url.Values
	Alert  string
	Errors FieldErrors
}

// val is the value of a field: as typed when form was the one refused, else def.
func (p CAPAPage) val(form, field, def string) string {
	if p.Form == form && p.Values != nil {
		return p.Values.Get(field)
	}
	return def
}

// err is a field's message when form was the one refused.
func (p CAPAPage) err(form, field string) string {
	if p.Form == form {
		return p.Errors[field]
	}
	return ""
}

// alert is the refusal of form.
func (p CAPAPage) alert(form string) string {
	if p.Form == form {
		return p.Alert
	}
	return ""
}

// actionForm reports whether the refused form was form for the action x.
func (p CAPAPage) actionForm(form string, x qms.CAPAAction) bool {
	return p.Form == form && p.Values.Get("action_id") == x.ID.String()
}

// whys are the why fields to show: the chain as typed or saved, and empty ones up to five
// (one more than the chain, at most ten).
func (p CAPAPage) whys() []string {
	w := p.Detail.Whys
	if p.Form == "root_cause" && p.Values != nil {
		w = p.Values["why"]
	}
	out := append([]string{}, w...)
	n := max(5, len(out)+1)
	for len(out) < min(n, 10) {
		out = append(out, "")
	}
	return out
}

// fishbone are the fishbone rows to show: the causes and two empty rows.
func (p CAPAPage) fishbone() []qms.FishboneCause {
	var out []qms.FishboneCause
	if p.Form == "root_cause" && p.Values != nil {
		cats := p.Values["fishbone_category"]
		for i, c := range p.Values["fishbone_cause"] {
			fc := qms.FishboneCause{Cause: c}
			if i < len(cats) {
				fc.Category = qms.RootCauseCategory(cats[i])
			}
			out = append(out, fc)
		}
	} else {
		out = append(out, p.Detail.Fishbone...)
	}
	return append(out, qms.FishboneCause{}, qms.FishboneCause{})
}

// RespondForm is a refused correction or decision form on a finding's page.
type RespondForm struct {
	Form   string // correction or decision
	Values url.Values
	Alert  string
	Errors FieldErrors
}

func (f RespondForm) val(form, field, def string) string {
	if f.Form == form && f.Values != nil {
		return f.Values.Get(field)
	}
	return def
}

func (f RespondForm) err(form, field string) string {
	if f.Form == form {
		return f.Errors[field]
	}
	return ""
}

// CAPAStatusOptions are the statuses of the list filter.
func CAPAStatusOptions(first string) []Option {
	out := []Option{{Value: "", Label: first}}
	for _, s := range qms.CAPAStatuses {
		out = append(out, Option{Value: string(s), Label: s.Label()})
	}
	return out
}

// CategoryOptions are the root-cause categories.
func CategoryOptions(first string, cats []qms.RootCauseCategory) []Option {
	out := []Option{{Value: "", Label: first}}
	for _, c := range cats {
		out = append(out, Option{Value: string(c), Label: c.Label()})
	}
	return out
}

// AgeOptions are the ageing brackets of the list filter.
func AgeOptions() []Option {
	out := []Option{{Value: "", Label: "Any"}}
	for _, b := range qms.CAPAAgeBuckets {
		out = append(out, Option{Value: b.Key, Label: "Open " + b.Label})
	}
	return out
}

// memberChoices are members to choose from, with an empty first choice named first.
func capaMembers(members []qms.Member, first string) []Option {
	out := make([]Option, 1, len(members)+1)
	out[0] = Option{Value: "", Label: first}
	for _, m := range members {
		out = append(out, Option{Value: m.UserID.String(), Label: m.Name})
	}
	return out
}

func idString(id *uuid.UUID) string {
	if id == nil {
		return ""
	}
	return id.String()
}

func days(n int) string { return qms.Plural(n, "day", "days") }
