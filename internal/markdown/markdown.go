// Package markdown turns the Markdown text of a controlled document into HTML that is safe to
// put in a page: goldmark renders it (with GitHub's tables, task lists and strikethrough), and
// bluemonday's user-content policy strips whatever could run or restyle the page.
package markdown

import (
	"bytes"
	"html"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
)

var (
	md = goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList, extension.Linkify),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	)
	// UGCPolicy allows the formatting people write and drops scripts, event handlers, style
	// attributes (the CSP would refuse them anyway), iframes and javascript: links.
	policy = newPolicy()
)

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	// Task-list checkboxes render as disabled inputs; nothing else of a form survives.
	p.AllowAttrs("type").Matching(bluemonday.SpaceSeparatedTokens).OnElements("input")
	p.AllowAttrs("checked", "disabled").OnElements("input")
	return p
}

// Render returns the sanitised HTML of src. Rendering Markdown cannot fail on any input; an
// error from goldmark would be a write failure of an in-memory buffer.
func Render(src string) string {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "<pre>" + html.EscapeString(src) + "</pre>"
	}
	return string(policy.SanitizeBytes(buf.Bytes()))
}
