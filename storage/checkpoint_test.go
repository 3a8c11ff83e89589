package storage

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCheckpointerKeepsTheLogShort writes far more pages than SQLite's
// default checkpoint threshold in many small commits, as a busy inbox
// does, with the writer's own checkpoint set far above that: the
// checkpointer must have copied the log back and let it start over, so
// the log holds a fraction of what was written, and the log file on disk
// stays bounded.
func TestCheckpointerKeepsTheLogShort(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "copse.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `CREATE TABLE ckpt_test (b BLOB)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const commits, pagesEach = 600, 4 // 2,400 pages: beyond SQLite's default 1,000
	blob := make([]byte, pagesEach*4096)
	deadline := time.Now().Add(time.Minute)
	for i := range commits {
		err := s.InTx(ctx, func(tx *Tx) error {
			_, err := tx.tx.ExecContext(ctx, `INSERT INTO ckpt_test (b) VALUES (?)`, blob)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if i%50 == 49 {
			time.Sleep(2 * checkpointEvery) // the checkpointer's turn
		}
		if time.Now().After(deadline) {
			t.Fatal("writing took over a minute")
		}
	}
	// What the writer's log holds now, without checkpointing it: the
	// read is of the log's header through a read transaction.
	var frames int
	if err := s.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(new(int), &frames, new(int)); err != nil {
		t.Fatal(err)
	}
	if max := commits * pagesEach / 2; frames > max {
		t.Errorf("the log holds %d pages after %d pages of data were written; want under %d: the checkpointer did not let it start over", frames, commits*pagesEach, max)
	}
	info, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if max := int64(commits * pagesEach * 4096 / 2); info.Size() > max {
		t.Errorf("the log file is %d bytes; want under %d", info.Size(), max)
	}
}
