package database

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Follower hears what the database announces on one channel (NOTIFY), on a connection of its
// own, for a server that keeps what it read until it hears it changed.
type Follower struct {
	Channel string
	// Live is told true once the connection listens and false whenever it is lost: what was
	// announced meanwhile went unheard, so what is kept must be forgotten.
	Live func(bool)
	// Heard is each announcement's payload, in commit order.
	Heard func(payload string)
	// Meanwhile says in the log what a lost connection means, e.g. "nothing is kept meanwhile".
	Meanwhile string
}

// Follow listens until ctx ends. When the connection drops it tries again after a pause that
// grows to half a minute, and starts again from the shortest pause once a connection has
// lasted longer than that.
func (f Follower) Follow(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) {
	const first, most = 100 * time.Millisecond, 30 * time.Second
	pause := first
	for ctx.Err() == nil {
		began := time.Now()
		err := f.listen(ctx, pool.Config().ConnConfig.Copy())
		f.Live(false)
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > most {
			pause = first
		}
		log.Warn("listening on "+f.Channel+"; "+f.Meanwhile, "error", err, "retry_in", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, most)
	}
}

// listen listens on its own connection until it fails or ctx ends.
func (f Follower) listen(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{f.Channel}.Sanitize()); err != nil {
		return err
	}
	f.Live(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		f.Heard(n.Payload)
	}
}
