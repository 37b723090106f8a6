package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/plumbline/plumbline/internal/database"
)

// keptSessions are the sessions this server has read, so that a page view does not read its
// session from the database every time (the lightest signed-in page went from 4,700 to 7,000
// a second). It keeps nothing unless it hears of every change: FollowSessionChanges listens
// for the database's announcements (migration 00070: a session updated or deleted announces
// the SHA-256 of its token), and this server's own changes void its copy before they are
// announced.
//
// A reader takes a ticket before it reads the database and may keep what it read only if no
// change to any session was heard since: a session read before a change is never kept. Any
// change voids tickets under way (sessions change rarely: at sign-in and sign-out, with a
// one-time message, or to move the idle expiry on, once a minute per active person).
type keptSessions struct {
	mu sync.Mutex
	// epoch counts the changes heard and the times listening started or stopped.
	epoch   uint64
	live    bool
	entries map[string]keptSession // by tokenDigest
	max     int
}

type keptSession struct {
	data   []byte // shared by every reader: nobody may modify it
	expiry time.Time
}

// keptSessionsMax bounds the sessions kept: more people than sign in to one server in a
// session's lifetime, a few MiB.
const keptSessionsMax = 20000

func newKeptSessions(max int) *keptSessions {
	return &keptSessions{entries: map[string]keptSession{}, max: max}
}

// tokenDigest is how a session is named in announcements: the SHA-256 of its token in hex.
func tokenDigest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// lookup returns the session kept under digest if it has not expired, and the ticket to keep
// a fresh one with. Nothing is kept while the server is not listening (keep refuses, and
// listening empties the map), so an entry found is one whose changes would have been heard.
func (k *keptSessions) lookup(digest string, now time.Time) (keptSession, uint64, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.entries[digest]
	if ok && !now.Before(s.expiry) {
		delete(k.entries, digest)
		ok = false
	}
	return s, k.epoch, ok
}

// keep keeps a session read after the ticket was taken, unless a change was heard since or
// the server is not listening. When full, it forgets expired sessions and, if that is not
// enough, a quarter of the others (the next read of each finds it in the database), so that
// a full cache pays for a sweep once in many sessions kept.
func (k *keptSessions) keep(digest string, ticket uint64, s keptSession, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.live || ticket != k.epoch {
		return
	}
	if len(k.entries) >= k.max {
		for d, e := range k.entries {
			if !now.Before(e.expiry) {
				delete(k.entries, d)
			}
		}
		for d := range k.entries { // in no particular order
			if len(k.entries) < k.max*3/4 {
				break
			}
			delete(k.entries, d)
		}
	}
	k.entries[digest] = s
}

// changed forgets the session and voids the tickets of readers under way.
func (k *keptSessions) changed(digest string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.epoch++
	delete(k.entries, digest)
}

// listening starts or stops keeping sessions: either way, what was kept is forgotten, since a
// change may have gone unheard while the connection was down.
func (k *keptSessions) listening(live bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.epoch++
	k.live = live
	clear(k.entries)
}

// hears reports whether sessions are being kept.
func (k *keptSessions) hears() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.live
}

// sessionChangesChannel is the channel migration 00070's triggers announce changes on.
const sessionChangesChannel = "session_changes"

// FollowSessionChanges listens, until Close, for the database's announcements of changed
// sessions, and keeps the sessions this server reads meanwhile. Without it every request
// reads its session from the database.
func (s *Server) FollowSessionChanges() {
	ctx, stop := context.WithCancel(context.Background())
	f := database.Follower{
		Channel:   sessionChangesChannel,
		Live:      s.kept.listening,
		Heard:     s.kept.changed,
		Meanwhile: "every request reads its session from the database meanwhile",
	}
	s.following.Add(1)
	go func() {
		defer s.following.Done()
		f.Follow(ctx, s.svc.Pool(), s.log)
	}()
	s.stopFollowing = stop
}
