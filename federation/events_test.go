package federation

import (
	"context"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

func testEngine(t testing.TB) *Engine {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := New(store, Options{URLs: URLs{Base: "https://council-a.example"}, NewKey: testkit.Keys()})
	if err := e.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// loopbackEngine is an engine that may reach loopback over plain http
// (peers served by httptest), with o's other options; URLs defaults to
// https://council-a.example and NewKey to the test keys.
func loopbackEngine(t testing.TB, o Options) *Engine {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	o.Client = NewHTTPClient(TransportOptions{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	o.RemoteScheme = "http"
	if o.URLs.Base == "" {
		o.URLs = URLs{Base: "https://council-a.example"}
	}
	if o.NewKey == nil {
		o.NewKey = testkit.Keys()
	}
	e := New(store, o)
	if err := e.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func member(t testing.TB, e *Engine, name string) storage.Account {
	t.Helper()
	a, err := e.CreateMember(context.Background(), NewMember{Username: name, Email: name + "@council-a.example", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// events reads n events.
func events(t *testing.T, s *Subscription, n int) map[string]Event {
	t.Helper()
	got := map[string]Event{}
	timeout := time.After(5 * time.Second)
	for range n {
		select {
		case ev := <-s.C:
			got[ev.Kind] = ev
		case <-timeout:
			t.Fatalf("only %d of %d events: %v", len(got), n, got)
		}
	}
	return got
}

func TestEventsFollowCommittedChanges(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	ctx := context.Background()
	alice, bob, carol := member(t, e, "alice"), member(t, e, "bob"), member(t, e, "carol")
	if err := e.Follow(ctx, bob.ID, alice.ID, FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	sub := e.Subscribe()
	defer sub.Close()

	st, err := e.Post(ctx, alice.ID, Draft{Text: "hello @carol #glossary", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	got := events(t, sub, 2)
	up := got[EventUpdate]
	if up.StatusID != st.ID || !up.Public || !up.Local || !slices.Contains(up.Home, bob.ID) || !slices.Contains(up.Home, alice.ID) {
		t.Errorf("update event = %+v", up)
	}
	if slices.Contains(up.Home, carol.ID) {
		t.Errorf("carol does not follow alice but is in the event's home feeds: %+v", up)
	}
	if n := got[EventNotification]; !slices.Equal(n.Home, []storage.ID{carol.ID}) {
		t.Errorf("notification event = %+v; want for carol", n)
	}
	if _, err := e.Edit(ctx, alice.ID, st.ID, Draft{Text: "hello again"}); err != nil {
		t.Fatal(err)
	}
	if ev := events(t, sub, 1)[EventStatusUpdate]; ev.StatusID != st.ID {
		t.Errorf("status.update event = %+v", ev)
	}
	if _, err := e.DeleteStatus(ctx, alice.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	if ev := events(t, sub, 1)[EventDelete]; ev.StatusID != st.ID {
		t.Errorf("delete event = %+v", ev)
	}

	// A failed post announces nothing.
	if _, err := e.Post(ctx, alice.ID, Draft{Text: "", Visibility: activitypub.Public}); err == nil {
		t.Fatal("empty post accepted")
	}
	select {
	case ev := <-sub.C:
		t.Errorf("event after a refused post: %+v", ev)
	default:
	}
}

func TestStatusAndUpdateNotifications(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	ctx := context.Background()
	alice, bob, carol := member(t, e, "alice"), member(t, e, "bob"), member(t, e, "carol")
	if err := e.Follow(ctx, bob.ID, alice.ID, FollowOptions{Notify: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.Follow(ctx, carol.ID, alice.ID, FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := e.Post(ctx, alice.ID, Draft{Text: "new routine for enquiries", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	types := func(who storage.Account) []string {
		ns, err := e.store.Notifications(ctx, who.ID, storage.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range ns {
			out = append(out, n.Type)
		}
		return out
	}
	if got := types(bob); !slices.Equal(got, []string{storage.NotifyStatus}) {
		t.Errorf("bob (notify on) has %v; want a status notification", got)
	}
	if got := types(carol); len(got) != 0 {
		t.Errorf("carol (notify off) has %v", got)
	}
	if _, err := e.Reblog(ctx, carol.ID, st.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Edit(ctx, alice.ID, st.ID, Draft{Text: "revised routine for enquiries"}); err != nil {
		t.Fatal(err)
	}
	if got := types(carol); !slices.Equal(got, []string{storage.NotifyUpdate}) {
		t.Errorf("carol, who boosted it, has %v; want an update notification", got)
	}
}
