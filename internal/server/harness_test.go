package server

import (
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database/dbtest"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// harness is the real router on a fresh database with two organisations, acme and globex,
// each with a member per role.
type harness struct {
	t      *testing.T
	svc    *qms.Service
	db     *dbtest.DB
	server *Server
	http   *httptest.Server
	acme   qmstest.Org
	globex qmstest.Org
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	svc, db := qmstest.New(t)
	h := &harness{t: t, svc: svc, db: db}
	h.acme = qmstest.NewOrg(t, svc, "acme")
	h.globex = qmstest.NewOrg(t, svc, "globex")
	h.server = New(cfg, svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(h.server.Close)
	// As serve does: sessions are kept while the server hears of their changes, so every
	// test of signing in and out goes through the kept copies.
	h.server.FollowSessionChanges()
	qmstest.Eventually(t, "the server listens for session changes", h.server.kept.hears)
	h.http = httptest.NewServer(h.server.Handler())
	t.Cleanup(h.http.Close)
	return h
}

// client is one browser: its own cookie jar; it does not follow redirects, so tests see them.
type client struct {
	h    *harness
	http *http.Client
}

func (h *harness) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{h: h, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// signedIn returns a client signed in as the member of org with role.
func (h *harness) signedIn(org qmstest.Org, role auth.Role) *client {
	c := h.client()
	res := c.post("/login", url.Values{"email": {qmstest.Email(org.Slug, role)}, "password": {qmstest.Password}})
	if res.status != http.StatusSeeOther {
		h.t.Fatalf("signing in as %s of %s: status %d", role, org.Slug, res.status)
	}
	return c
}

type response struct {
	t        *testing.T
	status   int
	header   http.Header
	body     string
	location string
	doc      *goquery.Document
}

func (c *client) do(req *http.Request) *response {
	c.h.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.h.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := &response{t: c.h.t, status: res.StatusCode, header: res.Header, body: string(b), location: res.Header.Get("Location")}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		r.doc, err = goquery.NewDocumentFromReader(strings.NewReader(r.body))
		if err != nil {
			c.h.t.Fatalf("parsing HTML of %s: %v", req.URL.Path, err)
		}
	}
	return r
}

func (c *client) get(path string) *response {
	c.h.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, c.h.http.URL+path, nil)
	return c.do(req)
}

// post sends a form the way a browser on this site does: same-origin.
func (c *client) post(path string, form url.Values) *response {
	c.h.t.Helper()
	return c.postWith(path, form, map[string]string{"Origin": c.h.http.URL, "Sec-Fetch-Site": "same-origin"})
}

func (c *client) postWith(path string, form url.Values, headers map[string]string) *response {
	c.h.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, c.h.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

func (r *response) wantStatus(want int) *response {
	r.t.Helper()
	if r.status != want {
		r.t.Fatalf("status %d, want %d; body:\n%s", r.status, want, clip(r.body))
	}
	return r
}

func (r *response) wantRedirect(to string) *response {
	r.t.Helper()
	r.wantStatus(http.StatusSeeOther)
	if r.location != to {
		r.t.Fatalf("redirect to %q, want %q", r.location, to)
	}
	return r
}

// text is the trimmed text of the elements matching selector.
func (r *response) text(selector string) string {
	r.t.Helper()
	if r.doc == nil {
		r.t.Fatalf("not an HTML page: %s", clip(r.body))
	}
	return strings.TrimSpace(r.doc.Find(selector).Text())
}

// attr is an attribute of the first element matching selector; it fails if there is none.
func (r *response) attr(selector, name string) string {
	r.t.Helper()
	sel := r.doc.Find(selector).First()
	if sel.Length() == 0 {
		r.t.Fatalf("no element matches %q", selector)
	}
	v, _ := sel.Attr(name)
	return v
}

func (r *response) count(selector string) int {
	r.t.Helper()
	if r.doc == nil {
		r.t.Fatalf("not an HTML page: %s", clip(r.body))
	}
	return r.doc.Find(selector).Length()
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// part is one field of a multipart form; a part with a filename is a file.
type part struct {
	name, filename string
	body           io.Reader
}

func field(name, value string) part { return part{name: name, body: strings.NewReader(value)} }

// postMultipart sends a multipart form as a browser on this site does, streaming the parts.
func (c *client) postMultipart(path string, parts ...part) *response {
	c.h.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, p := range parts {
			var w io.Writer
			var err error
			if p.filename != "" {
				w, err = mw.CreateFormFile(p.name, p.filename)
			} else {
				w, err = mw.CreateFormField(p.name)
			}
			if err == nil {
				_, err = io.Copy(w, p.body)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, c.h.http.URL+path, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.h.http.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// postFiles sends text fields and files as one multipart form; files maps a file field to the
// file's name and content.
func (c *client) postFiles(path string, fields url.Values, files map[string][2]string) *response {
	c.h.t.Helper()
	var parts []part
	for k, vs := range fields {
		for _, v := range vs {
			parts = append(parts, field(k, v))
		}
	}
	for name, f := range files {
		parts = append(parts, part{name: name, filename: f[0], body: strings.NewReader(f[1])})
	}
	return c.postMultipart(path, parts...)
}
