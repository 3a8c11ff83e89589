package auth

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// ClientAddr is the client's address. copse runs behind a reverse proxy,
// so a request from a loopback or private peer is taken to come through
// one: the client is then the last address the proxy added to
// X-Forwarded-For. A direct peer on a public address cannot forge it.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !(peer.IsLoopback() || peer.IsPrivate()) {
		return host
	}
	fwd := r.Header.Values("X-Forwarded-For")
	if len(fwd) == 0 {
		return host
	}
	parts := strings.Split(fwd[len(fwd)-1], ",")
	if a, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
		return a.String()
	}
	return host
}

// AddrKey is the address limits count against: an IPv4 address, or an
// IPv6 /64, since one host is usually given a whole /64 and could
// otherwise take a fresh budget per address.
func AddrKey(r *http.Request) string {
	s := ClientAddr(r)
	a, err := netip.ParseAddr(s)
	if err != nil {
		return s
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

// EventLimiter counts events per key in a sliding window: failed
// sign-ins, apps and tokens created. It holds at most maxKeys keys: when
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
