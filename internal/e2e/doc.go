// Package e2e holds the browser tests: the real server on a fresh database with the demo
// organisation, driven in headless Chromium through the paths people walk. They need
// Chromium (Debian's chromium package); without it they fail, unless
// PLUMBLINE_SKIP_BROWSER_TESTS=1 says on purpose to skip them.
package e2e
