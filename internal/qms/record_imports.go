package qms

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// ImportState is how far a bulk import has got.
type ImportState string

const (
	ImportQueued    ImportState = "queued"
	ImportChecking  ImportState = "checking"
	ImportImporting ImportState = "importing"
	ImportDone      ImportState = "done"
	ImportFailed    ImportState = "failed"
)

// Label is the state as people say it.
func (st ImportState) Label() string {
	switch st {
	case ImportQueued:
		return "Waiting to start"
	case ImportChecking:
		return "Checking rows"
	case ImportImporting:
		return "Importing"
	case ImportDone:
		return "Imported"
	case ImportFailed:
		return "Not imported"
	}
	return string(st)
}

// Tone is the badge colour of the state.
func (st ImportState) Tone() string {
	switch st {
	case ImportDone:
		return "ok"
	case ImportFailed:
		return "bad"
	}
	return "info"
}

// RecordImport is one bulk import of records from a CSV file.
type RecordImport struct {
	ID            uuid.UUID   `db:"id" json:"id"`
	FileID        uuid.UUID   `db:"file_id" json:"file_id"`
	Filename      string      `db:"filename" json:"filename"`
	State         ImportState `db:"state" json:"state"`
	Finalise      bool        `db:"finalise" json:"finalise"`
	TotalBytes    int64       `db:"total_bytes" json:"total_bytes"`
	BytesChecked  int64       `db:"bytes_checked" json:"-"`
	RowsChecked   int         `db:"rows_checked" json:"rows_checked"`
	RowsBad       int         `db:"rows_bad" json:"rows_bad"`
	RowsImported  int         `db:"rows_imported" json:"rows_imported"`
	FirstRef      *int        `db:"first_ref" json:"first_ref"`
	LastRef       *int        `db:"last_ref" json:"last_ref"`
	Message       string      `db:"message" json:"message"`
	CreatedBy     uuid.UUID   `db:"created_by" json:"-"`
	CreatedByName string      `db:"created_by_name" json:"created_by"`
	CreatedAt     time.Time   `db:"created_at" json:"created_at"`
	FinishedAt    *time.Time  `db:"finished_at" json:"finished_at"`
}

// Running reports whether the import is still under way.
func (i RecordImport) Running() bool {
	return i.State == ImportQueued || i.State == ImportChecking || i.State == ImportImporting
}

// Percent is how far the current stage has got: the share of the file checked, then the
// share of rows imported.
func (i RecordImport) Percent() int {
	switch i.State {
	case ImportChecking:
		if i.TotalBytes > 0 {
			return int(min(99, i.BytesChecked*100/i.TotalBytes))
		}
	case ImportImporting:
		if i.RowsChecked > 0 {
			return min(99, i.RowsImported*100/i.RowsChecked)
		}
	case ImportDone:
		return 100
	}
	return 0
}

// ImportProblem is a reason a row (at line Line of the file) cannot be imported.
type ImportProblem struct {
	Line    int    `db:"line"`
	Field   string `db:"field"`
	Message string `db:"message"`
}

// ImportColumns are the columns of the CSV file, in the template's order. type, title and
// event_date are required; the others may be left out.
var ImportColumns = []string{"type", "title", "event_date", "process", "site", "clauses", "description",
	"customer", "product_service", "severity", "supplier", "score", "topic", "attendees"}

var requiredImportColumns = []string{"type", "title", "event_date"}

// importColumnOf names the CSV column a validation message of a form field belongs to.
var importColumnOf = map[string]string{"type_id": "type", "process_id": "process", "site_id": "site", "supplier_id": "supplier"}

const (
	// maxStoredProblems bounds what a hopeless file (the wrong file, say) writes to the
	// database; the count of bad rows goes on.
	maxStoredProblems = 10000
	progressEvery     = 250 // rows between progress updates
)

const importColumnsSQL = `id, file_id, filename, state, finalise, total_bytes, bytes_checked, rows_checked, rows_bad,
	rows_imported, first_ref, last_ref, message, created_by, created_by_name, created_at, finished_at`

// StartRecordImport keeps the uploaded CSV file as evidence and starts importing it in the
// background. The returned import is queued; its page shows progress and, at the end, what
// was imported or every row that stopped it.
func (s *Service) StartRecordImport(ctx context.Context, a Actor, uploads []Upload, finalise bool) (RecordImport, error) {
	if err := a.Require(auth.PermImportRecords); err != nil {
		return RecordImport{}, err
	}
	switch {
	case len(uploads) == 0:
		return RecordImport{}, invalidField("file", "Choose the CSV file to import.")
	case len(uploads) > 1:
		return RecordImport{}, invalidField("file", "Import one file at a time.")
	}
	up := uploads[0]
	if t, _, _ := strings.Cut(up.ContentType, ";"); t != "text/csv" && t != "text/plain" {
		return RecordImport{}, invalidField("file", up.Filename+" is not a CSV file. Save the spreadsheet as CSV (UTF-8) and upload that.")
	}
	var imp RecordImport
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		f, err := insertFile(ctx, tx, a, up)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `INSERT INTO record_imports (tenant_id, file_id, filename, finalise, total_bytes, created_by, created_by_name)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+importColumnsSQL,
			a.OrgID, f.ID, f.Filename, finalise, f.Size, a.UserID, a.Name)
		if err != nil {
			return err
		}
		if imp, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[RecordImport]); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "record_import.start", EntityType: "record_import", EntityID: imp.ID.String(),
			Summary: "Started importing records from " + f.Filename + " (" + HumanSize(f.Size) + ", sha-256 " + f.SHA256[:12] + ")",
			After:   imp,
		})
	})
	if err != nil {
		return RecordImport{}, err
	}
	org, id := a.OrgID, imp.ID
	s.background(func(ctx context.Context) { s.runImport(ctx, org, id) })
	return imp, nil
}

// RecordImports lists the organisation's latest imports, newest first.
func (s *Service) RecordImports(ctx context.Context, a Actor) ([]RecordImport, error) {
	if err := a.Require(auth.PermImportRecords); err != nil {
		return nil, err
	}
	var out []RecordImport
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+importColumnsSQL+` FROM record_imports WHERE tenant_id = $1
			ORDER BY created_at DESC LIMIT 20`, a.OrgID)
		if err != nil {
			return err
		}
		out, err = database.CollectRows[RecordImport](rows)
		return err
	})
	return out, err
}

// ImportReport is an import with the first problems found in its file.
type ImportReport struct {
	RecordImport
	Problems []ImportProblem
	// MoreProblems is how many problems exist beyond those listed.
	MoreProblems int
}

// RecordImport loads an import with up to limit of its problems, in line order.
func (s *Service) RecordImport(ctx context.Context, a Actor, id uuid.UUID, limit int) (ImportReport, error) {
	if err := a.Require(auth.PermImportRecords); err != nil {
		return ImportReport{}, err
	}
	var out ImportReport
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		if out.RecordImport, err = getImport(ctx, tx, a.OrgID, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT line, field, message FROM record_import_problems
			WHERE tenant_id = $1 AND import_id = $2 ORDER BY line, id LIMIT $3`, a.OrgID, id, limit)
		if err != nil {
			return err
		}
		if out.Problems, err = database.CollectRows[ImportProblem](rows); err != nil {
			return err
		}
		var stored int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM record_import_problems WHERE tenant_id = $1 AND import_id = $2`,
			a.OrgID, id).Scan(&stored); err != nil {
			return err
		}
		out.MoreProblems = stored - len(out.Problems)
		return nil
	})
	return out, err
}

// ImportProblems streams every stored problem of an import to fn, in line order.
func (s *Service) ImportProblems(ctx context.Context, a Actor, id uuid.UUID, fn func(ImportProblem) error) error {
	if err := a.Require(auth.PermImportRecords); err != nil {
		return err
	}
	return s.read(ctx, a, func(tx pgx.Tx) error {
		if _, err := getImport(ctx, tx, a.OrgID, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT line, field, message FROM record_import_problems
			WHERE tenant_id = $1 AND import_id = $2 ORDER BY line, id`, a.OrgID, id)
		if err != nil {
			return err
		}
		var p ImportProblem
		_, err = pgx.ForEachRow(rows, []any{&p.Line, &p.Field, &p.Message}, func() error { return fn(p) })
		return err
	})
}

func getImport(ctx context.Context, tx pgx.Tx, org, id uuid.UUID) (RecordImport, error) {
	rows, err := tx.Query(ctx, `SELECT `+importColumnsSQL+` FROM record_imports WHERE tenant_id = $1 AND id = $2`, org, id)
	if err != nil {
		return RecordImport{}, err
	}
	imp, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[RecordImport])
	return imp, noRows(err, "Import")
}

// ResumeRecordImports restarts imports that a stopped server left unfinished. Nothing of
// theirs was imported (the import is one transaction), so they start again from the stored
// file. The server calls it once at start.
func (s *Service) ResumeRecordImports(ctx context.Context) (int, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM organisations`)
	if err != nil {
		return 0, err
	}
	orgs, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return 0, err
	}
	resumed := 0
	for _, org := range orgs {
		var ids []uuid.UUID
		err := database.ReadTx(ctx, s.pool, database.Scope{TenantID: org}, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id FROM record_imports WHERE tenant_id = $1
				AND state IN ('queued', 'checking', 'importing') ORDER BY created_at`, org)
			if err != nil {
				return err
			}
			ids, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
			return err
		})
		if err != nil {
			return resumed, err
		}
		for _, id := range ids {
			org, id := org, id
			s.background(func(ctx context.Context) { s.runImport(ctx, org, id) })
			resumed++
		}
	}
	return resumed, nil
}

// runImport runs one import to its end. What goes wrong inside (not a bad row: an outage or a
// bug) is logged and the import is marked failed, so its page never spins for ever.
func (s *Service) runImport(ctx context.Context, org, id uuid.UUID) {
	err := s.importRecords(ctx, org, id)
	if err == nil || ctx.Err() != nil {
		return // done, or the server is stopping: the next one resumes it
	}
	s.log.Error("record import failed", "org", org, "import", id, "error", err)
	msg := "The import stopped because of a problem on our side; nothing was imported. Please upload the file again."
	if e := (*Error)(nil); errors.As(err, &e) && e.Kind != KindInternal {
		msg = e.Message
	}
	ferr := database.Tx(context.WithoutCancel(ctx), s.pool, database.Scope{TenantID: org}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE record_imports SET state = 'failed', message = $3, finished_at = now(), updated_at = now()
			WHERE tenant_id = $1 AND id = $2 AND state <> 'done'`, org, id, msg)
		return err
	})
	if ferr != nil {
		s.log.Error("marking a record import as failed", "org", org, "import", id, "error", ferr)
	}
}

// importActor is the member who started an import, as they are now: their role may have
// changed or they may have left, and the import then stops.
func (s *Service) importActor(ctx context.Context, org, userID uuid.UUID) (Actor, error) {
	var a Actor
	err := database.ReadTx(ctx, s.pool, database.Scope{TenantID: org, UserID: userID}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			SELECT u.id, u.name, u.email, o.id, o.slug, o.name, m.role
			  FROM memberships m JOIN organisations o ON o.id = m.tenant_id JOIN users u ON u.id = m.user_id
			 WHERE m.tenant_id = $1 AND m.user_id = $2`, org, userID).
			Scan(&a.UserID, &a.Name, &a.Email, &a.OrgID, &a.OrgSlug, &a.OrgName, &a.Role)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Actor{}, conflict("The member who started this import is no longer in the organisation; nothing was imported.")
	}
	if err == nil && !a.Can(auth.PermImportRecords) {
		return Actor{}, conflict("The member who started this import may no longer import records; nothing was imported.")
	}
	return a, err
}

func (s *Service) importRecords(ctx context.Context, org, id uuid.UUID) error {
	var imp RecordImport
	err := database.ReadTx(ctx, s.pool, database.Scope{TenantID: org}, func(tx pgx.Tx) error {
		var err error
		imp, err = getImport(ctx, tx, org, id)
		return err
	})
	if err != nil || !imp.Running() {
		return err
	}
	a, err := s.importActor(ctx, org, imp.CreatedBy)
	if err != nil {
		return err
	}
	err = s.write(ctx, a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM record_import_problems WHERE tenant_id = $1 AND import_id = $2`, org, id)
		if err == nil {
			_, err = tx.Exec(ctx, `UPDATE record_imports SET state = 'checking', bytes_checked = 0, rows_checked = 0,
				rows_bad = 0, rows_imported = 0, first_ref = NULL, last_ref = NULL, message = '', updated_at = now()
				WHERE tenant_id = $1 AND id = $2`, org, id)
		}
		return err
	})
	if err != nil {
		return err
	}

	// Stage 1: check every row, storing each problem, with progress.
	p := &importProgress{s: s, a: a, id: id, last: time.Now()}
	rows, err := s.scanImport(ctx, a, imp, p.checked, func(line int, _ RecordType, _ recordContent, problems []ImportProblem) error {
		return p.problems(ctx, problems)
	})
	if err != nil {
		return err
	}
	if err := p.flush(ctx); err != nil {
		return err
	}
	if p.bad > 0 || rows == 0 {
		msg := fmt.Sprintf("%d of %d rows have problems, so nothing was imported. Correct them and upload the file again.", p.bad, rows)
		switch {
		case rows == 0 && p.bad > 0:
			msg = "The header row has problems, so nothing was imported. Start from the template."
		case rows == 0:
			msg = "The file has no rows to import below its header."
		}
		return s.refuseImport(ctx, a, imp, msg, rows, p.bad)
	}

	// Stage 2: every row is valid. Number the records, then import them in one transaction:
	// all of them or, if anything fails, none.
	var first int
	err = s.write(ctx, a, func(tx pgx.Tx) error {
		var err error
		if first, err = reserveRecordRefs(ctx, tx, org, rows); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE record_imports SET state = 'importing', rows_checked = $3, first_ref = $4, last_ref = $5,
			updated_at = now() WHERE tenant_id = $1 AND id = $2`, org, id, rows, first, first+rows-1)
		return err
	})
	if err != nil {
		return err
	}
	now := s.now()
	err = s.write(ctx, a, func(tx pgx.Tx) error {
		n := 0
		_, err := s.scanImport(ctx, a, imp, nil, func(line int, t RecordType, c recordContent, problems []ImportProblem) error {
			if len(problems) > 0 {
				// The file is content-addressed and was valid a moment ago; only a change to
				// the organisation's data in between (a type archived, say) can get here.
				return conflict(fmt.Sprintf("Line %d no longer passes its checks (%s); nothing was imported. Upload the file again.", line, problems[0].Message))
			}
			if _, err := insertRecord(ctx, tx, a, newRecord{Ref: first + n, Type: t, Content: c, Finalise: imp.Finalise, CreatedAt: now}); err != nil {
				return fmt.Errorf("line %d: %w", line, err)
			}
			n++
			if n%progressEvery == 0 {
				return s.setImportProgress(ctx, a, id, `rows_imported = $3`, n)
			}
			return nil
		})
		if err != nil {
			return err
		}
		done := imp
		done.State, done.RowsChecked, done.RowsImported, done.FirstRef, done.LastRef = ImportDone, rows, n, &first, ptr(first+n-1)
		if _, err := tx.Exec(ctx, `UPDATE record_imports SET state = 'done', rows_imported = $3, finished_at = now(),
			message = '', updated_at = now() WHERE tenant_id = $1 AND id = $2`, org, id, n); err != nil {
			return err
		}
		state := "drafts"
		if imp.Finalise {
			state = "final records"
		}
		return record(ctx, tx, a, change{
			Action: "record_import.complete", EntityType: "record_import", EntityID: id.String(),
			Summary: fmt.Sprintf("Imported %d records as %s (%s to %s) from %s", n, state,
				RecordNumber(first), RecordNumber(first+n-1), imp.Filename),
			Before: imp, After: done,
		})
	})
	return err
}

func ptr[T any](v T) *T { return &v }

// refuseImport ends an import that imports nothing, with the trail entry saying why.
func (s *Service) refuseImport(ctx context.Context, a Actor, imp RecordImport, msg string, rows, bad int) error {
	return s.write(ctx, a, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE record_imports SET state = 'failed', message = $3, rows_checked = $4, rows_bad = $5,
			bytes_checked = total_bytes, finished_at = now(), updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, imp.ID, msg, rows, bad); err != nil {
			return err
		}
		after := imp
		after.State, after.Message, after.RowsChecked, after.RowsBad = ImportFailed, msg, rows, bad
		return record(ctx, tx, a, change{
			Action: "record_import.refuse", EntityType: "record_import", EntityID: imp.ID.String(),
			Summary: "Imported nothing from " + imp.Filename + ": " + msg, Before: imp, After: after,
		})
	})
}

// setImportProgress writes progress in a transaction of its own, so the import's page sees
// it while the import itself runs.
func (s *Service) setImportProgress(ctx context.Context, a Actor, id uuid.UUID, assign string, args ...any) error {
	return database.Tx(ctx, s.pool, a.scope(), func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE record_imports SET `+assign+`, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
			append([]any{a.OrgID, id}, args...)...)
		return err
	})
}

// importProgress collects problems and progress during the check and writes them in batches.
type importProgress struct {
	s       *Service
	a       Actor
	id      uuid.UUID
	last    time.Time
	rows    int
	bad     int
	stored  int
	bytes   int64
	pending []ImportProblem
}

func (p *importProgress) checked(rows int, bytes int64) { p.rows, p.bytes = rows, bytes }

func (p *importProgress) problems(ctx context.Context, list []ImportProblem) error {
	if len(list) > 0 {
		p.bad++
		for _, pr := range list {
			if p.stored < maxStoredProblems {
				p.pending = append(p.pending, pr)
				p.stored++
			}
		}
	}
	if len(p.pending) >= 200 || p.rows%progressEvery == 0 || time.Since(p.last) > 500*time.Millisecond {
		return p.flush(ctx)
	}
	return nil
}

func (p *importProgress) flush(ctx context.Context) error {
	p.last = time.Now()
	lines, fields, messages := make([]int, len(p.pending)), make([]string, len(p.pending)), make([]string, len(p.pending))
	for i, pr := range p.pending {
		lines[i], fields[i], messages[i] = pr.Line, pr.Field, pr.Message
	}
	p.pending = p.pending[:0]
	return database.Tx(ctx, p.s.pool, p.a.scope(), func(tx pgx.Tx) error {
		if len(lines) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO record_import_problems (tenant_id, import_id, line, field, message)
				SELECT $1, $2, l, f, m FROM unnest($3::int[], $4::text[], $5::text[]) AS x(l, f, m)`,
				p.a.OrgID, p.id, lines, fields, messages); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE record_imports SET rows_checked = $3, rows_bad = $4, bytes_checked = least($5, total_bytes),
			updated_at = now() WHERE tenant_id = $1 AND id = $2`, p.a.OrgID, p.id, p.rows, p.bad, p.bytes)
		return err
	})
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// importNames resolves what a CSV row names (types, processes, sites, suppliers and members,
// by name) to the organisation's ids.
type importNames struct {
	types     map[string]RecordType
	typeNames string
	processes map[string]uuid.UUID
	sites     map[string]uuid.UUID
	suppliers map[string]uuid.UUID
	members   map[string]uuid.UUID // by e-mail, and by name where the name is unique
}

func newImportNames(ctx context.Context, tx pgx.Tx, org uuid.UUID, refs *refData) (*importNames, error) {
	n := &importNames{types: map[string]RecordType{}, processes: map[string]uuid.UUID{}, sites: map[string]uuid.UUID{},
		suppliers: map[string]uuid.UUID{}, members: map[string]uuid.UUID{}}
	var typeNames []string
	for _, t := range refs.types {
		if !t.Archived() {
			n.types[strings.ToLower(t.Name)] = t
			typeNames = append(typeNames, t.Name)
		}
	}
	slices.SortFunc(typeNames, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	n.typeNames = strings.Join(typeNames, ", ")
	for id, p := range refs.processes {
		n.processes[strings.ToLower(p.Name)] = id
	}
	for id, s := range refs.sites {
		n.sites[strings.ToLower(s.Name)] = id
	}
	rows, err := tx.Query(ctx, `SELECT id, code FROM sites WHERE tenant_id = $1 AND code <> ''`, org)
	if err != nil {
		return nil, err
	}
	var siteID uuid.UUID
	var code string
	if _, err := pgx.ForEachRow(rows, []any{&siteID, &code}, func() error {
		if _, taken := n.sites[strings.ToLower(code)]; !taken {
			n.sites[strings.ToLower(code)] = siteID
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for id, s := range refs.suppliers {
		n.suppliers[strings.ToLower(s.Name)] = id
	}
	names := map[string]int{}
	for _, m := range refs.members {
		names[strings.ToLower(m.Name)]++
	}
	for id, m := range refs.members {
		if names[strings.ToLower(m.Name)] == 1 {
			n.members[strings.ToLower(m.Name)] = id
		}
	}
	rows, err = tx.Query(ctx, `SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = $1`, org)
	if err != nil {
		return nil, err
	}
	var userID uuid.UUID
	var email string
	_, err = pgx.ForEachRow(rows, []any{&userID, &email}, func() error {
		n.members[strings.ToLower(email)] = userID
		return nil
	})
	return n, err
}

// rowFunc receives each row of an import: its line, and either its type and validated
// content or its problems.
type rowFunc func(line int, t RecordType, c recordContent, problems []ImportProblem) error

// scanImport streams the import's stored file through the CSV reader, resolving and
// validating each row with the same rules as the record form. It returns the number of rows.
// progress, if not nil, hears rows and bytes read so far before each row is handed on.
func (s *Service) scanImport(ctx context.Context, a Actor, imp RecordImport, progress func(int, int64), fn rowFunc) (int, error) {
	var refs *refData
	var names *importNames
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		if refs, err = loadRefData(ctx, tx, a.OrgID); err != nil {
			return err
		}
		names, err = newImportNames(ctx, tx, a.OrgID, refs)
		return err
	})
	if err != nil {
		return 0, err
	}
	_, file, err := s.OpenFile(ctx, a, imp.FileID)
	if err != nil {
		return 0, err
	}
	defer file.Close()
	counter := &countingReader{r: file}
	r := csv.NewReader(counter)
	r.ReuseRecord = true
	today := s.today()

	header, err := r.Read()
	if err != nil {
		return 0, fn(1, RecordType{}, recordContent{}, []ImportProblem{{Line: 1, Message: "The file has no header row. Start from the template."}})
	}
	cols := map[string]int{}
	var problems []ImportProblem
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range ImportColumns {
			known = known || c == h
		}
		switch {
		case !known:
			problems = append(problems, ImportProblem{Line: 1, Field: h, Message: fmt.Sprintf("%q is not a column of the template. The columns are: %s.", h, strings.Join(ImportColumns, ", "))})
		case cols[h] != 0:
			problems = append(problems, ImportProblem{Line: 1, Field: h, Message: fmt.Sprintf("The column %q appears twice.", h)})
		default:
			cols[h] = i + 1 // 0 means absent
		}
	}
	for _, c := range requiredImportColumns {
		if cols[c] == 0 {
			problems = append(problems, ImportProblem{Line: 1, Field: c, Message: fmt.Sprintf("The column %q is missing: every row needs it.", c)})
		}
	}
	if len(problems) > 0 {
		return 0, fn(1, RecordType{}, recordContent{}, problems)
	}

	rows := 0
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) && !errors.Is(perr.Err, csv.ErrFieldCount) {
			rows++
			if progress != nil {
				progress(rows, counter.n)
			}
			// The rest of the file cannot be read reliably after a broken quote.
			return rows, fn(perr.StartLine, RecordType{}, recordContent{}, []ImportProblem{{Line: perr.StartLine,
				Message: "The file cannot be read from here on (" + perr.Err.Error() + "). Check the quotes on this line; no further lines were checked."}})
		}
		if err != nil && !errors.As(err, &perr) {
			return rows, err
		}
		if blankRow(record) {
			continue
		}
		rows++
		if progress != nil {
			progress(rows, counter.n)
		}
		if perr != nil {
			if err := fn(perr.StartLine, RecordType{}, recordContent{}, []ImportProblem{{Line: perr.StartLine,
				Message: fmt.Sprintf("This row has %d columns; the header has %d.", len(record), len(header))}}); err != nil {
				return rows, err
			}
			continue
		}
		line, _ := r.FieldPos(0)
		t, content, problems := resolveImportRow(line, record, cols, names, refs, today)
		if err := fn(line, t, content, problems); err != nil {
			return rows, err
		}
	}
}

func blankRow(record []string) bool {
	for _, f := range record {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// resolveImportRow turns one CSV row into a record's content, or says what is wrong with it.
func resolveImportRow(line int, record []string, cols map[string]int, names *importNames, refs *refData, today time.Time) (RecordType, recordContent, []ImportProblem) {
	var problems []ImportProblem
	bad := func(field, msg string) {
		problems = append(problems, ImportProblem{Line: line, Field: field, Message: msg})
	}
	get := func(col string) string {
		if i := cols[col]; i > 0 {
			return strings.TrimSpace(record[i-1])
		}
		return ""
	}
	for _, f := range record {
		if !utf8.ValidString(f) {
			bad("", "This row is not UTF-8 text. Save the file as CSV UTF-8 and upload it again.")
			return RecordType{}, recordContent{}, problems
		}
	}
	in := RecordInput{
		Title: get("title"), EventDate: get("event_date"), Clauses: get("clauses"), Description: get("description"),
		Customer: get("customer"), ProductService: get("product_service"), Severity: strings.ToLower(get("severity")),
		Score: get("score"), Topic: get("topic"),
	}
	t, ok := names.types[strings.ToLower(get("type"))]
	if !ok {
		if get("type") == "" {
			bad("type", "The type is empty. Use one of: "+names.typeNames+".")
		} else {
			bad("type", fmt.Sprintf("No record type is called %q. Use one of: %s.", get("type"), names.typeNames))
		}
	}
	lookup := func(col string, m map[string]uuid.UUID, what string) uuid.UUID {
		v := get(col)
		if v == "" {
			return uuid.Nil
		}
		id, ok := m[strings.ToLower(v)]
		if !ok {
			bad(col, fmt.Sprintf("No %s is called %q.", what, v))
		}
		return id
	}
	in.ProcessID = lookup("process", names.processes, "process")
	in.SiteID = lookup("site", names.sites, "site")
	if t.Kind.HasSupplier() {
		in.SupplierID = lookup("supplier", names.suppliers, "supplier in the register")
	}
	if t.Kind.HasTraining() {
		for _, who := range strings.Split(get("attendees"), ";") {
			who = strings.TrimSpace(who)
			if id, ok := names.members[strings.ToLower(who)]; ok {
				in.AttendeeIDs = append(in.AttendeeIDs, id)
			} else if who != "" {
				in.AttendeeNames = append(in.AttendeeNames, who)
			}
		}
	}
	kind := t.Kind
	if !ok {
		kind = KindGeneral // still check the columns every type has, to report them all at once
	}
	content, c := in.validate(kind, refs, today, nil)
	for _, col := range ImportColumns { // in column order, so the report reads left to right
		for field, msg := range c {
			if column := importColumnOf[field]; column == col || (column == "" && field == col) {
				// A column already reported (an unknown name) is not reported twice.
				dup := false
				for _, p := range problems {
					dup = dup || p.Field == col
				}
				if !dup {
					bad(col, msg)
				}
			}
		}
	}
	return t, content, problems
}

// RecordImportTemplate writes the CSV template: the header and example rows that use this
// organisation's own type, process and site names, so the examples import as they are.
func (s *Service) RecordImportTemplate(ctx context.Context, a Actor, w io.Writer) error {
	if err := a.Require(auth.PermImportRecords); err != nil {
		return err
	}
	var refs *refData
	if err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		refs, err = loadRefData(ctx, tx, a.OrgID)
		return err
	}); err != nil {
		return err
	}
	typeOf := func(k RecordKind) string {
		best := ""
		for _, t := range refs.types {
			if t.Kind == k && !t.Archived() && (best == "" || t.Name < best) {
				best = t.Name
			}
		}
		return best
	}
	first := func(m map[uuid.UUID]refItem) string {
		best := ""
		for _, it := range m {
			if !it.Archived && (best == "" || it.Name < best) {
				best = it.Name
			}
		}
		return best
	}
	process, site, supplier := first(refs.processes), first(refs.sites), first(refs.suppliers)
	day := s.today().AddDate(0, 0, -7).Format(time.DateOnly)
	cw := csv.NewWriter(w)
	rows := [][]string{ImportColumns}
	if t := typeOf(KindTraining); t != "" {
		rows = append(rows, []string{t, "Manual handling refresher", day, process, site, "7.2", "Annual refresher, 2 hours, practical assessment passed by all.",
			"", "", "", "", "", "Manual handling", a.Name + "; Jo Bloggs (agency)"})
	}
	if t := typeOf(KindComplaint); t != "" {
		rows = append(rows, []string{t, "Parts delivered with burrs on bore", day, process, site, "9.1.2; 8.7", "Customer found burrs on 12 of 200 parts.",
			"Example Customer Ltd", "Housing 7741-A", "medium", "", "", "", ""})
	}
	if t := typeOf(KindSupplierEvaluation); t != "" && supplier != "" {
		rows = append(rows, []string{t, "Annual evaluation " + supplier, day, process, "", "8.4.1", "On-time delivery 96%, no rejections.",
			"", "", "", supplier, "88", "", ""})
	}
	if t := typeOf(KindGeneral); t != "" {
		rows = append(rows, []string{t, "Example record", day, process, site, "", "What happened, and where the evidence is.",
			"", "", "", "", "", "", ""})
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
