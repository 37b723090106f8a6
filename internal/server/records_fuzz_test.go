package server

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzRecordFilter: whatever a records URL says, the filter reads without panicking, and a
// clause it accepts is a clause number (it goes into a LIKE pattern).
func FuzzRecordFilter(f *testing.F) {
	for _, s := range []string{"clause=7.2&from=2026-01-01", "clause=8.%25", "clause=7..2&to=x", "files=with&state=final&after=2026-01-01~42", "q=%27%3B--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		form, filter := recordFilterFrom(q)
		if filter.Clause != "" && strings.Trim(filter.Clause, "0123456789.") != "" {
			t.Fatalf("clause %q accepted", filter.Clause)
		}
		if filter.Clause != "" && (strings.Contains(filter.Clause, "..") || strings.HasPrefix(filter.Clause, ".") || strings.HasSuffix(filter.Clause, ".")) {
			t.Fatalf("clause %q accepted", filter.Clause)
		}
		_ = form.Values().Encode()
	})
}

// FuzzCSVCell: exported text never starts like a spreadsheet formula.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := csvCell(s)
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
			t.Fatalf("csvCell(%q) = %q", s, got)
		}
	})
}
