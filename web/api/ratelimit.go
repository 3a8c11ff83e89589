package api

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RateLimit bounds requests per member (or per address for a request
// that acts for no member) in a fixed window, as Mastodon does: 300
// requests per 5 minutes by default.
type RateLimit struct {
	Requests int
	Window   time.Duration
}

// DefaultRateLimit is Mastodon's limit for the client API.
var DefaultRateLimit = RateLimit{Requests: 300, Window: 5 * time.Minute}

// What anyone may create from one address, whatever budget of requests
// it has left: each app and app-only token is a row that stays. Mastodon
// allows 5 app registrations per 10 minutes per address; an app needs
// one app-only token, so the same bound serves for those.
const (
	creationWindow      = 10 * time.Minute
	appsPerAddress      = 5
	appTokensPerAddress = 5
)

// maxLimiterKeys bounds the limiter's memory: a flood of addresses must
// not exhaust it.
const maxLimiterKeys = 100_000

type windowCount struct {
	start time.Time
	n     int
}

// windowLimiter counts requests per key in fixed windows.
type windowLimiter struct {
	mu     sync.Mutex
	limit  RateLimit
	now    func() time.Time
	counts map[string]windowCount
}

func newWindowLimiter(l RateLimit, now func() time.Time) *windowLimiter {
	return &windowLimiter{limit: l, now: now, counts: map[string]windowCount{}}
}

// take counts one request for key and reports how many remain in its
// window, when the window resets, and whether the request is allowed.
func (l *windowLimiter) take(key string) (remaining int, reset time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	c, found := l.counts[key]
	if !found || now.Sub(c.start) >= l.limit.Window {
		if !found && len(l.counts) >= maxLimiterKeys {
			for k, v := range l.counts {
				if now.Sub(v.start) >= l.limit.Window || len(l.counts) >= maxLimiterKeys {
					delete(l.counts, k)
				}
				if len(l.counts) < maxLimiterKeys*9/10 {
					break
				}
			}
		}
		// Windows start on a multiple of their length, so every client
		// sees the same reset times.
		c = windowCount{start: now.Truncate(l.limit.Window)}
	}
	c.n++
	l.counts[key] = c
	return max(l.limit.Requests-c.n, 0), c.start.Add(l.limit.Window), c.n <= l.limit.Requests
}

// rateLimit answers 429 once a member (or address) has used its window,
// and tells every client its budget in X-RateLimit-* headers.
func (h *Handler) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remaining, reset, ok := h.limiter.take(rateKey(r))
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(h.limiter.limit.Requests))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		w.Header().Set("X-RateLimit-Reset", isoTime(reset))
		if !ok {
			h.tooMany(w, h.limiter.limit.Requests, reset)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// rateKey is whose budget a request spends. A member's requests spend the
// member's, whichever token they carry and wherever they come from: a
// new token is no new budget, and staff behind one office address do
// not share one. A request that acts for no member spends its address's,
// with or without a token: anyone can mint app-only tokens.
func rateKey(r *http.Request) string {
	if a := authOf(r); a.account.ID != 0 {
		return "member:" + a.account.ID.String()
	}
	return "addr:" + addrKey(r)
}

// tooMany answers 429 for a limit of limit that resets at reset.
func (h *Handler) tooMany(w http.ResponseWriter, limit int, reset time.Time) {
	hd := w.Header()
	hd.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	hd.Set("X-RateLimit-Remaining", "0")
	hd.Set("X-RateLimit-Reset", isoTime(reset))
	hd.Set("Retry-After", strconv.Itoa(int(max(reset.Sub(h.now()), 0).Seconds())+1))
	h.json429(w)
}

func (h *Handler) json429(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte(`{"error":"Too many requests"}` + "\n"))
}

// clientAddr is the client's address. copse runs behind a reverse proxy,
// so a request from a loopback or private peer is taken to come through
// one: the client is then the last address the proxy added to
// X-Forwarded-For. A direct peer on a public address cannot forge it.
func clientAddr(r *http.Request) string {
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

// addrKey is the address limits count against: an IPv4 address, or an
// IPv6 /64, since one host is usually given a whole /64 and could
// otherwise take a fresh budget per address.
func addrKey(r *http.Request) string {
	s := clientAddr(r)
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

// eventLimiter counts events per key in a sliding window: failed
// sign-ins, apps and tokens created. It holds at most maxKeys keys: when
// full it forgets keys with no recent events, then arbitrary ones, so a
// flood of addresses cannot exhaust memory.
type eventLimiter struct {
	mu      sync.Mutex
	max     int
	window  time.Duration
	maxKeys int
	now     func() time.Time
	events  map[string][]time.Time
}

func newEventLimiter(max int, window time.Duration, maxKeys int, now func() time.Time) *eventLimiter {
	return &eventLimiter{max: max, window: window, maxKeys: maxKeys, now: now, events: map[string][]time.Time{}}
}

// retryAfter is how long key must wait before its next event is allowed;
// zero if it may act now.
func (l *eventLimiter) retryAfter(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	recent := l.recent(key, now)
	if len(recent) < l.max {
		return 0
	}
	return recent[len(recent)-l.max].Add(l.window).Sub(now)
}

// add records an event for key.
func (l *eventLimiter) add(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.addLocked(key, l.recent(key, now), now)
}

func (l *eventLimiter) addLocked(key string, recent []time.Time, now time.Time) {
	if recent == nil && len(l.events) >= l.maxKeys {
		l.makeRoom(now)
	}
	recent = append(recent, now)
	if len(recent) > l.max {
		recent = recent[len(recent)-l.max:]
	}
	l.events[key] = recent
}

// take records an event for key if its budget allows one now, and
// otherwise returns how long it must wait: checking and counting at once,
// so concurrent requests cannot all pass the check.
func (l *eventLimiter) take(key string) time.Duration {
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

// giveBack forgets key's latest event: what take counted did not happen.
func (l *eventLimiter) giveBack(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ts := l.events[key]; len(ts) > 1 {
		l.events[key] = ts[:len(ts)-1]
	} else {
		delete(l.events, key)
	}
}

// reset forgets key's events.
func (l *eventLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.events, key)
}

// recent returns key's events within the window, dropping older ones.
func (l *eventLimiter) recent(key string, now time.Time) []time.Time {
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

func (l *eventLimiter) makeRoom(now time.Time) {
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
