// Package migrations holds the SQL migrations, embedded into the binary so that a deployed
// server can migrate its own database.
package migrations

import "embed"

// FS holds every migration file, in goose's numbered order.
//
//go:embed *.sql
var FS embed.FS
