package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyUser
	keyActor
	keySessionLoaded
	keyRawBody
)

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// userFrom returns the signed-in user of a page outside an organisation.
func userFrom(ctx context.Context) (qms.User, bool) {
	u, ok := ctx.Value(keyUser).(qms.User)
	return u, ok
}

// actorFrom returns who is acting in the organisation of an /o/{org} page.
func actorFrom(ctx context.Context) qms.Actor {
	a, _ := ctx.Value(keyActor).(qms.Actor)
	return a
}

// requestID gives every request an id that is logged with it and shown on error pages, so a
// user's report leads to the log line.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyRequestID, id)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (deadlines, flushing).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", requestIDFrom(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
		)
	})
}

// recoverPanics turns a panic into the 500 page; the stack goes to the log only.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", requestIDFrom(r.Context()), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				w.Header().Set("Connection", "close")
				s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong",
					"Something went wrong on our side. It has been logged; please try again.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows nothing inline: scripts and styles come only from /static.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if s.cfg.Production {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// noStore keeps pages with organisation data out of shared and back-button caches.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// refuseCrossOrigin rejects unsafe requests that a browser marks as coming from another site
// (Sec-Fetch-Site, or Origin against Host), which is what CSRF needs.
func (s *Server) refuseCrossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "Request refused",
			"This form was sent from another site, so it was refused. Open Plumbline directly and try again.")
	}))
	return cop.Handler(next)
}

// limitBody bounds what a request may send. Handlers that take files lift the bound to the
// upload limit (readUploadForm), which needs the unwrapped body kept here.
func (s *Server) limitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw := r.Body
			r.Body = http.MaxBytesReader(w, raw, n)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyRawBody, raw)))
		})
	}
}

// loadSession loads the session (scs) and marks the request as having one.
func (s *Server) loadSession(next http.Handler) http.Handler {
	h := s.sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keySessionLoaded, true)))
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionLoadedKey{}, &sessionLoaded{})))
	})
}

const (
	sessionUserID     = "user_id"
	sessionMustChange = "must_change_password"
	sessionFlash      = "flash"
)

// requireUser lets signed-in users through and sends everyone else to sign in.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.sessionUser(r)
		if !ok {
			s.toLogin(w, r)
			return
		}
		u, err := s.svc.UserByID(r.Context(), id)
		if qms.ErrorKind(err) == qms.KindNotFound {
			s.toLogin(w, r)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if s.mustChangePassword(w, r) {
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyUser, u)))
	})
}

// requireMember resolves /o/{org} to the actor. Not being a member and the organisation not
// existing look the same from outside: 404.
func (s *Server) requireMember(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.sessionUser(r)
		if !ok {
			s.toLogin(w, r)
			return
		}
		if s.mustChangePassword(w, r) {
			return
		}
		a, err := s.svc.ActorFor(r.Context(), id, chi.URLParam(r, "org"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyActor, a)))
	})
}

func (s *Server) sessionUser(r *http.Request) (uuid.UUID, bool) {
	id, err := uuid.Parse(s.sessions.GetString(r.Context(), sessionUserID))
	return id, err == nil
}

// mustChangePassword sends a user who signed in with a temporary password to choose their
// own before anything else; it reports whether it answered the request.
func (s *Server) mustChangePassword(w http.ResponseWriter, r *http.Request) bool {
	if !s.sessions.GetBool(r.Context(), sessionMustChange) || r.URL.Path == "/account/password" {
		return false
	}
	http.Redirect(w, r, "/account/password", http.StatusSeeOther)
	return true
}

func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localPath accepts only a path on this site as a place to return to after sign-in, so the
// sign-in page cannot be used to send people elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}
