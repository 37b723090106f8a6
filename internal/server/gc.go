package server

import (
	"os"
	"runtime/debug"
)

// servingGCPercent is how far the heap may grow past what survived the last collection
// before the next one starts. A serving process keeps little alive (pools, templates, caches:
// tens of MiB) and makes its garbage per request, so at Go's default of 100 it collects every
// few hundred page views and spends a large share of its CPU doing so. Four times the live
// heap is a few hundred MiB at most, and measured page throughput rises by about a quarter.
const servingGCPercent = 400

// TuneGCForServing sets the collector for a serving process, unless the operator chose a
// setting with GOGC.
func TuneGCForServing() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(servingGCPercent)
	}
}
