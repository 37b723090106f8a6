package qms

import (
	"container/list"
	"context"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/database"
)

// orgCache keeps what a page reads of a whole organisation, the same for every member (the
// home page's counts), until the organisation changes. It keeps nothing unless it hears of
// every change: FollowChanges listens for the database's announcements of changes (migration
// 00066: every tenant table announces its organisation on commit), and a use case of this
// service says so itself as soon as its transaction commits, so its author reads what they
// wrote without waiting for the announcement.
//
// A reader takes a ticket before it reads the database and may keep what it read only if no
// change was heard since: a value read from a snapshot older than a change is never kept.
type orgCache struct {
	mu sync.Mutex
	// epoch counts the times listening started or stopped: tickets of another epoch are void.
	epoch uint64
	live  bool
	// changes counts, per organisation, the changes heard in this epoch.
	changes map[uuid.UUID]uint64
	entries map[orgCacheKey]*list.Element
	recent  *list.List // of *orgCacheEntry, most recently used first
	max     int
	hits    atomic.Int64
	// orgs maps the slugs of organisations read to their ids, so that what is kept of an
	// organisation is found from a page's address. Only a hint: what is kept under the id is
	// checked against the slug.
	orgs map[string]uuid.UUID
}

type orgCacheKey struct {
	org uuid.UUID
	key string
}

type orgCacheEntry struct {
	k      orgCacheKey
	ticket cacheTicket
	value  any
}

// cacheTicket is the state of an organisation's changes when a reader began.
type cacheTicket struct {
	epoch, changes uint64
	live           bool
}

// orgCacheEntries bounds the values kept: a few per organisation for a thousand.
const orgCacheEntries = 4096

func newOrgCache(max int) *orgCache {
	return &orgCache{changes: map[uuid.UUID]uint64{}, entries: map[orgCacheKey]*list.Element{}, recent: list.New(), max: max,
		orgs: map[string]uuid.UUID{}}
}

// orgWithSlug is the id of the organisation last read at slug.
func (c *orgCache) orgWithSlug(slug string) (uuid.UUID, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.orgs[slug]
	return id, ok
}

// noteSlug remembers which organisation slug was read as, while the cache is listening.
func (c *orgCache) noteSlug(slug string, org uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live {
		c.orgs[slug] = org
	}
}

// lookup returns the value kept for the organisation under key if nothing changed since it
// was read, and the ticket to keep a fresh one with.
func (c *orgCache) lookup(org uuid.UUID, key string) (any, cacheTicket, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := cacheTicket{epoch: c.epoch, changes: c.changes[org], live: c.live}
	k := orgCacheKey{org, key}
	el, ok := c.entries[k]
	if !ok {
		return nil, t, false
	}
	e := el.Value.(*orgCacheEntry)
	if !t.live || e.ticket != t {
		c.recent.Remove(el)
		delete(c.entries, k)
		return nil, t, false
	}
	c.recent.MoveToFront(el)
	c.hits.Add(1)
	return e.value, t, true
}

// keep keeps value, read after the ticket was taken, unless the organisation changed since
// or the cache was not listening. value is shared by every later reader: nobody may modify it.
func (c *orgCache) keep(org uuid.UUID, key string, t cacheTicket, value any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !t.live || t != (cacheTicket{epoch: c.epoch, changes: c.changes[org], live: c.live}) {
		return
	}
	k := orgCacheKey{org, key}
	if el, ok := c.entries[k]; ok {
		c.recent.Remove(el)
	}
	c.entries[k] = c.recent.PushFront(&orgCacheEntry{k: k, ticket: t, value: value})
	for c.recent.Len() > c.max {
		oldest := c.recent.Back()
		c.recent.Remove(oldest)
		delete(c.entries, oldest.Value.(*orgCacheEntry).k)
	}
}

// changed voids what is kept of the organisation, and the tickets of readers under way.
func (c *orgCache) changed(org uuid.UUID) {
	c.mu.Lock()
	c.changes[org]++
	c.mu.Unlock()
}

// listening starts or stops keeping values: either way, what was kept is forgotten, since a
// change may have gone unheard while the connection was down.
func (c *orgCache) listening(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.live = live
	clear(c.changes)
	clear(c.entries)
	clear(c.orgs)
	c.recent.Init()
}

// changesChannel is the channel migration 00066's triggers announce changes on.
const changesChannel = "tenant_changes"

// FollowChanges listens, until Close, for the database's announcements of changes to
// organisations, and lets the service keep what it reads of a whole organisation meanwhile.
// Without it nothing is kept. When the connection drops, nothing is kept until it listens
// again (database.Follower).
func (s *Service) FollowChanges() {
	f := database.Follower{
		Channel:   changesChannel,
		Live:      s.cache.listening,
		Meanwhile: "what pages read of organisations is not kept meanwhile",
		Heard: func(payload string) {
			if org, err := uuid.Parse(payload); err == nil {
				s.cache.changed(org)
			}
		},
	}
	s.background(func(ctx context.Context) { f.Follow(ctx, s.pool, s.log) })
}
