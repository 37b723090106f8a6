// Package web holds the static assets (CSS, htmx, icons), embedded into the binary.
package web

import "embed"

// Static holds everything under static/, served at /static/.
//
//go:embed static
var Static embed.FS
