package auth

// The risk register. A block of its own, numbered apart, so that other areas adding
// permissions never renumber these.
const (
	// PermManageRisks: add risks and opportunities, re-assess them, link their documents and
	// findings, retire them.
	PermManageRisks Permission = iota + 300
	// PermManageExposureWeights: change how much each signal adds to risk exposure.
	PermManageExposureWeights
)

func init() {
	grants[RoleAdmin] = append(grants[RoleAdmin], PermManageRisks, PermManageExposureWeights)
	grants[RoleQualityManager] = append(grants[RoleQualityManager], PermManageRisks, PermManageExposureWeights)
	grants[RoleProcessOwner] = append(grants[RoleProcessOwner], PermManageRisks)
}
