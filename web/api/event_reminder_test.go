package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestEventReminderNotificationCarriesTheEvent: the reminder a member
// gets a day before an event they attend names the event, as the
// Mastodon API gives a community's events (a status of its Group, whose
// url is the event's page), so an app shows what it is about and opens
// it; once the event is deleted, so is its reminder.
func TestEventReminderNotificationCarriesTheEvent(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	c, err := n.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "roads", Name: "Roads"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Follow(ctx, bob.ID, c.AccountID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(20 * time.Hour)
	ev, err := n.Engine.CreateEvent(ctx, alice, c.AccountID, federation.NewEvent{Name: "Gritting briefing", Start: start,
		End: start.Add(time.Hour), TimeZone: "Europe/London", PlaceName: "Depot"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.Attend(ctx, bob, ev.ID); err != nil {
		t.Fatal(err)
	}
	if sent, err := n.Engine.SendEventReminders(ctx); err != nil || sent != 1 {
		t.Fatalf("SendEventReminders = %d, %v; want 1", sent, err)
	}
	type notification struct {
		Type   string `json:"type"`
		Status *struct {
			ID  string `json:"id"`
			URI string `json:"uri"`
			URL string `json:"url"`
		} `json:"status"`
	}
	reminders := func() []notification {
		var list []notification
		code, _, raw := call(t, http.MethodGet, n.URL+"/api/v1/notifications", n.Token(bob), nil, &list)
		if code != http.StatusOK {
			t.Fatalf("notifications: %d %s", code, raw)
		}
		var out []notification
		for _, x := range list {
			if x.Type == storage.NotifyEventReminder {
				out = append(out, x)
			}
		}
		return out
	}
	got := reminders()
	if len(got) != 1 || got[0].Status == nil || got[0].Status.ID != ev.ID.String() || got[0].Status.URI != ev.URI ||
		got[0].Status.URL != n.URL+"/c/roads/events/"+ev.ID.String() {
		t.Fatalf("reminders %+v; want one naming %s", got, ev.URI)
	}
	if err := n.Engine.DeleteEvent(ctx, alice, ev.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got := reminders(); len(got) != 0 {
		t.Errorf("reminders after the event was deleted: %+v; want none", got)
	}
}
