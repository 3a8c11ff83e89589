package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/copse-dev/copse/storage"
	webauth "github.com/copse-dev/copse/web/auth"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/session"
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

// What anyone may register from one address, whatever budget of
// requests it has left: each app is a row that stays. Mastodon allows 5
// app registrations per 10 minutes per address (web/auth bounds app-only
// tokens alike).
const appsPerAddress = 5

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
			webauth.TooMany(w, h.limiter.limit.Requests, reset, h.now())
			return
		}
		next.ServeHTTP(w, r)
	})
}

// LimitForms spends, on every form a page posts, the budget of the
// member signed in from the browser (web/session), the same budget the
// client API spends: one limit however a member acts. A form posted by
// nobody signed in spends its address's. Over the budget, refused
// answers the request (pages answer with an error page).
func (h *Handler) LimitForms(refused func(w http.ResponseWriter, r *http.Request, err error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			m, _ := session.Member(r)
			if _, reset, ok := h.limiter.take(budgetKey(m.ID, r)); !ok {
				httperr.SetRetryAfter(w, reset.Sub(h.now()))
				refused(w, r, httperr.New(http.StatusTooManyRequests, "Too many requests"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// gate counts what each key (a member, an address) has in progress, up
// to a limit: uploads, open streams.
type gate struct {
	limit int
	mu    sync.Mutex
	busy  map[string]int
}

func newGate(limit int) *gate {
	return &gate{limit: limit, busy: map[string]int{}}
}

// enter reports whether key may start one more, and counts it if so;
// each true is followed by one leave.
func (g *gate) enter(key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.busy[key] >= g.limit {
		return false
	}
	g.busy[key]++
	return true
}

func (g *gate) leave(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.busy[key]--; g.busy[key] <= 0 {
		delete(g.busy, key) // the map holds only keys busy now
	}
}

// rateKey is whose budget a request spends. A member's requests spend the
// member's, whichever token they carry and wherever they come from: a
// new token is no new budget, and staff behind one office address do
// not share one. A request that acts for no member spends its address's,
// with or without a token: anyone can mint app-only tokens.
func rateKey(r *http.Request) string { return budgetKey(authOf(r).account.ID, r) }

// budgetKey is whose budget a request spends: member's, or when it acts
// for no member (0), its address's.
func budgetKey(member storage.ID, r *http.Request) string {
	if member != 0 {
		return "member:" + member.String()
	}
	return "addr:" + webauth.AddrKey(r)
}
