// Package server is Plumbline's HTTP front end: the router, middleware and one handler file
// per area. Handlers decode a request, call one qms method and render a templ page; every rule
// lives in internal/qms.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"

	"github.com/plumbline/plumbline/internal/qms"
)

// Config is what the server needs to know about its environment.
type Config struct {
	// Production turns on Secure cookies with the __Host- prefix and HSTS.
	Production bool
	// MaxFormBytes bounds the body of ordinary form posts.
	MaxFormBytes int64
	// SessionCleanup is how often this instance deletes expired sessions itself; 0 (the
	// default) leaves it to the housekeeping job, which runs once for all instances.
	SessionCleanup time.Duration
}

// Server holds the dependencies the handlers share.
type Server struct {
	cfg      Config
	svc      *qms.Service
	sessions *scs.SessionManager
	store    *pgxstore.PostgresStore
	log      *slog.Logger
	handler  http.Handler
	// kept are the sessions this server keeps while FollowSessionChanges listens.
	kept          *keptSessions
	following     sync.WaitGroup
	stopFollowing context.CancelFunc
}

// New wires the server. Close it to stop the session clean-up.
func New(cfg Config, svc *qms.Service, log *slog.Logger) *Server {
	if cfg.MaxFormBytes == 0 {
		cfg.MaxFormBytes = 1 << 20
	}
	s := &Server{cfg: cfg, svc: svc, log: log}
	s.store = pgxstore.NewWithCleanupInterval(svc.Pool(), cfg.SessionCleanup)
	s.kept = newKeptSessions(keptSessionsMax)
	s.sessions = newSessionManager(sessionStore{s.store, svc.Pool(), s.kept}, cfg.Production)
	// A failing session store (the database is down) gets our 500 page, not scs's plain text.
	s.sessions.ErrorFunc = s.fail
	s.handler = s.routes()
	return s
}

// Handler is the root handler to serve.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops background work of the server.
func (s *Server) Close() {
	s.store.StopCleanup()
	if s.stopFollowing != nil {
		s.stopFollowing()
	}
	s.following.Wait()
}

// Session lifetimes: signed out after 30 idle minutes, and after 12 hours in any case.
const (
	sessionIdleTimeout = 30 * time.Minute
	sessionLifetime    = 12 * time.Hour
)

func newSessionManager(store scs.Store, production bool) *scs.SessionManager {
	m := scs.New()
	m.Store = store
	m.Codec = sessionCodec{}
	m.IdleTimeout = sessionIdleTimeout
	m.Lifetime = sessionLifetime
	m.Cookie.Name = "plumbline_session"
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Path = "/"
	if production {
		// __Host- makes the browser insist on Secure, Path=/ and no Domain, so no sibling
		// subdomain can set or read it.
		m.Cookie.Name = "__Host-plumbline_session"
		m.Cookie.Secure = true
	}
	return m
}
