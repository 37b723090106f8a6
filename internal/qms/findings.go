package qms

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// Classification grades a finding.
type Classification string

const (
	MajorNC     Classification = "major_nc"
	MinorNC     Classification = "minor_nc"
	Observation Classification = "observation"
	OFI         Classification = "ofi"
)

// Classifications lists every classification, most serious first.
var Classifications = []Classification{MajorNC, MinorNC, Observation, OFI}

// Valid reports whether c is one of Classifications.
func (c Classification) Valid() bool { return slices.Contains(Classifications, c) }

// Nonconformity reports whether the finding is a nonconformity (major or minor), which
// needs correction and keeps its audit open.
func (c Classification) Nonconformity() bool { return c == MajorNC || c == MinorNC }

// Label is the classification as auditors say it.
func (c Classification) Label() string {
	switch c {
	case MajorNC:
		return "Major nonconformity"
	case MinorNC:
		return "Minor nonconformity"
	case Observation:
		return "Observation"
	case OFI:
		return "Opportunity for improvement"
	}
	return string(c)
}

// Short is the classification in a few letters, for tables.
func (c Classification) Short() string {
	switch c {
	case MajorNC:
		return "Major NC"
	case MinorNC:
		return "Minor NC"
	case Observation:
		return "Observation"
	case OFI:
		return "OFI"
	}
	return string(c)
}

// Tone is the badge colour of a classification.
func (c Classification) Tone() string { return Result(c).Tone() }

// FindingSource is where a finding came from.
type FindingSource string

const (
	SourceAudit            FindingSource = "audit"
	SourceComplaint        FindingSource = "complaint"
	SourceIncident         FindingSource = "incident"
	SourceManagementReview FindingSource = "management_review"
	SourceOther            FindingSource = "other"
)

// FindingSources lists every source.
var FindingSources = []FindingSource{SourceAudit, SourceComplaint, SourceIncident, SourceManagementReview, SourceOther}

// Valid reports whether s is one of FindingSources.
func (s FindingSource) Valid() bool { return slices.Contains(FindingSources, s) }

// Label is the source as people say it.
func (s FindingSource) Label() string {
	switch s {
	case SourceAudit:
		return "Audit"
	case SourceComplaint:
		return "Customer complaint"
	case SourceIncident:
		return "Incident"
	case SourceManagementReview:
		return "Management review"
	case SourceOther:
		return "Other"
	}
	return string(s)
}

// FindingStatus is open until the finding has been dealt with.
type FindingStatus string

const (
	FindingOpen   FindingStatus = "open"
	FindingClosed FindingStatus = "closed"
)

// Label is the status as people say it.
func (s FindingStatus) Label() string {
	if s == FindingClosed {
		return "Closed"
	}
	return "Open"
}

// FindingRef is a finding named briefly, as a checklist question lists it.
type FindingRef struct {
	ID             uuid.UUID      `json:"id"`
	Reference      string         `json:"reference"`
	Classification Classification `json:"classification"`
	Status         FindingStatus  `json:"status"`
}

// Finding is a nonconformity, observation or opportunity for improvement, from an audit or
// from elsewhere (a complaint, an incident, a management review). It is what corrective
// action and risk exposure hang off.
type Finding struct {
	ID                uuid.UUID      `db:"id" json:"id"`
	Reference         string         `db:"reference" json:"reference"`
	Classification    Classification `db:"classification" json:"classification"`
	Source            FindingSource  `db:"source" json:"source"`
	SourceID          *uuid.UUID     `db:"source_id" json:"source_id"`
	SourceReference   string         `db:"source_reference" json:"source_reference"`
	Statement         string         `db:"statement" json:"statement"`
	ClauseNumber      string         `db:"clause_number" json:"clause_number"`
	ClauseTitle       string         `db:"clause_title" json:"-"`
	Requirement       string         `db:"requirement" json:"requirement"`
	ObjectiveEvidence string         `db:"objective_evidence" json:"objective_evidence"`
	ProcessID         uuid.UUID      `db:"process_id" json:"process_id"`
	ProcessName       string         `db:"process_name" json:"process"`
	SiteID            *uuid.UUID     `db:"site_id" json:"site_id"`
	SiteName          string         `db:"site_name" json:"site,omitempty"`
	AuditID           *uuid.UUID     `db:"audit_id" json:"audit_id"`
	AuditReference    string         `db:"audit_reference" json:"audit,omitempty"`
	ChecklistItemID   *uuid.UUID     `db:"checklist_item_id" json:"checklist_item_id"`
	RaisedByID        uuid.UUID      `db:"raised_by" json:"raised_by_id"`
	RaisedByName      string         `db:"raised_by_name" json:"raised_by"`
	RaisedAt          time.Time      `db:"raised_at" json:"raised_at"`
	Status            FindingStatus  `db:"status" json:"status"`
	ClosedAt          *time.Time     `db:"closed_at" json:"closed_at"`
	ClosedByName      string         `db:"closed_by_name" json:"closed_by,omitempty"`
	ClosureNote       string         `db:"closure_note" json:"closure_note"`
	Version           int            `db:"version" json:"version"`
	// Recurring: it repeats an earlier nonconformity of the last twelve months (see recurrence.go).
	Recurring bool `db:"recurring" json:"recurring"`
	Year      int  `db:"year" json:"-"`
	Seq       int  `db:"seq" json:"-"`

	Evidence []EvidenceLink `db:"-" json:"evidence"`
}

// Clause is the finding's clause, or the zero clause.
func (f Finding) Clause() ISOClause { return ISOClause{Number: f.ClauseNumber, Title: f.ClauseTitle} }

// RequirementText is the requirement as one line: the clause and the free text.
func (f Finding) RequirementText() string {
	var parts []string
	if f.ClauseNumber != "" {
		parts = append(parts, "ISO 9001:2015 "+f.Clause().Label())
	}
	if f.Requirement != "" {
		parts = append(parts, f.Requirement)
	}
	return strings.Join(parts, ". ")
}

// findingSelect reads findings of the organisation $1 with their names, looked up in $1 (see
// pageFirst).
const findingSelect = `
	SELECT f.id, f.reference, f.classification, f.source, f.source_id, f.source_reference, f.statement,
	       coalesce(f.clause_number, '') AS clause_number, coalesce(k.title, '') AS clause_title,
	       f.requirement, f.objective_evidence, f.process_id, p.name AS process_name, f.site_id,
	       coalesce(s.name, '') AS site_name, f.audit_id, coalesce(au.reference, '') AS audit_reference,
	       f.checklist_item_id, f.raised_by, ru.name AS raised_by_name, f.raised_at, f.status, f.closed_at,
	       coalesce(cu.name, '') AS closed_by_name, f.closure_note, f.version, f.year, f.seq, f.recurring
	  FROM findings f
	  JOIN processes p ON p.tenant_id = $1 AND p.id = f.process_id
	  JOIN users ru ON ru.id = f.raised_by
	  LEFT JOIN users cu ON cu.id = f.closed_by
	  LEFT JOIN sites s ON s.tenant_id = $1 AND s.id = f.site_id
	  LEFT JOIN audits au ON au.tenant_id = $1 AND au.id = f.audit_id
	  LEFT JOIN iso_clauses k ON k.number = f.clause_number`

// listFindingsWhere lists findings matching cond (whose parameters start at $2), by number.
func listFindingsWhere(ctx context.Context, tx pgx.Tx, org uuid.UUID, cond string, args ...any) ([]Finding, error) {
	var out []Finding
	b := &pgx.Batch{}
	queueFindingsWhere(b, &out, org, cond, args...)
	return out, tx.SendBatch(ctx, b).Close()
}

// queueFindingsWhere queues the reading of findings matching cond (whose parameters start at
// $2), by number, into out.
func queueFindingsWhere(b *pgx.Batch, out *[]Finding, org uuid.UUID, cond string, args ...any) {
	b.Queue(findingSelect+` WHERE f.tenant_id = $1 AND `+cond+` ORDER BY f.year, f.seq`, append([]any{org}, args...)...).
		Query(func(rows pgx.Rows) error {
			var err error
			*out, err = database.CollectRows[Finding](rows)
			return err
		})
}

func getFinding(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, lock bool) (Finding, error) {
	q := findingSelect + ` WHERE f.tenant_id = $1 AND f.id = $2`
	if lock {
		q += ` FOR UPDATE OF f`
	}
	rows, err := tx.Query(ctx, q, org, id)
	if err != nil {
		return Finding{}, err
	}
	f, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Finding])
	if err != nil {
		return Finding{}, noRows(err, "Finding")
	}
	ev, err := evidenceOf(ctx, tx, org, "finding_id", []uuid.UUID{id})
	if err != nil {
		return Finding{}, err
	}
	f.Evidence = ev[id]
	return f, nil
}

// Finding loads one finding with its evidence. Every member may read findings.
func (s *Service) Finding(ctx context.Context, a Actor, id uuid.UUID) (Finding, error) {
	var f Finding
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		f, err = getFinding(ctx, tx, a.OrgID, id, false)
		return err
	})
	return f, err
}

// FindingInput is what a person enters to raise a finding. From a checklist question
// (ChecklistItemID), the audit, the clause, the process (when the audit covers one) and the
// question's evidence carry over; on an audit (AuditID), the audit does.
type FindingInput struct {
	Classification    Classification
	Source            FindingSource // ignored when raised on an audit
	SourceReference   string        // e.g. the complaint's number
	Statement         string
	ClauseNumber      string
	Requirement       string
	ObjectiveEvidence string
	ProcessID         uuid.UUID
	SiteID            uuid.UUID // optional
	AuditID           uuid.UUID
	ChecklistItemID   uuid.UUID
	EvidenceReference string
	Files             []Upload
}

func (in *FindingInput) validate() error {
	in.SourceReference, in.Statement, in.ClauseNumber = clean(in.SourceReference), clean(in.Statement), clean(in.ClauseNumber)
	in.Requirement, in.ObjectiveEvidence, in.EvidenceReference = clean(in.Requirement), clean(in.ObjectiveEvidence), clean(in.EvidenceReference)
	c := checks{}
	if !in.Classification.Valid() {
		c.add("classification", "Choose the classification.")
	}
	if in.AuditID == uuid.Nil {
		switch {
		case !in.Source.Valid():
			c.add("source", "Choose where the finding comes from.")
		case in.Source == SourceAudit:
			c.add("source", "Raise an audit finding from its audit, so that it is part of the audit's record.")
		}
	}
	c.maxLen("source_reference", in.SourceReference, 200)
	c.require("statement", in.Statement, "State the finding: what is not as required, or what could be better.")
	c.maxLen("statement", in.Statement, 4000)
	c.maxLen("requirement", in.Requirement, 2000)
	c.maxLen("objective_evidence", in.ObjectiveEvidence, 4000)
	c.maxLen("evidence_reference", in.EvidenceReference, 1000)
	if in.ProcessID == uuid.Nil {
		c.add("process_id", "Choose the process concerned.")
	}
	if in.Classification.Nonconformity() {
		if in.ClauseNumber == "" && in.Requirement == "" {
			c.add("requirement", "A nonconformity states the requirement not met: choose the clause or describe the requirement.")
		}
		if in.ObjectiveEvidence == "" {
			c.add("objective_evidence", "A nonconformity records the objective evidence that shows it.")
		}
	}
	return c.err()
}

// findingWriteError turns a constraint violation into a message next to the field concerned.
func findingWriteError(err error) error {
	if database.ErrorCode(err) != database.CodeForeignKeyViolation {
		return err
	}
	name := database.ConstraintName(err)
	switch {
	case strings.Contains(name, "process"):
		return invalidField("process_id", "Choose a process of this organisation.")
	case strings.Contains(name, "site"):
		return invalidField("site_id", "Choose a site of this organisation.")
	case strings.Contains(name, "clause"):
		return invalidField("clause", "Choose a clause of ISO 9001.")
	}
	return err
}

// RaiseFinding records a finding and gives it the next reference number of the year.
func (s *Service) RaiseFinding(ctx context.Context, a Actor, in FindingInput) (Finding, error) {
	onAudit := in.AuditID != uuid.Nil || in.ChecklistItemID != uuid.Nil
	if onAudit {
		if err := a.Require(auth.PermPerformAudits); err != nil {
			return Finding{}, err
		}
	} else if err := a.Require(auth.PermRaiseFindings); err != nil {
		return Finding{}, err
	}
	var f Finding
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		var item *ChecklistItem
		if onAudit {
			if in.ChecklistItemID != uuid.Nil {
				// The question names its audit; an audit id given with it must be the same.
				var auditID uuid.UUID
				err := tx.QueryRow(ctx, `SELECT audit_id FROM audit_checklist_items WHERE tenant_id = $1 AND id = $2`,
					a.OrgID, in.ChecklistItemID).Scan(&auditID)
				if err != nil {
					return noRows(err, "Question")
				}
				if in.AuditID != uuid.Nil && in.AuditID != auditID {
					return notFound("Question")
				}
				in.AuditID = auditID
			}
			au, err := getAudit(ctx, tx, a.OrgID, in.AuditID, true)
			if err != nil {
				return err
			}
			if err := requireAuditWork(a, au); err != nil {
				return err
			}
			in.Source = SourceAudit
			if in.ChecklistItemID != uuid.Nil {
				it, err := getChecklistItem(ctx, tx, a.OrgID, au.ID, in.ChecklistItemID, true)
				if err != nil {
					return err
				}
				item = &it
				if in.ClauseNumber == "" {
					in.ClauseNumber = it.ClauseNumber
				}
			}
			if in.ProcessID == uuid.Nil && len(au.Processes) == 1 {
				in.ProcessID = au.Processes[0].ID
			}
			if in.SiteID == uuid.Nil && len(au.Sites) == 1 {
				in.SiteID = au.Sites[0].ID
			}
			if err := in.validate(); err != nil {
				return err
			}
			if len(au.Processes) > 0 && !au.HasProcess(in.ProcessID) {
				return invalidField("process_id", "Choose one of the processes in the scope of "+au.Reference+".")
			}
		} else if err := in.validate(); err != nil {
			return err
		}
		year := s.now().Year()
		ref, seq, err := nextReference(ctx, tx, a.OrgID, "F", year)
		if err != nil {
			return err
		}
		var id uuid.UUID
		err = tx.QueryRow(ctx, `
			INSERT INTO findings (tenant_id, reference, year, seq, classification, source, source_reference, statement,
			                      clause_number, requirement, objective_evidence, process_id, site_id, audit_id,
			                      checklist_item_id, raised_by, raised_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULLIF($9, ''), $10, $11, $12, $13, $14, $15, $16, $17)
			RETURNING id`,
			a.OrgID, ref, year, seq, in.Classification, in.Source, in.SourceReference, in.Statement,
			in.ClauseNumber, in.Requirement, in.ObjectiveEvidence, in.ProcessID, nilIfZero(in.SiteID),
			nilIfZero(in.AuditID), nilIfZero(in.ChecklistItemID), a.UserID, s.now()).Scan(&id)
		if err != nil {
			return findingWriteError(err)
		}
		if item != nil {
			// The question's evidence is the finding's evidence too.
			if err := copyEvidence(ctx, tx, a.OrgID, item.ID, id); err != nil {
				return err
			}
		}
		if _, err := addEvidence(ctx, tx, a, s.now(), "finding_id", id, in.EvidenceReference, in.Files); err != nil {
			return err
		}
		if err := s.findingRaised(ctx, tx, a.OrgID, id, in.ProcessID); err != nil {
			return err
		}
		if f, err = getFinding(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		where := f.ProcessName
		if f.ClauseNumber != "" {
			where += " (" + f.ClauseNumber + ")"
		}
		if f.AuditReference != "" {
			where += " in " + f.AuditReference
		}
		return record(ctx, tx, a, change{
			Action: "finding.raise", EntityType: "finding", EntityID: id.String(),
			Summary: "Raised " + strings.ToLower(f.Classification.Label()) + " " + f.Reference + " on " + where, After: f,
		})
	})
	return f, err
}

// FindingEdit is what may change on an open finding: its grading and wording, not where it
// came from.
type FindingEdit struct {
	Classification    Classification
	Statement         string
	ClauseNumber      string
	Requirement       string
	ObjectiveEvidence string
	ProcessID         uuid.UUID
	SiteID            uuid.UUID
	SourceReference   string
}

// UpdateFinding corrects an open finding. Findings of an audit are corrected by its team
// until the report is issued; others by those who raise findings. version is the one loaded.
func (s *Service) UpdateFinding(ctx context.Context, a Actor, id uuid.UUID, version int, e FindingEdit) (Finding, error) {
	if !a.Can(auth.PermRaiseFindings) && !a.Can(auth.PermPerformAudits) {
		return Finding{}, forbidden()
	}
	var after Finding
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getFinding(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("finding")
		}
		if before.Status == FindingClosed {
			return conflict("Finding " + before.Reference + " is closed and can no longer change.")
		}
		in := FindingInput{Classification: e.Classification, Source: before.Source, SourceReference: e.SourceReference,
			Statement: e.Statement, ClauseNumber: e.ClauseNumber, Requirement: e.Requirement,
			ObjectiveEvidence: e.ObjectiveEvidence, ProcessID: e.ProcessID, SiteID: e.SiteID}
		if before.AuditID != nil {
			in.AuditID = *before.AuditID
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
			if err := in.validate(); err != nil {
				return err
			}
			if len(au.Processes) > 0 && !au.HasProcess(in.ProcessID) {
				return invalidField("process_id", "Choose one of the processes in the scope of "+au.Reference+".")
			}
		} else {
			if err := a.Require(auth.PermRaiseFindings); err != nil {
				return err
			}
			if err := in.validate(); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `
			UPDATE findings SET classification = $3, statement = $4, clause_number = NULLIF($5, ''), requirement = $6,
			       objective_evidence = $7, process_id = $8, site_id = $9, source_reference = $10,
			       version = version + 1, updated_at = now()
			 WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, in.Classification, in.Statement, in.ClauseNumber, in.Requirement, in.ObjectiveEvidence,
			in.ProcessID, nilIfZero(in.SiteID), in.SourceReference)
		if err != nil {
			return findingWriteError(err)
		}
		if err := s.rescoreExposure(ctx, tx, a.OrgID, []uuid.UUID{before.ProcessID, in.ProcessID}, "Finding "+before.Reference+" updated"); err != nil {
			return err
		}
		if after, err = getFinding(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		summary := "Updated finding " + after.Reference
		if before.Classification != after.Classification {
			summary = "Reclassified finding " + after.Reference + " from " + strings.ToLower(before.Classification.Label()) +
				" to " + strings.ToLower(after.Classification.Label())
		}
		return record(ctx, tx, a, change{
			Action: "finding.update", EntityType: "finding", EntityID: id.String(),
			Summary: summary, Before: before, After: after,
		})
	})
	return after, err
}

// CloseFinding closes an open finding with a note of how it was dealt with. Every rule about
// when a finding may close lives in findingMayClose, called here and nowhere else.
func (s *Service) CloseFinding(ctx context.Context, a Actor, id uuid.UUID, version int, note string) (Finding, error) {
	if err := a.Require(auth.PermCloseFindings); err != nil {
		return Finding{}, err
	}
	note = clean(note)
	c := checks{}
	c.require("closure_note", note, "Say how the finding was dealt with: the correction, the action taken and its evidence.")
	c.maxLen("closure_note", note, 4000)
	if err := c.err(); err != nil {
		return Finding{}, err
	}
	var after Finding
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getFinding(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("finding")
		}
		if err := findingMayClose(ctx, tx, a.OrgID, before); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE findings SET status = 'closed', closed_at = $5, closed_by = $3, closure_note = $4,
			version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, a.UserID, note, s.now()); err != nil {
			return err
		}
		if err := s.rescoreExposure(ctx, tx, a.OrgID, []uuid.UUID{before.ProcessID}, "Finding "+before.Reference+" closed"); err != nil {
			return err
		}
		if after, err = getFinding(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "finding.close", EntityType: "finding", EntityID: id.String(),
			Summary: "Closed " + strings.ToLower(after.Classification.Label()) + " " + after.Reference + ": " + note,
			Before:  before, After: after,
		})
	})
	return after, err
}

// findingMayClose is the one place that decides whether a finding may close now. Rules that
// corrective action brings (a major nonconformity needs a CAPA verified effective) belong here.
func findingMayClose(ctx context.Context, tx pgx.Tx, org uuid.UUID, f Finding) error {
	if f.Status == FindingClosed {
		return conflict("Finding " + f.Reference + " is already closed.")
	}
	return findingCAPAMayClose(ctx, tx, org, f)
}

// FindingFilter narrows the findings list. After is the cursor of the page before: the
// reference number of its last finding.
type FindingFilter struct {
	Classification Classification
	Status         FindingStatus
	ProcessID      uuid.UUID
	Clause         string // the clause and its sub-clauses
	Source         FindingSource
	AuditID        uuid.UUID
	SiteID         uuid.UUID
	After          string
	Limit          int
}

// FindingPage is one page of findings, newest first.
type FindingPage struct {
	Findings []Finding
	// Next is the cursor of the next page; empty on the last page.
	Next string
}

// Findings lists findings newest first, with keyset pagination on their number.
func (s *Service) Findings(ctx context.Context, a Actor, f FindingFilter) (FindingPage, error) {
	var page FindingPage
	b := &pgx.Batch{}
	if err := queueFindings(b, a.OrgID, f, &page); err != nil {
		return FindingPage{}, err
	}
	if err := s.readBatch(ctx, a, b); err != nil {
		return FindingPage{}, err
	}
	return page, nil
}

// FindingList is the findings page: one page of the list and the choices its filter offers.
type FindingList struct {
	FindingPage
	Processes []Process
	Clauses   []ISOClause
	Sites     []Site
}

// FindingList reads the findings page (Findings and its filter's choices) in one round trip.
func (s *Service) FindingList(ctx context.Context, a Actor, f FindingFilter) (FindingList, error) {
	var l FindingList
	b := &pgx.Batch{}
	if err := queueFindings(b, a.OrgID, f, &l.FindingPage); err != nil {
		return FindingList{}, err
	}
	keep := s.queueChoices(b, a.OrgID, &l.Processes, &l.Sites, nil)
	if err := s.readBatch(ctx, a, b); err != nil {
		return FindingList{}, err
	}
	keep()
	var err error
	l.Clauses, err = s.ISOClauses(ctx, a)
	return l, err
}

// queueFindings queues one page of the findings f selects into page. The WHERE clause holds
// only the filters that are set, each with its own parameter, so that one plan fits every run
// of the same shape: the number index walked backwards from the cursor.
func queueFindings(b *pgx.Batch, org uuid.UUID, f FindingFilter, page *FindingPage) error {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q, err := findingsWhere(org, f)
	if err != nil {
		return err
	}
	limit := f.Limit
	// The page is chosen from the findings alone and joined afterwards, so no plan joins the
	// whole register before it limits.
	const order = ` ORDER BY f.year DESC, f.seq DESC`
	sql := pageFirst(findingSelect, "findings f", "SELECT * FROM findings f"+q.where()+order+" LIMIT "+strconv.Itoa(limit+1), order)
	b.Queue(sql, q.args...).
		Query(func(rows pgx.Rows) error {
			var err error
			page.Findings, err = database.CollectRows[Finding](rows)
			if err != nil {
				return err
			}
			if len(page.Findings) > limit {
				page.Findings = page.Findings[:limit]
				last := page.Findings[limit-1]
				page.Next = fmt.Sprintf("%d-%d", last.Year, last.Seq)
			}
			return nil
		})
	return nil
}

// OpenFindings counts the open findings f selects, whatever its status and page, and the
// nonconformities among them: the tiles of a process's or clause's page.
func (s *Service) OpenFindings(ctx context.Context, a Actor, f FindingFilter) (open, openNCs int, err error) {
	f.Status, f.After = FindingOpen, ""
	q, err := findingsWhere(a.OrgID, f)
	if err != nil {
		return 0, 0, err
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT count(*), count(*) FILTER (WHERE f.classification IN ('major_nc', 'minor_nc')) FROM findings f`+q.where(), q.args...).
		QueryRow(func(row pgx.Row) error { return row.Scan(&open, &openNCs) })
	err = s.readBatch(ctx, a, b)
	return open, openNCs, err
}

// findingsWhere holds the conditions of f, the organisation's first.
func findingsWhere(org uuid.UUID, f FindingFilter) (sqlWhere, error) {
	var q sqlWhere
	q.add("f.tenant_id = $%d", org)
	if f.After != "" {
		afterYear, afterSeq, ok := parseFindingCursor(f.After)
		if !ok {
			return q, invalidField("after", "This page of findings does not exist.")
		}
		q.add2("(f.year, f.seq) < ($%d, $%d)", afterYear, afterSeq)
	}
	if f.Classification != "" {
		q.add("f.classification = $%d", string(f.Classification))
	}
	if f.Status != "" {
		q.add("f.status = $%d", string(f.Status))
	}
	if f.ProcessID != uuid.Nil {
		q.add("f.process_id = $%d", f.ProcessID)
	}
	if f.Clause != "" {
		q.add("(f.clause_number = $%[1]d OR f.clause_number LIKE $%[1]d || '.%%')", f.Clause)
	}
	if f.Source != "" {
		q.add("f.source = $%d", string(f.Source))
	}
	if f.AuditID != uuid.Nil {
		q.add("f.audit_id = $%d", f.AuditID)
	}
	if f.SiteID != uuid.Nil {
		q.add("f.site_id = $%d", f.SiteID)
	}
	return q, nil
}

func parseFindingCursor(s string) (year, seq int, ok bool) {
	y, q, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	year, err1 := strconv.Atoi(y)
	seq, err2 := strconv.Atoi(q)
	return year, seq, err1 == nil && err2 == nil && year > 0 && seq > 0
}
