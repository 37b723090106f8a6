package server

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// A page view that changes nothing in the session does not rewrite its row; a change of data,
// or an expiry that has fallen behind by more than the touch interval, does.
func TestSessionStoreWritesOnlyWhatChanged(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	st := sessionStore{h.server.store, h.svc.Pool(), nil}
	rowVersion := func() (xmin string, data string, expiry time.Time) {
		t.Helper()
		if err := h.db.Admin.QueryRow(ctx, `SELECT xmin::text, convert_from(data, 'UTF8'), expiry FROM sessions WHERE token = 'tok'`).
			Scan(&xmin, &data, &expiry); err != nil {
			t.Fatal(err)
		}
		return
	}
	commit := func(data string, expiry time.Time) {
		t.Helper()
		if err := st.Commit("tok", []byte(data), expiry); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now().Add(time.Hour).Truncate(time.Second)
	commit("a", start)
	first, data, _ := rowVersion()
	if data != "a" {
		t.Fatalf("stored %q, want a", data)
	}
	commit("a", start.Add(10*time.Second))
	if again, _, _ := rowVersion(); again != first {
		t.Errorf("an unchanged session within the touch interval was rewritten")
	}
	commit("b", start.Add(10*time.Second))
	changed, data, _ := rowVersion()
	if changed == first || data != "b" {
		t.Errorf("changed data was not stored: %q", data)
	}
	later := start.Add(sessionTouchInterval + time.Minute)
	commit("b", later)
	if _, _, expiry := rowVersion(); !expiry.Equal(later) {
		t.Errorf("expiry %v, want it moved on to %v", expiry, later)
	}
}

// TestUnchangedSessionCommitsWithoutTheDatabase: after a request read its session, committing
// it unchanged (values in any order) within the touch interval needs no database; a change,
// or an expiry due to move on, goes to the database.
func TestUnchangedSessionCommitsWithoutTheDatabase(t *testing.T) {
	h := newHarness(t, Config{})
	st := sessionStore{h.server.store, h.svc.Pool(), nil}
	var codec sessionCodec
	deadline := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	values := map[string]any{"user_id": "u-1", "a": "1", "b": true, "c": "x"}
	data, err := codec.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	expiry := time.Now().Add(30 * time.Minute).UTC()
	if err := st.Commit("tok", data, expiry); err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), sessionLoadedKey{}, &sessionLoaded{})
	if _, found, err := st.FindCtx(ctx, "tok"); err != nil || !found {
		t.Fatalf("finding the session: %v, %v", found, err)
	}
	// A store whose pool is closed fails whenever it goes to the database.
	closed, err := pgxpool.New(context.Background(), h.svc.Pool().Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	offline := sessionStore{h.server.store, closed, nil}
	for range 5 { // the map is walked in a different order each time
		again, err := codec.Encode(deadline, values)
		if err != nil {
			t.Fatal(err)
		}
		if err := offline.CommitCtx(ctx, "tok", again, expiry.Add(10*time.Second)); err != nil {
			t.Fatalf("an unchanged session went to the database: %v", err)
		}
	}
	changed, _ := codec.Encode(deadline, map[string]any{"user_id": "u-1", "flash": "Saved."})
	if err := offline.CommitCtx(ctx, "tok", changed, expiry); err == nil {
		t.Error("a changed session was not stored")
	}
	if err := offline.CommitCtx(ctx, "tok", data, expiry.Add(sessionTouchInterval+time.Second)); err == nil {
		t.Error("an expiry due to move on was not stored")
	}
	if err := offline.CommitCtx(context.Background(), "tok", data, expiry); err == nil {
		t.Error("a session no request read was not stored")
	}
}

// The session codec gives back the strings and booleans it was given, refuses other values
// instead of changing their type, and still reads sessions that scs encoded as gob, so that
// nobody signed in is signed out by the change; an old session and its JSON form compare equal.
func TestSessionCodec_KeepsStringsAndBooleansAndReadsOldSessions(t *testing.T) {
	var codec sessionCodec
	deadline := time.Date(2026, 11, 24, 18, 30, 0, 0, time.UTC)
	values := map[string]any{"user_id": "5f0c…", "must_change_password": true, "flash": "<b>Saved</b> & \"done\""}
	b, err := codec.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	gotDeadline, got, err := codec.Decode(b)
	if err != nil || !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Fatalf("decoded %v %#v (%v), want %v %#v", gotDeadline, got, err, deadline, values)
	}
	if _, err := codec.Encode(deadline, map[string]any{"count": 3}); err == nil {
		t.Error("a number was accepted; it would come back as a float64")
	}
	old, err := scs.GobCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	gotDeadline, got, err = codec.Decode(old)
	if err != nil || !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Fatalf("old session decoded %v %#v (%v)", gotDeadline, got, err)
	}
	if !sameSession(old, b) {
		t.Error("a session stored as gob and the same session as JSON compare different")
	}
	if _, empty, err := codec.Decode([]byte(`{"deadline":"2026-11-24T18:30:00Z"}`)); err != nil || empty == nil {
		t.Errorf("a session without values: %v, %v", empty, err)
	}
}

// A session read once is kept: reading it again needs no database. A change made by hand
// (standing in for another server) is heard and read afresh; a session deleted by hand is
// gone; a kept session whose expiry passes is not given out.
func TestKeptSessions_UntilTheyChangeOrExpire(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	st := sessionStore{h.server.store, h.svc.Pool(), h.server.kept}
	closed, err := pgxpool.New(ctx, h.svc.Pool().Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	offline := sessionStore{h.server.store, closed, h.server.kept} // fails whenever it goes to the database
	find := func(s sessionStore, token string) (string, bool, error) {
		t.Helper()
		b, found, err := s.FindCtx(ctx, token)
		return string(b), found, err
	}

	if err := st.Commit("tok", []byte("first"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if data, found, err := find(st, "tok"); err != nil || !found || data != "first" {
		t.Fatalf("read %q, %v, %v", data, found, err)
	}
	if data, found, err := find(offline, "tok"); err != nil || !found || data != "first" {
		t.Fatalf("the session was not kept: %q, %v, %v", data, found, err)
	}

	if _, err := h.db.Admin.Exec(ctx, `UPDATE sessions SET data = 'second' WHERE token = 'tok'`); err != nil {
		t.Fatal(err)
	}
	qmstest.Eventually(t, "the change made by hand is read", func() bool {
		data, _, _ := find(st, "tok")
		return data == "second"
	})

	if _, err := h.db.Admin.Exec(ctx, `DELETE FROM sessions WHERE token = 'tok'`); err != nil {
		t.Fatal(err)
	}
	qmstest.Eventually(t, "the session deleted by hand is gone", func() bool {
		_, found, _ := find(st, "tok")
		return !found
	})

	// This server's own changes void its copy at once, before the announcement arrives.
	if err := st.Commit("own", []byte("one"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	find(st, "own")
	if err := st.Commit("own", []byte("two"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if data, _, _ := find(st, "own"); data != "two" {
		t.Fatalf("after this server's own change: %q", data)
	}
	if err := st.DeleteCtx(ctx, "own"); err != nil {
		t.Fatal(err)
	}
	if _, found, err := find(st, "own"); found || err != nil {
		t.Fatalf("after this server deleted it: found %v, %v", found, err)
	}

	if err := st.Commit("brief", []byte("x"), time.Now().Add(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := find(st, "brief"); !found {
		t.Fatal("the brief session was not found")
	}
	time.Sleep(400 * time.Millisecond)
	if _, found, _ := find(offline, "brief"); found {
		t.Fatal("a kept session was given out after its expiry")
	}
}

// Signing out ends the session on this server at once, and a session deleted by another
// server (by hand here) ends as soon as its announcement is heard.
func TestKeptSessions_SigningOutEndsTheSession(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	site, _ := url.Parse(h.http.URL)
	c := h.signedIn(h.acme, auth.RoleViewer)
	c.get("/o/acme/documents").wantStatus(http.StatusOK)
	c.get("/o/acme/documents").wantStatus(http.StatusOK) // from the kept session
	cookies := c.http.Jar.Cookies(site)
	c.post("/logout", url.Values{})
	replay := h.client()
	replay.http.Jar.SetCookies(site, cookies)
	replay.get("/o/acme/documents").wantStatus(http.StatusSeeOther)

	other := h.signedIn(h.acme, auth.RoleViewer)
	other.get("/o/acme/documents").wantStatus(http.StatusOK)
	if _, err := h.db.Admin.Exec(ctx, `DELETE FROM sessions`); err != nil {
		t.Fatal(err)
	}
	qmstest.Eventually(t, "the session deleted elsewhere ends", func() bool {
		return other.get("/o/acme/documents").status == http.StatusSeeOther
	})
}

// When the connection that hears of session changes drops, nothing is kept (a change may go
// unheard) until a new connection listens; changes are heard again after that.
func TestKeptSessions_ListensAgainAfterTheConnectionDrops(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	listener := func() int {
		var pid int
		_ = h.db.Admin.QueryRow(ctx, `SELECT coalesce(max(pid), 0) FROM pg_stat_activity
			WHERE datname = current_database() AND query = 'LISTEN "session_changes"'`).Scan(&pid)
		return pid
	}
	before := listener()
	if before == 0 {
		t.Fatal("no connection listens for session changes")
	}
	if _, err := h.db.Admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, before); err != nil {
		t.Fatal(err)
	}
	qmstest.Eventually(t, "a new connection listens", func() bool {
		now := listener()
		return now != 0 && now != before && h.server.kept.hears()
	})
	st := sessionStore{h.server.store, h.svc.Pool(), h.server.kept}
	if err := st.Commit("tok", []byte("first"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	st.FindCtx(ctx, "tok")
	if _, err := h.db.Admin.Exec(ctx, `UPDATE sessions SET data = 'second' WHERE token = 'tok'`); err != nil {
		t.Fatal(err)
	}
	qmstest.Eventually(t, "a change is heard on the new connection", func() bool {
		b, _, _ := st.FindCtx(ctx, "tok")
		return string(b) == "second"
	})
}

// The rules of keptSessions on their own: a session read before a change (an older ticket) is
// not kept; nothing is kept, or given out, while the server is not listening; a full cache
// makes room and stays within its bound.
func TestKeptSessions_Tickets(t *testing.T) {
	now := time.Now()
	later := keptSession{data: []byte("x"), expiry: now.Add(time.Hour)}
	k := newKeptSessions(8)
	_, ticket, _ := k.lookup("a", now)
	k.keep("a", ticket, later, now) // not listening yet
	if _, _, ok := k.lookup("a", now); ok {
		t.Fatal("a session was kept while the server was not listening")
	}
	k.listening(true)
	_, ticket, _ = k.lookup("a", now)
	k.changed("b") // any change heard while "a" was being read
	k.keep("a", ticket, later, now)
	if _, _, ok := k.lookup("a", now); ok {
		t.Fatal("a session read before a change was kept")
	}
	_, ticket, _ = k.lookup("a", now)
	k.keep("a", ticket, later, now)
	if _, _, ok := k.lookup("a", now); !ok {
		t.Fatal("a session read with no change since was not kept")
	}
	k.listening(false)
	if _, _, ok := k.lookup("a", now); ok {
		t.Fatal("a kept session was given out after the connection dropped")
	}
	k.listening(true)
	for i := range 20 {
		_, ticket, _ := k.lookup("x", now)
		k.keep(strconv.Itoa(i), ticket, later, now)
		if len(k.entries) > k.max {
			t.Fatalf("%d sessions kept, bound %d", len(k.entries), k.max)
		}
	}
}
