package federation

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestActionLimits: with a limit of 3 posts, a member's boosts and
// scheduled posts count with their posts, a refused post does not
// count, the fourth is refused with RateLimitedError naming when to try
// again, another member still posts, and the window's end lets the
// member post again. Follows have a limit of their own.
func TestActionLimits(t *testing.T) {
	defer func(saved [len(actionLimits)]struct {
		max    int
		window time.Duration
		what   string
	}) {
		actionLimits = saved
	}(actionLimits)
	actionLimits[actPost].max, actionLimits[actFollow].max = 3, 1
	e, now := pollEngine(t)
	ctx := context.Background()
	alice, bob, carol := member(t, e, "alice"), member(t, e, "bob"), member(t, e, "carol")
	st, err := e.Post(ctx, alice.ID, Draft{Text: "one"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Post(ctx, alice.ID, Draft{}); err == nil {
		t.Fatal("an empty post was taken")
	}
	if _, err := e.Reblog(ctx, alice.ID, mustPost(t, e, bob, "bob's").ID, activitypub.Public); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Schedule(ctx, alice.ID, Draft{Text: "later"}, now.Add(time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	_, err = e.Post(ctx, alice.ID, Draft{Text: "four", InReplyTo: st.ID})
	var limited *RateLimitedError
	if !errors.As(err, &limited) || limited.RetryAfter <= 0 {
		t.Fatalf("the fourth post: %v; want RateLimitedError with a wait", err)
	}
	if _, err := e.Post(ctx, carol.ID, Draft{Text: "carol's"}); err != nil {
		t.Errorf("another member's post: %v", err)
	}
	*now = now.Add(3 * time.Hour)
	if _, err := e.Post(ctx, alice.ID, Draft{Text: "after three hours"}); err != nil {
		t.Errorf("a post after the window: %v", err)
	}

	if err := e.Follow(ctx, alice.ID, bob.ID, FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.Follow(ctx, alice.ID, carol.ID, FollowOptions{}); !errors.As(err, &limited) {
		t.Errorf("the second follow: %v; want RateLimitedError", err)
	}
	if _, err := e.store.FollowOf(ctx, alice.ID, carol.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the refused follow was kept: %v", err)
	}
}

func mustPost(t *testing.T, e *Engine, a storage.Account, text string) storage.Status {
	t.Helper()
	st, err := e.Post(context.Background(), a.ID, Draft{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return st
}
