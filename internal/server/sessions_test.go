package server

import (
	"context"
	"testing"
	"time"
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
