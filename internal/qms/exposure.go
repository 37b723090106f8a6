package qms

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The exposure rule. A risk's current exposure is its residual score (residual likelihood ×
// residual severity) plus the weight of every signal of what is happening now on it or its
// process, capped at 25, and banded low / medium / high / critical. It is stored on the risk
// and recomputed in the transaction of every change that moves a signal, with a history row
// that keeps the reasons.

// Exposure bands.
const (
	BandLow      = "low"
	BandMedium   = "medium"
	BandHigh     = "high"
	BandCritical = "critical"
)

// ExposureBands lists the bands from lowest to highest.
var ExposureBands = []string{BandLow, BandMedium, BandHigh, BandCritical}

// MaxExposure is the highest exposure score: a 5 × 5 risk, or signals on top of less.
const MaxExposure = 25

// ExposureBandOf bands an exposure score: low 1–4, medium 5–9, high 10–16, critical 17–25.
func ExposureBandOf(score int) string {
	switch {
	case score >= 17:
		return BandCritical
	case score >= 10:
		return BandHigh
	case score >= 5:
		return BandMedium
	}
	return BandLow
}

// BandRank orders bands: low 0 … critical 3; an unknown band is -1.
func BandRank(band string) int {
	for i, b := range ExposureBands {
		if b == band {
			return i
		}
	}
	return -1
}

// BandLabel is the band as people say it.
func BandLabel(band string) string {
	switch band {
	case BandLow:
		return "Low"
	case BandMedium:
		return "Medium"
	case BandHigh:
		return "High"
	case BandCritical:
		return "Critical"
	}
	return band
}

// ValidBand reports whether band is one of ExposureBands.
func ValidBand(band string) bool { return BandRank(band) >= 0 }

// Exposure signals, as exposure_weights names them.
const (
	SignalMajorNC       = "major_nc"
	SignalMinorNC       = "minor_nc"
	SignalObservation   = "observation"
	SignalRecurrence    = "recurrence"
	SignalFailedCheck   = "failed_check"
	SignalOverdueAction = "overdue_action"
	SignalComplaint     = "complaint"
	SignalIncident      = "incident"
)

// ExposureSignals lists every signal, in the order the weights page shows them.
var ExposureSignals = []string{SignalMajorNC, SignalMinorNC, SignalObservation, SignalRecurrence,
	SignalFailedCheck, SignalOverdueAction, SignalComplaint, SignalIncident}

// SignalLabel names a signal.
func SignalLabel(signal string) string {
	switch signal {
	case SignalMajorNC:
		return "Open major nonconformity"
	case SignalMinorNC:
		return "Open minor nonconformity"
	case SignalObservation:
		return "Open observation"
	case SignalRecurrence:
		return "Recurring nonconformity"
	case SignalFailedCheck:
		return "Failed effectiveness check (12 months)"
	case SignalOverdueAction:
		return "Overdue corrective action"
	case SignalComplaint:
		return "Customer complaint (90 days)"
	case SignalIncident:
		return "Incident (90 days)"
	}
	return signal
}

// ExposureReason is one signal behind a risk's exposure: what it is, what it adds, and its
// source (kind, id, label and the path of its page inside the organisation).
type ExposureReason struct {
	Signal     string    `json:"signal"`
	Weight     int       `json:"weight"`
	SourceKind string    `json:"source_kind"`
	SourceID   uuid.UUID `json:"source_id"`
	Label      string    `json:"label"`
	Path       string    `json:"path"`
}

// SignalLabel names the reason's signal.
func (r ExposureReason) SignalLabel() string { return SignalLabel(r.Signal) }

// ExposureScore is the exposure rule as arithmetic: the residual score plus the weights of
// the reasons, at least 1 and at most 25.
func ExposureScore(residualLikelihood, residualSeverity int, reasons []ExposureReason) int {
	score := residualLikelihood * residualSeverity
	for _, r := range reasons {
		score += r.Weight
	}
	return min(MaxExposure, max(1, score))
}

// exposureWeights reads the organisation's weights by signal.
func exposureWeights(ctx context.Context, tx pgx.Tx, org uuid.UUID) (map[string]int, error) {
	rows, err := tx.Query(ctx, `SELECT signal, weight FROM exposure_weights WHERE tenant_id = $1`, org)
	if err != nil {
		return nil, err
	}
	w := map[string]int{}
	var sig string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&sig, &n}, func() error { w[sig] = n; return nil })
	return w, err
}

// exposureSignalSQL lists the signals of the active risks in $2 (ids) as of day $3 and moment
// $4 (the service clock): one row per signal and source. Everything is read as it stood at
// that moment, so a re-score with the clock set back (the demo's history) sees then, not now. A finding counts when it is open and linked to the risk or on its
// process; a recurring one counts twice (its classification and the recurrence). Signals are
// threats: an opportunity's exposure stays its residual score.
const exposureSignalSQL = `
WITH r AS (
    SELECT id, process_id FROM risks WHERE tenant_id = $1 AND id = ANY($2) AND kind = 'risk'
), f AS (
    SELECT DISTINCT r.id AS risk_id, f.id, f.reference, f.classification, f.recurring, f.raised_at
      FROM r JOIN findings f ON f.tenant_id = $1 AND f.raised_at <= $4 AND (f.status = 'open' OR f.closed_at > $4)
       AND (f.process_id = r.process_id
            OR EXISTS (SELECT 1 FROM risk_findings rf WHERE rf.tenant_id = $1 AND rf.risk_id = r.id AND rf.finding_id = f.id))
)
SELECT risk_id, f.classification::text, 'finding', id, reference, 'findings/' || id::text, raised_at
  FROM f WHERE f.classification IN ('major_nc', 'minor_nc', 'observation')
UNION ALL
SELECT risk_id, 'recurrence', 'finding', id, reference || ' recurs', 'findings/' || id::text, raised_at
  FROM f WHERE f.recurring
UNION ALL
SELECT DISTINCT ON (f.risk_id, x.id) f.risk_id, 'overdue_action', 'capa', c.id,
       c.reference || ': action due ' || to_char(x.due_date, 'YYYY-MM-DD'), 'capas/' || c.id::text, x.due_date::timestamptz
  FROM f JOIN capa_findings cf ON cf.tenant_id = $1 AND cf.finding_id = f.id
  JOIN capas c ON c.tenant_id = $1 AND c.id = cf.capa_id AND (c.status <> 'closed' OR c.closed_at > $4)
  JOIN capa_actions x ON x.tenant_id = $1 AND x.capa_id = c.id AND x.due_date < $3::date
   AND (x.status = 'open' OR (x.status = 'done' AND x.completed_at > $4))
UNION ALL
SELECT r.id, 'failed_check', 'capa', c.id, c.reference || ': effectiveness check failed', 'capas/' || c.id::text, k.recorded_at
  FROM r JOIN capas c ON c.tenant_id = $1 AND c.process_id = r.process_id
  JOIN capa_effectiveness_checks k ON k.tenant_id = $1 AND k.capa_id = c.id AND k.result = 'not_effective'
   AND k.recorded_at >= ($3::date - interval '12 months') AND k.recorded_at <= $4
UNION ALL
SELECT r.id, rec.kind, 'record', rec.id, 'R-' || lpad(rec.ref::text, 5, '0') || ' ' || v.title, 'records/' || rec.id::text,
       v.event_date::timestamptz
  FROM r JOIN record_revisions v ON v.tenant_id = $1 AND v.process_id = r.process_id
  JOIN records rec ON rec.tenant_id = $1 AND rec.current_revision_id = v.id
 WHERE rec.kind IN ('complaint', 'incident') AND rec.state = 'final' AND rec.finalised_at <= $4
   AND v.event_date > $3::date - 90 AND v.event_date <= $3::date
ORDER BY 1, 7, 4`

// exposureReasons gathers the current signals of the given risks, weighted.
func exposureReasons(ctx context.Context, tx pgx.Tx, org uuid.UUID, now time.Time, riskIDs []uuid.UUID) (map[uuid.UUID][]ExposureReason, error) {
	out := map[uuid.UUID][]ExposureReason{}
	if len(riskIDs) == 0 {
		return out, nil
	}
	weights, err := exposureWeights(ctx, tx, org)
	if err != nil {
		return nil, err
	}
	y, m, d := now.UTC().Date()
	rows, err := tx.Query(ctx, exposureSignalSQL, org, riskIDs, time.Date(y, m, d, 0, 0, 0, 0, time.UTC), now)
	if err != nil {
		return nil, err
	}
	var riskID uuid.UUID
	var r ExposureReason
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&riskID, &r.Signal, &r.SourceKind, &r.SourceID, &r.Label, &r.Path, &at}, func() error {
		r.Weight = weights[r.Signal]
		out[riskID] = append(out[riskID], r)
		return nil
	})
	return out, err
}

// RiskExposureChange is a re-score that moved a risk: what its exposure was, what it is now,
// and why.
type RiskExposureChange struct {
	RiskID             uuid.UUID
	Ref                int
	Title              string
	ProcessID          uuid.UUID
	OwnerID            uuid.UUID
	OldScore, NewScore int
	OldBand, NewBand   string
	Reasons            []ExposureReason
}

// Rose reports whether the risk moved into a higher band.
func (c RiskExposureChange) Rose() bool { return BandRank(c.NewBand) > BandRank(c.OldBand) }

// ExposureSystemName is who the trail names for what the exposure rule does by itself (flag
// documents when a risk rises a band).
const ExposureSystemName = "Risk exposure"

// rescoreExposure re-scores the active risks of the given processes inside tx, the
// transaction of the change that may move them, and stores each change with cause and its
// reasons. Every use case that moves a signal (a finding raised or closed, an effectiveness
// check recorded, a CAPA action overdue, a complaint or incident recorded, a risk
// re-assessed) calls it before committing.
//
// A risk that rises into a higher band flags the controlled documents linked to it for
// review; the audit programme and the owner's home read the bands themselves.
func (s *Service) rescoreExposure(ctx context.Context, tx pgx.Tx, org uuid.UUID, processIDs []uuid.UUID, cause string) error {
	if len(processIDs) == 0 {
		return nil
	}
	// The risks of those processes, and risks elsewhere linked to one of their findings.
	rows, err := tx.Query(ctx, `SELECT id FROM risks WHERE tenant_id = $1 AND status = 'active'
		AND (process_id = ANY($2) OR id IN (SELECT rf.risk_id FROM risk_findings rf
		     JOIN findings f ON f.tenant_id = rf.tenant_id AND f.id = rf.finding_id
		     WHERE rf.tenant_id = $1 AND f.process_id = ANY($2)))
		ORDER BY ref FOR UPDATE`, org, processIDs)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	_, err = s.rescoreRisks(ctx, tx, org, ids, cause)
	return err
}

// rescoreRisks applies the exposure rule to the given risks and returns those whose score
// changed.
func (s *Service) rescoreRisks(ctx context.Context, tx pgx.Tx, org uuid.UUID, ids []uuid.UUID, cause string) ([]RiskExposureChange, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cause = clean(cause)
	if cause == "" {
		cause = "Re-scored"
	}
	if n := []rune(cause); len(n) > 500 {
		cause = string(n[:500])
	}
	reasons, err := exposureReasons(ctx, tx, org, s.now(), ids)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT id, ref, title, process_id, owner_id, residual_likelihood, residual_severity, exposure, exposure_band
		FROM risks WHERE tenant_id = $1 AND id = ANY($2) AND status = 'active' ORDER BY ref`, org, ids)
	if err != nil {
		return nil, err
	}
	type cur struct {
		c    RiskExposureChange
		l, s int
	}
	var all []cur
	var x cur
	if _, err := pgx.ForEachRow(rows, []any{&x.c.RiskID, &x.c.Ref, &x.c.Title, &x.c.ProcessID, &x.c.OwnerID, &x.l, &x.s,
		&x.c.OldScore, &x.c.OldBand}, func() error {
		all = append(all, x)
		return nil
	}); err != nil {
		return nil, err
	}
	now := s.now()
	var changed []RiskExposureChange
	for _, r := range all {
		c := r.c
		c.Reasons = reasons[c.RiskID]
		if c.Reasons == nil {
			c.Reasons = []ExposureReason{}
		}
		c.NewScore = ExposureScore(r.l, r.s, c.Reasons)
		c.NewBand = ExposureBandOf(c.NewScore)
		if c.NewScore == c.OldScore && c.NewBand == c.OldBand {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE risks SET exposure = $3, exposure_band = $4, exposure_updated_at = $5
			WHERE tenant_id = $1 AND id = $2`, org, c.RiskID, c.NewScore, c.NewBand, now); err != nil {
			return nil, err
		}
		if err := insertExposureHistory(ctx, tx, org, now, c.RiskID, &c.OldScore, &c.OldBand, c.NewScore, c.NewBand, cause, c.Reasons); err != nil {
			return nil, err
		}
		if c.Rose() {
			if err := s.exposureRose(ctx, tx, org, now, c, cause); err != nil {
				return nil, err
			}
		}
		changed = append(changed, c)
	}
	return changed, nil
}

func insertExposureHistory(ctx context.Context, tx pgx.Tx, org uuid.UUID, at time.Time, riskID uuid.UUID, oldScore *int, oldBand *string,
	newScore int, newBand, cause string, reasons []ExposureReason) error {
	js, err := json.Marshal(reasons)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO risk_exposure_history (tenant_id, risk_id, at, old_score, new_score, old_band, new_band, cause, reasons)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, org, riskID, at, oldScore, newScore, oldBand, newBand, cause, js)
	return err
}

// RiskRef is a risk's number as people read it: RSK-014.
func RiskRef(ref int) string { return fmt.Sprintf("RSK-%03d", ref) }

// exposureRose is what a risk rising a band sets off at once: each controlled document
// linked to it is flagged for review, saying why.
func (s *Service) exposureRose(ctx context.Context, tx pgx.Tx, org uuid.UUID, now time.Time, c RiskExposureChange, cause string) error {
	rows, err := tx.Query(ctx, `SELECT rd.document_id FROM risk_documents rd JOIN documents d ON d.tenant_id = rd.tenant_id AND d.id = rd.document_id
		WHERE rd.tenant_id = $1 AND rd.risk_id = $2 AND d.obsoleted_at IS NULL ORDER BY d.id`, org, c.RiskID)
	if err != nil {
		return err
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	if len(docs) == 0 {
		return nil
	}
	a := SystemActor(Organisation{ID: org}, ExposureSystemName)
	reason := RiskRef(c.Ref) + " " + c.Title + ": risk exposure rose from " + c.OldBand + " to " + c.NewBand +
		" because " + becauseOf(cause, c.Reasons) + " Exposure " + strconv.Itoa(c.OldScore) + " → " + strconv.Itoa(c.NewScore) + "."
	if r := []rune(reason); len(r) > 2000 {
		reason = string(r[:1999]) + "…"
	}
	id := c.RiskID
	src := FlagSource{Type: "risk", ID: &id, Label: RiskRef(c.Ref), Path: "risks/" + c.RiskID.String()}
	for _, d := range docs {
		if _, _, err := raiseReviewFlag(ctx, tx, a, now, d, reason, src); err != nil {
			return err
		}
	}
	return nil
}

// becauseOf says why in words: the cause, and the heaviest signals.
func becauseOf(cause string, reasons []ExposureReason) string {
	sorted := append([]ExposureReason(nil), reasons...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Weight > sorted[j].Weight })
	out := cause
	for i, r := range sorted {
		if i == 3 {
			out += "; and " + Plural(len(sorted)-3, "more signal", "more signals")
			break
		}
		out += "; " + SignalLabel(r.Signal) + " " + r.Label + " (+" + strconv.Itoa(r.Weight) + ")"
	}
	return out + "."
}

// recordFinalised re-scores the risks of a complaint's or incident's process when the record
// becomes final evidence (drafts do not count).
func (s *Service) recordFinalised(ctx context.Context, tx pgx.Tx, org, recordID uuid.UUID) error {
	signal, err := recordSignalOf(ctx, tx, org, recordID)
	if err != nil || !signal.counts() || signal.processID == nil {
		return err
	}
	return s.rescoreExposure(ctx, tx, org, []uuid.UUID{*signal.processID}, signal.label()+" finalised")
}

// recordSignal is what exposure needs of a record: its kind (only complaints and incidents
// count), its number and the process its current revision is on.
type recordSignal struct {
	kind      string
	ref       int
	processID *uuid.UUID
}

func (r recordSignal) counts() bool { return r.kind == "complaint" || r.kind == "incident" }

func (r recordSignal) label() string { return "Record " + RecordNumber(r.ref) + " (" + r.kind + ")" }

func recordSignalOf(ctx context.Context, tx pgx.Tx, org, recordID uuid.UUID) (recordSignal, error) {
	var r recordSignal
	err := tx.QueryRow(ctx, `SELECT r.kind, r.ref, v.process_id FROM records r
		JOIN record_revisions v ON v.tenant_id = r.tenant_id AND v.id = r.current_revision_id
		WHERE r.tenant_id = $1 AND r.id = $2`, org, recordID).Scan(&r.kind, &r.ref, &r.processID)
	return r, err
}

// recordCorrected re-scores after a finalised complaint or incident is corrected: its process
// or its date may have changed, so the risks of the process it was on and of the one it is on
// now are both looked at again.
func (s *Service) recordCorrected(ctx context.Context, tx pgx.Tx, org, recordID uuid.UUID, wasOn *uuid.UUID) error {
	signal, err := recordSignalOf(ctx, tx, org, recordID)
	if err != nil || !signal.counts() {
		return err
	}
	var processes []uuid.UUID
	for _, p := range []*uuid.UUID{wasOn, signal.processID} {
		if p != nil && !slices.Contains(processes, *p) {
			processes = append(processes, *p)
		}
	}
	if len(processes) == 0 {
		return nil
	}
	return s.rescoreExposure(ctx, tx, org, processes, signal.label()+" corrected")
}
