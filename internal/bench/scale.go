// Package bench is the benchmark behind `make bench`: a data set of many small organisations
// and one large one, the real application served against it, a TechEmpower Fortunes baseline
// on the same database, and load driven with vegeta at a fixed number of clients.
package bench

import "fmt"

// OrgSize is how much one organisation holds.
type OrgSize struct {
	Users, Sites, Processes, Suppliers int
	Documents, VersionsPerDoc          int
	Records                            int
	Audits, ItemsPerAudit              int
	Findings, CAPAs, Risks             int
}

// Scale is the whole data set: SmallOrgs organisations of Small and one of Large.
type Scale struct {
	Name      string
	SmallOrgs int
	Small     OrgSize
	Large     OrgSize
}

// generatorRevision changes whenever the generator writes different rows, so that a data set
// built by an earlier generator is built again.
const generatorRevision = 3

// Key identifies the scale in the marker table: the data set is reused while it and the
// generator are unchanged.
func (s Scale) Key() string {
	return fmt.Sprintf("%s:%d:%+v:%+v:g%d", s.Name, s.SmallOrgs, s.Small, s.Large, generatorRevision)
}

// Scales are the sizes the harness knows: "full" is the benchmark, "small" the test's.
var Scales = map[string]Scale{
	"full": {
		Name:      "full",
		SmallOrgs: 1000,
		Small: OrgSize{Users: 5, Sites: 1, Processes: 4, Suppliers: 3, Documents: 30, VersionsPerDoc: 3,
			Records: 200, Audits: 3, ItemsPerAudit: 4, Findings: 10, CAPAs: 4, Risks: 6},
		Large: OrgSize{Users: 200, Sites: 6, Processes: 24, Suppliers: 60, Documents: 10000, VersionsPerDoc: 3,
			Records: 50000, Audits: 2000, ItemsPerAudit: 5, Findings: 10000, CAPAs: 6000, Risks: 1500},
	},
	"small": {
		Name:      "small",
		SmallOrgs: 3,
		Small: OrgSize{Users: 5, Sites: 1, Processes: 3, Suppliers: 2, Documents: 12, VersionsPerDoc: 3,
			Records: 40, Audits: 2, ItemsPerAudit: 3, Findings: 8, CAPAs: 3, Risks: 4},
		Large: OrgSize{Users: 12, Sites: 2, Processes: 5, Suppliers: 4, Documents: 120, VersionsPerDoc: 3,
			Records: 400, Audits: 20, ItemsPerAudit: 4, Findings: 120, CAPAs: 60, Risks: 30},
	},
}
