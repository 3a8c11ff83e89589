package storage

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// accountCacheMax bounds the account cache; when full it starts again
// empty, which costs one read of each account a page shows.
const accountCacheMax = 20_000

// accountCache keeps accounts as AccountsByIDs shows them (without keys),
// by ID, with indexes by URI and by local username: every timeline page
// shows the same few authors again, and the inbox reads the same actors
// and mentioned members in every transaction; decoding their rows was an
// eighth of a page's cost and a sixth of an activity's.
//
// It stays exact for readers and for transactions alike. A transaction
// that writes an account row (Tx.InsertAccount, UpdateAccount,
// DeleteAccount, RenameProfileImages) holds that account from the write
// until the transaction ends, committed or rolled back: a held account is
// not in the cache and is never put there, so every read of it goes to
// SQLite, where the writing transaction sees its own write and everyone
// else the committed row. Ending the hold drops the account again. gen
// orders a read against those changes: what a read found is kept only if
// no hold or drop happened while it ran, so a row read just before a
// commit is never kept after it. A cached account is therefore always the
// committed row, which is also what any transaction sees of an account it
// has not written (there is one writer).
type accountCache struct {
	mu      sync.RWMutex
	m       map[ID]Account
	byURI   map[string]ID
	byLocal map[string]ID // sqliteLower(username) of local accounts
	held    map[ID]int    // accounts written by open transactions
	gen     atomic.Uint64
}

// get returns the cached accounts among ids and the ids not cached.
func (c *accountCache) get(ids []ID) (map[ID]Account, []ID) {
	found := make(map[ID]Account, len(ids))
	var missing []ID
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, id := range ids {
		if a, ok := c.m[id]; ok {
			found[id] = owned(a)
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing
}

// one returns the cached account with that ID.
func (c *accountCache) one(id ID) (Account, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	a, ok := c.m[id]
	return owned(a), ok
}

// lookup returns the cached account whose URI is uri (local false)
// or the local account named name (local true). The index only points:
// the account found must still carry that URI or name.
func (c *accountCache) lookup(key string, local bool) (Account, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if local {
		key = sqliteLower(key)
		id, ok := c.byLocal[key]
		if !ok {
			return Account{}, false
		}
		a, ok := c.m[id]
		if !ok || a.Domain != "" || sqliteLower(a.Username) != key {
			return Account{}, false
		}
		return owned(a), true
	}
	id, ok := c.byURI[key]
	if !ok {
		return Account{}, false
	}
	a, ok := c.m[id]
	if !ok || a.URI != key {
		return Account{}, false
	}
	return owned(a), true
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
		c.byURI = make(map[string]ID, len(accounts))
		c.byLocal = make(map[string]ID)
	}
	for id, a := range accounts {
		c.putLocked(id, a)
	}
}

// putOne is put for one account.
func (c *accountCache) putOne(gen uint64, a Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if c.m == nil || len(c.m)+1 > accountCacheMax {
		c.m = make(map[ID]Account)
		c.byURI = make(map[string]ID)
		c.byLocal = make(map[string]ID)
	}
	c.putLocked(a.ID, a)
}

func (c *accountCache) putLocked(id ID, a Account) {
	if c.held[id] > 0 {
		return // being written: its row is not settled
	}
	c.m[id] = owned(a) // the reader keeps the slices it read
	if a.URI != "" {
		c.byURI[a.URI] = id
	}
	if a.Domain == "" {
		c.byLocal[sqliteLower(a.Username)] = id
	}
}

// owned is a with its own Fields, Emojis and AlsoKnownAs: the cache's
// copy and each account it hands out share no slice, so no caller can
// change what the next read shows. (Their elements hold only strings.)
func owned(a Account) Account {
	a.Fields, a.Emojis, a.AlsoKnownAs = slices.Clone(a.Fields), slices.Clone(a.Emojis), slices.Clone(a.AlsoKnownAs)
	return a
}

// drop forgets an account that changed.
func (c *accountCache) drop(id ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	delete(c.m, id)
}

// hold forgets an account a transaction is writing and keeps it out of
// the cache until release.
func (c *accountCache) hold(id ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	delete(c.m, id)
	if c.held == nil {
		c.held = map[ID]int{}
	}
	c.held[id]++
}

// release ends a hold once the transaction that wrote the account has
// ended, either way: the next read finds its row as it now stands.
func (c *accountCache) release(id ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	delete(c.m, id)
	if c.held[id] <= 1 {
		delete(c.held, id)
	} else {
		c.held[id]--
	}
}

// sqliteLower is SQLite's lower(): ASCII letters only.
func sqliteLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// AccountsByIDs is queries.AccountsByIDs through the account cache; the
// accounts are the caller's own.
func (s *Store) AccountsByIDs(ctx context.Context, ids []ID) (map[ID]Account, error) {
	return s.accounts.byIDs(ctx, s.queries, ids)
}

// AccountsByIDs is queries.AccountsByIDs through the account cache, as
// Store.AccountsByIDs; accounts this transaction wrote are read from it.
func (tx *Tx) AccountsByIDs(ctx context.Context, ids []ID) (map[ID]Account, error) {
	return tx.store.accounts.byIDs(ctx, tx.queries, ids)
}

func (c *accountCache) byIDs(ctx context.Context, q queries, ids []ID) (map[ID]Account, error) {
	found, missing := c.get(ids)
	if len(missing) == 0 {
		return found, nil
	}
	gen := c.gen.Load()
	read, err := q.AccountsByIDs(ctx, missing)
	if err != nil {
		return nil, err
	}
	c.put(gen, read)
	for id, a := range read {
		found[id] = a
	}
	return found, nil
}

// AccountByIDWithoutKeys is queries.AccountByIDWithoutKeys through the
// account cache; the account is the caller's own.
func (tx *Tx) AccountByIDWithoutKeys(ctx context.Context, id ID) (Account, error) {
	c := &tx.store.accounts
	if a, ok := c.one(id); ok {
		a.keysOmitted = true
		return a, nil
	}
	gen := c.gen.Load()
	a, err := tx.queries.AccountByIDWithoutKeys(ctx, id)
	if err == nil {
		c.putOne(gen, a)
	}
	return a, err
}

// AccountByURIWithoutKeys is queries.AccountByURIWithoutKeys through the
// account cache, as AccountByIDWithoutKeys.
func (tx *Tx) AccountByURIWithoutKeys(ctx context.Context, uri string) (Account, error) {
	return tx.store.accounts.cachedLookup(ctx, uri, false, tx.queries.AccountByURIWithoutKeys)
}

// AccountByUsernameWithoutKeys is queries.AccountByUsernameWithoutKeys
// through the account cache, as AccountByIDWithoutKeys.
func (tx *Tx) AccountByUsernameWithoutKeys(ctx context.Context, username string) (Account, error) {
	return tx.store.accounts.cachedLookup(ctx, username, true, tx.queries.AccountByUsernameWithoutKeys)
}

func (c *accountCache) cachedLookup(ctx context.Context, key string, local bool, read func(context.Context, string) (Account, error)) (Account, error) {
	if a, ok := c.lookup(key, local); ok {
		a.keysOmitted = true
		return a, nil
	}
	gen := c.gen.Load()
	a, err := read(ctx, key)
	if err != nil {
		return Account{}, err
	}
	c.putOne(gen, a)
	return a, nil
}

// holdAccount keeps account id out of the account cache from now until
// the transaction ends (committed or rolled back): it is being written.
func (tx *Tx) holdAccount(id ID) {
	c := &tx.store.accounts
	c.hold(id)
	tx.onEnd(func() { c.release(id) })
}
