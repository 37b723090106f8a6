package qms

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// PastRetention lists final records whose keep-until date has passed, the longest overdue
// first, for someone to review and dispose of. Nothing is ever disposed of automatically.
func (s *Service) PastRetention(ctx context.Context, a Actor, after string) (RecordPage, error) {
	today := s.today()
	var page RecordPage
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		page, err = listRecords(ctx, tx, a.OrgID, RecordFilter{After: after, pastRetention: &today})
		return err
	})
	return page, err
}

// DisposedRecords lists the tombstones of records disposed of, most recent first.
func (s *Service) DisposedRecords(ctx context.Context, a Actor, limit int) ([]Record, error) {
	if limit <= 0 || limit > maxPageSize {
		limit = defaultPageSize
	}
	var out []Record
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, recordSelect+` WHERE r.tenant_id = $1 AND r.state = 'disposed'
			ORDER BY r.disposed_at DESC, r.ref DESC LIMIT $2`, a.OrgID, limit)
		if err != nil {
			return err
		}
		out, err = database.CollectRows[Record](rows)
		return err
	})
	return out, err
}

// DisposalMeaning is what a disposal signature means.
const DisposalMeaning = "Disposed of at the end of its retention period"

// DisposeRecord destroys the content of a record whose retention period has ended: its
// revisions, their clauses, attendees and links to files. What remains is a tombstone naming
// the record, who disposed of it, when and why, and the electronic signature that authorised
// it, whose hash covers every revision that was destroyed. version is the record version the
// signer saw.
func (s *Service) DisposeRecord(ctx context.Context, a Actor, id uuid.UUID, version int, reason, password string) (Record, error) {
	if err := a.Require(auth.PermDisposeRecords); err != nil {
		return Record{}, err
	}
	reason = strings.TrimSpace(reason)
	c := checks{}
	c.require("reason", reason, "Say why the record may be disposed of, e.g. the retention rule that allows it.")
	c.maxLen("reason", reason, 2000)
	if err := c.err(); err != nil {
		return Record{}, err
	}
	if err := s.confirmSigner(ctx, a, password); err != nil {
		return Record{}, err
	}
	var after Record
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		rec, err := getRecord(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		switch {
		case rec.State == RecordDisposed:
			return errDisposed(rec)
		case rec.State == RecordDraft:
			return conflict(rec.Number() + " is a draft: delete it instead.")
		case rec.Version != version:
			return staleEdit("record")
		}
		revs, err := allRevisions(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		current := revs[len(revs)-1]
		if !current.KeepUntil.Before(s.today()) {
			return conflict(rec.Number() + " must be kept until " + current.KeepUntil.Format("2 Jan 2006") +
				" (" + RetentionLabel(current.RetentionMonths) + " after " + current.EventDate.Format("2 Jan 2006") +
				"). It can be disposed of after that.")
		}
		hash, err := disposalHash(rec, revs)
		if err != nil {
			return err
		}
		sig, err := recordSignature(ctx, tx, a, "record", id, DisposalMeaning, hash, reason)
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(`UPDATE records SET state = 'disposed', current_revision_id = NULL, disposed_at = now(),
				disposed_by = $3, disposed_by_name = $4, disposal_reason = $5, disposal_signature_id = $6,
				tombstone_title = $7, tombstone_event_date = $8, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, a.UserID, a.Name, reason, sig.ID, current.Title, current.EventDate)
		for _, table := range []string{"record_clauses", "record_attendees", "record_files", "record_revisions"} {
			b.Queue(`DELETE FROM `+table+` WHERE tenant_id = $1 AND record_id = $2`, a.OrgID, id)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if after, err = getRecord(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		// The trail names what was destroyed and proves it by hash, without copying the
		// content that disposal is meant to remove.
		type destroyed struct {
			Record
			Revisions     int      `json:"revisions"`
			FileHashes    []string `json:"file_sha256"`
			ContentSHA256 string   `json:"content_sha256"`
		}
		gone := destroyed{Record: rec, Revisions: len(revs), ContentSHA256: hash}
		for _, r := range revs {
			for _, f := range r.Files {
				gone.FileHashes = append(gone.FileHashes, f.SHA256)
			}
		}
		return record(ctx, tx, a, change{
			Action: "record.dispose", EntityType: "record", EntityID: id.String(),
			Summary: "Disposed of " + rec.Number() + " " + current.Title + " (kept until " +
				current.KeepUntil.Format("2 Jan 2006") + ", " + strconv.Itoa(len(revs)) + " revision(s)): " + reason,
			Before: gone, After: after,
		})
	})
	return after, err
}

// allRevisions loads every revision of a record with its parts, oldest first.
func allRevisions(ctx context.Context, tx pgx.Tx, org, id uuid.UUID) ([]Revision, error) {
	rows, err := tx.Query(ctx, revisionSelect+` WHERE v.tenant_id = $1 AND v.record_id = $2 ORDER BY v.revision`, org, id)
	if err != nil {
		return nil, err
	}
	revs, err := database.CollectRows[Revision](rows)
	if err != nil {
		return nil, err
	}
	for i := range revs {
		if err := loadRevisionParts(ctx, tx, org, &revs[i]); err != nil {
			return nil, err
		}
	}
	if len(revs) == 0 {
		return nil, notFound("Revision")
	}
	return revs, nil
}

// disposalHash fingerprints exactly what a disposal destroys: the record's identity and every
// revision's content, including the hashes of its files.
func disposalHash(rec Record, revs []Revision) (string, error) {
	parts := []string{"record", rec.ID.String(), rec.Number(), rec.TypeName, rec.CreatedAt.UTC().Format(time.RFC3339Nano)}
	for _, r := range revs {
		b, err := json.Marshal(r)
		if err != nil {
			return "", err
		}
		parts = append(parts, string(b))
	}
	return ContentHash(parts...), nil
}
