package templates

import (
	"context"
	"html"
	"io"
	"strconv"

	"github.com/a-h/templ"

	"github.com/plumbline/plumbline/internal/qms"
)

// The components in this file are written in Go rather than templ because a page renders
// them hundreds of times: the options of lists of people on most list and form pages, a
// badge on every row of a list, the numbers of the dashboard and the cells of the heat map. templ passes every text expression through fmt and every
// class attribute through a CSS class builder; written here, with the same escaping
// (html.EscapeString, as templ uses), each costs a fifth of that. Their HTML is checked in
// written_test.go.

// optionList writes the <option> elements of a drop-down or list box, marking those chosen
// reports as selected.
func optionList(opts []Option, chosen func(value string) bool) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		hw := htmlWriter{w: w}
		for _, o := range opts {
			hw.write(`<option value="`)
			hw.write(html.EscapeString(o.Value))
			if chosen(o.Value) {
				hw.write(`" selected>`)
			} else {
				hw.write(`">`)
			}
			hw.write(html.EscapeString(o.Label))
			hw.write(`</option>`)
		}
		return hw.err
	})
}

// chosenOne is the chosen test of a drop-down with one value.
func chosenOne(value string) func(string) bool {
	return func(v string) bool { return v == value }
}

// chosenAny is the chosen test of a list box with several values.
func chosenAny(values []string) func(string) bool {
	return func(v string) bool { return selectedIn(v, values) }
}

// Badge is a small coloured label for a state; tone is ok, warn, bad, info or muted.
func Badge(text, tone string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		hw := htmlWriter{w: w}
		hw.write(`<span class="badge badge-`)
		hw.write(html.EscapeString(tone))
		hw.write(`">`)
		hw.write(html.EscapeString(text))
		hw.write(`</span>`)
		return hw.err
	})
}

// dashCount links a dashboard number to its list, or shows a quiet zero.
func dashCount(n int, href templ.SafeURL) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		hw := htmlWriter{w: w}
		if n == 0 {
			hw.write(`<span class="dash-zero">0</span>`)
			return hw.err
		}
		hw.write(`<a href="`)
		hw.write(html.EscapeString(string(href)))
		hw.write(`">`)
		hw.write(strconv.Itoa(n))
		hw.write(`</a>`)
		return hw.err
	})
}

// heatCell is one cell of the heat map (HeatMap): n risks at likelihood l and severity sev,
// linking to them, drawn in its band's colour, outlined when it is the one shown.
func heatCell(l, sev, n int, href templ.SafeURL, selected bool) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		hw := htmlWriter{w: w}
		ls, ss, ns := strconv.Itoa(l), strconv.Itoa(sev), strconv.Itoa(n)
		x, y := 30+(sev-1)*40, (5-l)*40
		hw.write(`<a href="`)
		hw.write(html.EscapeString(string(href)))
		hw.write(`" aria-label="` + ns + ` risks at likelihood ` + ls + `, severity ` + ss)
		hw.write(`" data-cell="` + ls + `-` + ss + `" data-count="` + ns + `">`)
		hw.write(`<rect class="heat-cell heat-` + qms.ExposureBandOf(l*sev))
		if selected {
			hw.write(` heat-selected`)
		}
		hw.write(`" x="` + strconv.Itoa(x) + `" y="` + strconv.Itoa(y) + `" width="38" height="38" rx="3" fill="` + heatFill(l*sev) + `"></rect>`)
		if n > 0 {
			hw.write(`<text x="` + strconv.Itoa(x+19) + `" y="` + strconv.Itoa(y+24) +
				`" text-anchor="middle" font-size="14" font-weight="700" fill="#1c2733">` + ns + `</text>`)
		}
		hw.write(`</a>`)
		return hw.err
	})
}

// htmlWriter keeps the first write error, so that a component checks once.
type htmlWriter struct {
	w   io.Writer
	err error
}

func (hw *htmlWriter) write(s string) {
	if hw.err == nil {
		_, hw.err = io.WriteString(hw.w, s)
	}
}
