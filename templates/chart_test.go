package templates

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

func months(values ...float64) []ChartPoint {
	out := make([]ChartPoint, len(values))
	for i, v := range values {
		at := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, i, 0)
		out[i] = ChartPoint{At: at, Value: v, Label: at.Format("Jan 2006")}
	}
	return out
}

func ptr(v float64) *float64 { return &v }

// inPlot fails unless every point lies inside the plot area.
func inPlot(t *testing.T, l ChartLayout) {
	t.Helper()
	for _, p := range l.Points {
		if p.X < l.Left-1e-9 || p.X > l.Right+1e-9 || p.Y < l.Top-1e-9 || p.Y > l.Bottom+1e-9 {
			t.Fatalf("point %+v lies outside the plot %v..%v × %v..%v", p, l.Left, l.Right, l.Top, l.Bottom)
		}
	}
}

func TestScaleLineChart_PlacesPointsByTimeAndValue(t *testing.T) {
	l := ScaleLineChart(LineChart{Points: months(90, 95, 100)})
	inPlot(t, l)
	if l.Points[0].X != l.Left || l.Points[2].X != l.Right || l.Points[1].X <= l.Left || l.Points[1].X >= l.Right {
		t.Fatalf("x positions %v, %v, %v in %v..%v", l.Points[0].X, l.Points[1].X, l.Points[2].X, l.Left, l.Right)
	}
	if !(l.Points[0].Y > l.Points[1].Y && l.Points[1].Y > l.Points[2].Y) {
		t.Fatal("higher values are not drawn higher")
	}
	if l.Min > 90 || l.Max < 100 {
		t.Fatalf("axis %v..%v does not span the values", l.Min, l.Max)
	}
	if !strings.HasPrefix(l.Path, "M56 ") || strings.Count(l.Path, "L") != 2 {
		t.Fatalf("path %q", l.Path)
	}
	// Ticks are round numbers, bottom to top, and the axis ends on ticks.
	if first, last := l.YTicks[0], l.YTicks[len(l.YTicks)-1]; first.Pos != l.Bottom || last.Pos != l.Top {
		t.Fatalf("ticks %+v do not run from the bottom to the top", l.YTicks)
	}
	for _, tk := range l.YTicks {
		if strings.Contains(tk.Label, ".") {
			t.Fatalf("tick %q is not round for a range of 90 to 100", tk.Label)
		}
	}
}

func TestScaleLineChart_OnePointSitsInTheMiddle(t *testing.T) {
	l := ScaleLineChart(LineChart{Points: months(96.4)})
	inPlot(t, l)
	p := l.Points[0]
	if p.X != (l.Left+l.Right)/2 {
		t.Fatalf("x %v, want the middle %v", p.X, (l.Left+l.Right)/2)
	}
	if l.Path != "M"+coord(p.X)+" "+coord(p.Y) || len(l.XTicks) != 1 {
		t.Fatalf("path %q, x ticks %+v", l.Path, l.XTicks)
	}
}

func TestScaleLineChart_AllEqualValuesGetABandAroundThem(t *testing.T) {
	l := ScaleLineChart(LineChart{Points: months(2, 2, 2, 2)})
	inPlot(t, l)
	if !(l.Min < 2 && l.Max > 2) {
		t.Fatalf("axis %v..%v around a flat series of 2", l.Min, l.Max)
	}
	mid := (l.Top + l.Bottom) / 2
	for _, p := range l.Points {
		if p.Y != l.Points[0].Y || p.Y < mid-(l.Bottom-l.Top)/4 || p.Y > mid+(l.Bottom-l.Top)/4 {
			t.Fatalf("a flat series is drawn at %v, not level near the middle %v", p.Y, mid)
		}
	}
	if len(l.YTicks) < 2 {
		t.Fatalf("ticks %+v", l.YTicks)
	}
	// Zero, flat: the band still has height.
	z := ScaleLineChart(LineChart{Points: months(0, 0)})
	if z.Max-z.Min <= 0 {
		t.Fatalf("axis %v..%v for a flat series of zeros", z.Min, z.Max)
	}
}

func TestScaleLineChart_NegativeValues(t *testing.T) {
	l := ScaleLineChart(LineChart{Points: months(-5, 3, -1.5)})
	inPlot(t, l)
	if l.Min > -5 || l.Max < 3 {
		t.Fatalf("axis %v..%v", l.Min, l.Max)
	}
	if !(l.Points[0].Y > l.Points[2].Y && l.Points[2].Y > l.Points[1].Y) {
		t.Fatalf("y positions %v, %v, %v are not ordered by value", l.Points[0].Y, l.Points[1].Y, l.Points[2].Y)
	}
	zero := false
	for _, tk := range l.YTicks {
		zero = zero || tk.Label == "0"
		if tk.Label == "-0" {
			t.Fatal("a tick reads -0")
		}
	}
	if !zero {
		t.Fatalf("no zero tick among %+v", l.YTicks)
	}
}

func TestScaleLineChart_ATargetOutsideTheDataWidensTheAxis(t *testing.T) {
	l := ScaleLineChart(LineChart{Points: months(80, 82.5, 85), Target: ptr(95)})
	inPlot(t, l)
	if !l.HasTarget || l.Max < 95 || l.TargetY < l.Top || l.TargetY > l.Bottom {
		t.Fatalf("target at %v on an axis %v..%v (plot %v..%v)", l.TargetY, l.Min, l.Max, l.Top, l.Bottom)
	}
	for _, p := range l.Points {
		if p.Y <= l.TargetY {
			t.Fatalf("a value below the target is drawn above its line")
		}
	}
	below := ScaleLineChart(LineChart{Points: months(2.1, 2.4), Target: ptr(-1)})
	if below.Min > -1 || below.TargetY < below.Top || below.TargetY > below.Bottom {
		t.Fatalf("target below the data: axis %v..%v, line at %v", below.Min, below.Max, below.TargetY)
	}
	// Decimal steps get decimal labels.
	small := ScaleLineChart(LineChart{Points: months(1.1, 1.4, 1.9), Target: ptr(1.5)})
	if !strings.Contains(small.YTicks[1].Label, ".") {
		t.Fatalf("ticks %+v for values around 1.5", small.YTicks)
	}
}

func TestScaleLineChart_NoPointsDrawsNothing(t *testing.T) {
	l := ScaleLineChart(LineChart{Target: ptr(95)})
	if len(l.Points) != 0 || l.Path != "" || len(l.YTicks) != 0 {
		t.Fatalf("an empty chart has %+v", l)
	}
}

func TestScaleLineChart_LabelsAtMostADozenMomentsIncludingTheLatest(t *testing.T) {
	values := make([]float64, 36)
	for i := range values {
		values[i] = float64(i % 7)
	}
	l := ScaleLineChart(LineChart{Points: months(values...)})
	if len(l.XTicks) > 12 || l.XTicks[len(l.XTicks)-1].Label != "Dec 2028" {
		t.Fatalf("%d x labels, last %q", len(l.XTicks), l.XTicks[len(l.XTicks)-1].Label)
	}
}

func TestChart_RendersAccessibleSVGWithoutInlineStyle(t *testing.T) {
	var buf bytes.Buffer
	c := LineChart{ID: "otd", Title: "On-time delivery", Points: months(96, 93.1, 97), Target: ptr(95),
		TargetLabel: "Target ≥ 95%", DataTable: true, Format: func(v float64) string { return chartNumber(v) + "%" }}
	if err := Chart(c).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	svg := doc.Find("figure#otd svg[role=img]")
	if svg.Length() != 1 || svg.AttrOr("aria-labelledby", "") != "otd-title otd-desc" {
		t.Fatalf("no labelled SVG:\n%s", buf.String())
	}
	if got := doc.Find("#otd-desc").Text(); got != "3 values from Jan 2026 to Mar 2026, between 93.1% and 97%; the latest is 97%. Target ≥ 95%." {
		t.Fatalf("summary %q", got)
	}
	if doc.Find("circle.chart-point").Length() != 3 || doc.Find("line.chart-target-line").Length() != 1 {
		t.Fatal("points or target line missing")
	}
	if doc.Find("table.visually-hidden tbody tr").Length() != 3 {
		t.Fatal("no data table")
	}
	if doc.Find("[style], style, script").Length() > 0 {
		t.Fatal("the chart uses inline style or script, which the CSP forbids")
	}
}
