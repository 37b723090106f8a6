package qms

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// Document is a controlled document in the register (ISO 9001 7.5: documented information
// to maintain), with what people need to see in a list: the version in force and the
// revision under way, if any.
type Document struct {
	ID                   uuid.UUID  `db:"id" json:"id"`
	Number               string     `db:"number" json:"number"`
	Title                string     `db:"title" json:"title"`
	TypeID               uuid.UUID  `db:"type_id" json:"type_id"`
	TypeName             string     `db:"type_name" json:"type"`
	TypeKind             string     `db:"type_kind" json:"-"`
	ProcessID            uuid.UUID  `db:"process_id" json:"process_id"`
	ProcessName          string     `db:"process_name" json:"process"`
	ProcessOwnerID       uuid.UUID  `db:"process_owner_id" json:"-"`
	OwnerID              uuid.UUID  `db:"owner_user_id" json:"owner_user_id"`
	OwnerName            string     `db:"owner_name" json:"owner"`
	ReviewIntervalMonths int        `db:"review_interval_months" json:"review_interval_months"`
	NextReviewOn         *time.Time `db:"next_review_on" json:"next_review_on"`
	ObsoletedAt          *time.Time `db:"obsoleted_at" json:"obsoleted_at"`
	ObsoleteReason       string     `db:"obsolete_reason" json:"obsolete_reason"`
	Clauses              []string   `db:"clauses" json:"clauses"`
	Version              int        `db:"version" json:"version"`
	CreatedAt            time.Time  `db:"created_at" json:"-"`
	UpdatedAt            time.Time  `db:"updated_at" json:"-"`

	EffectiveVersionID *uuid.UUID `db:"effective_version_id" json:"-"`
	EffectiveRevision  *int       `db:"effective_revision" json:"-"`
	EffectiveFrom      *time.Time `db:"effective_from" json:"-"`
	OpenVersionID      *uuid.UUID `db:"open_version_id" json:"-"`
	OpenRevision       *int       `db:"open_revision" json:"-"`
	OpenState          *string    `db:"open_state" json:"-"`
	OpenEffectiveOn    *time.Time `db:"open_effective_on" json:"-"`
	OpenFlags          int        `db:"open_flags" json:"-"`
}

// Obsolete reports whether the document was withdrawn from use.
func (d Document) Obsolete() bool { return d.ObsoletedAt != nil }

// Issued reports whether a version of the document is in force.
func (d Document) Issued() bool { return d.EffectiveVersionID != nil }

// Status is the document's state as the register shows it: effective, not_issued, obsolete.
func (d Document) Status() string {
	switch {
	case d.Obsolete():
		return "obsolete"
	case d.Issued():
		return "effective"
	}
	return "not_issued"
}

// ReviewOverdue reports whether the periodic review date has passed on day today.
func (d Document) ReviewOverdue(today time.Time) bool {
	return !d.Obsolete() && d.NextReviewOn != nil && d.NextReviewOn.Before(today)
}

// ReviewDueWithin reports whether the periodic review falls due within days of today.
func (d Document) ReviewDueWithin(today time.Time, days int) bool {
	return !d.Obsolete() && d.NextReviewOn != nil && !d.NextReviewOn.After(today.AddDate(0, 0, days))
}

// ReviewDueSoonDays is how far ahead "review due" looks.
const ReviewDueSoonDays = 30

// documentSelect reads documents of the organisation $1 with their type and process (looked up
// in $1, see pageFirst), owner, clauses, the version in force and the revision under way (each
// at most one, by the partial unique indexes) and open flags. The clauses are put in order by
// the expression of iso_clauses.sort_key rather than by joining iso_clauses: for each document
// of a page, that join hashed the whole table of clauses.
const documentSelect = `
	SELECT d.id, d.number, d.title, d.type_id, t.name AS type_name, t.kind AS type_kind,
	       d.process_id, p.name AS process_name, p.owner_user_id AS process_owner_id,
	       d.owner_user_id, u.name AS owner_name, d.review_interval_months, d.next_review_on,
	       d.obsoleted_at, d.obsolete_reason, d.version, d.created_at, d.updated_at,
	       array(SELECT c.clause_number FROM document_clauses c WHERE c.tenant_id = d.tenant_id AND c.document_id = d.id
	              ORDER BY string_to_array(c.clause_number, '.')::int[]) AS clauses,
	       ev.id AS effective_version_id, ev.revision AS effective_revision, ev.effective_from,
	       ov.id AS open_version_id, ov.revision AS open_revision, ov.state AS open_state, ov.effective_on AS open_effective_on,
	       (SELECT count(*)::int FROM document_review_flags f
	         WHERE f.tenant_id = d.tenant_id AND f.document_id = d.id AND f.resolved_at IS NULL) AS open_flags
	  FROM documents d
	  JOIN document_types t ON t.tenant_id = $1 AND t.id = d.type_id
	  JOIN processes p ON p.tenant_id = $1 AND p.id = d.process_id
	  JOIN users u ON u.id = d.owner_user_id
	  LEFT JOIN document_versions ev ON ev.tenant_id = d.tenant_id AND ev.document_id = d.id AND ev.state = 'effective'
	  LEFT JOIN document_versions ov ON ov.tenant_id = d.tenant_id AND ov.document_id = d.id
	        AND ov.state IN ('draft', 'in_review', 'approved')`

func getDocument(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, lock bool) (Document, error) {
	if lock {
		// Every change to a document or its versions locks the document first, so changes to
		// one document happen one after another.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM documents WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, org, id); err != nil {
			return Document{}, err
		}
	}
	var d Document
	b := &pgx.Batch{}
	queueDocument(b, org, id, &d)
	err := tx.SendBatch(ctx, b).Close()
	return d, err
}

// queueDocument queues the read of one document into out; a document not found (or not the
// organisation's) ends the batch with a not-found error.
func queueDocument(b *pgx.Batch, org, id uuid.UUID, out *Document) {
	b.Queue(documentSelect+` WHERE d.tenant_id = $1 AND d.id = $2`, org, id).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Document])
		return noRows(err, "Document")
	})
}

// canDraft reports whether a may write revisions of d: document managers for every document,
// process owners for the documents they own or whose process they own.
func canDraft(a Actor, d Document) bool {
	return a.Can(auth.PermManageDocuments) ||
		a.Can(auth.PermDraftDocuments) && (d.OwnerID == a.UserID || d.ProcessOwnerID == a.UserID)
}

func requireDraft(a Actor, d Document) error {
	if !canDraft(a, d) {
		return &Error{Kind: KindForbidden, Message: "Only the owner of " + d.Number + ", the owner of its process or a quality manager may change it."}
	}
	return nil
}

// DocumentFilter narrows the register. Zero values mean "any".
type DocumentFilter struct {
	TypeID    uuid.UUID
	ProcessID uuid.UUID
	OwnerID   uuid.UUID
	// Status: "" (everything not obsolete), "all", "effective", "not_issued", "draft",
	// "in_review", "approved" (waiting for its effective date), "obsolete".
	Status string
	// ReviewDue keeps documents whose periodic review is overdue or due within 30 days.
	ReviewDue bool
	// Flagged keeps documents with an open review flag.
	Flagged bool
	// Query searches number, title and the text of the version in force.
	Query string
	// After is the cursor: the number of the last document of the previous page.
	After string
	Limit int
}

// DocumentStatuses are the filter's choices, with the words people use.
var DocumentStatuses = []struct{ Value, Label string }{
	{"", "Current (not obsolete)"},
	{"effective", "Effective"},
	{"not_issued", "Not yet issued"},
	{"draft", "Revision in draft"},
	{"in_review", "Revision in review"},
	{"approved", "Approved, effective later"},
	{"obsolete", "Obsolete"},
	{"all", "Everything"},
}

func validDocumentStatus(s string) bool {
	for _, x := range DocumentStatuses {
		if x.Value == s {
			return true
		}
	}
	return false
}

// DocumentPage is one page of the register, by number.
type DocumentPage struct {
	Documents []Document
	// NextAfter is the cursor of the next page; empty on the last page.
	NextAfter string
}

// documentPageQuery builds the query of the documents rows f selects, in number order; limit
// 0 means no limit (export). The WHERE clause holds only the filters that are set, and the
// page is chosen from the documents alone along an index led by tenant_id and ordered by
// number before it is joined to its versions and names, so a plan kept for the query's shape
// suits a register of any size.
func (s *Service) documentPageQuery(a Actor, f DocumentFilter, limit int) (string, []any) {
	const hasEffective = `EXISTS (SELECT 1 FROM document_versions x
	       WHERE x.tenant_id = d.tenant_id AND x.document_id = d.id AND x.state = 'effective')`
	var w sqlWhere
	w.add("d.tenant_id = $%d", a.OrgID)
	if f.TypeID != uuid.Nil {
		w.add("d.type_id = $%d", f.TypeID)
	}
	if f.ProcessID != uuid.Nil {
		w.add("d.process_id = $%d", f.ProcessID)
	}
	if f.OwnerID != uuid.Nil {
		w.add("d.owner_user_id = $%d", f.OwnerID)
	}
	switch f.Status {
	case "":
		w.plain("d.obsoleted_at IS NULL")
	case "all":
	case "obsolete":
		w.plain("d.obsoleted_at IS NOT NULL")
	case "effective":
		w.plain("d.obsoleted_at IS NULL AND " + hasEffective)
	case "not_issued":
		w.plain("d.obsoleted_at IS NULL AND NOT " + hasEffective)
	case "draft", "in_review", "approved":
		// A revision on its way, at most one per document (document_versions_one_open). The
		// state is written into the query, one of these three, so that a kept plan can prove
		// it falls under that partial index: given as a parameter, the plan read every version
		// of the organisation's documents.
		w.plain(`EXISTS (SELECT 1 FROM document_versions x
		       WHERE x.tenant_id = d.tenant_id AND x.document_id = d.id AND x.state = '` + f.Status + `')`)
	}
	if f.ReviewDue {
		w.add("d.obsoleted_at IS NULL AND d.next_review_on <= $%d::date", s.today().AddDate(0, 0, ReviewDueSoonDays))
	}
	if f.Flagged {
		w.plain(`EXISTS (SELECT 1 FROM document_review_flags rf
		       WHERE rf.tenant_id = d.tenant_id AND rf.document_id = d.id AND rf.resolved_at IS NULL)`)
	}
	from := "documents d"
	if f.Query != "" {
		// The text of the version in force is joined, one version per document, rather than
		// tested in a subquery, which a plan may turn into a pass over every version.
		from += ` LEFT JOIN document_versions sv ON sv.tenant_id = d.tenant_id AND sv.document_id = d.id AND sv.state = 'effective'`
		w.add(`(d.search @@ websearch_to_tsquery('english', $%[1]d) OR d.number ILIKE $%[1]d || '%%'
		       OR sv.search @@ websearch_to_tsquery('english', $%[1]d))`, f.Query)
	}
	if f.After != "" {
		w.add("d.number > $%d", f.After)
	}
	page := "SELECT d.* FROM " + from + w.where() + " ORDER BY d.number"
	if limit > 0 {
		page += " LIMIT " + strconv.Itoa(limit)
	}
	return page, w.args
}

// documentListQuery is the register query for f: the page documentPageQuery chooses, joined
// to its versions and names.
func (s *Service) documentListQuery(a Actor, f DocumentFilter, limit int) (string, []any) {
	page, args := s.documentPageQuery(a, f, limit)
	return pageFirst(documentSelect, "documents d", page, " ORDER BY d.number"), args
}

func (f *DocumentFilter) normalise() {
	f.Query = strings.TrimSpace(f.Query)
	if len(f.Query) > 200 {
		f.Query = f.Query[:200]
	}
	if !validDocumentStatus(f.Status) {
		f.Status = ""
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
}

// Documents lists the register with filters and keyset pagination by number. Every member
// may read the register.
func (s *Service) Documents(ctx context.Context, a Actor, f DocumentFilter) (DocumentPage, error) {
	var page DocumentPage
	hits, err := s.searchDocuments(ctx, a, &f)
	if err != nil {
		return DocumentPage{}, err
	}
	b := &pgx.Batch{}
	s.queueDocuments(b, a, f, hits, &page)
	if err := s.readBatch(ctx, a, b); err != nil {
		return DocumentPage{}, err
	}
	return page, nil
}

// DocumentList is the documents page: one page of the register and its filter's choices.
type DocumentList struct {
	Page      DocumentPage
	Types     []DocumentType
	Processes []Process
	Members   []Member
}

// DocumentList reads the documents page (Documents, DocumentTypes, Processes and Members) in
// one round trip, after the search's own when f searches.
func (s *Service) DocumentList(ctx context.Context, a Actor, f DocumentFilter) (DocumentList, error) {
	var l DocumentList
	hits, err := s.searchDocuments(ctx, a, &f)
	if err != nil {
		return DocumentList{}, err
	}
	b := &pgx.Batch{}
	s.queueDocuments(b, a, f, hits, &l.Page)
	keepTypes := queueKept(s.cache, b, a.OrgID, "document_types", &l.Types, queueDocumentTypes)
	keep := s.queueChoices(b, a.OrgID, &l.Processes, nil, &l.Members)
	if err := s.readBatch(ctx, a, b); err != nil {
		return DocumentList{}, err
	}
	keepTypes()
	keep()
	return l, nil
}

// searchDocuments normalises f and, when it searches, finds the page of documents it matches
// (one more than the page, in number order, as the list reads them): nil when f does not
// search.
//
// How many documents a search matches decides whether to walk the register or look the words
// up first, and only a plan made for the words knows, so this query is planned on every run.
// It reads the documents and their versions in force and nothing else: planning the whole
// register query for each search cost twice as much as running it, where planning this part
// alone costs a fifth. The page found is then read with a kept plan, in a second round trip.
// The two reads are separate transactions; documents are never deleted, so a document found
// is still there to be read, as it stands then.
func (s *Service) searchDocuments(ctx context.Context, a Actor, f *DocumentFilter) ([]uuid.UUID, error) {
	f.normalise()
	if f.Query == "" {
		return nil, nil
	}
	page, args := s.documentPageQuery(a, *f, f.Limit+1)
	hits := []uuid.UUID{}
	b := &pgx.Batch{}
	database.QueuePlannedEachRun(b, `SELECT hit.id FROM (`+page+`) hit ORDER BY hit.number`, args...).
		Query(func(rows pgx.Rows) error {
			var err error
			hits, err = pgx.AppendRows(hits, rows, pgx.RowTo[uuid.UUID])
			return err
		})
	if err := s.readBatch(ctx, a, b); err != nil {
		return nil, err
	}
	return hits, nil
}

// queueDocuments queues the page of documents f selects into page; for a search, the
// documents searchDocuments found (hits).
func (s *Service) queueDocuments(b *pgx.Batch, a Actor, f DocumentFilter, hits []uuid.UUID, page *DocumentPage) {
	f.normalise()
	var q string
	var args []any
	if f.Query != "" {
		// OFFSET 0 keeps the found documents a subquery of their own, read by key: merged into
		// the joins, a plan kept for a tenant of average size reads every document of each
		// process and keeps those found.
		q = pageFirst(documentSelect, "documents d",
			`SELECT d.* FROM documents d WHERE d.tenant_id = $1 AND d.id = ANY($2) OFFSET 0`, " ORDER BY d.number")
		args = []any{a.OrgID, hits}
	} else {
		q, args = s.documentListQuery(a, f, f.Limit+1)
	}
	database.QueueKeptPlan(b, q, args...).Query(func(rows pgx.Rows) error {
		docs, err := database.CollectRows[Document](rows)
		*page = documentPageOf(docs, f.Limit)
		return err
	})
}

// documentPageOf is the page of docs, read one past limit to tell whether another follows.
func documentPageOf(docs []Document, limit int) DocumentPage {
	if len(docs) <= limit {
		return DocumentPage{Documents: docs}
	}
	return DocumentPage{Documents: docs[:limit], NextAfter: docs[limit-1].Number}
}

// ExportDocuments calls fn for every document matching f (ignoring its cursor and limit), in
// number order, streaming from the database rather than collecting the register in memory.
func (s *Service) ExportDocuments(ctx context.Context, a Actor, f DocumentFilter, fn func(Document) error) error {
	f.normalise()
	f.After = ""
	return s.read(ctx, a, func(tx pgx.Tx) error {
		q, args := s.documentListQuery(a, f, 0)
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := pgx.RowToStructByName[Document](rows)
			if err != nil {
				return err
			}
			if err := fn(d); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// DocumentInput is the register entry of a document as a person enters it.
type DocumentInput struct {
	Title                string
	TypeID               uuid.UUID // only when creating: the number depends on it
	ProcessID            uuid.UUID
	OwnerID              uuid.UUID
	ReviewIntervalMonths int
	Clauses              []string
}

func (in *DocumentInput) validate(creating bool) checks {
	in.Title = clean(in.Title)
	c := checks{}
	c.require("title", in.Title, "Enter the document's title.")
	c.maxLen("title", in.Title, 200)
	if creating && in.TypeID == uuid.Nil {
		c.add("type_id", "Choose the kind of document.")
	}
	if in.ProcessID == uuid.Nil {
		c.add("process_id", "Choose the process that owns this document.")
	}
	if in.OwnerID == uuid.Nil {
		c.add("owner_user_id", "Choose who owns this document.")
	}
	if in.ReviewIntervalMonths < 1 || in.ReviewIntervalMonths > 60 {
		c.add("review_interval_months", "Choose a review interval between 1 and 60 months.")
	}
	seen := map[string]bool{}
	var clauses []string
	for _, cl := range in.Clauses {
		if cl = clean(cl); cl != "" && !seen[cl] {
			seen[cl] = true
			clauses = append(clauses, cl)
		}
	}
	in.Clauses = clauses
	return c
}

// NewDocument is a new document with the text of its first draft.
type NewDocument struct {
	DocumentInput
	DraftInput
}

// documentWriteError turns constraint violations into messages next to the field concerned.
func documentWriteError(err error) error {
	if database.ErrorCode(err) == database.CodeForeignKeyViolation {
		switch c := database.ConstraintName(err); {
		case strings.Contains(c, "process"):
			return invalidField("process_id", "Choose a process of this organisation.")
		case strings.Contains(c, "owner"):
			return invalidField("owner_user_id", "The owner must be a member of this organisation.")
		case strings.Contains(c, "clause"):
			return invalidField("clauses", "Choose clauses from the ISO 9001 list.")
		case strings.Contains(c, "type"):
			return invalidField("type_id", "Choose the kind of document.")
		}
	}
	return err
}

// CreateDocument registers a document under the next number of its type, with its first
// draft. Process owners may create documents of processes they own, or that they will own.
func (s *Service) CreateDocument(ctx context.Context, a Actor, in NewDocument) (Document, error) {
	if err := a.Require(auth.PermDraftDocuments); err != nil {
		return Document{}, err
	}
	c := in.DocumentInput.validate(true)
	in.DraftInput.validate(c)
	if err := c.err(); err != nil {
		return Document{}, err
	}
	var doc Document
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		process, err := getProcess(ctx, tx, a.OrgID, in.ProcessID, false)
		if err != nil {
			if ErrorKind(err) == KindNotFound {
				return invalidField("process_id", "Choose a process of this organisation.")
			}
			return err
		}
		if !a.Can(auth.PermManageDocuments) && in.OwnerID != a.UserID && process.OwnerID != a.UserID {
			return &Error{Kind: KindForbidden, Message: "You may create documents of processes you own, or documents you own yourself."}
		}
		number, err := nextDocumentNumber(ctx, tx, a.OrgID, in.TypeID)
		if err != nil {
			return err
		}
		var id uuid.UUID
		err = tx.QueryRow(ctx, `INSERT INTO documents (tenant_id, number, title, type_id, process_id, owner_user_id,
			review_interval_months, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			a.OrgID, number, in.Title, in.TypeID, in.ProcessID, in.OwnerID, in.ReviewIntervalMonths, s.now()).Scan(&id)
		if err != nil {
			return documentWriteError(err)
		}
		if err := setDocumentClauses(ctx, tx, a.OrgID, id, in.Clauses); err != nil {
			return err
		}
		v, err := insertVersion(ctx, tx, a, s.now(), id, 1, nil, in.Body, in.ChangeSummary)
		if err != nil {
			return err
		}
		if err := attachUploads(ctx, tx, a, v.ID, in.Uploads); err != nil {
			return err
		}
		if doc, err = getDocument(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "document.create", EntityType: "document", EntityID: id.String(),
			Summary: "Registered " + doc.Number + " " + doc.Title + " with a first draft", After: doc,
		})
	})
	return doc, err
}

func setDocumentClauses(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, clauses []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM document_clauses WHERE tenant_id = $1 AND document_id = $2`, org, id); err != nil {
		return err
	}
	if len(clauses) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO document_clauses (tenant_id, document_id, clause_number)
		SELECT $1, $2, unnest($3::text[])`, org, id, clauses)
	return documentWriteError(err)
}

// UpdateDocument changes a document's register entry: title, process, owner, clauses and
// review interval. The type and number never change. version is the one the editor loaded.
func (s *Service) UpdateDocument(ctx context.Context, a Actor, id uuid.UUID, version int, in DocumentInput) (Document, error) {
	if err := a.Require(auth.PermDraftDocuments); err != nil {
		return Document{}, err
	}
	if err := in.validate(false).err(); err != nil {
		return Document{}, err
	}
	var after Document
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getDocument(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if err := requireDraft(a, before); err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("document")
		}
		if before.Obsolete() {
			return conflict(before.Number + " is obsolete; its register entry is kept as it was.")
		}
		_, err = tx.Exec(ctx, `UPDATE documents SET title = $3, process_id = $4, owner_user_id = $5,
			review_interval_months = $6, version = version + 1, updated_at = $7 WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, in.Title, in.ProcessID, in.OwnerID, in.ReviewIntervalMonths, s.now())
		if err != nil {
			return documentWriteError(err)
		}
		if err := setDocumentClauses(ctx, tx, a.OrgID, id, in.Clauses); err != nil {
			return err
		}
		if after, err = getDocument(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		summary := "Updated the register entry of " + after.Number
		if before.OwnerID != after.OwnerID {
			summary = "Handed " + after.Number + " from " + before.OwnerName + " to " + after.OwnerName
		}
		return record(ctx, tx, a, change{
			Action: "document.update", EntityType: "document", EntityID: id.String(),
			Summary: summary, Before: before, After: after,
		})
	})
	return after, err
}

// ObsoleteDocument withdraws a document from use. The version in force becomes obsolete
// (readable, bannered "not current"), a revision under way is withdrawn and open review
// flags are closed.
func (s *Service) ObsoleteDocument(ctx context.Context, a Actor, id uuid.UUID, version int, reason string) (Document, error) {
	if err := a.Require(auth.PermManageDocuments); err != nil {
		return Document{}, err
	}
	reason = clean(reason)
	c := checks{}
	c.require("reason", reason, "Say why the document is no longer needed.")
	c.maxLen("reason", reason, 2000)
	if err := c.err(); err != nil {
		return Document{}, err
	}
	var after Document
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getDocument(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("document")
		}
		if before.Obsolete() {
			return conflict(before.Number + " is already obsolete.")
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE document_versions SET state = 'withdrawn', withdrawn_at = $3, version = version + 1, updated_at = $3
			WHERE tenant_id = $1 AND document_id = $2 AND state IN ('draft', 'in_review', 'approved')`, a.OrgID, id, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE document_versions SET state = 'obsolete', effective_until = $3, version = version + 1, updated_at = $3
			WHERE tenant_id = $1 AND document_id = $2 AND state = 'effective'`, a.OrgID, id, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE documents SET obsoleted_at = $3, obsolete_reason = $4, next_review_on = NULL,
			version = version + 1, updated_at = $3 WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, now, reason); err != nil {
			return err
		}
		if _, err := resolveOpenFlags(ctx, tx, a, now, before, "dismissed", "The document was made obsolete."); err != nil {
			return err
		}
		if after, err = getDocument(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "document.obsolete", EntityType: "document", EntityID: id.String(),
			Summary: "Made " + after.Number + " obsolete: " + reason, Before: before, After: after,
		})
	})
	return after, err
}
