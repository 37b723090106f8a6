package qms

import (
	"context"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// ReviewFlag says a document needs review, why, and who or what raised it: a person, or
// (in later work) a risk whose exposure rose or an audit finding.
type ReviewFlag struct {
	ID             uuid.UUID  `db:"id" json:"id"`
	DocumentID     uuid.UUID  `db:"document_id" json:"document_id"`
	Reason         string     `db:"reason" json:"reason"`
	SourceType     string     `db:"source_type" json:"source_type"`
	SourceID       *uuid.UUID `db:"source_id" json:"source_id"`
	SourceLabel    string     `db:"source_label" json:"source_label"`
	SourcePath     string     `db:"source_path" json:"source_path"`
	RaisedBy       *uuid.UUID `db:"raised_by" json:"-"`
	RaisedAt       time.Time  `db:"raised_at" json:"raised_at"`
	ResolvedAt     *time.Time `db:"resolved_at" json:"resolved_at"`
	ResolvedByName *string    `db:"resolved_by_name" json:"resolved_by"`
	Resolution     *string    `db:"resolution" json:"resolution"`
	ResolutionNote string     `db:"resolution_note" json:"resolution_note"`
	Version        int        `db:"version" json:"version"`
}

// Open reports whether the flag still asks for a review.
func (f ReviewFlag) Open() bool { return f.ResolvedAt == nil }

// ResolutionLabel says how the flag was closed.
func ResolutionLabel(r string) string {
	switch r {
	case "revised":
		return "Resolved by a new revision"
	case "reviewed_unchanged":
		return "Reviewed: no change needed"
	case "dismissed":
		return "Dismissed"
	}
	return r
}

// FlagSource is who or what raises a review flag. Type is "person", and later "risk" or
// "finding"; Path is where the source lives inside the organisation (e.g. "risks/<id>"), for
// a link, or empty.
type FlagSource struct {
	Type  string
	ID    *uuid.UUID
	Label string
	Path  string
}

var (
	flagSourceType = regexp.MustCompile(`^[a-z][a-z_]{0,30}$`)
	flagSourcePath = regexp.MustCompile(`^([a-z0-9-]+(/[A-Za-z0-9-]+)*)?$`)
)

const flagSelect = `
	SELECT f.id, f.document_id, f.reason, f.source_type, f.source_id, f.source_label, f.source_path,
	       f.raised_by, f.raised_at, f.resolved_at, ru.name AS resolved_by_name, f.resolution, f.resolution_note, f.version
	  FROM document_review_flags f LEFT JOIN users ru ON ru.id = f.resolved_by`

// raiseReviewFlag flags a document "review required" inside the caller's transaction, with
// its audit-trail entry. Later work calls it from its own use cases (a risk rising a band, a
// finding raised). A source other than a person flags a document at most once while the flag
// is open: raising it again returns the open flag and changes nothing (created is false).
func raiseReviewFlag(ctx context.Context, tx pgx.Tx, a Actor, now time.Time, documentID uuid.UUID, reason string, src FlagSource) (flag ReviewFlag, created bool, err error) {
	reason = clean(reason)
	if reason == "" || len([]rune(reason)) > 2000 {
		return ReviewFlag{}, false, invalidField("reason", "Say why the document needs review (at most 2000 characters).")
	}
	if !flagSourceType.MatchString(src.Type) || !flagSourcePath.MatchString(src.Path) || len([]rune(src.Label)) > 200 {
		return ReviewFlag{}, false, &Error{Kind: KindInternal, Message: "invalid review flag source " + src.Type}
	}
	doc, err := getDocument(ctx, tx, a.OrgID, documentID, true)
	if err != nil {
		return ReviewFlag{}, false, err
	}
	if doc.Obsolete() {
		return ReviewFlag{}, false, conflict(doc.Number + " is obsolete; it will not be reviewed again.")
	}
	if src.Type != "person" && src.ID != nil {
		rows, err := tx.Query(ctx, flagSelect+` WHERE f.tenant_id = $1 AND f.document_id = $2 AND f.source_type = $3
			AND f.source_id = $4 AND f.resolved_at IS NULL`, a.OrgID, documentID, src.Type, *src.ID)
		if err != nil {
			return ReviewFlag{}, false, err
		}
		existing, err := database.CollectRows[ReviewFlag](rows)
		if err != nil {
			return ReviewFlag{}, false, err
		}
		if len(existing) > 0 {
			return existing[0], false, nil
		}
	}
	var raisedBy *uuid.UUID
	if a.UserID != uuid.Nil {
		raisedBy = &a.UserID
	}
	var id uuid.UUID
	if err := tx.QueryRow(ctx, `INSERT INTO document_review_flags (tenant_id, document_id, reason, source_type, source_id,
		source_label, source_path, raised_by, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		a.OrgID, documentID, reason, src.Type, src.ID, src.Label, src.Path, raisedBy, now).Scan(&id); err != nil {
		return ReviewFlag{}, false, err
	}
	rows, err := tx.Query(ctx, flagSelect+` WHERE f.tenant_id = $1 AND f.id = $2`, a.OrgID, id)
	if err != nil {
		return ReviewFlag{}, false, err
	}
	if flag, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ReviewFlag]); err != nil {
		return ReviewFlag{}, false, err
	}
	by := src.Label
	if by == "" {
		by = src.Type
	}
	return flag, true, record(ctx, tx, a, change{
		Action: "document.flag_raise", EntityType: "document", EntityID: documentID.String(),
		Summary: doc.Number + " flagged for review by " + by + ": " + reason, After: flag,
	})
}

// RaiseReviewFlag lets a member flag a document "review required", for instance a machinist
// who finds the work instruction no longer matches the machine.
func (s *Service) RaiseReviewFlag(ctx context.Context, a Actor, documentID uuid.UUID, reason string) (ReviewFlag, error) {
	if err := a.Require(auth.PermRaiseReviewFlags); err != nil {
		return ReviewFlag{}, err
	}
	if clean(reason) == "" {
		return ReviewFlag{}, invalidField("reason", "Say why the document needs review.")
	}
	var flag ReviewFlag
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		var err error
		id := a.UserID
		flag, _, err = raiseReviewFlag(ctx, tx, a, s.now(), documentID, reason, FlagSource{Type: "person", ID: &id, Label: a.Name})
		return err
	})
	return flag, err
}

// ResolveReviewFlag closes an open flag: the document was reviewed and needs no change, or
// the flag is dismissed. (A new revision taking effect resolves open flags by itself.)
func (s *Service) ResolveReviewFlag(ctx context.Context, a Actor, documentID, flagID uuid.UUID, version int, resolution, note string) (ReviewFlag, error) {
	if err := a.Require(auth.PermDraftDocuments); err != nil {
		return ReviewFlag{}, err
	}
	note = clean(note)
	c := checks{}
	if resolution != "reviewed_unchanged" && resolution != "dismissed" {
		c.add("resolution", "Choose how the flag is resolved.")
	}
	c.require("note", note, "Say what was decided and why.")
	c.maxLen("note", note, 2000)
	if err := c.err(); err != nil {
		return ReviewFlag{}, err
	}
	var after ReviewFlag
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		doc, err := getDocument(ctx, tx, a.OrgID, documentID, true)
		if err != nil {
			return err
		}
		if err := requireDraft(a, doc); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, flagSelect+` WHERE f.tenant_id = $1 AND f.document_id = $2 AND f.id = $3`, a.OrgID, documentID, flagID)
		if err != nil {
			return err
		}
		before, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ReviewFlag])
		if err != nil {
			return noRows(err, "Review flag")
		}
		if !before.Open() {
			return conflict("This flag was already resolved.")
		}
		if before.Version != version {
			return staleEdit("review flag")
		}
		if _, err := tx.Exec(ctx, `UPDATE document_review_flags SET resolved_at = $3, resolved_by = $4, resolution = $5,
			resolution_note = $6, version = version + 1 WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, flagID, s.now(), a.UserID, resolution, note); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, flagSelect+` WHERE f.tenant_id = $1 AND f.id = $2`, a.OrgID, flagID)
		if err != nil {
			return err
		}
		if after, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ReviewFlag]); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "document.flag_resolve", EntityType: "document", EntityID: documentID.String(),
			Summary: "Review flag on " + doc.Number + " resolved (" + ResolutionLabel(resolution) + "): " + note,
			Before:  before, After: after,
		})
	})
	return after, err
}

// resolveOpenFlags closes every open flag of a document with one resolution, as part of the
// use case that resolved them (a revision taking effect, a periodic review, obsoleting).
func resolveOpenFlags(ctx context.Context, tx pgx.Tx, a Actor, now time.Time, doc Document, resolution, note string) (int, error) {
	var by *uuid.UUID
	if a.UserID != uuid.Nil {
		by = &a.UserID
	}
	tag, err := tx.Exec(ctx, `UPDATE document_review_flags SET resolved_at = $3, resolved_by = $4, resolution = $5,
		resolution_note = $6, version = version + 1 WHERE tenant_id = $1 AND document_id = $2 AND resolved_at IS NULL`,
		a.OrgID, doc.ID, now, by, resolution, note)
	if err != nil {
		return 0, err
	}
	n := int(tag.RowsAffected())
	if n > 0 {
		err = record(ctx, tx, a, change{
			Action: "document.flag_resolve", EntityType: "document", EntityID: doc.ID.String(),
			Summary: "Resolved " + Plural(n, "open review flag", "open review flags") + " on " + doc.Number + ": " + note,
		})
	}
	return n, err
}
