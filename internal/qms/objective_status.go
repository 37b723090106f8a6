package qms

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Direction says which way an objective's target points.
type Direction string

const (
	AtLeast Direction = "at_least" // higher is better: on-time delivery ≥ 95 %
	AtMost  Direction = "at_most"  // lower is better: scrap rate ≤ 1.5 %
)

// Directions lists both, for pickers.
var Directions = []Direction{AtLeast, AtMost}

func (d Direction) Valid() bool { return d == AtLeast || d == AtMost }

// Label is the direction as people say it.
func (d Direction) Label() string {
	if d == AtMost {
		return "at most"
	}
	return "at least"
}

// Symbol is the direction as a comparison sign.
func (d Direction) Symbol() string {
	if d == AtMost {
		return "≤"
	}
	return "≥"
}

// Frequency is how often an objective is measured; it also fixes the objective's periods.
type Frequency string

const (
	Monthly    Frequency = "monthly"
	Quarterly  Frequency = "quarterly"
	HalfYearly Frequency = "half_yearly"
	Yearly     Frequency = "yearly"
)

// Frequencies lists them, most frequent first, for pickers.
var Frequencies = []Frequency{Monthly, Quarterly, HalfYearly, Yearly}

func (f Frequency) Valid() bool { return f.months() > 0 }

func (f Frequency) months() int {
	switch f {
	case Monthly:
		return 1
	case Quarterly:
		return 3
	case HalfYearly:
		return 6
	case Yearly:
		return 12
	}
	return 0
}

// Label is the frequency as people say it.
func (f Frequency) Label() string {
	switch f {
	case Monthly:
		return "Monthly"
	case Quarterly:
		return "Quarterly"
	case HalfYearly:
		return "Half-yearly"
	case Yearly:
		return "Yearly"
	}
	return string(f)
}

// PeriodOf returns the first day of the period that contains t. Periods are calendar months,
// quarters, halves and years, so every organisation's "Q3" is the same three months.
func (f Frequency) PeriodOf(t time.Time) time.Time {
	t = t.UTC()
	n := f.months()
	if n == 0 {
		n = 1
	}
	m := (int(t.Month())-1)/n*n + 1
	return time.Date(t.Year(), time.Month(m), 1, 0, 0, 0, 0, time.UTC)
}

// Next returns the first day of the period after the one starting at p.
func (f Frequency) Next(p time.Time) time.Time { return p.AddDate(0, f.months(), 0) }

// PeriodLabel names the period starting at p for people: "Nov 2026", "Q3 2026", "H2 2026",
// "2026".
func (f Frequency) PeriodLabel(p time.Time) string {
	switch f {
	case Quarterly:
		return "Q" + strconv.Itoa((int(p.Month())-1)/3+1) + " " + strconv.Itoa(p.Year())
	case HalfYearly:
		return "H" + strconv.Itoa((int(p.Month())-1)/6+1) + " " + strconv.Itoa(p.Year())
	case Yearly:
		return strconv.Itoa(p.Year())
	}
	return p.Format("Jan 2006")
}

// PeriodCode names the period starting at p the way forms and CSV files write it: "2026-11",
// "2026-Q3", "2026-H2", "2026". ParsePeriod reads it back.
func (f Frequency) PeriodCode(p time.Time) string {
	switch f {
	case Quarterly:
		return strconv.Itoa(p.Year()) + "-Q" + strconv.Itoa((int(p.Month())-1)/3+1)
	case HalfYearly:
		return strconv.Itoa(p.Year()) + "-H" + strconv.Itoa((int(p.Month())-1)/6+1)
	case Yearly:
		return strconv.Itoa(p.Year())
	}
	return p.Format("2006-01")
}

// PeriodExample is what PeriodCode looks like, for hints and messages.
func (f Frequency) PeriodExample() string {
	switch f {
	case Quarterly:
		return "2026-Q3"
	case HalfYearly:
		return "2026-H2"
	case Yearly:
		return "2026"
	}
	return "2026-11"
}

var errPeriod = errors.New("not a period")

// ParsePeriod reads a period as people and spreadsheets write it and returns the first day of
// the period of f that contains it. It accepts the period codes (2026-11, 2026-Q3, 2026-H2,
// 2026), a date (2026-11-15), and a month by name (Nov 2026, November 2026, Nov-26, which is
// what a spreadsheet makes of 2026-11). A period coarser than f (a quarter for a monthly
// objective) does not name one period of f and is refused.
func (f Frequency) ParsePeriod(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || !f.Valid() {
		return time.Time{}, errPeriod
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return f.PeriodOf(t), nil
	}
	for _, layout := range []string{"2006-01", "2006-1", "Jan 2006", "January 2006", "Jan-2006", "Jan-06", "January-2006"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 1900 {
			return f.PeriodOf(t), nil
		}
	}
	upper := strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	var year, part, months int
	switch {
	case len(upper) == 4:
		months = 12
	case len(upper) == 7 && upper[4] == '-' && (upper[5] == 'Q' || upper[5] == 'H'):
		months = 3
		if upper[5] == 'H' {
			months = 6
		}
		p, err := strconv.Atoi(upper[6:])
		if err != nil || p < 1 || p > 12/months {
			return time.Time{}, errPeriod
		}
		part = p - 1
		upper = upper[:4]
	default:
		return time.Time{}, errPeriod
	}
	year, err := strconv.Atoi(upper)
	if err != nil || year < 1900 || year > 9999 {
		return time.Time{}, errPeriod
	}
	if months > f.months() {
		return time.Time{}, errPeriod
	}
	return f.PeriodOf(time.Date(year, time.Month(part*months+1), 1, 0, 0, 0, 0, time.UTC)), nil
}

// Status is where an objective stands, derived from its measurements (see AssessStatus).
type Status string

const (
	StatusNoData   Status = "no_data"
	StatusOnTrack  Status = "on_track"
	StatusAtRisk   Status = "at_risk"
	StatusOffTrack Status = "off_track"
)

// Statuses lists them, best first, for filters.
var Statuses = []Status{StatusOnTrack, StatusAtRisk, StatusOffTrack, StatusNoData}

func (s Status) Valid() bool {
	switch s {
	case StatusNoData, StatusOnTrack, StatusAtRisk, StatusOffTrack:
		return true
	}
	return false
}

// Label is the status as people say it.
func (s Status) Label() string {
	switch s {
	case StatusOnTrack:
		return "On track"
	case StatusAtRisk:
		return "At risk"
	case StatusOffTrack:
		return "Off track"
	}
	return "No data"
}

// Target is what an objective's measurements are judged against.
type Target struct {
	Value     float64
	Direction Direction
	// Tolerance is how far a value may miss Value and still be "at risk" rather than "off
	// track", in the target's unit.
	Tolerance float64
	Unit      string
}

// String writes the target as people read it: "at least 95%".
func (t Target) String() string {
	return t.Direction.Label() + " " + FormatQuantity(t.Value, t.Unit)
}

// PeriodValue is one measurement reduced to what the status rule reads.
type PeriodValue struct {
	Period time.Time
	Value  float64
}

// Assessment is a status with the sentence that explains it.
type Assessment struct {
	Status Status
	Reason string
}

// AssessStatus is the one rule that turns an objective's measurements into its status.
// history is in period order, oldest first; only the latest three values matter.
//
//   - No measurement: no data. Nothing is assumed to be on track.
//   - The latest value misses the target by more than the tolerance: off track.
//   - The latest value misses the target by no more than the tolerance: at risk.
//   - The latest value meets the target (equal counts as meeting it), but the two changes
//     before it both moved away from the target (each of the last three values worse than
//     the one before): at risk, an early warning before the target is missed.
//   - Otherwise: on track.
//
// Values are typed with a few decimals, so comparisons allow for binary rounding: 1.8
// against at most 1.5 misses by 0.3, which is within a tolerance of 0.3.
func AssessStatus(t Target, f Frequency, history []PeriodValue) Assessment {
	if len(history) == 0 {
		return Assessment{StatusNoData, "No measurement has been recorded yet."}
	}
	latest := history[len(history)-1]
	slack := 1e-9 * math.Max(1, math.Abs(t.Value))
	// miss is how far v falls short of the target: positive when it misses, zero or
	// negative when it meets it.
	miss := func(v float64) float64 {
		if t.Direction == AtMost {
			return v - t.Value
		}
		return t.Value - v
	}
	at := f.PeriodLabel(latest.Period) + ": " + FormatQuantity(latest.Value, t.Unit)
	short := miss(latest.Value)
	switch {
	case short > t.Tolerance+slack:
		reason := at + " misses the target (" + t.String() + ") by " + FormatQuantity(short, t.Unit)
		if t.Tolerance > 0 {
			reason += ", more than the at-risk band of " + FormatQuantity(t.Tolerance, t.Unit)
		}
		return Assessment{StatusOffTrack, reason + "."}
	case short > slack:
		return Assessment{StatusAtRisk, at + " misses the target (" + t.String() + ") by " + FormatQuantity(short, t.Unit) +
			", within the at-risk band of " + FormatQuantity(t.Tolerance, t.Unit) + "."}
	}
	if n := len(history); n >= 3 {
		a, b, c := history[n-3].Value, history[n-2].Value, latest.Value
		if miss(b)-miss(a) > slack && miss(c)-miss(b) > slack {
			return Assessment{StatusAtRisk, at + " meets the target (" + t.String() + "), but has moved away from it two periods running (" +
				FormatQuantity(a, t.Unit) + " → " + FormatQuantity(b, t.Unit) + " → " + FormatQuantity(c, t.Unit) + ")."}
		}
	}
	return Assessment{StatusOnTrack, at + " meets the target (" + t.String() + ")."}
}

// FormatNumber writes a measured value without binary noise: at most four decimals, no
// trailing zeros.
func FormatNumber(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// FormatQuantity writes a value with its unit: "96.5%", "2 complaints", "1 complaint".
// Units are typed as plurals ("complaints", "days"), so exactly one drops the final s.
func FormatQuantity(v float64, unit string) string {
	n := FormatNumber(v)
	switch {
	case unit == "":
		return n
	case unit == "%":
		return n + "%"
	case (n == "1" || n == "-1") && len(unit) > 2 && strings.HasSuffix(unit, "s") && !strings.HasSuffix(unit, "ss"):
		return n + " " + strings.TrimSuffix(unit, "s")
	}
	return n + " " + unit
}

// parseNumber reads a number as people type it, allowing a trailing % and thousands
// separators written as spaces; it refuses NaN and infinities.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1e12 {
		return 0, false
	}
	return v, true
}
