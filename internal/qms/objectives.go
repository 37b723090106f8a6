package qms

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// Objective is a quality objective (ISO 9001 6.2): a measurable aim with an owner, a process,
// a target and a rhythm of measurement. Its status is derived from its measurements by
// AssessStatus and stored with it, so lists can filter by it.
type Objective struct {
	ID           uuid.UUID  `db:"id" json:"id"`
	Title        string     `db:"title" json:"title"`
	Description  string     `db:"description" json:"description"`
	OwnerID      uuid.UUID  `db:"owner_user_id" json:"owner_user_id"`
	OwnerName    string     `db:"owner_name" json:"owner_name"`
	ProcessID    uuid.UUID  `db:"process_id" json:"process_id"`
	ProcessName  string     `db:"process_name" json:"process_name"`
	SiteID       *uuid.UUID `db:"site_id" json:"site_id"`
	SiteName     *string    `db:"site_name" json:"site_name"`
	Clause       string     `db:"clause" json:"clause"`
	ClauseTitle  string     `db:"clause_title" json:"-"`
	TargetValue  float64    `db:"target_value" json:"target_value"`
	Unit         string     `db:"unit" json:"unit"`
	Direction    Direction  `db:"direction" json:"direction"`
	Tolerance    float64    `db:"tolerance" json:"tolerance"`
	Frequency    Frequency  `db:"frequency" json:"frequency"`
	Source       string     `db:"source" json:"source"`
	StartDate    time.Time  `db:"start_date" json:"start_date"`
	ReviewDate   time.Time  `db:"review_date" json:"review_date"`
	Status       Status     `db:"status" json:"status"`
	StatusReason string     `db:"status_reason" json:"-"`
	LatestValue  *float64   `db:"latest_value" json:"-"`
	LatestPeriod *time.Time `db:"latest_period" json:"-"`
	ArchivedAt   *time.Time `db:"archived_at" json:"archived_at"`
	Version      int        `db:"version" json:"version"`
	UpdatedAt    time.Time  `db:"updated_at" json:"-"`
}

// Target is what the objective's measurements are judged against.
func (o Objective) Target() Target {
	return Target{Value: o.TargetValue, Direction: o.Direction, Tolerance: o.Tolerance, Unit: o.Unit}
}

// Archived reports whether the objective is no longer pursued. It keeps its measurements as
// evidence but takes no new ones.
func (o Objective) Archived() bool { return o.ArchivedAt != nil }

// Computed reports whether the objective's values come from a computed source.
func (o Objective) Computed() bool { return o.Source != SourceManual }

// SourceManual is the source of objectives whose values people enter or import.
const SourceManual = "manual"

// ObjectiveInput is what a person enters for an objective, as typed: the service reads the
// numbers and dates so that every message about them comes from one place.
type ObjectiveInput struct {
	Title       string
	Description string
	OwnerID     uuid.UUID
	ProcessID   uuid.UUID
	SiteID      uuid.UUID // uuid.Nil: the objective is not tied to one site
	Clause      string
	TargetValue string
	Unit        string
	Direction   Direction
	Tolerance   string
	Frequency   Frequency
	Source      string
	StartDate   string // 2006-01-02
	ReviewDate  string
}

// NewObjectiveDefaults is what a new objective's form starts with: clause 6.2, monthly,
// higher is better, running from the first of next month for a year.
func (s *Service) NewObjectiveDefaults() ObjectiveInput {
	start := Monthly.Next(Monthly.PeriodOf(s.now()))
	return ObjectiveInput{
		Clause: "6.2", Direction: AtLeast, Frequency: Monthly, Source: SourceManual, Tolerance: "0",
		StartDate: start.Format("2006-01-02"), ReviewDate: start.AddDate(1, 0, -1).Format("2006-01-02"),
	}
}

// objectiveValues is ObjectiveInput read and checked.
type objectiveValues struct {
	ObjectiveInput
	target, tolerance float64
	start, review     time.Time
	site              *uuid.UUID
}

func (in ObjectiveInput) validate() (objectiveValues, error) {
	in.Title, in.Description, in.Unit, in.Clause = clean(in.Title), clean(in.Description), clean(in.Unit), clean(in.Clause)
	in.Source = clean(in.Source)
	if in.Source == "" {
		in.Source = SourceManual
	}
	if in.Clause == "" {
		in.Clause = "6.2"
	}
	v := objectiveValues{ObjectiveInput: in}
	c := checks{}
	c.require("title", in.Title, "Enter what the objective is, e.g. On-time delivery to customers.")
	c.maxLen("title", in.Title, 160)
	c.maxLen("description", in.Description, 4000)
	c.maxLen("unit", in.Unit, 20)
	if in.OwnerID == uuid.Nil {
		c.add("owner_user_id", "Choose who owns this objective.")
	}
	if in.ProcessID == uuid.Nil {
		c.add("process_id", "Choose the process this objective belongs to.")
	}
	if in.SiteID != uuid.Nil {
		v.site = &in.SiteID
	}
	var ok bool
	if v.target, ok = parseNumber(in.TargetValue); !ok {
		c.add("target_value", "Enter the target as a number, e.g. 95 or 1.5.")
	}
	if strings.TrimSpace(in.Tolerance) == "" {
		v.tolerance = 0
	} else if v.tolerance, ok = parseNumber(in.Tolerance); !ok || v.tolerance < 0 {
		c.add("tolerance", "Enter how far a value may miss the target and still be at risk, as a number of zero or more.")
	}
	if !in.Direction.Valid() {
		c.add("direction", "Choose whether values should be at least or at most the target.")
	}
	if !in.Frequency.Valid() {
		c.add("frequency", "Choose how often it is measured.")
	}
	if in.Source != SourceManual {
		if _, ok := computedSource(in.Source); !ok {
			c.add("source", "Choose where the values come from.")
		}
	}
	var err error
	if v.start, err = time.Parse("2006-01-02", strings.TrimSpace(in.StartDate)); err != nil {
		c.add("start_date", "Enter the date the objective starts, e.g. 2026-01-01.")
	}
	if v.review, err = time.Parse("2006-01-02", strings.TrimSpace(in.ReviewDate)); err != nil {
		c.add("review_date", "Enter the date it is next reviewed, e.g. 2026-12-31.")
	} else if !v.start.IsZero() && v.review.Before(v.start) {
		c.add("review_date", "The review date cannot be before the start date.")
	}
	return v, c.err()
}

const objectiveSelect = `
	SELECT o.id, o.title, o.description, o.owner_user_id, u.name AS owner_name,
	       o.process_id, p.name AS process_name, o.site_id, s.name AS site_name,
	       o.clause, c.title AS clause_title, o.target_value, o.unit, o.direction, o.tolerance,
	       o.frequency, o.source, o.start_date, o.review_date, o.status, o.status_reason,
	       o.latest_value, o.latest_period, o.archived_at, o.version, o.updated_at
	  FROM objectives o
	  JOIN users u ON u.id = o.owner_user_id
	  JOIN processes p ON p.tenant_id = o.tenant_id AND p.id = o.process_id
	  LEFT JOIN sites s ON s.tenant_id = o.tenant_id AND s.id = o.site_id
	  JOIN iso_clauses c ON c.number = o.clause`

func getObjective(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, lock bool) (Objective, error) {
	q := objectiveSelect + ` WHERE o.tenant_id = $1 AND o.id = $2`
	if lock {
		q += ` FOR UPDATE OF o`
	}
	rows, err := tx.Query(ctx, q, org, id)
	if err != nil {
		return Objective{}, err
	}
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Objective])
	return o, noRows(err, "Objective")
}

// Objective loads one objective.
func (s *Service) Objective(ctx context.Context, a Actor, id uuid.UUID) (Objective, error) {
	var out Objective
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		out, err = getObjective(ctx, tx, a.OrgID, id, false)
		return err
	})
	return out, err
}

// objectiveWriteError turns constraint violations into messages next to the field concerned.
func objectiveWriteError(err error) error {
	switch database.ErrorCode(err) {
	case database.CodeUniqueViolation:
		return invalidField("title", "Another objective already has this title.")
	case database.CodeForeignKeyViolation:
		switch c := database.ConstraintName(err); {
		case strings.Contains(c, "owner"):
			return invalidField("owner_user_id", "The owner must be a member of this organisation.")
		case strings.Contains(c, "process"):
			return invalidField("process_id", "Choose one of this organisation's processes.")
		case strings.Contains(c, "site"):
			return invalidField("site_id", "Choose one of this organisation's sites.")
		case strings.Contains(c, "clause"):
			return invalidField("clause", "Choose a clause of ISO 9001.")
		}
	}
	return err
}

// CreateObjective sets a new quality objective.
func (s *Service) CreateObjective(ctx context.Context, a Actor, in ObjectiveInput) (Objective, error) {
	if err := a.Require(auth.PermManageObjectives); err != nil {
		return Objective{}, err
	}
	v, err := in.validate()
	if err != nil {
		return Objective{}, err
	}
	var o Objective
	err = s.write(ctx, a, func(tx pgx.Tx) error {
		var id uuid.UUID
		err := tx.QueryRow(ctx, `
			INSERT INTO objectives (tenant_id, title, description, owner_user_id, process_id, site_id, clause,
			                        target_value, unit, direction, tolerance, frequency, source, start_date, review_date)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
			a.OrgID, v.Title, v.Description, v.OwnerID, v.ProcessID, v.site, v.Clause,
			v.target, v.Unit, v.Direction, v.tolerance, v.Frequency, v.Source, v.start, v.review).Scan(&id)
		if err != nil {
			return objectiveWriteError(err)
		}
		if o, err = getObjective(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "objective.create", EntityType: "objective", EntityID: id.String(),
			Summary: "Set objective " + o.Title + ": " + o.Target().String() + ", owned by " + o.OwnerName, After: o,
		})
	})
	return o, err
}

// UpdateObjective changes an objective. version is the one the editor loaded. A new target,
// direction or tolerance re-judges the measurements at once. Once values are recorded, the
// frequency and the source stay as they are: the recorded periods and their origin would no
// longer fit.
func (s *Service) UpdateObjective(ctx context.Context, a Actor, id uuid.UUID, version int, in ObjectiveInput) (Objective, error) {
	if err := a.Require(auth.PermManageObjectives); err != nil {
		return Objective{}, err
	}
	v, err := in.validate()
	if err != nil {
		return Objective{}, err
	}
	var after Objective
	err = s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getObjective(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("objective")
		}
		var count int
		var first *time.Time
		if err := tx.QueryRow(ctx, `SELECT count(*), min(period_start) FROM objective_measurements
			WHERE tenant_id = $1 AND objective_id = $2`, a.OrgID, id).Scan(&count, &first); err != nil {
			return err
		}
		c := checks{}
		if count > 0 {
			if v.Frequency != before.Frequency {
				c.add("frequency", "Values are already recorded "+strings.ToLower(before.Frequency.Label())+
					", so the frequency stays. Set a new objective to measure it differently.")
			}
			if v.Source != before.Source {
				c.add("source", "Values are already recorded from this source, so it stays. Set a new objective to measure it differently.")
			}
			if first != nil && before.Frequency.PeriodOf(v.start).After(*first) {
				c.add("start_date", "A value is recorded for "+before.Frequency.PeriodLabel(*first)+", before this start date.")
			}
		}
		if err := c.err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE objectives SET title = $3, description = $4, owner_user_id = $5, process_id = $6, site_id = $7,
			       clause = $8, target_value = $9, unit = $10, direction = $11, tolerance = $12, frequency = $13,
			       source = $14, start_date = $15, review_date = $16, version = version + 1, updated_at = now()
			 WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, v.Title, v.Description, v.OwnerID, v.ProcessID, v.site, v.Clause,
			v.target, v.Unit, v.Direction, v.tolerance, v.Frequency, v.Source, v.start, v.review); err != nil {
			return objectiveWriteError(err)
		}
		if err := refreshObjectiveStatus(ctx, tx, a.OrgID, id); err != nil {
			return err
		}
		if after, err = getObjective(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "objective.update", EntityType: "objective", EntityID: id.String(),
			Summary: objectiveSummary(before, after), Before: before, After: after,
		})
	})
	return after, err
}

func objectiveSummary(before, after Objective) string {
	var parts []string
	if before.Target() != after.Target() {
		parts = append(parts, "target "+before.Target().String()+" → "+after.Target().String())
	}
	if before.OwnerID != after.OwnerID {
		parts = append(parts, "handed from "+before.OwnerName+" to "+after.OwnerName)
	}
	if before.Status != after.Status {
		parts = append(parts, "status "+before.Status.Label()+" → "+after.Status.Label())
	}
	s := "Updated objective " + after.Title
	if before.Title != after.Title {
		s = "Renamed objective " + before.Title + " to " + after.Title
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	return s
}

// SetObjectiveArchived retires an objective that is no longer pursued, or brings it back.
// Its measurements stay as evidence.
func (s *Service) SetObjectiveArchived(ctx context.Context, a Actor, id uuid.UUID, version int, archived bool) (Objective, error) {
	if err := a.Require(auth.PermManageObjectives); err != nil {
		return Objective{}, err
	}
	action, verb := "objective.restore", "Restored"
	if archived {
		action, verb = "objective.archive", "Archived"
	}
	var after Objective
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getObjective(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("objective")
		}
		if _, err := tx.Exec(ctx, `UPDATE objectives SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END,
			version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, archived); err != nil {
			return err
		}
		if after, err = getObjective(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: action, EntityType: "objective", EntityID: id.String(),
			Summary: verb + " objective " + after.Title, Before: before, After: after,
		})
	})
	return after, err
}

// refreshObjectiveStatus re-derives the stored status of an objective from its latest
// measurements with AssessStatus. Every use case that changes measurements or the target
// calls it in its transaction.
func refreshObjectiveStatus(ctx context.Context, tx pgx.Tx, org, id uuid.UUID) error {
	var t Target
	var f Frequency
	if err := tx.QueryRow(ctx, `SELECT target_value, direction, tolerance, unit, frequency FROM objectives
		WHERE tenant_id = $1 AND id = $2`, org, id).Scan(&t.Value, &t.Direction, &t.Tolerance, &t.Unit, &f); err != nil {
		return noRows(err, "Objective")
	}
	recent, err := latestValues(ctx, tx, org, id, nil, 3)
	if err != nil {
		return err
	}
	as := AssessStatus(t, f, recent)
	var value *float64
	var period *time.Time
	if n := len(recent); n > 0 {
		value, period = &recent[n-1].Value, &recent[n-1].Period
	}
	_, err = tx.Exec(ctx, `UPDATE objectives SET status = $3, status_reason = $4, latest_value = $5, latest_period = $6
		WHERE tenant_id = $1 AND id = $2`, org, id, as.Status, as.Reason, value, period)
	return err
}

// latestValues returns the last n values of an objective in period order, oldest first; with
// before set, only periods that start before it.
func latestValues(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, before *time.Time, n int) ([]PeriodValue, error) {
	rows, err := tx.Query(ctx, `
		SELECT period_start, value FROM (
			SELECT period_start, value FROM objective_measurements
			 WHERE tenant_id = $1 AND objective_id = $2 AND ($3::date IS NULL OR period_start < $3)
			 ORDER BY period_start DESC LIMIT $4) last
		 ORDER BY period_start`, org, id, before, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PeriodValue, error) {
		var pv PeriodValue
		return pv, r.Scan(&pv.Period, &pv.Value)
	})
}

// ObjectiveFilter narrows the objectives list. After is the cursor of the next page: the
// lower-cased title of the last objective shown (titles are unique, case-insensitively).
type ObjectiveFilter struct {
	ProcessID uuid.UUID
	OwnerID   uuid.UUID
	SiteID    uuid.UUID
	Status    Status
	Archived  bool // list archived objectives instead of current ones
	After     string
	Limit     int
}

// ObjectiveSummary is an objective as the list shows it, with its recent values for a
// sparkline.
type ObjectiveSummary struct {
	Objective
	Recent []PeriodValue
}

// ObjectiveList is one page of objectives with the counts by status of all that match the
// filter apart from its status.
type ObjectiveList struct {
	Objectives []ObjectiveSummary
	Counts     map[Status]int
	// Next is the cursor of the next page; empty on the last page.
	Next string
}

// sparklineLength is how many recent values the list shows per objective: a year of months.
const sparklineLength = 12

// Objectives lists the organisation's objectives by title, with keyset pagination. Everyone
// in the organisation may read them.
func (s *Service) Objectives(ctx context.Context, a Actor, f ObjectiveFilter) (ObjectiveList, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Status != "" && !f.Status.Valid() {
		f.Status = ""
	}
	out := ObjectiveList{Counts: map[Status]int{}}
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		where := ` WHERE o.tenant_id = $1 AND (o.archived_at IS NOT NULL) = $2
			AND ($3::uuid IS NULL OR o.process_id = $3) AND ($4::uuid IS NULL OR o.owner_user_id = $4)
			AND ($5::uuid IS NULL OR o.site_id = $5)`
		// A zero id means "any": NULL in the query.
		args := []any{a.OrgID, f.Archived, nilIfZero(f.ProcessID), nilIfZero(f.OwnerID), nilIfZero(f.SiteID)}
		b := &pgx.Batch{}
		b.Queue(objectiveSelect+where+` AND ($6 = '' OR o.status = $6) AND ($7 = '' OR lower(o.title) > $7)
			ORDER BY lower(o.title) LIMIT $8`, append(args, string(f.Status), f.After, f.Limit+1)...).
			Query(func(rows pgx.Rows) error {
				list, err := database.CollectRows[Objective](rows)
				for _, o := range list {
					out.Objectives = append(out.Objectives, ObjectiveSummary{Objective: o})
				}
				return err
			})
		b.Queue(`SELECT o.status, count(*) FROM objectives o`+where+` GROUP BY o.status`, args...).
			Query(func(rows pgx.Rows) error {
				for rows.Next() {
					var st Status
					var n int
					if err := rows.Scan(&st, &n); err != nil {
						return err
					}
					out.Counts[st] = n
				}
				return rows.Err()
			})
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if len(out.Objectives) > f.Limit {
			out.Objectives = out.Objectives[:f.Limit]
			out.Next = strings.ToLower(out.Objectives[f.Limit-1].Title)
		}
		return s.attachRecent(ctx, tx, a.OrgID, out.Objectives)
	})
	return out, err
}

// attachRecent loads the last values of every listed objective in one query.
func (s *Service) attachRecent(ctx context.Context, tx pgx.Tx, org uuid.UUID, list []ObjectiveSummary) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(list))
	at := map[uuid.UUID]int{}
	for i, o := range list {
		ids[i], at[o.ID] = o.ID, i
	}
	rows, err := tx.Query(ctx, `
		SELECT objective_id, period_start, value FROM (
			SELECT objective_id, period_start, value,
			       row_number() OVER (PARTITION BY objective_id ORDER BY period_start DESC) AS n
			  FROM objective_measurements WHERE tenant_id = $1 AND objective_id = ANY($2)) m
		 WHERE n <= $3 ORDER BY objective_id, period_start`, org, ids, sparklineLength)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var pv PeriodValue
		if err := rows.Scan(&id, &pv.Period, &pv.Value); err != nil {
			return err
		}
		i := at[id]
		list[i].Recent = append(list[i].Recent, pv)
	}
	return rows.Err()
}

// ObjectiveChoices is what the objective form offers: the organisation's processes, members
// and sites, the clauses of ISO 9001 and the sources values can come from.
type ObjectiveChoices struct {
	Processes []Process
	Members   []Member
	Sites     []Site
	Clauses   []ISOClause
	Sources   []ComputedSource
}

// ObjectiveChoices gathers the objective form's choices in one round trip.
func (s *Service) ObjectiveChoices(ctx context.Context, a Actor) (ObjectiveChoices, error) {
	out := ObjectiveChoices{Sources: ComputedSources()}
	b := &pgx.Batch{}
	keep := s.queueChoices(b, a.OrgID, &out.Processes, &out.Sites, &out.Members)
	if err := s.readBatch(ctx, a, b); err != nil {
		return ObjectiveChoices{}, err
	}
	keep()
	var err error
	out.Clauses, err = s.ISOClauses(ctx, a)
	return out, err
}
