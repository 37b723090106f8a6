package bench

import (
	"context"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The baseline follows the TechEmpower Fortunes rules: fetch every row of the fortune table,
// add one at request time, sort by message in code and render them escaped with a template.

type fortune struct {
	ID      int
	Message string
}

var fortunesTemplate = template.Must(template.New("fortunes").Parse(`<!DOCTYPE html>
<html><head><title>Fortunes</title></head><body><table>
<tr><th>id</th><th>message</th></tr>
{{range .}}<tr><td>{{.ID}}</td><td>{{.Message}}</td></tr>
{{end}}</table></body></html>`))

// fortuneRows are the twelve rows of the benchmark's fortune table.
var fortuneRows = []string{
	"fortune: No such file or directory",
	"A computer scientist is someone who fixes things that aren't broken.",
	"After enough decimal places, nobody gives a damn.",
	"A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
	"A computer program does what you tell it to do, not what you want it to do.",
	"Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
	"Any program that runs right is obsolete.",
	"A list is only as strong as its weakest link. — Donald Knuth",
	"Feature: A bug with seniority.",
	"Computers make very fast, very accurate mistakes.",
	`<script>alert("This should not be displayed in a browser alert box.");</script>`,
	"フレームワークのベンチマーク",
}

// ensureFortunes creates and fills the fortune table (as the administrator) and lets the
// server's role read it.
func ensureFortunes(ctx context.Context, admin *pgxpool.Pool) error {
	if _, err := admin.Exec(ctx, `CREATE TABLE IF NOT EXISTS fortune (id integer PRIMARY KEY, message text NOT NULL);
		GRANT SELECT ON fortune TO plumbline_app`); err != nil {
		return err
	}
	b := &pgx.Batch{}
	for i, m := range fortuneRows {
		b.Queue(`INSERT INTO fortune (id, message) VALUES ($1, $2) ON CONFLICT DO NOTHING`, i+1, m)
	}
	return admin.SendBatch(ctx, b).Close()
}

// fortunesHandler serves the baseline from pool, connected as the server's role.
func fortunesHandler(pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := pool.Query(r.Context(), `SELECT id, message FROM fortune`)
		if err != nil {
			http.Error(w, "database error", http.StatusInternalServerError)
			return
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[fortune])
		if err != nil {
			http.Error(w, "database error", http.StatusInternalServerError)
			return
		}
		list = append(list, fortune{ID: 0, Message: "Additional fortune added at request time."})
		slices.SortFunc(list, func(a, b fortune) int { return strings.Compare(a.Message, b.Message) })
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = fortunesTemplate.Execute(w, list)
	})
}
