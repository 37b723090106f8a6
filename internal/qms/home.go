package qms

import (
	"context"
	"slices"
	"time"

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

// orgHome is what the organisation home shows that is the same for every member: the
// organisation's size and the shared part of the dashboard. Home keeps it until the
// organisation changes (orgCache), so a busy organisation's home is not counted again for
// every view; once kept, nobody may modify it.
type orgHome struct {
	Sites, Processes, Members int
	Dashboard                 OrgDashboard
}

// Home gathers the organisation home, its dashboard and the audit programme's coverage in
// one round trip. siteID narrows the dashboard to one site (uuid.Nil: all). The shared part
// is kept for every member and each person's whole home for them, both until the
// organisation changes: what a person's home lists (their tasks, their risks that rose, the
// trail) changes only with the organisation's data, their role included.
func (s *Service) Home(ctx context.Context, a Actor, siteID uuid.UUID) (HomeSummary, error) {
	var h HomeSummary
	today := s.today()
	key := "home/" + siteID.String() + "/" + today.Format(time.DateOnly)
	personal := key + "/" + a.UserID.String()
	if mine, _, ok := s.cache.lookup(a.OrgID, personal); ok {
		return *mine.(*HomeSummary), nil
	}
	kept, ticket, isKept := s.cache.lookup(a.OrgID, key)
	shared, _ := kept.(*orgHome)
	b := &pgx.Batch{}
	if !isKept {
		clauses, err := s.ISOClauses(ctx, a)
		if err != nil {
			return h, err
		}
		shared = &orgHome{}
		queueOrgHome(b, a.OrgID, today, siteID, clauses, shared)
	}
	b.Queue(processSelect+` WHERE p.tenant_id = $1 AND p.owner_user_id = $2 AND p.archived_at IS NULL
		ORDER BY lower(p.name)`, a.OrgID, a.UserID).
		Query(func(rows pgx.Rows) error {
			var err error
			h.MyProcesses, err = database.CollectRows[Process](rows)
			return err
		})
	queueDocumentHome(b, a, &h)
	queueMyDashboard(b, a, today, &h.Dashboard)
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
	if siteID != uuid.Nil && !slices.ContainsFunc(shared.Dashboard.Sites, func(x Site) bool { return x.ID == siteID }) {
		return HomeSummary{}, notFound("site")
	}
	if !isKept {
		s.cache.keep(a.OrgID, key, ticket, shared)
	}
	h.Sites, h.Processes, h.Members = shared.Sites, shared.Processes, shared.Members
	h.Dashboard.SiteID, h.Dashboard.OrgDashboard = siteID, shared.Dashboard
	mine := h
	s.cache.keep(a.OrgID, personal, ticket, &mine)
	return h, nil
}

// queueOrgHome queues the reads of the organisation home's shared part into h.
func queueOrgHome(b *pgx.Batch, org uuid.UUID, today time.Time, siteID uuid.UUID, clauses []ISOClause, h *orgHome) {
	b.Queue(`SELECT (SELECT count(*) FROM sites WHERE tenant_id = $1 AND archived_at IS NULL),
	                (SELECT count(*) FROM processes WHERE tenant_id = $1 AND archived_at IS NULL),
	                (SELECT count(*) FROM memberships WHERE tenant_id = $1)`, org).
		QueryRow(func(row pgx.Row) error { return row.Scan(&h.Sites, &h.Processes, &h.Members) })
	queueOrgDashboard(b, org, today, siteID, clauses, &h.Dashboard)
	queueCoverageGaps(b, org, today.Year(), clauses, &h.Dashboard)
}
