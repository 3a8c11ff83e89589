package storage

import (
	"context"
	"sync"
	"sync/atomic"
)

// communityCacheMax bounds the community cache; when full it starts
// again empty.
const communityCacheMax = 10_000

// communityCache keeps CommunityByAccount's rows by Group account: the
// inbox reads its community for every post a Group receives, and pages
// and the API read it for every view of a community, while a community
// row changes only when it is made, edited, or an account is deleted (a
// Group's row goes with it; a creator's leaves created_by empty).
//
// It stays exact as accountCache does, more coarsely: a transaction that
// writes community rows (Tx.InsertCommunity, UpdateCommunity,
// DeleteAccount) empties the cache and keeps it out of use from its first
// such write until it ends, committed or rolled back, so every read in
// that time goes to SQLite, where the writing transaction sees its own
// writes and everyone else the committed rows. gen orders a read against
// those writes: what a read found is kept only if no write began or ended
// while it ran.
type communityCache struct {
	mu      sync.RWMutex
	m       map[ID]Community
	writers int // open transactions that wrote community rows
	gen     atomic.Uint64
}

func (c *communityCache) get(id ID) (Community, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.writers > 0 {
		return Community{}, false
	}
	v, ok := c.m[id]
	return v, ok
}

// put keeps a community read while the cache was at generation gen.
func (c *communityCache) put(gen uint64, v Community) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen || c.writers > 0 {
		return
	}
	if c.m == nil || len(c.m) >= communityCacheMax {
		c.m = make(map[ID]Community)
	}
	c.m[v.AccountID] = v
}

// hold empties the cache and keeps it out of use until release.
func (c *communityCache) hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	c.writers++
	c.m = nil
}

// release ends a hold once the transaction that held it has ended.
func (c *communityCache) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	c.writers--
	c.m = nil
}

// cachedCommunity reads the community of Group account id through the
// cache, with read on a miss.
func (c *communityCache) cachedCommunity(ctx context.Context, id ID, read func(context.Context, ID) (Community, error)) (Community, error) {
	if v, ok := c.get(id); ok {
		return v, nil
	}
	gen := c.gen.Load()
	v, err := read(ctx, id)
	if err == nil {
		c.put(gen, v)
	}
	return v, err
}

// CommunityByAccount is queries.CommunityByAccount through the community
// cache.
func (s *Store) CommunityByAccount(ctx context.Context, id ID) (Community, error) {
	return s.communities.cachedCommunity(ctx, id, s.queries.CommunityByAccount)
}

// CommunityByAccount is queries.CommunityByAccount through the community
// cache, which is out of use while this or any transaction that wrote
// community rows is open.
func (tx *Tx) CommunityByAccount(ctx context.Context, id ID) (Community, error) {
	return tx.store.communities.cachedCommunity(ctx, id, tx.queries.CommunityByAccount)
}

// holdCommunities keeps the community cache out of use until the
// transaction ends (once per transaction).
func (tx *Tx) holdCommunities() {
	if tx.communitiesHeld {
		return
	}
	tx.communitiesHeld = true
	c := &tx.store.communities
	c.hold()
	tx.onEnd(c.release)
}

// CommunityByAccount is Store.CommunityByAccount.
func (r Reader) CommunityByAccount(ctx context.Context, id ID) (Community, error) {
	return r.s.CommunityByAccount(ctx, id)
}
