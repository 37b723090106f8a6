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
	"github.com/plumbline/plumbline/internal/qms"
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

// The overdue-actions task marks open CAPA actions past their due date once and re-scores the
// risks of their process.
func TestOverdueActions_MarksOverdueActionsAndRescoresRisks(t *testing.T) {
	svc, db := qmstest.New(t)
	ctx := context.Background()
	org := qmstest.NewOrg(t, svc, "acme")
	process := qmstest.Must(svc.CreateProcess(ctx, org.Admin, qms.ProcessInput{Name: "Production", OwnerID: org.ProcessOwner.UserID}))(t)
	risk := qmstest.Must(svc.CreateRisk(ctx, org.QualityManager, qms.RiskInput{Kind: "risk", Title: "Late deliveries",
		ProcessID: process.ID, OwnerID: org.ProcessOwner.UserID, InherentLikelihood: "3", InherentSeverity: "3",
		ResidualLikelihood: "2", ResidualSeverity: "2", Treatment: "reduce", ReviewDate: "2026-12-31"}))(t)
	f := qmstest.Must(svc.RaiseFinding(ctx, org.QualityManager, qms.FindingInput{Classification: qms.MinorNC, Source: qms.SourceOther,
		Statement: "Late", ClauseNumber: "8.5.1", ObjectiveEvidence: "OTD report", ProcessID: process.ID}))(t)
	today := svc.Today()
	_, err := db.Admin.Exec(ctx, `
		WITH c AS (INSERT INTO capas (tenant_id, reference, year, seq, title, problem_statement, process_id, owner_id, verifier_id, created_by)
		           VALUES ($1, 'CA-2026-001', 2026, 1, 'Late deliveries', 'OTD below target', $2, $3, $4, $4) RETURNING id),
		     l AS (INSERT INTO capa_findings (tenant_id, capa_id, finding_id) SELECT $1, id, $5 FROM c)
		INSERT INTO capa_actions (tenant_id, capa_id, description, owner_id, due_date)
		SELECT $1, id, d, $3, due FROM c, (VALUES ('Overdue action', $6::date - 3), ('Action due later', $6::date + 10)) AS x(d, due)`,
		org.ID, process.ID, org.ProcessOwner.UserID, org.QualityManager.UserID, f.ID, today)
	if err != nil {
		t.Fatal(err)
	}
	before := qmstest.Must(svc.RiskDetail(ctx, org.Viewer, risk.ID))(t)

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
	deadline := time.After(2 * time.Minute) // against hanging, not a speed check
	for ran := false; !ran; {
		select {
		case ev := <-done:
			if ev.Kind != river.EventKindJobCompleted {
				t.Fatalf("job %s %s: %v", ev.Job.Kind, ev.Kind, ev.Job.Errors)
			}
			ran = strings.Contains(string(ev.Job.EncodedArgs), `"overdue_actions"`)
		case <-deadline:
			t.Fatal("the overdue-actions job did not run")
		}
	}
	var marked []string
	rows, err := db.Admin.Query(ctx, `SELECT description FROM capa_actions WHERE overdue_noted_at IS NOT NULL ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		marked = append(marked, s)
	}
	rows.Close()
	if len(marked) != 1 || marked[0] != "Overdue action" {
		t.Errorf("marked %v", marked)
	}
	after := qmstest.Must(svc.RiskDetail(ctx, org.Viewer, risk.ID))(t)
	last := after.History[len(after.History)-1]
	if after.Exposure != before.Exposure+2 || !strings.Contains(last.Cause, "CAPA action overdue (CA-2026-001)") {
		t.Errorf("exposure %d → %d, last change %+v", before.Exposure, after.Exposure, last)
	}
}
