// Package jobs runs Plumbline's periodic background work inside the serve process. Each job
// is an idempotent service use case that is safe to run from several servers at once, so a
// plain ticker is enough until work moves onto a job queue.
package jobs

import (
	"context"
	"log/slog"
	"time"
)

// Every runs fn at once and then every interval until ctx ends. A failing run is logged and
// retried at the next tick; it never stops the loop.
func Every(ctx context.Context, log *slog.Logger, name string, interval time.Duration, fn func(context.Context) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := fn(ctx); err != nil && ctx.Err() == nil {
			log.Error("background job failed", "job", name, "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
