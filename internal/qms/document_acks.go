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

// Audience is whom a document concerns: the members of some roles, the owners of some
// processes, and named members. They acknowledge each version that takes effect.
type Audience struct {
	Roles      []auth.Role
	ProcessIDs []uuid.UUID
	UserIDs    []uuid.UUID
}

// Empty reports whether the document concerns nobody in particular.
func (au Audience) Empty() bool {
	return len(au.Roles) == 0 && len(au.ProcessIDs) == 0 && len(au.UserIDs) == 0
}

func documentAudience(ctx context.Context, tx pgx.Tx, org, documentID uuid.UUID) (Audience, error) {
	var au Audience
	rows, err := tx.Query(ctx, `SELECT role, process_id, user_id FROM document_audiences WHERE tenant_id = $1 AND document_id = $2`, org, documentID)
	if err != nil {
		return au, err
	}
	defer rows.Close()
	for rows.Next() {
		var role *string
		var process, user *uuid.UUID
		if err := rows.Scan(&role, &process, &user); err != nil {
			return au, err
		}
		switch {
		case role != nil:
			au.Roles = append(au.Roles, auth.Role(*role))
		case process != nil:
			au.ProcessIDs = append(au.ProcessIDs, *process)
		case user != nil:
			au.UserIDs = append(au.UserIDs, *user)
		}
	}
	return au, rows.Err()
}

// SetDocumentAudience chooses whom a document concerns. When a version is in force, the
// people newly concerned get it to acknowledge at once. version is the document's version.
func (s *Service) SetDocumentAudience(ctx context.Context, a Actor, documentID uuid.UUID, version int, au Audience) (int, error) {
	if err := a.Require(auth.PermDraftDocuments); err != nil {
		return 0, err
	}
	for _, r := range au.Roles {
		if !r.Valid() {
			return 0, invalidField("roles", "Choose roles from the list.")
		}
	}
	assigned := 0
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		doc, err := getDocument(ctx, tx, a.OrgID, documentID, true)
		if err != nil {
			return err
		}
		if err := requireDraft(a, doc); err != nil {
			return err
		}
		if doc.Version != version {
			return staleEdit("document")
		}
		before, err := documentAudience(ctx, tx, a.OrgID, documentID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM document_audiences WHERE tenant_id = $1 AND document_id = $2`, a.OrgID, documentID); err != nil {
			return err
		}
		roles := make([]string, len(au.Roles))
		for i, r := range au.Roles {
			roles[i] = string(r)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO document_audiences (tenant_id, document_id, role)
			SELECT DISTINCT $1::uuid, $2::uuid, unnest($3::text[])`, a.OrgID, documentID, roles); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO document_audiences (tenant_id, document_id, process_id)
			SELECT DISTINCT $1::uuid, $2::uuid, unnest($3::uuid[])`, a.OrgID, documentID, au.ProcessIDs); err != nil {
			if database.ErrorCode(err) == database.CodeForeignKeyViolation {
				return invalidField("process_ids", "Choose processes of this organisation.")
			}
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO document_audiences (tenant_id, document_id, user_id)
			SELECT DISTINCT $1::uuid, $2::uuid, unnest($3::uuid[])`, a.OrgID, documentID, au.UserIDs); err != nil {
			if database.ErrorCode(err) == database.CodeForeignKeyViolation {
				return invalidField("user_ids", "Choose members of this organisation.")
			}
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE documents SET version = version + 1, updated_at = $3 WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, documentID, s.now()); err != nil {
			return err
		}
		if doc.EffectiveVersionID != nil {
			if assigned, err = assignAcknowledgements(ctx, tx, a.OrgID, s.now(), documentID, *doc.EffectiveVersionID); err != nil {
				return err
			}
		}
		after, err := documentAudience(ctx, tx, a.OrgID, documentID)
		if err != nil {
			return err
		}
		summary := "Changed whom " + doc.Number + " concerns"
		if assigned > 0 {
			summary += "; " + Plural(assigned, "more person", "more people") + " asked to acknowledge it"
		}
		return record(ctx, tx, a, change{
			Action: "document.audience", EntityType: "document", EntityID: documentID.String(),
			Summary: summary, Before: before, After: after,
		})
	})
	return assigned, err
}

// assignAcknowledgements asks everyone a document concerns to acknowledge one of its
// versions; people already asked are skipped. It returns how many were newly asked.
func assignAcknowledgements(ctx context.Context, tx pgx.Tx, org uuid.UUID, now time.Time, documentID, versionID uuid.UUID) (int, error) {
	tag, err := tx.Exec(ctx, `
		INSERT INTO document_acknowledgements (tenant_id, document_id, version_id, user_id, assigned_at)
		SELECT $1, $2, $3, m.user_id, $4
		  FROM memberships m
		 WHERE m.tenant_id = $1 AND m.user_id IN (
		       SELECT m2.user_id FROM document_audiences da JOIN memberships m2 ON m2.tenant_id = da.tenant_id AND m2.role = da.role
		        WHERE da.tenant_id = $1 AND da.document_id = $2
		       UNION
		       SELECT p.owner_user_id FROM document_audiences da JOIN processes p ON p.tenant_id = da.tenant_id AND p.id = da.process_id
		        WHERE da.tenant_id = $1 AND da.document_id = $2
		       UNION
		       SELECT da.user_id FROM document_audiences da WHERE da.tenant_id = $1 AND da.document_id = $2 AND da.user_id IS NOT NULL)
		ON CONFLICT (tenant_id, version_id, user_id) DO NOTHING`, org, documentID, versionID, now)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// Acknowledgement is one person's "read and understood" of one version.
type Acknowledgement struct {
	ID             uuid.UUID  `db:"id"`
	DocumentID     uuid.UUID  `db:"document_id"`
	VersionID      uuid.UUID  `db:"version_id"`
	UserID         uuid.UUID  `db:"user_id"`
	AssignedAt     time.Time  `db:"assigned_at"`
	AcknowledgedAt *time.Time `db:"acknowledged_at"`
}

// Done reports whether the person has acknowledged.
func (k Acknowledgement) Done() bool { return k.AcknowledgedAt != nil }

// acknowledgementSelect reads acknowledgements (k).
const acknowledgementSelect = `SELECT k.id, k.document_id, k.version_id, k.user_id, k.assigned_at, k.acknowledged_at
	FROM document_acknowledgements k`

func acknowledgementOf(ctx context.Context, tx pgx.Tx, org, versionID, userID uuid.UUID) (*Acknowledgement, error) {
	rows, err := tx.Query(ctx, acknowledgementSelect+` WHERE k.tenant_id = $1 AND k.version_id = $2 AND k.user_id = $3`, org, versionID, userID)
	if err != nil {
		return nil, err
	}
	k, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Acknowledgement])
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	return &k, err
}

// AcknowledgeVersion records that the actor has read and understood the version in force.
// Acknowledging twice changes nothing.
func (s *Service) AcknowledgeVersion(ctx context.Context, a Actor, documentID, versionID uuid.UUID) (Acknowledgement, error) {
	var k Acknowledgement
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		doc, v, err := openVersionForChange(ctx, tx, a, documentID, versionID)
		if err != nil {
			return err
		}
		if !v.Current() {
			return conflict("Revision " + strconv.Itoa(v.Revision) + " of " + doc.Number + " is not the version in force; acknowledge the current one.")
		}
		mine, err := acknowledgementOf(ctx, tx, a.OrgID, versionID, a.UserID)
		if err != nil {
			return err
		}
		if mine == nil {
			return conflict(doc.Number + " does not ask you for an acknowledgement.")
		}
		if mine.Done() {
			k = *mine
			return nil
		}
		rows, err := tx.Query(ctx, `UPDATE document_acknowledgements SET acknowledged_at = $3 WHERE tenant_id = $1 AND id = $2
			RETURNING id, document_id, version_id, user_id, assigned_at, acknowledged_at`, a.OrgID, mine.ID, s.now())
		if err != nil {
			return err
		}
		if k, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Acknowledgement]); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "document.acknowledge", EntityType: "document", EntityID: documentID.String(),
			Summary: a.Name + " read and understood revision " + strconv.Itoa(v.Revision) + " of " + doc.Number,
			After:   k,
		})
	})
	return k, err
}

// AckRow is one person in the acknowledgement matrix.
type AckRow struct {
	UserID         uuid.UUID  `db:"user_id"`
	Name           string     `db:"name"`
	Role           auth.Role  `db:"role"`
	AssignedAt     time.Time  `db:"assigned_at"`
	AcknowledgedAt *time.Time `db:"acknowledged_at"`
}

// AckMatrix is who has and who has not acknowledged the version in force.
type AckMatrix struct {
	Document Document
	Version  *DocumentVersion
	Audience Audience
	Rows     []AckRow
	Done     int
	Pending  int
	// Names for showing the audience.
	ProcessNames map[uuid.UUID]string
	MemberNames  map[uuid.UUID]string
	Processes    []Process
	Members      []Member
	CanEdit      bool
}

// AcknowledgementMatrix lists, for the version in force, everyone it concerns who is still a
// member, with when they acknowledged it; the pending ones first.
func (s *Service) AcknowledgementMatrix(ctx context.Context, a Actor, documentID uuid.UUID) (AckMatrix, error) {
	var m AckMatrix
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		if m.Document, err = getDocument(ctx, tx, a.OrgID, documentID, false); err != nil {
			return err
		}
		if m.Audience, err = documentAudience(ctx, tx, a.OrgID, documentID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, processSelect+` WHERE p.tenant_id = $1 ORDER BY lower(p.name)`, a.OrgID)
		if err != nil {
			return err
		}
		if m.Processes, err = database.CollectRows[Process](rows); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, memberSelect+` WHERE m.tenant_id = $1 ORDER BY u.name, u.email`, a.OrgID)
		if err != nil {
			return err
		}
		if m.Members, err = database.CollectRows[Member](rows); err != nil {
			return err
		}
		if m.Document.EffectiveVersionID == nil {
			return nil
		}
		v, err := getVersion(ctx, tx, a.OrgID, documentID, *m.Document.EffectiveVersionID)
		if err != nil {
			return err
		}
		m.Version = &v
		rows, err = tx.Query(ctx, `SELECT k.user_id, u.name, ms.role, k.assigned_at, k.acknowledged_at
			  FROM document_acknowledgements k
			  JOIN memberships ms ON ms.tenant_id = k.tenant_id AND ms.user_id = k.user_id
			  JOIN users u ON u.id = k.user_id
			 WHERE k.tenant_id = $1 AND k.version_id = $2
			 ORDER BY k.acknowledged_at IS NOT NULL, u.name`, a.OrgID, v.ID)
		if err != nil {
			return err
		}
		m.Rows, err = database.CollectRows[AckRow](rows)
		return err
	})
	if err != nil {
		return AckMatrix{}, err
	}
	for _, r := range m.Rows {
		if r.AcknowledgedAt != nil {
			m.Done++
		} else {
			m.Pending++
		}
	}
	m.ProcessNames, m.MemberNames = map[uuid.UUID]string{}, map[uuid.UUID]string{}
	for _, p := range m.Processes {
		m.ProcessNames[p.ID] = p.Name
	}
	for _, mb := range m.Members {
		m.MemberNames[mb.UserID] = mb.Name
	}
	m.CanEdit = canDraft(a, m.Document) && !m.Document.Obsolete()
	return m, nil
}

// PendingAcknowledgement is a version in force the actor still has to read.
type PendingAcknowledgement struct {
	DocumentID uuid.UUID `db:"document_id"`
	VersionID  uuid.UUID `db:"version_id"`
	Number     string    `db:"number"`
	Title      string    `db:"title"`
	Revision   int       `db:"revision"`
	AssignedAt time.Time `db:"assigned_at"`
}

// DocumentTask is a version waiting for the actor's review or approval.
type DocumentTask struct {
	DocumentID uuid.UUID `db:"document_id"`
	VersionID  uuid.UUID `db:"version_id"`
	Number     string    `db:"number"`
	Title      string    `db:"title"`
	Revision   int       `db:"revision"`
	Task       string    `db:"task"` // "review" or "approve"
}

// queueDocumentHome adds the actor's document work to the home page's batch: versions in
// force to acknowledge, and versions to review or approve.
func queueDocumentHome(b *pgx.Batch, a Actor, h *HomeSummary) {
	b.Queue(`SELECT k.document_id, k.version_id, d.number, d.title, v.revision, k.assigned_at
		  FROM document_acknowledgements k
		  JOIN document_versions v ON v.tenant_id = k.tenant_id AND v.id = k.version_id AND v.state = 'effective'
		  JOIN documents d ON d.tenant_id = k.tenant_id AND d.id = k.document_id
		 WHERE k.tenant_id = $1 AND k.user_id = $2 AND k.acknowledged_at IS NULL
		 ORDER BY k.assigned_at, d.number LIMIT 20`, a.OrgID, a.UserID).
		Query(func(rows pgx.Rows) error {
			var err error
			h.MyAcknowledgements, err = database.CollectRows[PendingAcknowledgement](rows)
			return err
		})
	b.Queue(`SELECT d.id AS document_id, v.id AS version_id, d.number, d.title, v.revision, 'review' AS task
		  FROM document_version_reviews r
		  JOIN document_versions v ON v.tenant_id = r.tenant_id AND v.id = r.version_id AND v.state = 'in_review' AND v.review_round = r.round
		  JOIN documents d ON d.tenant_id = v.tenant_id AND d.id = v.document_id
		 WHERE r.tenant_id = $1 AND r.reviewer_id = $2 AND r.decision IS NULL
		UNION ALL
		SELECT d.id, v.id, d.number, d.title, v.revision, 'approve'
		  FROM document_versions v
		  JOIN documents d ON d.tenant_id = v.tenant_id AND d.id = v.document_id
		 WHERE v.tenant_id = $1 AND v.state = 'in_review' AND v.approver_id = $2
		 ORDER BY 3`, a.OrgID, a.UserID).
		Query(func(rows pgx.Rows) error {
			var err error
			h.MyDocumentTasks, err = database.CollectRows[DocumentTask](rows)
			return err
		})
}
