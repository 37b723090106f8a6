// Package markdown turns the Markdown text of a controlled document into HTML that is safe to
// put in a page: goldmark renders it (with GitHub's tables, task lists and strikethrough), and
// bluemonday's user-content policy strips whatever could run or restyle the page.
package markdown

import (
	"bytes"
	"html"
	"sync"

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
func Render(src string) string { return texts.get(src, render) }

func render(src string) string {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "<pre>" + html.EscapeString(src) + "</pre>"
	}
	return string(policy.SanitizeBytes(buf.Bytes()))
}

// texts keeps the HTML of the texts rendered lately. A document's text is read far more often
// than it changes, and its HTML depends on the text alone, which is the key: a changed text is
// a new key, so nothing has to be forgotten when a document changes.
var texts = newMemo(32 << 20)

// memo maps texts to their HTML within a budget of bytes (both counted). When a new entry
// would exceed it, it starts afresh: the texts in use come back with their next view. A text
// larger than a quarter of the budget is rendered every time.
type memo struct {
	mu   sync.Mutex
	max  int
	size int
	m    map[string]string
}

func newMemo(max int) *memo { return &memo{max: max, m: map[string]string{}} }

func (c *memo) get(src string, render func(string) string) string {
	c.mu.Lock()
	out, ok := c.m[src]
	c.mu.Unlock()
	if ok {
		return out
	}
	out = render(src)
	n := len(src) + len(out)
	if n > c.max/4 {
		return out
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[src]; !ok {
		if c.size+n > c.max {
			clear(c.m)
			c.size = 0
		}
		c.m[src] = out
		c.size += n
	}
	return out
}
