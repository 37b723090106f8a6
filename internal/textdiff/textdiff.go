// Package textdiff compares two versions of a document line by line, with
// github.com/sergi/go-diff's Myers diff, for showing what a revision changed.
package textdiff

import (
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Line is one line of a comparison.
type Line struct {
	Kind string // "same", "added" or "removed"
	Text string
}

// Lines compares old and new text by whole lines.
func Lines(old, new string) []Line {
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(old, new)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	var out []Line
	for _, d := range diffs {
		kind := "same"
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			kind = "added"
		case diffmatchpatch.DiffDelete:
			kind = "removed"
		}
		for _, l := range strings.SplitAfter(d.Text, "\n") {
			if l == "" {
				continue
			}
			out = append(out, Line{Kind: kind, Text: strings.TrimSuffix(l, "\n")})
		}
	}
	return out
}

// Counts says how many lines were added and removed.
func Counts(lines []Line) (added, removed int) {
	for _, l := range lines {
		switch l.Kind {
		case "added":
			added++
		case "removed":
			removed++
		}
	}
	return added, removed
}
