package storage

import (
	"context"
	"fmt"
	"slices"
)

// directoryCache keeps the directory's unfiltered page (everyone it
// holds, by organisation): with thousands of community members, reading
// and ordering them was 20 ms a view. It is kept under directory_version
// (migration 0056), which triggers change whenever who the directory
// holds or what it shows of them may have changed; the version is read
// before the people, so what is kept is never older than the version it
// is kept under.
type directoryCache = Versioned[int, []Account] // by page size

// Directory is queries.Directory, its unfiltered page by organisation
// from memory while the directory has not changed. The caller must not
// change the accounts' slices.
func (s *Store) Directory(ctx context.Context, f DirectoryFilter, p Page) ([]Account, error) {
	if f != (DirectoryFilter{ByOrganisation: true}) {
		return s.queries.Directory(ctx, f, p)
	}
	var gen int64
	if err := s.q.QueryRowContext(ctx, `SELECT gen FROM directory_version`).Scan(&gen); err != nil {
		return nil, fmt.Errorf("directory version: %w", err)
	}
	if people, ok := s.directory.Get(p.Limit, gen); ok {
		return people, nil
	}
	people, err := s.queries.Directory(ctx, f, p)
	if err != nil {
		return nil, err
	}
	people = slices.Clip(people)
	s.directory.Put(p.Limit, gen, people)
	return people, nil
}

// Directory is Store.Directory.
func (r Reader) Directory(ctx context.Context, f DirectoryFilter, p Page) ([]Account, error) {
	return r.s.Directory(ctx, f, p)
}
