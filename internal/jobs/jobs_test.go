package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/plumbline/plumbline/internal/jobs"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// The runner works as the server's role (row-level security, no ownership), schedules the
// housekeeping job on start, and the job sweeps what has expired and nothing else.
func TestHousekeeping_RunsOnStartAndSweepsOnlyWhatExpired(t *testing.T) {
	svc, db := qmstest.New(t)
	ctx := context.Background()
	_, err := db.Admin.Exec(ctx, `
		INSERT INTO sessions (token, data, expiry) VALUES ('expired', '\x00', now() - interval '1 minute'), ('live', '\x00', now() + interval '1 hour');
		INSERT INTO sign_in_throttle (key, window_started_at, failures) VALUES ('account:old@x.test', now() - interval '2 days', 3), ('account:new@x.test', now(), 1);`)
	if err != nil {
		t.Fatal(err)
	}
	runner, err := jobs.New(db.App, svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := runner.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = runner.Stop(context.Background()) }()

	// Every periodic task runs on start; wait until the housekeeping one has completed.
	deadline := time.After(2 * time.Minute) // against hanging, not a speed check
	for housekept := false; !housekept; {
		select {
		case ev := <-done:
			if ev.Kind != river.EventKindJobCompleted {
				t.Fatalf("job %s %s: %v", ev.Job.Kind, ev.Kind, ev.Job.Errors)
			}
			housekept = strings.Contains(string(ev.Job.EncodedArgs), `"housekeeping"`)
		case <-deadline:
			t.Fatal("the housekeeping job did not run")
		}
	}
	var sessions, counts []string
	for _, q := range []struct {
		sql string
		out *[]string
	}{{`SELECT token FROM sessions ORDER BY 1`, &sessions}, {`SELECT key FROM sign_in_throttle ORDER BY 1`, &counts}} {
		rows, err := db.Admin.Query(ctx, q.sql)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			*q.out = append(*q.out, s)
		}
		rows.Close()
	}
	if len(sessions) != 1 || sessions[0] != "live" || len(counts) != 1 || counts[0] != "account:new@x.test" {
		t.Fatalf("left sessions %v and counts %v", sessions, counts)
	}
}
