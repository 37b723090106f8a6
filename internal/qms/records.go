package qms

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/database"
)

// RecordState is where a record is in its life: a draft may change, a final record never
// does (a correction adds a revision), and a disposed record is a tombstone.
type RecordState string

const (
	RecordDraft    RecordState = "draft"
	RecordFinal    RecordState = "final"
	RecordDisposed RecordState = "disposed"
)

// Label is the state as people say it.
func (st RecordState) Label() string {
	switch st {
	case RecordDraft:
		return "Draft"
	case RecordFinal:
		return "Final"
	case RecordDisposed:
		return "Disposed of"
	}
	return string(st)
}

// Tone is the badge colour of the state.
func (st RecordState) Tone() string {
	switch st {
	case RecordDraft:
		return "warn"
	case RecordFinal:
		return "ok"
	}
	return "muted"
}

// Severity is how serious a complaint or incident is.
type Severity string

const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Severities lists every severity, least serious first.
var Severities = []Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// Valid reports whether v is one of Severities.
func (v Severity) Valid() bool {
	for _, x := range Severities {
		if v == x {
			return true
		}
	}
	return false
}

// Label is the severity as people say it.
func (v Severity) Label() string {
	if v == "" {
		return ""
	}
	return strings.ToUpper(string(v[:1])) + string(v[1:])
}

// Tone is the badge colour of the severity.
func (v Severity) Tone() string {
	switch v {
	case SeverityLow:
		return "info"
	case SeverityMedium:
		return "warn"
	case SeverityHigh, SeverityCritical:
		return "bad"
	}
	return "muted"
}

// ComplaintStatus is how far the handling of a complaint has got.
type ComplaintStatus string

const (
	ComplaintOpen          ComplaintStatus = "open"
	ComplaintInvestigating ComplaintStatus = "investigating"
	ComplaintClosed        ComplaintStatus = "closed"
)

// ComplaintStatuses lists every status in the order a complaint moves through them.
var ComplaintStatuses = []ComplaintStatus{ComplaintOpen, ComplaintInvestigating, ComplaintClosed}

// Valid reports whether st is one of ComplaintStatuses.
func (st ComplaintStatus) Valid() bool {
	for _, x := range ComplaintStatuses {
		if st == x {
			return true
		}
	}
	return false
}

// Label is the status as people say it.
func (st ComplaintStatus) Label() string {
	switch st {
	case ComplaintOpen:
		return "Open"
	case ComplaintInvestigating:
		return "Investigating"
	case ComplaintClosed:
		return "Closed"
	}
	return string(st)
}

// Tone is the badge colour of the status.
func (st ComplaintStatus) Tone() string {
	switch st {
	case ComplaintOpen:
		return "bad"
	case ComplaintInvestigating:
		return "warn"
	case ComplaintClosed:
		return "ok"
	}
	return "muted"
}

// RecordNumber is how a record's number is written: R-00042.
func RecordNumber(ref int) string { return fmt.Sprintf("R-%05d", ref) }

// Record is a record's identity and lifecycle. Its content is in its revisions.
type Record struct {
	ID                  uuid.UUID       `db:"id" json:"id"`
	Ref                 int             `db:"ref" json:"ref"`
	TypeID              uuid.UUID       `db:"type_id" json:"type_id"`
	TypeName            string          `db:"type_name" json:"type"`
	Kind                RecordKind      `db:"kind" json:"kind"`
	State               RecordState     `db:"state" json:"state"`
	ComplaintStatus     ComplaintStatus `db:"complaint_status" json:"complaint_status,omitempty"`
	RevisionCount       int             `db:"revision_count" json:"revision_count"`
	CurrentRevisionID   *uuid.UUID      `db:"current_revision_id" json:"-"`
	CreatedAt           time.Time       `db:"created_at" json:"created_at"`
	CreatedByName       string          `db:"created_by_name" json:"created_by"`
	FinalisedAt         *time.Time      `db:"finalised_at" json:"finalised_at"`
	FinalisedByName     string          `db:"finalised_by_name" json:"finalised_by,omitempty"`
	Version             int             `db:"version" json:"version"`
	DisposedAt          *time.Time      `db:"disposed_at" json:"disposed_at,omitempty"`
	DisposedByName      string          `db:"disposed_by_name" json:"disposed_by,omitempty"`
	DisposalReason      string          `db:"disposal_reason" json:"disposal_reason,omitempty"`
	DisposalSignatureID *uuid.UUID      `db:"disposal_signature_id" json:"disposal_signature_id,omitempty"`
	TombstoneTitle      string          `db:"tombstone_title" json:"tombstone_title,omitempty"`
	TombstoneEventDate  *time.Time      `db:"tombstone_event_date" json:"tombstone_event_date,omitempty"`
}

// Number is the record's number as people write it.
func (r Record) Number() string { return RecordNumber(r.Ref) }

// Revision is one version of a record's content. Revision 1 is the original; every later one
// is a correction with its reason.
type Revision struct {
	ID               uuid.UUID   `db:"id" json:"-"`
	Revision         int         `db:"revision" json:"revision"`
	State            RecordState `db:"state" json:"state"`
	Title            string      `db:"title" json:"title"`
	EventDate        time.Time   `db:"event_date" json:"event_date"`
	ProcessID        *uuid.UUID  `db:"process_id" json:"process_id"`
	ProcessName      string      `db:"process_name" json:"process"`
	SiteID           *uuid.UUID  `db:"site_id" json:"site_id"`
	SiteName         string      `db:"site_name" json:"site"`
	Description      string      `db:"description" json:"description"`
	Customer         string      `db:"customer" json:"customer,omitempty"`
	ProductService   string      `db:"product_service" json:"product_service,omitempty"`
	Severity         Severity    `db:"severity" json:"severity,omitempty"`
	SupplierID       *uuid.UUID  `db:"supplier_id" json:"supplier_id,omitempty"`
	SupplierName     string      `db:"supplier_name" json:"supplier,omitempty"`
	Score            *int        `db:"score" json:"score,omitempty"`
	Topic            string      `db:"topic" json:"topic,omitempty"`
	RetentionMonths  int         `db:"retention_months" json:"retention_months"`
	KeepUntil        time.Time   `db:"keep_until" json:"keep_until"`
	CorrectionReason string      `db:"correction_reason" json:"correction_reason,omitempty"`
	FileCount        int         `db:"file_count" json:"-"`
	RecordedBy       uuid.UUID   `db:"recorded_by" json:"-"`
	RecordedByName   string      `db:"recorded_by_name" json:"recorded_by"`
	RecordedAt       time.Time   `db:"recorded_at" json:"recorded_at"`
	FinalisedAt      *time.Time  `db:"finalised_at" json:"finalised_at"`
	Clauses          []ClauseRef `db:"-" json:"clauses"`
	Files            []File      `db:"-" json:"files"`
	Attendees        []Attendee  `db:"-" json:"attendees,omitempty"`
}

// ClauseRef is an ISO 9001 clause as a record names it.
type ClauseRef struct {
	Number string `db:"number" json:"number"`
	Title  string `db:"title" json:"title"`
}

// Attendee is a person who attended a training: a member, or a name only.
type Attendee struct {
	UserID *uuid.UUID `db:"user_id" json:"user_id,omitempty"`
	Name   string     `db:"name" json:"name"`
}

// RevisionSummary is a line of a record's revision history.
type RevisionSummary struct {
	Revision         int         `db:"revision"`
	State            RecordState `db:"state"`
	Title            string      `db:"title"`
	CorrectionReason string      `db:"correction_reason"`
	FileCount        int         `db:"file_count"`
	RecordedByName   string      `db:"recorded_by_name"`
	RecordedAt       time.Time   `db:"recorded_at"`
	FinalisedAt      *time.Time  `db:"finalised_at"`
}

// RecordDetail is a record as its page shows it: one revision (the current one unless an
// earlier one was asked for), the history of revisions and the signatures on it.
type RecordDetail struct {
	Record
	Shown      *Revision // nil when the record was disposed of
	Revisions  []RevisionSummary
	Signatures []Signature
}

// IsCurrent reports whether the revision shown is the record's current one.
func (d RecordDetail) IsCurrent() bool {
	return d.Shown != nil && d.CurrentRevisionID != nil && d.Shown.ID == *d.CurrentRevisionID
}

const recordSelect = `
	SELECT r.id, r.ref, r.type_id, t.name AS type_name, r.kind, r.state,
	       coalesce(r.complaint_status, '') AS complaint_status, r.revision_count, r.current_revision_id,
	       r.created_at, cu.name AS created_by_name, r.finalised_at, coalesce(fu.name, '') AS finalised_by_name,
	       r.version, r.disposed_at, coalesce(r.disposed_by_name, '') AS disposed_by_name,
	       coalesce(r.disposal_reason, '') AS disposal_reason, r.disposal_signature_id,
	       coalesce(r.tombstone_title, '') AS tombstone_title, r.tombstone_event_date
	  FROM records r
	  LEFT JOIN record_types t ON t.tenant_id = r.tenant_id AND t.id = r.type_id
	  JOIN users cu ON cu.id = r.created_by
	  LEFT JOIN users fu ON fu.id = r.finalised_by`

func getRecord(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, lock bool) (Record, error) {
	q := recordSelect + ` WHERE r.tenant_id = $1 AND r.id = $2`
	if lock {
		q += ` FOR UPDATE OF r`
	}
	rows, err := tx.Query(ctx, q, org, id)
	if err != nil {
		return Record{}, err
	}
	rec, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Record])
	return rec, noRows(err, "Record")
}

const revisionSelect = `
	SELECT v.id, v.revision, v.state, v.title, v.event_date, v.process_id, coalesce(p.name, '') AS process_name,
	       v.site_id, coalesce(st.name, '') AS site_name, v.description, v.customer, v.product_service,
	       coalesce(v.severity, '') AS severity, v.supplier_id, coalesce(su.name, '') AS supplier_name,
	       v.score, v.topic, v.retention_months, v.keep_until, v.correction_reason, v.file_count,
	       v.recorded_by, v.recorded_by_name, v.recorded_at, v.finalised_at
	  FROM record_revisions v
	  LEFT JOIN processes p ON p.tenant_id = v.tenant_id AND p.id = v.process_id
	  LEFT JOIN sites st ON st.tenant_id = v.tenant_id AND st.id = v.site_id
	  LEFT JOIN suppliers su ON su.tenant_id = v.tenant_id AND su.id = v.supplier_id`

// getRevision loads one revision of a record with its clauses, files and attendees; by its
// number when n > 0, else the one with id revID.
func getRevision(ctx context.Context, tx pgx.Tx, org, recordID uuid.UUID, revID uuid.UUID, n int) (Revision, error) {
	rows, err := tx.Query(ctx, revisionSelect+` WHERE v.tenant_id = $1 AND v.record_id = $2 AND (v.id = $3 OR v.revision = $4)`,
		org, recordID, revID, n)
	if err != nil {
		return Revision{}, err
	}
	rev, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Revision])
	if err != nil {
		return Revision{}, noRows(err, "Revision")
	}
	return rev, loadRevisionParts(ctx, tx, org, &rev)
}

func loadRevisionParts(ctx context.Context, tx pgx.Tx, org uuid.UUID, rev *Revision) error {
	b := &pgx.Batch{}
	b.Queue(`SELECT c.number, c.title FROM record_clauses rc JOIN iso_clauses c ON c.number = rc.clause_number
		WHERE rc.tenant_id = $1 AND rc.revision_id = $2 ORDER BY c.sort_key`, org, rev.ID).
		Query(func(rows pgx.Rows) error {
			var err error
			rev.Clauses, err = database.CollectRows[ClauseRef](rows)
			return err
		})
	b.Queue(`SELECT f.id, f.sha256, f.size_bytes, f.content_type, f.filename, f.uploaded_by, f.uploaded_at
		  FROM record_files rf JOIN files f ON f.tenant_id = rf.tenant_id AND f.id = rf.file_id
		 WHERE rf.tenant_id = $1 AND rf.revision_id = $2 ORDER BY lower(f.filename), f.id`, org, rev.ID).
		Query(func(rows pgx.Rows) error {
			var err error
			rev.Files, err = database.CollectRows[File](rows)
			return err
		})
	b.Queue(`SELECT user_id, name FROM record_attendees WHERE tenant_id = $1 AND revision_id = $2 ORDER BY lower(name), id`, org, rev.ID).
		Query(func(rows pgx.Rows) error {
			var err error
			rev.Attendees, err = database.CollectRows[Attendee](rows)
			return err
		})
	return tx.SendBatch(ctx, b).Close()
}

// Record loads a record with its current revision, its history and its signatures. Every
// member may read records.
func (s *Service) Record(ctx context.Context, a Actor, id uuid.UUID) (RecordDetail, error) {
	return s.recordDetail(ctx, a, id, 0)
}

// RecordRevision loads a record showing revision n, which may have been superseded.
func (s *Service) RecordRevision(ctx context.Context, a Actor, id uuid.UUID, n int) (RecordDetail, error) {
	if n < 1 {
		return RecordDetail{}, notFound("Revision")
	}
	return s.recordDetail(ctx, a, id, n)
}

func (s *Service) recordDetail(ctx context.Context, a Actor, id uuid.UUID, n int) (RecordDetail, error) {
	var d RecordDetail
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		if d.Record, err = getRecord(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		if d.State != RecordDisposed {
			cur := uuid.Nil
			if n == 0 {
				cur = *d.CurrentRevisionID
			}
			rev, err := getRevision(ctx, tx, a.OrgID, id, cur, n)
			if err != nil {
				return err
			}
			d.Shown = &rev
		} else if n > 0 {
			return notFound("Revision")
		}
		rows, err := tx.Query(ctx, `SELECT revision, state, title, correction_reason, file_count, recorded_by_name,
				recorded_at, finalised_at
			FROM record_revisions WHERE tenant_id = $1 AND record_id = $2 ORDER BY revision DESC`, a.OrgID, id)
		if err != nil {
			return err
		}
		if d.Revisions, err = database.CollectRows[RevisionSummary](rows); err != nil {
			return err
		}
		d.Signatures, err = signaturesOf(ctx, tx, a.OrgID, "record", id)
		return err
	})
	return d, err
}

// RecordRow is a record as lists and exports show it: its current revision, flattened.
type RecordRow struct {
	ID              uuid.UUID       `db:"id"`
	Ref             int             `db:"ref"`
	State           RecordState     `db:"state"`
	Kind            RecordKind      `db:"kind"`
	TypeID          uuid.UUID       `db:"type_id"`
	TypeName        string          `db:"type_name"`
	ComplaintStatus ComplaintStatus `db:"complaint_status"`
	Revision        int             `db:"revision"`
	Title           string          `db:"title"`
	EventDate       time.Time       `db:"event_date"`
	ProcessID       *uuid.UUID      `db:"process_id"`
	ProcessName     string          `db:"process_name"`
	SiteID          *uuid.UUID      `db:"site_id"`
	SiteName        string          `db:"site_name"`
	Customer        string          `db:"customer"`
	ProductService  string          `db:"product_service"`
	Severity        Severity        `db:"severity"`
	SupplierID      *uuid.UUID      `db:"supplier_id"`
	SupplierName    string          `db:"supplier_name"`
	Score           *int            `db:"score"`
	Topic           string          `db:"topic"`
	FileCount       int             `db:"file_count"`
	KeepUntil       time.Time       `db:"keep_until"`
	RetentionMonths int             `db:"retention_months"`
	RecordedByName  string          `db:"recorded_by_name"`
	Clauses         []string        `db:"clauses"`
}

// Number is the record's number as people write it.
func (r RecordRow) Number() string { return RecordNumber(r.Ref) }

// RecordFilter narrows the records list. Zero values mean "any". After is the cursor of the
// page before (RecordPage.Next).
type RecordFilter struct {
	Query           string
	TypeID          *uuid.UUID
	Kind            RecordKind
	ProcessID       *uuid.UUID
	SiteID          *uuid.UUID
	SupplierID      *uuid.UUID
	Clause          string
	From, To        *time.Time
	HasFiles        *bool
	State           RecordState
	ComplaintStatus ComplaintStatus
	Severity        Severity
	After           string
	Limit           int
	// pastRetention lists final records whose keep-until date is before this day, the
	// earliest first.
	pastRetention *time.Time
}

// RecordPage is one page of records. Next is the cursor of the following page, "" on the
// last one.
type RecordPage struct {
	Rows []RecordRow
	Next string
}

const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// recordRowSelect reads records with their current revision and names, looked up in the
// organisation $1 (see pageFirst).
const recordRowSelect = `
	SELECT r.id, r.ref, r.state, r.kind, r.type_id, t.name AS type_name,
	       coalesce(r.complaint_status, '') AS complaint_status, v.revision, v.title, v.event_date,
	       v.process_id, coalesce(p.name, '') AS process_name, v.site_id, coalesce(st.name, '') AS site_name,
	       v.customer, v.product_service, coalesce(v.severity, '') AS severity,
	       v.supplier_id, coalesce(su.name, '') AS supplier_name, v.score, v.topic, v.file_count,
	       v.keep_until, v.retention_months, v.recorded_by_name,
	       coalesce((SELECT array_agg(rc.clause_number ORDER BY string_to_array(rc.clause_number, '.')::int[])
	                   FROM record_clauses rc
	                  WHERE rc.tenant_id = v.tenant_id AND rc.revision_id = v.id), '{}') AS clauses
	  FROM records r
	  JOIN record_revisions v ON v.tenant_id = r.tenant_id AND v.id = r.current_revision_id
	  LEFT JOIN record_types t ON t.tenant_id = $1 AND t.id = r.type_id
	  LEFT JOIN processes p ON p.tenant_id = $1 AND p.id = v.process_id
	  LEFT JOIN sites st ON st.tenant_id = $1 AND st.id = v.site_id
	  LEFT JOIN suppliers su ON su.tenant_id = $1 AND su.id = v.supplier_id`

// args numbers query parameters as they are added.
type args []any

func (q *args) add(v any) string {
	*q = append(*q, v)
	return "$" + strconv.Itoa(len(*q))
}

// recordsQuery builds the list query for f. Disposed records have no current revision, so
// they are left out. The page is chosen from the records alone, newest event first along
// records_event_date_idx, and joined to its revisions and names afterwards; the revisions
// are joined before the page is chosen only when a filter is on their content. A plan kept
// for the query's shape then walks the index to one page, whether the organisation holds
// fifty records or fifty thousand.
func recordsQuery(org uuid.UUID, f RecordFilter, limit int) (string, args) {
	from, where, order, a := recordsWhere(org, f)
	page := "SELECT r.* FROM " + from + " WHERE " + where + order
	if limit > 0 {
		page += " LIMIT " + strconv.Itoa(limit)
	}
	return pageFirst(recordRowSelect, "records r", page, order), a
}

// recordsWhere is what f selects of the organisation's records: the records r, with their
// current revisions v when a filter is on their content, the conditions, and the list's order.
// The list and the counts of a process's or clause's page (summariseRecords) share it.
func recordsWhere(org uuid.UUID, f RecordFilter) (from, where, order string, a args) {
	conds := []string{"r.tenant_id = " + a.add(org), "r.current_revision_id IS NOT NULL"}
	onRevision := false
	revision := func(cond string) {
		conds = append(conds, cond)
		onRevision = true
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		revision("v.search @@ websearch_to_tsquery('english', " + a.add(q) + ")")
	}
	if f.TypeID != nil {
		conds = append(conds, "r.type_id = "+a.add(*f.TypeID))
	}
	if f.Kind != "" {
		conds = append(conds, "r.kind = "+a.add(string(f.Kind)))
	}
	if f.ProcessID != nil {
		revision("v.process_id = " + a.add(*f.ProcessID))
	}
	if f.SiteID != nil {
		revision("v.site_id = " + a.add(*f.SiteID))
	}
	if f.SupplierID != nil {
		revision("v.supplier_id = " + a.add(*f.SupplierID))
	}
	if clausePattern.MatchString(f.Clause) {
		// A clause includes its sub-clauses: 8.5 finds records of 8.5.1 too.
		n := a.add(f.Clause)
		conds = append(conds, `EXISTS (SELECT 1 FROM record_clauses rc WHERE rc.tenant_id = r.tenant_id
			AND rc.revision_id = r.current_revision_id AND (rc.clause_number = `+n+` OR rc.clause_number LIKE `+n+` || '.%'))`)
	}
	if f.From != nil {
		conds = append(conds, "r.event_date >= "+a.add(*f.From)+"::date")
	}
	if f.To != nil {
		conds = append(conds, "r.event_date <= "+a.add(*f.To)+"::date")
	}
	if f.HasFiles != nil {
		revision("(v.file_count > 0) = " + a.add(*f.HasFiles))
	}
	if f.State != "" {
		conds = append(conds, "r.state = "+a.add(string(f.State)))
	}
	if f.ComplaintStatus != "" {
		conds = append(conds, "r.complaint_status = "+a.add(string(f.ComplaintStatus)))
	}
	if f.Severity != "" {
		revision("v.severity = " + a.add(string(f.Severity)))
	}
	order = " ORDER BY r.event_date DESC, r.ref DESC"
	if f.pastRetention != nil {
		revision("v.keep_until < " + a.add(*f.pastRetention) + "::date")
		conds = append(conds, "r.state = 'final'")
		order = " ORDER BY v.keep_until, r.ref"
	}
	if day, ref, ok := parseCursor(f.After); ok {
		if f.pastRetention != nil {
			conds = append(conds, "(v.keep_until, r.ref) > ("+a.add(day)+"::date, "+a.add(ref)+")")
		} else {
			conds = append(conds, "(r.event_date, r.ref) < ("+a.add(day)+"::date, "+a.add(ref)+")")
		}
	}
	from = "records r"
	if onRevision {
		from += " JOIN record_revisions v ON v.tenant_id = r.tenant_id AND v.id = r.current_revision_id"
	}
	return from, strings.Join(conds, " AND "), order, a
}

// A cursor is the sort date and number of the last row of a page: 2026-03-14~42.
func cursorOf(day time.Time, ref int) string {
	return day.Format(time.DateOnly) + "~" + strconv.Itoa(ref)
}

func parseCursor(s string) (time.Time, int, bool) {
	d, r, ok := strings.Cut(s, "~")
	if !ok {
		return time.Time{}, 0, false
	}
	day, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return time.Time{}, 0, false
	}
	ref, err := strconv.Atoi(r)
	return day, ref, err == nil
}

func listRecords(ctx context.Context, tx pgx.Tx, org uuid.UUID, f RecordFilter) (RecordPage, error) {
	var page RecordPage
	b := &pgx.Batch{}
	queueRecords(b, org, f, &page)
	err := tx.SendBatch(ctx, b).Close()
	return page, err
}

// queueRecords queues the page of records f selects into page.
func queueRecords(b *pgx.Batch, org uuid.UUID, f RecordFilter, page *RecordPage) {
	if f.Limit <= 0 || f.Limit > maxPageSize {
		f.Limit = defaultPageSize
	}
	q, args := recordsQuery(org, f, f.Limit+1)
	queue := database.QueueKeptPlan
	if strings.TrimSpace(f.Query) != "" {
		// How many records the words match decides whether to walk the list or look the
		// words up first; only a plan made for the words knows.
		queue = database.QueuePlannedEachRun
	}
	queue(b, q, args...).Query(func(rows pgx.Rows) error {
		list, err := database.CollectRows[RecordRow](rows)
		if err != nil {
			return err
		}
		*page = RecordPage{Rows: list}
		if len(list) > f.Limit {
			page.Rows = list[:f.Limit]
			last := page.Rows[f.Limit-1]
			day := last.EventDate
			if f.pastRetention != nil {
				day = last.KeepUntil
			}
			page.Next = cursorOf(day, last.Ref)
		}
		return nil
	})
}

// Records lists the organisation's records (not those disposed of), newest event first,
// filtered and searched (title, description, type-specific text, attendees and file names).
func (s *Service) Records(ctx context.Context, a Actor, f RecordFilter) (RecordPage, error) {
	f.pastRetention = nil
	var page RecordPage
	b := &pgx.Batch{}
	queueRecords(b, a.OrgID, f, &page)
	err := s.readBatch(ctx, a, b)
	return page, err
}

// RecordList is the records page: one page of the list and what its filter offers.
type RecordList struct {
	Page    RecordPage
	Choices RecordChoices
}

// RecordList reads the records page (Records and RecordChoices) in one round trip.
func (s *Service) RecordList(ctx context.Context, a Actor, f RecordFilter) (RecordList, error) {
	f.pastRetention = nil
	var l RecordList
	b := &pgx.Batch{}
	queueRecords(b, a.OrgID, f, &l.Page)
	keep := s.queueRecordChoices(b, a.OrgID, &l.Choices)
	if err := s.readBatch(ctx, a, b); err != nil {
		return RecordList{}, err
	}
	keep()
	return l, nil
}

// ExportRecords streams every record matching f (ignoring its paging) to fn, in list order,
// without holding the list in memory.
func (s *Service) ExportRecords(ctx context.Context, a Actor, f RecordFilter, fn func(RecordRow) error) error {
	f.pastRetention, f.After = nil, ""
	return s.read(ctx, a, func(tx pgx.Tx) error {
		q, args := recordsQuery(a.OrgID, f, 0)
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			row, err := pgx.RowToStructByName[RecordRow](rows)
			if err != nil {
				return err
			}
			if err := fn(row); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// RecordChoices is what a record form or the records filter offers to choose from. Archived
// entries are included (filters need them; forms offer only the others).
type RecordChoices struct {
	Types     []RecordType
	Processes []Process
	Sites     []Site
	Suppliers []Supplier
	Members   []Member
}

// supplierChoiceSelect is supplierSelect without the evaluation figures: a choice list does
// not show them, and they cost a pass over every supplier's evaluations.
const supplierChoiceSelect = `
	SELECT s.id, s.name, s.supplies, s.approval_status, s.process_id, coalesce(p.name, '') AS process_name,
	       s.contact_name, s.contact_email, s.contact_phone, s.notes, s.archived_at, s.version, s.updated_at,
	       0 AS evaluations, NULL::int AS latest_score, NULL::date AS last_evaluated
	  FROM suppliers s
	  LEFT JOIN processes p ON p.tenant_id = s.tenant_id AND p.id = s.process_id`

// RecordChoices loads the choices in one round trip.
func (s *Service) RecordChoices(ctx context.Context, a Actor) (RecordChoices, error) {
	var out RecordChoices
	b := &pgx.Batch{}
	keep := s.queueRecordChoices(b, a.OrgID, &out)
	if err := s.readBatch(ctx, a, b); err != nil {
		return RecordChoices{}, err
	}
	keep()
	return out, nil
}

// queueRecordChoices queues the choices of the records pages into out; the caller calls keep
// once the batch was read (see queueChoices).
func (s *Service) queueRecordChoices(b *pgx.Batch, org uuid.UUID, out *RecordChoices) (keep func()) {
	keepTypes := queueKept(s.cache, b, org, "record_types", &out.Types, queueRecordTypes)
	keepChoices := s.queueChoices(b, org, &out.Processes, &out.Sites, &out.Members)
	keepSuppliers := queueKept(s.cache, b, org, "supplier_choices", &out.Suppliers, queueSupplierChoices)
	return func() { keepTypes(); keepChoices(); keepSuppliers() }
}

// queueSupplierChoices queues the organisation's suppliers for a record's supplier field,
// those not archived first, by name.
func queueSupplierChoices(b *pgx.Batch, org uuid.UUID, out *[]Supplier) {
	b.Queue(supplierChoiceSelect+` WHERE s.tenant_id = $1 ORDER BY s.archived_at IS NOT NULL, lower(s.name)`, org).
		Query(func(rows pgx.Rows) error {
			var err error
			*out, err = database.CollectRows[Supplier](rows)
			return err
		})
}
