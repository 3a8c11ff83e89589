package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestAnnouncements: what an admin publishes reaches every member in the
// Mastodon API until it ends, with links and hashtags linked; a member
// reacts with emoji (one emoji each time; counted per emoji, "me" for
// the caller), takes a reaction back and dismisses it (then it is left
// out unless asked for); a moderator may not publish; an ended or deleted
// announcement is gone; anyone not signed in gets 401.
func TestAnnouncements(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	ada, alice, bob, mo := n.Member("ada", false), n.Member("alice", false), n.Member("bob", false), n.Member("mo", false)
	if err := n.Engine.SetPermission(ctx, "ada", federation.PermissionAdmin); err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.SetPermission(ctx, "mo", federation.PermissionModerator); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.PublishAnnouncement(ctx, mo.ID, federation.NewAnnouncement{Text: "Hello"}); !errors.Is(err, federation.ErrDenied) {
		t.Fatalf("a moderator publishes: %v; want denied", err)
	}
	var inv *federation.InvalidError
	if _, err := n.Engine.PublishAnnouncement(ctx, ada.ID, federation.NewAnnouncement{Text: "  "}); !errors.As(err, &inv) {
		t.Fatalf("an empty announcement: %v; want invalid", err)
	}
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	upgrade, err := n.Engine.PublishAnnouncement(ctx, ada.ID, federation.NewAnnouncement{
		Text:     "The node is upgraded on Saturday. #maintenance details at https://status.example/",
		StartsAt: start, EndsAt: start.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	policy, err := n.Engine.PublishAnnouncement(ctx, 0, federation.NewAnnouncement{Text: "New acceptable use policy."})
	if err != nil {
		t.Fatal(err)
	}
	type reaction struct {
		Name  string
		Count int
		Me    bool
	}
	type announcement struct {
		ID, Content string
		StartsAt    *string `json:"starts_at"`
		EndsAt      *string `json:"ends_at"`
		Read        bool
		Reactions   []reaction
	}
	list := func(token, query string) []announcement {
		t.Helper()
		var out []announcement
		if code, _, raw := call(t, http.MethodGet, n.URL+"/api/v1/announcements"+query, token, nil, &out); code != http.StatusOK {
			t.Fatalf("announcements: %d %s", code, raw)
		}
		return out
	}
	got := list(n.Token(alice), "")
	if len(got) != 2 || got[0].ID != policy.ID.String() || got[1].ID != upgrade.ID.String() {
		t.Fatalf("announcements: %+v; want the policy, then the upgrade", got)
	}
	if !strings.Contains(got[1].Content, `href="https://status.example/"`) || !strings.Contains(got[1].Content, `rel="tag"`) ||
		got[1].StartsAt == nil || !strings.HasPrefix(*got[1].StartsAt, start.Format("2006-01-02T15:04:05")) || got[1].EndsAt == nil ||
		got[0].StartsAt != nil || got[0].Read {
		t.Errorf("announcements as listed: %+v", got)
	}

	one := n.URL + "/api/v1/announcements/" + upgrade.ID.String()
	thumbs := url.PathEscape("👍")
	for _, tt := range []struct {
		name, method, url, token string
		code                     int
	}{
		{"alice reacts", http.MethodPut, one + "/reactions/" + thumbs, n.Token(alice), http.StatusOK},
		{"alice reacts again", http.MethodPut, one + "/reactions/" + thumbs, n.Token(alice), http.StatusOK},
		{"bob reacts", http.MethodPut, one + "/reactions/" + thumbs, n.Token(bob), http.StatusOK},
		{"bob reacts with a flag", http.MethodPut, one + "/reactions/" + url.PathEscape("🇬🇧"), n.Token(bob), http.StatusOK},
		{"a word is no reaction", http.MethodPut, one + "/reactions/hello", n.Token(bob), http.StatusUnprocessableEntity},
		{"markup is no reaction", http.MethodPut, one + "/reactions/" + url.PathEscape("<b>"), n.Token(bob), http.StatusUnprocessableEntity},
		{"bob takes the flag back", http.MethodDelete, one + "/reactions/" + url.PathEscape("🇬🇧"), n.Token(bob), http.StatusOK},
		{"no such announcement", http.MethodPut, n.URL + "/api/v1/announcements/123/reactions/" + thumbs, n.Token(bob), http.StatusNotFound},
		{"alice dismisses it", http.MethodPost, one + "/dismiss", n.Token(alice), http.StatusOK},
		{"nobody signed in", http.MethodPost, one + "/dismiss", "", http.StatusUnauthorized},
		{"nobody signed in lists", http.MethodGet, n.URL + "/api/v1/announcements", "", http.StatusUnauthorized},
	} {
		if code, _, raw := call(t, tt.method, tt.url, tt.token, nil, nil); code != tt.code {
			t.Errorf("%s: %d %s; want %d", tt.name, code, raw, tt.code)
		}
	}
	if got := list(n.Token(alice), ""); len(got) != 1 || got[0].ID != policy.ID.String() {
		t.Errorf("alice's announcements after dismissing one: %+v", got)
	}
	got = list(n.Token(alice), "?with_dismissed=true")
	if len(got) != 2 || !got[1].Read || len(got[1].Reactions) != 1 || got[1].Reactions[0].Name != "👍" || got[1].Reactions[0].Count != 2 || !got[1].Reactions[0].Me {
		t.Errorf("alice's announcements with the dismissed: %+v", got)
	}
	if got := list(n.Token(mo), ""); len(got) != 2 || got[1].Read || got[1].Reactions[0].Me {
		t.Errorf("mo's announcements: %+v", got)
	}

	if err := n.Engine.DeleteAnnouncement(ctx, mo.ID, policy.ID); !errors.Is(err, federation.ErrDenied) {
		t.Errorf("a moderator deletes: %v; want denied", err)
	}
	if err := n.Engine.DeleteAnnouncement(ctx, ada.ID, policy.ID); err != nil {
		t.Fatal(err)
	}
	n.Clock.Advance(51 * time.Hour) // past the upgrade's end
	if got := list(n.Token(bob), "?with_dismissed=true"); len(got) != 0 {
		t.Errorf("announcements once deleted and ended: %+v", got)
	}
	if code, _, raw := call(t, http.MethodPost, one+"/dismiss", n.Token(bob), nil, nil); code != http.StatusNotFound {
		t.Errorf("dismissing an ended announcement: %d %s", code, raw)
	}
}

// TestAnnouncementsStream: a member's user stream carries an announcement
// when it is published, each reaction's new count, and its deletion, as
// Mastodon's streaming API sends them.
func TestAnnouncementsStream(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	wsURL := strings.Replace(n.URL, "http://", "ws://", 1) + "/api/v1/streaming?stream=user&access_token=" + n.Token(bob)
	conn, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	stream := messages(t, conn)
	a, err := n.Engine.PublishAnnouncement(ctx, 0, federation.NewAnnouncement{Text: "Upgrade tonight."})
	if err != nil {
		t.Fatal(err)
	}
	var entity struct{ ID, Content string }
	if ev := readEvent(t, stream, "announcement", 5*time.Second); json.Unmarshal([]byte(ev.Payload), &entity) != nil ||
		entity.ID != a.ID.String() || !strings.Contains(entity.Content, "Upgrade tonight.") {
		t.Fatalf("announcement event: %+v", ev)
	}
	if err := n.Engine.ReactToAnnouncement(ctx, alice, a.ID, "🎉", true); err != nil {
		t.Fatal(err)
	}
	var reaction struct {
		Name           string
		Count          int
		AnnouncementID string `json:"announcement_id"`
	}
	if ev := readEvent(t, stream, "announcement.reaction", 5*time.Second); json.Unmarshal([]byte(ev.Payload), &reaction) != nil ||
		reaction.Name != "🎉" || reaction.Count != 1 || reaction.AnnouncementID != a.ID.String() {
		t.Fatalf("reaction event: %+v", ev)
	}
	if err := n.Engine.DeleteAnnouncement(ctx, 0, a.ID); err != nil {
		t.Fatal(err)
	}
	if ev := readEvent(t, stream, "announcement.delete", 5*time.Second); ev.Payload != a.ID.String() {
		t.Fatalf("delete event: %+v", ev)
	}
}
