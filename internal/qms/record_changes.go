package qms

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// RecordInput is what a person enters for a record, as typed. Which type-specific fields
// count depends on the type's kind; the others are ignored.
type RecordInput struct {
	TypeID         uuid.UUID // read when recording; a record's type never changes
	Title          string
	EventDate      string // YYYY-MM-DD
	ProcessID      uuid.UUID
	SiteID         uuid.UUID
	Clauses        string // "7.2, 8.5.1"
	Description    string
	Customer       string
	ProductService string
	Severity       string
	SupplierID     uuid.UUID
	Score          string
	Topic          string
	AttendeeIDs    []uuid.UUID // members
	AttendeeNames  []string    // people without an account
}

// recordContent is a validated RecordInput: what a revision stores.
type recordContent struct {
	Title          string     `json:"title"`
	EventDate      string     `json:"event_date"`
	ProcessID      *uuid.UUID `json:"process_id"`
	SiteID         *uuid.UUID `json:"site_id"`
	Clauses        []string   `json:"clauses"`
	Description    string     `json:"description"`
	Customer       string     `json:"customer"`
	ProductService string     `json:"product_service"`
	Severity       *string    `json:"severity"`
	SupplierID     *uuid.UUID `json:"supplier_id"`
	Score          *int       `json:"score"`
	Topic          string     `json:"topic"`
	Attendees      []Attendee `json:"attendees"`
}

// refItem is a process, site, supplier or member as validation sees it.
type refItem struct {
	Name     string
	Archived bool
}

// refData is the organisation's reference data that records point at, loaded once per use
// case (or per import) so that a record's references are checked without a query each.
type refData struct {
	types     map[uuid.UUID]RecordType
	processes map[uuid.UUID]refItem
	sites     map[uuid.UUID]refItem
	suppliers map[uuid.UUID]refItem
	members   map[uuid.UUID]refItem
	clauses   map[string]string // number → title
}

func loadRefData(ctx context.Context, tx pgx.Tx, org uuid.UUID) (*refData, error) {
	d := &refData{
		types: map[uuid.UUID]RecordType{}, processes: map[uuid.UUID]refItem{}, sites: map[uuid.UUID]refItem{},
		suppliers: map[uuid.UUID]refItem{}, members: map[uuid.UUID]refItem{}, clauses: map[string]string{},
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT `+recordTypeColumns+` FROM record_types WHERE tenant_id = $1`, org).Query(func(rows pgx.Rows) error {
		types, err := database.CollectRows[RecordType](rows)
		for _, t := range types {
			d.types[t.ID] = t
		}
		return err
	})
	items := func(m map[uuid.UUID]refItem) func(pgx.Rows) error {
		return func(rows pgx.Rows) error {
			var id uuid.UUID
			var it refItem
			_, err := pgx.ForEachRow(rows, []any{&id, &it.Name, &it.Archived}, func() error {
				m[id] = it
				return nil
			})
			return err
		}
	}
	b.Queue(`SELECT id, name, archived_at IS NOT NULL FROM processes WHERE tenant_id = $1`, org).Query(items(d.processes))
	b.Queue(`SELECT id, name, archived_at IS NOT NULL FROM sites WHERE tenant_id = $1`, org).Query(items(d.sites))
	b.Queue(`SELECT id, name, archived_at IS NOT NULL FROM suppliers WHERE tenant_id = $1`, org).Query(items(d.suppliers))
	b.Queue(`SELECT u.id, u.name, false FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = $1`, org).
		Query(items(d.members))
	b.Queue(`SELECT number, title FROM iso_clauses`).Query(func(rows pgx.Rows) error {
		var number, title string
		_, err := pgx.ForEachRow(rows, []any{&number, &title}, func() error {
			d.clauses[number] = title
			return nil
		})
		return err
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	return d, nil
}

var clausePattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

// clauseSplit separates the clause numbers a person types: "7.2, 8.5.1; 9.1.2".
var clauseSplit = regexp.MustCompile(`[\s,;]+`)

// compareClauses orders clause numbers as the standard does: 7.1.5 before 7.1.6 before 7.2.
func compareClauses(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x - y
		}
	}
	return len(as) - len(bs)
}

// validate checks the input against the kind's rules and the organisation's reference data.
// prev is the revision a correction starts from (nil otherwise): what it already named may
// stay even if it was archived since or the member has left.
func (in RecordInput) validate(kind RecordKind, refs *refData, today time.Time, prev *Revision) (recordContent, checks) {
	c := checks{}
	out := recordContent{Title: clean(in.Title), Description: strings.TrimSpace(in.Description)}
	c.require("title", out.Title, "Enter a title that says what the record is, e.g. the part, batch or session.")
	c.maxLen("title", out.Title, 200)
	c.maxLen("description", out.Description, 20000)

	day, err := time.Parse(time.DateOnly, clean(in.EventDate))
	switch {
	case clean(in.EventDate) == "":
		c.add("event_date", "Enter the date of the event the record is evidence of.")
	case err != nil:
		c.add("event_date", "Enter the date as YYYY-MM-DD, e.g. 2026-03-14.")
	case day.After(today):
		c.add("event_date", "The date cannot be in the future: a record is evidence of what happened.")
	case day.Year() < 1900:
		c.add("event_date", "Enter a date from 1900 onwards.")
	default:
		out.EventDate = day.Format(time.DateOnly)
	}

	allowed := func(id uuid.UUID, m map[uuid.UUID]refItem, was *uuid.UUID) (bool, bool) {
		it, ok := m[id]
		return ok, !it.Archived || (was != nil && *was == id)
	}
	var prevProcess, prevSite, prevSupplier *uuid.UUID
	if prev != nil {
		prevProcess, prevSite, prevSupplier = prev.ProcessID, prev.SiteID, prev.SupplierID
	}
	if in.ProcessID != uuid.Nil {
		exists, usable := allowed(in.ProcessID, refs.processes, prevProcess)
		switch {
		case !exists:
			c.add("process_id", "Choose one of this organisation's processes.")
		case !usable:
			c.add("process_id", refs.processes[in.ProcessID].Name+" is archived: choose a process that is still run.")
		default:
			out.ProcessID = &in.ProcessID
		}
	} else if kind.NeedsProcess() {
		c.add("process_id", "Choose the process this concerns: complaints and incidents count against their process.")
	}
	if in.SiteID != uuid.Nil {
		exists, usable := allowed(in.SiteID, refs.sites, prevSite)
		switch {
		case !exists:
			c.add("site_id", "Choose one of this organisation's sites.")
		case !usable:
			c.add("site_id", refs.sites[in.SiteID].Name+" is archived: choose a site in use.")
		default:
			out.SiteID = &in.SiteID
		}
	}

	seen := map[string]bool{}
	for _, n := range clauseSplit.Split(strings.TrimSpace(in.Clauses), -1) {
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		if _, ok := refs.clauses[n]; !ok || !clausePattern.MatchString(n) {
			c.add("clauses", n+" is not a clause of ISO 9001 (4 to 10). Use numbers like 7.2 or 8.5.1, separated by commas.")
			continue
		}
		out.Clauses = append(out.Clauses, n)
	}
	if len(out.Clauses) > 30 {
		c.add("clauses", "Name at most 30 clauses.")
	}
	slices.SortFunc(out.Clauses, compareClauses)

	if kind.HasCustomer() {
		out.Customer, out.ProductService = clean(in.Customer), clean(in.ProductService)
		c.require("customer", out.Customer, "Enter the customer.")
		c.maxLen("customer", out.Customer, 200)
		c.maxLen("product_service", out.ProductService, 200)
	}
	if kind.HasSeverity() {
		sev := Severity(clean(in.Severity))
		if !sev.Valid() {
			c.add("severity", "Choose how serious it is.")
		} else {
			v := string(sev)
			out.Severity = &v
		}
	}
	if kind.HasSupplier() {
		if in.SupplierID == uuid.Nil {
			c.add("supplier_id", "Choose the supplier evaluated.")
		} else {
			exists, usable := allowed(in.SupplierID, refs.suppliers, prevSupplier)
			switch {
			case !exists:
				c.add("supplier_id", "Choose a supplier from the register.")
			case !usable:
				c.add("supplier_id", refs.suppliers[in.SupplierID].Name+" is archived.")
			default:
				out.SupplierID = &in.SupplierID
			}
		}
		score, err := strconv.Atoi(clean(in.Score))
		switch {
		case clean(in.Score) == "":
			c.add("score", "Enter the score the supplier achieved, 0 to 100.")
		case err != nil || score < 0 || score > 100:
			c.add("score", "Enter a whole number from 0 to 100.")
		default:
			out.Score = &score
		}
	}
	if kind.HasTraining() {
		out.Topic = clean(in.Topic)
		c.require("topic", out.Topic, "Enter what the training was about.")
		c.maxLen("topic", out.Topic, 200)
		out.Attendees = in.attendees(refs, prev, c)
		if len(out.Attendees) == 0 {
			c.add("attendees", "Name who attended: choose members, or type the names of others.")
		}
	}
	return out, c
}

// attendees resolves members to their names and adds the names typed for others.
func (in RecordInput) attendees(refs *refData, prev *Revision, c checks) []Attendee {
	var out []Attendee
	seenMember := map[uuid.UUID]bool{}
	seenName := map[string]bool{}
	formerly := map[uuid.UUID]string{}
	if prev != nil {
		for _, at := range prev.Attendees {
			if at.UserID != nil {
				formerly[*at.UserID] = at.Name
			}
		}
	}
	for _, id := range in.AttendeeIDs {
		if seenMember[id] {
			continue
		}
		seenMember[id] = true
		name := ""
		if m, ok := refs.members[id]; ok {
			name = m.Name
		} else if n, ok := formerly[id]; ok {
			name = n
		} else {
			c.add("attendees", "Choose attendees from this organisation's members.")
			continue
		}
		out = append(out, Attendee{UserID: &id, Name: name})
		seenName[strings.ToLower(name)] = true
	}
	for _, n := range in.AttendeeNames {
		n = clean(n)
		if n == "" || seenName[strings.ToLower(n)] {
			continue
		}
		seenName[strings.ToLower(n)] = true
		if len([]rune(n)) > 200 {
			c.add("attendees", "Keep each name to 200 characters or fewer.")
			continue
		}
		out = append(out, Attendee{Name: n})
	}
	if len(out) > 500 {
		c.add("attendees", "Name at most 500 attendees on one record.")
	}
	slices.SortFunc(out, func(a, b Attendee) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out
}

// contentOf is a stored revision as recordContent, to tell whether a correction changes
// anything.
func contentOf(r Revision) recordContent {
	out := recordContent{
		Title: r.Title, EventDate: r.EventDate.Format(time.DateOnly), ProcessID: r.ProcessID, SiteID: r.SiteID,
		Description: r.Description, Customer: r.Customer, ProductService: r.ProductService,
		SupplierID: r.SupplierID, Score: r.Score, Topic: r.Topic, Attendees: r.Attendees,
	}
	for _, cl := range r.Clauses {
		out.Clauses = append(out.Clauses, cl.Number)
	}
	if r.Severity != "" {
		v := string(r.Severity)
		out.Severity = &v
	}
	return out
}

func sameContent(a, b recordContent) bool {
	for _, c := range []*recordContent{&a, &b} {
		if len(c.Clauses) == 0 {
			c.Clauses = nil
		}
		if len(c.Attendees) == 0 {
			c.Attendees = nil
		}
	}
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// fileNames is what the search index knows of a revision's files.
func fileNames(files []File) string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Filename
	}
	return strings.Join(names, "\n")
}

func attendeeNames(list []Attendee) string {
	names := make([]string, len(list))
	for i, at := range list {
		names[i] = at.Name
	}
	return strings.Join(names, "\n")
}

// reserveRecordRefs takes n record numbers from the organisation's counter and returns the
// first. The counter row stays locked until the transaction ends.
func reserveRecordRefs(ctx context.Context, tx pgx.Tx, org uuid.UUID, n int) (int, error) {
	var last int
	err := tx.QueryRow(ctx, `INSERT INTO record_ref_counters (tenant_id, last_ref) VALUES ($1, $2)
		ON CONFLICT (tenant_id) DO UPDATE SET last_ref = record_ref_counters.last_ref + $2
		RETURNING last_ref`, org, n).Scan(&last)
	return last - n + 1, err
}

// newRecord is what inserting a record needs.
type newRecord struct {
	Ref       int
	Type      RecordType
	Content   recordContent
	Files     []File
	Finalise  bool
	CreatedAt time.Time
}

// insertRecord writes a record with its first revision, assembled as a draft and sealed if it
// is to be final.
func insertRecord(ctx context.Context, tx pgx.Tx, a Actor, n newRecord) (uuid.UUID, error) {
	id, revID := mustV7(), mustV7()
	var status *string
	if n.Type.Kind == KindComplaint {
		open := string(ComplaintOpen)
		status = &open
	}
	if _, err := tx.Exec(ctx, `INSERT INTO records (tenant_id, id, ref, type_id, kind, current_revision_id,
			event_date, complaint_status, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.OrgID, id, n.Ref, n.Type.ID, n.Type.Kind, revID, n.Content.EventDate, status, a.UserID, n.CreatedAt); err != nil {
		return uuid.Nil, err
	}
	if err := insertRevision(ctx, tx, a, id, n.Type, revID, 1, n.Content, "", n.Files, n.CreatedAt); err != nil {
		return uuid.Nil, err
	}
	if n.Finalise {
		if err := sealRevision(ctx, tx, a.OrgID, revID, n.CreatedAt); err != nil {
			return uuid.Nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE records SET state = 'final', finalised_at = $3, finalised_by = $4
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, n.CreatedAt, a.UserID); err != nil {
			return uuid.Nil, err
		}
	}
	return id, nil
}

func insertRevision(ctx context.Context, tx pgx.Tx, a Actor, recordID uuid.UUID, t RecordType, revID uuid.UUID, n int,
	c recordContent, reason string, files []File, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO record_revisions (tenant_id, id, record_id, kind, revision, title, event_date,
			process_id, site_id, description, customer, product_service, severity, supplier_id, score, topic,
			attendee_names, retention_months, correction_reason, file_names, file_count,
			recorded_by, recorded_by_name, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`,
		a.OrgID, revID, recordID, t.Kind, n, c.Title, c.EventDate, c.ProcessID, c.SiteID, c.Description,
		c.Customer, c.ProductService, c.Severity, c.SupplierID, c.Score, c.Topic, attendeeNames(c.Attendees),
		t.RetentionMonths, reason, fileNames(files), len(files), a.UserID, a.Name, at)
	if err != nil {
		return err
	}
	return insertRevisionParts(ctx, tx, a.OrgID, recordID, revID, c, files)
}

// insertRevisionParts adds a draft revision's clauses, attendees and file links.
func insertRevisionParts(ctx context.Context, tx pgx.Tx, org, recordID, revID uuid.UUID, c recordContent, files []File) error {
	b := &pgx.Batch{}
	if len(c.Clauses) > 0 {
		b.Queue(`INSERT INTO record_clauses (tenant_id, record_id, revision_id, clause_number)
			SELECT $1, $2, $3, unnest($4::text[])`, org, recordID, revID, c.Clauses)
	}
	if len(c.Attendees) > 0 {
		ids := make([]*uuid.UUID, len(c.Attendees))
		names := make([]string, len(c.Attendees))
		for i, at := range c.Attendees {
			ids[i], names[i] = at.UserID, at.Name
		}
		b.Queue(`INSERT INTO record_attendees (tenant_id, record_id, revision_id, user_id, name)
			SELECT $1, $2, $3, u, n FROM unnest($4::uuid[], $5::text[]) AS x(u, n)`, org, recordID, revID, ids, names)
	}
	if len(files) > 0 {
		ids := make([]uuid.UUID, len(files))
		for i, f := range files {
			ids[i] = f.ID
		}
		b.Queue(`INSERT INTO record_files (tenant_id, record_id, revision_id, file_id)
			SELECT $1, $2, $3, unnest($4::uuid[])`, org, recordID, revID, ids)
	}
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, b).Close()
}

// sealRevision makes a draft revision final; from then on the database refuses to change it.
func sealRevision(ctx context.Context, tx pgx.Tx, org, revID uuid.UUID, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE record_revisions SET state = 'final', finalised_at = $3, updated_at = now()
		WHERE tenant_id = $1 AND id = $2`, org, revID, at)
	return err
}

// storeUploads records uploads as the organisation's files.
func storeUploads(ctx context.Context, tx pgx.Tx, a Actor, uploads []Upload) ([]File, error) {
	files := make([]File, 0, len(uploads))
	for _, u := range uploads {
		f, err := insertFile(ctx, tx, a, u)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

func errFinalised(r Record) error {
	return conflict(r.Number() + " is final and can no longer be changed or deleted. " +
		"To put something right, make a correction: it adds a revision with your reason and keeps this one.")
}

func errDisposed(r Record) error {
	return conflict(r.Number() + " was disposed of at the end of its retention period: only its tombstone remains.")
}

// CreateRecord records something that happened, as a draft or finalised at once, with the
// files uploaded for it.
func (s *Service) CreateRecord(ctx context.Context, a Actor, in RecordInput, uploads []Upload, finalise bool) (RecordDetail, error) {
	if err := a.Require(auth.PermWriteRecords); err != nil {
		return RecordDetail{}, err
	}
	var id uuid.UUID
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		refs, err := loadRefData(ctx, tx, a.OrgID)
		if err != nil {
			return err
		}
		t, ok := refs.types[in.TypeID]
		if !ok || t.Archived() {
			return invalidField("type_id", "Choose a type of record.")
		}
		content, c := in.validate(t.Kind, refs, s.today(), nil)
		if err := c.err(); err != nil {
			return err
		}
		files, err := storeUploads(ctx, tx, a, uploads)
		if err != nil {
			return err
		}
		ref, err := reserveRecordRefs(ctx, tx, a.OrgID, 1)
		if err != nil {
			return err
		}
		if id, err = insertRecord(ctx, tx, a, newRecord{
			Ref: ref, Type: t, Content: content, Files: files, Finalise: finalise, CreatedAt: s.now(),
		}); err != nil {
			return err
		}
		if finalise {
			if err := s.recordFinalised(ctx, tx, a.OrgID, id); err != nil {
				return err
			}
		}
		after, err := loadRecordForTrail(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		verb := "Recorded a draft "
		if finalise {
			verb = "Recorded and finalised "
		}
		return record(ctx, tx, a, change{
			Action: "record.create", EntityType: "record", EntityID: id.String(),
			Summary: verb + t.Name + " " + RecordNumber(ref) + ": " + content.Title, After: after,
		})
	})
	if err != nil {
		return RecordDetail{}, err
	}
	return s.Record(ctx, a, id)
}

// recordTrail is a record's state as the audit trail keeps it.
type recordTrail struct {
	Record
	Content *Revision `json:"content,omitempty"`
}

func loadRecordForTrail(ctx context.Context, tx pgx.Tx, org, id uuid.UUID) (recordTrail, error) {
	rec, err := getRecord(ctx, tx, org, id, false)
	if err != nil || rec.CurrentRevisionID == nil {
		return recordTrail{Record: rec}, err
	}
	rev, err := getRevision(ctx, tx, org, id, *rec.CurrentRevisionID, 0)
	return recordTrail{Record: rec, Content: &rev}, err
}

// lockDraft locks a record for a change that only drafts allow.
func lockDraft(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, version int) (recordTrail, error) {
	if _, err := getRecord(ctx, tx, org, id, true); err != nil {
		return recordTrail{}, err
	}
	before, err := loadRecordForTrail(ctx, tx, org, id)
	if err != nil {
		return before, err
	}
	switch {
	case before.State == RecordFinal:
		return before, errFinalised(before.Record)
	case before.State == RecordDisposed:
		return before, errDisposed(before.Record)
	case before.Version != version:
		return before, staleEdit("record")
	}
	return before, nil
}

// UpdateDraft changes a draft record: its content, new files, and files to take off it.
// version is the one the editor loaded. A final record refuses (make a correction instead).
func (s *Service) UpdateDraft(ctx context.Context, a Actor, id uuid.UUID, version int, in RecordInput,
	uploads []Upload, removeFiles []uuid.UUID) (RecordDetail, error) {
	if err := a.Require(auth.PermWriteRecords); err != nil {
		return RecordDetail{}, err
	}
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := lockDraft(ctx, tx, a.OrgID, id, version)
		if err != nil {
			return err
		}
		refs, err := loadRefData(ctx, tx, a.OrgID)
		if err != nil {
			return err
		}
		t := refs.types[before.TypeID]
		content, c := in.validate(t.Kind, refs, s.today(), before.Content)
		if err := c.err(); err != nil {
			return err
		}
		added, err := storeUploads(ctx, tx, a, uploads)
		if err != nil {
			return err
		}
		var files []File
		for _, f := range before.Content.Files {
			if !slices.Contains(removeFiles, f.ID) {
				files = append(files, f)
			}
		}
		files = append(files, added...)
		revID := before.Content.ID
		b := &pgx.Batch{}
		for _, table := range []string{"record_clauses", "record_attendees", "record_files"} {
			b.Queue(`DELETE FROM `+table+` WHERE tenant_id = $1 AND revision_id = $2`, a.OrgID, revID)
		}
		b.Queue(`UPDATE record_revisions SET title = $3, event_date = $4, process_id = $5, site_id = $6, description = $7,
				customer = $8, product_service = $9, severity = $10, supplier_id = $11, score = $12, topic = $13,
				attendee_names = $14, retention_months = $15, file_names = $16, file_count = $17,
				recorded_by = $18, recorded_by_name = $19, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, revID, content.Title, content.EventDate, content.ProcessID, content.SiteID, content.Description,
			content.Customer, content.ProductService, content.Severity, content.SupplierID, content.Score, content.Topic,
			attendeeNames(content.Attendees), t.RetentionMonths, fileNames(files), len(files), a.UserID, a.Name)
		b.Queue(`UPDATE records SET event_date = $3, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, content.EventDate)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if err := insertRevisionParts(ctx, tx, a.OrgID, id, revID, content, files); err != nil {
			return err
		}
		after, err := loadRecordForTrail(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "record.update", EntityType: "record", EntityID: id.String(),
			Summary: "Edited the draft " + before.Number() + ": " + content.Title, Before: before, After: after,
		})
	})
	if err != nil {
		return RecordDetail{}, err
	}
	return s.Record(ctx, a, id)
}

// FinaliseRecord makes a draft final: from then on it is evidence that neither the
// application nor the database lets anyone change. The retention period of its type at this
// moment is the one it keeps.
func (s *Service) FinaliseRecord(ctx context.Context, a Actor, id uuid.UUID, version int) (RecordDetail, error) {
	if err := a.Require(auth.PermWriteRecords); err != nil {
		return RecordDetail{}, err
	}
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := lockDraft(ctx, tx, a.OrgID, id, version)
		if err != nil {
			return err
		}
		t, err := getRecordType(ctx, tx, a.OrgID, before.TypeID, false)
		if err != nil {
			return err
		}
		now := s.now()
		b := &pgx.Batch{}
		b.Queue(`UPDATE record_revisions SET retention_months = $3, state = 'final', finalised_at = $4, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, before.Content.ID, t.RetentionMonths, now)
		b.Queue(`UPDATE records SET state = 'final', finalised_at = $3, finalised_by = $4, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, now, a.UserID)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if err := s.recordFinalised(ctx, tx, a.OrgID, id); err != nil {
			return err
		}
		after, err := loadRecordForTrail(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "record.finalise", EntityType: "record", EntityID: id.String(),
			Summary: "Finalised " + before.Number() + ": " + before.Content.Title, Before: before, After: after,
		})
	})
	if err != nil {
		return RecordDetail{}, err
	}
	return s.Record(ctx, a, id)
}

// DeleteDraft removes a draft that should never have been recorded. Final records are never
// deleted: they are kept until their retention ends and then disposed of with a signature.
func (s *Service) DeleteDraft(ctx context.Context, a Actor, id uuid.UUID, version int) (Record, error) {
	if err := a.Require(auth.PermWriteRecords); err != nil {
		return Record{}, err
	}
	var before recordTrail
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		var err error
		if before, err = lockDraft(ctx, tx, a.OrgID, id, version); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, table := range []string{"record_clauses", "record_attendees", "record_files", "record_revisions", "records"} {
			col := "record_id"
			if table == "records" {
				col = "id"
			}
			b.Queue(`DELETE FROM `+table+` WHERE tenant_id = $1 AND `+col+` = $2`, a.OrgID, id)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "record.delete", EntityType: "record", EntityID: id.String(),
			Summary: "Deleted the draft " + before.Number() + ": " + before.Content.Title, Before: before,
		})
	})
	return before.Record, err
}

// CorrectRecord puts a final record right without altering it: the corrected content becomes
// a new, final revision with the reason for the correction, and every earlier revision stays
// as it was, with its files. keepFiles are the current files the new revision keeps; uploads
// are added to them. version is the record version the editor loaded.
func (s *Service) CorrectRecord(ctx context.Context, a Actor, id uuid.UUID, version int, in RecordInput, reason string,
	uploads []Upload, keepFiles []uuid.UUID) (RecordDetail, error) {
	if err := a.Require(auth.PermWriteRecords); err != nil {
		return RecordDetail{}, err
	}
	reason = strings.TrimSpace(reason)
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		if _, err := getRecord(ctx, tx, a.OrgID, id, true); err != nil {
			return err
		}
		before, err := loadRecordForTrail(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		switch {
		case before.State == RecordDraft:
			return conflict(before.Number() + " is still a draft: edit it instead of correcting it.")
		case before.State == RecordDisposed:
			return errDisposed(before.Record)
		case before.Version != version:
			return staleEdit("record")
		}
		refs, err := loadRefData(ctx, tx, a.OrgID)
		if err != nil {
			return err
		}
		t := refs.types[before.TypeID]
		content, c := in.validate(t.Kind, refs, s.today(), before.Content)
		c.require("reason", reason, "Say why the record is corrected: the reason is kept with the new revision.")
		c.maxLen("reason", reason, 2000)
		if err := c.err(); err != nil {
			return err
		}
		var files []File
		for _, f := range before.Content.Files {
			if slices.Contains(keepFiles, f.ID) {
				files = append(files, f)
			}
		}
		if len(uploads) == 0 && len(files) == len(before.Content.Files) && sameContent(content, contentOf(*before.Content)) {
			return &Error{Kind: KindInvalid, Message: "Nothing was changed, so there is nothing to correct.",
				Fields: map[string]string{"reason": "Change what is wrong before giving the reason."}}
		}
		added, err := storeUploads(ctx, tx, a, uploads)
		if err != nil {
			return err
		}
		files = append(files, added...)
		now := s.now()
		revID, n := mustV7(), before.RevisionCount+1
		if err := insertRevision(ctx, tx, a, id, t, revID, n, content, reason, files, now); err != nil {
			return err
		}
		if err := sealRevision(ctx, tx, a.OrgID, revID, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE records SET current_revision_id = $3, revision_count = $4, event_date = $5,
				version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, revID, n, content.EventDate); err != nil {
			return err
		}
		if err := s.recordCorrected(ctx, tx, a.OrgID, id, before.Content.ProcessID); err != nil {
			return err
		}
		after, err := loadRecordForTrail(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "record.correct", EntityType: "record", EntityID: id.String(),
			Summary: "Corrected " + before.Number() + " (revision " + strconv.Itoa(n) + "): " + reason,
			Before:  before, After: after,
		})
	})
	if err != nil {
		return RecordDetail{}, err
	}
	return s.Record(ctx, a, id)
}

// SetComplaintStatus moves the handling of a complaint on (open, investigating, closed). The
// complaint itself, as recorded, does not change; the move and its note are in the trail.
func (s *Service) SetComplaintStatus(ctx context.Context, a Actor, id uuid.UUID, version int, status ComplaintStatus, note string) (Record, error) {
	if err := a.Require(auth.PermWriteRecords); err != nil {
		return Record{}, err
	}
	note = clean(note)
	c := checks{}
	if !status.Valid() {
		c.add("complaint_status", "Choose a status.")
	}
	c.maxLen("note", note, 1000)
	if status == ComplaintClosed {
		c.require("note", note, "Say how the complaint was resolved before closing it.")
	}
	if err := c.err(); err != nil {
		return Record{}, err
	}
	var after Record
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getRecord(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		switch {
		case before.Kind != KindComplaint:
			return notFound("Complaint")
		case before.State == RecordDisposed:
			return errDisposed(before)
		case before.Version != version:
			return staleEdit("complaint")
		case before.ComplaintStatus == status:
			return invalidField("complaint_status", "The complaint is already "+strings.ToLower(status.Label())+".")
		}
		if _, err := tx.Exec(ctx, `UPDATE records SET complaint_status = $3, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, status); err != nil {
			return err
		}
		if after, err = getRecord(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		summary := "Complaint " + before.Number() + " moved from " + before.ComplaintStatus.Label() + " to " + status.Label()
		if note != "" {
			summary += ": " + note
		}
		return record(ctx, tx, a, change{
			Action: "record.complaint_status", EntityType: "record", EntityID: id.String(),
			Summary: summary, Before: before, After: after,
		})
	})
	return after, err
}
