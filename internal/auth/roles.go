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
	// PermDraftDocuments: create documents and draft revisions of those one owns (as document
	// or process owner), and submit them for review.
	PermDraftDocuments
	// PermManageDocuments: everything PermDraftDocuments allows, for every document, plus
	// register details, audiences, obsoleting, periodic reviews and resolving review flags.
	PermManageDocuments
	// PermApproveDocuments: be named approver of a document version and sign it.
	PermApproveDocuments
	// PermManageDocumentTypes: rename document types and change their number prefixes.
	PermManageDocumentTypes
	// PermRaiseReviewFlags: flag a document "review required". Everyone who reads procedures
	// may notice one is out of date, so every role holds it.
	PermRaiseReviewFlags
	// PermManageObjectives: set quality objectives (ISO 9001 6.2), their targets and owners.
	PermManageObjectives
	// PermRecordMeasurements: record and correct the measurements of any objective. An
	// objective's owner may do so for their own objective without it (see qms.mayRecord).
	PermRecordMeasurements
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

// Records and evidence. Every member may read records; these are the changes. (A block of
// its own, numbered apart, so that other areas adding permissions never renumber these.)
const (
	// PermWriteRecords: record, edit drafts, finalise, correct, move a complaint on.
	PermWriteRecords Permission = iota + 100
	// PermManageRecordTypes: the organisation's list of record types and their retention.
	PermManageRecordTypes
	// PermManageSuppliers: the supplier register and suppliers' approval status.
	PermManageSuppliers
	// PermImportRecords: bulk import of records from CSV.
	PermImportRecords
	// PermDisposeRecords: sign the disposal of records past their retention.
	PermDisposeRecords
)

// The risk register (ISO 9001 6.1). Every member may read it.
const (
	// PermManageRisks: add risks and opportunities, re-assess them, link their documents and
	// findings, retire them.
	PermManageRisks Permission = iota + 200
	// PermManageExposureWeights: change how much each signal adds to risk exposure.
	PermManageExposureWeights
)

// Management review (ISO 9001 9.3). Every member may read reviews and complete the review
// actions they own; the chair of a review signs its minutes whatever their role.
const (
	// PermManageReviews: schedule and prepare management reviews, hold them, minute them and
	// record their outputs.
	PermManageReviews Permission = iota + 300
)

var grants = map[Role][]Permission{
	RoleAdmin: {PermManageMembers, PermManageStructure, PermViewAuditTrail,
		PermDraftDocuments, PermManageDocuments, PermApproveDocuments, PermManageDocumentTypes, PermRaiseReviewFlags,
		PermManageObjectives, PermRecordMeasurements,
		PermWriteRecords, PermManageRecordTypes, PermManageSuppliers, PermImportRecords, PermDisposeRecords,
		PermPlanAudits, PermPerformAudits, PermRaiseFindings, PermCloseFindings,
		PermManageRisks, PermManageExposureWeights, PermManageReviews},
	RoleQualityManager: {PermViewAuditTrail,
		PermDraftDocuments, PermManageDocuments, PermApproveDocuments, PermRaiseReviewFlags,
		PermManageObjectives, PermRecordMeasurements,
		PermWriteRecords, PermManageRecordTypes, PermManageSuppliers, PermImportRecords, PermDisposeRecords,
		PermPlanAudits, PermPerformAudits, PermRaiseFindings, PermCloseFindings,
		PermManageRisks, PermManageExposureWeights, PermManageReviews},
	RoleProcessOwner: {PermDraftDocuments, PermRaiseReviewFlags, PermWriteRecords, PermManageSuppliers, PermManageRisks},
	RoleAuditor:      {PermRaiseReviewFlags, PermPlanAudits, PermPerformAudits, PermRaiseFindings},
	RoleViewer:       {PermRaiseReviewFlags},
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
