package qms

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// Result is what an auditor records for a checklist question. The empty result means the
// question has not been worked on yet.
type Result string

const (
	ResultConforming  Result = "conforming"
	ResultMinorNC     Result = "minor_nc"
	ResultMajorNC     Result = "major_nc"
	ResultObservation Result = "observation"
	ResultOFI         Result = "ofi"
	ResultNotAudited  Result = "not_audited"
)

// Results lists every result in the order a form offers them.
var Results = []Result{ResultConforming, ResultMinorNC, ResultMajorNC, ResultObservation, ResultOFI, ResultNotAudited}

// Valid reports whether r is a result, or empty.
func (r Result) Valid() bool { return r == "" || slices.Contains(Results, r) }

// Label is the result as auditors say it.
func (r Result) Label() string {
	switch r {
	case "":
		return "To do"
	case ResultConforming:
		return "Conforming"
	case ResultNotAudited:
		return "Not audited"
	}
	return Classification(r).Label()
}

// Tone is the badge colour of a result.
func (r Result) Tone() string {
	switch r {
	case ResultConforming:
		return "ok"
	case ResultMinorNC, ResultObservation:
		return "warn"
	case ResultMajorNC:
		return "bad"
	case ResultOFI:
		return "info"
	}
	return "muted"
}

// Audited reports whether the question was audited: it has a result other than "not audited".
func (r Result) Audited() bool { return r != "" && r != ResultNotAudited }

// Finding is the classification of the finding this result calls for, if any.
func (r Result) Finding() (Classification, bool) {
	c := Classification(r)
	return c, c.Valid()
}

// Tally counts a checklist's results. Progress (how much has been audited) and conformity
// (how much of what was audited conformed) are separate questions.
type Tally struct {
	Total       int
	Conforming  int
	MinorNC     int
	MajorNC     int
	Observation int
	OFI         int
	NotAudited  int
}

// Audited is the number of questions with a result other than "not audited".
func (t Tally) Audited() int { return t.Conforming + t.MinorNC + t.MajorNC + t.Observation + t.OFI }

// Open is the number of questions without a result yet.
func (t Tally) Open() int { return t.Total - t.Audited() - t.NotAudited }

// ProgressPercent is the share of questions audited, rounded down.
func (t Tally) ProgressPercent() int { return percent(t.Audited(), t.Total) }

// ConformityPercent is the share of audited questions that conformed, rounded down.
func (t Tally) ConformityPercent() int { return percent(t.Conforming, t.Audited()) }

func percent(n, of int) int {
	if of == 0 {
		return 0
	}
	return n * 100 / of
}

func (t *Tally) add(r Result) {
	t.Total++
	switch r {
	case ResultConforming:
		t.Conforming++
	case ResultMinorNC:
		t.MinorNC++
	case ResultMajorNC:
		t.MajorNC++
	case ResultObservation:
		t.Observation++
	case ResultOFI:
		t.OFI++
	case ResultNotAudited:
		t.NotAudited++
	}
}

// TallyOf counts the results of a checklist.
func TallyOf(items []ChecklistItem) Tally {
	var t Tally
	for _, it := range items {
		t.add(it.Result)
	}
	return t
}

// ChecklistItem is one question of an audit's checklist with what the auditor recorded.
type ChecklistItem struct {
	ID            uuid.UUID  `db:"id" json:"id"`
	AuditID       uuid.UUID  `db:"audit_id" json:"audit_id"`
	ClauseNumber  string     `db:"clause_number" json:"clause_number"` // "" for none
	ClauseTitle   string     `db:"clause_title" json:"-"`
	AdHoc         bool       `db:"ad_hoc" json:"ad_hoc"`
	Question      string     `db:"question" json:"question"`
	Guidance      string     `db:"guidance" json:"guidance"`
	Result        Result     `db:"result" json:"result"`
	Notes         string     `db:"notes" json:"notes"`
	AuditedByName string     `db:"audited_by_name" json:"audited_by,omitempty"`
	AuditedAt     *time.Time `db:"audited_at" json:"audited_at"`
	Version       int        `db:"version" json:"version"`

	Evidence []EvidenceLink `db:"-" json:"evidence"`
	Findings []FindingRef   `db:"-" json:"findings"`
}

// Clause is the question's clause, or the zero clause.
func (it ChecklistItem) Clause() ISOClause {
	return ISOClause{Number: it.ClauseNumber, Title: it.ClauseTitle}
}

// NeedsFinding reports whether the result calls for a finding that has not been raised yet.
func (it ChecklistItem) NeedsFinding() bool {
	c, ok := it.Result.Finding()
	return ok && c.Nonconformity() && len(it.Findings) == 0
}

// ClauseGroup is the questions of one clause.
type ClauseGroup struct {
	Clause ISOClause // zero for questions without a clause
	Items  []ChecklistItem
	Tally  Tally
}

func groupByClause(items []ChecklistItem) []ClauseGroup {
	var out []ClauseGroup
	for _, it := range items {
		if len(out) == 0 || out[len(out)-1].Clause.Number != it.ClauseNumber {
			out = append(out, ClauseGroup{Clause: it.Clause()})
		}
		g := &out[len(out)-1]
		g.Items = append(g.Items, it)
		g.Tally.add(it.Result)
	}
	return out
}

const checklistSelect = `
	SELECT i.id, i.audit_id, coalesce(i.clause_number, '') AS clause_number, coalesce(k.title, '') AS clause_title,
	       i.ad_hoc, i.question, i.guidance, coalesce(i.result, '') AS result, i.notes,
	       coalesce(u.name, '') AS audited_by_name, i.audited_at, i.version
	  FROM audit_checklist_items i
	  LEFT JOIN iso_clauses k ON k.number = i.clause_number
	  LEFT JOIN users u ON u.id = i.audited_by`

// checklistOrder puts questions in clause order, the template's questions before the team's.
const checklistOrder = ` ORDER BY k.sort_key NULLS LAST, i.ad_hoc, i.position, i.id`

func checklistOf(ctx context.Context, tx pgx.Tx, org, auditID uuid.UUID) ([]ChecklistItem, error) {
	rows, err := tx.Query(ctx, checklistSelect+` WHERE i.tenant_id = $1 AND i.audit_id = $2`+checklistOrder, org, auditID)
	if err != nil {
		return nil, err
	}
	items, err := database.CollectRows[ChecklistItem](rows)
	if err != nil {
		return nil, err
	}
	return items, fillChecklistItems(ctx, tx, org, items)
}

// fillChecklistItems loads the evidence and findings of checklist items, all of one audit.
func fillChecklistItems(ctx context.Context, tx pgx.Tx, org uuid.UUID, items []ChecklistItem) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	evidence, findings := map[uuid.UUID][]EvidenceLink{}, map[uuid.UUID][]FindingRef{}
	b := &pgx.Batch{}
	queueEvidence(b, "checklist_item_id", ownersListed, evidence, org, ids)
	queueChecklistFindings(b, org, items[0].AuditID, ids, findings)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	for i := range items {
		items[i].Evidence, items[i].Findings = evidence[items[i].ID], findings[items[i].ID]
	}
	return nil
}

// queueChecklistFindings queues the findings raised from the checklist of an audit (from the
// items listed, or from any item when items is nil) into out by item. They are found by the
// audit index, whatever share of the organisation's findings a kept plan assumes.
func queueChecklistFindings(b *pgx.Batch, org, auditID uuid.UUID, items []uuid.UUID, out map[uuid.UUID][]FindingRef) {
	cond, args := `checklist_item_id IS NOT NULL`, []any{org, auditID}
	if items != nil {
		cond, args = `checklist_item_id = ANY($3)`, append(args, items)
	}
	b.Queue(`SELECT checklist_item_id, id, reference, classification, status FROM findings
		WHERE tenant_id = $1 AND audit_id = $2 AND `+cond+` ORDER BY year, seq`, args...).
		Query(func(rows pgx.Rows) error {
			var itemID uuid.UUID
			var r FindingRef
			_, err := pgx.ForEachRow(rows, []any{&itemID, &r.ID, &r.Reference, &r.Classification, &r.Status}, func() error {
				out[itemID] = append(out[itemID], r)
				return nil
			})
			return err
		})
}

func getChecklistItem(ctx context.Context, tx pgx.Tx, org, auditID, itemID uuid.UUID, lock bool) (ChecklistItem, error) {
	q := checklistSelect + ` WHERE i.tenant_id = $1 AND i.audit_id = $2 AND i.id = $3`
	if lock {
		q += ` FOR UPDATE OF i`
	}
	rows, err := tx.Query(ctx, q, org, auditID, itemID)
	if err != nil {
		return ChecklistItem{}, err
	}
	it, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ChecklistItem])
	if err != nil {
		return ChecklistItem{}, noRows(err, "Question")
	}
	list := []ChecklistItem{it}
	if err := fillChecklistItems(ctx, tx, org, list); err != nil {
		return ChecklistItem{}, err
	}
	return list[0], nil
}

// syncChecklist brings an audit's checklist in line with its criteria: the organisation's
// questions for each criterion clause and its sub-clauses are added once; questions from
// templates whose clause is no longer a criterion go, unless someone has worked on them.
func syncChecklist(ctx context.Context, tx pgx.Tx, org, auditID uuid.UUID) error {
	_, err := tx.Exec(ctx, `
		DELETE FROM audit_checklist_items i
		 WHERE i.tenant_id = $1 AND i.audit_id = $2 AND NOT i.ad_hoc AND i.result IS NULL AND i.notes = ''
		   AND NOT EXISTS (SELECT 1 FROM evidence_links e WHERE e.tenant_id = $1 AND e.checklist_item_id = i.id)
		   AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.tenant_id = $1 AND f.checklist_item_id = i.id)
		   AND NOT EXISTS (SELECT 1 FROM audit_clauses c WHERE c.tenant_id = $1 AND c.audit_id = $2
		                      AND (i.clause_number = c.clause_number OR i.clause_number LIKE c.clause_number || '.%'))`,
		org, auditID)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO audit_checklist_items (tenant_id, audit_id, clause_number, template_id, position, question, guidance)
		SELECT $1, $2, t.clause_number, t.id, t.position, t.question, t.guidance
		  FROM audit_question_templates t
		 WHERE t.tenant_id = $1
		   AND EXISTS (SELECT 1 FROM audit_clauses c WHERE c.tenant_id = $1 AND c.audit_id = $2
		                  AND (t.clause_number = c.clause_number OR t.clause_number LIKE c.clause_number || '.%'))
		   AND NOT EXISTS (SELECT 1 FROM audit_checklist_items i WHERE i.tenant_id = $1 AND i.audit_id = $2 AND i.template_id = t.id)`,
		org, auditID)
	return err
}

// QuestionDetail is a checklist question with its audit, for the page where it is answered,
// and its neighbours in the checklist, so the auditor can work through it in order.
type QuestionDetail struct {
	Audit    Audit
	Item     ChecklistItem
	Position int // 1-based, in the checklist
	Of       int
	PrevID   uuid.UUID // zero at the first question
	NextID   uuid.UUID // zero at the last
}

// ChecklistQuestion loads one question of an audit.
func (s *Service) ChecklistQuestion(ctx context.Context, a Actor, auditID, itemID uuid.UUID) (QuestionDetail, error) {
	var d QuestionDetail
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		if d.Audit, err = getAudit(ctx, tx, a.OrgID, auditID, false); err != nil {
			return err
		}
		if d.Item, err = getChecklistItem(ctx, tx, a.OrgID, auditID, itemID, false); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT i.id FROM audit_checklist_items i LEFT JOIN iso_clauses k ON k.number = i.clause_number
			WHERE i.tenant_id = $1 AND i.audit_id = $2`+checklistOrder, a.OrgID, auditID)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		i := slices.Index(ids, itemID)
		d.Position, d.Of = i+1, len(ids)
		if i > 0 {
			d.PrevID = ids[i-1]
		}
		if i >= 0 && i+1 < len(ids) {
			d.NextID = ids[i+1]
		}
		return nil
	})
	return d, err
}

// requireAuditWork checks that the actor may record work on the audit now: it is in
// progress and they are on its team.
func requireAuditWork(a Actor, au Audit) error {
	if !au.OnTeam(a.UserID) {
		return conflict("Only the audit team of " + au.Reference + " records its results.")
	}
	switch au.Status {
	case AuditPlanned:
		return conflict("Audit " + au.Reference + " has not started yet. Start it to record results.")
	case AuditReported, AuditClosed:
		return conflict("Audit " + au.Reference + " has been reported; its results can no longer change.")
	}
	return nil
}

// ResultInput is what an auditor records for a question: the result, notes, and evidence to
// add (a reference and uploaded files).
type ResultInput struct {
	Result            Result
	Notes             string
	EvidenceReference string
	Files             []Upload
	// Links are a controlled document (its version in force at the audit) and a record.
	Links EvidenceRefs
}

// RecordResult records a checklist question's result, notes and new evidence. version is the
// question's version the auditor loaded.
func (s *Service) RecordResult(ctx context.Context, a Actor, auditID, itemID uuid.UUID, version int, in ResultInput) (ChecklistItem, error) {
	if err := a.Require(auth.PermPerformAudits); err != nil {
		return ChecklistItem{}, err
	}
	in.Notes, in.EvidenceReference = clean(in.Notes), clean(in.EvidenceReference)
	c := checks{}
	if !in.Result.Valid() {
		c.add("result", "Choose a result.")
	}
	c.maxLen("notes", in.Notes, 4000)
	c.maxLen("evidence_reference", in.EvidenceReference, 1000)
	in.Links.check(c)
	if in.Result.Audited() && in.Result != ResultConforming && in.Notes == "" {
		c.add("notes", "Note what you saw: a finding needs its objective evidence.")
	}
	if err := c.err(); err != nil {
		return ChecklistItem{}, err
	}
	var after ChecklistItem
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		au, err := getAudit(ctx, tx, a.OrgID, auditID, false)
		if err != nil {
			return err
		}
		before, err := getChecklistItem(ctx, tx, a.OrgID, auditID, itemID, true)
		if err != nil {
			return err
		}
		if err := requireAuditWork(a, au); err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("question")
		}
		changed := before.Result != in.Result || before.Notes != in.Notes
		if changed {
			if _, err := tx.Exec(ctx, `
				UPDATE audit_checklist_items SET result = NULLIF($3, ''), notes = $4,
				       audited_by = CASE WHEN $3 = '' THEN NULL ELSE $5::uuid END,
				       audited_at = CASE WHEN $3 = '' THEN NULL ELSE $6::timestamptz END,
				       version = version + 1, updated_at = now()
				 WHERE tenant_id = $1 AND id = $2`, a.OrgID, itemID, in.Result, in.Notes, actorID(a), s.now()); err != nil {
				return err
			}
		}
		added, err := addEvidence(ctx, tx, a, s.now(), "checklist_item_id", itemID, in.EvidenceReference, in.Files)
		if err != nil {
			return err
		}
		linked, err := linkRefs(ctx, tx, a, s.now(), "checklist_item_id", itemID, in.Links, auditMoment(au), auditWhen(au))
		if err != nil {
			return err
		}
		added = append(added, linked...)
		if !changed && len(added) == 0 {
			after = before
			return nil
		}
		if after, err = getChecklistItem(ctx, tx, a.OrgID, auditID, itemID, false); err != nil {
			return err
		}
		summary := "Recorded " + strings.ToLower(after.Result.Label()) + " on " + questionName(after) + " in " + au.Reference
		if !changed {
			summary = "Added evidence to " + questionName(after) + " in " + au.Reference
		}
		if len(added) > 0 {
			summary += " (evidence: " + strings.Join(added, ", ") + ")"
		}
		return record(ctx, tx, a, change{
			Action: "audit.record_result", EntityType: "audit", EntityID: auditID.String(),
			Summary: summary, Before: before, After: after,
		})
	})
	return after, err
}

// questionName names a question briefly for the trail: its clause and first words.
func questionName(it ChecklistItem) string {
	q := it.Question
	if r := []rune(q); len(r) > 60 {
		q = string(r[:57]) + "…"
	}
	if it.ClauseNumber != "" {
		return it.ClauseNumber + " “" + q + "”"
	}
	return "“" + q + "”"
}

// RemoveEvidence unlinks a piece of evidence added to a question by mistake. The file itself
// stays in the organisation's evidence store, as every upload does.
func (s *Service) RemoveEvidence(ctx context.Context, a Actor, auditID, itemID, evidenceID uuid.UUID) (ChecklistItem, error) {
	if err := a.Require(auth.PermPerformAudits); err != nil {
		return ChecklistItem{}, err
	}
	var after ChecklistItem
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		au, err := getAudit(ctx, tx, a.OrgID, auditID, false)
		if err != nil {
			return err
		}
		before, err := getChecklistItem(ctx, tx, a.OrgID, auditID, itemID, true)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(before.Evidence, func(l EvidenceLink) bool { return l.ID == evidenceID })
		if i < 0 {
			return notFound("Evidence")
		}
		if err := requireAuditWork(a, au); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM evidence_links WHERE tenant_id = $1 AND id = $2`, a.OrgID, evidenceID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE audit_checklist_items SET version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, itemID); err != nil {
			return err
		}
		if after, err = getChecklistItem(ctx, tx, a.OrgID, auditID, itemID, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "audit.remove_evidence", EntityType: "audit", EntityID: auditID.String(),
			Summary: "Removed evidence " + before.Evidence[i].Name() + " from " + questionName(before) + " in " + au.Reference,
			Before:  before, After: after,
		})
	})
	return after, err
}

// QuestionInput is a question for an audit's checklist or for the organisation's templates.
type QuestionInput struct {
	ClauseNumber string // optional for an ad-hoc question
	Question     string
	Guidance     string
}

func (in *QuestionInput) validate(clauseRequired bool) error {
	in.ClauseNumber, in.Question, in.Guidance = clean(in.ClauseNumber), clean(in.Question), clean(in.Guidance)
	c := checks{}
	if clauseRequired && in.ClauseNumber == "" {
		c.add("clause", "Choose the clause this question is about.")
	}
	c.require("question", in.Question, "Enter the question.")
	c.maxLen("question", in.Question, 1000)
	c.maxLen("guidance", in.Guidance, 2000)
	return c.err()
}

func clauseError(err error) error {
	if database.ErrorCode(err) == database.CodeForeignKeyViolation && strings.Contains(database.ConstraintName(err), "clause") {
		return invalidField("clause", "Choose a clause of ISO 9001.")
	}
	return err
}

// AddQuestion adds an ad-hoc question to an audit's checklist, before or during the audit.
// The audit team adds questions, and so do planners.
func (s *Service) AddQuestion(ctx context.Context, a Actor, auditID uuid.UUID, in QuestionInput) (ChecklistItem, error) {
	if !a.Can(auth.PermPerformAudits) && !a.Can(auth.PermPlanAudits) {
		return ChecklistItem{}, forbidden()
	}
	if err := in.validate(false); err != nil {
		return ChecklistItem{}, err
	}
	var it ChecklistItem
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		au, err := getAudit(ctx, tx, a.OrgID, auditID, true)
		if err != nil {
			return err
		}
		if !au.OnTeam(a.UserID) && !a.Can(auth.PermPlanAudits) {
			return conflict("Only the audit team of " + au.Reference + " and its planners add questions.")
		}
		if au.Status.Done() {
			return conflict("Audit " + au.Reference + " has been reported; its checklist can no longer change.")
		}
		var id uuid.UUID
		err = tx.QueryRow(ctx, `
			INSERT INTO audit_checklist_items (tenant_id, audit_id, clause_number, ad_hoc, position, question, guidance)
			VALUES ($1, $2, NULLIF($3, ''), true,
			        (SELECT coalesce(max(position), 0) + 1 FROM audit_checklist_items WHERE tenant_id = $1 AND audit_id = $2 AND ad_hoc),
			        $4, $5)
			RETURNING id`, a.OrgID, auditID, in.ClauseNumber, in.Question, in.Guidance).Scan(&id)
		if err != nil {
			return clauseError(err)
		}
		if it, err = getChecklistItem(ctx, tx, a.OrgID, auditID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "audit.add_question", EntityType: "audit", EntityID: auditID.String(),
			Summary: "Added question " + questionName(it) + " to " + au.Reference, After: it,
		})
	})
	return it, err
}

// RemoveQuestion takes a question off an audit's checklist, as long as nothing has been
// recorded on it: once worked on, a question is part of the audit's record.
func (s *Service) RemoveQuestion(ctx context.Context, a Actor, auditID, itemID uuid.UUID, version int) error {
	if !a.Can(auth.PermPerformAudits) && !a.Can(auth.PermPlanAudits) {
		return forbidden()
	}
	return s.write(ctx, a, func(tx pgx.Tx) error {
		au, err := getAudit(ctx, tx, a.OrgID, auditID, true)
		if err != nil {
			return err
		}
		before, err := getChecklistItem(ctx, tx, a.OrgID, auditID, itemID, true)
		if err != nil {
			return err
		}
		if !au.OnTeam(a.UserID) && !a.Can(auth.PermPlanAudits) {
			return conflict("Only the audit team of " + au.Reference + " and its planners remove questions.")
		}
		if before.Version != version {
			return staleEdit("question")
		}
		if au.Status.Done() {
			return conflict("Audit " + au.Reference + " has been reported; its checklist can no longer change.")
		}
		if before.Result != "" || before.Notes != "" || len(before.Evidence) > 0 || len(before.Findings) > 0 {
			return conflict("This question has results, notes, evidence or findings recorded, so it stays on the checklist. Mark it “not audited” instead.")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM audit_checklist_items WHERE tenant_id = $1 AND id = $2`, a.OrgID, itemID); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "audit.remove_question", EntityType: "audit", EntityID: auditID.String(),
			Summary: "Removed question " + questionName(before) + " from " + au.Reference, Before: before,
		})
	})
}

// QuestionTemplate is a question of the organisation's checklist library.
type QuestionTemplate struct {
	ID           uuid.UUID `db:"id" json:"id"`
	ClauseNumber string    `db:"clause_number" json:"clause_number"`
	ClauseTitle  string    `db:"clause_title" json:"-"`
	Position     int       `db:"position" json:"position"`
	Question     string    `db:"question" json:"question"`
	Guidance     string    `db:"guidance" json:"guidance"`
	Version      int       `db:"version" json:"version"`
}

const templateSelect = `
	SELECT t.id, t.clause_number, k.title AS clause_title, t.position, t.question, t.guidance, t.version
	  FROM audit_question_templates t JOIN iso_clauses k ON k.number = t.clause_number`

// QuestionTemplates lists the organisation's checklist library in clause order.
func (s *Service) QuestionTemplates(ctx context.Context, a Actor) ([]QuestionTemplate, error) {
	var out []QuestionTemplate
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, templateSelect+` WHERE t.tenant_id = $1 ORDER BY k.sort_key, t.position, t.id`, a.OrgID)
		if err != nil {
			return err
		}
		out, err = database.CollectRows[QuestionTemplate](rows)
		return err
	})
	return out, err
}

// QuestionTemplate loads one question of the library.
func (s *Service) QuestionTemplate(ctx context.Context, a Actor, id uuid.UUID) (QuestionTemplate, error) {
	var out QuestionTemplate
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		out, err = getQuestionTemplate(ctx, tx, a.OrgID, id, false)
		return err
	})
	return out, err
}

func getQuestionTemplate(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, lock bool) (QuestionTemplate, error) {
	q := templateSelect + ` WHERE t.tenant_id = $1 AND t.id = $2`
	if lock {
		q += ` FOR UPDATE OF t`
	}
	rows, err := tx.Query(ctx, q, org, id)
	if err != nil {
		return QuestionTemplate{}, err
	}
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[QuestionTemplate])
	return t, noRows(err, "Question")
}

// AddQuestionTemplate adds a question to the library, after the clause's other questions.
// Audits planned from now on ask it; audits already planned keep their checklist.
func (s *Service) AddQuestionTemplate(ctx context.Context, a Actor, in QuestionInput) (QuestionTemplate, error) {
	if err := a.Require(auth.PermPlanAudits); err != nil {
		return QuestionTemplate{}, err
	}
	if err := in.validate(true); err != nil {
		return QuestionTemplate{}, err
	}
	var t QuestionTemplate
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		var id uuid.UUID
		err := tx.QueryRow(ctx, `
			INSERT INTO audit_question_templates (tenant_id, clause_number, position, question, guidance)
			VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM audit_question_templates WHERE tenant_id = $1 AND clause_number = $2), $3, $4)
			RETURNING id`, a.OrgID, in.ClauseNumber, in.Question, in.Guidance).Scan(&id)
		if err != nil {
			return clauseError(err)
		}
		if t, err = getQuestionTemplate(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "checklist_template.create", EntityType: "checklist_template", EntityID: id.String(),
			Summary: "Added a checklist question for " + t.ClauseNumber + ": " + t.Question, After: t,
		})
	})
	return t, err
}

// UpdateQuestionTemplate changes a library question. version is the one the editor loaded.
func (s *Service) UpdateQuestionTemplate(ctx context.Context, a Actor, id uuid.UUID, version int, in QuestionInput) (QuestionTemplate, error) {
	if err := a.Require(auth.PermPlanAudits); err != nil {
		return QuestionTemplate{}, err
	}
	if err := in.validate(true); err != nil {
		return QuestionTemplate{}, err
	}
	var after QuestionTemplate
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getQuestionTemplate(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("question")
		}
		if _, err := tx.Exec(ctx, `UPDATE audit_question_templates SET clause_number = $3, question = $4, guidance = $5,
			version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, in.ClauseNumber, in.Question, in.Guidance); err != nil {
			return clauseError(err)
		}
		if after, err = getQuestionTemplate(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "checklist_template.update", EntityType: "checklist_template", EntityID: id.String(),
			Summary: "Changed a checklist question for " + after.ClauseNumber + ": " + after.Question, Before: before, After: after,
		})
	})
	return after, err
}

// RemoveQuestionTemplate takes a question out of the library. Checklists that already ask it
// keep their copy.
func (s *Service) RemoveQuestionTemplate(ctx context.Context, a Actor, id uuid.UUID, version int) error {
	if err := a.Require(auth.PermPlanAudits); err != nil {
		return err
	}
	return s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getQuestionTemplate(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("question")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM audit_question_templates WHERE tenant_id = $1 AND id = $2`, a.OrgID, id); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "checklist_template.remove", EntityType: "checklist_template", EntityID: id.String(),
			Summary: "Removed a checklist question for " + before.ClauseNumber + ": " + before.Question, Before: before,
		})
	})
}

// seedQuestionTemplates gives a new organisation the default checklist library, which it then
// edits as its own.
func seedQuestionTemplates(ctx context.Context, tx pgx.Tx, org uuid.UUID) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO audit_question_templates (tenant_id, clause_number, position, question, guidance)
		SELECT $1, clause_number, position, question, guidance FROM iso_default_questions`, org)
	return err
}
