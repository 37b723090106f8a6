// Package jobs runs Plumbline's background work on River, a job queue kept in PostgreSQL. It is
// safe with several server instances: River elects one leader to schedule periodic jobs, and
// each job is worked once. Workers are thin: each calls one use case of internal/qms.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/plumbline/plumbline/internal/qms"
)

// Runner owns the River client: the workers and the periodic schedule.
type Runner struct {
	client *river.Client[pgx.Tx]
}

// New prepares the job runner on pool (the server's role) for svc. Call Start to begin work.
func New(pool *pgxpool.Pool, svc *qms.Service, log *slog.Logger) (*Runner, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &housekeepingWorker{svc: svc, log: log})
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		// River reports its own comings and goings at info level; only problems are ours.
		Logger:  slog.New(quietHandler{log.Handler()}),
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(housekeepingEvery),
				func() (river.JobArgs, *river.InsertOpts) { return HousekeepingArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
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

// housekeepingEvery is how often expired sessions and old sign-in counts are swept.
const housekeepingEvery = 15 * time.Minute

// HousekeepingArgs asks for the periodic sweep of expired sessions and sign-in counts.
type HousekeepingArgs struct{}

// Kind names the job in the queue.
func (HousekeepingArgs) Kind() string { return "housekeeping" }

type housekeepingWorker struct {
	river.WorkerDefaults[HousekeepingArgs]
	svc *qms.Service
	log *slog.Logger
}

func (w *housekeepingWorker) Work(ctx context.Context, _ *river.Job[HousekeepingArgs]) error {
	swept, err := w.svc.Housekeeping(ctx)
	if err != nil {
		return err
	}
	if swept.Sessions > 0 || swept.SignInCounts > 0 {
		w.log.Info("housekeeping", "expired_sessions", swept.Sessions, "old_sign_in_counts", swept.SignInCounts)
	}
	return nil
}

// quietHandler passes on River's warnings and errors and drops its routine messages.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}
