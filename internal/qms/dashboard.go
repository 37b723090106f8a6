package qms

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Dashboard answers "are we in control?" on the organisation home: the risk heat map, open
// findings by process and by clause, how old the open CAPAs are, documents that need review,
// upcoming audits and programme coverage, and where the objectives stand. Every number here
// is the count of a list it links to, under the same filter, so the two always agree.
type Dashboard struct {
	// SiteID narrows everything that belongs to a site (findings, CAPAs, risks, audits,
	// objectives) to one site; uuid.Nil shows the whole organisation. Documents have no site.
	SiteID uuid.UUID
	Sites  []Site
	Today  time.Time
	// Me is the person looking, for links to their own work.
	Me uuid.UUID

	// HeatMap counts active risks by where their current exposure puts them:
	// HeatMap[likelihood-1][severity-1]. Bands counts them by exposure band.
	HeatMap [5][5]int
	Bands   BandCounts

	FindingsByProcess []FindingTally
	FindingsByClause  []FindingTally

	// CAPAAgeing counts open CAPAs by days since they were opened (see CAPAAgeBuckets).
	CAPAAgeing         [len(CAPAAgeBuckets)]int
	CAPAsAwaitingCheck int
	// OverdueCAPAActions counts the open CAPAs with at least one action past due.
	OverdueCAPAActions int

	DocumentsReviewDue int
	DocumentsFlagged   int

	UpcomingAudits []UpcomingAudit
	ClauseGaps     int
	ProcessGaps    int

	Objectives ObjectiveCounts

	// The actor's own work beyond documents to read and approve (HomeSummary has those).
	MyReviewsDue     int // documents the actor owns whose periodic review is due
	MyCAPAActions    int
	MyOverdueActions int
	MyChecksToVerify int
	// MyCAPAWork is the actor's open CAPA actions and checks to verify, soonest first.
	MyCAPAWork []CAPAWorkItem
	// MyReviewActions are the open management review actions the actor owns.
	MyReviewActions []MyReviewAction
	// MyRisksRose are the actor's risks that rose into a higher band lately.
	MyRisksRose []RiskRise
}

// BandCounts counts risks by exposure band.
type BandCounts struct {
	Low, Medium, High, Critical int
}

// FindingTally counts open findings of one process or one top-level clause.
type FindingTally struct {
	Key                                string // process id, or clause number
	Label                              string
	MajorNC, MinorNC, Observation, OFI int
}

// Total is the number of open findings in the tally.
func (t FindingTally) Total() int { return t.MajorNC + t.MinorNC + t.Observation + t.OFI }

// CAPAAge is a bucket of CAPA ageing: open CAPAs opened between MinDays and MaxDays ago
// (MaxDays 0: no upper bound).
type CAPAAge struct {
	Key              string
	Label            string
	MinDays, MaxDays int
}

// CAPAAgeBuckets are the ageing buckets of the dashboard and of the CAPA list's age filter.
var CAPAAgeBuckets = [...]CAPAAge{
	{Key: "0-30", Label: "up to 30 days", MinDays: 0, MaxDays: 30},
	{Key: "31-60", Label: "31–60 days", MinDays: 31, MaxDays: 60},
	{Key: "61-90", Label: "61–90 days", MinDays: 61, MaxDays: 90},
	{Key: "90+", Label: "over 90 days", MinDays: 91},
}

// CAPAAgeBucket returns the bucket with the key, and whether there is one.
func CAPAAgeBucket(key string) (CAPAAge, bool) {
	for _, b := range CAPAAgeBuckets {
		if b.Key == key {
			return b, true
		}
	}
	return CAPAAge{}, false
}

// UpcomingAudit is an audit planned to start soon.
type UpcomingAudit struct {
	ID        uuid.UUID `db:"id"`
	Reference string    `db:"reference"`
	Title     string    `db:"title"`
	Type      AuditType `db:"type"`
	Start     time.Time `db:"planned_start"`
}

// ObjectiveCounts counts current objectives by status.
type ObjectiveCounts struct {
	OnTrack, AtRisk, OffTrack, NoData int
}

// upcomingAuditDays is how far ahead the dashboard lists planned audits.
const upcomingAuditDays = 60

// queueDashboard adds the dashboard's queries to the home page's batch: one round trip for
// every widget. siteID narrows the site-bound widgets.
func queueDashboard(b *pgx.Batch, a Actor, today time.Time, siteID uuid.UUID, d *Dashboard) {
	d.SiteID, d.Today, d.Me = siteID, today, a.UserID
	site := nilIfZero(siteID)
	b.Queue(`SELECT `+siteColumns+` FROM sites WHERE tenant_id = $1 AND archived_at IS NULL ORDER BY lower(name)`, a.OrgID).
		Query(func(rows pgx.Rows) error {
			var err error
			d.Sites, err = pgx.CollectRows(rows, pgx.RowToStructByName[Site])
			return err
		})
	b.Queue(`SELECT `+heatLikelihoodSQL+`, residual_severity, exposure_band, count(*)
		  FROM risks WHERE tenant_id = $1 AND status = 'active' AND `+siteCond("site_id = $2", siteID)+`
		 GROUP BY 1, 2, 3`, a.OrgID, site).
		Query(func(rows pgx.Rows) error {
			var l, sev, n int
			var band string
			_, err := pgx.ForEachRow(rows, []any{&l, &sev, &band, &n}, func() error {
				d.HeatMap[l-1][sev-1] += n
				switch band {
				case "low":
					d.Bands.Low += n
				case "medium":
					d.Bands.Medium += n
				case "high":
					d.Bands.High += n
				case "critical":
					d.Bands.Critical += n
				}
				return nil
			})
			return err
		})
	tally := func(rows pgx.Rows, out *[]FindingTally) error {
		var key, label, class string
		var n int
		index := map[string]int{}
		_, err := pgx.ForEachRow(rows, []any{&key, &label, &class, &n}, func() error {
			i, ok := index[key]
			if !ok {
				i = len(*out)
				index[key] = i
				*out = append(*out, FindingTally{Key: key, Label: label})
			}
			t := &(*out)[i]
			switch Classification(class) {
			case MajorNC:
				t.MajorNC += n
			case MinorNC:
				t.MinorNC += n
			case Observation:
				t.Observation += n
			case OFI:
				t.OFI += n
			}
			return nil
		})
		return err
	}
	b.Queue(`SELECT f.process_id::text, p.name, f.classification, count(*)
		  FROM findings f JOIN processes p ON p.tenant_id = f.tenant_id AND p.id = f.process_id
		 WHERE f.tenant_id = $1 AND f.status = 'open' AND `+siteCond("f.site_id = $2", siteID)+`
		 GROUP BY 1, 2, 3 ORDER BY lower(p.name), 1`, a.OrgID, site).
		Query(func(rows pgx.Rows) error { return tally(rows, &d.FindingsByProcess) })
	b.Queue(`SELECT c.number, c.title, f.classification, count(*)
		  FROM findings f JOIN iso_clauses c ON c.number = split_part(f.clause_number, '.', 1)
		 WHERE f.tenant_id = $1 AND f.status = 'open' AND `+siteCond("f.site_id = $2", siteID)+`
		 GROUP BY c.number, c.title, c.sort_key, f.classification ORDER BY c.sort_key`, a.OrgID, site).
		Query(func(rows pgx.Rows) error { return tally(rows, &d.FindingsByClause) })
	b.Queue(`SELECT count(*) FILTER (WHERE c.status <> 'closed' AND $3::date - c.opened_at::date <= 30),
		        count(*) FILTER (WHERE c.status <> 'closed' AND $3::date - c.opened_at::date BETWEEN 31 AND 60),
		        count(*) FILTER (WHERE c.status <> 'closed' AND $3::date - c.opened_at::date BETWEEN 61 AND 90),
		        count(*) FILTER (WHERE c.status <> 'closed' AND $3::date - c.opened_at::date > 90),
		        count(*) FILTER (WHERE c.status = 'awaiting_check'),
		        count(*) FILTER (WHERE EXISTS (SELECT 1 FROM capa_actions x
		          WHERE x.tenant_id = c.tenant_id AND x.capa_id = c.id AND x.status = 'open' AND x.due_date < $3))
		   FROM capas c WHERE c.tenant_id = $1 AND c.status <> 'closed' AND `+siteCond("c.site_id = $2", siteID),
		a.OrgID, site, today).
		QueryRow(func(row pgx.Row) error {
			return row.Scan(&d.CAPAAgeing[0], &d.CAPAAgeing[1], &d.CAPAAgeing[2], &d.CAPAAgeing[3],
				&d.CAPAsAwaitingCheck, &d.OverdueCAPAActions)
		})
	// Each count reads its own index (reviews due, open flags) rather than probing every
	// current document of the organisation.
	b.Queue(`SELECT (SELECT count(*) FROM documents d
		          WHERE d.tenant_id = $1 AND d.obsoleted_at IS NULL AND d.next_review_on <= $2),
		        (SELECT count(DISTINCT g.document_id) FROM document_review_flags g
		           JOIN documents d ON d.tenant_id = g.tenant_id AND d.id = g.document_id
		          WHERE g.tenant_id = $1 AND g.resolved_at IS NULL AND d.obsoleted_at IS NULL),
		        (SELECT count(*) FROM documents d
		          WHERE d.tenant_id = $1 AND d.obsoleted_at IS NULL AND d.next_review_on <= $2 AND d.owner_user_id = $3)`,
		a.OrgID, today.AddDate(0, 0, ReviewDueSoonDays), a.UserID).
		QueryRow(func(row pgx.Row) error {
			return row.Scan(&d.DocumentsReviewDue, &d.DocumentsFlagged, &d.MyReviewsDue)
		})
	b.Queue(`SELECT au.id, au.reference, au.title, au.type, au.planned_start
		  FROM audits au
		 WHERE au.tenant_id = $1 AND au.status = 'planned' AND au.planned_start BETWEEN $3 AND $4
		   AND `+siteCond(`EXISTS (SELECT 1 FROM audit_sites s WHERE s.tenant_id = au.tenant_id
		                              AND s.audit_id = au.id AND s.site_id = $2)`, siteID)+`
		 ORDER BY au.planned_start, au.reference LIMIT 8`,
		a.OrgID, site, today, today.AddDate(0, 0, upcomingAuditDays)).
		Query(func(rows pgx.Rows) error {
			var err error
			d.UpcomingAudits, err = pgx.CollectRows(rows, pgx.RowToStructByName[UpcomingAudit])
			return err
		})
	b.Queue(`SELECT count(*) FILTER (WHERE status = 'on_track'), count(*) FILTER (WHERE status = 'at_risk'),
		        count(*) FILTER (WHERE status = 'off_track'), count(*) FILTER (WHERE status = 'no_data')
		   FROM objectives WHERE tenant_id = $1 AND archived_at IS NULL AND `+siteCond("site_id = $2", siteID),
		a.OrgID, site).
		QueryRow(func(row pgx.Row) error {
			return row.Scan(&d.Objectives.OnTrack, &d.Objectives.AtRisk, &d.Objectives.OffTrack, &d.Objectives.NoData)
		})
	queueMyRisksRose(b, a, today, &d.MyRisksRose)
	b.Queue(`SELECT (SELECT count(*) FROM capa_actions x JOIN capas c ON c.tenant_id = x.tenant_id AND c.id = x.capa_id
		          WHERE x.tenant_id = $1 AND x.owner_id = $2 AND x.status = 'open' AND c.status <> 'closed'),
		        (SELECT count(*) FROM capa_actions x JOIN capas c ON c.tenant_id = x.tenant_id AND c.id = x.capa_id
		          WHERE x.tenant_id = $1 AND x.owner_id = $2 AND x.status = 'open' AND c.status <> 'closed' AND x.due_date < $3),
		        (SELECT count(*) FROM capa_effectiveness_checks k JOIN capas c ON c.tenant_id = k.tenant_id AND c.id = k.capa_id
		          WHERE k.tenant_id = $1 AND k.verifier_id = $2 AND k.result IS NULL AND c.status = 'awaiting_check')`,
		a.OrgID, a.UserID, today).
		QueryRow(func(row pgx.Row) error {
			return row.Scan(&d.MyCAPAActions, &d.MyOverdueActions, &d.MyChecksToVerify)
		})
	b.Queue(capaWorkSQL+` LIMIT 8`, a.OrgID, a.UserID, today, false, false).
		Query(func(rows pgx.Rows) error {
			var err error
			d.MyCAPAWork, err = pgx.CollectRows(rows, pgx.RowToStructByName[CAPAWorkItem])
			return err
		})
	queueMyReviewActions(b, a, &d.MyReviewActions)
}

// siteCond is a dashboard query's condition on the chosen site, $2: cond when a site is
// chosen, and for every site a test that $2 is unset. Each has its own statement, whose kept
// plan reads the organisation's index without a catch-all for the site.
func siteCond(cond string, site uuid.UUID) string {
	if site == uuid.Nil {
		return "$2::uuid IS NULL"
	}
	return "(" + cond + ")"
}

// heatLikelihoodSQL places a risk on the heat map's likelihood axis: the likelihood that, at
// its residual severity, gives its current exposure. Signals that raise exposure move a risk
// up the axis; the severity of what could happen stays as assessed.
const heatLikelihoodSQL = `LEAST(5, GREATEST(1, CEIL(exposure::numeric / residual_severity)))::int`

// dashboardCoverage counts the clauses and processes no internal audit of this year covers,
// by the same rule as the audit programme.
func dashboardCoverage(ctx context.Context, tx pgx.Tx, org uuid.UUID, year int, d *Dashboard) error {
	p, _, err := programmeCoverage(ctx, tx, org, year)
	if err != nil {
		return err
	}
	d.ClauseGaps, d.ProcessGaps = p.ClauseGaps(), p.ProcessGaps()
	return nil
}
