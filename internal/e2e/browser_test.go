package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
	"github.com/plumbline/plumbline/internal/server"
)

// app is the real server with the demo organisation on a fresh database.
type app struct {
	URL string
	Svc *qms.Service
}

func startApp(t *testing.T) *app {
	t.Helper()
	svc, _ := qmstest.New(t)
	if _, err := demo.Seed(context.Background(), svc); err != nil {
		t.Fatalf("seeding the demo: %v", err)
	}
	// As serve does: pages keep what they read of the organisation until it changes.
	svc.FollowChanges()
	srv := server.New(server.Config{}, svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv.FollowSessionChanges() // and keeps the sessions it reads
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &app{URL: ts.URL, Svc: svc}
}

// browser is one headless Chromium tab. It records every console error, including
// Content-Security-Policy refusals, and the test fails if any appeared.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	problems []string
}

func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("PLUMBLINE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("PLUMBLINE_SKIP_BROWSER_TESTS") == "1" {
		t.Skip("no Chromium, and PLUMBLINE_SKIP_BROWSER_TESTS=1")
	}
	t.Fatal("browser tests need Chromium: install Debian's chromium package (.ci/run does), " +
		"set PLUMBLINE_CHROMIUM to its path, or set PLUMBLINE_SKIP_BROWSER_TESTS=1 to skip them on purpose")
	return ""
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// A generous ceiling for a whole test on a loaded 2-core machine; it is not a speed check.
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })

	b := &browser{t: t, ctx: ctx, base: base}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*cdplog.EventEntryAdded); ok && e.Entry.Level == cdplog.EntryLevelError {
			b.mu.Lock()
			b.problems = append(b.problems, fmt.Sprintf("%s: %s", e.Entry.Source, e.Entry.Text))
			b.mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("browser console: %s", p)
		}
	})
	return b
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open loads a path of the app and waits for the page.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("opening "+path, chromedp.Navigate(b.base+path))
}

// fill replaces the value of a field found by CSS selector. (Setting the value rather than
// typing: chromedp v0.23's SetValue cannot clear a field, and no page here reacts to keys.)
func (b *browser) fill(selector, text string) {
	b.t.Helper()
	b.do("filling "+selector, chromedp.SetValue(chromedp.CSS(selector), text))
}

// clickAndWait clicks and waits for the page the click loads.
func (b *browser) clickAndWait(selector string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(selector)))); err != nil {
		b.t.Fatalf("clicking %s: %v", selector, err)
	}
}

// upload chooses local files for a file input.
func (b *browser) upload(selector string, files ...string) {
	b.t.Helper()
	b.do("choosing files for "+selector, chromedp.SetUploadFiles(chromedp.CSS(selector), files))
}

// download clicks a link that downloads a file and returns the file's content once Chromium
// has saved it under the name the server gave it.
func (b *browser) download(selector, filename string) []byte {
	b.t.Helper()
	dir := b.t.TempDir()
	enabled := true
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: &enabled}); err != nil {
		b.t.Fatalf("allowing downloads: %v", err)
	}
	b.do("clicking "+selector, chromedp.Click(chromedp.CSS(selector)))
	// Chromium writes a .crdownload file and renames it when complete.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if content, err := os.ReadFile(filepath.Join(dir, filename)); err == nil {
			return content
		}
	}
	entries, _ := os.ReadDir(dir)
	b.t.Fatalf("%s was not downloaded; the folder holds %v", filename, entries)
	return nil
}

func (b *browser) text(selector string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		b.t.Fatalf("reading %s: %v", selector, err)
	}
	return strings.TrimSpace(s)
}

func (b *browser) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, b.base)
}

// screenshot saves the whole page under test-output/ at the top of the repository.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	// Quality 100 makes a PNG; anything less, a JPEG.
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	dir := outputDir(b.t)
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return file
}

// signIn signs in through the form as a demo user.
func (b *browser) signIn(email string) {
	b.t.Helper()
	b.open("/login")
	b.fill("#email", email)
	b.fill("#password", demo.Password)
	b.clickAndWait("form button[type=submit]")
}

// outputDir is where browser tests leave screenshots: $PLUMBLINE_TEST_OUTPUT, or
// test-output/ next to go.mod.
func outputDir(t *testing.T) string {
	dir := os.Getenv("PLUMBLINE_TEST_OUTPUT")
	if dir == "" {
		wd, _ := os.Getwd()
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "test-output")
				break
			}
			if filepath.Dir(d) == d {
				dir = filepath.Join(wd, "test-output")
				break
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// clickLinkAndWait follows the link whose text is exactly text and waits for the page.
func (b *browser) clickLinkAndWait(text string) {
	b.t.Helper()
	xpath := chromedp.Search(`//a[normalize-space()=` + xpathString(text) + `]`)
	if _, err := chromedp.Run(b.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(xpath))); err != nil {
		b.t.Fatalf("following the link %q: %v", text, err)
	}
}

// xpathString quotes s for an XPath expression.
func xpathString(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}

// count is how many elements match a CSS selector now (zero included; it does not wait).
func (b *browser) count(selector string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(selector)+`).length`))
	if err != nil {
		b.t.Fatalf("counting %s: %v", selector, err)
	}
	return n
}

// jsString writes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
