package qms

import (
	"strings"
	"testing"
)

// FuzzReadMeasurementCSV feeds the CSV reader whatever a spreadsheet or a person might upload:
// it never panics, reports problems on real line numbers, and passes every line through with
// its number.
func FuzzReadMeasurementCSV(f *testing.F) {
	for _, s := range []string{
		"period,value,note\n2026-01,96,\n",
		"\ufeffPeriod;Value;Note\r\n2026-01;96;x\r\n",
		"value,period\n1,2026-Q1\n\n\n2,2026-Q2\n",
		"period,value\n\"2026-01,96\n",
		"",
		"a,b,c\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rows, problems := readMeasurementCSV(strings.NewReader(s))
		lines := strings.Count(s, "\n") + 1
		for _, p := range problems {
			if p.Line < 1 || p.Line > lines+1 || p.Message == "" {
				t.Fatalf("problem %+v in a file of %d lines", p, lines)
			}
		}
		last := 1
		for _, r := range rows {
			if r.line <= last || r.line > lines {
				t.Fatalf("row on line %d after line %d, in a file of %d lines", r.line, last, lines)
			}
			last = r.line
		}
	})
}
