package qms

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/database"
)

// Dashboard answers "are we in control?" on the organisation home: the risk heat map, open
// findings by process and by clause, how old the open CAPAs are, documents that need review,
// upcoming audits and programme coverage, and where the objectives stand. Every number here
// is the count of a list it links to, under the same filter, so the two always agree.
type Dashboard struct {
	// SiteID narrows everything that belongs to a site (findings, CAPAs, risks, audits,
	// objectives) to one site; uuid.Nil shows the whole organisation. Documents have no site.
	SiteID uuid.UUID
	Today  time.Time
	// Me is the person looking, for links to their own work.
	Me uuid.UUID

	OrgDashboard

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

// OrgDashboard is the part of the dashboard that is the same for every member: what the
// organisation (or one site) looks like today. Home keeps it until the organisation changes.
type OrgDashboard struct {
	Sites []Site

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

// queueOrgDashboard adds the queries of the dashboard's shared part to the home page's
// batch: one round trip for every widget. siteID narrows the site-bound widgets.
func queueOrgDashboard(b *pgx.Batch, org uuid.UUID, today time.Time, siteID uuid.UUID, clauses []ISOClause, d *OrgDashboard) {
	site := nilIfZero(siteID)
	b.Queue(`SELECT `+siteColumns+` FROM sites WHERE tenant_id = $1 AND archived_at IS NULL ORDER BY lower(name)`, org).
		Query(func(rows pgx.Rows) error {
			var err error
			d.Sites, err = database.CollectRows[Site](rows)
			return err
		})
	b.Queue(`SELECT `+heatLikelihoodSQL+`, residual_severity, exposure_band, count(*)
		  FROM risks WHERE tenant_id = $1 AND status = 'active' AND `+siteCond("site_id = $2", siteID)+`
		 GROUP BY 1, 2, 3`, org, site).
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
	// Open findings are counted by the index of open findings, grouped as it is ordered
	// (process, then classification); the names are joined to the few groups afterwards.
	b.Queue(`SELECT p.id::text, p.name, t.classification, t.n
		  FROM (SELECT f.process_id, f.classification, count(*) AS n
		          FROM findings f
		         WHERE f.tenant_id = $1 AND f.status = 'open' AND `+siteCond("f.site_id = $2", siteID)+`
		         GROUP BY f.process_id, f.classification) t
		  JOIN processes p ON p.tenant_id = $1 AND p.id = t.process_id
		 ORDER BY lower(p.name), p.id`, org, site).
		Query(func(rows pgx.Rows) error {
			var key, label, class string
			var n int
			_, err := pgx.ForEachRow(rows, []any{&key, &label, &class, &n}, func() error {
				d.FindingsByProcess = addToTally(d.FindingsByProcess, key, label, Classification(class), n)
				return nil
			})
			return err
		})
	// By main clause: the clause titles and their order are the standard's, known here. The
	// findings are counted by clause as stored, and the few groups summed by main clause here,
	// rather than every open finding's clause being split in the query.
	b.Queue(`SELECT f.clause_number, f.classification, count(*)
		  FROM findings f
		 WHERE f.tenant_id = $1 AND f.status = 'open' AND f.clause_number IS NOT NULL AND `+siteCond("f.site_id = $2", siteID)+`
		 GROUP BY 1, 2`, org, site).
		Query(func(rows pgx.Rows) error {
			var number, class string
			var n int
			byClause := make([]FindingTally, 0, 10)
			_, err := pgx.ForEachRow(rows, []any{&number, &class, &n}, func() error {
				main, _, _ := strings.Cut(number, ".")
				byClause = addToTally(byClause, main, main, Classification(class), n)
				return nil
			})
			for _, k := range clauses {
				if i := slices.IndexFunc(byClause, func(t FindingTally) bool { return t.Key == k.Number }); i >= 0 {
					byClause[i].Label = k.Title
					d.FindingsByClause = append(d.FindingsByClause, byClause[i])
				}
			}
			return err
		})
	// Open CAPAs by age, from an index of open CAPAs that holds what these counts read. The
	// CAPAs with an overdue action are those among them in the set of CAPAs of the overdue
	// actions, read once from the index of open actions by due date and probed by hash.
	b.Queue(`SELECT `+capaAgeCounts("c.opened_at", "$3")+`,
		        count(*) FILTER (WHERE c.status = 'awaiting_check'),
		        count(*) FILTER (WHERE c.id IN (SELECT x.capa_id FROM capa_actions x
		          WHERE x.tenant_id = $1 AND x.status = 'open' AND x.due_date < $3))
		   FROM capas c WHERE c.tenant_id = $1 AND c.status <> 'closed' AND `+siteCond("c.site_id = $2", siteID),
		org, site, today).
		QueryRow(func(row pgx.Row) error {
			dest := make([]any, 0, len(d.CAPAAgeing)+2)
			for i := range d.CAPAAgeing {
				dest = append(dest, &d.CAPAAgeing[i])
			}
			return row.Scan(append(dest, &d.CAPAsAwaitingCheck, &d.OverdueCAPAActions)...)
		})
	// Each count reads its own index (reviews due, open flags) rather than probing every
	// current document of the organisation.
	b.Queue(`SELECT (SELECT count(*) FROM documents d
		          WHERE d.tenant_id = $1 AND d.obsoleted_at IS NULL AND d.next_review_on <= $2),
		        (SELECT count(DISTINCT g.document_id) FROM document_review_flags g
		           JOIN documents d ON d.tenant_id = g.tenant_id AND d.id = g.document_id
		          WHERE g.tenant_id = $1 AND g.resolved_at IS NULL AND d.obsoleted_at IS NULL)`,
		org, today.AddDate(0, 0, ReviewDueSoonDays)).
		QueryRow(func(row pgx.Row) error {
			return row.Scan(&d.DocumentsReviewDue, &d.DocumentsFlagged)
		})
	b.Queue(`SELECT au.id, au.reference, au.title, au.type, au.planned_start
		  FROM audits au
		 WHERE au.tenant_id = $1 AND au.status = 'planned' AND au.planned_start BETWEEN $3 AND $4
		   AND `+siteCond(`EXISTS (SELECT 1 FROM audit_sites s WHERE s.tenant_id = au.tenant_id
		                              AND s.audit_id = au.id AND s.site_id = $2)`, siteID)+`
		 ORDER BY au.planned_start, au.reference LIMIT 8`,
		org, site, today, today.AddDate(0, 0, upcomingAuditDays)).
		Query(func(rows pgx.Rows) error {
			var err error
			d.UpcomingAudits, err = database.CollectRows[UpcomingAudit](rows)
			return err
		})
	b.Queue(`SELECT count(*) FILTER (WHERE status = 'on_track'), count(*) FILTER (WHERE status = 'at_risk'),
		        count(*) FILTER (WHERE status = 'off_track'), count(*) FILTER (WHERE status = 'no_data')
		   FROM objectives WHERE tenant_id = $1 AND archived_at IS NULL AND `+siteCond("site_id = $2", siteID),
		org, site).
		QueryRow(func(row pgx.Row) error {
			return row.Scan(&d.Objectives.OnTrack, &d.Objectives.AtRisk, &d.Objectives.OffTrack, &d.Objectives.NoData)
		})
}

// queueMyDashboard adds the queries of the actor's own part of the dashboard to the home
// page's batch.
func queueMyDashboard(b *pgx.Batch, a Actor, today time.Time, d *Dashboard) {
	d.Today, d.Me = today, a.UserID
	queueMyRisksRose(b, a, today, &d.MyRisksRose)
	// The actor's open actions are read once, through the index of each owner's open actions,
	// and the overdue ones counted among them. Counted in a query of their own, they were read
	// through the organisation's index of open actions by due date: a plan kept for a tenant
	// of average size cannot tell that index is the larger. Likewise the CAPA of each check
	// awaiting the actor is looked up by its key, in a subquery: joined, a kept plan read every
	// CAPA of the organisation awaiting a check once for each of the actor's checks.
	b.Queue(`SELECT mine.n, mine.overdue,
		        (SELECT count(*) FROM capa_effectiveness_checks k
		          WHERE k.tenant_id = $1 AND k.verifier_id = $2 AND k.result IS NULL
		            AND (SELECT c.status FROM capas c WHERE c.tenant_id = $1 AND c.id = k.capa_id) = 'awaiting_check'),
		        (SELECT count(*) FROM documents d
		          WHERE d.tenant_id = $1 AND d.owner_user_id = $2 AND d.obsoleted_at IS NULL AND d.next_review_on <= $4)
		   FROM (SELECT count(*) AS n, count(*) FILTER (WHERE x.due_date < $3) AS overdue
		           FROM capa_actions x JOIN capas c ON c.tenant_id = $1 AND c.id = x.capa_id
		          WHERE x.tenant_id = $1 AND x.owner_id = $2 AND x.status = 'open' AND c.status <> 'closed') mine`,
		a.OrgID, a.UserID, today, today.AddDate(0, 0, ReviewDueSoonDays)).
		QueryRow(func(row pgx.Row) error {
			return row.Scan(&d.MyCAPAActions, &d.MyOverdueActions, &d.MyChecksToVerify, &d.MyReviewsDue)
		})
	b.Queue(capaWorkSQL+` LIMIT 8`, a.OrgID, a.UserID, today, false, false).
		Query(func(rows pgx.Rows) error {
			var err error
			d.MyCAPAWork, err = database.CollectRows[CAPAWorkItem](rows)
			return err
		})
	queueMyReviewActions(b, a, &d.MyReviewActions)
}

// capaAgeCounts is the select list that counts rows in each of CAPAAgeBuckets (see
// capaAgeCond), as the CAPA list's age filter keeps them.
func capaAgeCounts(column, today string) string {
	counts := make([]string, 0, len(CAPAAgeBuckets))
	for _, b := range CAPAAgeBuckets {
		counts = append(counts, "count(*) FILTER (WHERE "+capaAgeCond(column, today, b)+")")
	}
	return strings.Join(counts, ", ")
}

// capaAgeCond is the one rule of CAPA ageing: the condition that a row opened at column (a
// timestamptz) is in bucket b, by the days from the date it was opened to today (a date
// parameter). The bounds are turned into instants once per statement (each a subquery run
// once), so every row is compared as it is stored instead of being converted to a date in the
// database's time zone.
func capaAgeCond(column, today string, b CAPAAge) string {
	since := func(days int) string {
		// Opened on or after the day `days` before today: at or after that day's midnight.
		return "(SELECT (" + today + "::date - " + strconv.Itoa(days) + ")::timestamptz)"
	}
	var conds []string
	if b.MaxDays > 0 {
		conds = append(conds, column+" >= "+since(b.MaxDays))
	}
	if b.MinDays > 0 {
		// At least MinDays old: opened before the day MinDays-1 days ago began.
		conds = append(conds, column+" < "+since(b.MinDays-1))
	}
	if len(conds) == 0 {
		return "true"
	}
	return strings.Join(conds, " AND ")
}

// addToTally adds n findings of a class to the tally with the key, starting one (labelled
// label) at the end of tallies if there is none yet.
func addToTally(tallies []FindingTally, key, label string, class Classification, n int) []FindingTally {
	i := slices.IndexFunc(tallies, func(t FindingTally) bool { return t.Key == key })
	if i < 0 {
		i = len(tallies)
		tallies = append(tallies, FindingTally{Key: key, Label: label})
	}
	t := &tallies[i]
	switch class {
	case MajorNC:
		t.MajorNC += n
	case MinorNC:
		t.MinorNC += n
	case Observation:
		t.Observation += n
	case OFI:
		t.OFI += n
	}
	return tallies
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
// up the axis; the severity of what could happen stays as assessed. The division rounds up in
// whole numbers (exposure and severity are positive integers), which costs far less than
// numeric arithmetic on every active risk.
const heatLikelihoodSQL = `LEAST(5, GREATEST(1, (exposure + residual_severity - 1) / residual_severity))`

// queueCoverageGaps queues the counts of clauses and processes that no internal audit of the
// year covers, by the audit programme's rule (coverage), reading only what that rule looks
// at: the active processes and the year's internal audits with their criteria and scope.
func queueCoverageGaps(b *pgx.Batch, org uuid.UUID, year int, clauses []ISOClause, d *OrgDashboard) {
	var processes []Process
	b.Queue(`SELECT id, name FROM processes WHERE tenant_id = $1 AND archived_at IS NULL ORDER BY lower(name)`, org).
		Query(func(rows pgx.Rows) error {
			var p Process
			_, err := pgx.ForEachRow(rows, []any{&p.ID, &p.Name}, func() error {
				processes = append(processes, p)
				return nil
			})
			return err
		})
	from := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)
	b.Queue(`SELECT au.id, au.reference, au.title, au.status, au.planned_start, au.actual_start,
		       ARRAY(SELECT c.clause_number FROM audit_clauses c WHERE c.tenant_id = au.tenant_id AND c.audit_id = au.id),
		       ARRAY(SELECT p.process_id FROM audit_processes p WHERE p.tenant_id = au.tenant_id AND p.audit_id = au.id)
		  FROM audits au
		 WHERE au.tenant_id = $1 AND au.type = 'internal'
		   AND au.starts_on >= $2::date AND au.starts_on < $3::date`,
		org, from, from.AddDate(1, 0, 0)).
		Query(func(rows pgx.Rows) error {
			var audits []AuditSummary
			var au AuditSummary
			var numbers []string
			var processIDs []uuid.UUID
			_, err := pgx.ForEachRow(rows, []any{&au.ID, &au.Reference, &au.Title, &au.Status, &au.PlannedStart,
				&au.ActualStart, &numbers, &processIDs}, func() error {
				au.Type, au.Clauses, au.Processes = AuditInternal, nil, nil
				for _, n := range numbers {
					au.Clauses = append(au.Clauses, ISOClause{Number: n})
				}
				for _, id := range processIDs {
					au.Processes = append(au.Processes, AuditProcess{ID: id})
				}
				audits = append(audits, au)
				return nil
			})
			if err != nil {
				return err
			}
			byClause, byProcess := coverage(audits, programmeClauses(clauses), processes)
			d.ClauseGaps, d.ProcessGaps = countGaps(byClause), countGaps(byProcess)
			return nil
		})
}
