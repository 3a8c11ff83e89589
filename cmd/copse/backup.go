package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// backup writes a consistent copy of a node's database, and its media
// files, to an empty directory while the node runs. Restoring is copying
// the directory back as the node's data directory while it is stopped.
func backup(ctx context.Context, args []string, p proc) error {
	a := newAdminFlags("admin backup")
	to := a.fs.String("to", "", "`directory` to write the backup to: new, or empty")
	n, err := a.open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	if *to == "" {
		return errors.New("admin backup: --to required")
	}
	if err := emptyDir(*to); err != nil {
		return fmt.Errorf("admin backup: %w", err)
	}
	db := filepath.Join(*to, "copse.db")
	if err := n.Store.Backup(ctx, db); err != nil {
		return fmt.Errorf("admin backup: %w", err)
	}
	// Media files are written whole under a new name and never changed,
	// so a file copied now is the file the database copy points at; one
	// removed between the two copies was unreferenced by then.
	files, size, err := copyTree(ctx, n.Engine.MediaDir(), filepath.Join(*to, "media"))
	if err != nil {
		return fmt.Errorf("admin backup: media: %w", err)
	}
	fi, err := os.Stat(db)
	if err != nil {
		return fmt.Errorf("admin backup: %w", err)
	}
	fmt.Fprintf(p.stdout, "backed up the database (%s) and %d media files (%s) to %s\n", megabytes(fi.Size()), files, megabytes(size), *to)
	return nil
}

// emptyDir makes dir, or makes sure it is an empty directory, so a backup
// never mixes with another.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	return nil
}

// copyTree copies the regular files under src to dst, keeping their
// relative paths, and skips the hidden ones (uploads being written). A
// missing src is an empty tree.
func copyTree(ctx context.Context, src, dst string) (files int, size int64, err error) {
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == src {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && path != src {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		n, err := copyFile(path, filepath.Join(dst, rel))
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed since the walk listed it
		}
		if err != nil {
			return err
		}
		files++
		size += n
		return nil
	})
	return files, size, err
}

func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return 0, err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
