package markdown

import (
	"strings"
	"testing"
)

func TestRender_StripsScriptsHandlersAndJavascriptLinks(t *testing.T) {
	src := "# Scope\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n" +
		"[click](javascript:alert(3))\n\n<a href=\"#\" onclick=\"alert(4)\">x</a>\n\n<p style=\"color:red\">red</p>\n\n" +
		"<iframe src=\"https://evil.example\"></iframe>\n"
	out := Render(src)
	for _, bad := range []string{"<script", "onerror", "javascript:", "onclick", "style=", "<iframe", "alert(1)"} {
		if strings.Contains(strings.ToLower(out), bad) {
			t.Errorf("rendered HTML contains %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "<h1") || !strings.Contains(out, "Scope") {
		t.Errorf("the heading was lost:\n%s", out)
	}
}

func TestRender_KeepsTablesListsAndLinks(t *testing.T) {
	out := Render("| Gauge | Interval |\n|---|---|\n| Micrometer | 12 months |\n\n- [x] cleaned\n- step two\n\nSee [QP-001](/o/acme/documents).\n")
	for _, want := range []string{"<table>", "<td>Micrometer</td>", "<li>", `href="/o/acme/documents"`, "checkbox"} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered HTML lacks %q:\n%s", want, out)
		}
	}
}

// A text is rendered once and its HTML given back on later views; a different text is
// rendered for itself; the memo stays within its budget, and a text too large for it is
// rendered every time.
func TestMemo_RendersEachTextOnceWithinItsBudget(t *testing.T) {
	renders := 0
	upper := func(s string) string { renders++; return strings.ToUpper(s) }
	m := newMemo(100)
	first := m.get("abc", upper)
	second := m.get("abc", upper)
	if first != "ABC" || second != "ABC" || renders != 1 {
		t.Fatalf("got %q then %q, rendered %d times", first, second, renders)
	}
	if m.get("abd", upper) != "ABD" || renders != 2 {
		t.Fatalf("a different text gave its neighbour's HTML (%d renders)", renders)
	}
	for i := range 50 {
		m.get(strings.Repeat("x", i%20), upper)
		if m.size > m.max {
			t.Fatalf("memo holds %d bytes, budget %d", m.size, m.max)
		}
	}
	big := strings.Repeat("y", 30)
	renders = 0
	m.get(big, upper)
	m.get(big, upper)
	if renders != 2 {
		t.Errorf("a text over a quarter of the budget was kept (%d renders)", renders)
	}
}

// Render goes through the memo: the same text's second view is not rendered again.
func TestRender_KeepsWhatItRendered(t *testing.T) {
	src := "## Calibration\n\nEvery gauge has a due date. " + t.Name()
	first := Render(src)
	texts.mu.Lock()
	kept, ok := texts.m[src]
	texts.mu.Unlock()
	if !ok || kept != first || Render(src) != first {
		t.Fatalf("the rendered text was not kept: %v", ok)
	}
}
