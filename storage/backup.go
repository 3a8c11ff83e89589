package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Backup writes a consistent copy of the database to path, a file that
// must not exist yet, while the node goes on reading and writing: SQLite
// copies one read transaction's view (VACUUM INTO), so the copy holds
// every transaction committed before it began and none after, compacted,
// with no WAL file beside it.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("back up database: %s exists already", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("back up database: %w", err)
	}
	// The reader pool is query-only, which VACUUM INTO refuses; a
	// connection of its own, as the writer's but outside its pool, reads
	// without holding the writer up.
	var file string
	if err := s.read.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		return fmt.Errorf("back up database: %w", err)
	}
	db, err := openDB(file, true)
	if err != nil {
		return fmt.Errorf("back up database: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path) // a partial copy is no backup
		return fmt.Errorf("back up database: %w", err)
	}
	return nil
}
