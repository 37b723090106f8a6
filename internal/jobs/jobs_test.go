package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

func TestEvery_RunsAtOnceKeepsGoingAfterAFailureAndStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var runs atomic.Int32
	done := make(chan struct{})
	go func() {
		Every(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), "test", time.Millisecond, func(context.Context) error {
			if runs.Add(1) >= 3 {
				cancel()
			}
			return errors.New("always fails")
		})
		close(done)
	}()
	<-done
	if runs.Load() < 3 {
		t.Fatalf("ran %d times", runs.Load())
	}
}
