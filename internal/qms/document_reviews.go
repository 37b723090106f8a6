package qms

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// PeriodicReviewMeaning is what the signature on a periodic review confirming a document
// unchanged means.
const PeriodicReviewMeaning = "reviewed, no change required"

// PeriodicReview is one periodic review of a document.
type PeriodicReview struct {
	ID           uuid.UUID  `db:"id" json:"id"`
	VersionID    uuid.UUID  `db:"version_id" json:"version_id"`
	Revision     int        `db:"revision" json:"revision"`
	Outcome      string     `db:"outcome" json:"outcome"`
	Comment      string     `db:"comment" json:"comment"`
	ReviewerName string     `db:"reviewer_name" json:"reviewer"`
	ReviewedAt   time.Time  `db:"reviewed_at" json:"reviewed_at"`
	NextReviewOn *time.Time `db:"next_review_on" json:"next_review_on"`
}

// periodicReviewSelect reads periodic reviews (r) with their revision and reviewer.
const periodicReviewSelect = `SELECT r.id, r.version_id, v.revision, r.outcome, r.comment, u.name AS reviewer_name,
	       r.reviewed_at, r.next_review_on
	  FROM document_periodic_reviews r
	  JOIN document_versions v ON v.tenant_id = r.tenant_id AND v.id = r.version_id
	  JOIN users u ON u.id = r.reviewed_by`

// ConfirmPeriodicReview is a signed periodic review that finds the version in force still
// right: the next review date moves on by the review interval and open review flags are
// resolved as reviewed. version is the document's version.
func (s *Service) ConfirmPeriodicReview(ctx context.Context, a Actor, documentID uuid.UUID, version int, password, comment string) (Document, error) {
	if err := a.Require(auth.PermDraftDocuments); err != nil {
		return Document{}, err
	}
	comment = clean(comment)
	c := checks{}
	c.require("comment", comment, "Say what you checked, e.g. \"Checked against current practice on the shop floor\".")
	c.maxLen("comment", comment, 2000)
	if err := c.err(); err != nil {
		return Document{}, err
	}
	// Refuse early, before asking for the password, when the actor could not sign anyway.
	if err := s.read(ctx, a, func(tx pgx.Tx) error {
		doc, err := getDocument(ctx, tx, a.OrgID, documentID, false)
		if err != nil {
			return err
		}
		return requireDraft(a, doc)
	}); err != nil {
		return Document{}, err
	}
	if err := s.confirmSigner(ctx, a, password); err != nil {
		return Document{}, err
	}
	var after Document
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getDocument(ctx, tx, a.OrgID, documentID, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("document")
		}
		if before.Obsolete() || before.EffectiveVersionID == nil {
			return conflict(before.Number + " has no version in force to review.")
		}
		if before.OpenRevision != nil {
			return conflict("Revision " + strconv.Itoa(*before.OpenRevision) + " of " + before.Number + " is under way; finish or withdraw it instead of confirming the document unchanged.")
		}
		v, err := getVersion(ctx, tx, a.OrgID, documentID, *before.EffectiveVersionID)
		if err != nil {
			return err
		}
		files, err := versionFiles(ctx, tx, a.OrgID, v.ID)
		if err != nil {
			return err
		}
		next := s.today().AddDate(0, before.ReviewIntervalMonths, 0)
		now := s.now()
		if _, err := recordSignature(ctx, tx, a, "document", documentID, PeriodicReviewMeaning, versionContentHash(before, v, files), comment); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO document_periodic_reviews (tenant_id, document_id, version_id, outcome, comment,
			reviewed_by, reviewed_at, next_review_on) VALUES ($1, $2, $3, 'confirmed', $4, $5, $6, $7)`,
			a.OrgID, documentID, v.ID, comment, a.UserID, now, next); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE documents SET next_review_on = $3, version = version + 1, updated_at = $4
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, documentID, next, now); err != nil {
			return err
		}
		if _, err := resolveOpenFlags(ctx, tx, a, now, before, "reviewed_unchanged", "Periodic review: "+comment); err != nil {
			return err
		}
		if after, err = getDocument(ctx, tx, a.OrgID, documentID, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "document.periodic_review", EntityType: "document", EntityID: documentID.String(),
			Summary: "Periodic review of " + before.Number + ": revision " + strconv.Itoa(v.Revision) + " confirmed unchanged; next review " + next.Format("2 Jan 2006"),
			Before:  before, After: after,
		})
	})
	return after, err
}

// StartRevisionFromReview records a periodic review that found the document needs changing,
// and starts the new draft in the same transaction.
func (s *Service) StartRevisionFromReview(ctx context.Context, a Actor, documentID uuid.UUID, comment string) (DocumentVersion, error) {
	if err := a.Require(auth.PermDraftDocuments); err != nil {
		return DocumentVersion{}, err
	}
	comment = clean(comment)
	c := checks{}
	c.require("comment", comment, "Say what needs to change.")
	c.maxLen("comment", comment, 2000)
	if err := c.err(); err != nil {
		return DocumentVersion{}, err
	}
	var v DocumentVersion
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		doc, err := getDocument(ctx, tx, a.OrgID, documentID, true)
		if err != nil {
			return err
		}
		if doc.EffectiveVersionID == nil || doc.Obsolete() {
			return conflict(doc.Number + " has no version in force to review.")
		}
		if v, err = s.revise(ctx, tx, a, documentID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO document_periodic_reviews (tenant_id, document_id, version_id, outcome, comment,
			reviewed_by, reviewed_at) VALUES ($1, $2, $3, 'revision_started', $4, $5, $6)`,
			a.OrgID, documentID, *doc.EffectiveVersionID, comment, a.UserID, s.now()); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "document.periodic_review", EntityType: "document", EntityID: documentID.String(),
			Summary: "Periodic review of " + doc.Number + " found changes needed: " + comment,
		})
	})
	return v, err
}

// DocumentView is everything the page of one document shows.
type DocumentView struct {
	Document  Document
	Effective *DocumentVersion // with its text
	Files     []File           // of the version in force
	Versions  []DocumentVersion
	Flags     []ReviewFlag
	Reviews   []PeriodicReview
	// ReviewSignatures are the signatures of periodic reviews.
	ReviewSignatures  []Signature
	MyAcknowledgement *Acknowledgement
	AckDone           int
	AckPending        int
	CanDraft          bool
	CanManage         bool
	Today             time.Time
}

// DocumentView loads a document's page in one round trip. What belongs to the version in
// force (its files, who has acknowledged it) is found by joining that version, so no query
// waits for another's answer.
func (s *Service) DocumentView(ctx context.Context, a Actor, id uuid.UUID) (DocumentView, error) {
	vw := DocumentView{Today: s.today()}
	org := a.OrgID
	const effective = ` JOIN document_versions ev ON ev.tenant_id = %[1]s.tenant_id AND ev.id = %[1]s.version_id
		AND ev.state = 'effective' AND ev.document_id = $2`
	b := &pgx.Batch{}
	queueDocument(b, org, id, &vw.Document)
	queueDocumentVersions(b, org, id, &vw.Versions)
	b.Queue(versionFileSelect+fmt.Sprintf(effective, "vf")+` WHERE vf.tenant_id = $1 ORDER BY f.filename, f.id`, org, id).
		Query(func(rows pgx.Rows) error {
			var err error
			vw.Files, err = database.CollectRows[File](rows)
			return err
		})
	b.Queue(acknowledgementSelect+fmt.Sprintf(effective, "k")+` WHERE k.tenant_id = $1 AND k.user_id = $3`, org, id, a.UserID).
		Query(func(rows pgx.Rows) error {
			k, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Acknowledgement])
			if err == nil {
				vw.MyAcknowledgement = &k
			}
			if errors.Is(err, pgx.ErrNoRows) {
				err = nil
			}
			return err
		})
	b.Queue(`SELECT count(*) FILTER (WHERE k.acknowledged_at IS NOT NULL), count(*) FILTER (WHERE k.acknowledged_at IS NULL)
		  FROM document_acknowledgements k`+fmt.Sprintf(effective, "k")+`
		  JOIN memberships m ON m.tenant_id = k.tenant_id AND m.user_id = k.user_id
		 WHERE k.tenant_id = $1`, org, id).
		QueryRow(func(row pgx.Row) error { return row.Scan(&vw.AckDone, &vw.AckPending) })
	b.Queue(flagSelect+` WHERE f.tenant_id = $1 AND f.document_id = $2
		ORDER BY f.resolved_at IS NOT NULL, f.raised_at DESC`, org, id).
		Query(func(rows pgx.Rows) error {
			var err error
			vw.Flags, err = database.CollectRows[ReviewFlag](rows)
			return err
		})
	b.Queue(periodicReviewSelect+` WHERE r.tenant_id = $1 AND r.document_id = $2 ORDER BY r.reviewed_at DESC`, org, id).
		Query(func(rows pgx.Rows) error {
			var err error
			vw.Reviews, err = database.CollectRows[PeriodicReview](rows)
			return err
		})
	queueSignatures(b, org, "document", id, &vw.ReviewSignatures)
	if err := s.readBatch(ctx, a, b); err != nil {
		return DocumentView{}, err
	}
	for i := range vw.Versions {
		if vw.Versions[i].Current() {
			v := vw.Versions[i]
			vw.Effective = &v
		}
		vw.Versions[i].Body = ""
	}
	vw.CanDraft = canDraft(a, vw.Document) && !vw.Document.Obsolete()
	vw.CanManage = a.Can(auth.PermManageDocuments) && !vw.Document.Obsolete()
	return vw, nil
}
