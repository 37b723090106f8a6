package templates

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plumbline/plumbline/internal/qms"
)

// auditDateRange is "10 Mar 2026", or "10 Mar 2026 – 12 Mar 2026".
func auditDateRange(from, to time.Time) string {
	if from.Equal(to) || to.IsZero() {
		return Date(from)
	}
	return Date(from) + " – " + Date(to)
}

// AuditTypeOptions are the audit types, for a form.
func AuditTypeOptions() []Option {
	out := []Option{{Value: "", Label: "Choose a type"}}
	for _, t := range qms.AuditTypes {
		out = append(out, Option{Value: string(t), Label: t.Label()})
	}
	return out
}

// ClassificationOptions are the finding classifications, with an empty first choice.
func ClassificationOptions(empty string) []Option {
	out := []Option{{Value: "", Label: empty}}
	for _, c := range qms.Classifications {
		out = append(out, Option{Value: string(c), Label: c.Label()})
	}
	return out
}

// SourceOptions are the sources of findings; withAudit includes "audit", for filters.
func SourceOptions(empty string, withAudit bool) []Option {
	out := []Option{{Value: "", Label: empty}}
	for _, s := range qms.FindingSources {
		if s == qms.SourceAudit && !withAudit {
			continue
		}
		out = append(out, Option{Value: string(s), Label: s.Label()})
	}
	return out
}

// ClauseOptions are clauses for a select, indented by depth.
func ClauseOptions(clauses []qms.ISOClause, empty string) []Option {
	out := []Option{{Value: "", Label: empty}}
	for _, k := range clauses {
		out = append(out, Option{Value: k.Number, Label: strings.Repeat("\u00a0\u00a0", k.Depth()) + k.Label()})
	}
	return out
}

// AuditProcessOptions are the processes in an audit's scope, for a select.
func AuditProcessOptions(processes []qms.AuditProcess, empty string) []Option {
	out := []Option{{Value: "", Label: empty}}
	for _, p := range processes {
		out = append(out, Option{Value: p.ID.String(), Label: p.Name})
	}
	return out
}

// ClauseFamily is a main clause of ISO 9001 with its sub-clauses, for grouped choices.
type ClauseFamily struct {
	Main qms.ISOClause
	Subs []qms.ISOClause
}

// ClauseFamilies groups clauses under their main clause (4 to 10).
func ClauseFamilies(clauses []qms.ISOClause) []ClauseFamily {
	var out []ClauseFamily
	for _, k := range clauses {
		if k.Depth() == 0 {
			out = append(out, ClauseFamily{Main: k})
		} else if len(out) > 0 {
			out[len(out)-1].Subs = append(out[len(out)-1].Subs, k)
		}
	}
	return out
}

// anySelected reports whether one of the family's clauses is chosen, so its group opens.
func (f ClauseFamily) anySelected(selected []string) bool {
	if slices.Contains(selected, f.Main.Number) {
		return true
	}
	for _, s := range f.Subs {
		if slices.Contains(selected, s.Number) {
			return true
		}
	}
	return false
}

// auditStatusTone is the badge colour of an audit's status.
func auditStatusTone(s qms.AuditStatus) string {
	switch s {
	case qms.AuditPlanned:
		return "info"
	case qms.AuditInProgress:
		return "warn"
	case qms.AuditReported:
		return "ok"
	}
	return "muted"
}

// findingStatusTone is the badge colour of a finding's status.
func findingStatusTone(s qms.FindingStatus) string {
	if s == qms.FindingOpen {
		return "warn"
	}
	return "muted"
}

// auditFindingCounts is "1 major NC, 2 minor NC, 1 OFI" or "none".
func auditFindingCounts(c qms.FindingCounts) string {
	var parts []string
	add := func(n int, label string) {
		if n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+label)
		}
	}
	add(c.MajorNC, "major NC")
	add(c.MinorNC, "minor NC")
	add(c.Observation, "obs.")
	add(c.OFI, "OFI")
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// auditProcessNames lists the names of an audit's processes.
func auditProcessNames(ps []qms.AuditProcess) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return strings.Join(out, ", ")
}

// auditRefNames lists names.
func auditRefNames(rs []qms.NamedRef) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ", ")
}

// auditClauseNumbers lists an audit's criteria briefly: "7.1.5, 8.5, 8.7".
func auditClauseNumbers(ks []qms.ISOClause) string {
	var out []string
	for _, k := range ks {
		out = append(out, k.Number)
	}
	return strings.Join(out, ", ")
}

// auditExcerpt shortens text for a table cell.
func auditExcerpt(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// auditMemberOptions are members for a select, with an empty first choice.
func auditMemberOptions(members []qms.Member, empty string) []Option {
	return append([]Option{{Value: "", Label: empty}}, auditMemberChoices(members)...)
}

// auditMemberChoices are members as choices: name and role.
func auditMemberChoices(members []qms.Member) []Option {
	var out []Option
	for _, m := range members {
		out = append(out, Option{Value: m.UserID.String(), Label: m.Name + " (" + m.Role.Label() + ")"})
	}
	return out
}

// auditProcessChoices are processes as choices, with their owners, whom the team should not
// include.
func auditProcessChoices(processes []qms.Process) []Option {
	var out []Option
	for _, p := range processes {
		out = append(out, Option{Value: p.ID.String(), Label: p.Name + " (owner: " + p.OwnerName + ")"})
	}
	return out
}

// auditSiteChoices are sites as choices.
func auditSiteChoices(sites []qms.Site) []Option {
	var out []Option
	for _, s := range sites {
		out = append(out, Option{Value: s.ID.String(), Label: s.Name})
	}
	return out
}

// resultKey names a result for a class: "todo" until one is recorded.
func resultKey(r qms.Result) string {
	if r == "" {
		return "todo"
	}
	return string(r)
}

func auditDocumentChoices(docs []qms.Document) []Option {
	out := make([]Option, 0, len(docs))
	for _, d := range docs {
		out = append(out, Option{Value: d.ID.String(), Label: d.Number + " " + d.Title})
	}
	return out
}
