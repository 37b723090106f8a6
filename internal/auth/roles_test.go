package auth

import "testing"

// Permissions are numbered in blocks per area; two blocks starting at the same number would
// silently hand one area's rights to the holders of another's.
func TestPermissions_AreDistinct(t *testing.T) {
	all := map[string]Permission{
		"ManageMembers": PermManageMembers, "ManageStructure": PermManageStructure,
		"ViewAuditTrail": PermViewAuditTrail, "DraftDocuments": PermDraftDocuments,
		"ManageDocuments": PermManageDocuments, "ApproveDocuments": PermApproveDocuments,
		"ManageDocumentTypes": PermManageDocumentTypes, "RaiseReviewFlags": PermRaiseReviewFlags,
		"ManageObjectives": PermManageObjectives, "RecordMeasurements": PermRecordMeasurements,
		"PlanAudits": PermPlanAudits, "PerformAudits": PermPerformAudits,
		"RaiseFindings": PermRaiseFindings, "CloseFindings": PermCloseFindings,
		"WriteRecords": PermWriteRecords, "ManageRecordTypes": PermManageRecordTypes,
		"ManageSuppliers": PermManageSuppliers, "ImportRecords": PermImportRecords,
		"DisposeRecords": PermDisposeRecords, "ManageRisks": PermManageRisks,
		"ManageExposureWeights": PermManageExposureWeights, "ManageReviews": PermManageReviews,
	}
	seen := map[Permission]string{}
	for name, p := range all {
		if other, dup := seen[p]; dup {
			t.Errorf("%s and %s are both permission %d", name, other, p)
		}
		seen[p] = name
	}
}

// Who may run a management review or change the risk register is decided here and nowhere
// else; these are the answers the areas rely on.
func TestRoles_ReviewAndRiskGrants(t *testing.T) {
	cases := []struct {
		role Role
		p    Permission
		want bool
	}{
		{RoleQualityManager, PermManageReviews, true},
		{RoleAdmin, PermManageReviews, true},
		{RoleProcessOwner, PermManageReviews, false},
		{RoleAuditor, PermManageReviews, false},
		{RoleProcessOwner, PermManageRisks, true},
		{RoleProcessOwner, PermManageExposureWeights, false},
		{RoleQualityManager, PermManageExposureWeights, true},
		{RoleViewer, PermManageRisks, false},
	}
	for _, c := range cases {
		if got := c.role.Can(c.p); got != c.want {
			t.Errorf("%s may %d: %v, want %v", c.role, c.p, got, c.want)
		}
	}
}
