package templates

import (
	"context"
	"html"
	"io"

	"github.com/a-h/templ"
)

// The components in this file are written in Go rather than templ because a page renders
// them hundreds of times: the options of lists of people on most list and form pages, and a
// badge on every row of a list. templ passes every text expression through fmt and every
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
