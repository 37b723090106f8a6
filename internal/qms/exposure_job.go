package qms

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/database"
)

// NoteOverdueActions is the periodic exposure work of every organisation: it marks open CAPA
// actions that became overdue (overdue_noted_at) and re-scores the risks of their processes,
// then re-scores every other active risk so that time-based signals (a complaint older than
// 90 days, a failed check older than a year) fall away. It returns how many actions it
// marked. Running it again changes nothing until time moves on.
func (s *Service) NoteOverdueActions(ctx context.Context) (int, error) {
	return s.inEveryOrganisation(ctx, s.noteOverdueActionsIn)
}

func (s *Service) noteOverdueActionsIn(ctx context.Context, org Organisation) (int, error) {
	a := SystemActor(org, SchedulerName)
	n := 0
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH marked AS (
			    UPDATE capa_actions x SET overdue_noted_at = $3
			      FROM capas c
			     WHERE x.tenant_id = $1 AND c.tenant_id = x.tenant_id AND c.id = x.capa_id AND c.status <> 'closed'
			       AND x.status = 'open' AND x.due_date < $2::date AND x.overdue_noted_at IS NULL
			    RETURNING x.capa_id, c.process_id, c.reference
			)
			SELECT m.process_id, m.reference FROM marked m
			UNION ALL
			SELECT f.process_id, m.reference FROM marked m
			  JOIN capa_findings cf ON cf.tenant_id = $1 AND cf.capa_id = m.capa_id
			  JOIN findings f ON f.tenant_id = $1 AND f.id = cf.finding_id`, org.ID, s.today(), s.now())
		if err != nil {
			return err
		}
		byProcess := map[uuid.UUID][]string{}
		var order []uuid.UUID
		var pid uuid.UUID
		var ref string
		if _, err := pgx.ForEachRow(rows, []any{&pid, &ref}, func() error {
			if _, ok := byProcess[pid]; !ok {
				order = append(order, pid)
			}
			byProcess[pid] = append(byProcess[pid], ref)
			return nil
		}); err != nil {
			return err
		}
		for _, p := range order {
			if err := s.rescoreExposure(ctx, tx, org.ID, []uuid.UUID{p}, "CAPA action overdue ("+uniqueJoin(byProcess[p])+")"); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM capa_actions WHERE tenant_id = $1 AND overdue_noted_at = $2`,
			org.ID, s.now()).Scan(&n); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT id FROM risks WHERE tenant_id = $1 AND status = 'active' ORDER BY ref FOR UPDATE`, org.ID)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		_, err = s.rescoreRisks(ctx, tx, org.ID, ids, "Time-based signals re-checked")
		return err
	})
	return n, err
}

func uniqueJoin(ss []string) string {
	out := ""
	seen := map[string]bool{}
	for _, x := range ss {
		if seen[x] {
			continue
		}
		seen[x] = true
		if out != "" {
			out += ", "
		}
		out += x
	}
	return out
}

// inEveryOrganisation runs a system use case in each organisation in turn, each in its own
// transaction, and adds up what they changed. It stops at the first failure, returning what
// was done until then.
func (s *Service) inEveryOrganisation(ctx context.Context, run func(context.Context, Organisation) (int, error)) (int, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, slug, name, created_at FROM organisations ORDER BY created_at`)
	if err != nil {
		return 0, err
	}
	orgs, err := database.CollectRows[Organisation](rows)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, org := range orgs {
		n, err := run(ctx, org)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
