package qms

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// Process is one of the organisation's processes (ISO 9001 4.4), with the member who owns it.
// Documents, records, audits, findings and risks all hang off processes.
type Process struct {
	ID          uuid.UUID `db:"id" json:"id"`
	Name        string    `db:"name" json:"name"`
	Description string    `db:"description" json:"description"`
	OwnerID     uuid.UUID `db:"owner_user_id" json:"owner_user_id"`
	OwnerName   string    `db:"owner_name" json:"owner_name"`
	// AuditFrequencyMonths is how often the audit programme plans an internal audit of it.
	AuditFrequencyMonths int        `db:"audit_frequency_months" json:"audit_frequency_months"`
	ArchivedAt           *time.Time `db:"archived_at" json:"archived_at"`
	Version              int        `db:"version" json:"version"`
	UpdatedAt            time.Time  `db:"updated_at" json:"-"`
}

// Archived reports whether the process is no longer run.
func (p Process) Archived() bool { return p.ArchivedAt != nil }

// ProcessInput is what a person enters for a process.
type ProcessInput struct {
	Name        string
	Description string
	OwnerID     uuid.UUID
	// AuditFrequencyMonths is 1 to 60; 0 means the default of DefaultAuditFrequencyMonths.
	AuditFrequencyMonths int
}

// DefaultAuditFrequencyMonths is how often a process is audited unless set otherwise: once a
// year, the usual rhythm of an internal audit programme.
const DefaultAuditFrequencyMonths = 12

func (in *ProcessInput) validate() error {
	in.Name, in.Description = clean(in.Name), clean(in.Description)
	c := checks{}
	c.require("name", in.Name, "Enter the process's name.")
	c.maxLen("name", in.Name, 120)
	c.maxLen("description", in.Description, 4000)
	if in.OwnerID == uuid.Nil {
		c.add("owner_user_id", "Choose who owns this process.")
	}
	if in.AuditFrequencyMonths == 0 {
		in.AuditFrequencyMonths = DefaultAuditFrequencyMonths
	}
	if in.AuditFrequencyMonths < 1 || in.AuditFrequencyMonths > 60 {
		c.add("audit_frequency_months", "Enter a whole number of months from 1 to 60.")
	}
	return c.err()
}

const processSelect = `
	SELECT p.id, p.name, p.description, p.owner_user_id, u.name AS owner_name,
	       p.audit_frequency_months, p.archived_at, p.version, p.updated_at
	  FROM processes p JOIN users u ON u.id = p.owner_user_id`

// Processes lists the organisation's processes by name, archived ones last.
func (s *Service) Processes(ctx context.Context, a Actor) ([]Process, error) {
	var out []Process
	b := &pgx.Batch{}
	keep := s.queueChoices(b, a.OrgID, &out, nil, nil)
	if err := s.readBatch(ctx, a, b); err != nil {
		return nil, err
	}
	keep()
	return out, nil
}

// queueProcesses queues the organisation's processes by name, archived ones last, into out:
// the choice list of the pages that filter or file by process.
func queueProcesses(b *pgx.Batch, org uuid.UUID, out *[]Process) {
	b.Queue(processSelect+` WHERE p.tenant_id = $1
		ORDER BY p.archived_at IS NOT NULL, lower(p.name)`, org).
		Query(func(rows pgx.Rows) error {
			var err error
			*out, err = database.CollectRows[Process](rows)
			return err
		})
}

// Process loads one process.
func (s *Service) Process(ctx context.Context, a Actor, id uuid.UUID) (Process, error) {
	var out Process
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		out, err = getProcess(ctx, tx, a.OrgID, id, false)
		return err
	})
	return out, err
}

func getProcess(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, lock bool) (Process, error) {
	q := processSelect + ` WHERE p.tenant_id = $1 AND p.id = $2`
	if lock {
		q += ` FOR UPDATE OF p`
	}
	rows, err := tx.Query(ctx, q, org, id)
	if err != nil {
		return Process{}, err
	}
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Process])
	return p, noRows(err, "Process")
}

// processWriteError turns constraint violations into messages next to the field concerned.
func processWriteError(err error) error {
	switch database.ErrorCode(err) {
	case database.CodeUniqueViolation:
		return invalidField("name", "Another process already has this name.")
	case database.CodeForeignKeyViolation:
		return invalidField("owner_user_id", "The owner must be a member of this organisation.")
	}
	return err
}

// CreateProcess adds a process.
func (s *Service) CreateProcess(ctx context.Context, a Actor, in ProcessInput) (Process, error) {
	if err := a.Require(auth.PermManageStructure); err != nil {
		return Process{}, err
	}
	if err := in.validate(); err != nil {
		return Process{}, err
	}
	var p Process
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		var id uuid.UUID
		err := tx.QueryRow(ctx, `INSERT INTO processes (tenant_id, name, description, owner_user_id, audit_frequency_months)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, a.OrgID, in.Name, in.Description, in.OwnerID, in.AuditFrequencyMonths).Scan(&id)
		if err != nil {
			return processWriteError(err)
		}
		if p, err = getProcess(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "process.create", EntityType: "process", EntityID: id.String(),
			Summary: "Created process " + p.Name + ", owned by " + p.OwnerName, After: p,
		})
	})
	return p, err
}

// UpdateProcess changes a process's name, description or owner. version is the one the
// editor loaded.
func (s *Service) UpdateProcess(ctx context.Context, a Actor, id uuid.UUID, version int, in ProcessInput) (Process, error) {
	if err := a.Require(auth.PermManageStructure); err != nil {
		return Process{}, err
	}
	if err := in.validate(); err != nil {
		return Process{}, err
	}
	return s.changeProcess(ctx, a, id, version, "process.update",
		`name = $3, description = $4, owner_user_id = $5, audit_frequency_months = $6`,
		in.Name, in.Description, in.OwnerID, in.AuditFrequencyMonths)
}

// SetProcessArchived archives a process no longer run, or brings it back.
func (s *Service) SetProcessArchived(ctx context.Context, a Actor, id uuid.UUID, version int, archived bool) (Process, error) {
	if err := a.Require(auth.PermManageStructure); err != nil {
		return Process{}, err
	}
	action := "process.restore"
	if archived {
		action = "process.archive"
	}
	return s.changeProcess(ctx, a, id, version, action,
		`archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END`, archived)
}

// changeProcess is the shared shape of every process edit: lock, check the version, apply
// assign (whose parameters start at $3), record.
func (s *Service) changeProcess(ctx context.Context, a Actor, id uuid.UUID, version int, action string,
	assign string, args ...any) (Process, error) {
	var after Process
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getProcess(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("process")
		}
		if _, err := tx.Exec(ctx, `UPDATE processes SET `+assign+`, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, append([]any{a.OrgID, id}, args...)...); err != nil {
			return processWriteError(err)
		}
		if after, err = getProcess(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: action, EntityType: "process", EntityID: id.String(),
			Summary: processSummary(action, before, after), Before: before, After: after,
		})
	})
	return after, err
}

func processSummary(action string, before, after Process) string {
	switch action {
	case "process.archive":
		return "Archived process " + after.Name
	case "process.restore":
		return "Restored process " + after.Name
	}
	switch {
	case before.OwnerID != after.OwnerID:
		return "Handed process " + after.Name + " from " + before.OwnerName + " to " + after.OwnerName
	case before.Name != after.Name:
		return "Renamed process " + before.Name + " to " + after.Name
	case before.AuditFrequencyMonths != after.AuditFrequencyMonths:
		return "Set the audit frequency of " + after.Name + " to every " + strconv.Itoa(after.AuditFrequencyMonths) + " months"
	}
	return "Updated process " + after.Name
}

// ownedProcessNames lists the processes a member owns, which must be handed over before the
// member can leave.
func ownedProcessNames(ctx context.Context, tx pgx.Tx, org, userID uuid.UUID) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT name FROM processes WHERE tenant_id = $1 AND owner_user_id = $2 ORDER BY name`, org, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
