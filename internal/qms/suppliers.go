package qms

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// SupplierStatus is whether the organisation buys from a supplier (ISO 9001 8.4.1).
type SupplierStatus string

const (
	SupplierPending     SupplierStatus = "pending"
	SupplierApproved    SupplierStatus = "approved"
	SupplierConditional SupplierStatus = "conditional"
	SupplierNotApproved SupplierStatus = "not_approved"
)

// SupplierStatuses lists every approval status, for pickers and validation.
var SupplierStatuses = []SupplierStatus{SupplierApproved, SupplierConditional, SupplierNotApproved, SupplierPending}

// Valid reports whether st is one of SupplierStatuses.
func (st SupplierStatus) Valid() bool {
	for _, x := range SupplierStatuses {
		if st == x {
			return true
		}
	}
	return false
}

// Label is the status as people say it.
func (st SupplierStatus) Label() string {
	switch st {
	case SupplierPending:
		return "Not yet evaluated"
	case SupplierApproved:
		return "Approved"
	case SupplierConditional:
		return "Conditionally approved"
	case SupplierNotApproved:
		return "Not approved"
	}
	return string(st)
}

// Tone is the badge colour of the status.
func (st SupplierStatus) Tone() string {
	switch st {
	case SupplierApproved:
		return "ok"
	case SupplierConditional:
		return "warn"
	case SupplierNotApproved:
		return "bad"
	}
	return "muted"
}

// Supplier is an external provider in the register, with what its evaluations say.
type Supplier struct {
	ID             uuid.UUID      `db:"id" json:"id"`
	Name           string         `db:"name" json:"name"`
	Supplies       string         `db:"supplies" json:"supplies"`
	ApprovalStatus SupplierStatus `db:"approval_status" json:"approval_status"`
	ProcessID      *uuid.UUID     `db:"process_id" json:"process_id"`
	ProcessName    string         `db:"process_name" json:"process_name"`
	ContactName    string         `db:"contact_name" json:"contact_name"`
	ContactEmail   string         `db:"contact_email" json:"contact_email"`
	ContactPhone   string         `db:"contact_phone" json:"contact_phone"`
	Notes          string         `db:"notes" json:"notes"`
	ArchivedAt     *time.Time     `db:"archived_at" json:"archived_at"`
	Version        int            `db:"version" json:"version"`
	UpdatedAt      time.Time      `db:"updated_at" json:"-"`
	// From the supplier's finalised evaluations.
	Evaluations   int        `db:"evaluations" json:"-"`
	LatestScore   *int       `db:"latest_score" json:"-"`
	LastEvaluated *time.Time `db:"last_evaluated" json:"-"`
}

// Archived reports whether the organisation no longer deals with the supplier.
func (s Supplier) Archived() bool { return s.ArchivedAt != nil }

// SupplierInput is what a person enters for a supplier.
type SupplierInput struct {
	Name           string
	Supplies       string
	ApprovalStatus SupplierStatus
	ProcessID      uuid.UUID // uuid.Nil: none
	ContactName    string
	ContactEmail   string
	ContactPhone   string
	Notes          string
}

func (in *SupplierInput) validate() error {
	in.Name, in.Supplies, in.Notes = clean(in.Name), clean(in.Supplies), clean(in.Notes)
	in.ContactName, in.ContactEmail, in.ContactPhone = clean(in.ContactName), normaliseEmail(in.ContactEmail), clean(in.ContactPhone)
	c := checks{}
	c.require("name", in.Name, "Enter the supplier's name.")
	c.maxLen("name", in.Name, 160)
	c.maxLen("supplies", in.Supplies, 500)
	if !in.ApprovalStatus.Valid() {
		c.add("approval_status", "Choose whether the supplier is approved.")
	}
	c.maxLen("contact_name", in.ContactName, 120)
	if in.ContactEmail != "" {
		c.email("contact_email", in.ContactEmail)
		c.maxLen("contact_email", in.ContactEmail, 254)
	}
	c.maxLen("contact_phone", in.ContactPhone, 40)
	c.maxLen("notes", in.Notes, 4000)
	return c.err()
}

// supplierSelect reads suppliers with their latest finalised evaluation. The lateral join
// runs per supplier on the supplier index of revisions.
const supplierSelect = `
	SELECT s.id, s.name, s.supplies, s.approval_status, s.process_id, coalesce(p.name, '') AS process_name,
	       s.contact_name, s.contact_email, s.contact_phone, s.notes, s.archived_at, s.version, s.updated_at,
	       coalesce(e.n, 0) AS evaluations, e.latest_score, e.last_evaluated
	  FROM suppliers s
	  LEFT JOIN processes p ON p.tenant_id = s.tenant_id AND p.id = s.process_id
	  LEFT JOIN LATERAL (
	        SELECT count(*)::int AS n,
	               (array_agg(v.score ORDER BY v.event_date DESC, r.ref DESC))[1] AS latest_score,
	               max(v.event_date) AS last_evaluated
	          FROM record_revisions v
	          JOIN records r ON r.tenant_id = v.tenant_id AND r.current_revision_id = v.id
	         WHERE v.tenant_id = s.tenant_id AND v.supplier_id = s.id AND r.state = 'final') e ON true`

// SupplierFilter narrows the register.
type SupplierFilter struct {
	Status SupplierStatus // "" for all
}

// Suppliers lists the register by name, archived suppliers last. Every member may read it.
//
// Each supplier's evaluations are counted over every one of them, so the register is kept
// for each filter until the organisation changes, like the lists pages offer as choices.
func (s *Service) Suppliers(ctx context.Context, a Actor, f SupplierFilter) ([]Supplier, error) {
	var out []Supplier
	b := &pgx.Batch{}
	keep := queueKept(s.cache, b, a.OrgID, "suppliers/"+string(f.Status), &out, func(b *pgx.Batch, org uuid.UUID, out *[]Supplier) {
		b.Queue(supplierSelect+` WHERE s.tenant_id = $1 AND ($2 = '' OR s.approval_status = $2)
			ORDER BY s.archived_at IS NOT NULL, lower(s.name)`, org, string(f.Status)).
			Query(func(rows pgx.Rows) error {
				var err error
				*out, err = database.CollectRows[Supplier](rows)
				return err
			})
	})
	if err := s.readBatch(ctx, a, b); err != nil {
		return nil, err
	}
	keep()
	return out, nil
}

// SupplierDetail is a supplier with the history of its evaluations, newest first.
type SupplierDetail struct {
	Supplier
	History []RecordRow
}

// Supplier loads one supplier and its evaluations (drafts included, marked as such).
func (s *Service) Supplier(ctx context.Context, a Actor, id uuid.UUID) (SupplierDetail, error) {
	var out SupplierDetail
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		if out.Supplier, err = getSupplier(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		page, err := listRecords(ctx, tx, a.OrgID, RecordFilter{SupplierID: &id, Limit: maxPageSize})
		out.History = page.Rows
		return err
	})
	return out, err
}

func getSupplier(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, lock bool) (Supplier, error) {
	q := supplierSelect + ` WHERE s.tenant_id = $1 AND s.id = $2`
	if lock {
		q += ` FOR UPDATE OF s`
	}
	rows, err := tx.Query(ctx, q, org, id)
	if err != nil {
		return Supplier{}, err
	}
	sup, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Supplier])
	return sup, noRows(err, "Supplier")
}

func supplierWriteError(err error) error {
	switch database.ErrorCode(err) {
	case database.CodeUniqueViolation:
		return invalidField("name", "Another supplier already has this name.")
	case database.CodeForeignKeyViolation:
		return invalidField("process_id", "Choose one of this organisation's processes.")
	}
	return err
}

// CreateSupplier adds a supplier to the register.
func (s *Service) CreateSupplier(ctx context.Context, a Actor, in SupplierInput) (Supplier, error) {
	if err := a.Require(auth.PermManageSuppliers); err != nil {
		return Supplier{}, err
	}
	if err := in.validate(); err != nil {
		return Supplier{}, err
	}
	var sup Supplier
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		var id uuid.UUID
		err := tx.QueryRow(ctx, `INSERT INTO suppliers (tenant_id, name, supplies, approval_status, process_id,
				contact_name, contact_email, contact_phone, notes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			a.OrgID, in.Name, in.Supplies, in.ApprovalStatus, nilIfZero(in.ProcessID),
			in.ContactName, in.ContactEmail, in.ContactPhone, in.Notes).Scan(&id)
		if err != nil {
			return supplierWriteError(err)
		}
		if sup, err = getSupplier(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "supplier.create", EntityType: "supplier", EntityID: id.String(),
			Summary: "Added supplier " + sup.Name + " (" + sup.ApprovalStatus.Label() + ")", After: sup,
		})
	})
	return sup, err
}

// UpdateSupplier changes a supplier's details or approval status. version is the one the
// editor loaded.
func (s *Service) UpdateSupplier(ctx context.Context, a Actor, id uuid.UUID, version int, in SupplierInput) (Supplier, error) {
	if err := a.Require(auth.PermManageSuppliers); err != nil {
		return Supplier{}, err
	}
	if err := in.validate(); err != nil {
		return Supplier{}, err
	}
	return s.changeSupplier(ctx, a, id, version, "supplier.update",
		`name = $3, supplies = $4, approval_status = $5, process_id = $6, contact_name = $7,
		 contact_email = $8, contact_phone = $9, notes = $10`,
		in.Name, in.Supplies, in.ApprovalStatus, nilIfZero(in.ProcessID), in.ContactName, in.ContactEmail, in.ContactPhone, in.Notes)
}

// SetSupplierArchived takes a supplier the organisation no longer deals with off the active
// register, or brings it back. Its evaluations stay.
func (s *Service) SetSupplierArchived(ctx context.Context, a Actor, id uuid.UUID, version int, archived bool) (Supplier, error) {
	if err := a.Require(auth.PermManageSuppliers); err != nil {
		return Supplier{}, err
	}
	action := "supplier.restore"
	if archived {
		action = "supplier.archive"
	}
	return s.changeSupplier(ctx, a, id, version, action,
		`archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END`, archived)
}

func (s *Service) changeSupplier(ctx context.Context, a Actor, id uuid.UUID, version int, action string,
	assign string, args ...any) (Supplier, error) {
	var after Supplier
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getSupplier(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("supplier")
		}
		if _, err := tx.Exec(ctx, `UPDATE suppliers SET `+assign+`, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, append([]any{a.OrgID, id}, args...)...); err != nil {
			return supplierWriteError(err)
		}
		if after, err = getSupplier(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		summary := "Updated supplier " + after.Name
		switch {
		case action == "supplier.archive":
			summary = "Archived supplier " + after.Name
		case action == "supplier.restore":
			summary = "Restored supplier " + after.Name
		case before.ApprovalStatus != after.ApprovalStatus:
			summary = "Changed " + after.Name + " from " + before.ApprovalStatus.Label() + " to " + after.ApprovalStatus.Label()
		case before.Name != after.Name:
			summary = "Renamed supplier " + before.Name + " to " + after.Name
		}
		return record(ctx, tx, a, change{
			Action: action, EntityType: "supplier", EntityID: id.String(),
			Summary: summary, Before: before, After: after,
		})
	})
	return after, err
}
