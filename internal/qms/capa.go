package qms

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// CAPAStatus is where a corrective action stands.
type CAPAStatus string

const (
	// CAPAOpen: the problem is being analysed and acted on.
	CAPAOpen CAPAStatus = "open"
	// CAPAAwaitingCheck: every action of the round is done; the verifier checks effectiveness.
	CAPAAwaitingCheck CAPAStatus = "awaiting_check"
	// CAPAClosed: verified effective and signed.
	CAPAClosed CAPAStatus = "closed"
)

// CAPAStatuses lists every status in the order a CAPA moves through them.
var CAPAStatuses = []CAPAStatus{CAPAOpen, CAPAAwaitingCheck, CAPAClosed}

// Valid reports whether s is one of CAPAStatuses.
func (s CAPAStatus) Valid() bool { return slices.Contains(CAPAStatuses, s) }

// Label is the status as people say it.
func (s CAPAStatus) Label() string {
	switch s {
	case CAPAOpen:
		return "Open"
	case CAPAAwaitingCheck:
		return "Awaiting effectiveness check"
	case CAPAClosed:
		return "Closed"
	}
	return string(s)
}

// Tone is the badge colour of a status.
func (s CAPAStatus) Tone() string {
	switch s {
	case CAPAAwaitingCheck:
		return "warn"
	case CAPAClosed:
		return "ok"
	}
	return "info"
}

// RootCauseCategory groups root causes for trend analysis.
type RootCauseCategory string

// RootCauseCategories lists the categories a root cause may be filed under.
var RootCauseCategories = []RootCauseCategory{"people", "method", "machine", "material", "measurement", "environment", "supplier", "design", "management"}

// FishboneCategories are the bones of an Ishikawa diagram.
var FishboneCategories = []RootCauseCategory{"people", "method", "machine", "material", "measurement", "environment"}

// Valid reports whether c is one of RootCauseCategories.
func (c RootCauseCategory) Valid() bool { return slices.Contains(RootCauseCategories, c) }

// Label is the category with a capital letter.
func (c RootCauseCategory) Label() string {
	if c == "" {
		return ""
	}
	return strings.ToUpper(string(c[:1])) + string(c[1:])
}

// CAPA is a corrective action (ISO 9001 10.2): the problem, its containment and root cause,
// the actions of the current round and who verifies that they worked.
type CAPA struct {
	ID                uuid.UUID         `db:"id" json:"id"`
	Reference         string            `db:"reference" json:"reference"`
	Title             string            `db:"title" json:"title"`
	ProblemStatement  string            `db:"problem_statement" json:"problem_statement"`
	Containment       string            `db:"containment" json:"containment"`
	RootCause         string            `db:"root_cause" json:"root_cause"`
	RootCauseCategory RootCauseCategory `db:"root_cause_category" json:"root_cause_category"`
	ProcessID         uuid.UUID         `db:"process_id" json:"process_id"`
	ProcessName       string            `db:"process_name" json:"process"`
	SiteID            *uuid.UUID        `db:"site_id" json:"site_id"`
	SiteName          string            `db:"site_name" json:"site,omitempty"`
	OwnerID           uuid.UUID         `db:"owner_id" json:"owner_id"`
	OwnerName         string            `db:"owner_name" json:"owner"`
	VerifierID        uuid.UUID         `db:"verifier_id" json:"verifier_id"`
	VerifierName      string            `db:"verifier_name" json:"verifier"`
	Status            CAPAStatus        `db:"status" json:"status"`
	Round             int               `db:"round" json:"round"`
	OpenedAt          time.Time         `db:"opened_at" json:"opened_at"`
	ClosedAt          *time.Time        `db:"closed_at" json:"closed_at"`
	ClosedByName      string            `db:"closed_by_name" json:"closed_by,omitempty"`
	Version           int               `db:"version" json:"version"`
	// What the list shows: open actions, how many are past due, and days open.
	OpenActions    int `db:"open_actions" json:"-"`
	OverdueActions int `db:"overdue_actions" json:"-"`
	DaysOpen       int `db:"days_open" json:"-"`
}

// capaSelect reads CAPAs of the organisation $1 with their names (looked up in $1, see
// pageFirst) and the counts of their open and overdue actions as of $2 (today), both from one
// read of the CAPA's open actions.
const capaSelect = `
	SELECT c.id, c.reference, c.title, c.problem_statement, c.containment, c.root_cause,
	       coalesce(c.root_cause_category, '') AS root_cause_category, c.process_id, p.name AS process_name,
	       c.site_id, coalesce(s.name, '') AS site_name, c.owner_id, ou.name AS owner_name,
	       c.verifier_id, vu.name AS verifier_name, c.status, c.round, c.opened_at, c.closed_at,
	       coalesce(cu.name, '') AS closed_by_name, c.version,
	       x.open_actions, x.overdue_actions,
	       (coalesce(c.closed_at::date, $2::date) - c.opened_at::date) AS days_open
	  FROM capas c
	  CROSS JOIN LATERAL (SELECT count(*)::int AS open_actions, count(*) FILTER (WHERE x.due_date < $2::date)::int AS overdue_actions
	                        FROM capa_actions x WHERE x.tenant_id = $1 AND x.capa_id = c.id AND x.status = 'open') x
	  JOIN processes p ON p.tenant_id = $1 AND p.id = c.process_id
	  JOIN users ou ON ou.id = c.owner_id
	  JOIN users vu ON vu.id = c.verifier_id
	  LEFT JOIN users cu ON cu.id = c.closed_by
	  LEFT JOIN sites s ON s.tenant_id = $1 AND s.id = c.site_id`

func getCAPA(ctx context.Context, tx pgx.Tx, org uuid.UUID, today time.Time, id uuid.UUID, lock bool) (CAPA, error) {
	q := capaSelect + ` WHERE c.tenant_id = $1 AND c.id = $3`
	if lock {
		q += ` FOR UPDATE OF c`
	}
	rows, err := tx.Query(ctx, q, org, today, id)
	if err != nil {
		return CAPA{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CAPA])
	return c, noRows(err, "CAPA")
}

// ManagedBy reports whether a may edit the CAPA: quality managers and admins manage every
// CAPA, its owner their own.
func (c CAPA) ManagedBy(a Actor) bool {
	return a.Can(auth.PermCloseFindings) || a.UserID == c.OwnerID
}

// CAPAInput is what a person enters to raise a CAPA. FindingIDs are the findings it answers
// (none: a CAPA raised directly); the process and site default to the first finding's.
type CAPAInput struct {
	Title            string
	ProblemStatement string
	Containment      string
	ProcessID        uuid.UUID
	SiteID           uuid.UUID
	OwnerID          uuid.UUID
	VerifierID       uuid.UUID
	FindingIDs       []uuid.UUID
}

func (in *CAPAInput) validate() error {
	in.Title, in.ProblemStatement, in.Containment = clean(in.Title), clean(in.ProblemStatement), clean(in.Containment)
	c := checks{}
	c.require("title", in.Title, "Give the CAPA a short title.")
	c.maxLen("title", in.Title, 200)
	c.require("problem_statement", in.ProblemStatement, "State the problem: what happened, where, and how it was found.")
	c.maxLen("problem_statement", in.ProblemStatement, 8000)
	c.maxLen("containment", in.Containment, 8000)
	if in.ProcessID == uuid.Nil {
		c.add("process_id", "Choose the process concerned.")
	}
	if in.OwnerID == uuid.Nil {
		c.add("owner_id", "Choose who owns this CAPA.")
	}
	if in.VerifierID == uuid.Nil {
		c.add("verifier_id", "Choose who verifies effectiveness.")
	} else if in.VerifierID == in.OwnerID {
		c.add("verifier_id", "The verifier checks the owner's work: choose someone other than the CAPA owner.")
	}
	return c.err()
}

// capaWriteError turns a constraint violation into a message next to the field concerned.
func capaWriteError(err error) error {
	switch database.ErrorCode(err) {
	case database.CodeForeignKeyViolation:
		name := database.ConstraintName(err)
		switch {
		case strings.Contains(name, "process"):
			return invalidField("process_id", "Choose a process of this organisation.")
		case strings.Contains(name, "site"):
			return invalidField("site_id", "Choose a site of this organisation.")
		case strings.Contains(name, "verifier"):
			return invalidField("verifier_id", "The verifier must be a member of this organisation.")
		case strings.Contains(name, "owner"):
			return invalidField("owner_id", "The owner must be a member of this organisation.")
		}
	case database.CodeUniqueViolation:
		return invalidField("finding_ids", "One of these findings already has a CAPA.")
	}
	return err
}

// RaiseCAPA opens a CAPA with the next CA number of the year, linked to the findings it
// answers. Raising it from a finding records that finding's decision: CAPA required.
func (s *Service) RaiseCAPA(ctx context.Context, a Actor, in CAPAInput) (CAPA, error) {
	if err := a.Require(auth.PermCloseFindings); err != nil {
		return CAPA{}, err
	}
	in.FindingIDs = uniqueIDs(in.FindingIDs, uuid.Nil)
	var c CAPA
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		var findings []Finding
		for _, id := range in.FindingIDs {
			f, err := getFinding(ctx, tx, a.OrgID, id, true)
			if err != nil {
				return err
			}
			if f.Status == FindingClosed {
				return invalidField("finding_ids", "Finding "+f.Reference+" is closed: a CAPA answers open findings.")
			}
			findings = append(findings, f)
		}
		if len(findings) > 0 {
			if in.ProcessID == uuid.Nil {
				in.ProcessID = findings[0].ProcessID
			}
			if in.SiteID == uuid.Nil && findings[0].SiteID != nil {
				in.SiteID = *findings[0].SiteID
			}
		}
		if err := in.validate(); err != nil {
			return err
		}
		year := s.now().Year()
		ref, seq, err := nextReference(ctx, tx, a.OrgID, "CA", year)
		if err != nil {
			return err
		}
		var id uuid.UUID
		err = tx.QueryRow(ctx, `
			INSERT INTO capas (tenant_id, reference, year, seq, title, problem_statement, containment, process_id, site_id,
			                   owner_id, verifier_id, opened_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			a.OrgID, ref, year, seq, in.Title, in.ProblemStatement, in.Containment, in.ProcessID, nilIfZero(in.SiteID),
			in.OwnerID, in.VerifierID, s.now(), a.UserID).Scan(&id)
		if err != nil {
			return capaWriteError(err)
		}
		for _, f := range findings {
			if _, err := tx.Exec(ctx, `INSERT INTO capa_findings (tenant_id, capa_id, finding_id) VALUES ($1, $2, $3)`,
				a.OrgID, id, f.ID); err != nil {
				return capaWriteError(err)
			}
			if _, err := tx.Exec(ctx, `UPDATE findings SET capa_decision = 'required', capa_decision_reason = $3,
				capa_decided_by = $4, capa_decided_at = $5, version = version + 1, updated_at = now()
				WHERE tenant_id = $1 AND id = $2`, a.OrgID, f.ID, "Answered by "+ref+".", a.UserID, s.now()); err != nil {
				return err
			}
		}
		if c, err = getCAPA(ctx, tx, a.OrgID, s.today(), id, false); err != nil {
			return err
		}
		summary := "Raised " + ref + " " + c.Title
		if len(findings) > 0 {
			var refs []string
			for _, f := range findings {
				refs = append(refs, f.Reference)
			}
			summary += " for " + strings.Join(refs, ", ")
		}
		return record(ctx, tx, a, change{Action: "capa.raise", EntityType: "capa", EntityID: id.String(), Summary: summary, After: c})
	})
	return c, err
}

// CAPAEdit is what may change on a CAPA that is not closed.
type CAPAEdit struct {
	Title            string
	ProblemStatement string
	Containment      string
	ProcessID        uuid.UUID
	SiteID           uuid.UUID
	OwnerID          uuid.UUID
	VerifierID       uuid.UUID
}

// UpdateCAPA corrects a CAPA's problem, containment, process, owner or verifier. version is
// the one loaded. A pending effectiveness check follows a change of verifier.
func (s *Service) UpdateCAPA(ctx context.Context, a Actor, id uuid.UUID, version int, e CAPAEdit) (CAPA, error) {
	var after CAPA
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := s.lockCAPAForEdit(ctx, tx, a, id, version)
		if err != nil {
			return err
		}
		in := CAPAInput{Title: e.Title, ProblemStatement: e.ProblemStatement, Containment: e.Containment,
			ProcessID: e.ProcessID, SiteID: e.SiteID, OwnerID: e.OwnerID, VerifierID: e.VerifierID}
		if err := in.validate(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE capas SET title = $3, problem_statement = $4, containment = $5, process_id = $6,
			site_id = $7, owner_id = $8, verifier_id = $9, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, in.Title, in.ProblemStatement, in.Containment, in.ProcessID,
			nilIfZero(in.SiteID), in.OwnerID, in.VerifierID); err != nil {
			return capaWriteError(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE capa_effectiveness_checks SET verifier_id = $3, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND capa_id = $2 AND result IS NULL`, a.OrgID, id, in.VerifierID); err != nil {
			return capaWriteError(err)
		}
		if after, err = getCAPA(ctx, tx, a.OrgID, s.today(), id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "capa.update", EntityType: "capa", EntityID: id.String(),
			Summary: "Updated " + after.Reference, Before: before, After: after})
	})
	return after, err
}

// lockCAPAForEdit loads a CAPA for a change by its owner or a quality manager: it must be the
// version loaded and not closed.
func (s *Service) lockCAPAForEdit(ctx context.Context, tx pgx.Tx, a Actor, id uuid.UUID, version int) (CAPA, error) {
	c, err := getCAPA(ctx, tx, a.OrgID, s.today(), id, true)
	if err != nil {
		return CAPA{}, err
	}
	if !c.ManagedBy(a) {
		return CAPA{}, forbidden()
	}
	if c.Version != version {
		return CAPA{}, staleEdit("CAPA")
	}
	if c.Status == CAPAClosed {
		return CAPA{}, conflict(c.Reference + " is closed and can no longer change.")
	}
	return c, nil
}

// FishboneCause is one cause on the fishbone diagram.
type FishboneCause struct {
	Category RootCauseCategory `db:"category" json:"category"`
	Cause    string            `db:"cause" json:"cause"`
}

// RootCauseInput is the root cause analysis: the whys in order, each the cause of the one
// before, optional fishbone causes, the root cause in a sentence and its category.
type RootCauseInput struct {
	Whys      []string
	Fishbone  []FishboneCause
	RootCause string
	Category  RootCauseCategory
}

func (in *RootCauseInput) validate() error {
	c := checks{}
	var whys []string
	for _, w := range in.Whys {
		if w = clean(w); w != "" {
			whys = append(whys, w)
		}
	}
	in.Whys = whys
	if len(in.Whys) > 10 {
		c.add("whys", "Ten whys at most: the root cause is usually found by the fifth.")
	}
	for _, w := range in.Whys {
		c.maxLen("whys", w, 1000)
	}
	var bones []FishboneCause
	for _, b := range in.Fishbone {
		b.Cause = clean(b.Cause)
		if b.Cause == "" {
			continue
		}
		if !slices.Contains(FishboneCategories, b.Category) {
			c.add("fishbone", "Choose a fishbone category for each cause.")
		}
		c.maxLen("fishbone", b.Cause, 500)
		bones = append(bones, b)
	}
	in.Fishbone = bones
	in.RootCause = clean(in.RootCause)
	c.maxLen("root_cause", in.RootCause, 4000)
	if in.Category != "" && !in.Category.Valid() {
		c.add("root_cause_category", "Choose one of the root-cause categories.")
	}
	if in.RootCause != "" && in.Category == "" {
		c.add("root_cause_category", "File the root cause under a category, so that trends show.")
	}
	return c.err()
}

// SetRootCause replaces a CAPA's root cause analysis.
func (s *Service) SetRootCause(ctx context.Context, a Actor, id uuid.UUID, version int, in RootCauseInput) (CAPA, error) {
	if err := in.validate(); err != nil {
		return CAPA{}, err
	}
	var after CAPA
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := s.lockCAPAForEdit(ctx, tx, a, id, version)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM capa_whys WHERE tenant_id = $1 AND capa_id = $2`, a.OrgID, id); err != nil {
			return err
		}
		for i, w := range in.Whys {
			if _, err := tx.Exec(ctx, `INSERT INTO capa_whys (tenant_id, capa_id, position, why) VALUES ($1, $2, $3, $4)`,
				a.OrgID, id, i+1, w); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM capa_fishbone_causes WHERE tenant_id = $1 AND capa_id = $2`, a.OrgID, id); err != nil {
			return err
		}
		for _, b := range in.Fishbone {
			if _, err := tx.Exec(ctx, `INSERT INTO capa_fishbone_causes (tenant_id, capa_id, category, cause) VALUES ($1, $2, $3, $4)`,
				a.OrgID, id, b.Category, b.Cause); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE capas SET root_cause = $3, root_cause_category = NULLIF($4, ''),
			version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, in.RootCause, string(in.Category)); err != nil {
			return err
		}
		if after, err = getCAPA(ctx, tx, a.OrgID, s.today(), id, false); err != nil {
			return err
		}
		if in.Category != "" {
			if err := s.rootCauseCategorised(ctx, tx, a.OrgID, after); err != nil {
				return err
			}
		}
		return record(ctx, tx, a, change{Action: "capa.root_cause", EntityType: "capa", EntityID: id.String(),
			Summary: "Recorded the root cause of " + after.Reference + " (" + Plural(len(in.Whys), "why", "whys") + ")",
			Before:  before, After: after})
	})
	return after, err
}

// CAPAFilter narrows the CAPA list. Age (a key of CAPAAgeBuckets), Overdue, ActionOwnerID
// keep CAPAs that are not closed, as the dashboard counts them.
type CAPAFilter struct {
	Status        CAPAStatus
	ProcessID     uuid.UUID
	SiteID        uuid.UUID
	OwnerID       uuid.UUID
	Category      RootCauseCategory
	Age           string
	Overdue       bool
	ActionOwnerID uuid.UUID
	VerifierID    uuid.UUID
	// After is the cursor of the page before (CAPACursor of its last row); Limit the page
	// size (50 when unset, at most 200).
	After string
	Limit int
}

// CAPACursor is where the list continues after c, in its order: open CAPAs oldest first,
// then closed ones newest first, then by reference.
func CAPACursor(c CAPA) string {
	closed, key := "0", c.OpenedAt.UnixMicro()
	if c.Status == CAPAClosed && c.ClosedAt != nil {
		closed, key = "1", -c.ClosedAt.UnixMicro()
	}
	return closed + "." + strconv.FormatInt(key, 10) + "." + c.Reference
}

func parseCAPACursor(s string) (closed bool, key int64, ref string, ok bool) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) != 3 || (parts[0] != "0" && parts[0] != "1") || parts[2] == "" {
		return false, 0, "", false
	}
	key, err := strconv.ParseInt(parts[1], 10, 64)
	return parts[0] == "1", key, parts[2], err == nil
}

// capaOrderKeySQL orders open CAPAs oldest first and closed ones newest first, in
// microseconds so that CAPACursor can say exactly where a page ended. It is written as
// capas_list_idx indexes it (migration 00062), so the list walks that index.
const capaOrderKeySQL = `CASE WHEN c.status = 'closed'
	THEN -(extract(epoch FROM c.closed_at - timestamptz '1970-01-01 00:00:00+00') * 1000000)::bigint
	ELSE (extract(epoch FROM c.opened_at - timestamptz '1970-01-01 00:00:00+00') * 1000000)::bigint END`

// CAPAs lists CAPAs, oldest open first then the closed, newest first. Every member may read
// them.
func (s *Service) CAPAs(ctx context.Context, a Actor, f CAPAFilter) ([]CAPA, error) {
	var out []CAPA
	b := &pgx.Batch{}
	if err := queueCAPAs(b, a.OrgID, s.today(), f, &out); err != nil {
		return nil, err
	}
	err := s.readBatch(ctx, a, b)
	return out, err
}

// CAPAList is the CAPA list's page: one page of CAPAs, the actions of the person it is
// filtered to (if any), and the choices of its filter.
type CAPAList struct {
	CAPAs        []CAPA
	OwnerActions []CAPAWorkItem
	Processes    []Process
	Sites        []Site
	Members      []Member
}

// CAPAList reads the CAPA list's page in one round trip.
func (s *Service) CAPAList(ctx context.Context, a Actor, f CAPAFilter) (CAPAList, error) {
	var l CAPAList
	today := s.today()
	b := &pgx.Batch{}
	if err := queueCAPAs(b, a.OrgID, today, f, &l.CAPAs); err != nil {
		return CAPAList{}, err
	}
	if f.ActionOwnerID != uuid.Nil {
		queueCAPAWork(b, a.OrgID, f.ActionOwnerID, today, f.Overdue, &l.OwnerActions)
	}
	keep := s.queueChoices(b, a.OrgID, &l.Processes, &l.Sites, &l.Members)
	if err := s.readBatch(ctx, a, b); err != nil {
		return CAPAList{}, err
	}
	keep()
	return l, nil
}

// queueCAPAs checks f and queues the page of CAPAs it selects into out.
func queueCAPAs(b *pgx.Batch, org uuid.UUID, today time.Time, f CAPAFilter, out *[]CAPA) error {
	var age CAPAAge
	if f.Age != "" {
		var ok bool
		if age, ok = CAPAAgeBucket(f.Age); !ok {
			return invalidField("age", "Choose one of the age brackets.")
		}
	}
	if f.Status != "" && !f.Status.Valid() {
		return invalidField("status", "Choose a status.")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	afterClosed, afterKey, afterRef, hasAfter := parseCAPACursor(f.After)
	if f.After != "" && !hasAfter {
		return invalidField("after", "That page of the list does not exist.")
	}
	// Only the filters that are set are in the WHERE clause, and the page is chosen from the
	// CAPAs alone along capas_list_idx before the names and action counts are joined, so a
	// plan kept for the query's shape suits any organisation.
	var w sqlWhere
	w.add("c.tenant_id = $%d", org)
	w.args = append(w.args, today) // $2, today, as capaSelect reads it
	if f.Status != "" {
		w.add("c.status = $%d", string(f.Status))
	}
	if f.ProcessID != uuid.Nil {
		w.add("c.process_id = $%d", f.ProcessID)
	}
	if f.SiteID != uuid.Nil {
		w.add("c.site_id = $%d", f.SiteID)
	}
	if f.OwnerID != uuid.Nil {
		w.add("c.owner_id = $%d", f.OwnerID)
	}
	if f.Category != "" {
		w.add("c.root_cause_category = $%d", string(f.Category))
	}
	if f.Age != "" {
		w.plain("c.status <> 'closed' AND " + capaAgeCond("c.opened_at", "$2", age))
	}
	switch {
	case f.ActionOwnerID != uuid.Nil && f.Overdue:
		w.add(`c.status <> 'closed' AND EXISTS (SELECT 1 FROM capa_actions x WHERE x.tenant_id = c.tenant_id
		        AND x.capa_id = c.id AND x.status = 'open' AND x.owner_id = $%d AND x.due_date < $2::date)`, f.ActionOwnerID)
	case f.ActionOwnerID != uuid.Nil:
		w.add(`c.status <> 'closed' AND EXISTS (SELECT 1 FROM capa_actions x WHERE x.tenant_id = c.tenant_id
		        AND x.capa_id = c.id AND x.status = 'open' AND x.owner_id = $%d)`, f.ActionOwnerID)
	case f.Overdue:
		w.plain(`c.status <> 'closed' AND EXISTS (SELECT 1 FROM capa_actions x WHERE x.tenant_id = c.tenant_id
		        AND x.capa_id = c.id AND x.status = 'open' AND x.due_date < $2::date)`)
	}
	if f.VerifierID != uuid.Nil {
		w.add("c.verifier_id = $%d", f.VerifierID)
	}
	if hasAfter {
		w.addN("(c.status = 'closed', "+capaOrderKeySQL+", c.reference) > ($%d::boolean, $%d::bigint, $%d::text)",
			afterClosed, afterKey, afterRef)
	}
	order := " ORDER BY c.status = 'closed', " + capaOrderKeySQL + ", c.reference"
	page := "SELECT c.* FROM capas c" + w.where() + order + " LIMIT " + strconv.Itoa(f.Limit)
	q := pageFirst(capaSelect, "capas c", page, order)
	b.Queue(q, w.args...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = database.CollectRows[CAPA](rows)
		return err
	})
	return nil
}
