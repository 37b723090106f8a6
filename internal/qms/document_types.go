package qms

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// DocumentType is a kind of controlled document with the prefix the organisation numbers it
// by: Procedure, QP → QP-007.
type DocumentType struct {
	ID         uuid.UUID `db:"id" json:"id"`
	Kind       string    `db:"kind" json:"kind"`
	Name       string    `db:"name" json:"name"`
	Prefix     string    `db:"prefix" json:"prefix"`
	NextNumber int       `db:"next_number" json:"next_number"`
	Version    int       `db:"version" json:"version"`
}

// NextDocumentNumber is the number the next document of this type will get.
func (t DocumentType) NextDocumentNumber() string {
	return formatDocumentNumber(t.Prefix, t.NextNumber)
}

// DocumentTypeInput is what an admin may change about a type.
type DocumentTypeInput struct {
	Name   string
	Prefix string
	// NextNumber moves the counter forward, e.g. to carry on from a paper register; 0 leaves
	// it. It never moves back, so no number is given out twice.
	NextNumber int
}

var prefixPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,7}$`)

func (in *DocumentTypeInput) validate() error {
	in.Name, in.Prefix = clean(in.Name), strings.ToUpper(clean(in.Prefix))
	c := checks{}
	c.require("name", in.Name, "Enter the type's name.")
	c.maxLen("name", in.Name, 80)
	if !prefixPattern.MatchString(in.Prefix) {
		c.add("prefix", "Use 1 to 8 capital letters and digits, starting with a letter, like QP or SOP.")
	}
	return c.err()
}

const documentTypeColumns = `id, kind, name, prefix, next_number, version`

// DocumentTypes lists the organisation's document types in their usual order.
func (s *Service) DocumentTypes(ctx context.Context, a Actor) ([]DocumentType, error) {
	var out []DocumentType
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		out, err = documentTypes(ctx, tx, a.OrgID)
		return err
	})
	return out, err
}

// documentTypesSQL lists the organisation $1's document types in their usual order.
const documentTypesSQL = `SELECT ` + documentTypeColumns + ` FROM document_types WHERE tenant_id = $1 ORDER BY sort_order, name`

func documentTypes(ctx context.Context, tx pgx.Tx, org uuid.UUID) ([]DocumentType, error) {
	rows, err := tx.Query(ctx, documentTypesSQL, org)
	if err != nil {
		return nil, err
	}
	return database.CollectRows[DocumentType](rows)
}

// queueDocumentTypes queues the read of documentTypes, for a page's batch.
func queueDocumentTypes(b *pgx.Batch, org uuid.UUID, out *[]DocumentType) {
	b.Queue(documentTypesSQL, org).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = database.CollectRows[DocumentType](rows)
		return err
	})
}

// UpdateDocumentType renames a type or changes its prefix. Documents already numbered keep
// their numbers; new ones take the new prefix.
func (s *Service) UpdateDocumentType(ctx context.Context, a Actor, id uuid.UUID, version int, in DocumentTypeInput) (DocumentType, error) {
	if err := a.Require(auth.PermManageDocumentTypes); err != nil {
		return DocumentType{}, err
	}
	if err := in.validate(); err != nil {
		return DocumentType{}, err
	}
	var after DocumentType
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+documentTypeColumns+` FROM document_types WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, a.OrgID, id)
		if err != nil {
			return err
		}
		before, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[DocumentType])
		if err != nil {
			return noRows(err, "Document type")
		}
		if before.Version != version {
			return staleEdit("document type")
		}
		next := before.NextNumber
		if in.NextNumber != 0 && in.NextNumber != next {
			if in.NextNumber < next || in.NextNumber > 99999 {
				return invalidField("next_number", "Numbers given out are never reused: choose "+strconv.Itoa(next)+" or higher (at most 99999).")
			}
			next = in.NextNumber
		}
		rows, err = tx.Query(ctx, `UPDATE document_types SET name = $3, prefix = $4, next_number = $5, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2 RETURNING `+documentTypeColumns, a.OrgID, id, in.Name, in.Prefix, next)
		if err != nil {
			return err
		}
		if after, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[DocumentType]); err != nil {
			if database.ErrorCode(err) == database.CodeUniqueViolation {
				return invalidField("prefix", "Another document type already uses this prefix.")
			}
			return err
		}
		summary := "Updated document type " + after.Name
		switch {
		case before.Prefix != after.Prefix:
			summary = "Changed the prefix of " + after.Name + " from " + before.Prefix + " to " + after.Prefix
		case before.NextNumber != after.NextNumber:
			summary = after.Name + " numbering continues from " + after.NextDocumentNumber()
		}
		return record(ctx, tx, a, change{
			Action: "document_type.update", EntityType: "document_type", EntityID: id.String(),
			Summary: summary, Before: before, After: after,
		})
	})
	return after, err
}

// nextDocumentNumber takes the next number of a type. The UPDATE locks the type's row until
// the transaction ends, so two documents created at once get different numbers; a number
// already taken (the prefix was changed and changed back) is skipped.
func nextDocumentNumber(ctx context.Context, tx pgx.Tx, org, typeID uuid.UUID) (string, error) {
	for {
		var prefix string
		var n int
		err := tx.QueryRow(ctx, `UPDATE document_types SET next_number = next_number + 1
			WHERE tenant_id = $1 AND id = $2 RETURNING prefix, next_number - 1`, org, typeID).Scan(&prefix, &n)
		if err != nil {
			if err == pgx.ErrNoRows {
				return "", invalidField("type_id", "Choose the kind of document.")
			}
			return "", err
		}
		number := formatDocumentNumber(prefix, n)
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM documents WHERE tenant_id = $1 AND number = $2)`, org, number).Scan(&taken); err != nil {
			return "", err
		}
		if !taken {
			return number, nil
		}
	}
}

func formatDocumentNumber(prefix string, n int) string { return fmt.Sprintf("%s-%03d", prefix, n) }
