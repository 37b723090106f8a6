// Package jobs runs Plumbline's background work on River, a job queue kept in PostgreSQL. It is
// safe with several server instances: River elects one leader to schedule periodic jobs, and
// each job is worked once. Workers are thin: each calls one use case of internal/qms.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/plumbline/plumbline/internal/qms"
)

// task is one kind of periodic work: a system use case run for every organisation at once.
// It reports how many things it changed, for the log.
type task struct {
	every time.Duration
	run   func(ctx context.Context, svc *qms.Service) (int, error)
}

// tasks are the periodic jobs, by name. Every task is idempotent, so a run that is retried or
// overlaps another changes nothing twice.
var tasks = map[string]task{
	// Expired sessions and sign-in failure counts older than a day.
	"housekeeping": {every: 15 * time.Minute, run: func(ctx context.Context, svc *qms.Service) (int, error) {
		swept, err := svc.Housekeeping(ctx)
		return int(swept.Sessions + swept.SignInCounts), err
	}},
	// Approved document versions whose chosen effective day has come.
	"documents_due": {every: 10 * time.Minute, run: func(ctx context.Context, svc *qms.Service) (int, error) {
		return svc.MakeDueVersionsEffective(ctx)
	}},
	// CAPA actions that became overdue, and the risk exposure they (and time) move.
	"overdue_actions": {every: time.Hour, run: func(ctx context.Context, svc *qms.Service) (int, error) {
		return svc.NoteOverdueActions(ctx)
	}},
}

// PeriodicArgs is the job of one periodic task.
type PeriodicArgs struct {
	Task string `json:"task"`
}

// Kind names the job in the queue.
func (PeriodicArgs) Kind() string { return "periodic" }

type periodicWorker struct {
	river.WorkerDefaults[PeriodicArgs]
	svc *qms.Service
	log *slog.Logger
}

func (w *periodicWorker) Work(ctx context.Context, job *river.Job[PeriodicArgs]) error {
	t, ok := tasks[job.Args.Task]
	if !ok {
		// A job queued by a newer or older version of the server: nothing to do here.
		return river.JobCancel(fmt.Errorf("unknown periodic task %q", job.Args.Task))
	}
	n, err := t.run(ctx, w.svc)
	if err != nil {
		return err
	}
	if n > 0 {
		w.log.Info("periodic task", "task", job.Args.Task, "changed", n)
	}
	return nil
}

// Runner owns the River client: the workers and the periodic schedule.
type Runner struct {
	client *river.Client[pgx.Tx]
}

// New prepares the job runner on pool (the server's role) for svc. Call Start to begin work.
func New(pool *pgxpool.Pool, svc *qms.Service, log *slog.Logger) (*Runner, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &periodicWorker{svc: svc, log: log})
	var periodic []*river.PeriodicJob
	for name, t := range tasks {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(t.every),
			func() (river.JobArgs, *river.InsertOpts) { return PeriodicArgs{Task: name}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		// River reports its own comings and goings at info level; only problems are ours.
		Logger:       slog.New(quietHandler{log.Handler()}),
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:      workers,
		PeriodicJobs: periodic,
	})
	if err != nil {
		return nil, err
	}
	return &Runner{client: client}, nil
}

// Start begins working jobs and scheduling periodic ones until Stop.
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop finishes the jobs in hand and stops.
func (r *Runner) Stop(ctx context.Context) error { return r.client.Stop(ctx) }

// Client is the River client, for tests that wait on job events.
func (r *Runner) Client() *river.Client[pgx.Tx] { return r.client }

// quietHandler passes on River's warnings and errors and drops its routine messages.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}
