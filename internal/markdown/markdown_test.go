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
