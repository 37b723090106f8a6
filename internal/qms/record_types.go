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

// RecordKind decides which type-specific fields a record has. Types are the organisation's
// own (and renamable); kinds are fixed, so other areas can count by them, such as complaints
// and incidents per process.
type RecordKind string

const (
	KindGeneral            RecordKind = "general"
	KindTraining           RecordKind = "training"
	KindComplaint          RecordKind = "complaint"
	KindFeedback           RecordKind = "feedback"
	KindSupplierEvaluation RecordKind = "supplier_evaluation"
	KindIncident           RecordKind = "incident"
)

// RecordKinds lists every kind, for pickers and validation.
var RecordKinds = []RecordKind{KindGeneral, KindTraining, KindComplaint, KindFeedback, KindSupplierEvaluation, KindIncident}

// Valid reports whether k is one of RecordKinds.
func (k RecordKind) Valid() bool {
	for _, x := range RecordKinds {
		if k == x {
			return true
		}
	}
	return false
}

// Label says what a record of the kind carries beyond the common fields.
func (k RecordKind) Label() string {
	switch k {
	case KindGeneral:
		return "General (no extra fields)"
	case KindTraining:
		return "Training (topic, attendees)"
	case KindComplaint:
		return "Complaint (customer, product or service, severity, status)"
	case KindFeedback:
		return "Customer feedback (customer, product or service)"
	case KindSupplierEvaluation:
		return "Supplier evaluation (supplier, score)"
	case KindIncident:
		return "Incident (severity)"
	}
	return string(k)
}

// HasCustomer, HasSeverity and the like say which type-specific fields the kind has.
func (k RecordKind) HasCustomer() bool { return k == KindComplaint || k == KindFeedback }
func (k RecordKind) HasSeverity() bool { return k == KindComplaint || k == KindIncident }
func (k RecordKind) HasSupplier() bool { return k == KindSupplierEvaluation }
func (k RecordKind) HasTraining() bool { return k == KindTraining }

// NeedsProcess: complaints and incidents always name the process they concern, because they
// count against it (risk exposure).
func (k RecordKind) NeedsProcess() bool { return k == KindComplaint || k == KindIncident }

// RecordType is one of the organisation's kinds of record, with its retention period.
type RecordType struct {
	ID              uuid.UUID  `db:"id" json:"id"`
	Name            string     `db:"name" json:"name"`
	Kind            RecordKind `db:"kind" json:"kind"`
	RetentionMonths int        `db:"retention_months" json:"retention_months"`
	Description     string     `db:"description" json:"description"`
	ArchivedAt      *time.Time `db:"archived_at" json:"archived_at"`
	Version         int        `db:"version" json:"version"`
	UpdatedAt       time.Time  `db:"updated_at" json:"-"`
}

// Archived reports whether the type is no longer offered for new records.
func (t RecordType) Archived() bool { return t.ArchivedAt != nil }

// RetentionLabel is the period as people say it: "6 years", "18 months".
func (t RecordType) RetentionLabel() string { return RetentionLabel(t.RetentionMonths) }

// RetentionLabel writes a number of months as people say it.
func RetentionLabel(months int) string {
	switch {
	case months == 12:
		return "1 year"
	case months%12 == 0:
		return strconv.Itoa(months/12) + " years"
	case months == 1:
		return "1 month"
	}
	return strconv.Itoa(months) + " months"
}

// RecordTypeInput is what an admin enters for a type. Kind is read only when the type is
// created; it never changes afterwards.
type RecordTypeInput struct {
	Name            string
	Kind            RecordKind
	RetentionMonths string
	Description     string
}

func (in *RecordTypeInput) validate(creating bool) (months int, err error) {
	in.Name, in.Description = clean(in.Name), clean(in.Description)
	c := checks{}
	c.require("name", in.Name, "Enter the type's name.")
	c.maxLen("name", in.Name, 80)
	c.maxLen("description", in.Description, 1000)
	if creating && !in.Kind.Valid() {
		c.add("kind", "Choose which fields records of this type have.")
	}
	months = c.months("retention_months", in.RetentionMonths)
	return months, c.err()
}

// months reads a retention period in whole months, 1 to 1,200 (a hundred years).
func (c checks) months(field, value string) int {
	n, err := strconv.Atoi(clean(value))
	switch {
	case clean(value) == "":
		c.add(field, "Enter how many months records of this type are kept.")
	case err != nil:
		c.add(field, "Enter a whole number of months, like 72 for six years.")
	case n < 1 || n > 1200:
		c.add(field, "Enter between 1 and 1,200 months.")
	}
	return n
}

const recordTypeColumns = `id, name, kind, retention_months, description, archived_at, version, updated_at`

// RecordTypes lists the organisation's record types by name, archived ones last. Every member
// may read them: they label every record.
func (s *Service) RecordTypes(ctx context.Context, a Actor) ([]RecordType, error) {
	var out []RecordType
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		out, err = listRecordTypes(ctx, tx, a.OrgID)
		return err
	})
	return out, err
}

// recordTypesSQL lists an organisation's record types, those in use first, by name.
const recordTypesSQL = `SELECT ` + recordTypeColumns + ` FROM record_types WHERE tenant_id = $1
	ORDER BY archived_at IS NOT NULL, lower(name)`

func listRecordTypes(ctx context.Context, tx pgx.Tx, org uuid.UUID) ([]RecordType, error) {
	rows, err := tx.Query(ctx, recordTypesSQL, org)
	if err != nil {
		return nil, err
	}
	return database.CollectRows[RecordType](rows)
}

// queueRecordTypes queues the organisation's record types for the records pages' choices.
func queueRecordTypes(b *pgx.Batch, org uuid.UUID, out *[]RecordType) {
	b.Queue(recordTypesSQL, org).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = database.CollectRows[RecordType](rows)
		return err
	})
}

// RecordType loads one record type.
func (s *Service) RecordType(ctx context.Context, a Actor, id uuid.UUID) (RecordType, error) {
	var out RecordType
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		out, err = getRecordType(ctx, tx, a.OrgID, id, false)
		return err
	})
	return out, err
}

func getRecordType(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, lock bool) (RecordType, error) {
	q := `SELECT ` + recordTypeColumns + ` FROM record_types WHERE tenant_id = $1 AND id = $2`
	if lock {
		q += ` FOR UPDATE`
	}
	rows, err := tx.Query(ctx, q, org, id)
	if err != nil {
		return RecordType{}, err
	}
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[RecordType])
	return t, noRows(err, "Record type")
}

func recordTypeNameTaken(err error) error {
	if database.ErrorCode(err) == database.CodeUniqueViolation {
		return invalidField("name", "Another record type already has this name.")
	}
	return err
}

// CreateRecordType adds a type of record to the organisation's list.
func (s *Service) CreateRecordType(ctx context.Context, a Actor, in RecordTypeInput) (RecordType, error) {
	if err := a.Require(auth.PermManageRecordTypes); err != nil {
		return RecordType{}, err
	}
	months, err := in.validate(true)
	if err != nil {
		return RecordType{}, err
	}
	var t RecordType
	err = s.write(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO record_types (tenant_id, name, kind, retention_months, description)
			VALUES ($1, $2, $3, $4, $5) RETURNING `+recordTypeColumns, a.OrgID, in.Name, in.Kind, months, in.Description)
		if err != nil {
			return err
		}
		if t, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[RecordType]); err != nil {
			return recordTypeNameTaken(err)
		}
		return record(ctx, tx, a, change{
			Action: "record_type.create", EntityType: "record_type", EntityID: t.ID.String(),
			Summary: "Added record type " + t.Name + ", kept " + t.RetentionLabel(), After: t,
		})
	})
	return t, err
}

// UpdateRecordType renames a type, or changes its retention period or description. A new
// period applies to records recorded from then on; records already recorded keep theirs,
// which is part of their evidence. version is the one the editor loaded.
func (s *Service) UpdateRecordType(ctx context.Context, a Actor, id uuid.UUID, version int, in RecordTypeInput) (RecordType, error) {
	if err := a.Require(auth.PermManageRecordTypes); err != nil {
		return RecordType{}, err
	}
	months, err := in.validate(false)
	if err != nil {
		return RecordType{}, err
	}
	return s.changeRecordType(ctx, a, id, version, "record_type.update",
		`name = $3, retention_months = $4, description = $5`, in.Name, months, in.Description)
}

// SetRecordTypeArchived stops offering a type for new records, or offers it again. Records of
// an archived type keep it.
func (s *Service) SetRecordTypeArchived(ctx context.Context, a Actor, id uuid.UUID, version int, archived bool) (RecordType, error) {
	if err := a.Require(auth.PermManageRecordTypes); err != nil {
		return RecordType{}, err
	}
	action := "record_type.restore"
	if archived {
		action = "record_type.archive"
	}
	return s.changeRecordType(ctx, a, id, version, action,
		`archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END`, archived)
}

func (s *Service) changeRecordType(ctx context.Context, a Actor, id uuid.UUID, version int, action string,
	assign string, args ...any) (RecordType, error) {
	var after RecordType
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getRecordType(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("record type")
		}
		rows, err := tx.Query(ctx, `UPDATE record_types SET `+assign+`, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2 RETURNING `+recordTypeColumns, append([]any{a.OrgID, id}, args...)...)
		if err != nil {
			return err
		}
		if after, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[RecordType]); err != nil {
			return recordTypeNameTaken(err)
		}
		summary := "Updated record type " + after.Name
		switch {
		case action == "record_type.archive":
			summary = "Archived record type " + after.Name
		case action == "record_type.restore":
			summary = "Restored record type " + after.Name
		case before.RetentionMonths != after.RetentionMonths:
			summary = "Changed the retention of " + after.Name + " from " + before.RetentionLabel() + " to " + after.RetentionLabel()
		case before.Name != after.Name:
			summary = "Renamed record type " + before.Name + " to " + after.Name
		}
		return record(ctx, tx, a, change{
			Action: action, EntityType: "record_type", EntityID: id.String(),
			Summary: summary, Before: before, After: after,
		})
	})
	return after, err
}

// addDefaultRecordTypes gives a new organisation the default record types (the list lives in
// the database function, which the migration also used for organisations that existed).
func addDefaultRecordTypes(ctx context.Context, tx pgx.Tx, a Actor) error {
	if _, err := tx.Exec(ctx, `SELECT add_default_record_types($1)`, a.OrgID); err != nil {
		return err
	}
	types, err := listRecordTypes(ctx, tx, a.OrgID)
	if err != nil {
		return err
	}
	return record(ctx, tx, a, change{
		Action: "record_type.defaults", EntityType: "record_type", EntityID: a.OrgID.String(),
		Summary: "Added the default record types (" + strconv.Itoa(len(types)) + ")", After: types,
	})
}
