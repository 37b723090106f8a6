package qms

import (
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// queueChoices fills the choice lists asked for (those not nil) of most pages: the
// organisation's processes, sites and members. Each comes from what the service kept of the
// organisation or, if nothing is kept, is queued into b. The caller calls keep once the batch
// was read, to keep what it read for the next page.
func (s *Service) queueChoices(b *pgx.Batch, org uuid.UUID, processes *[]Process, sites *[]Site, members *[]Member) (keep func()) {
	keeps := []func(){
		queueKept(s.cache, b, org, "processes", processes, queueProcesses),
		queueKept(s.cache, b, org, "sites", sites, queueSites),
		queueKept(s.cache, b, org, "members", members, queueMembers),
	}
	return func() {
		for _, k := range keeps {
			k()
		}
	}
}

// queueKept fills out with the list kept under key, or queues its read with queue. Lists are
// copied in and out of the cache, so a page may reorder or filter its own.
func queueKept[E any](c *orgCache, b *pgx.Batch, org uuid.UUID, key string, out *[]E, queue func(*pgx.Batch, uuid.UUID, *[]E)) (keep func()) {
	if out == nil {
		return func() {}
	}
	kept, ticket, ok := c.lookup(org, key)
	if ok {
		*out = slices.Clone(kept.([]E))
		return func() {}
	}
	queue(b, org, out)
	return func() { c.keep(org, key, ticket, slices.Clone(*out)) }
}
