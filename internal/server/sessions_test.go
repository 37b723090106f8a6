package server

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A page view that changes nothing in the session does not rewrite its row; a change of data,
// or an expiry that has fallen behind by more than the touch interval, does.
func TestSessionStoreWritesOnlyWhatChanged(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	st := sessionStore{h.server.store, h.svc.Pool()}
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
	st := sessionStore{h.server.store, h.svc.Pool()}
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
	offline := sessionStore{h.server.store, closed}
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
