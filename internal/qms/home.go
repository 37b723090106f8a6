package qms

import (
	"context"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// HomeSummary is what the organisation home shows: the shape of the organisation, what the
// actor owns, and (for those who may read the trail) what changed lately.
type HomeSummary struct {
	Sites          int
	Processes      int
	Members        int
	MyProcesses    []Process
	RecentActivity []AuditEntry
	// Document control: versions in force the actor must acknowledge, and versions waiting
	// for their review or approval.
	MyAcknowledgements []PendingAcknowledgement
	MyDocumentTasks    []DocumentTask
	// The dashboard: is the organisation in control?
	Dashboard Dashboard
}

// Home gathers the organisation home, its dashboard and the audit programme's coverage in
// one round trip. siteID narrows the dashboard to one site (uuid.Nil: all).
func (s *Service) Home(ctx context.Context, a Actor, siteID uuid.UUID) (HomeSummary, error) {
	var h HomeSummary
	today := s.today()
	clauses, err := s.ISOClauses(ctx, a)
	if err != nil {
		return h, err
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT (SELECT count(*) FROM sites WHERE tenant_id = $1 AND archived_at IS NULL),
	                (SELECT count(*) FROM processes WHERE tenant_id = $1 AND archived_at IS NULL),
	                (SELECT count(*) FROM memberships WHERE tenant_id = $1)`, a.OrgID).
		QueryRow(func(row pgx.Row) error { return row.Scan(&h.Sites, &h.Processes, &h.Members) })
	b.Queue(processSelect+` WHERE p.tenant_id = $1 AND p.owner_user_id = $2 AND p.archived_at IS NULL
		ORDER BY lower(p.name)`, a.OrgID, a.UserID).
		Query(func(rows pgx.Rows) error {
			var err error
			h.MyProcesses, err = database.CollectRows[Process](rows)
			return err
		})
	queueDocumentHome(b, a, &h)
	queueDashboard(b, a, today, siteID, clauses, &h.Dashboard)
	queueCoverageGaps(b, a.OrgID, today.Year(), clauses, &h.Dashboard)
	if a.Can(auth.PermViewAuditTrail) {
		b.Queue(`SELECT seq, occurred_at, actor_name, action, entity_type, entity_id, summary, before, after
			FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 8`, a.OrgID).
			Query(func(rows pgx.Rows) error {
				var err error
				h.RecentActivity, err = database.CollectRows[AuditEntry](rows)
				return err
			})
	}
	if err := s.readBatch(ctx, a, b); err != nil {
		return HomeSummary{}, err
	}
	if siteID != uuid.Nil && !slices.ContainsFunc(h.Dashboard.Sites, func(x Site) bool { return x.ID == siteID }) {
		return HomeSummary{}, notFound("site")
	}
	return h, nil
}
