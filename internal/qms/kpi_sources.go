package qms

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ComputedSource computes an objective's value for a period from data Plumbline holds, so
// the value needs no one to count it. Areas register their sources from an init function
// (registerSource); an objective names one by Key instead of "manual".
type ComputedSource struct {
	Key   string
	Label string
	// Unit is the unit its values are in, suggested for the objective.
	Unit string
	// Description says exactly what is counted, for the objective's page.
	Description string
	// Compute returns the value for the period [From, To) inside the caller's transaction,
	// or ok=false when there is nothing to compute it from (which is "no data", not zero).
	Compute func(ctx context.Context, tx pgx.Tx, p SourcePeriod) (value float64, ok bool, err error)
}

// SourcePeriod is what a computed source is asked about: one period of one objective.
type SourcePeriod struct {
	OrgID       uuid.UUID
	ObjectiveID uuid.UUID
	ProcessID   uuid.UUID
	SiteID      *uuid.UUID
	From, To    time.Time // the period's first day, and the first day after it
}

var computedSources []ComputedSource

// registerSource adds a computed source. Keys are stored on objectives, so they never change.
func registerSource(src ComputedSource) {
	if _, taken := computedSource(src.Key); taken || src.Key == SourceManual {
		panic("qms: computed source " + src.Key + " registered twice")
	}
	computedSources = append(computedSources, src)
}

// ComputedSources lists the registered sources in the order they were registered.
func ComputedSources() []ComputedSource { return append([]ComputedSource(nil), computedSources...) }

func computedSource(key string) (ComputedSource, bool) {
	for _, s := range computedSources {
		if s.Key == key {
			return s, true
		}
	}
	return ComputedSource{}, false
}

// SourceObjectivesOnTrack is the share of the organisation's other objectives that were on
// track at the end of a period.
const SourceObjectivesOnTrack = "objectives_on_track"

func init() {
	registerSource(ComputedSource{
		Key:   SourceObjectivesOnTrack,
		Label: "Quality objectives on track",
		Unit:  "%",
		Description: "The share of the organisation's other objectives that were on track at the end of the period, " +
			"among those with a value by then: each judged by the status rule on its values for periods that began " +
			"before the period ended, against its current target. Objectives archived before the period ended, and " +
			"other objectives computed this way, are left out.",
		Compute: objectivesOnTrack,
	})
}

func objectivesOnTrack(ctx context.Context, tx pgx.Tx, p SourcePeriod) (float64, bool, error) {
	rows, err := tx.Query(ctx, `
		SELECT id, target_value, direction, tolerance, unit, frequency FROM objectives
		 WHERE tenant_id = $1 AND id <> $2 AND source <> $3
		   AND (archived_at IS NULL OR archived_at >= $4)`, p.OrgID, p.ObjectiveID, SourceObjectivesOnTrack, p.To)
	if err != nil {
		return 0, false, err
	}
	type judged struct {
		id uuid.UUID
		t  Target
		f  Frequency
	}
	others, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (judged, error) {
		var j judged
		return j, r.Scan(&j.id, &j.t.Value, &j.t.Direction, &j.t.Tolerance, &j.t.Unit, &j.f)
	})
	if err != nil {
		return 0, false, err
	}
	var withData, onTrack int
	for _, o := range others {
		history, err := latestValues(ctx, tx, p.OrgID, o.id, &p.To, 3)
		if err != nil {
			return 0, false, err
		}
		switch AssessStatus(o.t, o.f, history).Status {
		case StatusNoData:
			continue
		case StatusOnTrack:
			onTrack++
		}
		withData++
	}
	if withData == 0 {
		return 0, false, nil
	}
	return math.Round(1000*float64(onTrack)/float64(withData)) / 10, true, nil
}

// ComputeResult says what ComputeMeasurements did.
type ComputeResult struct {
	Added, Changed, Unchanged int
	// NoData are the periods the source had nothing to compute from.
	NoData []time.Time
}

// ComputeMeasurements (re)computes a computed objective's value for every period that has
// ended since it started. A value that differs from the stored one replaces it, and the trail
// keeps the earlier one.
func (s *Service) ComputeMeasurements(ctx context.Context, a Actor, objectiveID uuid.UUID) (ComputeResult, error) {
	var res ComputeResult
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		o, err := getObjective(ctx, tx, a.OrgID, objectiveID, true)
		if err != nil {
			return err
		}
		if err := mayRecord(a, o); err != nil {
			return err
		}
		if err := acceptsValues(o, OriginComputed); err != nil {
			return err
		}
		src, ok := computedSource(o.Source)
		if !ok {
			return conflict("This objective's values are entered by people, not computed.")
		}
		now := s.now()
		current := o.Frequency.PeriodOf(now)
		for p := o.Frequency.PeriodOf(o.StartDate); p.Before(current); p = o.Frequency.Next(p) {
			value, ok, err := src.Compute(ctx, tx, SourcePeriod{
				OrgID: a.OrgID, ObjectiveID: o.ID, ProcessID: o.ProcessID, SiteID: o.SiteID, From: p, To: o.Frequency.Next(p),
			})
			if err != nil {
				return fmt.Errorf("computing %s for %s: %w", src.Key, o.Frequency.PeriodLabel(p), err)
			}
			if !ok {
				res.NoData = append(res.NoData, p)
				continue
			}
			existing, err := measurementFor(ctx, tx, a.OrgID, o.ID, p)
			if err != nil {
				return err
			}
			label := o.Frequency.PeriodLabel(p)
			switch {
			case existing == nil:
				m, err := insertMeasurement(ctx, tx, a, o, p, value, "Computed: "+src.Label, OriginComputed, nil, now)
				if err != nil {
					return err
				}
				res.Added++
				if err := s.afterMeasurement(ctx, tx, a, o, "objective.measurement_compute",
					"Computed "+label+" for "+o.Title+": "+FormatQuantity(value, o.Unit), nil, entryOf(o, m, ""), m.ID); err != nil {
					return err
				}
			case FormatNumber(existing.Value) != FormatNumber(value):
				rows, err := tx.Query(ctx, `
					UPDATE objective_measurements SET value = $4, corrected_by_name = $5, corrected_at = $6,
					       version = version + 1, updated_at = now()
					 WHERE tenant_id = $1 AND objective_id = $2 AND id = $3 RETURNING `+measurementColumns,
					a.OrgID, o.ID, existing.ID, value, a.Name, now)
				if err != nil {
					return err
				}
				m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Measurement])
				if err != nil {
					return err
				}
				res.Changed++
				reason := "the data it is computed from changed"
				if err := s.afterMeasurement(ctx, tx, a, o, "objective.measurement_recompute",
					"Recomputed "+label+" of "+o.Title+" from "+FormatQuantity(existing.Value, o.Unit)+" to "+FormatQuantity(value, o.Unit)+": "+reason,
					entryOf(o, *existing, ""), entryOf(o, m, reason), m.ID); err != nil {
					return err
				}
			default:
				res.Unchanged++
				continue
			}
			if err := tx.QueryRow(ctx, `SELECT status FROM objectives WHERE tenant_id = $1 AND id = $2`, a.OrgID, o.ID).Scan(&o.Status); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}
