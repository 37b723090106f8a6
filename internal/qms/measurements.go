package qms

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// Measurement is an objective's value for one period. It is entered by hand, imported from a
// CSV file (kept as evidence) or computed from data Plumbline holds. A correction changes it
// under a version check; the audit trail keeps each earlier value, who changed it and why.
type Measurement struct {
	ID              uuid.UUID  `db:"id" json:"id"`
	ObjectiveID     uuid.UUID  `db:"objective_id" json:"objective_id"`
	PeriodStart     time.Time  `db:"period_start" json:"period_start"`
	Value           float64    `db:"value" json:"value"`
	Note            string     `db:"note" json:"note"`
	Origin          string     `db:"origin" json:"origin"`
	ImportFileID    *uuid.UUID `db:"import_file_id" json:"import_file_id"`
	RecordedByName  string     `db:"recorded_by_name" json:"recorded_by"`
	RecordedAt      time.Time  `db:"recorded_at" json:"recorded_at"`
	CorrectedByName *string    `db:"corrected_by_name" json:"corrected_by"`
	CorrectedAt     *time.Time `db:"corrected_at" json:"corrected_at"`
	Version         int        `db:"version" json:"version"`
}

// Origins of a measurement.
const (
	OriginManual   = "manual"
	OriginImport   = "import"
	OriginComputed = "computed"
)

const measurementColumns = `id, objective_id, period_start, value, note, origin, import_file_id,
	recorded_by_name, recorded_at, corrected_by_name, corrected_at, version`

// measurementEntry is a measurement as the audit trail keeps it: with the objective and the
// period named, and the reason for a correction.
type measurementEntry struct {
	Measurement
	Objective string `json:"objective"`
	Period    string `json:"period"`
	Reason    string `json:"reason,omitempty"`
}

func entryOf(o Objective, m Measurement, reason string) measurementEntry {
	return measurementEntry{Measurement: m, Objective: o.Title, Period: o.Frequency.PeriodLabel(m.PeriodStart), Reason: reason}
}

// mayRecord is the rule for who records an objective's values: whoever holds
// PermRecordMeasurements (quality managers, admins), and the objective's owner. It needs the
// objective, so record use cases call it as soon as they have loaded it.
func mayRecord(a Actor, o Objective) error {
	if a.Can(auth.PermRecordMeasurements) || (a.UserID != uuid.Nil && a.UserID == o.OwnerID) {
		return nil
	}
	return forbidden()
}

// acceptsValues refuses values for an objective that takes none: an archived one, or (for
// values entered or imported by people) one whose values are computed.
func acceptsValues(o Objective, origin string) error {
	if o.Archived() {
		return conflict("This objective is archived and takes no new values. Restore it first.")
	}
	if origin != OriginComputed && o.Computed() {
		return conflict("This objective's values are computed by Plumbline, not entered by hand.")
	}
	return nil
}

// checkPeriod reads a period for o and checks that it has begun and is not before the
// objective's first period.
func checkPeriod(c checks, field string, o Objective, s string, now time.Time) time.Time {
	p, err := o.Frequency.ParsePeriod(s)
	switch {
	case strings.TrimSpace(s) == "":
		c.add(field, "Enter the period, e.g. "+o.Frequency.PeriodExample()+".")
	case err != nil:
		c.add(field, "Enter a "+periodNoun(o.Frequency)+" like "+o.Frequency.PeriodExample()+", or a date in it.")
	case p.After(o.Frequency.PeriodOf(now)):
		c.add(field, o.Frequency.PeriodLabel(p)+" has not begun yet.")
	case p.Before(o.Frequency.PeriodOf(o.StartDate)):
		c.add(field, "The objective starts in "+o.Frequency.PeriodLabel(o.Frequency.PeriodOf(o.StartDate))+"; "+
			o.Frequency.PeriodLabel(p)+" is before that.")
	default:
		return p
	}
	return time.Time{}
}

func periodNoun(f Frequency) string {
	switch f {
	case Quarterly:
		return "quarter"
	case HalfYearly:
		return "half-year"
	case Yearly:
		return "year"
	}
	return "month"
}

func checkValue(c checks, field, s string) float64 {
	v, ok := parseNumber(s)
	switch {
	case strings.TrimSpace(s) == "":
		c.add(field, "Enter the measured value.")
	case !ok:
		c.add(field, "Enter the value as a number, e.g. 96.5.")
	}
	return v
}

// MeasurementInput is a value a person records, as typed.
type MeasurementInput struct {
	Period string // 2026-11, 2026-Q3, … or a date in the period
	Value  string
	Note   string
}

// RecordMeasurement records an objective's value for one period. A period that already has
// a value is refused: that value is corrected, never silently replaced.
func (s *Service) RecordMeasurement(ctx context.Context, a Actor, objectiveID uuid.UUID, in MeasurementInput) (MeasurementWithObjective, error) {
	var m Measurement
	var res MeasurementWithObjective
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		o, err := getObjective(ctx, tx, a.OrgID, objectiveID, true)
		if err != nil {
			return err
		}
		if err := mayRecord(a, o); err != nil {
			return err
		}
		if err := acceptsValues(o, OriginManual); err != nil {
			return err
		}
		c := checks{}
		period := checkPeriod(c, "period", o, in.Period, s.now())
		value := checkValue(c, "value", in.Value)
		note := clean(in.Note)
		c.maxLen("note", note, 1000)
		if err := c.err(); err != nil {
			return err
		}
		if existing, err := measurementFor(ctx, tx, a.OrgID, o.ID, period); err != nil {
			return err
		} else if existing != nil {
			return invalidField("period", o.Frequency.PeriodLabel(period)+" already has a value ("+
				FormatQuantity(existing.Value, o.Unit)+"). Correct that value instead.")
		}
		m, err = insertMeasurement(ctx, tx, a, o, period, value, note, OriginManual, nil, s.now())
		if err != nil {
			return err
		}
		summary := "Recorded " + o.Frequency.PeriodLabel(period) + " for " + o.Title + ": " + FormatQuantity(value, o.Unit)
		if err := s.afterMeasurement(ctx, tx, a, o, "objective.measurement_record", summary, nil, entryOf(o, m, ""), m.ID); err != nil {
			return err
		}
		res.Measurement, res.CanCorrect = m, true
		res.Objective, err = getObjective(ctx, tx, a.OrgID, o.ID, false)
		return err
	})
	return res, err
}

// afterMeasurement re-derives the objective's status and writes the trail entry of a change
// to one of its values, naming a change of status in the summary.
func (s *Service) afterMeasurement(ctx context.Context, tx pgx.Tx, a Actor, o Objective, action, summary string,
	before, after any, id uuid.UUID) error {
	if err := refreshObjectiveStatus(ctx, tx, a.OrgID, o.ID); err != nil {
		return err
	}
	var now Status
	if err := tx.QueryRow(ctx, `SELECT status FROM objectives WHERE tenant_id = $1 AND id = $2`, a.OrgID, o.ID).Scan(&now); err != nil {
		return err
	}
	if now != o.Status {
		summary += "; status " + o.Status.Label() + " → " + now.Label()
	}
	return record(ctx, tx, a, change{
		Action: action, EntityType: "objective_measurement", EntityID: id.String(),
		Summary: summary, Before: before, After: after,
	})
}

func insertMeasurement(ctx context.Context, tx pgx.Tx, a Actor, o Objective, period time.Time, value float64, note, origin string,
	fileID *uuid.UUID, now time.Time) (Measurement, error) {
	var by *uuid.UUID
	if a.UserID != uuid.Nil {
		by = &a.UserID
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO objective_measurements (tenant_id, objective_id, period_start, value, note, origin, import_file_id,
		                                    recorded_by, recorded_by_name, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING `+measurementColumns,
		a.OrgID, o.ID, period, value, note, origin, fileID, by, a.Name, now)
	if err != nil {
		return Measurement{}, err
	}
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Measurement])
	if database.ErrorCode(err) == database.CodeUniqueViolation {
		// Someone recorded the same period a moment ago.
		return Measurement{}, invalidField("period", o.Frequency.PeriodLabel(period)+" already has a value. Correct that value instead.")
	}
	return m, err
}

func measurementFor(ctx context.Context, tx pgx.Tx, org, objectiveID uuid.UUID, period time.Time) (*Measurement, error) {
	rows, err := tx.Query(ctx, `SELECT `+measurementColumns+` FROM objective_measurements
		WHERE tenant_id = $1 AND objective_id = $2 AND period_start = $3`, org, objectiveID, period)
	if err != nil {
		return nil, err
	}
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Measurement])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return &m, err
}

func getMeasurement(ctx context.Context, tx pgx.Tx, org, objectiveID, id uuid.UUID, lock bool) (Measurement, error) {
	q := `SELECT ` + measurementColumns + ` FROM objective_measurements WHERE tenant_id = $1 AND objective_id = $2 AND id = $3`
	if lock {
		q += ` FOR UPDATE`
	}
	rows, err := tx.Query(ctx, q, org, objectiveID, id)
	if err != nil {
		return Measurement{}, err
	}
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Measurement])
	return m, noRows(err, "Measurement")
}

// MeasurementCorrection is a new value for a recorded period, as typed, with the reason.
type MeasurementCorrection struct {
	Value  string
	Note   string
	Reason string
}

// MeasurementWithObjective is a measurement with the objective it belongs to (after the
// change, when a use case returns it).
type MeasurementWithObjective struct {
	Objective   Objective
	Measurement Measurement
	// CanCorrect says whether the viewer may correct the value.
	CanCorrect bool
}

// MayRecordMeasurements tells whether the actor may record values of an objective now, before
// a form that takes a file is read: the answer is not found, forbidden, a conflict (archived,
// computed) or nil.
func (s *Service) MayRecordMeasurements(ctx context.Context, a Actor, objectiveID uuid.UUID) error {
	o, err := s.Objective(ctx, a, objectiveID)
	if err != nil {
		return err
	}
	if err := mayRecord(a, o); err != nil {
		return err
	}
	return acceptsValues(o, OriginImport)
}

// Measurement loads one measurement of an objective, for its correction page.
func (s *Service) Measurement(ctx context.Context, a Actor, objectiveID, id uuid.UUID) (MeasurementWithObjective, error) {
	var out MeasurementWithObjective
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		if out.Objective, err = getObjective(ctx, tx, a.OrgID, objectiveID, false); err != nil {
			return err
		}
		out.Measurement, err = getMeasurement(ctx, tx, a.OrgID, objectiveID, id, false)
		return err
	})
	out.CanCorrect = err == nil && mayRecord(a, out.Objective) == nil && acceptsValues(out.Objective, out.Measurement.Origin) == nil
	return out, err
}

// CorrectMeasurement changes a recorded value. version is the one the corrector loaded; the
// reason is required and kept in the audit trail with the earlier value.
func (s *Service) CorrectMeasurement(ctx context.Context, a Actor, objectiveID, id uuid.UUID, version int, in MeasurementCorrection) (MeasurementWithObjective, error) {
	var after Measurement
	var res MeasurementWithObjective
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		o, err := getObjective(ctx, tx, a.OrgID, objectiveID, true)
		if err != nil {
			return err
		}
		if err := mayRecord(a, o); err != nil {
			return err
		}
		before, err := getMeasurement(ctx, tx, a.OrgID, objectiveID, id, true)
		if err != nil {
			return err
		}
		if err := acceptsValues(o, before.Origin); err != nil {
			return err
		}
		if before.Origin == OriginComputed {
			return conflict("Computed values are recomputed from their source, not corrected by hand.")
		}
		if before.Version != version {
			return staleEdit("value")
		}
		c := checks{}
		value := checkValue(c, "value", in.Value)
		note, reason := clean(in.Note), clean(in.Reason)
		c.maxLen("note", note, 1000)
		c.require("reason", reason, "Say why the value is corrected; the reason is kept with the earlier value.")
		c.maxLen("reason", reason, 500)
		if err := c.err(); err != nil {
			return err
		}
		if value == before.Value && note == before.Note {
			return invalidField("value", "This is the value already recorded. Change the value or the note, or leave the page.")
		}
		rows, err := tx.Query(ctx, `
			UPDATE objective_measurements SET value = $4, note = $5, corrected_by_name = $6, corrected_at = $7,
			       version = version + 1, updated_at = now()
			 WHERE tenant_id = $1 AND objective_id = $2 AND id = $3 RETURNING `+measurementColumns,
			a.OrgID, objectiveID, id, value, note, a.Name, s.now())
		if err != nil {
			return err
		}
		if after, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Measurement]); err != nil {
			return err
		}
		summary := "Corrected " + o.Frequency.PeriodLabel(before.PeriodStart) + " of " + o.Title + " from " +
			FormatQuantity(before.Value, o.Unit) + " to " + FormatQuantity(value, o.Unit) + ": " + reason
		if err := s.afterMeasurement(ctx, tx, a, o, "objective.measurement_correct", summary,
			entryOf(o, before, ""), entryOf(o, after, reason), id); err != nil {
			return err
		}
		res.Measurement, res.CanCorrect = after, true
		res.Objective, err = getObjective(ctx, tx, a.OrgID, o.ID, false)
		return err
	})
	return res, err
}

// ObjectiveDetail is everything the objective's page shows.
type ObjectiveDetail struct {
	Objective
	// Measurements in period order, oldest first.
	Measurements []Measurement
	// Corrections are the trail entries of corrected and recomputed values, newest first.
	Corrections []AuditEntry
	// ImportFiles are the CSV files values were imported from, by id.
	ImportFiles map[uuid.UUID]File
	// Missing are the periods that have ended since the objective started without a value.
	Missing []time.Time
	// NextPeriod is the period the "record a value" form offers: the current period if it
	// has no value yet, otherwise the most recent missing one; zero when every period that
	// has begun has a value.
	NextPeriod time.Time
	// ComputedBy is the computed source of a computed objective.
	ComputedBy *ComputedSource
	// CanRecord says whether the viewer may record and correct values.
	CanRecord bool
}

// ObjectiveDetail gathers an objective's page in one transaction.
func (s *Service) ObjectiveDetail(ctx context.Context, a Actor, id uuid.UUID) (ObjectiveDetail, error) {
	var d ObjectiveDetail
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		if d.Objective, err = getObjective(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+measurementColumns+` FROM objective_measurements
			WHERE tenant_id = $1 AND objective_id = $2 ORDER BY period_start`, a.OrgID, id)
		if err != nil {
			return err
		}
		if d.Measurements, err = database.CollectRows[Measurement](rows); err != nil {
			return err
		}
		ids := make([]string, len(d.Measurements))
		for i, m := range d.Measurements {
			ids[i] = m.ID.String()
		}
		rows, err = tx.Query(ctx, `
			SELECT seq, occurred_at, actor_name, action, entity_type, entity_id, summary, before, after
			  FROM audit_log
			 WHERE tenant_id = $1 AND entity_type = 'objective_measurement' AND entity_id = ANY($2)
			   AND action IN ('objective.measurement_correct', 'objective.measurement_recompute')
			 ORDER BY seq DESC LIMIT 100`, a.OrgID, ids)
		if err != nil {
			return err
		}
		if d.Corrections, err = database.CollectRows[AuditEntry](rows); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT `+fileColumns+` FROM files WHERE tenant_id = $1 AND id IN (
			SELECT import_file_id FROM objective_measurements WHERE tenant_id = $1 AND objective_id = $2)`, a.OrgID, id)
		if err != nil {
			return err
		}
		files, err := database.CollectRows[File](rows)
		d.ImportFiles = map[uuid.UUID]File{}
		for _, f := range files {
			d.ImportFiles[f.ID] = f
		}
		return err
	})
	if err != nil {
		return ObjectiveDetail{}, err
	}
	d.CanRecord = mayRecord(a, d.Objective) == nil && acceptsValues(d.Objective, OriginManual) == nil
	if src, ok := computedSource(d.Objective.Source); ok {
		d.ComputedBy = &src
		d.CanRecord = mayRecord(a, d.Objective) == nil && !d.Archived()
	}
	d.Missing, d.NextPeriod = gaps(d.Objective, d.Measurements, s.now())
	return d, nil
}

// gaps finds the ended periods without a value, and the period a new value is most likely
// for.
func gaps(o Objective, ms []Measurement, now time.Time) (missing []time.Time, next time.Time) {
	have := map[time.Time]bool{}
	for _, m := range ms {
		have[m.PeriodStart] = true
	}
	current := o.Frequency.PeriodOf(now)
	for p := o.Frequency.PeriodOf(o.StartDate); p.Before(current); p = o.Frequency.Next(p) {
		if !have[p] {
			missing = append(missing, p)
		}
	}
	switch {
	case !have[current]:
		next = current
	case len(missing) > 0:
		next = missing[len(missing)-1]
	}
	return missing, next
}

// MeasurementCSVColumns are the columns of a measurements file, in the template's order.
var MeasurementCSVColumns = []string{"period", "value", "note"}

// maxImportRows bounds an import: years of monthly values fit many times over.
const maxImportRows = 2000

// RowProblem is what is wrong with one line of an imported file.
type RowProblem struct {
	Line    int
	Message string
}

// importRefused carries the problems of every line of a refused import.
type importRefused struct{ rows []RowProblem }

func (e *importRefused) Error() string { return fmt.Sprintf("%d rows refused", len(e.rows)) }

// ImportProblems returns the line-by-line problems of a refused import.
func ImportProblems(err error) []RowProblem {
	var r *importRefused
	if errors.As(err, &r) {
		return r.rows
	}
	return nil
}

// ImportResult says what an import did.
type ImportResult struct {
	Imported int
	// Blank counts template lines left without a value, which are skipped.
	Blank int
	File  File
}

// csvRow is one line of an imported file, before it is checked against the objective.
type csvRow struct {
	line                int
	period, value, note string
}

// ImportMeasurements records an objective's values from a CSV file with the columns period,
// value and note (the template). Every line is checked, and either every value is recorded or
// none is: a refusal lists each line's problem with its line number. Lines whose value and
// note are both empty are skipped (the template lists each period without a value). Periods
// that already have a value are refused, never overwritten. The file is kept as evidence and
// linked from each value it brought.
func (s *Service) ImportMeasurements(ctx context.Context, a Actor, objectiveID uuid.UUID, up Upload) (ImportResult, error) {
	if up.SHA256 == "" {
		return ImportResult{}, invalidField("file", "Choose the CSV file to import.")
	}
	mediaType, _, _ := mime.ParseMediaType(up.ContentType)
	if mediaType != "text/csv" && mediaType != "text/plain" {
		return ImportResult{}, invalidField("file", up.Filename+" is not a CSV file. Save the spreadsheet as CSV (comma-separated values) and upload that.")
	}
	if s.opts.Evidence == nil {
		return ImportResult{}, errors.New("no evidence storage is configured")
	}
	content, err := s.opts.Evidence.Open(a.OrgID, up.SHA256)
	if err != nil {
		return ImportResult{}, err
	}
	rows, problems := readMeasurementCSV(content)
	content.Close()
	var res ImportResult
	err = s.write(ctx, a, func(tx pgx.Tx) error {
		o, err := getObjective(ctx, tx, a.OrgID, objectiveID, true)
		if err != nil {
			return err
		}
		if err := mayRecord(a, o); err != nil {
			return err
		}
		if err := acceptsValues(o, OriginImport); err != nil {
			return err
		}
		existing, err := latestValues(ctx, tx, a.OrgID, o.ID, nil, 1<<30)
		if err != nil {
			return err
		}
		recorded := map[time.Time]float64{}
		for _, pv := range existing {
			recorded[pv.Period] = pv.Value
		}
		type good struct {
			period time.Time
			value  float64
			note   string
		}
		var accepted []good
		seen := map[time.Time]int{}
		for _, r := range rows {
			if strings.TrimSpace(r.value) == "" && strings.TrimSpace(r.note) == "" && strings.TrimSpace(r.period) != "" {
				res.Blank++
				continue
			}
			c := checks{}
			period := checkPeriod(c, "period", o, r.period, s.now())
			value := checkValue(c, "value", r.value)
			note := clean(r.note)
			c.maxLen("note", note, 1000)
			if c["period"] == "" {
				if line, dup := seen[period]; dup {
					c.add("period", o.Frequency.PeriodLabel(period)+" is also on line "+strconv.Itoa(line)+".")
				} else {
					seen[period] = r.line
				}
				if v, ok := recorded[period]; ok {
					c.add("period", o.Frequency.PeriodLabel(period)+" already has a value ("+FormatQuantity(v, o.Unit)+
						"); an import never replaces one. Correct it on the objective's page, or remove the line.")
				}
			}
			if len(c) > 0 {
				var msgs []string
				for _, f := range []string{"period", "value", "note"} {
					if m := c[f]; m != "" {
						msgs = append(msgs, m)
					}
				}
				problems = append(problems, RowProblem{Line: r.line, Message: strings.Join(msgs, " ")})
				continue
			}
			accepted = append(accepted, good{period, value, note})
		}
		if len(problems) > 0 {
			slices.SortStableFunc(problems, func(x, y RowProblem) int { return x.Line - y.Line })
			msg := strconv.Itoa(len(problems)) + " lines have problems, so nothing was imported. Correct them and upload the file again."
			if len(problems) == 1 {
				msg = "Line " + strconv.Itoa(problems[0].Line) + " has a problem, so nothing was imported. Correct it and upload the file again."
			}
			return &Error{Kind: KindInvalid, Message: "Please correct the highlighted fields.",
				Fields: map[string]string{"file": msg}, Err: &importRefused{rows: problems}}
		}
		if len(accepted) == 0 {
			return invalidField("file", "The file has no values to import: fill in the value column for the periods you measured.")
		}
		if res.File, err = insertFile(ctx, tx, a, up); err != nil {
			return err
		}
		for _, g := range accepted {
			m, err := insertMeasurement(ctx, tx, a, o, g.period, g.value, g.note, OriginImport, &res.File.ID, s.now())
			if err != nil {
				return err
			}
			summary := "Imported " + o.Frequency.PeriodLabel(g.period) + " for " + o.Title + ": " + FormatQuantity(g.value, o.Unit) +
				" from " + up.Filename
			if err := s.afterMeasurement(ctx, tx, a, o, "objective.measurement_import", summary, nil, entryOf(o, m, ""), m.ID); err != nil {
				return err
			}
			// Each value's trail entry names the status change it caused, not the import's.
			if err := tx.QueryRow(ctx, `SELECT status FROM objectives WHERE tenant_id = $1 AND id = $2`, a.OrgID, o.ID).Scan(&o.Status); err != nil {
				return err
			}
			res.Imported++
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// readMeasurementCSV reads the lines of a measurements file. It takes what spreadsheets
// write: a byte-order mark, semicolons instead of commas, the columns in any order. Problems
// with the file's shape are returned with their line numbers; values are checked later,
// against the objective.
func readMeasurementCSV(r io.Reader) ([]csvRow, []RowProblem) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	first, _ := br.Peek(4096)
	cr := csv.NewReader(br)
	line1, _, _ := bytes.Cut(first, []byte("\n"))
	if bytes.Count(line1, []byte(";")) > bytes.Count(line1, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, []RowProblem{{Line: 1, Message: "The file is empty or not readable as CSV. The first line must name the columns: period,value,note."}}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	pi, okP := col["period"]
	vi, okV := col["value"]
	ni, okN := col["note"]
	if !okP || !okV {
		return nil, []RowProblem{{Line: 1, Message: "The first line must name the columns: period,value,note (note may be left out). It reads: " +
			clipRunes(strings.Join(header, ","), 80) + "."}}
	}
	field := func(rec []string, i int, ok bool) string {
		if !ok || i >= len(rec) {
			return ""
		}
		return rec[i]
	}
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, []RowProblem{{Line: pe.Line, Message: "This line is not valid CSV (" + pe.Err.Error() + ")."}}
		}
		if err != nil {
			return nil, []RowProblem{{Line: len(rows) + 2, Message: "The file could not be read further."}}
		}
		line, _ := cr.FieldPos(0)
		if len(rows) >= maxImportRows {
			return nil, []RowProblem{{Line: line, Message: "The file has more than " + strconv.Itoa(maxImportRows) + " lines; split it."}}
		}
		empty := true
		for _, f := range rec {
			if strings.TrimSpace(f) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		rows = append(rows, csvRow{line: line, period: field(rec, pi, true), value: field(rec, vi, true), note: field(rec, ni, okN)})
	}
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// MeasurementTemplate is what the CSV template of an objective holds: the periods that have
// begun without a value, for the owner to fill in.
type MeasurementTemplate struct {
	Objective Objective
	Periods   []time.Time
}

// MeasurementTemplate lists the periods a CSV template offers for an objective.
func (s *Service) MeasurementTemplate(ctx context.Context, a Actor, objectiveID uuid.UUID) (MeasurementTemplate, error) {
	var t MeasurementTemplate
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		if t.Objective, err = getObjective(ctx, tx, a.OrgID, objectiveID, false); err != nil {
			return err
		}
		have, err := latestValues(ctx, tx, a.OrgID, objectiveID, nil, 1<<30)
		if err != nil {
			return err
		}
		recorded := map[time.Time]bool{}
		for _, pv := range have {
			recorded[pv.Period] = true
		}
		f := t.Objective.Frequency
		for p := f.PeriodOf(t.Objective.StartDate); !p.After(f.PeriodOf(s.now())); p = f.Next(p) {
			if !recorded[p] {
				t.Periods = append(t.Periods, p)
			}
		}
		return nil
	})
	return t, err
}

// WriteCSV writes the template: the column names, then a line per period with the value and
// note left empty.
func (t MeasurementTemplate) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(MeasurementCSVColumns); err != nil {
		return err
	}
	for _, p := range t.Periods {
		if err := cw.Write([]string{t.Objective.Frequency.PeriodCode(p), "", ""}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
