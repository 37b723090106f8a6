package templates

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// ChartPoint is one value of a series at a moment: a month's on-time delivery, a risk's
// exposure on the day it changed.
type ChartPoint struct {
	At    time.Time
	Value float64
	// Label names the moment for people: "Nov 2026". Empty: the date.
	Label string
}

// LineChart is a server-rendered SVG line chart of one series, with an optional target line.
// It needs no script, prints, and carries its own accessible text.
type LineChart struct {
	// ID is unique on the page; the chart's title and description take their ids from it.
	ID    string
	Title string
	// Summary is read by screen readers; empty, one is written from the points.
	Summary     string
	Points      []ChartPoint
	Target      *float64
	TargetLabel string // e.g. "Target ≥ 95%"
	// Format writes a value for axis labels and tooltips; nil writes the number.
	Format func(float64) string
	// Width and Height are the drawing's size in SVG units (it scales to its container);
	// zero means 640 by 240.
	Width, Height int
	// DataTable adds the values as a table only screen readers see, for pages that do not
	// list them anyway.
	DataTable bool
}

// ChartTick is a labelled position on an axis.
type ChartTick struct {
	Pos   float64
	Label string
}

// PlotPoint is a value placed in the drawing.
type PlotPoint struct {
	X, Y  float64
	Label string
	Text  string // the value as written
}

// ChartLayout is a LineChart placed in its drawing: every coordinate the template draws.
type ChartLayout struct {
	Width, Height            float64
	Left, Top, Right, Bottom float64 // the plot area inside the axes
	Min, Max                 float64 // the value range of the y axis
	Points                   []PlotPoint
	Path                     string // the line through the points, as SVG path data
	HasTarget                bool
	TargetY                  float64
	YTicks, XTicks           []ChartTick
}

// Margins around the plot area leave room for the axis labels.
const (
	chartMarginLeft   = 56
	chartMarginRight  = 32
	chartMarginTop    = 14
	chartMarginBottom = 30
)

// ScaleLineChart places a chart's points, target and ticks in its drawing. The y axis spans
// the values and the target, widened to round tick steps; a series with one distinct value
// gets a band around it so the line sits mid-height. Points are spaced by time; a single
// point, or points all at one moment, sit in the middle.
func ScaleLineChart(c LineChart) ChartLayout {
	w, h := float64(c.Width), float64(c.Height)
	if w <= 0 || h <= 0 {
		w, h = 640, 240
	}
	l := ChartLayout{Width: w, Height: h, Left: chartMarginLeft, Top: chartMarginTop, Right: w - chartMarginRight, Bottom: h - chartMarginBottom}
	l.scale(c)
	return l
}

// ScaleSparkline places a series in a small drawing without axes, for lists.
func ScaleSparkline(points []ChartPoint, target *float64, width, height int) ChartLayout {
	w, h := float64(width), float64(height)
	l := ChartLayout{Width: w, Height: h, Left: 3, Top: 3, Right: w - 3, Bottom: h - 3}
	l.scale(LineChart{Points: points, Target: target})
	return l
}

func (l *ChartLayout) scale(c LineChart) {
	format := c.Format
	if format == nil {
		format = chartNumber
	}
	if len(c.Points) == 0 {
		return
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range c.Points {
		lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
	}
	if c.Target != nil {
		l.HasTarget = true
		lo, hi = math.Min(lo, *c.Target), math.Max(hi, *c.Target)
	}
	if hi-lo < 1e-12*math.Max(1, math.Abs(hi)) {
		pad := math.Max(math.Abs(hi)*0.1, 1)
		lo, hi = lo-pad, hi+pad
	}
	step := niceStep((hi - lo) / 4)
	l.Min, l.Max = math.Floor(lo/step+1e-9)*step, math.Ceil(hi/step-1e-9)*step
	decimals := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	for v := l.Min; v <= l.Max+step/2; v += step {
		l.YTicks = append(l.YTicks, ChartTick{Pos: l.y(v), Label: strconv.FormatFloat(v+0, 'f', decimals, 64)})
	}
	if l.HasTarget {
		l.TargetY = l.y(*c.Target)
	}

	first, last := c.Points[0].At, c.Points[len(c.Points)-1].At
	span := last.Sub(first)
	every := (len(c.Points) + 11) / 12 // at most a dozen labels on the time axis
	var path strings.Builder
	for i, p := range c.Points {
		x := (l.Left + l.Right) / 2
		if span > 0 {
			x = l.Left + float64(p.At.Sub(first))/float64(span)*(l.Right-l.Left)
		}
		label := p.Label
		if label == "" {
			label = Date(p.At)
		}
		pp := PlotPoint{X: x, Y: l.y(p.Value), Label: label, Text: format(p.Value)}
		l.Points = append(l.Points, pp)
		if i == 0 {
			path.WriteString("M")
		} else {
			path.WriteString(" L")
		}
		path.WriteString(coord(pp.X) + " " + coord(pp.Y))
		if (len(c.Points)-1-i)%every == 0 { // always label the latest point
			l.XTicks = append(l.XTicks, ChartTick{Pos: x, Label: label})
		}
	}
	l.Path = path.String()
}

// y places a value between the bottom (Min) and the top (Max) of the plot.
func (l *ChartLayout) y(v float64) float64 {
	return l.Bottom - (v-l.Min)/(l.Max-l.Min)*(l.Bottom-l.Top)
}

// niceStep rounds a raw step up to 1, 2 or 5 times a power of ten, so ticks read 90, 92, 94
// rather than 90.7, 92.3.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*pow*(1+1e-9) {
			return m * pow
		}
	}
	return 10 * pow
}

func chartNumber(v float64) string {
	s := strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v, 'f', 4, 64), "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// coord writes a coordinate to a tenth of a unit, which is finer than any screen or printer
// resolves at the chart's size.
func coord(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// summary describes the series in one sentence for screen readers.
func (c LineChart) summary() string {
	if c.Summary != "" {
		return c.Summary
	}
	format := c.Format
	if format == nil {
		format = chartNumber
	}
	if len(c.Points) == 0 {
		return "No values yet."
	}
	lo, hi := c.Points[0].Value, c.Points[0].Value
	for _, p := range c.Points {
		lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
	}
	first, last := c.Points[0], c.Points[len(c.Points)-1]
	label := func(p ChartPoint) string {
		if p.Label != "" {
			return p.Label
		}
		return Date(p.At)
	}
	var b strings.Builder
	if len(c.Points) == 1 {
		b.WriteString("One value, " + format(last.Value) + " for " + label(last) + ".")
	} else {
		b.WriteString(strconv.Itoa(len(c.Points)) + " values from " + label(first) + " to " + label(last) +
			", between " + format(lo) + " and " + format(hi) + "; the latest is " + format(last.Value) + ".")
	}
	if c.TargetLabel != "" {
		b.WriteString(" " + c.TargetLabel + ".")
	}
	return b.String()
}
