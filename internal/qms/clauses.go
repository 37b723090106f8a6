package qms

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plumbline/plumbline/internal/database"
)

// ClauseSummary is a clause of ISO 9001 in the clause index, with how much of the
// organisation's evidence points at it (the clause or any of its sub-clauses).
type ClauseSummary struct {
	Number       string `db:"number"`
	Title        string `db:"title"`
	ParentNumber string `db:"parent_number"`
	Depth        int    `db:"depth"`
	Records      int    `db:"records"`
}

// Clauses lists the clauses 4 to 10 in the standard's order, each with its number of
// records (those not disposed of).
func (s *Service) Clauses(ctx context.Context, a Actor) ([]ClauseSummary, error) {
	var out []ClauseSummary
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT c.number, c.title, coalesce(c.parent_number, '') AS parent_number,
			       array_length(c.sort_key, 1) AS depth, count(DISTINCT rc.record_id)::int AS records
			  FROM iso_clauses c
			  LEFT JOIN (record_clauses rc
			             JOIN records r ON r.tenant_id = rc.tenant_id AND r.current_revision_id = rc.revision_id)
			    ON rc.tenant_id = $1 AND (rc.clause_number = c.number OR rc.clause_number LIKE c.number || '.%')
			 GROUP BY c.number, c.title, c.parent_number, c.sort_key
			 ORDER BY c.sort_key`, a.OrgID)
		if err != nil {
			return err
		}
		out, err = database.CollectRows[ClauseSummary](rows)
		return err
	})
	return out, err
}

// Clause is one clause of ISO 9001 with where it sits: its parent and its sub-clauses.
type Clause struct {
	ClauseRef
	Parent   *ClauseRef
	Children []ClauseSummary
}

// Clause loads a clause by number; an unknown number is not found.
func (s *Service) Clause(ctx context.Context, a Actor, number string) (Clause, error) {
	if !clausePattern.MatchString(number) {
		return Clause{}, notFound("Clause")
	}
	var out Clause
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var parent *string
		err := tx.QueryRow(ctx, `SELECT number, title, parent_number FROM iso_clauses WHERE number = $1`, number).
			Scan(&out.Number, &out.Title, &parent)
		if err != nil {
			return noRows(err, "Clause")
		}
		if parent != nil {
			p := ClauseRef{Number: *parent}
			if err := tx.QueryRow(ctx, `SELECT title FROM iso_clauses WHERE number = $1`, p.Number).Scan(&p.Title); err != nil {
				return err
			}
			out.Parent = &p
		}
		rows, err := tx.Query(ctx, `
			SELECT c.number, c.title, coalesce(c.parent_number, '') AS parent_number,
			       array_length(c.sort_key, 1) AS depth, count(DISTINCT rc.record_id)::int AS records
			  FROM iso_clauses c
			  LEFT JOIN (record_clauses rc
			             JOIN records r ON r.tenant_id = rc.tenant_id AND r.current_revision_id = rc.revision_id)
			    ON rc.tenant_id = $1 AND (rc.clause_number = c.number OR rc.clause_number LIKE c.number || '.%')
			 WHERE c.parent_number = $2
			 GROUP BY c.number, c.title, c.parent_number, c.sort_key
			 ORDER BY c.sort_key`, a.OrgID, number)
		if err != nil {
			return err
		}
		out.Children, err = database.CollectRows[ClauseSummary](rows)
		return err
	})
	return out, err
}

// TypeCount is how many records of a type there are.
type TypeCount struct {
	TypeID uuid.UUID  `db:"type_id"`
	Name   string     `db:"name"`
	Kind   RecordKind `db:"kind"`
	Count  int        `db:"count"`
}

// RecordsSummary is the records part of a process or clause page: how many of each type,
// the latest ones, and for processes the complaints and incidents that count against them.
type RecordsSummary struct {
	Total              int
	ByType             []TypeCount
	Latest             []RecordRow
	OpenComplaints     int
	ComplaintsLast90   int
	IncidentsLast90    int
	RecentWindowInDays int
}

// recentWindow is how far back "recent" complaints and incidents reach on a process page.
const recentWindow = 90

// ProcessRecords summarises the records of a process for its page. Another organisation's
// process is not found.
func (s *Service) ProcessRecords(ctx context.Context, a Actor, processID uuid.UUID) (RecordsSummary, error) {
	var out RecordsSummary
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		if _, err := getProcess(ctx, tx, a.OrgID, processID, false); err != nil {
			return err
		}
		return summariseRecords(ctx, tx, a.OrgID, RecordFilter{ProcessID: &processID}, s.today(), &out)
	})
	return out, err
}

// ClauseRecords summarises the records that point at a clause or its sub-clauses.
func (s *Service) ClauseRecords(ctx context.Context, a Actor, number string) (RecordsSummary, error) {
	if !clausePattern.MatchString(number) {
		return RecordsSummary{}, notFound("Clause")
	}
	var out RecordsSummary
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		return summariseRecords(ctx, tx, a.OrgID, RecordFilter{Clause: number}, s.today(), &out)
	})
	return out, err
}

func summariseRecords(ctx context.Context, tx pgx.Tx, org uuid.UUID, f RecordFilter, today time.Time, out *RecordsSummary) error {
	f.Limit = 10
	page, err := listRecords(ctx, tx, org, f)
	if err != nil {
		return err
	}
	out.Latest = page.Rows
	out.RecentWindowInDays = recentWindow
	// The counts select what the list selects (recordsWhere), in one pass over the records
	// alone: counted over the list's own query, they read every record's names and clauses
	// and sorted them, twice.
	f.Limit, f.After = 0, ""
	from, where, _, a := recordsWhere(org, f)
	since := a.add(today.AddDate(0, 0, -recentWindow))
	rows, err := tx.Query(ctx, `
		SELECT r.type_id, t.name, r.kind, count(*)::int,
		       count(*) FILTER (WHERE r.kind = 'complaint' AND coalesce(r.complaint_status, '') <> 'closed')::int,
		       count(*) FILTER (WHERE r.kind = 'complaint' AND r.event_date >= `+since+`::date)::int,
		       count(*) FILTER (WHERE r.kind = 'incident' AND r.event_date >= `+since+`::date)::int
		  FROM `+from+` JOIN record_types t ON t.tenant_id = $1 AND t.id = r.type_id
		 WHERE `+where+`
		 GROUP BY r.type_id, t.name, r.kind ORDER BY count(*) DESC, t.name`, a...)
	if err != nil {
		return err
	}
	var tc TypeCount
	var openComplaints, complaints, incidents int
	_, err = pgx.ForEachRow(rows, []any{&tc.TypeID, &tc.Name, &tc.Kind, &tc.Count, &openComplaints, &complaints, &incidents}, func() error {
		out.ByType = append(out.ByType, tc)
		out.Total += tc.Count
		out.OpenComplaints += openComplaints
		out.ComplaintsLast90 += complaints
		out.IncidentsLast90 += incidents
		return nil
	})
	return err
}

// ISOClause is a clause of ISO 9001:2015.
type ISOClause struct {
	Number string `db:"number" json:"number"`
	Title  string `db:"title" json:"title"`
}

// Label is "7.1.5 Monitoring and measuring resources".
func (c ISOClause) Label() string { return c.Number + " " + c.Title }

// Depth is 0 for a main clause (8), 1 for 8.5, 2 for 8.5.1.
func (c ISOClause) Depth() int { return strings.Count(c.Number, ".") }

// ISOClauses lists the clauses of ISO 9001:2015, in clause order.
func (s *Service) ISOClauses(ctx context.Context, _ Actor) ([]ISOClause, error) {
	return s.clauses.list(ctx, s.pool)
}

// clauseList keeps the clauses of the standard once read. They are reference data that only
// a migration changes (the server's role may only read them), and most forms offer them, so
// a page shows them without asking the database.
type clauseList struct {
	mu      sync.Mutex
	clauses []ISOClause
}

// list returns a copy of the clauses in the standard's order, reading them on first use.
func (l *clauseList) list(ctx context.Context, pool *pgxpool.Pool) ([]ISOClause, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.clauses == nil {
		rows, err := pool.Query(ctx, `SELECT number, title FROM iso_clauses ORDER BY sort_key`)
		if err != nil {
			return nil, err
		}
		clauses, err := database.CollectRows[ISOClause](rows)
		if err != nil {
			return nil, err
		}
		l.clauses = clauses
	}
	return slices.Clone(l.clauses), nil
}
