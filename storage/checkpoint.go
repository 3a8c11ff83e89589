package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// The write-ahead log is copied back into the database file (a
// checkpoint) by a goroutine of its own, on a connection of its own, not
// by the writer when a commit makes the log long. SQLite's automatic
// checkpoint ran inside the commit that crossed its threshold: it copied
// a thousand pages and synced the file while the writer, and every
// request waiting for its commit, stood still; in a busy inbox that was
// two fifths of the time its commits took. A passive checkpoint on another
// connection runs beside the writer and the readers and blocks neither.
//
// The writer keeps an automatic checkpoint as a backstop, at a far
// higher threshold (writerCheckpointPages): should the checkpointer fall
// behind or fail, the log still stops growing there.

const (
	// checkpointEvery is how often, at most, the checkpointer runs while
	// commits keep coming; the log grows by what the writer commits in
	// that time (a few megabytes at the busiest) before it is copied.
	checkpointEvery = 50 * time.Millisecond
	// writerCheckpointPages is the writer's own automatic checkpoint
	// threshold, in pages (SQLite's default is 1,000).
	writerCheckpointPages = 20_000
	// walSizeLimit is the size the log file is cut back to after a
	// checkpoint, should it have grown past it.
	walSizeLimit = 64 << 20
)

// checkpointer runs passive checkpoints after commits.
type checkpointer struct {
	db     *sql.DB
	kick   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// committed tells the checkpointer that the log has grown.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		if err := c.checkpoint(context.Background()); err != nil {
			slog.Warn("checkpoint of the write-ahead log", "err", err)
		}
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// checkpoint copies what it can of the log into the database without
// waiting for readers or the writer.
func (c *checkpointer) checkpoint(ctx context.Context) error {
	var busy, logPages, copied int
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &copied); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// close stops the checkpointer and runs a last checkpoint.
func (c *checkpointer) close() error {
	var err error
	c.closed.Do(func() {
		close(c.stop)
		<-c.done
		err = c.checkpoint(context.Background())
		err = errors.Join(err, c.db.Close())
	})
	return err
}
