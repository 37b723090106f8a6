package qms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// AuditType is the kind of audit. Internal audits are the organisation's own (ISO 9001 9.2);
// external ones are the certification body's; supplier audits are the organisation's audits
// of its external providers (8.4.2).
type AuditType string

const (
	AuditInternal        AuditType = "internal"
	AuditSupplier        AuditType = "supplier"
	AuditStage1          AuditType = "external_stage1"
	AuditStage2          AuditType = "external_stage2"
	AuditSurveillance    AuditType = "surveillance"
	AuditRecertification AuditType = "recertification"
)

// AuditTypes lists every type in the order a planner meets them.
var AuditTypes = []AuditType{AuditInternal, AuditSupplier, AuditStage1, AuditStage2, AuditSurveillance, AuditRecertification}

// Valid reports whether t is one of AuditTypes.
func (t AuditType) Valid() bool { return slices.Contains(AuditTypes, t) }

// Label is the type as people say it.
func (t AuditType) Label() string {
	switch t {
	case AuditInternal:
		return "Internal audit"
	case AuditSupplier:
		return "Supplier audit"
	case AuditStage1:
		return "Certification audit, stage 1"
	case AuditStage2:
		return "Certification audit, stage 2"
	case AuditSurveillance:
		return "Surveillance audit"
	case AuditRecertification:
		return "Recertification audit"
	}
	return string(t)
}

// External reports whether the certification body performs the audit.
func (t AuditType) External() bool {
	return t == AuditStage1 || t == AuditStage2 || t == AuditSurveillance || t == AuditRecertification
}

// series is the prefix of the audit's reference number.
func (t AuditType) series() string {
	switch {
	case t == AuditInternal:
		return "IA"
	case t == AuditSupplier:
		return "SA"
	}
	return "EA"
}

// AuditStatus is where an audit is: planned → in progress → reported → closed.
type AuditStatus string

const (
	AuditPlanned    AuditStatus = "planned"
	AuditInProgress AuditStatus = "in_progress"
	AuditReported   AuditStatus = "reported"
	AuditClosed     AuditStatus = "closed"
)

// AuditStatuses lists the statuses in order.
var AuditStatuses = []AuditStatus{AuditPlanned, AuditInProgress, AuditReported, AuditClosed}

// Label is the status as people say it.
func (s AuditStatus) Label() string {
	switch s {
	case AuditPlanned:
		return "Planned"
	case AuditInProgress:
		return "In progress"
	case AuditReported:
		return "Reported"
	case AuditClosed:
		return "Closed"
	}
	return string(s)
}

// Done reports whether the audit has been reported (and perhaps closed): its results stand.
func (s AuditStatus) Done() bool { return s == AuditReported || s == AuditClosed }

// NamedRef is something an audit refers to, with the name shown for it.
type NamedRef struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

// AuditProcess is a process in an audit's scope, with its owner, whom the audit team should
// not include.
type AuditProcess struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	OwnerID   uuid.UUID `json:"owner_user_id"`
	OwnerName string    `json:"owner_name"`
}

// Audit is one audit: what it covers, against which criteria, by whom and when.
type Audit struct {
	ID                uuid.UUID   `db:"id" json:"id"`
	Reference         string      `db:"reference" json:"reference"`
	Type              AuditType   `db:"type" json:"type"`
	Title             string      `db:"title" json:"title"`
	Scope             string      `db:"scope" json:"scope"`
	AuditeeContacts   string      `db:"auditee_contacts" json:"auditee_contacts"`
	CertificationBody string      `db:"certification_body" json:"certification_body"`
	ExternalAuditor   string      `db:"external_auditor" json:"external_auditor"`
	LeadAuditorID     uuid.UUID   `db:"lead_auditor_id" json:"lead_auditor_id"`
	LeadAuditorName   string      `db:"lead_auditor_name" json:"lead_auditor"`
	PlannedStart      time.Time   `db:"planned_start" json:"planned_start"`
	PlannedEnd        time.Time   `db:"planned_end" json:"planned_end"`
	ActualStart       *time.Time  `db:"actual_start" json:"actual_start"`
	ActualEnd         *time.Time  `db:"actual_end" json:"actual_end"`
	Status            AuditStatus `db:"status" json:"status"`
	Summary           string      `db:"summary" json:"summary"`
	Conclusion        string      `db:"conclusion" json:"conclusion"`
	ReportedAt        *time.Time  `db:"reported_at" json:"reported_at"`
	ClosedAt          *time.Time  `db:"closed_at" json:"closed_at"`
	ClosedByName      string      `db:"closed_by_name" json:"closed_by,omitempty"`
	Version           int         `db:"version" json:"version"`
	UpdatedAt         time.Time   `db:"updated_at" json:"-"`

	Processes []AuditProcess  `db:"-" json:"processes"`
	Sites     []NamedRef      `db:"-" json:"sites"`
	Clauses   []ISOClause     `db:"-" json:"clauses"`
	Documents []AuditDocument `db:"-" json:"documents"`
	Team      []NamedRef      `db:"-" json:"team"` // besides the lead auditor
}

// Start is when the audit took place, or is planned to.
func (au Audit) Start() time.Time {
	if au.ActualStart != nil {
		return *au.ActualStart
	}
	return au.PlannedStart
}

// End is when the audit ended, or is planned to.
func (au Audit) End() time.Time {
	if au.ActualEnd != nil {
		return *au.ActualEnd
	}
	return au.PlannedEnd
}

// Auditors are the lead auditor and the team, lead first.
func (au Audit) Auditors() []NamedRef {
	return append([]NamedRef{{ID: au.LeadAuditorID, Name: au.LeadAuditorName}}, au.Team...)
}

// OnTeam reports whether the user is the lead auditor or in the team.
func (au Audit) OnTeam(userID uuid.UUID) bool {
	return slices.ContainsFunc(au.Auditors(), func(r NamedRef) bool { return r.ID == userID })
}

// HasProcess reports whether the process is in the audit's scope.
func (au Audit) HasProcess(id uuid.UUID) bool {
	return slices.ContainsFunc(au.Processes, func(p AuditProcess) bool { return p.ID == id })
}

// IndependenceWarnings names the auditors who own a process in the audit's scope. An
// external audit has none: the certification body audits, the team only hosts it.
func (au Audit) IndependenceWarnings() []IndependenceWarning {
	if au.Type.External() {
		return nil
	}
	return CheckIndependence(au.Auditors(), au.Processes)
}

// IndependenceWarning is an auditor who would audit a process they own. ISO 9001 9.2.2 c asks
// for objective and impartial auditors, so Plumbline warns; it does not forbid, since a small
// organisation sometimes has no one else.
type IndependenceWarning struct {
	Auditor string
	Process string
}

func (w IndependenceWarning) String() string {
	return w.Auditor + " owns " + w.Process + ", which is in the scope of this audit: auditors should not audit their own work (ISO 9001 9.2.2 c)."
}

// CheckIndependence lists each auditor who owns one of the processes, for the audit page and
// for a planning form before it is saved.
func CheckIndependence(auditors []NamedRef, processes []AuditProcess) []IndependenceWarning {
	var out []IndependenceWarning
	seen := map[uuid.UUID]bool{}
	for _, au := range auditors {
		if seen[au.ID] {
			continue
		}
		seen[au.ID] = true
		for _, p := range processes {
			if p.OwnerID == au.ID {
				out = append(out, IndependenceWarning{Auditor: au.Name, Process: p.Name})
			}
		}
	}
	return out
}

// AuditInput is what a planner enters for an audit.
type AuditInput struct {
	Type              AuditType
	Title             string
	Scope             string
	AuditeeContacts   string
	CertificationBody string
	ExternalAuditor   string
	LeadAuditorID     uuid.UUID
	TeamIDs           []uuid.UUID
	ProcessIDs        []uuid.UUID
	SiteIDs           []uuid.UUID
	Clauses           []string
	DocumentIDs       []uuid.UUID
	PlannedStart      time.Time
	PlannedEnd        time.Time // zero: a one-day audit
}

func (in *AuditInput) validate() error {
	in.Title, in.Scope, in.AuditeeContacts = clean(in.Title), clean(in.Scope), clean(in.AuditeeContacts)
	in.CertificationBody, in.ExternalAuditor = clean(in.CertificationBody), clean(in.ExternalAuditor)
	in.TeamIDs = uniqueIDs(in.TeamIDs, in.LeadAuditorID)
	in.ProcessIDs, in.SiteIDs = uniqueIDs(in.ProcessIDs, uuid.Nil), uniqueIDs(in.SiteIDs, uuid.Nil)
	in.Clauses = uniqueClauses(in.Clauses)
	in.DocumentIDs = uniqueIDs(in.DocumentIDs, uuid.Nil)
	c := checks{}
	if !in.Type.Valid() {
		c.add("type", "Choose the type of audit.")
	}
	c.require("title", in.Title, "Enter a title, such as “Production and release of product”.")
	c.maxLen("title", in.Title, 200)
	c.maxLen("scope", in.Scope, 4000)
	c.maxLen("auditee_contacts", in.AuditeeContacts, 1000)
	c.maxLen("certification_body", in.CertificationBody, 200)
	c.maxLen("external_auditor", in.ExternalAuditor, 200)
	if in.Type.External() {
		c.require("certification_body", in.CertificationBody, "Name the certification body.")
		c.require("external_auditor", in.ExternalAuditor, "Name the certification body's auditor.")
	}
	if in.LeadAuditorID == uuid.Nil {
		c.add("lead_auditor_id", "Choose the lead auditor.")
	}
	if in.PlannedStart.IsZero() {
		c.add("planned_start", "Enter the date the audit is planned to start.")
	}
	if in.PlannedEnd.IsZero() {
		in.PlannedEnd = in.PlannedStart
	}
	if !in.PlannedStart.IsZero() && in.PlannedEnd.Before(in.PlannedStart) {
		c.add("planned_end", "The audit cannot end before it starts.")
	}
	if len(in.Clauses) == 0 {
		c.add("clauses", "Choose at least one clause: the checklist is built from the audit criteria.")
	}
	if in.Type == AuditInternal && len(in.ProcessIDs) == 0 {
		c.add("processes", "Choose the processes this audit covers.")
	}
	return c.err()
}

// uniqueIDs drops duplicates, the zero id and except.
func uniqueIDs(ids []uuid.UUID, except uuid.UUID) []uuid.UUID {
	out := []uuid.UUID{}
	for _, id := range ids {
		if id != uuid.Nil && id != except && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func uniqueClauses(in []string) []string {
	out := []string{}
	for _, c := range in {
		if c = clean(c); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// auditWriteError turns a constraint violation on an audit's scope into a message next to
// the field concerned: someone chose an id that is not (or no longer) the organisation's.
func auditWriteError(err error) error {
	if database.ErrorCode(err) != database.CodeForeignKeyViolation {
		return err
	}
	name := database.ConstraintName(err)
	switch {
	case strings.Contains(name, "lead_auditor"):
		return invalidField("lead_auditor_id", "The lead auditor must be a member of this organisation.")
	case strings.HasPrefix(name, "audit_team"):
		return invalidField("team", "Everyone in the team must be a member of this organisation.")
	case strings.HasPrefix(name, "audit_processes"):
		return invalidField("processes", "Choose processes of this organisation.")
	case strings.HasPrefix(name, "audit_sites"):
		return invalidField("sites", "Choose sites of this organisation.")
	case strings.HasPrefix(name, "audit_documents"):
		return invalidField("documents", "Choose documents of this organisation.")
	case strings.HasPrefix(name, "audit_clauses"):
		return invalidField("clauses", "Choose clauses of ISO 9001.")
	}
	return err
}

const auditSelect = `
	SELECT au.id, au.reference, au.type, au.title, au.scope, au.auditee_contacts, au.certification_body,
	       au.external_auditor, au.lead_auditor_id, lu.name AS lead_auditor_name, au.planned_start,
	       au.planned_end, au.actual_start, au.actual_end, au.status, au.summary, au.conclusion,
	       au.reported_at, au.closed_at, coalesce(cu.name, '') AS closed_by_name, au.version, au.updated_at
	  FROM audits au
	  JOIN users lu ON lu.id = au.lead_auditor_id
	  LEFT JOIN users cu ON cu.id = au.closed_by`

func getAudit(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, lock bool) (Audit, error) {
	q := auditSelect + ` WHERE au.tenant_id = $1 AND au.id = $2`
	if lock {
		q += ` FOR UPDATE OF au`
	}
	rows, err := tx.Query(ctx, q, org, id)
	if err != nil {
		return Audit{}, err
	}
	au, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Audit])
	if err != nil {
		return Audit{}, noRows(err, "Audit")
	}
	list := []Audit{au}
	if err := fillAuditScope(ctx, tx, org, list); err != nil {
		return Audit{}, err
	}
	return list[0], nil
}

// eachAudit is a FROM item of the rows of table (keyed by tenant_id, audit_id) that belong to
// the audits $2 of the organisation $1, read by key one audit after another. Written as
// audit_id = ANY($2), or joined to the list of audits, a plan kept for the query expected an
// organisation of average size and read the rows of every audit of the organisation, 2,000
// audits' for a large one, to keep those of the one audit on the page. Queries that use it
// run a kept plan (database.QueueKeptPlan): left to choose, PostgreSQL planned them for each
// list of audits, which cost ten times more than running them.
func eachAudit(table string) string {
	return `unnest($2::uuid[]) a(id) CROSS JOIN LATERAL (SELECT * FROM ` + table +
		` x WHERE x.tenant_id = $1 AND x.audit_id = a.id OFFSET 0)`
}

// fillAuditScope loads the processes, sites, clauses, documents and team of audits, five
// queries for any number of audits.
func fillAuditScope(ctx context.Context, tx pgx.Tx, org uuid.UUID, audits []Audit) error {
	if len(audits) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	queueAuditScope(b, org, audits)
	return tx.SendBatch(ctx, b).Close()
}

// queueAuditScope queues the reads of fillAuditScope into b, for the audits (their IDs set)
// whose scope is filled as the results arrive.
func queueAuditScope(b *pgx.Batch, org uuid.UUID, audits []Audit) {
	ids := make([]uuid.UUID, len(audits))
	index := map[uuid.UUID]int{}
	for i, au := range audits {
		ids[i], index[au.ID] = au.ID, i
	}
	database.QueueKeptPlan(b, `SELECT ap.audit_id, p.id, p.name, p.owner_user_id, u.name
		  FROM `+eachAudit("audit_processes")+` ap
		  JOIN processes p ON p.tenant_id = $1 AND p.id = ap.process_id
		  JOIN users u ON u.id = p.owner_user_id
		 ORDER BY lower(p.name)`, org, ids).
		Query(func(rows pgx.Rows) error {
			var auditID uuid.UUID
			var p AuditProcess
			_, err := pgx.ForEachRow(rows, []any{&auditID, &p.ID, &p.Name, &p.OwnerID, &p.OwnerName}, func() error {
				audits[index[auditID]].Processes = append(audits[index[auditID]].Processes, p)
				return nil
			})
			return err
		})
	database.QueueKeptPlan(b, `SELECT s.audit_id, x.id, x.name
		  FROM `+eachAudit("audit_sites")+` s
		  JOIN sites x ON x.tenant_id = $1 AND x.id = s.site_id
		 ORDER BY lower(x.name)`, org, ids).
		Query(func(rows pgx.Rows) error {
			var auditID uuid.UUID
			var r NamedRef
			_, err := pgx.ForEachRow(rows, []any{&auditID, &r.ID, &r.Name}, func() error {
				audits[index[auditID]].Sites = append(audits[index[auditID]].Sites, r)
				return nil
			})
			return err
		})
	database.QueueKeptPlan(b, `SELECT c.audit_id, k.number, k.title
		  FROM `+eachAudit("audit_clauses")+` c
		  JOIN iso_clauses k ON k.number = c.clause_number
		 ORDER BY k.sort_key`, org, ids).
		Query(func(rows pgx.Rows) error {
			var auditID uuid.UUID
			var k ISOClause
			_, err := pgx.ForEachRow(rows, []any{&auditID, &k.Number, &k.Title}, func() error {
				audits[index[auditID]].Clauses = append(audits[index[auditID]].Clauses, k)
				return nil
			})
			return err
		})
	database.QueueKeptPlan(b, `SELECT t.audit_id, u.id, u.name
		  FROM `+eachAudit("audit_team")+` t
		  JOIN users u ON u.id = t.user_id
		 ORDER BY u.name`, org, ids).
		Query(func(rows pgx.Rows) error {
			var auditID uuid.UUID
			var r NamedRef
			_, err := pgx.ForEachRow(rows, []any{&auditID, &r.ID, &r.Name}, func() error {
				audits[index[auditID]].Team = append(audits[index[auditID]].Team, r)
				return nil
			})
			return err
		})
	queueAuditDocuments(b, org, ids, func(auditID uuid.UUID, d AuditDocument) {
		audits[index[auditID]].Documents = append(audits[index[auditID]].Documents, d)
	})
}

// nextReference hands out the next number of a series in a year: IA-2026-003, F-2026-014.
func nextReference(ctx context.Context, tx pgx.Tx, org uuid.UUID, series string, year int) (string, int, error) {
	var seq int
	err := tx.QueryRow(ctx, `
		INSERT INTO audit_numbering (tenant_id, series, year, last_seq) VALUES ($1, $2, $3, 1)
		ON CONFLICT (tenant_id, series, year) DO UPDATE SET last_seq = audit_numbering.last_seq + 1
		RETURNING last_seq`, org, series, year).Scan(&seq)
	if err != nil {
		return "", 0, err
	}
	return fmt.Sprintf("%s-%d-%03d", series, year, seq), seq, nil
}

// requireAuditorRole checks that the lead auditor's role lets them perform audits: otherwise
// nobody could record the audit's results or sign its report.
func requireAuditorRole(ctx context.Context, tx pgx.Tx, org, userID uuid.UUID) error {
	var role auth.Role
	err := tx.QueryRow(ctx, `SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2`, org, userID).Scan(&role)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return invalidField("lead_auditor_id", "The lead auditor must be a member of this organisation.")
		}
		return err
	}
	if !role.Can(auth.PermPerformAudits) {
		return invalidField("lead_auditor_id", "A "+strings.ToLower(role.Label())+" cannot perform audits: choose an auditor, a quality manager or an admin.")
	}
	return nil
}

// writeAuditScope replaces an audit's processes, sites, clauses and team.
func writeAuditScope(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, in AuditInput) error {
	for _, table := range []string{"audit_processes", "audit_sites", "audit_clauses", "audit_documents", "audit_team"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE tenant_id = $1 AND audit_id = $2`, org, id); err != nil {
			return err
		}
	}
	for _, ins := range []struct {
		sql string
		arg any
	}{
		{`INSERT INTO audit_processes (tenant_id, audit_id, process_id) SELECT $1, $2, unnest($3::uuid[])`, in.ProcessIDs},
		{`INSERT INTO audit_sites (tenant_id, audit_id, site_id) SELECT $1, $2, unnest($3::uuid[])`, in.SiteIDs},
		{`INSERT INTO audit_clauses (tenant_id, audit_id, clause_number) SELECT $1, $2, unnest($3::text[])`, in.Clauses},
		{`INSERT INTO audit_documents (tenant_id, audit_id, document_id) SELECT $1, $2, unnest($3::uuid[])`, in.DocumentIDs},
		{`INSERT INTO audit_team (tenant_id, audit_id, user_id) SELECT $1, $2, unnest($3::uuid[])`, in.TeamIDs},
	} {
		if _, err := tx.Exec(ctx, ins.sql, org, id, ins.arg); err != nil {
			return auditWriteError(err)
		}
	}
	return syncChecklist(ctx, tx, org, id)
}

// CreateAudit plans an audit and builds its checklist from the organisation's questions for
// its criteria.
func (s *Service) CreateAudit(ctx context.Context, a Actor, in AuditInput) (Audit, error) {
	if err := a.Require(auth.PermPlanAudits); err != nil {
		return Audit{}, err
	}
	if err := in.validate(); err != nil {
		return Audit{}, err
	}
	var au Audit
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		if err := requireAuditorRole(ctx, tx, a.OrgID, in.LeadAuditorID); err != nil {
			return err
		}
		ref, _, err := nextReference(ctx, tx, a.OrgID, in.Type.series(), in.PlannedStart.Year())
		if err != nil {
			return err
		}
		var id uuid.UUID
		err = tx.QueryRow(ctx, `
			INSERT INTO audits (tenant_id, reference, type, title, scope, auditee_contacts, certification_body,
			                    external_auditor, lead_auditor_id, planned_start, planned_end, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			a.OrgID, ref, in.Type, in.Title, in.Scope, in.AuditeeContacts, in.CertificationBody,
			in.ExternalAuditor, in.LeadAuditorID, in.PlannedStart, in.PlannedEnd, actorID(a)).Scan(&id)
		if err != nil {
			return auditWriteError(err)
		}
		if err := writeAuditScope(ctx, tx, a.OrgID, id, in); err != nil {
			return err
		}
		if au, err = getAudit(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "audit.plan", EntityType: "audit", EntityID: id.String(),
			Summary: "Planned " + au.Type.Label() + " " + au.Reference + " " + au.Title + " for " + au.PlannedStart.Format("2 Jan 2006") + ", led by " + au.LeadAuditorName,
			After:   au,
		})
	})
	return au, err
}

// UpdateAudit changes an audit's plan: type, scope, criteria, team and dates. Questions of
// criteria no longer chosen go unless someone has worked on them; questions of new criteria
// are added. version is the one the planner loaded.
func (s *Service) UpdateAudit(ctx context.Context, a Actor, id uuid.UUID, version int, in AuditInput) (Audit, error) {
	if err := a.Require(auth.PermPlanAudits); err != nil {
		return Audit{}, err
	}
	if err := in.validate(); err != nil {
		return Audit{}, err
	}
	var after Audit
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getAudit(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("audit")
		}
		if before.Status.Done() {
			return conflict("Audit " + before.Reference + " has been reported; its plan can no longer change.")
		}
		if err := requireAuditorRole(ctx, tx, a.OrgID, in.LeadAuditorID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE audits SET type = $3, title = $4, scope = $5, auditee_contacts = $6, certification_body = $7,
			       external_auditor = $8, lead_auditor_id = $9, planned_start = $10, planned_end = $11,
			       version = version + 1, updated_at = now()
			 WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, in.Type, in.Title, in.Scope, in.AuditeeContacts, in.CertificationBody,
			in.ExternalAuditor, in.LeadAuditorID, in.PlannedStart, in.PlannedEnd)
		if err != nil {
			return auditWriteError(err)
		}
		if err := writeAuditScope(ctx, tx, a.OrgID, id, in); err != nil {
			return err
		}
		if after, err = getAudit(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "audit.update", EntityType: "audit", EntityID: id.String(),
			Summary: "Updated the plan of audit " + after.Reference + " " + after.Title, Before: before, After: after,
		})
	})
	return after, err
}

// StartAudit marks a planned audit as in progress, which opens its checklist for results. A
// member of its team starts it.
func (s *Service) StartAudit(ctx context.Context, a Actor, id uuid.UUID, version int) (Audit, error) {
	if err := a.Require(auth.PermPerformAudits); err != nil {
		return Audit{}, err
	}
	var after Audit
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getAudit(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("audit")
		}
		if !before.OnTeam(a.UserID) {
			return conflict("Only the audit team of " + before.Reference + " can start it.")
		}
		if before.Status != AuditPlanned {
			return conflict("Audit " + before.Reference + " is " + strings.ToLower(before.Status.Label()) + ", not planned.")
		}
		var questions int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_checklist_items WHERE tenant_id = $1 AND audit_id = $2`,
			a.OrgID, id).Scan(&questions); err != nil {
			return err
		}
		if questions == 0 {
			return conflict("The checklist of " + before.Reference + " has no questions yet: add questions before starting the audit.")
		}
		if _, err := tx.Exec(ctx, `UPDATE audits SET status = 'in_progress', actual_start = coalesce(actual_start, $3),
			version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, s.today()); err != nil {
			return err
		}
		if after, err = getAudit(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "audit.start", EntityType: "audit", EntityID: id.String(),
			Summary: "Started audit " + after.Reference + " " + after.Title, Before: before, After: after,
		})
	})
	return after, err
}

// CloseAudit closes a reported audit. It stays open while any nonconformity it found is
// open: closing the audit says its findings have been dealt with.
func (s *Service) CloseAudit(ctx context.Context, a Actor, id uuid.UUID, version int) (Audit, error) {
	if err := a.Require(auth.PermCloseFindings); err != nil {
		return Audit{}, err
	}
	var after Audit
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getAudit(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("audit")
		}
		if before.Status != AuditReported {
			return conflict("Only a reported audit can be closed; " + before.Reference + " is " + strings.ToLower(before.Status.Label()) + ".")
		}
		rows, err := tx.Query(ctx, `SELECT reference FROM findings
			WHERE tenant_id = $1 AND audit_id = $2 AND status = 'open' AND classification IN ('major_nc', 'minor_nc')
			ORDER BY year, seq`, a.OrgID, id)
		if err != nil {
			return err
		}
		open, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(open) > 0 {
			return conflict("Audit " + before.Reference + " cannot be closed while its nonconformities are open: " +
				strings.Join(open, ", ") + ". Close them first.")
		}
		if _, err := tx.Exec(ctx, `UPDATE audits SET status = 'closed', closed_at = $4, closed_by = $3,
			version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, a.UserID, s.now()); err != nil {
			return err
		}
		if after, err = getAudit(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "audit.close", EntityType: "audit", EntityID: id.String(),
			Summary: "Closed audit " + after.Reference + " " + after.Title, Before: before, After: after,
		})
	})
	return after, err
}

// AuditListFilter narrows the list of audits (AuditFilter narrows the audit trail).
type AuditListFilter struct {
	Year      int // 0: every year
	Status    AuditStatus
	Type      AuditType
	ProcessID uuid.UUID // audits with the process in scope
	// Clause keeps audits whose criteria cover the clause: the clause itself, a clause it is
	// part of (8.5 covers 8.5.1), or one of its sub-clauses.
	Clause string
	// Latest keeps only the last so many audits by start (0: every audit), for a page that
	// shows the latest of a process's or clause's audits.
	Latest int
}

// AuditSummary is an audit in a list: its plan, how far its checklist is, what it found.
type AuditSummary struct {
	Audit
	Tally    Tally
	Findings FindingCounts
}

// FindingCounts counts findings by classification, and the open nonconformities.
type FindingCounts struct {
	MajorNC, MinorNC, Observation, OFI int
	OpenNC                             int
}

// Total is the number of findings.
func (c FindingCounts) Total() int { return c.MajorNC + c.MinorNC + c.Observation + c.OFI }

// Audits lists audits by planned start. Every member may read the audit programme.
func (s *Service) Audits(ctx context.Context, a Actor, f AuditListFilter) ([]AuditSummary, error) {
	var out []AuditSummary
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		out, err = listAudits(ctx, tx, a.OrgID, f)
		return err
	})
	return out, err
}

func listAudits(ctx context.Context, tx pgx.Tx, org uuid.UUID, f AuditListFilter) ([]AuditSummary, error) {
	rows, err := tx.Query(ctx, auditSelect+`
		 WHERE au.tenant_id = $1
		   AND ($2 = 0 OR extract(year FROM au.starts_on) = $2)
		   AND ($3 = '' OR au.status = $3)
		   AND ($4 = '' OR au.type = $4)
		   AND ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM audit_processes ap
		          WHERE ap.tenant_id = au.tenant_id AND ap.audit_id = au.id AND ap.process_id = $5))
		   AND ($6 = '' OR EXISTS (SELECT 1 FROM audit_clauses c WHERE c.tenant_id = au.tenant_id AND c.audit_id = au.id
		          AND (c.clause_number = $6 OR c.clause_number LIKE $6 || '.%' OR $6 LIKE c.clause_number || '.%')))
		 ORDER BY au.starts_on DESC, au.reference DESC LIMIT nullif($7::int, 0)`,
		org, f.Year, f.Status, f.Type, nilIfZero(f.ProcessID), f.Clause, f.Latest)
	if err != nil {
		return nil, err
	}
	audits, err := database.CollectRows[Audit](rows)
	if err != nil {
		return nil, err
	}
	slices.Reverse(audits) // read latest first to keep the latest; listed in order of start
	if err := fillAuditScope(ctx, tx, org, audits); err != nil {
		return nil, err
	}
	out := make([]AuditSummary, len(audits))
	ids := make([]uuid.UUID, len(audits))
	index := map[uuid.UUID]int{}
	for i, au := range audits {
		out[i].Audit, ids[i], index[au.ID] = au, au.ID, i
	}
	b := &pgx.Batch{}
	database.QueueKeptPlan(b, `SELECT x.audit_id, count(*),
		       count(*) FILTER (WHERE x.result = 'conforming'), count(*) FILTER (WHERE x.result = 'minor_nc'),
		       count(*) FILTER (WHERE x.result = 'major_nc'), count(*) FILTER (WHERE x.result = 'observation'),
		       count(*) FILTER (WHERE x.result = 'ofi'), count(*) FILTER (WHERE x.result = 'not_audited')
		  FROM `+eachAudit("audit_checklist_items")+` x GROUP BY x.audit_id`, org, ids).
		Query(func(rows pgx.Rows) error {
			var id uuid.UUID
			var t Tally
			_, err := pgx.ForEachRow(rows, []any{&id, &t.Total, &t.Conforming, &t.MinorNC, &t.MajorNC, &t.Observation, &t.OFI, &t.NotAudited}, func() error {
				out[index[id]].Tally = t
				return nil
			})
			return err
		})
	database.QueueKeptPlan(b, `SELECT x.audit_id,
		       count(*) FILTER (WHERE x.classification = 'major_nc'), count(*) FILTER (WHERE x.classification = 'minor_nc'),
		       count(*) FILTER (WHERE x.classification = 'observation'), count(*) FILTER (WHERE x.classification = 'ofi'),
		       count(*) FILTER (WHERE x.classification IN ('major_nc', 'minor_nc') AND x.status = 'open')
		  FROM `+eachAudit("findings")+` x GROUP BY x.audit_id`, org, ids).
		Query(func(rows pgx.Rows) error {
			var id uuid.UUID
			var c FindingCounts
			_, err := pgx.ForEachRow(rows, []any{&id, &c.MajorNC, &c.MinorNC, &c.Observation, &c.OFI, &c.OpenNC}, func() error {
				out[index[id]].Findings = c
				return nil
			})
			return err
		})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	return out, nil
}

// AuditDetail is everything the audit page shows.
type AuditDetail struct {
	Audit      Audit
	Checklist  []ChecklistItem
	Tally      Tally
	Findings   []Finding
	Signatures []Signature
}

// ChecklistByClause groups the checklist by clause, in clause order; questions without a
// clause come last.
func (d AuditDetail) ChecklistByClause() []ClauseGroup { return groupByClause(d.Checklist) }

// OpenNCs lists the audit's open nonconformities.
func (d AuditDetail) OpenNCs() []Finding {
	var out []Finding
	for _, f := range d.Findings {
		if f.Classification.Nonconformity() && f.Status == FindingOpen {
			out = append(out, f)
		}
	}
	return out
}

// AuditDetails loads an audit with its checklist, evidence, findings and signatures, in one
// round trip.
func (s *Service) AuditDetails(ctx context.Context, a Actor, id uuid.UUID) (AuditDetail, error) {
	var d AuditDetail
	b := &pgx.Batch{}
	finish := queueAuditDetails(b, a.OrgID, id, &d)
	if err := s.readBatch(ctx, a, b); err != nil {
		return AuditDetail{}, err
	}
	return d, finish()
}

// auditDetails is AuditDetails in the transaction tx.
func auditDetails(ctx context.Context, tx pgx.Tx, org, id uuid.UUID) (AuditDetail, error) {
	var d AuditDetail
	b := &pgx.Batch{}
	finish := queueAuditDetails(b, org, id, &d)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return AuditDetail{}, err
	}
	return d, finish()
}

// queueAuditDetails queues every read of an audit's details into b. Each reads by the audit's
// id (the evidence and findings of its checklist too), so none waits for another's answer;
// finish, called once b was read, puts the pieces together, or says there is no such audit.
func queueAuditDetails(b *pgx.Batch, org, id uuid.UUID, d *AuditDetail) (finish func() error) {
	audit, found := []Audit{{ID: id}}, false
	b.Queue(auditSelect+` WHERE au.tenant_id = $1 AND au.id = $2`, org, id).Query(func(rows pgx.Rows) error {
		read, err := database.CollectRows[Audit](rows)
		if len(read) == 1 {
			audit[0], found = read[0], true
		}
		return err
	})
	queueAuditScope(b, org, audit)
	b.Queue(checklistSelect+` WHERE i.tenant_id = $1 AND i.audit_id = $2`+checklistOrder, org, id).
		Query(func(rows pgx.Rows) error {
			var err error
			d.Checklist, err = database.CollectRows[ChecklistItem](rows)
			return err
		})
	itemEvidence, itemFindings := map[uuid.UUID][]EvidenceLink{}, map[uuid.UUID][]FindingRef{}
	queueEvidence(b, "checklist_item_id",
		`SELECT i.id FROM audit_checklist_items i WHERE i.tenant_id = $1 AND i.audit_id = $2`, itemEvidence, org, id)
	queueChecklistFindings(b, org, id, nil, itemFindings)
	queueFindingsWhere(b, &d.Findings, org, `f.audit_id = $2`, id)
	findingEvidence := map[uuid.UUID][]EvidenceLink{}
	queueEvidence(b, "finding_id",
		`SELECT f.id FROM findings f WHERE f.tenant_id = $1 AND f.audit_id = $2`, findingEvidence, org, id)
	queueSignatures(b, org, "audit", id, &d.Signatures)
	return func() error {
		if !found {
			return notFound("Audit")
		}
		d.Audit = audit[0]
		for i, it := range d.Checklist {
			d.Checklist[i].Evidence, d.Checklist[i].Findings = itemEvidence[it.ID], itemFindings[it.ID]
		}
		for i, f := range d.Findings {
			d.Findings[i].Evidence = findingEvidence[f.ID]
		}
		d.Tally = TallyOf(d.Checklist)
		return nil
	}
}

// actorID is the actor's user id for "who did it" columns, or NULL for the system.
func actorID(a Actor) *uuid.UUID {
	if a.UserID == uuid.Nil {
		return nil
	}
	return &a.UserID
}
