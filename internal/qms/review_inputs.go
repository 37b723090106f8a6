package qms

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ReviewInputs are the inputs of ISO 9001 9.3.2 as they stand for one management review:
// live while the review is being prepared, frozen in the review's snapshot when it is held.
// Each number carries its value at the previous held review, so the review sees what changed.
type ReviewInputs struct {
	// Since is when the previous held review was held (or a year before Until for the first
	// review); counts "in the period" count what happened after Since up to Until.
	Since             time.Time      `json:"since"`
	Until             time.Time      `json:"until"`
	PreviousID        *uuid.UUID     `json:"previous_id,omitempty"`
	PreviousReference string         `json:"previous_reference,omitempty"`
	Sections          []InputSection `json:"sections"`
}

// Section returns the section with key, or a zero section.
func (in ReviewInputs) Section(key string) InputSection {
	for _, s := range in.Sections {
		if s.Key == key {
			return s
		}
	}
	return InputSection{}
}

// InputSection is one input of 9.3.2: its numbers, the lines behind them, and for the
// inputs people enter (b, d) their text.
type InputSection struct {
	Key     string        `json:"key"`
	Clause  string        `json:"clause"`
	Title   string        `json:"title"`
	Metrics []InputMetric `json:"metrics"`
	Items   []InputItem   `json:"items"`
	Text    string        `json:"text,omitempty"`
}

// Metric returns the metric with key, or a zero metric.
func (s InputSection) Metric(key string) InputMetric {
	for _, m := range s.Metrics {
		if m.Key == key {
			return m
		}
	}
	return InputMetric{}
}

// InputMetric is one number of an input and its value at the previous held review.
type InputMetric struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Value    int    `json:"value"`
	Previous *int   `json:"previous,omitempty"`
	// HigherIsWorse says which way is bad news, for the colour of the change.
	HigherIsWorse bool `json:"higher_is_worse,omitempty"`
}

// Delta is the change since the previous held review; ok is false when there was none.
func (m InputMetric) Delta() (d int, ok bool) {
	if m.Previous == nil {
		return 0, false
	}
	return m.Value - *m.Previous, true
}

// DeltaText is the change as people read it: "+3", "−2", "no change", or "" without a
// previous review.
func (m InputMetric) DeltaText() string {
	d, ok := m.Delta()
	switch {
	case !ok:
		return ""
	case d > 0:
		return "+" + strconv.Itoa(d)
	case d < 0:
		return "−" + strconv.Itoa(-d)
	}
	return "no change"
}

// DeltaTone is the colour of the change: bad news red, good news green.
func (m InputMetric) DeltaTone() string {
	d, ok := m.Delta()
	if !ok || d == 0 {
		return ""
	}
	if (d > 0) == m.HigherIsWorse {
		return "bad"
	}
	return "ok"
}

// InputItem is one line behind an input: a finding, an action, an audit, a risk.
type InputItem struct {
	Ref    string `json:"ref"`
	Text   string `json:"text"`
	Note   string `json:"note,omitempty"`
	Status string `json:"status,omitempty"`
	// Path is where the item lives, under the organisation (e.g. "findings/<id>").
	Path string `json:"path,omitempty"`
}

// ReviewInputKeys are the inputs of 9.3.2 in the standard's order, with their titles.
var ReviewInputKeys = []struct{ Key, Clause, Title string }{
	{"a", "9.3.2 a)", "Status of actions from previous management reviews"},
	{"b", "9.3.2 b)", "Changes in external and internal issues"},
	{"c1", "9.3.2 c) 1)", "Customer satisfaction and feedback, complaints"},
	{"c2", "9.3.2 c) 2)", "Extent to which quality objectives have been met"},
	{"c3", "9.3.2 c) 3)", "Process performance and conformity of products and services"},
	{"c4", "9.3.2 c) 4)", "Nonconformities and corrective actions"},
	{"c5", "9.3.2 c) 5)", "Monitoring and measurement results"},
	{"c6", "9.3.2 c) 6)", "Audit results"},
	{"c7", "9.3.2 c) 7)", "Performance of external providers"},
	{"d", "9.3.2 d)", "Adequacy of resources"},
	{"e", "9.3.2 e)", "Effectiveness of actions taken to address risks and opportunities"},
	{"f", "9.3.2 f)", "Opportunities for improvement"},
}

// reviewInputTitle is the clause and title of an input key, or "" for an unknown key.
func reviewInputTitle(key string) string {
	for _, k := range ReviewInputKeys {
		if k.Key == key {
			return k.Clause + " " + k.Title
		}
	}
	return ""
}

// bandRank orders exposure bands, for "up a band" and "down a band".
func bandRank(b string) int {
	switch b {
	case "low":
		return 1
	case "medium":
		return 2
	case "high":
		return 3
	case "critical":
		return 4
	}
	return 0
}

// inputsBuilder collects the sections while the batch's callbacks run.
type inputsBuilder struct {
	sections map[string]*InputSection
	prev     ReviewInputs
}

func (b *inputsBuilder) section(key string) *InputSection {
	s, ok := b.sections[key]
	if !ok {
		s = &InputSection{Key: key, Metrics: []InputMetric{}, Items: []InputItem{}}
		b.sections[key] = s
	}
	return s
}

// metric adds a number to a section, with its value from the previous review's snapshot.
func (b *inputsBuilder) metric(key, mkey, label string, value int, higherIsWorse bool) {
	m := InputMetric{Key: mkey, Label: label, Value: value, HigherIsWorse: higherIsWorse}
	if b.prev.Sections != nil {
		if pm := b.prev.Section(key).Metric(mkey); pm.Key != "" {
			v := pm.Value
			m.Previous = &v
		}
	}
	s := b.section(key)
	s.Metrics = append(s.Metrics, m)
}

func (b *inputsBuilder) item(key string, it InputItem) {
	s := b.section(key)
	s.Items = append(s.Items, it)
}

// previousHeldReview finds the review held last before until, other than this one.
func previousHeldReview(ctx context.Context, tx pgx.Tx, org, reviewID uuid.UUID, until time.Time) (id *uuid.UUID, ref string, heldAt time.Time, snap ReviewInputs, err error) {
	var raw []byte
	var pid uuid.UUID
	err = tx.QueryRow(ctx, `SELECT id, reference, held_at, snapshot FROM management_reviews
		WHERE tenant_id = $1 AND id <> $2 AND status IN ('held', 'signed') AND held_at <= $3
		ORDER BY held_at DESC LIMIT 1`, org, reviewID, until).Scan(&pid, &ref, &heldAt, &raw)
	if err == pgx.ErrNoRows {
		return nil, "", time.Time{}, ReviewInputs{}, nil
	}
	if err != nil {
		return nil, "", time.Time{}, ReviewInputs{}, err
	}
	if err := json.Unmarshal(raw, &snap); err != nil {
		return nil, "", time.Time{}, ReviewInputs{}, err
	}
	return &pid, ref, heldAt, snap, nil
}

// assembleReviewInputs computes the 9.3.2 inputs of a review as of until: one query for the
// previous held review, then one batch for every input.
func assembleReviewInputs(ctx context.Context, tx pgx.Tx, org uuid.UUID, rv Review, until time.Time) (ReviewInputs, error) {
	prevID, prevRef, prevHeld, prevSnap, err := previousHeldReview(ctx, tx, org, rv.ID, until)
	if err != nil {
		return ReviewInputs{}, err
	}
	since := until.AddDate(-1, 0, 0)
	if prevID != nil {
		since = prevHeld
	}
	y, mo, d := until.UTC().Date()
	today := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	out := ReviewInputs{Since: since, Until: until, PreviousID: prevID, PreviousReference: prevRef}
	bld := &inputsBuilder{sections: map[string]*InputSection{}, prev: prevSnap}
	b := &pgx.Batch{}

	// a) actions from previous reviews: every one still open, and those done since.
	b.Queue(`SELECT o.id, r.id, r.reference, o.description, u.name, o.due_date, o.status, o.completed_at
		   FROM review_outputs o
		   JOIN management_reviews r ON r.tenant_id = o.tenant_id AND r.id = o.review_id
		   JOIN users u ON u.id = o.owner_id
		  WHERE o.tenant_id = $1 AND o.kind = 'action' AND o.review_id <> $2 AND r.status IN ('held', 'signed')
		    AND r.held_at <= $4 AND (o.status = 'open' OR o.completed_at > $3)
		  ORDER BY o.due_date, r.reference, o.id`, org, rv.ID, since, until).
		Query(func(rows pgx.Rows) error {
			var open, overdue, done int
			var id, reviewID uuid.UUID
			var ref, desc, owner, status string
			var due time.Time
			var completed *time.Time
			_, err := pgx.ForEachRow(rows, []any{&id, &reviewID, &ref, &desc, &owner, &due, &status, &completed}, func() error {
				st := "Open, due " + due.Format("2 Jan 2006")
				switch {
				case status == "done":
					done++
					st = "Done " + completed.Format("2 Jan 2006")
				case due.Before(today):
					open++
					overdue++
					st = "Overdue since " + due.Format("2 Jan 2006")
				default:
					open++
				}
				bld.item("a", InputItem{Ref: ref, Text: desc, Note: owner, Status: st, Path: "reviews/" + reviewID.String()})
				return nil
			})
			bld.metric("a", "open", "Actions still open", open, true)
			bld.metric("a", "overdue", "Of which overdue", overdue, true)
			bld.metric("a", "done", "Actions completed in the period", done, false)
			return err
		})

	// c 1) complaints and customer feedback, final records only.
	b.Queue(`SELECT count(*) FILTER (WHERE r.kind = 'complaint' AND v.event_date > $2::date AND v.event_date <= $3::date),
		        count(*) FILTER (WHERE r.kind = 'complaint' AND r.complaint_status <> 'closed'),
		        count(*) FILTER (WHERE r.kind = 'feedback' AND v.event_date > $2::date AND v.event_date <= $3::date)
		   FROM records r JOIN record_revisions v ON v.tenant_id = r.tenant_id AND v.id = r.current_revision_id
		  WHERE r.tenant_id = $1 AND r.kind IN ('complaint', 'feedback') AND r.state = 'final'`, org, since, until).
		QueryRow(func(row pgx.Row) error {
			var inPeriod, open, feedback int
			if err := row.Scan(&inPeriod, &open, &feedback); err != nil {
				return err
			}
			bld.metric("c1", "complaints", "Complaints received in the period", inPeriod, true)
			bld.metric("c1", "complaints_open", "Complaints not yet closed", open, true)
			bld.metric("c1", "feedback", "Customer feedback records in the period", feedback, false)
			return nil
		})
	b.Queue(`SELECT r.id, r.ref, r.kind, v.title, v.customer, coalesce(v.severity, ''), coalesce(r.complaint_status, '')
		   FROM records r JOIN record_revisions v ON v.tenant_id = r.tenant_id AND v.id = r.current_revision_id
		  WHERE r.tenant_id = $1 AND r.kind IN ('complaint', 'feedback') AND r.state = 'final'
		    AND v.event_date > $2::date AND v.event_date <= $3::date
		  ORDER BY v.event_date, r.ref LIMIT 50`, org, since, until).
		Query(func(rows pgx.Rows) error {
			var id uuid.UUID
			var ref int
			var kind, title, customer, severity, status string
			_, err := pgx.ForEachRow(rows, []any{&id, &ref, &kind, &title, &customer, &severity, &status}, func() error {
				note := customer
				if kind == "complaint" {
					note += " · complaint, " + severity + " severity"
				} else {
					note += " · feedback"
				}
				bld.item("c1", InputItem{Ref: RecordNumber(ref), Text: title, Note: note, Status: status, Path: "records/" + id.String()})
				return nil
			})
			return err
		})

	// c 2) objectives met, and c 5) their latest measurements.
	b.Queue(`SELECT o.id, o.title, o.status, o.target_value, o.unit, o.direction, o.latest_value, o.latest_period,
		        (SELECT count(*) FROM objective_measurements m WHERE m.tenant_id = o.tenant_id AND m.objective_id = o.id
		            AND m.recorded_at > $2 AND m.recorded_at <= $3)
		   FROM objectives o WHERE o.tenant_id = $1 AND o.archived_at IS NULL ORDER BY lower(o.title)`, org, since, until).
		Query(func(rows pgx.Rows) error {
			var on, atRisk, off, noData, measured, measurements int
			var id uuid.UUID
			var title, status, unit, direction string
			var target float64
			var latest *float64
			var period *time.Time
			var n int
			_, err := pgx.ForEachRow(rows, []any{&id, &title, &status, &target, &unit, &direction, &latest, &period, &n}, func() error {
				switch Status(status) {
				case StatusOnTrack:
					on++
				case StatusAtRisk:
					atRisk++
				case StatusOffTrack:
					off++
				default:
					noData++
				}
				measurements += n
				targetText := "target " + Target{Value: target, Direction: Direction(direction), Unit: unit}.String()
				path := "objectives/" + id.String()
				if Status(status) != StatusOnTrack {
					bld.item("c2", InputItem{Ref: Status(status).Label(), Text: title, Note: targetText, Path: path})
				}
				if latest != nil && period != nil {
					measured++
					bld.item("c5", InputItem{Ref: period.Format("Jan 2006"), Text: title,
						Note: FormatQuantity(*latest, unit) + " (" + targetText + ")", Status: Status(status).Label(), Path: path})
				}
				return nil
			})
			bld.metric("c2", "on_track", "Objectives on track", on, false)
			bld.metric("c2", "at_risk", "Objectives at risk", atRisk, true)
			bld.metric("c2", "off_track", "Objectives off track", off, true)
			bld.metric("c2", "no_data", "Objectives without data", noData, true)
			bld.metric("c5", "measured", "Objectives with measurements", measured, false)
			bld.metric("c5", "measurements", "Measurements recorded in the period", measurements, false)
			return err
		})

	// c 3) process performance: each active process's open findings, CAPAs and objectives.
	b.Queue(`SELECT p.id, p.name,
		        (SELECT count(*) FROM findings f WHERE f.tenant_id = p.tenant_id AND f.process_id = p.id AND f.status = 'open'
		            AND f.classification IN ('major_nc', 'minor_nc')),
		        (SELECT count(*) FROM findings f WHERE f.tenant_id = p.tenant_id AND f.process_id = p.id
		            AND f.classification IN ('major_nc', 'minor_nc') AND f.raised_at > $2 AND f.raised_at <= $3),
		        (SELECT count(*) FROM capas c WHERE c.tenant_id = p.tenant_id AND c.process_id = p.id AND c.status <> 'closed'),
		        (SELECT count(*) FROM objectives o WHERE o.tenant_id = p.tenant_id AND o.process_id = p.id
		            AND o.archived_at IS NULL AND o.status = 'off_track')
		   FROM processes p WHERE p.tenant_id = $1 AND p.archived_at IS NULL ORDER BY lower(p.name)`, org, since, until).
		Query(func(rows pgx.Rows) error {
			var withNC, offTrack int
			var id uuid.UUID
			var name string
			var openNC, raised, capas, off int
			_, err := pgx.ForEachRow(rows, []any{&id, &name, &openNC, &raised, &capas, &off}, func() error {
				if openNC > 0 {
					withNC++
				}
				if off > 0 {
					offTrack++
				}
				status := "No open nonconformities"
				if openNC > 0 || off > 0 {
					status = "Needs attention"
				}
				bld.item("c3", InputItem{Ref: name, Text: fmt.Sprintf("%s open, %s in the period, %s open, %s off track",
					Plural(openNC, "nonconformity", "nonconformities"), Plural(raised, "raised", "raised"),
					Plural(capas, "CAPA", "CAPAs"), Plural(off, "objective", "objectives")), Status: status,
					Path: "processes/" + id.String()})
				return nil
			})
			bld.metric("c3", "processes_with_nc", "Processes with open nonconformities", withNC, true)
			bld.metric("c3", "processes_off_track", "Processes with an objective off track", offTrack, true)
			return err
		})

	// c 4) nonconformities and corrective action.
	b.Queue(`SELECT
		  (SELECT count(*) FROM findings WHERE tenant_id = $1 AND classification IN ('major_nc', 'minor_nc') AND raised_at > $2 AND raised_at <= $3),
		  (SELECT count(*) FROM findings WHERE tenant_id = $1 AND classification IN ('major_nc', 'minor_nc') AND closed_at > $2 AND closed_at <= $3),
		  (SELECT count(*) FROM findings WHERE tenant_id = $1 AND classification IN ('major_nc', 'minor_nc') AND status = 'open'),
		  (SELECT count(*) FROM findings WHERE tenant_id = $1 AND recurring AND raised_at > $2 AND raised_at <= $3),
		  (SELECT count(*) FROM capas WHERE tenant_id = $1 AND opened_at > $2 AND opened_at <= $3),
		  (SELECT count(*) FROM capas WHERE tenant_id = $1 AND closed_at > $2 AND closed_at <= $3),
		  (SELECT count(*) FROM capas WHERE tenant_id = $1 AND status <> 'closed'),
		  (SELECT count(*) FROM capa_actions x JOIN capas c ON c.tenant_id = x.tenant_id AND c.id = x.capa_id
		    WHERE x.tenant_id = $1 AND x.status = 'open' AND x.due_date < $4 AND c.status <> 'closed'),
		  (SELECT count(*) FROM capa_effectiveness_checks WHERE tenant_id = $1 AND result = 'effective' AND recorded_at > $2 AND recorded_at <= $3),
		  (SELECT count(*) FROM capa_effectiveness_checks WHERE tenant_id = $1 AND result = 'not_effective' AND recorded_at > $2 AND recorded_at <= $3)`,
		org, since, until, today).
		QueryRow(func(row pgx.Row) error {
			var v [10]int
			if err := row.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]); err != nil {
				return err
			}
			bld.metric("c4", "nc_raised", "Nonconformities raised in the period", v[0], true)
			bld.metric("c4", "nc_closed", "Nonconformities closed in the period", v[1], false)
			bld.metric("c4", "nc_open", "Nonconformities open", v[2], true)
			bld.metric("c4", "recurring", "Recurring findings in the period", v[3], true)
			bld.metric("c4", "capas_opened", "CAPAs opened in the period", v[4], true)
			bld.metric("c4", "capas_closed", "CAPAs closed in the period", v[5], false)
			bld.metric("c4", "capas_open", "CAPAs open", v[6], true)
			bld.metric("c4", "overdue_actions", "Overdue CAPA actions", v[7], true)
			bld.metric("c4", "checks_effective", "Effectiveness checks: effective", v[8], false)
			bld.metric("c4", "checks_not_effective", "Effectiveness checks: not effective", v[9], true)
			return nil
		})
	b.Queue(`SELECT f.id, f.reference, f.classification, f.statement, f.status, f.recurring
		   FROM findings f WHERE f.tenant_id = $1 AND f.classification IN ('major_nc', 'minor_nc')
		    AND (f.status = 'open' OR f.closed_at > $2) AND f.raised_at <= $3
		  ORDER BY f.year, f.seq LIMIT 50`, org, since, until).
		Query(func(rows pgx.Rows) error {
			var id uuid.UUID
			var ref, class, statement, status string
			var recurring bool
			_, err := pgx.ForEachRow(rows, []any{&id, &ref, &class, &statement, &status, &recurring}, func() error {
				note := Classification(class).Short()
				if recurring {
					note += " · recurring"
				}
				bld.item("c4", InputItem{Ref: ref, Text: excerpt(statement, 160), Note: note,
					Status: FindingStatus(status).Label(), Path: "findings/" + id.String()})
				return nil
			})
			return err
		})

	// c 6) audit results: audits reported in the period and their findings.
	b.Queue(`SELECT au.id, au.reference, au.title, au.reported_at,
		        count(f.id) FILTER (WHERE f.classification = 'major_nc'), count(f.id) FILTER (WHERE f.classification = 'minor_nc'),
		        count(f.id) FILTER (WHERE f.classification = 'observation'), count(f.id) FILTER (WHERE f.classification = 'ofi')
		   FROM audits au LEFT JOIN findings f ON f.tenant_id = au.tenant_id AND f.audit_id = au.id
		  WHERE au.tenant_id = $1 AND au.reported_at > $2 AND au.reported_at <= $3
		  GROUP BY au.id, au.reference, au.title, au.reported_at ORDER BY au.reported_at, au.reference`, org, since, until).
		Query(func(rows pgx.Rows) error {
			var audits, major, minor int
			var id uuid.UUID
			var ref, title string
			var reported time.Time
			var ma, mi, ob, of int
			_, err := pgx.ForEachRow(rows, []any{&id, &ref, &title, &reported, &ma, &mi, &ob, &of}, func() error {
				audits++
				major += ma
				minor += mi
				bld.item("c6", InputItem{Ref: ref, Text: title, Note: fmt.Sprintf("%d major, %d minor, %d observations, %d OFIs", ma, mi, ob, of),
					Status: "Reported " + reported.Format("2 Jan 2006"), Path: "audits/" + id.String()})
				return nil
			})
			bld.metric("c6", "audits", "Audits reported in the period", audits, false)
			bld.metric("c6", "major", "Major nonconformities from them", major, true)
			bld.metric("c6", "minor", "Minor nonconformities from them", minor, true)
			return err
		})
	b.Queue(`SELECT count(*) FROM audits WHERE tenant_id = $1 AND status = 'planned' AND planned_start > $2::date`, org, until).
		QueryRow(func(row pgx.Row) error {
			var n int
			if err := row.Scan(&n); err != nil {
				return err
			}
			bld.metric("c6", "planned", "Audits planned ahead", n, false)
			return nil
		})

	// c 7) external providers: evaluations in the period and approval status.
	b.Queue(`SELECT s.id, s.name, v.score, v.event_date, s.approval_status
		   FROM records r JOIN record_revisions v ON v.tenant_id = r.tenant_id AND v.id = r.current_revision_id
		   JOIN suppliers s ON s.tenant_id = v.tenant_id AND s.id = v.supplier_id
		  WHERE r.tenant_id = $1 AND r.kind = 'supplier_evaluation' AND r.state = 'final'
		    AND v.event_date > $2::date AND v.event_date <= $3::date
		  ORDER BY v.event_date, s.name`, org, since, until).
		Query(func(rows pgx.Rows) error {
			var n, total, low int
			var id uuid.UUID
			var name, approval string
			var score int
			var on time.Time
			_, err := pgx.ForEachRow(rows, []any{&id, &name, &score, &on, &approval}, func() error {
				n++
				total += score
				if score < 60 {
					low++
				}
				bld.item("c7", InputItem{Ref: name, Text: "Evaluated " + on.Format("2 Jan 2006"), Note: "Score " + strconv.Itoa(score) + "/100",
					Status: approval, Path: "suppliers/" + id.String()})
				return nil
			})
			avg := 0
			if n > 0 {
				avg = (total + n/2) / n
			}
			bld.metric("c7", "evaluations", "Supplier evaluations in the period", n, false)
			bld.metric("c7", "average_score", "Average evaluation score", avg, false)
			bld.metric("c7", "low_scores", "Evaluations scoring below 60", low, true)
			return err
		})
	b.Queue(`SELECT count(*) FILTER (WHERE approval_status = 'approved'), count(*) FILTER (WHERE approval_status = 'conditional'),
		        count(*) FILTER (WHERE approval_status = 'not_approved')
		   FROM suppliers WHERE tenant_id = $1 AND archived_at IS NULL`, org).
		QueryRow(func(row pgx.Row) error {
			var ok, cond, not int
			if err := row.Scan(&ok, &cond, &not); err != nil {
				return err
			}
			bld.metric("c7", "approved", "Suppliers approved", ok, false)
			bld.metric("c7", "conditional", "Suppliers approved with conditions", cond, true)
			bld.metric("c7", "not_approved", "Suppliers not approved", not, true)
			return nil
		})

	// e) risks and opportunities: each active risk's band now against its band at Since.
	b.Queue(`SELECT r.id, r.ref, r.title, r.exposure_band,
		        (SELECT h.new_band FROM risk_exposure_history h WHERE h.tenant_id = r.tenant_id AND h.risk_id = r.id AND h.at <= $2
		          ORDER BY h.at DESC LIMIT 1),
		        r.created_at
		   FROM risks r WHERE r.tenant_id = $1 AND r.status = 'active' ORDER BY r.ref`, org, since).
		Query(func(rows pgx.Rows) error {
			var up, down, added, highOrCritical int
			var id uuid.UUID
			var ref int
			var title, band string
			var then *string
			var created time.Time
			_, err := pgx.ForEachRow(rows, []any{&id, &ref, &title, &band, &then, &created}, func() error {
				if bandRank(band) >= 3 {
					highOrCritical++
				}
				item := InputItem{Ref: fmt.Sprintf("RSK-%03d", ref), Text: title, Path: "risks/" + id.String()}
				switch {
				case then == nil && created.After(since):
					added++
					item.Note, item.Status = "New, "+band, "New"
				case then == nil:
					return nil
				case bandRank(band) > bandRank(*then):
					up++
					item.Note, item.Status = *then+" → "+band, "Up"
				case bandRank(band) < bandRank(*then):
					down++
					item.Note, item.Status = *then+" → "+band, "Down"
				default:
					return nil
				}
				bld.item("e", item)
				return nil
			})
			bld.metric("e", "up", "Risks up a band since the last review", up, true)
			bld.metric("e", "down", "Risks down a band since the last review", down, false)
			bld.metric("e", "new", "Risks added", added, false)
			bld.metric("e", "high", "Risks high or critical now", highOrCritical, true)
			return err
		})

	// f) opportunities for improvement.
	b.Queue(`SELECT f.id, f.reference, f.statement, f.status, f.raised_at > $2, f.source
		   FROM findings f WHERE f.tenant_id = $1 AND f.classification = 'ofi' AND f.raised_at <= $3
		    AND (f.status = 'open' OR f.raised_at > $2)
		  ORDER BY f.year, f.seq`, org, since, until).
		Query(func(rows pgx.Rows) error {
			var raised, open int
			var id uuid.UUID
			var ref, statement, status, source string
			var inPeriod bool
			_, err := pgx.ForEachRow(rows, []any{&id, &ref, &statement, &status, &inPeriod, &source}, func() error {
				if inPeriod {
					raised++
				}
				if status == string(FindingOpen) {
					open++
				}
				bld.item("f", InputItem{Ref: ref, Text: excerpt(statement, 160), Note: FindingSource(source).Label(),
					Status: FindingStatus(status).Label(), Path: "findings/" + id.String()})
				return nil
			})
			bld.metric("f", "raised", "Opportunities raised in the period", raised, false)
			bld.metric("f", "open", "Opportunities open", open, false)
			return err
		})

	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return ReviewInputs{}, err
	}
	bld.section("b").Text = rv.IssuesChanges
	bld.section("d").Text = rv.Resources
	for _, k := range ReviewInputKeys {
		s := bld.section(k.Key)
		s.Clause, s.Title = k.Clause, k.Title
		out.Sections = append(out.Sections, *s)
	}
	return out, nil
}

// excerpt shortens text to about n characters at a word boundary.
func excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := n
	for cut > n/2 && r[cut] != ' ' {
		cut--
	}
	return string(r[:cut]) + "…"
}
