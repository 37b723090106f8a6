package qms

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// Version states, in the order a version normally passes through them.
const (
	VersionDraft      = "draft"
	VersionInReview   = "in_review"
	VersionApproved   = "approved" // signed, waiting for its effective date
	VersionEffective  = "effective"
	VersionSuperseded = "superseded"
	VersionObsolete   = "obsolete"
	VersionWithdrawn  = "withdrawn"
)

// ApprovalMeaning is what an approver's signature on a document version means.
const ApprovalMeaning = "approved"

// DocumentVersion is one revision of a document: Markdown text and/or files, with how far it
// has come from draft to effective.
type DocumentVersion struct {
	ID             uuid.UUID   `db:"id" json:"id"`
	DocumentID     uuid.UUID   `db:"document_id" json:"document_id"`
	Revision       int         `db:"revision" json:"revision"`
	State          string      `db:"state" json:"state"`
	Body           string      `db:"body" json:"-"`
	ChangeSummary  string      `db:"change_summary" json:"change_summary"`
	BasedOnID      *uuid.UUID  `db:"based_on_id" json:"based_on_id"`
	AuthorID       uuid.UUID   `db:"author_id" json:"author_id"`
	AuthorName     string      `db:"author_name" json:"author"`
	EditorIDs      []uuid.UUID `db:"editor_ids" json:"-"`
	ApproverID     *uuid.UUID  `db:"approver_id" json:"approver_id"`
	ApproverName   *string     `db:"approver_name" json:"approver"`
	ReviewRound    int         `db:"review_round" json:"review_round"`
	SubmittedAt    *time.Time  `db:"submitted_at" json:"submitted_at"`
	ApprovedAt     *time.Time  `db:"approved_at" json:"approved_at"`
	ApprovedBy     *uuid.UUID  `db:"approved_by" json:"-"`
	ApprovedByName *string     `db:"approved_by_name" json:"approved_by"`
	ContentSHA256  *string     `db:"content_sha256" json:"content_sha256"`
	EffectiveOn    *time.Time  `db:"effective_on" json:"effective_on"`
	EffectiveFrom  *time.Time  `db:"effective_from" json:"effective_from"`
	EffectiveUntil *time.Time  `db:"effective_until" json:"effective_until"`
	WithdrawnAt    *time.Time  `db:"withdrawn_at" json:"withdrawn_at"`
	Version        int         `db:"version" json:"version"`
	CreatedAt      time.Time   `db:"created_at" json:"-"`
	UpdatedAt      time.Time   `db:"updated_at" json:"-"`
}

// Current reports whether this is the version in force.
func (v DocumentVersion) Current() bool { return v.State == VersionEffective }

// Open reports whether the version is still on its way to taking effect.
func (v DocumentVersion) Open() bool {
	return v.State == VersionDraft || v.State == VersionInReview || v.State == VersionApproved
}

// Contributed reports whether userID wrote or edited this version.
func (v DocumentVersion) Contributed(userID uuid.UUID) bool {
	return v.AuthorID == userID || slices.Contains(v.EditorIDs, userID)
}

// StateLabel is the state as people say it.
func StateLabel(state string) string {
	switch state {
	case VersionDraft:
		return "Draft"
	case VersionInReview:
		return "In review"
	case VersionApproved:
		return "Approved, not yet effective"
	case VersionEffective:
		return "Effective"
	case VersionSuperseded:
		return "Superseded"
	case VersionObsolete:
		return "Obsolete"
	case VersionWithdrawn:
		return "Withdrawn"
	}
	return state
}

const versionSelect = `
	SELECT v.id, v.document_id, v.revision, v.state, v.body, v.change_summary, v.based_on_id,
	       v.author_id, au.name AS author_name, v.editor_ids, v.approver_id, ap.name AS approver_name,
	       v.review_round, v.submitted_at, v.approved_at, v.approved_by, ab.name AS approved_by_name,
	       v.content_sha256, v.effective_on, v.effective_from, v.effective_until, v.withdrawn_at,
	       v.version, v.created_at, v.updated_at
	  FROM document_versions v
	  JOIN users au ON au.id = v.author_id
	  LEFT JOIN users ap ON ap.id = v.approver_id
	  LEFT JOIN users ab ON ab.id = v.approved_by`

func getVersion(ctx context.Context, tx pgx.Tx, org, documentID, id uuid.UUID) (DocumentVersion, error) {
	rows, err := tx.Query(ctx, versionSelect+` WHERE v.tenant_id = $1 AND v.document_id = $2 AND v.id = $3`, org, documentID, id)
	if err != nil {
		return DocumentVersion{}, err
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[DocumentVersion])
	return v, noRows(err, "Document version")
}

func documentVersions(ctx context.Context, tx pgx.Tx, org, documentID uuid.UUID) ([]DocumentVersion, error) {
	var out []DocumentVersion
	b := &pgx.Batch{}
	queueDocumentVersions(b, org, documentID, &out)
	err := tx.SendBatch(ctx, b).Close()
	return out, err
}

// queueDocumentVersions queues a document's versions, newest first, into out.
func queueDocumentVersions(b *pgx.Batch, org, documentID uuid.UUID, out *[]DocumentVersion) {
	b.Queue(versionSelect+` WHERE v.tenant_id = $1 AND v.document_id = $2 ORDER BY v.revision DESC`, org, documentID).
		Query(func(rows pgx.Rows) error {
			var err error
			*out, err = database.CollectRows[DocumentVersion](rows)
			return err
		})
}

// versionEffectiveAt finds the version of a document that was in force at t: the answer an
// audit needs for "the procedure as it stood on the day".
func versionEffectiveAt(ctx context.Context, tx pgx.Tx, org, documentID uuid.UUID, t time.Time) (DocumentVersion, error) {
	rows, err := tx.Query(ctx, versionSelect+` WHERE v.tenant_id = $1 AND v.document_id = $2
		AND v.effective_from <= $3 AND (v.effective_until IS NULL OR v.effective_until > $3)`, org, documentID, t)
	if err != nil {
		return DocumentVersion{}, err
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[DocumentVersion])
	if err == pgx.ErrNoRows {
		return DocumentVersion{}, notFound("A version in force at that time")
	}
	return v, err
}

// DocumentVersionEffectiveAt returns the version of a document that was in force at t.
func (s *Service) DocumentVersionEffectiveAt(ctx context.Context, a Actor, documentID uuid.UUID, t time.Time) (DocumentVersion, error) {
	var v DocumentVersion
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		v, err = versionEffectiveAt(ctx, tx, a.OrgID, documentID, t)
		return err
	})
	return v, err
}

// versionFileSelect reads the files attached to document versions (vf).
const versionFileSelect = `SELECT f.id, f.sha256, f.size_bytes, f.content_type, f.filename, f.uploaded_by, f.uploaded_at
	  FROM document_version_files vf JOIN files f ON f.tenant_id = vf.tenant_id AND f.id = vf.file_id`

func versionFiles(ctx context.Context, tx pgx.Tx, org, versionID uuid.UUID) ([]File, error) {
	rows, err := tx.Query(ctx, versionFileSelect+` WHERE vf.tenant_id = $1 AND vf.version_id = $2 ORDER BY f.filename, f.id`, org, versionID)
	if err != nil {
		return nil, err
	}
	return database.CollectRows[File](rows)
}

// versionContentHash is the SHA-256 of exactly what an approver signs: the document's number
// and title, the revision, its text and change summary, and each attached file's name and hash.
func versionContentHash(d Document, v DocumentVersion, files []File) string {
	parts := []string{"plumbline document version 1", d.Number, d.Title, strconv.Itoa(v.Revision), v.Body, v.ChangeSummary}
	var fs []string
	for _, f := range files {
		fs = append(fs, f.SHA256+" "+f.Filename)
	}
	sort.Strings(fs)
	return ContentHash(append(parts, fs...)...)
}

// DraftInput is the content of a draft as its author writes it.
type DraftInput struct {
	Body          string
	ChangeSummary string
	// RemoveFileIDs are attached files to take off the draft.
	RemoveFileIDs []uuid.UUID
	// Uploads are new files received for the draft (see ReceiveFile).
	Uploads []Upload
}

func (in *DraftInput) validate(c checks) {
	// Browsers send CRLF; the text is stored, hashed and compared with LF only.
	in.Body = strings.ReplaceAll(in.Body, "\r\n", "\n")
	in.ChangeSummary = clean(in.ChangeSummary)
	c.maxLen("body", in.Body, 200000)
	c.maxLen("change_summary", in.ChangeSummary, 2000)
}

func insertVersion(ctx context.Context, tx pgx.Tx, a Actor, now time.Time, documentID uuid.UUID, revision int,
	basedOn *uuid.UUID, body, summary string) (DocumentVersion, error) {
	var id uuid.UUID
	err := tx.QueryRow(ctx, `INSERT INTO document_versions (tenant_id, document_id, revision, body, change_summary,
		based_on_id, author_id, editor_ids, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, ARRAY[$7::uuid], $8, $8) RETURNING id`,
		a.OrgID, documentID, revision, body, summary, basedOn, a.UserID, now).Scan(&id)
	if err != nil {
		if database.ErrorCode(err) == database.CodeUniqueViolation {
			return DocumentVersion{}, conflict("A revision of this document is already under way. Finish or withdraw it first.")
		}
		return DocumentVersion{}, err
	}
	return getVersion(ctx, tx, a.OrgID, documentID, id)
}

func attachUploads(ctx context.Context, tx pgx.Tx, a Actor, versionID uuid.UUID, uploads []Upload) error {
	for _, u := range uploads {
		f, err := insertFile(ctx, tx, a, u)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO document_version_files (tenant_id, version_id, file_id) VALUES ($1, $2, $3)`,
			a.OrgID, versionID, f.ID); err != nil {
			return err
		}
	}
	return nil
}

// ReviseDocument starts a new draft revision, copied (text and files) from the version in
// force, or from the latest version when none is in force yet. Approved versions are never
// changed: revising always means a new draft.
func (s *Service) ReviseDocument(ctx context.Context, a Actor, documentID uuid.UUID) (DocumentVersion, error) {
	if err := a.Require(auth.PermDraftDocuments); err != nil {
		return DocumentVersion{}, err
	}
	var v DocumentVersion
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		var err error
		v, err = s.revise(ctx, tx, a, documentID)
		return err
	})
	return v, err
}

func (s *Service) revise(ctx context.Context, tx pgx.Tx, a Actor, documentID uuid.UUID) (DocumentVersion, error) {
	doc, err := getDocument(ctx, tx, a.OrgID, documentID, true)
	if err != nil {
		return DocumentVersion{}, err
	}
	if err := requireDraft(a, doc); err != nil {
		return DocumentVersion{}, err
	}
	if doc.Obsolete() {
		return DocumentVersion{}, conflict(doc.Number + " is obsolete and cannot be revised.")
	}
	if doc.OpenRevision != nil {
		return DocumentVersion{}, conflict("Revision " + strconv.Itoa(*doc.OpenRevision) + " of " + doc.Number +
			" is already under way (" + strings.ToLower(StateLabel(*doc.OpenState)) + "). Finish or withdraw it first.")
	}
	versions, err := documentVersions(ctx, tx, a.OrgID, documentID)
	if err != nil {
		return DocumentVersion{}, err
	}
	basis := versions[0] // the latest; the one in force if there is one
	for _, x := range versions {
		if x.Current() {
			basis = x
		}
	}
	v, err := insertVersion(ctx, tx, a, s.now(), documentID, versions[0].Revision+1, &basis.ID, basis.Body, "")
	if err != nil {
		return DocumentVersion{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO document_version_files (tenant_id, version_id, file_id)
		SELECT tenant_id, $3, file_id FROM document_version_files WHERE tenant_id = $1 AND version_id = $2`,
		a.OrgID, basis.ID, v.ID); err != nil {
		return DocumentVersion{}, err
	}
	return v, record(ctx, tx, a, change{
		Action: "document.revise", EntityType: "document", EntityID: documentID.String(),
		Summary: "Started revision " + strconv.Itoa(v.Revision) + " of " + doc.Number + " from revision " + strconv.Itoa(basis.Revision),
		After:   v,
	})
}

// openVersionForChange loads a document (locked) and one of its versions for a transition.
func openVersionForChange(ctx context.Context, tx pgx.Tx, a Actor, documentID, versionID uuid.UUID) (Document, DocumentVersion, error) {
	doc, err := getDocument(ctx, tx, a.OrgID, documentID, true)
	if err != nil {
		return Document{}, DocumentVersion{}, err
	}
	v, err := getVersion(ctx, tx, a.OrgID, documentID, versionID)
	return doc, v, err
}

func notInState(doc Document, v DocumentVersion, doing string) error {
	return conflict("Revision " + strconv.Itoa(v.Revision) + " of " + doc.Number + " is " +
		strings.ToLower(StateLabel(v.State)) + ", so it cannot be " + doing + ".")
}

// EditDraft saves the content of a draft. Only drafts can be edited; version is the one the
// author loaded, and a stale one is refused with nothing changed, so the author can compare.
func (s *Service) EditDraft(ctx context.Context, a Actor, documentID, versionID uuid.UUID, version int, in DraftInput) (DocumentVersion, error) {
	if err := a.Require(auth.PermDraftDocuments); err != nil {
		return DocumentVersion{}, err
	}
	c := checks{}
	in.validate(c)
	if err := c.err(); err != nil {
		return DocumentVersion{}, err
	}
	var after DocumentVersion
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		doc, before, err := openVersionForChange(ctx, tx, a, documentID, versionID)
		if err != nil {
			return err
		}
		if err := requireDraft(a, doc); err != nil {
			return err
		}
		if before.State != VersionDraft {
			return notInState(doc, before, "edited; only drafts can be edited")
		}
		if before.Version != version {
			return staleEdit("draft")
		}
		if _, err := tx.Exec(ctx, `UPDATE document_versions SET body = $3, change_summary = $4,
			editor_ids = CASE WHEN $5::uuid = ANY(editor_ids) THEN editor_ids ELSE editor_ids || $5::uuid END,
			version = version + 1, updated_at = $6 WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, versionID, in.Body, in.ChangeSummary, a.UserID, s.now()); err != nil {
			return err
		}
		if len(in.RemoveFileIDs) > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM document_version_files WHERE tenant_id = $1 AND version_id = $2 AND file_id = ANY($3)`,
				a.OrgID, versionID, in.RemoveFileIDs); err != nil {
				return err
			}
		}
		if err := attachUploads(ctx, tx, a, versionID, in.Uploads); err != nil {
			return err
		}
		if after, err = getVersion(ctx, tx, a.OrgID, documentID, versionID); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "document.edit_draft", EntityType: "document", EntityID: documentID.String(),
			Summary: "Edited the draft of revision " + strconv.Itoa(after.Revision) + " of " + doc.Number,
			Before:  versionTrail(before), After: versionTrail(after),
		})
	})
	return after, err
}

// versionTrail is what the audit trail keeps of a version: its state and summary, and a hash
// of the text rather than the whole text.
func versionTrail(v DocumentVersion) map[string]any {
	return map[string]any{
		"revision": v.Revision, "state": v.State, "change_summary": v.ChangeSummary,
		"text_sha256": ContentHash(v.Body), "effective_on": v.EffectiveOn,
	}
}

// SubmitInput names who reviews a draft and who approves it.
type SubmitInput struct {
	ReviewerIDs []uuid.UUID
	ApproverID  uuid.UUID
}

// SubmitForReview sends a draft to its reviewers and approver. The approver must hold the
// approval permission and must not have written or edited the draft.
func (s *Service) SubmitForReview(ctx context.Context, a Actor, documentID, versionID uuid.UUID, version int, in SubmitInput) (DocumentVersion, error) {
	if err := a.Require(auth.PermDraftDocuments); err != nil {
		return DocumentVersion{}, err
	}
	c := checks{}
	if in.ApproverID == uuid.Nil {
		c.add("approver_id", "Choose who approves this version.")
	}
	if err := c.err(); err != nil {
		return DocumentVersion{}, err
	}
	var after DocumentVersion
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		doc, before, err := openVersionForChange(ctx, tx, a, documentID, versionID)
		if err != nil {
			return err
		}
		if err := requireDraft(a, doc); err != nil {
			return err
		}
		if before.State != VersionDraft {
			return notInState(doc, before, "submitted")
		}
		if before.Version != version {
			return staleEdit("draft")
		}
		files, err := versionFiles(ctx, tx, a.OrgID, versionID)
		if err != nil {
			return err
		}
		if strings.TrimSpace(before.Body) == "" && len(files) == 0 {
			return invalidField("body", "This draft has neither text nor files. Write the document or attach it before submitting.")
		}
		if before.ChangeSummary == "" {
			return invalidField("change_summary", "Say what changed in this revision (for a first issue: \"First issue\"), then submit.")
		}
		c := checks{}
		approver, err := getMember(ctx, tx, a.OrgID, in.ApproverID, false)
		switch {
		case ErrorKind(err) == KindNotFound:
			c.add("approver_id", "The approver must be a member of this organisation.")
		case err != nil:
			return err
		case !approver.Role.Can(auth.PermApproveDocuments):
			c.add("approver_id", approver.Name+" is a "+approver.Role.Label()+" and may not approve documents.")
		case before.Contributed(approver.UserID):
			c.add("approver_id", approver.Name+" wrote or edited this version, and the author may not approve their own version.")
		}
		var reviewers []uuid.UUID
		for _, id := range in.ReviewerIDs {
			if id == uuid.Nil || slices.Contains(reviewers, id) {
				continue
			}
			m, err := getMember(ctx, tx, a.OrgID, id, false)
			if ErrorKind(err) == KindNotFound {
				c.add("reviewer_ids", "Reviewers must be members of this organisation.")
				continue
			} else if err != nil {
				return err
			}
			if before.Contributed(m.UserID) {
				c.add("reviewer_ids", m.Name+" wrote or edited this version and cannot review it.")
			}
			reviewers = append(reviewers, id)
		}
		if err := c.err(); err != nil {
			return err
		}
		round := before.ReviewRound + 1
		for _, id := range reviewers {
			if _, err := tx.Exec(ctx, `INSERT INTO document_version_reviews (tenant_id, version_id, round, reviewer_id)
				VALUES ($1, $2, $3, $4)`, a.OrgID, versionID, round, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE document_versions SET state = 'in_review', approver_id = $3, review_round = $4,
			submitted_at = $5, version = version + 1, updated_at = $5 WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, versionID, in.ApproverID, round, s.now()); err != nil {
			return err
		}
		if after, err = getVersion(ctx, tx, a.OrgID, documentID, versionID); err != nil {
			return err
		}
		who := "no reviewers"
		if n := len(reviewers); n > 0 {
			who = strconv.Itoa(n) + " reviewer"
			if n > 1 {
				who += "s"
			}
		}
		return record(ctx, tx, a, change{
			Action: "document.submit", EntityType: "document", EntityID: documentID.String(),
			Summary: "Submitted revision " + strconv.Itoa(after.Revision) + " of " + doc.Number + " for review (" + who +
				", approver " + approver.Name + ")",
			Before: versionTrail(before), After: versionTrail(after),
		})
	})
	return after, err
}

// Review decisions.
const (
	ReviewApproved         = "approved"
	ReviewChangesRequested = "changes_requested"
)

// VersionReview is a reviewer's part in one submission round.
type VersionReview struct {
	ID           uuid.UUID  `db:"id"`
	Round        int        `db:"round"`
	ReviewerID   uuid.UUID  `db:"reviewer_id"`
	ReviewerName string     `db:"reviewer_name"`
	Decision     *string    `db:"decision"`
	Comment      string     `db:"comment"`
	DecidedAt    *time.Time `db:"decided_at"`
}

func versionReviews(ctx context.Context, tx pgx.Tx, org, versionID uuid.UUID) ([]VersionReview, error) {
	rows, err := tx.Query(ctx, `SELECT r.id, r.round, r.reviewer_id, u.name AS reviewer_name, r.decision, r.comment, r.decided_at
		  FROM document_version_reviews r JOIN users u ON u.id = r.reviewer_id
		 WHERE r.tenant_id = $1 AND r.version_id = $2 ORDER BY r.round DESC, u.name`, org, versionID)
	if err != nil {
		return nil, err
	}
	return database.CollectRows[VersionReview](rows)
}

// ReviewVersion records a reviewer's decision. Requesting changes needs a comment and sends
// the version back to draft for its author.
func (s *Service) ReviewVersion(ctx context.Context, a Actor, documentID, versionID uuid.UUID, decision, comment string) (DocumentVersion, error) {
	comment = clean(comment)
	c := checks{}
	switch decision {
	case ReviewApproved:
	case ReviewChangesRequested:
		c.require("comment", comment, "Say what needs to change.")
	default:
		c.add("decision", "Choose whether you approve the version or request changes.")
	}
	c.maxLen("comment", comment, 4000)
	if err := c.err(); err != nil {
		return DocumentVersion{}, err
	}
	var after DocumentVersion
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		doc, before, err := openVersionForChange(ctx, tx, a, documentID, versionID)
		if err != nil {
			return err
		}
		if before.State != VersionInReview {
			return notInState(doc, before, "reviewed")
		}
		tag, err := tx.Exec(ctx, `UPDATE document_version_reviews SET decision = $5, comment = $6, decided_at = $7
			WHERE tenant_id = $1 AND version_id = $2 AND round = $3 AND reviewer_id = $4 AND decision IS NULL`,
			a.OrgID, versionID, before.ReviewRound, a.UserID, decision, comment, s.now())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &Error{Kind: KindForbidden, Message: "You are not a reviewer of this version, or you have already given your decision."}
		}
		action, summary := "document.review_approve", a.Name+" approved revision "+strconv.Itoa(before.Revision)+" of "+doc.Number+" in review"
		if decision == ReviewChangesRequested {
			if _, err := tx.Exec(ctx, `UPDATE document_versions SET state = 'draft', version = version + 1, updated_at = $3
				WHERE tenant_id = $1 AND id = $2`, a.OrgID, versionID, s.now()); err != nil {
				return err
			}
			action, summary = "document.changes_requested", a.Name+" requested changes to revision "+strconv.Itoa(before.Revision)+" of "+doc.Number+": "+comment
		}
		if after, err = getVersion(ctx, tx, a.OrgID, documentID, versionID); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: action, EntityType: "document", EntityID: documentID.String(), Summary: summary,
			Before: versionTrail(before), After: versionTrail(after),
		})
	})
	return after, err
}

// ApproveInput is the approver's signature and when the version takes effect.
type ApproveInput struct {
	Password string
	Meaning  string
	Comment  string
	// EffectiveOn is the day the version takes effect; nil, today or earlier: on approval.
	EffectiveOn *time.Time
}

// ApproveVersion is the named approver's electronic signature on a version in review. The
// version takes effect at once, superseding the one in force, or waits for the chosen day.
func (s *Service) ApproveVersion(ctx context.Context, a Actor, documentID, versionID uuid.UUID, version int, in ApproveInput) (DocumentVersion, error) {
	if err := a.Require(auth.PermApproveDocuments); err != nil {
		return DocumentVersion{}, err
	}
	in.Comment = clean(in.Comment)
	c := checks{}
	if in.Meaning != ApprovalMeaning {
		c.add("meaning", "Choose what your signature means.")
	}
	c.maxLen("comment", in.Comment, 2000)
	if in.EffectiveOn != nil && in.EffectiveOn.After(s.today().AddDate(2, 0, 0)) {
		c.add("effective_on", "Choose a day within the next two years.")
	}
	if err := c.err(); err != nil {
		return DocumentVersion{}, err
	}
	if err := s.confirmSigner(ctx, a, in.Password); err != nil {
		return DocumentVersion{}, err
	}
	var after DocumentVersion
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		doc, before, err := openVersionForChange(ctx, tx, a, documentID, versionID)
		if err != nil {
			return err
		}
		if before.State != VersionInReview {
			return notInState(doc, before, "approved")
		}
		if before.Version != version {
			return staleEdit("version")
		}
		if before.Contributed(a.UserID) {
			return &Error{Kind: KindForbidden, Message: "You wrote or edited this version; the author may not approve their own version."}
		}
		if before.ApproverID == nil || *before.ApproverID != a.UserID {
			return &Error{Kind: KindForbidden, Message: "Only the approver named when the version was submitted may approve it."}
		}
		reviews, err := versionReviews(ctx, tx, a.OrgID, versionID)
		if err != nil {
			return err
		}
		var waiting []string
		for _, r := range reviews {
			if r.Round == before.ReviewRound && (r.Decision == nil || *r.Decision != ReviewApproved) {
				waiting = append(waiting, r.ReviewerName)
			}
		}
		if len(waiting) > 0 {
			return conflict("Waiting for the review of " + strings.Join(waiting, ", ") + ". Approve once every reviewer has approved.")
		}
		files, err := versionFiles(ctx, tx, a.OrgID, versionID)
		if err != nil {
			return err
		}
		hash := versionContentHash(doc, before, files)
		now := s.now()
		var effectiveOn *time.Time
		if in.EffectiveOn != nil && in.EffectiveOn.After(s.today()) {
			effectiveOn = in.EffectiveOn
		}
		if _, err := tx.Exec(ctx, `UPDATE document_versions SET state = 'approved', approved_at = $3, approved_by = $4,
			content_sha256 = $5, effective_on = $6, version = version + 1, updated_at = $3 WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, versionID, now, a.UserID, hash, effectiveOn); err != nil {
			return err
		}
		if _, err := recordSignature(ctx, tx, a, "document_version", versionID, ApprovalMeaning, hash, in.Comment); err != nil {
			return err
		}
		if after, err = getVersion(ctx, tx, a.OrgID, documentID, versionID); err != nil {
			return err
		}
		summary := "Approved revision " + strconv.Itoa(after.Revision) + " of " + doc.Number
		if effectiveOn != nil {
			summary += ", to take effect on " + effectiveOn.Format("2 Jan 2006")
		}
		if err := record(ctx, tx, a, change{
			Action: "document.approve", EntityType: "document", EntityID: documentID.String(), Summary: summary,
			Before: versionTrail(before), After: versionTrail(after),
		}); err != nil {
			return err
		}
		if effectiveOn == nil {
			if err := s.makeEffective(ctx, tx, a, now, doc, after); err != nil {
				return err
			}
			after, err = getVersion(ctx, tx, a.OrgID, documentID, versionID)
		}
		return err
	})
	return after, err
}

// makeEffective puts an approved version in force at now: the version in force before it is
// superseded in the same transaction, the next periodic review is set, open review flags are
// resolved by the revision, and the people the document concerns get it to acknowledge. The
// state change is conditional, so two runs at once cannot both make it effective.
func (s *Service) makeEffective(ctx context.Context, tx pgx.Tx, a Actor, now time.Time, doc Document, v DocumentVersion) error {
	rows, err := tx.Query(ctx, `UPDATE document_versions SET state = 'superseded', effective_until = $3, version = version + 1, updated_at = $3
		WHERE tenant_id = $1 AND document_id = $2 AND state = 'effective' RETURNING revision`, a.OrgID, doc.ID, now)
	if err != nil {
		return err
	}
	superseded, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return err
	}
	for _, rev := range superseded {
		if err := record(ctx, tx, a, change{
			Action: "document.supersede", EntityType: "document", EntityID: doc.ID.String(),
			Summary: "Revision " + strconv.Itoa(rev) + " of " + doc.Number + " was superseded by revision " + strconv.Itoa(v.Revision),
			After:   map[string]any{"revision": rev, "state": VersionSuperseded, "effective_until": now},
		}); err != nil {
			return err
		}
	}
	tag, err := tx.Exec(ctx, `UPDATE document_versions SET state = 'effective', effective_from = $3, version = version + 1, updated_at = $3
		WHERE tenant_id = $1 AND id = $2 AND state = 'approved'`, a.OrgID, v.ID, now)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return conflict("Revision " + strconv.Itoa(v.Revision) + " of " + doc.Number + " is no longer waiting to take effect.")
	}
	y, m, d := now.UTC().Date()
	nextReview := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, doc.ReviewIntervalMonths, 0)
	if _, err := tx.Exec(ctx, `UPDATE documents SET next_review_on = $3, version = version + 1, updated_at = $4
		WHERE tenant_id = $1 AND id = $2`, a.OrgID, doc.ID, nextReview, now); err != nil {
		return err
	}
	if _, err := resolveOpenFlags(ctx, tx, a, now, doc, "revised", "Revision "+strconv.Itoa(v.Revision)+" took effect."); err != nil {
		return err
	}
	assigned, err := assignAcknowledgements(ctx, tx, a.OrgID, now, doc.ID, v.ID)
	if err != nil {
		return err
	}
	return record(ctx, tx, a, change{
		Action: "document.effective", EntityType: "document", EntityID: doc.ID.String(),
		Summary: "Revision " + strconv.Itoa(v.Revision) + " of " + doc.Number + " took effect; " +
			strconv.Itoa(assigned) + " people asked to acknowledge it; next review " + nextReview.Format("2 Jan 2006"),
		After: map[string]any{"revision": v.Revision, "state": VersionEffective, "effective_from": now, "next_review_on": nextReview},
	})
}

// SchedulerName is who the trail names for changes the scheduler makes.
const SchedulerName = "Plumbline scheduler"

// MakeDueVersionsEffective puts in force every approved version whose chosen day has come, in
// every organisation, and returns how many it did. It is safe to run again at any time and
// from several servers at once: each document is locked before its version is looked at
// again, and the transition is conditional on the version still waiting.
func (s *Service) MakeDueVersionsEffective(ctx context.Context) (int, error) {
	return s.inEveryOrganisation(ctx, s.makeDueVersionsEffectiveIn)
}

func (s *Service) makeDueVersionsEffectiveIn(ctx context.Context, org Organisation) (int, error) {
	a := SystemActor(org, SchedulerName)
	n := 0
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT document_id, id FROM document_versions
			WHERE tenant_id = $1 AND state = 'approved' AND effective_on <= $2::date
			ORDER BY effective_on, id`, org.ID, s.today())
		if err != nil {
			return err
		}
		due, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]uuid.UUID, error) {
			var ids [2]uuid.UUID
			return ids, r.Scan(&ids[0], &ids[1])
		})
		if err != nil {
			return err
		}
		for _, ids := range due {
			doc, v, err := openVersionForChange(ctx, tx, a, ids[0], ids[1])
			if err != nil {
				return err
			}
			if v.State != VersionApproved {
				continue // another run got there first
			}
			if err := s.makeEffective(ctx, tx, a, s.now(), doc, v); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// WithdrawVersion abandons a revision that has not taken effect. Drafts and versions in
// review may be withdrawn by those who may draft the document; an approved version waiting
// for its day only by a document manager.
func (s *Service) WithdrawVersion(ctx context.Context, a Actor, documentID, versionID uuid.UUID, version int) (DocumentVersion, error) {
	if err := a.Require(auth.PermDraftDocuments); err != nil {
		return DocumentVersion{}, err
	}
	var after DocumentVersion
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		doc, before, err := openVersionForChange(ctx, tx, a, documentID, versionID)
		if err != nil {
			return err
		}
		if err := requireDraft(a, doc); err != nil {
			return err
		}
		if !before.Open() {
			return notInState(doc, before, "withdrawn")
		}
		if before.State == VersionApproved {
			if err := a.Require(auth.PermManageDocuments); err != nil {
				return err
			}
		}
		if before.Version != version {
			return staleEdit("version")
		}
		if _, err := tx.Exec(ctx, `UPDATE document_versions SET state = 'withdrawn', withdrawn_at = $3, version = version + 1, updated_at = $3
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, versionID, s.now()); err != nil {
			return err
		}
		if after, err = getVersion(ctx, tx, a.OrgID, documentID, versionID); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "document.withdraw", EntityType: "document", EntityID: documentID.String(),
			Summary: "Withdrew revision " + strconv.Itoa(after.Revision) + " of " + doc.Number,
			Before:  versionTrail(before), After: versionTrail(after),
		})
	})
	return after, err
}

// VersionView is everything the page of one version shows.
type VersionView struct {
	Document   Document
	Version    DocumentVersion
	Files      []File
	Reviews    []VersionReview
	Signatures []Signature
	// Revisions lists every version of the document, newest first, without their text.
	Revisions []DocumentVersion
	// HashMatches says whether the text and files still hash to what the approver signed.
	HashMatches bool
	// MyAcknowledgement is the viewer's acknowledgement of this version, if they have one.
	MyAcknowledgement *Acknowledgement
	CanDraft          bool // may edit, submit or withdraw (drafts and versions in review)
	CanApprove        bool // is the named approver and may sign now
	CanReview         bool // is a reviewer of the current round without a decision
	Members           []Member
}

// DocumentVersionView loads a version with its files, reviews and signatures.
func (s *Service) DocumentVersionView(ctx context.Context, a Actor, documentID, versionID uuid.UUID) (VersionView, error) {
	var vw VersionView
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		if vw.Document, err = getDocument(ctx, tx, a.OrgID, documentID, false); err != nil {
			return err
		}
		if vw.Version, err = getVersion(ctx, tx, a.OrgID, documentID, versionID); err != nil {
			return err
		}
		if vw.Files, err = versionFiles(ctx, tx, a.OrgID, versionID); err != nil {
			return err
		}
		if vw.Reviews, err = versionReviews(ctx, tx, a.OrgID, versionID); err != nil {
			return err
		}
		if vw.Signatures, err = signaturesOf(ctx, tx, a.OrgID, "document_version", versionID); err != nil {
			return err
		}
		if vw.Revisions, err = documentVersions(ctx, tx, a.OrgID, documentID); err != nil {
			return err
		}
		for i := range vw.Revisions {
			vw.Revisions[i].Body = ""
		}
		if vw.MyAcknowledgement, err = acknowledgementOf(ctx, tx, a.OrgID, versionID, a.UserID); err != nil {
			return err
		}
		if vw.Version.State == VersionDraft && canDraft(a, vw.Document) {
			rows, err := tx.Query(ctx, memberSelect+` WHERE m.tenant_id = $1 ORDER BY u.name, u.email`, a.OrgID)
			if err != nil {
				return err
			}
			if vw.Members, err = database.CollectRows[Member](rows); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return VersionView{}, err
	}
	v := vw.Version
	if v.ContentSHA256 != nil {
		vw.HashMatches = versionContentHash(vw.Document, v, vw.Files) == *v.ContentSHA256
	}
	vw.CanDraft = canDraft(a, vw.Document) && (v.State == VersionDraft || v.State == VersionInReview)
	if v.State == VersionInReview {
		vw.CanApprove = a.Can(auth.PermApproveDocuments) && v.ApproverID != nil && *v.ApproverID == a.UserID && !v.Contributed(a.UserID)
		for _, r := range vw.Reviews {
			if r.Round == v.ReviewRound && r.ReviewerID == a.UserID && r.Decision == nil {
				vw.CanReview = true
			}
		}
	}
	return vw, nil
}

// CompareVersions loads two versions of a document, with their text, to compare.
func (s *Service) CompareVersions(ctx context.Context, a Actor, documentID, fromID, toID uuid.UUID) (Document, DocumentVersion, DocumentVersion, error) {
	var doc Document
	var from, to DocumentVersion
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		if doc, err = getDocument(ctx, tx, a.OrgID, documentID, false); err != nil {
			return err
		}
		if from, err = getVersion(ctx, tx, a.OrgID, documentID, fromID); err != nil {
			return err
		}
		to, err = getVersion(ctx, tx, a.OrgID, documentID, toID)
		return err
	})
	return doc, from, to, err
}
