package auth

// Role is what a member is in one organisation. A person may hold different roles in
// different organisations.
type Role string

// The roles of DESIGN.md §5.
const (
	RoleAdmin          Role = "admin"
	RoleQualityManager Role = "quality_manager"
	RoleProcessOwner   Role = "process_owner"
	RoleAuditor        Role = "auditor"
	RoleViewer         Role = "viewer"
)

// Roles lists every role, most powerful first, for pickers and validation.
var Roles = []Role{RoleAdmin, RoleQualityManager, RoleProcessOwner, RoleAuditor, RoleViewer}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Label is the role as people say it.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Admin"
	case RoleQualityManager:
		return "Quality manager"
	case RoleProcessOwner:
		return "Process owner"
	case RoleAuditor:
		return "Auditor"
	case RoleViewer:
		return "Viewer"
	}
	return string(r)
}

// Permission is something a role may do. The service layer asks Can before every use case;
// templates ask it only to hide buttons that would be refused anyway.
type Permission int

const (
	// PermManageMembers: add people to the organisation, change their role, remove them.
	PermManageMembers Permission = iota + 1
	// PermManageStructure: sites and processes.
	PermManageStructure
	// PermViewAuditTrail: read who changed what.
	PermViewAuditTrail
	// PermPlanAudits: the audit programme, audits' scope, criteria and team, and the
	// organisation's checklist templates.
	PermPlanAudits
	// PermPerformAudits: record checklist results, evidence and findings on an audit the
	// member is on the team of, and sign its report as lead auditor.
	PermPerformAudits
	// PermRaiseFindings: raise findings outside audits (complaints, incidents, reviews).
	PermRaiseFindings
	// PermCloseFindings: close findings and close reported audits.
	PermCloseFindings
)

var grants = map[Role][]Permission{
	RoleAdmin: {PermManageMembers, PermManageStructure, PermViewAuditTrail,
		PermPlanAudits, PermPerformAudits, PermRaiseFindings, PermCloseFindings},
	RoleQualityManager: {PermViewAuditTrail,
		PermPlanAudits, PermPerformAudits, PermRaiseFindings, PermCloseFindings},
	RoleProcessOwner: {},
	RoleAuditor:      {PermPlanAudits, PermPerformAudits, PermRaiseFindings},
	RoleViewer:       {},
}

// Can reports whether the role holds permission p.
func (r Role) Can(p Permission) bool {
	for _, g := range grants[r] {
		if g == p {
			return true
		}
	}
	return false
}
