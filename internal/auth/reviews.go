package auth

// Management review (ISO 9001 9.3). Every member may read reviews and complete the review
// actions they own; the chair of a review signs its minutes whatever their role. Numbered
// apart, and granted here, so that this area never renumbers or rewrites another's.
const (
	// PermManageReviews: schedule and prepare management reviews, hold them, minute them and
	// record their outputs.
	PermManageReviews Permission = iota + 300
)

func init() {
	for _, r := range []Role{RoleAdmin, RoleQualityManager} {
		grants[r] = append(grants[r], PermManageReviews)
	}
}
