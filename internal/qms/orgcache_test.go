package qms

import (
	"strconv"
	"testing"

	"github.com/google/uuid"
)

func TestOrgCache_KeepsOnlyWhatNoChangeOvertook(t *testing.T) {
	c := newOrgCache(10)
	acme, other := uuid.New(), uuid.New()

	// Not listening: nothing is kept, since a change could go unheard.
	_, ticket, _ := c.lookup(acme, "home")
	c.keep(acme, "home", ticket, 1)
	if _, _, ok := c.lookup(acme, "home"); ok {
		t.Fatal("kept a value while not listening")
	}

	c.listening(true)
	_, ticket, _ = c.lookup(acme, "home")
	c.keep(acme, "home", ticket, 1)
	if v, _, ok := c.lookup(acme, "home"); !ok || v != 1 {
		t.Fatalf("lookup after keep = %v, %v; want 1, true", v, ok)
	}

	// Another organisation's change leaves it; its own voids it.
	c.changed(other)
	if _, _, ok := c.lookup(acme, "home"); !ok {
		t.Fatal("another organisation's change voided the value")
	}
	c.changed(acme)
	if _, _, ok := c.lookup(acme, "home"); ok {
		t.Fatal("served a value read before the organisation changed")
	}

	// A reader that began before a change may not keep what it read: its snapshot may
	// predate the change.
	_, ticket, _ = c.lookup(acme, "home")
	c.changed(acme)
	c.keep(acme, "home", ticket, 2)
	if _, _, ok := c.lookup(acme, "home"); ok {
		t.Fatal("kept a value read by a reader a change overtook")
	}

	// Listening again (the connection dropped) forgets everything and voids tickets taken
	// before.
	_, ticket, _ = c.lookup(acme, "home")
	c.keep(acme, "home", ticket, 3)
	_, before, _ := c.lookup(other, "home")
	c.listening(false)
	c.listening(true)
	if _, _, ok := c.lookup(acme, "home"); ok {
		t.Fatal("a value kept before the connection dropped survived it")
	}
	c.keep(other, "home", before, 4)
	if _, _, ok := c.lookup(other, "home"); ok {
		t.Fatal("kept a value read before the connection dropped")
	}
}

func TestOrgCache_ForgetsTheLeastRecentlyUsedBeyondItsSize(t *testing.T) {
	c := newOrgCache(3)
	c.listening(true)
	org := uuid.New()
	for i := range 4 {
		key := strconv.Itoa(i)
		_, ticket, _ := c.lookup(org, key)
		c.keep(org, key, ticket, i)
		if i == 2 {
			c.lookup(org, "0") // used lately: "1" is now the oldest
		}
	}
	if len(c.entries) != 3 || c.recent.Len() != 3 {
		t.Fatalf("%d entries, %d in order; want 3", len(c.entries), c.recent.Len())
	}
	for key, want := range map[string]bool{"0": true, "1": false, "2": true, "3": true} {
		if _, _, ok := c.lookup(org, key); ok != want {
			t.Errorf("key %s kept = %v, want %v", key, ok, want)
		}
	}
}
