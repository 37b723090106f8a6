package server

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzLocalPath: whatever arrives as ?next=, sign-in only ever returns to a path on this site.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/o/acme/", "//evil.example", "/\\evil", "https://evil.example", "", "/a\r\nSet-Cookie: x", "javascript:alert(1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := localPath(next)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") || strings.ContainsAny(got, "\r\n") {
			t.Fatalf("localPath(%q) = %q leaves the site", next, got)
		}
		u, err := url.Parse(got)
		if err == nil && (u.Host != "" || u.Scheme != "") {
			t.Fatalf("localPath(%q) = %q has a host or scheme", next, got)
		}
	})
}
