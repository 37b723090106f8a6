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

// AuditRef names an audit briefly, with the date it took place or is planned.
type AuditRef struct {
	ID        uuid.UUID
	Reference string
	Title     string
	Status    AuditStatus
	Date      time.Time
}

// ProgrammeSignal moves a process's next audit earlier, with the reason shown to the planner.
type ProgrammeSignal struct {
	MonthsEarlier int
	Reason        string
}

// NextAudit is the programme's suggestion for one process: when it should next be audited
// internally, and why.
type NextAudit struct {
	Process        Process
	LastAudit      *AuditRef // the last reported internal audit covering the process
	LastMajorNCs   int       // nonconformities on the process at that audit
	LastMinorNCs   int
	IntervalMonths int
	Suggested      time.Time
	Reasons        []string
	Planned        *AuditRef // the next planned or running internal audit covering it
	State          NextAuditState
}

// NextAuditState says whether a process's next audit is in hand.
type NextAuditState string

const (
	NextPlanned     NextAuditState = "planned"      // an audit is planned by the suggested date
	NextPlannedLate NextAuditState = "planned_late" // planned, but after the suggested date
	NextOverdue     NextAuditState = "overdue"      // due and not planned
	NextDueSoon     NextAuditState = "due_soon"     // due within dueSoonDays and not planned
	NextNotDue      NextAuditState = "not_due"
)

// dueSoonDays is how far ahead the programme warns about audits still to plan.
const dueSoonDays = 60

// Label is the state as the programme shows it.
func (s NextAuditState) Label() string {
	switch s {
	case NextPlanned:
		return "Planned"
	case NextPlannedLate:
		return "Planned later than suggested"
	case NextOverdue:
		return "Due, not planned"
	case NextDueSoon:
		return "Due soon, not planned"
	}
	return "Not due yet"
}

// Tone is the badge colour of the state.
func (s NextAuditState) Tone() string {
	switch s {
	case NextPlanned:
		return "ok"
	case NextPlannedLate, NextDueSoon:
		return "warn"
	case NextOverdue:
		return "bad"
	}
	return "muted"
}

// suggestNextAudit works out when a process should next be audited: its frequency after the
// last internal audit, shortened when that audit found nonconformities on it (halved after a
// major one, a quarter shorter after minor ones) and by any other signals.
func suggestNextAudit(n *NextAudit, signals []ProgrammeSignal, today time.Time) {
	freq := n.Process.AuditFrequencyMonths
	if freq <= 0 {
		freq = DefaultAuditFrequencyMonths
	}
	n.IntervalMonths = freq
	switch {
	case n.LastAudit == nil:
		n.Reasons = append(n.Reasons, "Not audited internally yet.")
	case n.LastMajorNCs > 0:
		n.IntervalMonths = max(1, freq/2)
		n.Reasons = append(n.Reasons, Plural(n.LastMajorNCs, "major nonconformity", "major nonconformities")+" at "+
			n.LastAudit.Reference+": every "+strconv.Itoa(n.IntervalMonths)+" months instead of "+strconv.Itoa(freq)+".")
	case n.LastMinorNCs > 0:
		n.IntervalMonths = max(1, freq-(freq+3)/4)
		n.Reasons = append(n.Reasons, Plural(n.LastMinorNCs, "minor nonconformity", "minor nonconformities")+" at "+
			n.LastAudit.Reference+": every "+strconv.Itoa(n.IntervalMonths)+" months instead of "+strconv.Itoa(freq)+".")
	}
	for _, sg := range signals {
		n.IntervalMonths = max(1, n.IntervalMonths-sg.MonthsEarlier)
		n.Reasons = append(n.Reasons, sg.Reason)
	}
	if n.LastAudit == nil {
		n.Suggested = today
	} else {
		n.Suggested = n.LastAudit.Date.AddDate(0, n.IntervalMonths, 0)
	}
	switch {
	case n.Planned != nil && n.Planned.Date.After(n.Suggested):
		n.State = NextPlannedLate
	case n.Planned != nil:
		n.State = NextPlanned
	case !n.Suggested.After(today):
		n.State = NextOverdue
	case !n.Suggested.After(today.AddDate(0, 0, dueSoonDays)):
		n.State = NextDueSoon
	default:
		n.State = NextNotDue
	}
}

// processRiskSignals is where the risk register moves processes up the audit programme
// (ISO 9001 9.2.2 a: audits take the importance of processes into account): each process
// whose active risks stand at high exposure is audited riskAuditMonthsEarlier[band] months
// earlier, for its highest band, with the risk named as the reason.
func processRiskSignals(ctx context.Context, tx pgx.Tx, org uuid.UUID, processIDs []uuid.UUID) (map[uuid.UUID][]ProgrammeSignal, error) {
	out := map[uuid.UUID][]ProgrammeSignal{}
	rows, err := tx.Query(ctx, `SELECT DISTINCT ON (process_id) process_id, ref, title, exposure, exposure_band
		  FROM risks WHERE tenant_id = $1 AND process_id = ANY($2) AND status = 'active' AND exposure_band IN ('high', 'critical')
		 ORDER BY process_id, exposure DESC, ref`, org, processIDs)
	if err != nil {
		return nil, err
	}
	var pid uuid.UUID
	var ref, exposure int
	var title, band string
	_, err = pgx.ForEachRow(rows, []any{&pid, &ref, &title, &exposure, &band}, func() error {
		m := riskAuditMonthsEarlier[band]
		out[pid] = append(out[pid], ProgrammeSignal{MonthsEarlier: m,
			Reason: RiskRef(ref) + " " + title + " is at " + band + " exposure (" + strconv.Itoa(exposure) + "): " +
				Plural(m, "month", "months") + " earlier."})
		return nil
	})
	return out, err
}

// riskAuditMonthsEarlier is how much earlier a process is audited when its highest risk is in
// a band.
var riskAuditMonthsEarlier = map[string]int{BandHigh: 2, BandCritical: 4}

// CoverageRow is one clause or process of the coverage view, with the internal audits that
// cover it in each quarter of the year.
type CoverageRow struct {
	Key      string // the clause number or process id
	Label    string
	Quarters [4][]AuditRef
}

// Gap reports whether no internal audit covers the row in the year.
func (r CoverageRow) Gap() bool {
	return len(r.Quarters[0])+len(r.Quarters[1])+len(r.Quarters[2])+len(r.Quarters[3]) == 0
}

// Programme is the audit programme of a year: its audits, what to audit next, and how the
// year's internal audits cover the standard and the processes.
type Programme struct {
	Year            int
	Today           time.Time
	Audits          []AuditSummary
	Next            []NextAudit
	ClauseCoverage  []CoverageRow
	ProcessCoverage []CoverageRow
}

// ClauseGaps counts the clauses no internal audit of the year covers.
func (p Programme) ClauseGaps() int { return countGaps(p.ClauseCoverage) }

// ProcessGaps counts the processes no internal audit of the year covers.
func (p Programme) ProcessGaps() int { return countGaps(p.ProcessCoverage) }

func countGaps(rows []CoverageRow) int {
	n := 0
	for _, r := range rows {
		if r.Gap() {
			n++
		}
	}
	return n
}

// AuditProgramme assembles the programme of a year. Every member may read it, and it is the
// same for each of them: it is kept for each year and day (its suggestions count from
// today) until the organisation changes, like the home page's counts. What is kept is
// shared: nobody may modify the programme returned.
func (s *Service) AuditProgramme(ctx context.Context, a Actor, year int) (Programme, error) {
	today := s.today()
	key := "programme/" + strconv.Itoa(year) + "/" + today.Format(time.DateOnly)
	kept, ticket, isKept := s.cache.lookup(a.OrgID, key)
	if isKept {
		return kept.(Programme), nil
	}
	var p Programme
	clauses, err := s.ISOClauses(ctx, a)
	if err != nil {
		return p, err
	}
	err = s.read(ctx, a, func(tx pgx.Tx) error {
		var processes []Process
		var err error
		if p, processes, err = programmeCoverage(ctx, tx, a.OrgID, year, clauses); err != nil {
			return err
		}
		p.Next, err = nextAudits(ctx, tx, a.OrgID, processes, today)
		return err
	})
	if err != nil {
		return Programme{}, err
	}
	p.Today = today
	s.cache.keep(a.OrgID, key, ticket, p)
	return p, nil
}

// programmeCoverage loads a year's audits and lays them out against the clauses and the
// current processes (which it returns too).
func programmeCoverage(ctx context.Context, tx pgx.Tx, org uuid.UUID, year int, clauses []ISOClause) (Programme, []Process, error) {
	p := Programme{Year: year}
	var err error
	if p.Audits, err = listAudits(ctx, tx, org, AuditListFilter{Year: year}); err != nil {
		return p, nil, err
	}
	rows, err := tx.Query(ctx, processSelect+` WHERE p.tenant_id = $1 AND p.archived_at IS NULL ORDER BY lower(p.name)`, org)
	if err != nil {
		return p, nil, err
	}
	processes, err := database.CollectRows[Process](rows)
	if err != nil {
		return p, nil, err
	}
	p.ClauseCoverage, p.ProcessCoverage = coverage(p.Audits, programmeClauses(clauses), processes)
	return p, processes, nil
}

// programmeClauses are the clauses the programme's coverage is laid out by: those one level
// below the main clauses (8.5, not 8 or 8.5.1), in the standard's order.
func programmeClauses(clauses []ISOClause) []ISOClause {
	var out []ISOClause
	for _, k := range clauses {
		if k.Depth() == 1 {
			out = append(out, k)
		}
	}
	return out
}

// coverage lays the internal audits out by quarter against clauses and processes. An audit
// covers a clause when one of its criteria is the clause, a clause above it (8 covers 8.5) or
// one of its sub-clauses (8.5.1 covers part of 8.5).
func coverage(audits []AuditSummary, clauses []ISOClause, processes []Process) (byClause, byProcess []CoverageRow) {
	byClause = make([]CoverageRow, len(clauses))
	for i, k := range clauses {
		byClause[i] = CoverageRow{Key: k.Number, Label: k.Label()}
	}
	byProcess = make([]CoverageRow, len(processes))
	for i, p := range processes {
		byProcess[i] = CoverageRow{Key: p.ID.String(), Label: p.Name}
	}
	for _, au := range audits {
		if au.Type != AuditInternal {
			continue
		}
		q := (int(au.Start().Month()) - 1) / 3
		ref := AuditRef{ID: au.ID, Reference: au.Reference, Title: au.Title, Status: au.Status, Date: au.Start()}
		for i := range byClause {
			for _, k := range au.Clauses {
				if clauseRelated(k.Number, byClause[i].Key) {
					byClause[i].Quarters[q] = append(byClause[i].Quarters[q], ref)
					break
				}
			}
		}
		for i, p := range processes {
			if au.HasProcess(p.ID) {
				byProcess[i].Quarters[q] = append(byProcess[i].Quarters[q], ref)
			}
		}
	}
	return byClause, byProcess
}

// clauseRelated reports whether one clause is the other or lies within it.
func clauseRelated(a, b string) bool {
	return a == b || strings.HasPrefix(a, b+".") || strings.HasPrefix(b, a+".")
}

// nextAudits suggests the next internal audit of each process.
func nextAudits(ctx context.Context, tx pgx.Tx, org uuid.UUID, processes []Process, today time.Time) ([]NextAudit, error) {
	out := make([]NextAudit, len(processes))
	ids := make([]uuid.UUID, len(processes))
	index := map[uuid.UUID]int{}
	for i, p := range processes {
		out[i].Process, ids[i], index[p.ID] = p, p.ID, i
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT DISTINCT ON (ap.process_id) ap.process_id, au.id, au.reference, au.title, au.status,
		       coalesce(au.actual_end, au.actual_start, au.planned_end)
		  FROM audit_processes ap JOIN audits au ON au.tenant_id = ap.tenant_id AND au.id = ap.audit_id
		 WHERE ap.tenant_id = $1 AND ap.process_id = ANY($2) AND au.type = 'internal' AND au.status IN ('reported', 'closed')
		 ORDER BY ap.process_id, coalesce(au.actual_end, au.actual_start, au.planned_end) DESC, au.reference DESC`, org, ids).
		Query(func(rows pgx.Rows) error {
			var pid uuid.UUID
			var r AuditRef
			_, err := pgx.ForEachRow(rows, []any{&pid, &r.ID, &r.Reference, &r.Title, &r.Status, &r.Date}, func() error {
				last := r
				out[index[pid]].LastAudit = &last
				return nil
			})
			return err
		})
	b.Queue(`SELECT DISTINCT ON (ap.process_id) ap.process_id, au.id, au.reference, au.title, au.status,
		       au.starts_on
		  FROM audit_processes ap JOIN audits au ON au.tenant_id = ap.tenant_id AND au.id = ap.audit_id
		 WHERE ap.tenant_id = $1 AND ap.process_id = ANY($2) AND au.type = 'internal' AND au.status IN ('planned', 'in_progress')
		 ORDER BY ap.process_id, au.starts_on, au.reference`, org, ids).
		Query(func(rows pgx.Rows) error {
			var pid uuid.UUID
			var r AuditRef
			_, err := pgx.ForEachRow(rows, []any{&pid, &r.ID, &r.Reference, &r.Title, &r.Status, &r.Date}, func() error {
				planned := r
				out[index[pid]].Planned = &planned
				return nil
			})
			return err
		})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	var lastAudits []uuid.UUID
	for _, n := range out {
		if n.LastAudit != nil {
			lastAudits = append(lastAudits, n.LastAudit.ID)
		}
	}
	b = &pgx.Batch{}
	database.QueueKeptPlan(b, `SELECT x.process_id, x.audit_id,
		       count(*) FILTER (WHERE x.classification = 'major_nc'), count(*) FILTER (WHERE x.classification = 'minor_nc')
		  FROM `+eachAudit("findings")+` x GROUP BY x.process_id, x.audit_id`, org, lastAudits).
		Query(func(rows pgx.Rows) error {
			var pid, aid uuid.UUID
			var major, minor int
			_, err := pgx.ForEachRow(rows, []any{&pid, &aid, &major, &minor}, func() error {
				if i, ok := index[pid]; ok && out[i].LastAudit != nil && out[i].LastAudit.ID == aid {
					out[i].LastMajorNCs, out[i].LastMinorNCs = major, minor
				}
				return nil
			})
			return err
		})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	signals, err := processRiskSignals(ctx, tx, org, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		suggestNextAudit(&out[i], signals[out[i].Process.ID], today)
	}
	return out, nil
}
