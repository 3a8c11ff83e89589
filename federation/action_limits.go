package federation

import (
	"fmt"
	"time"

	"github.com/copse-dev/copse/storage"
)

// What a member may do in a while, beyond the client API's request
// budget, as Mastodon's RateLimiter allows: posts (statuses, boosts and
// scheduled posts) 300 in 3 hours, follows 400 and reports 400 a day.
// Counted in memory per member: a restart forgets them, as Mastodon's
// cache would.
type action int

const (
	actPost action = iota
	actFollow
	actReport
)

var actionLimits = [...]struct {
	max    int
	window time.Duration
	what   string
}{
	actPost:   {300, 3 * time.Hour, "posts"},
	actFollow: {400, 24 * time.Hour, "follows"},
	actReport: {400, 24 * time.Hour, "reports"},
}

// actionLimiters are an engine's counters, one per action.
type actionLimiters [len(actionLimits)]*EventLimiter

// newActionLimiters counts with now; off (Options.NoActionLimits) makes
// none, for benchmarks that post thousands as one member.
func newActionLimiters(now func() time.Time, off bool) *actionLimiters {
	var l actionLimiters
	if off {
		return &l
	}
	for a, lim := range actionLimits {
		l[a] = NewEventLimiter(lim.max, lim.window, maxActionKeys, now)
	}
	return &l
}

// maxActionKeys bounds the members each counter remembers.
const maxActionKeys = 100_000

// take counts one a of member's, or refuses it (RateLimitedError) when the
// member has done as many as the limit allows in its window.
func (l *actionLimiters) take(a action, member storage.ID) error {
	if l[a] == nil {
		return nil
	}
	if wait := l[a].Take(member.String()); wait > 0 {
		lim := actionLimits[a]
		return &RateLimitedError{RetryAfter: wait, Msg: fmt.Sprintf("You can make at most %d %s in %d hours; try again in %d minutes",
			lim.max, lim.what, int(lim.window.Hours()), int((wait+time.Minute-1)/time.Minute))}
	}
	return nil
}

// giveBack forgets the last a counted for member: it was refused after
// all, and did not happen.
func (l *actionLimiters) giveBack(a action, member storage.ID) {
	if l[a] != nil {
		l[a].GiveBack(member.String())
	}
}

// RateLimitedError is an action refused because the member did too many
// of its kind lately; the client API answers 429 with Retry-After.
type RateLimitedError struct {
	RetryAfter time.Duration
	Msg        string
}

func (e *RateLimitedError) Error() string { return e.Msg }

// limited does do as one a of member's: refused when the member is at
// the limit, counted unless do fails.
func limited[T any](l *actionLimiters, a action, member storage.ID, do func() (T, error)) (T, error) {
	if err := l.take(a, member); err != nil {
		var zero T
		return zero, err
	}
	v, err := do()
	if err != nil {
		l.giveBack(a, member)
	}
	return v, err
}
