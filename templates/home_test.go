package templates

import (
	"testing"

	"github.com/google/uuid"
)

// A dashboard number links to its list with the filter in the order given, values escaped,
// and the dashboard's site added when one is chosen.
func TestDashLink(t *testing.T) {
	site := uuid.MustParse("0190a5d2-0000-7000-8000-000000000001")
	cases := []struct {
		got  string
		want string
	}{
		{string(siteLink("acme", "capas")), "/o/acme/capas"},
		{string(siteLink("acme", "risks", "band", "high")), "/o/acme/risks?band=high"},
		{string(dashLink("acme", site, "capas", "age", "90+")), "/o/acme/capas?age=90%2B&site=" + site.String()},
		{string(dashLink("a b", uuid.Nil, "findings", "status", "open", "clause", "8.5.1", "classification", "major_nc")),
			"/o/a%20b/findings?status=open&clause=8.5.1&classification=major_nc"},
		{string(siteLink("acme", "objectives", "q", "on & off")), "/o/acme/objectives?q=on+%26+off"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}
