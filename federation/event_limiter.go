package federation

import (
	"sync"
	"time"
)

// EventLimiter counts events per key in a sliding window: failed
// sign-ins, apps and tokens created (web/auth), and what members do
// (action_limits.go). It holds at most maxKeys keys: when
// full it forgets keys with no recent events, then arbitrary ones, so a
// flood of addresses cannot exhaust memory.
type EventLimiter struct {
	mu      sync.Mutex
	max     int
	window  time.Duration
	maxKeys int
	now     func() time.Time
	events  map[string][]time.Time
}

// NewEventLimiter allows max events per key in any window, keeping at
// most maxKeys keys.
func NewEventLimiter(max int, window time.Duration, maxKeys int, now func() time.Time) *EventLimiter {
	return &EventLimiter{max: max, window: window, maxKeys: maxKeys, now: now, events: map[string][]time.Time{}}
}

// Max is the number of events a key may have in a window.
func (l *EventLimiter) Max() int { return l.max }

// RetryAfter is how long key must wait before its next event is allowed;
// zero if it may act now.
func (l *EventLimiter) RetryAfter(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	recent := l.recent(key, now)
	if len(recent) < l.max {
		return 0
	}
	return recent[len(recent)-l.max].Add(l.window).Sub(now)
}

// Add records an event for key.
func (l *EventLimiter) Add(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.addLocked(key, l.recent(key, now), now)
}

func (l *EventLimiter) addLocked(key string, recent []time.Time, now time.Time) {
	if recent == nil && len(l.events) >= l.maxKeys {
		l.makeRoom(now)
	}
	recent = append(recent, now)
	if len(recent) > l.max {
		recent = recent[len(recent)-l.max:]
	}
	l.events[key] = recent
}

// Take records an event for key if its budget allows one now, and
// otherwise returns how long it must wait: checking and counting at once,
// so concurrent requests cannot all pass the check.
func (l *EventLimiter) Take(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	recent := l.recent(key, now)
	if len(recent) >= l.max {
		return recent[len(recent)-l.max].Add(l.window).Sub(now)
	}
	l.addLocked(key, recent, now)
	return 0
}

// GiveBack forgets key's latest event: what Take counted did not happen.
func (l *EventLimiter) GiveBack(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ts := l.events[key]; len(ts) > 1 {
		l.events[key] = ts[:len(ts)-1]
	} else {
		delete(l.events, key)
	}
}

// Reset forgets key's events.
func (l *EventLimiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.events, key)
}

// recent returns key's events within the window, dropping older ones.
func (l *EventLimiter) recent(key string, now time.Time) []time.Time {
	ts := l.events[key]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-l.window)) {
		i++
	}
	if i == len(ts) {
		delete(l.events, key)
		return nil
	}
	ts = ts[i:]
	l.events[key] = ts
	return ts
}

func (l *EventLimiter) makeRoom(now time.Time) {
	for k := range l.events {
		l.recent(k, now)
	}
	for k := range l.events {
		if len(l.events) < l.maxKeys {
			break
		}
		delete(l.events, k)
	}
}
