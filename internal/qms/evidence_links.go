package qms

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// EvidenceKind is what an evidence link points at.
type EvidenceKind string

const (
	EvidenceFile      EvidenceKind = "file"
	EvidenceReference EvidenceKind = "reference"
	EvidenceDocument  EvidenceKind = "document_version"
	EvidenceRecord    EvidenceKind = "record"
)

// EvidenceLink is one piece of objective evidence behind a checklist question or a finding:
// an uploaded file, a reference to where the evidence is ("calibration register, gauge
// G-114, entries 2025-26"), a version of a controlled document or a record.
type EvidenceLink struct {
	ID          uuid.UUID       `json:"id"`
	Kind        EvidenceKind    `json:"kind"`
	File        *File           `json:"file,omitempty"`
	Reference   string          `json:"reference,omitempty"`
	Document    *LinkedDocument `json:"document,omitempty"`
	Record      *LinkedRecord   `json:"record,omitempty"`
	AddedByName string          `json:"added_by"`
	AddedAt     time.Time       `json:"added_at"`
}

// LinkedDocument is the version of a controlled document an evidence link keeps: the one in
// force at the audit, whatever has been issued since.
type LinkedDocument struct {
	DocumentID uuid.UUID `json:"document_id"`
	Number     string    `json:"number"`
	Title      string    `json:"title"`
	VersionID  uuid.UUID `json:"version_id"`
	Revision   int       `json:"revision"`
	// State is the version's state now: superseded once a later revision took effect. It is
	// left out of the JSON that signatures hash, because it moves on after signing.
	State string `json:"-"`
}

// Label is "QP-007 rev 3".
func (d LinkedDocument) Label() string { return d.Number + " rev " + strconv.Itoa(d.Revision) }

// Superseded reports whether the linked version is no longer the one in force.
func (d LinkedDocument) Superseded() bool { return d.State != VersionEffective }

// LinkedRecord is a record an evidence link points at, with the revision that was current
// when it was linked (0 once the record has been disposed of).
type LinkedRecord struct {
	RecordID uuid.UUID `json:"record_id"`
	Number   string    `json:"number"`
	Title    string    `json:"title"`
	Revision int       `json:"revision"`
	// State and Revisions are the record as it is now, shown next to the link.
	State     RecordState `json:"-"`
	Revisions int         `json:"-"`
}

// Corrected reports whether the record has been corrected since it was linked.
func (r LinkedRecord) Corrected() bool { return r.Revision > 0 && r.Revisions > r.Revision }

// Name is the evidence as a line of text.
func (l EvidenceLink) Name() string {
	switch {
	case l.File != nil:
		return l.File.Filename
	case l.Document != nil:
		return l.Document.Label() + " " + l.Document.Title
	case l.Record != nil:
		if l.Record.Revision == 0 {
			return l.Record.Number + " " + l.Record.Title + " (disposed of)"
		}
		return l.Record.Number + " " + l.Record.Title + " (revision " + strconv.Itoa(l.Record.Revision) + ")"
	}
	return "“" + l.Reference + "”"
}

// evidenceRow is an evidence link as read, with whatever it points at.
type evidenceRow struct {
	OwnerID     uuid.UUID    `db:"owner_id"`
	ID          uuid.UUID    `db:"id"`
	Kind        EvidenceKind `db:"kind"`
	Reference   string       `db:"reference"`
	AddedByName string       `db:"added_by_name"`
	AddedAt     time.Time    `db:"added_at"`

	FileID      *uuid.UUID `db:"file_id"`
	SHA256      *string    `db:"sha256"`
	Size        *int64     `db:"size_bytes"`
	ContentType *string    `db:"content_type"`
	Filename    *string    `db:"filename"`
	UploadedBy  *uuid.UUID `db:"uploaded_by"`
	UploadedAt  *time.Time `db:"uploaded_at"`

	VersionID   *uuid.UUID `db:"version_id"`
	DocumentID  *uuid.UUID `db:"document_id"`
	DocNumber   *string    `db:"doc_number"`
	DocTitle    *string    `db:"doc_title"`
	DocRevision *int       `db:"doc_revision"`
	DocState    *string    `db:"doc_state"`

	RecordID        *uuid.UUID   `db:"record_id"`
	RecordRef       *int         `db:"record_ref"`
	RecordTitle     *string      `db:"record_title"`
	RecordRevision  *int         `db:"record_revision"`
	RecordState     *RecordState `db:"record_state"`
	RecordRevisions *int         `db:"record_revisions"`
}

func (r evidenceRow) link() EvidenceLink {
	l := EvidenceLink{ID: r.ID, Kind: r.Kind, Reference: r.Reference, AddedByName: r.AddedByName, AddedAt: r.AddedAt}
	if r.FileID != nil {
		l.File = &File{ID: *r.FileID, SHA256: *r.SHA256, Size: *r.Size, ContentType: *r.ContentType, Filename: *r.Filename,
			UploadedBy: r.UploadedBy, UploadedAt: *r.UploadedAt}
	}
	if r.VersionID != nil {
		l.Document = &LinkedDocument{DocumentID: *r.DocumentID, Number: *r.DocNumber, Title: *r.DocTitle,
			VersionID: *r.VersionID, Revision: *r.DocRevision, State: *r.DocState}
	}
	if r.RecordID != nil {
		l.Record = &LinkedRecord{RecordID: *r.RecordID, Number: RecordNumber(*r.RecordRef), Title: *r.RecordTitle,
			Revision: *r.RecordRevision, State: *r.RecordState, Revisions: *r.RecordRevisions}
	}
	return l
}

// evidenceOf loads the evidence links of checklist items or findings (owner is the column).
func evidenceOf(ctx context.Context, tx pgx.Tx, org uuid.UUID, owner string, ids []uuid.UUID) (map[uuid.UUID][]EvidenceLink, error) {
	out := map[uuid.UUID][]EvidenceLink{}
	if len(ids) == 0 {
		return out, nil
	}
	b := &pgx.Batch{}
	queueEvidence(b, owner, ownersListed, out, org, ids)
	return out, tx.SendBatch(ctx, b).Close()
}

// ownersListed are the owners of queueEvidence given as the list $2.
const ownersListed = `SELECT unnest($2::uuid[])`

// queueEvidence queues the evidence links of the checklist items or findings (owner is the
// column) whose ids the query owners selects, $1 being the organisation, into out by owner.
// The links are read by key for one owner after another, with a kept plan: see eachAudit.
func queueEvidence(b *pgx.Batch, owner, owners string, out map[uuid.UUID][]EvidenceLink, args ...any) {
	database.QueueKeptPlan(b, `
		SELECT e.`+owner+` AS owner_id, e.id, e.kind, e.reference, coalesce(u.name, '') AS added_by_name, e.added_at,
		       f.id AS file_id, f.sha256, f.size_bytes, f.content_type, f.filename, f.uploaded_by, f.uploaded_at,
		       dv.id AS version_id, d.id AS document_id, d.number AS doc_number, d.title AS doc_title,
		       dv.revision AS doc_revision, dv.state AS doc_state,
		       r.id AS record_id, r.ref AS record_ref, coalesce(rv.title, r.tombstone_title, '') AS record_title,
		       CASE WHEN r.id IS NULL THEN NULL ELSE coalesce(rv.revision, 0) END AS record_revision,
		       r.state AS record_state, r.revision_count AS record_revisions
		  FROM (`+owners+`) o(id)
		  CROSS JOIN LATERAL (SELECT * FROM evidence_links x WHERE x.tenant_id = $1 AND x.`+owner+` = o.id OFFSET 0) e
		  LEFT JOIN files f ON f.tenant_id = e.tenant_id AND f.id = e.file_id
		  LEFT JOIN document_versions dv ON dv.tenant_id = e.tenant_id AND dv.id = e.document_version_id
		  LEFT JOIN documents d ON d.tenant_id = dv.tenant_id AND d.id = dv.document_id
		  LEFT JOIN records r ON r.tenant_id = e.tenant_id AND r.id = e.record_id
		  LEFT JOIN record_revisions rv ON rv.tenant_id = e.tenant_id AND rv.id = e.record_revision_id
		  LEFT JOIN users u ON u.id = e.added_by
		 ORDER BY e.added_at, e.kind = 'file', e.id`, args...).
		Query(func(rows pgx.Rows) error {
			list, err := database.CollectRows[evidenceRow](rows)
			for _, r := range list {
				out[r.OwnerID] = append(out[r.OwnerID], r.link())
			}
			return err
		})
}

// addEvidence links a plain-text reference and uploaded files to a checklist item or a
// finding (owner is the column), recording the uploads in the same transaction.
func addEvidence(ctx context.Context, tx pgx.Tx, a Actor, at time.Time, owner string, ownerID uuid.UUID, reference string, uploads []Upload) ([]string, error) {
	var added []string
	if reference != "" {
		if _, err := tx.Exec(ctx, `INSERT INTO evidence_links (tenant_id, `+owner+`, kind, reference, added_by, added_at)
			VALUES ($1, $2, 'reference', $3, $4, $5)`, a.OrgID, ownerID, reference, actorID(a), at); err != nil {
			return nil, err
		}
		added = append(added, "“"+reference+"”")
	}
	for _, u := range uploads {
		f, err := insertFile(ctx, tx, a, u)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO evidence_links (tenant_id, `+owner+`, kind, file_id, added_by, added_at)
			VALUES ($1, $2, 'file', $3, $4, $5)`, a.OrgID, ownerID, f.ID, actorID(a), at); err != nil {
			return nil, err
		}
		added = append(added, f.Filename)
	}
	return added, nil
}

// copyEvidence links a checklist question's evidence to a finding raised from it: the same
// files, references, document versions and records, linked again so each stands on its own.
func copyEvidence(ctx context.Context, tx pgx.Tx, org, itemID, findingID uuid.UUID) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO evidence_links (tenant_id, finding_id, kind, file_id, reference, document_version_id, record_id,
		                            record_revision_id, added_by, added_at)
		SELECT tenant_id, $3, kind, file_id, reference, document_version_id, record_id, record_revision_id, added_by, added_at
		  FROM evidence_links WHERE tenant_id = $1 AND checklist_item_id = $2`, org, itemID, findingID)
	return err
}

// EvidenceRefs are a controlled document and a record to link as evidence, as the auditor
// typed or picked them: a document by its number (QP-007, or "QP-007 · title" from the
// list), a record by its number (R-00042, or 42). Empty means none.
type EvidenceRefs struct {
	Document string
	Record   string
}

func (r *EvidenceRefs) check(c checks) {
	r.Document, r.Record = clean(r.Document), clean(r.Record)
	c.maxLen("document", r.Document, 300)
	c.maxLen("record", r.Record, 300)
}

// auditMoment is the moment whose document versions an audit's evidence and criteria go by:
// the end of the day the audit started (or is planned to start). A revision that took
// effect during that day is the one the auditors were shown.
func auditMoment(au Audit) time.Time {
	y, m, d := au.Start().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC).Add(-time.Microsecond)
}

// linkRefs resolves refs and links them to a checklist item or a finding (owner is the
// column): the document by the version in force at moment, the record by its current
// revision. when names the moment for messages ("on 12 Mar 2026, when the audit started").
// A link already there is not made twice.
func linkRefs(ctx context.Context, tx pgx.Tx, a Actor, now time.Time, owner string, ownerID uuid.UUID, refs EvidenceRefs, moment time.Time, when string) ([]string, error) {
	var added []string
	if refs.Document != "" {
		v, doc, err := documentVersionAt(ctx, tx, a.OrgID, refs.Document, moment, when)
		if err != nil {
			return nil, err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO evidence_links (tenant_id, `+owner+`, kind, document_version_id, added_by, added_at)
			SELECT $1, $2, 'document_version', $3, $4, $5
			 WHERE NOT EXISTS (SELECT 1 FROM evidence_links WHERE tenant_id = $1 AND `+owner+` = $2 AND document_version_id = $3)`,
			a.OrgID, ownerID, v.ID, actorID(a), now)
		if err != nil {
			return nil, err
		}
		if tag.RowsAffected() > 0 {
			added = append(added, doc.Number+" rev "+strconv.Itoa(v.Revision))
		}
	}
	if refs.Record != "" {
		rec, err := linkableRecord(ctx, tx, a.OrgID, refs.Record)
		if err != nil {
			return nil, err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO evidence_links (tenant_id, `+owner+`, kind, record_id, record_revision_id, added_by, added_at)
			SELECT $1, $2, 'record', $3, $4, $5, $6
			 WHERE NOT EXISTS (SELECT 1 FROM evidence_links WHERE tenant_id = $1 AND `+owner+` = $2 AND record_id = $3
			                      AND record_revision_id = $4)`,
			a.OrgID, ownerID, rec.ID, rec.CurrentRevisionID, actorID(a), now)
		if err != nil {
			return nil, err
		}
		if tag.RowsAffected() > 0 {
			added = append(added, rec.Number())
		}
	}
	return added, nil
}

// documentVersionAt finds the document typed and its version in force at moment. A document
// that had no version in force then is refused: the auditors cannot have seen it, and
// linking today's version would put words in the audit's mouth that were not there.
func documentVersionAt(ctx context.Context, tx pgx.Tx, org uuid.UUID, typed string, moment time.Time, when string) (DocumentVersion, Document, error) {
	number := typed
	if f := strings.Fields(typed); len(f) > 0 {
		number = f[0]
	}
	var id uuid.UUID
	err := tx.QueryRow(ctx, `SELECT id FROM documents WHERE tenant_id = $1 AND (lower(number) = lower($2) OR lower(title) = lower($3))
		ORDER BY lower(number) = lower($2) DESC, number LIMIT 1`, org, number, typed).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return DocumentVersion{}, Document{}, invalidField("document", "There is no document “"+typed+"” in this organisation. Type its number, such as QP-007, or pick it from the list.")
	}
	if err != nil {
		return DocumentVersion{}, Document{}, err
	}
	doc, err := getDocument(ctx, tx, org, id, false)
	if err != nil {
		return DocumentVersion{}, Document{}, err
	}
	v, err := versionEffectiveAt(ctx, tx, org, id, moment)
	if ErrorKind(err) == KindNotFound {
		var first *time.Time
		if err := tx.QueryRow(ctx, `SELECT min(effective_from) FROM document_versions WHERE tenant_id = $1 AND document_id = $2`,
			org, id).Scan(&first); err != nil {
			return DocumentVersion{}, Document{}, err
		}
		msg := doc.Number + " had no version in force " + when + "."
		switch {
		case first == nil:
			msg = doc.Number + " has not been issued yet: only a version in force can be evidence."
		case first.After(moment):
			msg = doc.Number + " was not yet in force " + when + ": its first version took effect on " + first.Format("2 Jan 2006") + "."
		}
		return DocumentVersion{}, Document{}, invalidField("document", msg)
	}
	return v, doc, err
}

// linkableRecord finds the record typed. Drafts are not evidence yet, and a disposed record
// has nothing left to show.
func linkableRecord(ctx context.Context, tx pgx.Tx, org uuid.UUID, typed string) (Record, error) {
	token := typed
	if f := strings.Fields(typed); len(f) > 0 {
		token = f[0]
	}
	token = strings.TrimPrefix(strings.ToUpper(token), "R-")
	ref, err := strconv.Atoi(token)
	if err != nil || ref <= 0 {
		return Record{}, invalidField("record", "Type the record's number, such as R-00042, or pick it from the list.")
	}
	var id uuid.UUID
	err = tx.QueryRow(ctx, `SELECT id FROM records WHERE tenant_id = $1 AND ref = $2`, org, ref).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Record{}, invalidField("record", "There is no record "+RecordNumber(ref)+" in this organisation.")
	}
	if err != nil {
		return Record{}, err
	}
	rec, err := getRecord(ctx, tx, org, id, false)
	if err != nil {
		return Record{}, err
	}
	switch rec.State {
	case RecordDraft:
		return Record{}, invalidField("record", rec.Number()+" is a draft: it becomes evidence once it is finalised.")
	case RecordDisposed:
		return Record{}, invalidField("record", rec.Number()+" was disposed of at the end of its retention.")
	}
	return rec, nil
}

// LinkFindingEvidence links a controlled document or a record to an open finding. The
// document's version is the one in force at the finding's audit, or when the finding was
// raised if it has no audit. Findings of an audit take evidence from its team while it runs.
func (s *Service) LinkFindingEvidence(ctx context.Context, a Actor, id uuid.UUID, refs EvidenceRefs) (Finding, error) {
	if !a.Can(auth.PermRaiseFindings) && !a.Can(auth.PermPerformAudits) {
		return Finding{}, forbidden()
	}
	c := checks{}
	refs.check(c)
	if refs.Document == "" && refs.Record == "" {
		c.add("document", "Type or pick a document or a record to link.")
	}
	if err := c.err(); err != nil {
		return Finding{}, err
	}
	var after Finding
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getFinding(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Status == FindingClosed {
			return conflict("Finding " + before.Reference + " is closed; its evidence can no longer change.")
		}
		moment := before.RaisedAt
		when := "on " + before.RaisedAt.Format("2 Jan 2006") + ", when the finding was raised"
		if before.AuditID != nil {
			au, err := getAudit(ctx, tx, a.OrgID, *before.AuditID, false)
			if err != nil {
				return err
			}
			if err := a.Require(auth.PermPerformAudits); err != nil {
				return err
			}
			if err := requireAuditWork(a, au); err != nil {
				return err
			}
			moment, when = auditMoment(au), auditWhen(au)
		} else if err := a.Require(auth.PermRaiseFindings); err != nil {
			return err
		}
		added, err := linkRefs(ctx, tx, a, s.now(), "finding_id", id, refs, moment, when)
		if err != nil {
			return err
		}
		if after, err = getFinding(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		if len(added) == 0 {
			return nil
		}
		return record(ctx, tx, a, change{
			Action: "finding.link_evidence", EntityType: "finding", EntityID: id.String(),
			Summary: "Linked " + strings.Join(added, ", ") + " to finding " + after.Reference + " as evidence",
			Before:  before, After: after,
		})
	})
	return after, err
}

// auditWhen names an audit's moment in messages.
func auditWhen(au Audit) string {
	return "on " + au.Start().Format("2 Jan 2006") + ", when " + au.Reference + " took place"
}

// AuditDocument is a controlled document among an audit's criteria, with the version in force
// at the audit (none when the document was not in force on that day).
type AuditDocument struct {
	ID        uuid.UUID  `json:"id"`
	Number    string     `json:"number"`
	Title     string     `json:"title"`
	VersionID *uuid.UUID `json:"version_id"`
	Revision  *int       `json:"revision"`
}

// Label is "QP-007 rev 3 Control of production", or without the revision when none was in
// force.
func (d AuditDocument) Label() string {
	if d.Revision == nil {
		return d.Number + " " + d.Title
	}
	return d.Number + " rev " + strconv.Itoa(*d.Revision) + " " + d.Title
}

// queueAuditDocuments loads the document criteria of audits, each with its version in force
// at the end of the audit's first day (auditMoment, in SQL).
func queueAuditDocuments(b *pgx.Batch, org uuid.UUID, ids []uuid.UUID, add func(uuid.UUID, AuditDocument)) {
	database.QueueKeptPlan(b, `SELECT ad.audit_id, d.id, d.number, d.title, v.id, v.revision
		  FROM `+eachAudit("audit_documents")+` ad
		  JOIN audits au ON au.tenant_id = $1 AND au.id = ad.audit_id
		  JOIN documents d ON d.tenant_id = $1 AND d.id = ad.document_id
		  CROSS JOIN LATERAL (SELECT ((au.starts_on + 1)::timestamp AT TIME ZONE 'UTC')
		                             - interval '1 microsecond' AS moment) m
		  LEFT JOIN document_versions v ON v.tenant_id = d.tenant_id AND v.document_id = d.id
		        AND v.effective_from <= m.moment AND (v.effective_until IS NULL OR v.effective_until > m.moment)
		 ORDER BY d.number`, org, ids).
		Query(func(rows pgx.Rows) error {
			var auditID uuid.UUID
			var d AuditDocument
			var versionID *uuid.UUID
			var revision *int
			_, err := pgx.ForEachRow(rows, []any{&auditID, &d.ID, &d.Number, &d.Title, &versionID, &revision}, func() error {
				d.VersionID, d.Revision = versionID, revision
				add(auditID, d)
				versionID, revision = nil, nil // the next row gets its own
				return nil
			})
			return err
		})
}
