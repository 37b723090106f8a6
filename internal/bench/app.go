package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plumbline/plumbline/internal/evidence"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/server"
)

// App is the real application and the Fortunes baseline, each on a free local port, in this
// process.
type App struct {
	URL, BaselineURL string
	Service          *qms.Service
	servers          []*http.Server
	srv              *server.Server
	evidenceDir      string
}

// MaxUpload is the upload limit of the benchmarked server: room for the 1 GiB evidence file.
const MaxUpload = 2 << 30

// StartApp serves the real router (sessions, sign-in, middleware) and the baseline on pool.
func StartApp(pool *pgxpool.Pool) (*App, error) {
	// The process serves as the real server does; the baseline shares the setting.
	server.TuneGCForServing()
	a := &App{evidenceDir: tempDir()}
	store, err := evidence.Open(a.evidenceDir)
	if err != nil {
		return nil, err
	}
	a.Service = qms.New(pool, qms.Options{Evidence: store, MaxUploadBytes: MaxUpload})
	a.Service.FollowChanges() // as serve does
	a.srv = server.New(server.Config{}, a.Service, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.srv.FollowSessionChanges()
	if a.URL, err = a.listen(a.srv.Handler()); err != nil {
		a.Close()
		return nil, err
	}
	if a.BaselineURL, err = a.listen(fortunesHandler(pool)); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) listen(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	a.servers = append(a.servers, s)
	go func() { _ = s.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// Close stops both servers and removes the evidence the run stored.
func (a *App) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range a.servers {
		_ = s.Shutdown(ctx)
	}
	if a.srv != nil {
		a.srv.Close()
	}
	if a.Service != nil {
		a.Service.Close()
	}
	_ = os.RemoveAll(a.evidenceDir)
}

var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

// SignIn signs in through the login form, as a browser on the site does, and returns the
// session cookie to send with later requests.
func (a *App) SignIn(ctx context.Context, email string) (*http.Cookie, error) {
	form := url.Values{"email": {email}, "password": {Password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", a.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := noRedirect.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("signing in as %s: status %d", email, res.StatusCode)
	}
	for _, c := range res.Cookies() {
		if strings.HasSuffix(c.Name, "plumbline_session") {
			return c, nil
		}
	}
	return nil, errors.New("signing in as " + email + ": no session cookie")
}

// Get fetches path with the session cookie and returns the status and the body's size.
func (a *App) Get(ctx context.Context, path string, c *http.Cookie) (int, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.URL+path, nil)
	if err != nil {
		return 0, 0, err
	}
	req.AddCookie(c)
	res, err := noRedirect.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	return res.StatusCode, n, err
}

func tempDir() string {
	d, err := os.MkdirTemp("", "plumbline-bench-")
	if err != nil {
		panic(err)
	}
	return d
}
