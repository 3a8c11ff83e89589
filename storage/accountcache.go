package storage

import (
	"context"
	"sync"
	"sync/atomic"
)

// accountCacheMax bounds the account cache; when full it starts again
// empty, which costs one read of each account a page shows.
const accountCacheMax = 20_000

// accountCache keeps accounts as AccountsByIDs shows them (without keys),
// by ID: every timeline page shows the same few authors again, and
// decoding their rows was an eighth of a page's cost. Only Tx.UpdateAccount
// and Tx.DeleteAccount change an account row, and each drops the account
// once its transaction has committed. gen orders a read against those
// drops: what a read found is kept only if no drop happened while it ran,
// so a row read just before a commit is never kept after it.
type accountCache struct {
	mu  sync.RWMutex
	m   map[ID]Account
	gen atomic.Uint64
}

// get returns the cached accounts among ids and the ids not cached.
func (c *accountCache) get(ids []ID) (map[ID]Account, []ID) {
	found := make(map[ID]Account, len(ids))
	var missing []ID
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, id := range ids {
		if a, ok := c.m[id]; ok {
			found[id] = a
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing
}

// put keeps accounts read while the cache was at generation gen.
func (c *accountCache) put(gen uint64, accounts map[ID]Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return // an account changed while they were read
	}
	if c.m == nil || len(c.m)+len(accounts) > accountCacheMax {
		c.m = make(map[ID]Account, len(accounts))
	}
	for id, a := range accounts {
		c.m[id] = a
	}
}

// drop forgets an account that changed.
func (c *accountCache) drop(id ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	delete(c.m, id)
}

// AccountsByIDs is queries.AccountsByIDs through the account cache. The
// accounts share their Fields and Emojis with the cache: read them only.
func (s *Store) AccountsByIDs(ctx context.Context, ids []ID) (map[ID]Account, error) {
	found, missing := s.accounts.get(ids)
	if len(missing) == 0 {
		return found, nil
	}
	gen := s.accounts.gen.Load()
	read, err := s.queries.AccountsByIDs(ctx, missing)
	if err != nil {
		return nil, err
	}
	s.accounts.put(gen, read)
	for id, a := range read {
		found[id] = a
	}
	return found, nil
}
