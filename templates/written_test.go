package templates

import (
	"context"
	"io"
	"strings"
	"testing"
)

// The components of written.go are written by hand, so these check what templ would have
// guaranteed: values and labels escaped, and exactly the chosen options selected.
func TestSelect_EscapesOptionsAndMarksTheChosenOne(t *testing.T) {
	opts := []Option{
		{Value: "", Label: "Anyone"},
		{Value: `a"b`, Label: `<script>alert('x')</script> & co`},
		{Value: "c", Label: "Chloé"},
	}
	var b strings.Builder
	if err := Select("owner", "Owner", `a"b`, opts, "").Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	want := `<option value="">Anyone</option>` +
		`<option value="a&#34;b" selected>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</option>` +
		`<option value="c">Chloé</option>`
	if !strings.Contains(b.String(), want) {
		t.Fatalf("options rendered as\n%s\nwant them as\n%s", b.String(), want)
	}
}

func TestMultiSelect_MarksEveryChosenOption(t *testing.T) {
	opts := []Option{{Value: "a", Label: "A"}, {Value: "b", Label: "B"}, {Value: "c", Label: "C"}}
	var b strings.Builder
	if err := MultiSelect("user_ids", "People", []string{"a", "c"}, opts, 4, "").Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	want := `<option value="a" selected>A</option><option value="b">B</option><option value="c" selected>C</option>`
	if !strings.Contains(b.String(), want) {
		t.Fatalf("options rendered as\n%s\nwant them as\n%s", b.String(), want)
	}
}

func TestBadge_EscapesItsText(t *testing.T) {
	var b strings.Builder
	if err := Badge(`Tom & "Jerry" <b>`, "warn").Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if want := `<span class="badge badge-warn">Tom &amp; &#34;Jerry&#34; &lt;b&gt;</span>`; b.String() != want {
		t.Fatalf("badge rendered as %s, want %s", b.String(), want)
	}
}

func render(t *testing.T, c interface {
	Render(context.Context, io.Writer) error
}) string {
	t.Helper()
	var b strings.Builder
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestDashCount_LinksANumberOrShowsAQuietZero(t *testing.T) {
	if got := render(t, dashCount(0, "/o/acme/capas")); got != `<span class="dash-zero">0</span>` {
		t.Errorf("zero rendered as %s", got)
	}
	got := render(t, dashCount(12, `/o/acme/findings?status=open&clause=8.5"`))
	if want := `<a href="/o/acme/findings?status=open&amp;clause=8.5&#34;">12</a>`; got != want {
		t.Errorf("rendered as\n%s\nwant\n%s", got, want)
	}
}

// A heat-map cell says how many risks it holds, where it sits, its band and whether it is
// the one shown, and writes its number only when there are risks.
func TestHeatCell(t *testing.T) {
	got := render(t, heatCell(4, 5, 3, "/o/acme/risks?likelihood=4&severity=5", true))
	want := `<a href="/o/acme/risks?likelihood=4&amp;severity=5" aria-label="3 risks at likelihood 4, severity 5" data-cell="4-5" data-count="3">` +
		`<rect class="heat-cell heat-critical heat-selected" x="190" y="40" width="38" height="38" rx="3" fill="#f4b4ad"></rect>` +
		`<text x="209" y="64" text-anchor="middle" font-size="14" font-weight="700" fill="#1c2733">3</text></a>`
	if got != want {
		t.Errorf("rendered as\n%s\nwant\n%s", got, want)
	}
	got = render(t, heatCell(1, 1, 0, "/o/acme/risks?likelihood=1&severity=1", false))
	want = `<a href="/o/acme/risks?likelihood=1&amp;severity=1" aria-label="0 risks at likelihood 1, severity 1" data-cell="1-1" data-count="0">` +
		`<rect class="heat-cell heat-low" x="30" y="160" width="38" height="38" rx="3" fill="#cfe8d8"></rect></a>`
	if got != want {
		t.Errorf("rendered as\n%s\nwant\n%s", got, want)
	}
}
