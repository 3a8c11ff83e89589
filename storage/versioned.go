package storage

import (
	"cmp"
	"sync"
)

// Versioned keeps values by key, each under the version it was made at:
// Get hands a value out only to a caller holding that same version. The
// versions are those triggers set to fresh random values whenever what a
// value was made from may have changed (community_roster,
// directory_version), so a kept value is never handed out after such a
// change. Max bounds the keys kept (0: 64); when full it starts again
// empty. The zero value is ready to use.
type Versioned[K comparable, V any] struct {
	Max int
	mu  sync.Mutex
	m   map[K]versionedValue[V]
}

type versionedValue[V any] struct {
	version int64
	v       V
}

// Get returns the value kept under k at version.
func (c *Versioned[K, V]) Get(k K, version int64) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || e.version != version {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put keeps v under k, made at version.
func (c *Versioned[K, V]) Put(k K, version int64, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= cmp.Or(c.Max, 64) {
		c.m = make(map[K]versionedValue[V])
	}
	c.m[k] = versionedValue[V]{version: version, v: v}
}
