package qms

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/database"
)

// CheckDelayDays is how long after the last action of a round the effectiveness check is
// planned, unless someone plans it otherwise: long enough for the problem to show again.
const CheckDelayDays = 30

// ActionStatus is where one CAPA action stands.
type ActionStatus string

const (
	ActionOpen      ActionStatus = "open"
	ActionDone      ActionStatus = "done"
	ActionCancelled ActionStatus = "cancelled"
)

// Label is the status as people say it.
func (s ActionStatus) Label() string {
	switch s {
	case ActionDone:
		return "Done"
	case ActionCancelled:
		return "Cancelled"
	}
	return "Open"
}

// CAPAAction is one action of a CAPA's round.
type CAPAAction struct {
	ID                 uuid.UUID    `db:"id" json:"id"`
	Round              int          `db:"round" json:"round"`
	Kind               string       `db:"kind" json:"kind"`
	Description        string       `db:"description" json:"description"`
	OwnerID            uuid.UUID    `db:"owner_id" json:"owner_id"`
	OwnerName          string       `db:"owner_name" json:"owner"`
	DueDate            time.Time    `db:"due_date" json:"due_date"`
	Status             ActionStatus `db:"status" json:"status"`
	CompletedAt        *time.Time   `db:"completed_at" json:"completed_at"`
	CompletedByName    string       `db:"completed_by_name" json:"completed_by,omitempty"`
	CompletionNote     string       `db:"completion_note" json:"completion_note"`
	CompletionFileID   *uuid.UUID   `db:"completion_file_id" json:"completion_file_id"`
	CompletionFilename string       `db:"completion_filename" json:"-"`
	Version            int          `db:"version" json:"version"`
}

// Overdue reports whether the action is open past its due date.
func (x CAPAAction) Overdue(today time.Time) bool {
	return x.Status == ActionOpen && x.DueDate.Before(today)
}

// EffectivenessCheck is the check of one round: the criteria, when and by whom, and once
// recorded its result, evidence and signature.
type EffectivenessCheck struct {
	ID               uuid.UUID  `db:"id" json:"id"`
	Round            int        `db:"round" json:"round"`
	Criteria         string     `db:"criteria" json:"criteria"`
	PlannedDate      time.Time  `db:"planned_date" json:"planned_date"`
	VerifierID       uuid.UUID  `db:"verifier_id" json:"verifier_id"`
	VerifierName     string     `db:"verifier_name" json:"verifier"`
	Result           string     `db:"result" json:"result"`
	Evidence         string     `db:"evidence" json:"evidence"`
	EvidenceFileID   *uuid.UUID `db:"evidence_file_id" json:"evidence_file_id"`
	EvidenceFilename string     `db:"evidence_filename" json:"-"`
	RecordedAt       *time.Time `db:"recorded_at" json:"recorded_at"`
	RecordedByName   string     `db:"recorded_by_name" json:"recorded_by,omitempty"`
	SignatureID      *uuid.UUID `db:"signature_id" json:"signature_id"`
	Version          int        `db:"version" json:"version"`
}

// Check results.
const (
	Effective    = "effective"
	NotEffective = "not_effective"
)

// ResultLabel is the result as people say it.
func (k EffectivenessCheck) ResultLabel() string {
	switch k.Result {
	case Effective:
		return "Effective"
	case NotEffective:
		return "Not effective"
	}
	return "Not yet checked"
}

// CAPAEvent is one line of a CAPA's history.
type CAPAEvent struct {
	At      time.Time
	Summary string
}

// CAPADetail is a CAPA with everything its page shows.
type CAPADetail struct {
	CAPA
	Findings   []Finding
	Whys       []string
	Fishbone   []FishboneCause
	Actions    []CAPAAction
	Checks     []EffectivenessCheck
	Signatures []Signature
}

// RoundActions are the actions of the current round.
func (d CAPADetail) RoundActions() []CAPAAction {
	var out []CAPAAction
	for _, x := range d.Actions {
		if x.Round == d.Round {
			out = append(out, x)
		}
	}
	return out
}

// CurrentCheck is the check of the current round, if one is planned.
func (d CAPADetail) CurrentCheck() *EffectivenessCheck {
	for i := range d.Checks {
		if d.Checks[i].Round == d.Round {
			return &d.Checks[i]
		}
	}
	return nil
}

// History is what happened to the CAPA, oldest first.
func (d CAPADetail) History() []CAPAEvent {
	ev := []CAPAEvent{{At: d.OpenedAt, Summary: "Opened; owner " + d.OwnerName + ", verifier " + d.VerifierName}}
	for _, x := range d.Actions {
		if x.CompletedAt != nil {
			ev = append(ev, CAPAEvent{At: *x.CompletedAt, Summary: "Action done by " + x.CompletedByName + ": " + x.Description})
		}
	}
	for _, k := range d.Checks {
		if k.RecordedAt != nil {
			s := "Effectiveness check of round " + strconv.Itoa(k.Round) + " recorded by " + k.RecordedByName + ": " + strings.ToLower(k.ResultLabel())
			if k.Result == NotEffective {
				s += "; reopened for round " + strconv.Itoa(k.Round+1)
			}
			ev = append(ev, CAPAEvent{At: *k.RecordedAt, Summary: s})
		}
	}
	if d.ClosedAt != nil {
		ev = append(ev, CAPAEvent{At: *d.ClosedAt, Summary: "Closed by " + d.ClosedByName + " with its findings"})
	}
	for i := 1; i < len(ev); i++ {
		for j := i; j > 0 && ev[j].At.Before(ev[j-1].At); j-- {
			ev[j], ev[j-1] = ev[j-1], ev[j]
		}
	}
	return ev
}

// CAPADetails loads a CAPA with its findings, root cause, actions, checks and signatures.
func (s *Service) CAPADetails(ctx context.Context, a Actor, id uuid.UUID) (CAPADetail, error) {
	var d CAPADetail
	b := &pgx.Batch{}
	found := queueCAPADetails(b, a.OrgID, s.today(), id, &d)
	if err := s.readBatch(ctx, a, b); err != nil {
		return CAPADetail{}, err
	}
	return d, found()
}

// capaDetails is CAPADetails in the transaction tx.
func capaDetails(ctx context.Context, tx pgx.Tx, org uuid.UUID, today time.Time, id uuid.UUID) (CAPADetail, error) {
	var d CAPADetail
	b := &pgx.Batch{}
	found := queueCAPADetails(b, org, today, id, &d)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return CAPADetail{}, err
	}
	return d, found()
}

// queueCAPADetails queues every read of a CAPA's details into d, all by the CAPA's id, so
// they travel in one round trip; found, called once b was read, says whether there is such a
// CAPA (as queueAuditDetails's finish does for an audit).
func queueCAPADetails(b *pgx.Batch, org uuid.UUID, today time.Time, id uuid.UUID, d *CAPADetail) (found func() error) {
	b.Queue(capaSelect+` WHERE c.tenant_id = $1 AND c.id = $3`, org, today, id).Query(func(rows pgx.Rows) error {
		read, err := database.CollectRows[CAPA](rows)
		if len(read) == 1 {
			d.CAPA = read[0]
		}
		return err
	})
	queueFindingsWhere(b, &d.Findings, org, `f.id IN (SELECT finding_id FROM capa_findings WHERE tenant_id = $1 AND capa_id = $2)`, id)
	b.Queue(`SELECT why FROM capa_whys WHERE tenant_id = $1 AND capa_id = $2 ORDER BY position`, org, id).
		Query(func(rows pgx.Rows) error {
			var err error
			d.Whys, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
	b.Queue(`SELECT category, cause FROM capa_fishbone_causes WHERE tenant_id = $1 AND capa_id = $2 ORDER BY id`, org, id).
		Query(func(rows pgx.Rows) error {
			var err error
			d.Fishbone, err = database.CollectRows[FishboneCause](rows)
			return err
		})
	queueCAPAActions(b, org, id, uuid.Nil, &d.Actions)
	b.Queue(capaChecksSQL, org, id).Query(func(rows pgx.Rows) error {
		var err error
		d.Checks, err = database.CollectRows[EffectivenessCheck](rows)
		return err
	})
	queueSignatures(b, org, "capa", id, &d.Signatures)
	return func() error {
		if d.CAPA.ID == uuid.Nil {
			return notFound("CAPA")
		}
		return nil
	}
}

func capaActions(ctx context.Context, tx pgx.Tx, org, capaID, actionID uuid.UUID) ([]CAPAAction, error) {
	var out []CAPAAction
	b := &pgx.Batch{}
	queueCAPAActions(b, org, capaID, actionID, &out)
	return out, tx.SendBatch(ctx, b).Close()
}

// queueCAPAActions queues the actions of a CAPA (only actionID, if set) into out.
func queueCAPAActions(b *pgx.Batch, org, capaID, actionID uuid.UUID, out *[]CAPAAction) {
	b.Queue(`
		SELECT x.id, x.round, x.kind, x.description, x.owner_id, ou.name AS owner_name, x.due_date, x.status, x.completed_at,
		       coalesce(cu.name, '') AS completed_by_name, x.completion_note, x.completion_file_id,
		       coalesce(fl.filename, '') AS completion_filename, x.version
		  FROM capa_actions x
		  JOIN users ou ON ou.id = x.owner_id
		  LEFT JOIN users cu ON cu.id = x.completed_by
		  LEFT JOIN files fl ON fl.tenant_id = x.tenant_id AND fl.id = x.completion_file_id
		 WHERE x.tenant_id = $1 AND x.capa_id = $2 AND ($3::uuid IS NULL OR x.id = $3)
		 ORDER BY x.round, x.due_date, x.id`, org, capaID, nilIfZero(actionID)).
		Query(func(rows pgx.Rows) error {
			var err error
			*out, err = database.CollectRows[CAPAAction](rows)
			return err
		})
}

// capaChecksSQL reads the effectiveness checks of the CAPA $2, by round.
const capaChecksSQL = `
		SELECT k.id, k.round, k.criteria, k.planned_date, k.verifier_id, vu.name AS verifier_name, coalesce(k.result, '') AS result,
		       k.evidence, k.evidence_file_id, coalesce(fl.filename, '') AS evidence_filename, k.recorded_at,
		       coalesce(ru.name, '') AS recorded_by_name, k.signature_id, k.version
		  FROM capa_effectiveness_checks k
		  JOIN users vu ON vu.id = k.verifier_id
		  LEFT JOIN users ru ON ru.id = k.recorded_by
		  LEFT JOIN files fl ON fl.tenant_id = k.tenant_id AND fl.id = k.evidence_file_id
		 WHERE k.tenant_id = $1 AND k.capa_id = $2 ORDER BY k.round`

// capaProcesses are the processes whose risks a change to the CAPA may move: its own and
// those of its findings.
func capaProcesses(ctx context.Context, tx pgx.Tx, org uuid.UUID, c CAPA) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT f.process_id FROM capa_findings cf
		JOIN findings f ON f.tenant_id = cf.tenant_id AND f.id = cf.finding_id
		WHERE cf.tenant_id = $1 AND cf.capa_id = $2`, org, c.ID)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, err
	}
	return uniqueIDs(append([]uuid.UUID{c.ProcessID}, ids...), uuid.Nil), nil
}

// ActionInput is a new action of a CAPA.
type ActionInput struct {
	Kind        string // corrective (default) or preventive
	Description string
	OwnerID     uuid.UUID
	DueDate     string // 2006-01-02
}

// AddCAPAAction adds an action to the CAPA's current round. A CAPA awaiting its check goes
// back to open: the round is not done while an action is open.
func (s *Service) AddCAPAAction(ctx context.Context, a Actor, capaID uuid.UUID, version int, in ActionInput) (CAPAAction, error) {
	in.Description = clean(in.Description)
	if in.Kind == "" {
		in.Kind = "corrective"
	}
	c := checks{}
	c.require("description", in.Description, "Describe the action: what will be done to remove the cause.")
	c.maxLen("description", in.Description, 2000)
	if in.Kind != "corrective" && in.Kind != "preventive" {
		c.add("kind", "Choose corrective or preventive.")
	}
	if in.OwnerID == uuid.Nil {
		c.add("owner_id", "Choose who does this action.")
	}
	due, err := time.Parse("2006-01-02", strings.TrimSpace(in.DueDate))
	if err != nil {
		c.add("due_date", "Enter the due date as YYYY-MM-DD.")
	} else if due.Before(s.today()) {
		c.add("due_date", "The due date cannot be in the past.")
	}
	if err := c.err(); err != nil {
		return CAPAAction{}, err
	}
	var out CAPAAction
	err = s.write(ctx, a, func(tx pgx.Tx) error {
		capa, err := s.lockCAPAForEdit(ctx, tx, a, capaID, version)
		if err != nil {
			return err
		}
		var id uuid.UUID
		if err := tx.QueryRow(ctx, `INSERT INTO capa_actions (tenant_id, capa_id, round, kind, description, owner_id, due_date)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, a.OrgID, capaID, capa.Round, in.Kind, in.Description, in.OwnerID, due).Scan(&id); err != nil {
			if database.ErrorCode(err) == database.CodeForeignKeyViolation {
				return invalidField("owner_id", "The action owner must be a member of this organisation.")
			}
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE capas SET status = 'open', version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, capaID); err != nil {
			return err
		}
		xs, err := capaActions(ctx, tx, a.OrgID, capaID, id)
		if err != nil {
			return err
		}
		out = xs[0]
		return record(ctx, tx, a, change{Action: "capa.action_add", EntityType: "capa", EntityID: capaID.String(),
			Summary: "Added an action to " + capa.Reference + " for " + out.OwnerName + ", due " + due.Format("2 Jan 2006") + ": " + in.Description,
			After:   out})
	})
	return out, err
}

// lockAction loads an open action of an open CAPA for its owner, the CAPA's owner or a
// quality manager, at the version loaded.
func (s *Service) lockAction(ctx context.Context, tx pgx.Tx, a Actor, capaID, actionID uuid.UUID, version int) (CAPA, CAPAAction, error) {
	capa, err := getCAPA(ctx, tx, a.OrgID, s.today(), capaID, true)
	if err != nil {
		return CAPA{}, CAPAAction{}, err
	}
	xs, err := capaActions(ctx, tx, a.OrgID, capaID, actionID)
	if err != nil {
		return CAPA{}, CAPAAction{}, err
	}
	if len(xs) == 0 {
		return CAPA{}, CAPAAction{}, notFound("Action")
	}
	x := xs[0]
	if !capa.ManagedBy(a) && a.UserID != x.OwnerID {
		return CAPA{}, CAPAAction{}, forbidden()
	}
	if x.Version != version {
		return CAPA{}, CAPAAction{}, staleEdit("action")
	}
	if x.Status != ActionOpen || capa.Status == CAPAClosed {
		return CAPA{}, CAPAAction{}, conflict("This action is " + strings.ToLower(x.Status.Label()) + " and can no longer change.")
	}
	return capa, x, nil
}

// CompleteCAPAAction marks an action done with a note of what was done and optional
// evidence. When it was the round's last open action, the CAPA awaits its effectiveness check.
func (s *Service) CompleteCAPAAction(ctx context.Context, a Actor, capaID, actionID uuid.UUID, version int, note string, file *Upload) (CAPAAction, error) {
	note = clean(note)
	c := checks{}
	c.require("completion_note", note, "Say what was done, and where the evidence is.")
	c.maxLen("completion_note", note, 4000)
	if err := c.err(); err != nil {
		return CAPAAction{}, err
	}
	return s.finishAction(ctx, a, capaID, actionID, version, ActionDone, note, file)
}

// CancelCAPAAction cancels an action that is no longer needed, with the reason.
func (s *Service) CancelCAPAAction(ctx context.Context, a Actor, capaID, actionID uuid.UUID, version int, reason string) (CAPAAction, error) {
	reason = clean(reason)
	c := checks{}
	c.require("cancel_reason", reason, "Say why this action is no longer needed.")
	c.maxLen("cancel_reason", reason, 4000)
	if err := c.err(); err != nil {
		return CAPAAction{}, err
	}
	return s.finishAction(ctx, a, capaID, actionID, version, ActionCancelled, reason, nil)
}

func (s *Service) finishAction(ctx context.Context, a Actor, capaID, actionID uuid.UUID, version int, to ActionStatus, note string, file *Upload) (CAPAAction, error) {
	var out CAPAAction
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		capa, before, err := s.lockAction(ctx, tx, a, capaID, actionID, version)
		if err != nil {
			return err
		}
		var fileID *uuid.UUID
		if file != nil {
			f, err := insertFile(ctx, tx, a, *file)
			if err != nil {
				return err
			}
			fileID = &f.ID
		}
		if to == ActionDone {
			_, err = tx.Exec(ctx, `UPDATE capa_actions SET status = 'done', completed_at = $3, completed_by = $4, completion_note = $5,
				completion_file_id = $6, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
				a.OrgID, actionID, s.now(), a.UserID, note, fileID)
		} else {
			_, err = tx.Exec(ctx, `UPDATE capa_actions SET status = 'cancelled', completion_note = $3,
				version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, a.OrgID, actionID, note)
		}
		if err != nil {
			return err
		}
		xs, err := capaActions(ctx, tx, a.OrgID, capaID, actionID)
		if err != nil {
			return err
		}
		out = xs[0]
		verb := "Completed"
		if to == ActionCancelled {
			verb = "Cancelled"
		}
		if err := record(ctx, tx, a, change{Action: "capa.action_" + string(to), EntityType: "capa", EntityID: capaID.String(),
			Summary: verb + " an action of " + capa.Reference + ": " + before.Description + " (" + note + ")", Before: before, After: out}); err != nil {
			return err
		}
		if err := s.advanceRound(ctx, tx, a, capa); err != nil {
			return err
		}
		procs, err := capaProcesses(ctx, tx, a.OrgID, capa)
		if err != nil {
			return err
		}
		return s.rescoreExposure(ctx, tx, a.OrgID, procs, "CAPA "+capa.Reference+": action "+strings.ToLower(to.Label()))
	})
	return out, err
}

// advanceRound moves an open CAPA to awaiting_check once no action of its round is open and
// at least one is done, and plans the round's check if nobody has: CheckDelayDays after the
// last action was completed, by the CAPA's verifier.
func (s *Service) advanceRound(ctx context.Context, tx pgx.Tx, a Actor, capa CAPA) error {
	var open, done int
	var last *time.Time
	if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'done'), max(completed_at)
		FROM capa_actions WHERE tenant_id = $1 AND capa_id = $2 AND round = $3`, a.OrgID, capa.ID, capa.Round).Scan(&open, &done, &last); err != nil {
		return err
	}
	if capa.Status != CAPAOpen || open > 0 || done == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE capas SET status = 'awaiting_check', version = version + 1, updated_at = now()
		WHERE tenant_id = $1 AND id = $2`, a.OrgID, capa.ID); err != nil {
		return err
	}
	planned := last.UTC().AddDate(0, 0, CheckDelayDays)
	if _, err := tx.Exec(ctx, `INSERT INTO capa_effectiveness_checks (tenant_id, capa_id, round, criteria, planned_date, verifier_id)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, capa_id, round) DO NOTHING`,
		a.OrgID, capa.ID, capa.Round, "The problem described in "+capa.Reference+" has not recurred since the actions were completed, and the actions are in place.",
		planned, capa.VerifierID); err != nil {
		return err
	}
	return record(ctx, tx, a, change{Action: "capa.awaiting_check", EntityType: "capa", EntityID: capa.ID.String(),
		Summary: "Every action of " + capa.Reference + " round " + strconv.Itoa(capa.Round) + " is done: awaiting the effectiveness check"})
}

// CheckPlan is the plan of the current round's effectiveness check.
type CheckPlan struct {
	Criteria    string
	PlannedDate string // 2006-01-02; empty: CheckDelayDays after the round's last action
}

// PlanEffectivenessCheck sets the criteria and date of the current round's check.
func (s *Service) PlanEffectivenessCheck(ctx context.Context, a Actor, capaID uuid.UUID, version int, in CheckPlan) (CAPA, error) {
	in.Criteria = clean(in.Criteria)
	c := checks{}
	c.require("criteria", in.Criteria, "Say how effectiveness will be judged: what must be true, and over which period.")
	c.maxLen("criteria", in.Criteria, 4000)
	var planned time.Time
	if d := strings.TrimSpace(in.PlannedDate); d != "" {
		var err error
		if planned, err = time.Parse("2006-01-02", d); err != nil {
			c.add("planned_date", "Enter the date as YYYY-MM-DD, or leave it empty for "+strconv.Itoa(CheckDelayDays)+" days after the last action.")
		}
	}
	if err := c.err(); err != nil {
		return CAPA{}, err
	}
	var after CAPA
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		capa, err := s.lockCAPAForEdit(ctx, tx, a, capaID, version)
		if err != nil {
			return err
		}
		if planned.IsZero() {
			// After the last action of the round: done, or still due.
			var last *time.Time
			if err := tx.QueryRow(ctx, `SELECT max(CASE WHEN status = 'done' THEN completed_at::date ELSE due_date END)
				FROM capa_actions WHERE tenant_id = $1 AND capa_id = $2 AND round = $3 AND status <> 'cancelled'`,
				a.OrgID, capaID, capa.Round).Scan(&last); err != nil {
				return err
			}
			base := s.today()
			if last != nil && last.After(base) {
				base = *last
			}
			planned = base.AddDate(0, 0, CheckDelayDays)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO capa_effectiveness_checks (tenant_id, capa_id, round, criteria, planned_date, verifier_id)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (tenant_id, capa_id, round) DO UPDATE SET criteria = $4, planned_date = $5, version = capa_effectiveness_checks.version + 1,
			   updated_at = now() WHERE capa_effectiveness_checks.result IS NULL`,
			a.OrgID, capaID, capa.Round, in.Criteria, planned, capa.VerifierID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE capas SET version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, a.OrgID, capaID); err != nil {
			return err
		}
		if after, err = getCAPA(ctx, tx, a.OrgID, s.today(), capaID, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "capa.check_plan", EntityType: "capa", EntityID: capaID.String(),
			Summary: "Planned the effectiveness check of " + capa.Reference + " for " + planned.Format("2 Jan 2006") + ": " + in.Criteria})
	})
	return after, err
}

// CheckResult is the verifier's record of an effectiveness check, signed with their password.
type CheckResult struct {
	Result   string // Effective or NotEffective
	Evidence string
	File     *Upload
	Password string
}

// RecordEffectivenessCheck records and signs the result of the current round's check. Only
// the named verifier, who is never the CAPA's owner, may. Effective closes the CAPA and the
// findings it answers; not effective reopens it for a new round of actions, which counts as a
// recurrence. Either way the risks of its processes are re-scored in the same transaction.
func (s *Service) RecordEffectivenessCheck(ctx context.Context, a Actor, capaID uuid.UUID, checkVersion int, in CheckResult) (CAPA, error) {
	in.Evidence = clean(in.Evidence)
	c := checks{}
	if in.Result != Effective && in.Result != NotEffective {
		c.add("result", "Choose effective or not effective.")
	}
	c.require("evidence", in.Evidence, "Record the evidence the result rests on: what was looked at, over which period.")
	c.maxLen("evidence", in.Evidence, 8000)
	if err := c.err(); err != nil {
		return CAPA{}, err
	}
	// Who may sign is checked before the password, so a stranger learns nothing from it.
	pre, err := s.CAPADetails(ctx, a, capaID)
	if err != nil {
		return CAPA{}, err
	}
	if err := mayRecordCheck(a, pre); err != nil {
		return CAPA{}, err
	}
	if err := s.confirmSigner(ctx, a, in.Password); err != nil {
		return CAPA{}, err
	}
	var after CAPA
	err = s.write(ctx, a, func(tx pgx.Tx) error {
		if _, err := getCAPA(ctx, tx, a.OrgID, s.today(), capaID, true); err != nil {
			return err
		}
		d, err := capaDetails(ctx, tx, a.OrgID, s.today(), capaID)
		if err != nil {
			return err
		}
		if err := mayRecordCheck(a, d); err != nil {
			return err
		}
		k := d.CurrentCheck()
		if k.Version != checkVersion {
			return staleEdit("effectiveness check")
		}
		var fileID *uuid.UUID
		fileHash := ""
		if in.File != nil {
			f, err := insertFile(ctx, tx, a, *in.File)
			if err != nil {
				return err
			}
			fileID, fileHash = &f.ID, f.SHA256
		}
		meaning := "Verified effective"
		if in.Result == NotEffective {
			meaning = "Verified not effective"
		}
		hash := ContentHash(d.Reference, strconv.Itoa(d.Round), d.ProblemStatement, d.RootCause, k.Criteria, in.Result, in.Evidence, fileHash)
		sig, err := recordSignature(ctx, tx, a, "capa", capaID, meaning+" (round "+strconv.Itoa(d.Round)+")", hash, "")
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE capa_effectiveness_checks SET result = $3, evidence = $4, evidence_file_id = $5,
			recorded_at = $6, recorded_by = $7, signature_id = $8, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, k.ID, in.Result, in.Evidence, fileID, s.now(), a.UserID, sig.ID); err != nil {
			return err
		}
		summary := "Recorded the effectiveness check of " + d.Reference + " round " + strconv.Itoa(d.Round) + ": " + strings.ToLower(meaning)
		if in.Result == Effective {
			if err := s.closeCAPA(ctx, tx, a, d.CAPA); err != nil {
				return err
			}
			summary += "; closed with its findings"
		} else {
			if _, err := tx.Exec(ctx, `UPDATE capas SET status = 'open', round = round + 1, version = version + 1, updated_at = now()
				WHERE tenant_id = $1 AND id = $2`, a.OrgID, capaID); err != nil {
				return err
			}
			summary += "; reopened for round " + strconv.Itoa(d.Round+1) + ", new actions required"
		}
		if after, err = getCAPA(ctx, tx, a.OrgID, s.today(), capaID, false); err != nil {
			return err
		}
		if err := record(ctx, tx, a, change{Action: "capa.check_" + in.Result, EntityType: "capa", EntityID: capaID.String(),
			Summary: summary, Before: d.CAPA, After: after}); err != nil {
			return err
		}
		procs, err := capaProcesses(ctx, tx, a.OrgID, d.CAPA)
		if err != nil {
			return err
		}
		return s.rescoreExposure(ctx, tx, a.OrgID, procs, "CAPA "+d.Reference+": effectiveness check "+strings.ToLower(meaning))
	})
	return after, err
}

// mayRecordCheck: the CAPA awaits its check, the check is planned, and the actor is its
// verifier and not the CAPA's owner.
func mayRecordCheck(a Actor, d CAPADetail) error {
	k := d.CurrentCheck()
	if d.Status != CAPAAwaitingCheck || k == nil || k.Result != "" {
		return conflict(d.Reference + " is not awaiting an effectiveness check: every action of the round must be done first.")
	}
	if a.UserID != k.VerifierID || a.UserID == d.OwnerID {
		return &Error{Kind: KindForbidden, Message: "Only " + k.VerifierName + ", the verifier named on " + d.Reference + ", may record its effectiveness check."}
	}
	return nil
}

// closeCAPA closes a CAPA verified effective and the findings it answers.
func (s *Service) closeCAPA(ctx context.Context, tx pgx.Tx, a Actor, c CAPA) error {
	if _, err := tx.Exec(ctx, `UPDATE capas SET status = 'closed', closed_at = $3, closed_by = $4, version = version + 1, updated_at = now()
		WHERE tenant_id = $1 AND id = $2`, a.OrgID, c.ID, s.now(), a.UserID); err != nil {
		return err
	}
	findings, err := listFindingsWhere(ctx, tx, a.OrgID, `f.status = 'open' AND f.id IN (SELECT finding_id FROM capa_findings WHERE tenant_id = $1 AND capa_id = $2)`, c.ID)
	if err != nil {
		return err
	}
	for _, f := range findings {
		note := "Closed with " + c.Reference + ", verified effective by " + a.Name + "."
		if _, err := tx.Exec(ctx, `UPDATE findings SET status = 'closed', closed_at = $3, closed_by = $4, closure_note = $5,
			version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, a.OrgID, f.ID, s.now(), a.UserID, note); err != nil {
			return err
		}
		if err := record(ctx, tx, a, change{Action: "finding.close", EntityType: "finding", EntityID: f.ID.String(),
			Summary: "Closed " + strings.ToLower(f.Classification.Label()) + " " + f.Reference + ": " + note, Before: f}); err != nil {
			return err
		}
	}
	return nil
}

// CAPAWorkItem is an open action, or an effectiveness check waiting for its verifier, with
// its CAPA: what a person has to do on CAPAs.
type CAPAWorkItem struct {
	CAPAID        uuid.UUID `db:"capa_id"`
	CAPAReference string    `db:"capa_reference"`
	CAPATitle     string    `db:"capa_title"`
	Kind          string    `db:"kind"` // action or check
	What          string    `db:"what"`
	Due           time.Time `db:"due"`
}

// Overdue reports whether the item is past its date.
func (w CAPAWorkItem) Overdue(today time.Time) bool { return w.Due.Before(today) }

// capaWorkSQL lists a person's ($2) open actions on CAPAs not closed (only those due before
// $3 when $4), and, unless $5, the checks they verify on CAPAs awaiting them; by date. The
// dashboard counts the same rows. CAPAs are looked up in $1, as names are (see pageFirst).
const capaWorkSQL = `
	SELECT * FROM (
	  SELECT c.id AS capa_id, c.reference AS capa_reference, c.title AS capa_title, 'action' AS kind, x.description AS what, x.due_date AS due
	    FROM capa_actions x JOIN capas c ON c.tenant_id = $1 AND c.id = x.capa_id
	   WHERE x.tenant_id = $1 AND x.owner_id = $2 AND x.status = 'open' AND c.status <> 'closed' AND (NOT $4 OR x.due_date < $3::date)
	  UNION ALL
	  SELECT c.id, c.reference, c.title, 'check', k.criteria, k.planned_date
	    FROM capa_effectiveness_checks k JOIN capas c ON c.tenant_id = $1 AND c.id = k.capa_id
	   WHERE k.tenant_id = $1 AND k.verifier_id = $2 AND k.result IS NULL AND c.status = 'awaiting_check' AND NOT $5
	) w ORDER BY due, capa_reference`

// CAPAActionsOf lists the open actions of a person on CAPAs that are not closed, by due
// date; overdue keeps those past due.
func (s *Service) CAPAActionsOf(ctx context.Context, a Actor, owner uuid.UUID, overdue bool) ([]CAPAWorkItem, error) {
	var out []CAPAWorkItem
	b := &pgx.Batch{}
	queueCAPAWork(b, a.OrgID, owner, s.today(), overdue, &out)
	err := s.readBatch(ctx, a, b)
	return out, err
}

// queueCAPAWork queues owner's open actions on CAPAs not closed (only the overdue ones when
// overdue) into out.
func queueCAPAWork(b *pgx.Batch, org, owner uuid.UUID, today time.Time, overdue bool, out *[]CAPAWorkItem) {
	b.Queue(capaWorkSQL, org, owner, today, overdue, true).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = database.CollectRows[CAPAWorkItem](rows)
		return err
	})
}
