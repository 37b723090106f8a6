package qms

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
)

// CAPADecision is whether a nonconformity needs a corrective action.
type CAPADecision string

const (
	CAPARequired    CAPADecision = "required"
	CAPANotRequired CAPADecision = "not_required"
)

// Label is the decision as people say it.
func (d CAPADecision) Label() string {
	switch d {
	case CAPARequired:
		return "CAPA required"
	case CAPANotRequired:
		return "CAPA not required"
	}
	return "Not decided"
}

// FindingResponse is what has been done about a finding: its correction, the decision on a
// CAPA, and the CAPA that answers it.
type FindingResponse struct {
	Correction     string       `db:"correction"`
	CorrectionAt   *time.Time   `db:"correction_at"`
	Decision       CAPADecision `db:"capa_decision"`
	DecisionReason string       `db:"capa_decision_reason"`
	DecidedByName  string       `db:"decided_by_name"`
	DecidedAt      *time.Time   `db:"capa_decided_at"`
	Recurring      bool         `db:"recurring"`
	CAPAID         *uuid.UUID   `db:"capa_id"`
	CAPAReference  string       `db:"capa_reference"`
	CAPAStatus     CAPAStatus   `db:"capa_status"`
}

func findingResponse(ctx context.Context, tx pgx.Tx, org, id uuid.UUID) (FindingResponse, error) {
	rows, err := tx.Query(ctx, `
		SELECT f.correction, f.correction_at, coalesce(f.capa_decision, '') AS capa_decision, f.capa_decision_reason,
		       coalesce(du.name, '') AS decided_by_name, f.capa_decided_at, f.recurring,
		       c.id AS capa_id, coalesce(c.reference, '') AS capa_reference, coalesce(c.status, '') AS capa_status
		  FROM findings f
		  LEFT JOIN users du ON du.id = f.capa_decided_by
		  LEFT JOIN capa_findings cf ON cf.tenant_id = f.tenant_id AND cf.finding_id = f.id
		  LEFT JOIN capas c ON c.tenant_id = cf.tenant_id AND c.id = cf.capa_id
		 WHERE f.tenant_id = $1 AND f.id = $2`, org, id)
	if err != nil {
		return FindingResponse{}, err
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[FindingResponse])
	return r, noRows(err, "Finding")
}

// FindingResponse loads what has been done about a finding.
func (s *Service) FindingResponse(ctx context.Context, a Actor, id uuid.UUID) (FindingResponse, error) {
	var r FindingResponse
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		r, err = findingResponse(ctx, tx, a.OrgID, id)
		return err
	})
	return r, err
}

// lockOpenNC loads an open nonconformity for a change to its response, at the version loaded.
func lockOpenNC(ctx context.Context, tx pgx.Tx, a Actor, id uuid.UUID, version int) (Finding, error) {
	f, err := getFinding(ctx, tx, a.OrgID, id, true)
	if err != nil {
		return Finding{}, err
	}
	if f.Version != version {
		return Finding{}, staleEdit("finding")
	}
	if f.Status == FindingClosed {
		return Finding{}, conflict("Finding " + f.Reference + " is closed and can no longer change.")
	}
	if !f.Classification.Nonconformity() {
		return Finding{}, conflict(f.Classification.Label() + "s need no correction or CAPA decision.")
	}
	return f, nil
}

// RecordCorrection records what was done about the nonconformity found (the instance, not
// its cause): reworked, quarantined, recalibrated.
func (s *Service) RecordCorrection(ctx context.Context, a Actor, id uuid.UUID, version int, correction string) (Finding, error) {
	if err := a.Require(auth.PermCloseFindings); err != nil {
		return Finding{}, err
	}
	correction = clean(correction)
	c := checks{}
	c.require("correction", correction, "Say what was done about the nonconformity itself: reworked, quarantined, replaced.")
	c.maxLen("correction", correction, 4000)
	if err := c.err(); err != nil {
		return Finding{}, err
	}
	var after Finding
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := lockOpenNC(ctx, tx, a, id, version)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE findings SET correction = $3, correction_at = $4, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, correction, s.now()); err != nil {
			return err
		}
		if after, err = getFinding(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "finding.correction", EntityType: "finding", EntityID: id.String(),
			Summary: "Recorded the correction of " + after.Reference + ": " + correction, Before: before, After: after})
	})
	return after, err
}

// DecideCAPA records whether a nonconformity needs a CAPA. A major nonconformity always does;
// deciding one is not needed takes a reason.
func (s *Service) DecideCAPA(ctx context.Context, a Actor, id uuid.UUID, version int, decision CAPADecision, reason string) (Finding, error) {
	if err := a.Require(auth.PermCloseFindings); err != nil {
		return Finding{}, err
	}
	reason = clean(reason)
	c := checks{}
	if decision != CAPARequired && decision != CAPANotRequired {
		c.add("capa_decision", "Choose whether a CAPA is required.")
	}
	if decision == CAPANotRequired {
		c.require("capa_decision_reason", reason, "Say why no corrective action is needed: an isolated slip, say, with the reason it will not recur.")
	}
	c.maxLen("capa_decision_reason", reason, 2000)
	if err := c.err(); err != nil {
		return Finding{}, err
	}
	var after Finding
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := lockOpenNC(ctx, tx, a, id, version)
		if err != nil {
			return err
		}
		if decision == CAPANotRequired {
			if before.Classification == MajorNC {
				return invalidField("capa_decision", "A major nonconformity always needs a CAPA.")
			}
			r, err := findingResponse(ctx, tx, a.OrgID, id)
			if err != nil {
				return err
			}
			if r.CAPAID != nil {
				return invalidField("capa_decision", before.Reference+" is answered by "+r.CAPAReference+" already.")
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE findings SET capa_decision = $3, capa_decision_reason = $4, capa_decided_by = $5,
			capa_decided_at = $6, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, decision, reason, a.UserID, s.now()); err != nil {
			return err
		}
		if after, err = getFinding(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		summary := "Decided " + strings.ToLower(decision.Label()) + " for " + after.Reference
		if reason != "" {
			summary += ": " + reason
		}
		return record(ctx, tx, a, change{Action: "finding.capa_decision", EntityType: "finding", EntityID: id.String(),
			Summary: summary, Before: before, After: after})
	})
	return after, err
}

// findingCAPAMayClose decides whether a nonconformity has been dealt with far enough to
// close: a major NC needs its CAPA closed; a minor NC needs a correction and a decision on
// CAPA, and when a CAPA is required, that CAPA closed. A finding answered by a CAPA closes
// with it.
func findingCAPAMayClose(ctx context.Context, tx pgx.Tx, org uuid.UUID, f Finding) error {
	if !f.Classification.Nonconformity() {
		return nil
	}
	r, err := findingResponse(ctx, tx, org, f.ID)
	if err != nil {
		return err
	}
	if r.CAPAID != nil && r.CAPAStatus != CAPAClosed {
		return conflict(f.Reference + " is answered by " + r.CAPAReference + " and closes with it, once its effectiveness is verified.")
	}
	if f.Classification == MajorNC {
		if r.CAPAID == nil {
			return conflict("A major nonconformity needs a CAPA: raise one for " + f.Reference + "; it closes with the CAPA.")
		}
		return nil
	}
	var missing []string
	if r.Correction == "" {
		missing = append(missing, "its correction")
	}
	if r.Decision == "" {
		missing = append(missing, "a decision whether a CAPA is required")
	}
	if len(missing) > 0 {
		return conflict("Before " + f.Reference + " can close, record " + strings.Join(missing, " and ") + ".")
	}
	if r.Decision == CAPARequired && r.CAPAID == nil {
		return conflict("A CAPA was decided for " + f.Reference + ": raise it; the finding closes with it.")
	}
	return nil
}
