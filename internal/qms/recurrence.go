package qms

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/database"
)

// recurrenceMonths is how far back an earlier nonconformity makes a new one recurring.
const recurrenceMonths = 12

// detectRecurrence looks, for the nonconformity findingID, for earlier nonconformities of the
// last twelve months that it repeats: on the same process and clause, or on the same process
// with a CAPA of the same root-cause category as its own CAPA (once it has one). It links each
// in finding_recurrences and marks the finding recurring. It returns how many earlier
// findings it linked this time; running it again links nothing twice.
func detectRecurrence(ctx context.Context, tx pgx.Tx, org, findingID uuid.UUID) (int, error) {
	tag, err := tx.Exec(ctx, `
		WITH n AS (
		    SELECT f.id, f.process_id, f.clause_number, f.raised_at, f.year, f.seq, c.root_cause_category
		      FROM findings f
		      LEFT JOIN capa_findings cf ON cf.tenant_id = f.tenant_id AND cf.finding_id = f.id
		      LEFT JOIN capas c ON c.tenant_id = cf.tenant_id AND c.id = cf.capa_id
		     WHERE f.tenant_id = $1 AND f.id = $2 AND f.classification IN ('major_nc', 'minor_nc')
		), e AS (
		    SELECT e.id,
		           CASE WHEN n.clause_number IS NOT NULL AND e.clause_number = n.clause_number
		                THEN 'Earlier nonconformity ' || e.reference || ' on the same process and clause ' || e.clause_number
		                ELSE 'Earlier nonconformity ' || e.reference || ' on the same process with the same root-cause category (' || ec.root_cause_category || ')'
		           END AS reason
		      FROM n JOIN findings e ON e.tenant_id = $1 AND e.id <> n.id AND e.process_id = n.process_id
		       AND e.classification IN ('major_nc', 'minor_nc')
		       AND (e.raised_at, e.year, e.seq) < (n.raised_at, n.year, n.seq)
		       AND e.raised_at >= n.raised_at - make_interval(months => $3)
		      LEFT JOIN capa_findings ecf ON ecf.tenant_id = e.tenant_id AND ecf.finding_id = e.id
		      LEFT JOIN capas ec ON ec.tenant_id = ecf.tenant_id AND ec.id = ecf.capa_id
		     WHERE (n.clause_number IS NOT NULL AND e.clause_number = n.clause_number)
		        OR (n.root_cause_category IS NOT NULL AND ec.root_cause_category = n.root_cause_category)
		)
		INSERT INTO finding_recurrences (tenant_id, finding_id, earlier_finding_id, reason)
		SELECT $1, $2, e.id, left(e.reason, 500) FROM e
		ON CONFLICT DO NOTHING`, org, findingID, recurrenceMonths)
	if err != nil {
		return 0, err
	}
	n := int(tag.RowsAffected())
	if n > 0 {
		if _, err := tx.Exec(ctx, `UPDATE findings SET recurring = true WHERE tenant_id = $1 AND id = $2 AND NOT recurring`,
			org, findingID); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// Recurrence is why a finding counts as recurring: the earlier finding it repeats.
type Recurrence struct {
	FindingID        uuid.UUID      `db:"finding_id"`
	EarlierID        uuid.UUID      `db:"earlier_finding_id"`
	EarlierReference string         `db:"earlier_reference"`
	EarlierClass     Classification `db:"earlier_classification"`
	Reason           string         `db:"reason"`
}

// RecurringFinding is a recurring finding with the earlier ones it repeats.
type RecurringFinding struct {
	Finding
	Earlier []Recurrence
}

// RecurringFindings lists recurring findings, newest first (at most 200), with what they
// repeat. Every member may read findings.
func (s *Service) RecurringFindings(ctx context.Context, a Actor, processID uuid.UUID) ([]RecurringFinding, error) {
	var out []RecurringFinding
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, findingSelect+` WHERE f.tenant_id = $1 AND f.recurring AND ($2::uuid IS NULL OR f.process_id = $2)
			ORDER BY f.raised_at DESC, f.year DESC, f.seq DESC LIMIT 200`, a.OrgID, nilIfZero(processID))
		if err != nil {
			return err
		}
		fs, err := database.CollectRows[Finding](rows)
		if err != nil {
			return err
		}
		ids := make([]uuid.UUID, len(fs))
		for i, f := range fs {
			ids[i] = f.ID
		}
		rows, err = tx.Query(ctx, `SELECT r.finding_id, r.earlier_finding_id, e.reference AS earlier_reference,
			       e.classification AS earlier_classification, r.reason
			  FROM finding_recurrences r JOIN findings e ON e.tenant_id = r.tenant_id AND e.id = r.earlier_finding_id
			 WHERE r.tenant_id = $1 AND r.finding_id = ANY($2) ORDER BY e.raised_at`, a.OrgID, ids)
		if err != nil {
			return err
		}
		recs, err := database.CollectRows[Recurrence](rows)
		if err != nil {
			return err
		}
		by := map[uuid.UUID][]Recurrence{}
		for _, r := range recs {
			by[r.FindingID] = append(by[r.FindingID], r)
		}
		for _, f := range fs {
			out = append(out, RecurringFinding{Finding: f, Earlier: by[f.ID]})
		}
		return nil
	})
	return out, err
}

// findingRaised is what a new finding sets off in the transaction that raised it: a
// nonconformity is checked for recurrence, then the risks of its process are re-scored.
func (s *Service) findingRaised(ctx context.Context, tx pgx.Tx, org, findingID, processID uuid.UUID) error {
	if _, err := detectRecurrence(ctx, tx, org, findingID); err != nil {
		return err
	}
	var ref, class string
	if err := tx.QueryRow(ctx, `SELECT reference, classification FROM findings WHERE tenant_id = $1 AND id = $2`,
		org, findingID).Scan(&ref, &class); err != nil {
		return err
	}
	return s.rescoreExposure(ctx, tx, org, []uuid.UUID{processID}, Classification(class).Label()+" "+ref+" raised")
}

// rootCauseCategorised is what filing a CAPA's root cause under a category sets off: each of
// its nonconformities is checked again for recurrence, now that an earlier nonconformity of the
// process with a CAPA of the same category counts, and the process's risks are re-scored when
// one turns out to be recurring.
func (s *Service) rootCauseCategorised(ctx context.Context, tx pgx.Tx, org uuid.UUID, c CAPA) error {
	rows, err := tx.Query(ctx, `SELECT finding_id FROM capa_findings WHERE tenant_id = $1 AND capa_id = $2`, org, c.ID)
	if err != nil {
		return err
	}
	findings, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	linked := 0
	for _, f := range findings {
		n, err := detectRecurrence(ctx, tx, org, f)
		if err != nil {
			return err
		}
		linked += n
	}
	if linked == 0 {
		return nil
	}
	return s.rescoreExposure(ctx, tx, org, []uuid.UUID{c.ProcessID},
		"Root cause of "+c.Reference+" ("+string(c.RootCauseCategory)+") repeats an earlier nonconformity's")
}
