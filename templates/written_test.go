package templates

import (
	"context"
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
