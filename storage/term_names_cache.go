package storage

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// termNamesMax bounds the communities whose term names are kept; when
// full the cache starts again empty.
const termNamesMax = 1_000

// termNamesCache keeps CommunityTermNames by community: every artefact
// and thread page of a community links the glossary's terms, and reading
// the names and their aliases again on each view was a tenth of an
// artefact page. Only Tx.InsertTerm, Tx.UpdateTerm and Tx.DeleteAccount
// (a community's terms go with it) change them, and each drops the
// community once its transaction has committed; gen orders a read against
// those drops, as accountCache does, so names read just before a commit
// are never kept after it.
type termNamesCache struct {
	mu  sync.RWMutex
	m   map[ID][]TermName
	gen atomic.Uint64
}

func (c *termNamesCache) get(community ID) ([]TermName, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	names, ok := c.m[community]
	return names, ok
}

func (c *termNamesCache) put(gen uint64, community ID, names []TermName) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return // a term changed while they were read
	}
	if c.m == nil || len(c.m) >= termNamesMax {
		c.m = make(map[ID][]TermName)
	}
	c.m[community] = names
}

func (c *termNamesCache) drop(community ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	delete(c.m, community)
}

// CommunityTermNames is queries.CommunityTermNames through the cache.
// The caller must not change the names or their aliases.
func (s *Store) CommunityTermNames(ctx context.Context, communityID ID) ([]TermName, error) {
	if names, ok := s.termNames.get(communityID); ok {
		return names, nil
	}
	gen := s.termNames.gen.Load()
	names, err := s.queries.CommunityTermNames(ctx, communityID)
	if err != nil {
		return nil, err
	}
	s.termNames.put(gen, communityID, slices.Clip(names))
	return names, nil
}

// CommunityTermNames is Store.CommunityTermNames.
func (r Reader) CommunityTermNames(ctx context.Context, communityID ID) ([]TermName, error) {
	return r.s.CommunityTermNames(ctx, communityID)
}
