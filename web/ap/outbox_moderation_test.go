package ap_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestGroupOutboxModeration: a public community's Group lists its pinned
// threads (featured) and its moderation (a lock, a removal, a ban, each
// announced with its reason) in its outbox, each activity as it was sent
// (the Lock, which the vocabulary does not know, included); a
// members-only community's threads and moderation are for its members,
// as its moderation log is, and those collections, which anyone may read
// unsigned, list none of them.
func TestGroupOutboxModeration(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := n.Member("alice", false)
	for i, visibility := range []string{storage.CommunityPublic, storage.CommunityMembersOnly} {
		t.Run(visibility, func(t *testing.T) {
			carol := n.Member("carol"+string(rune('a'+i)), false)
			c, err := n.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "notes" + visibility, Name: "Case notes",
				Visibility: visibility})
			if err != nil {
				t.Fatal(err)
			}
			g, err := n.Store.AccountByID(ctx, c.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			if err := n.Engine.Follow(ctx, carol.ID, g.ID, federation.FollowOptions{}); err != nil {
				t.Fatal(err)
			}
			st, err := n.Engine.Post(ctx, carol.ID, federation.Draft{Text: "@" + g.Username + " our case notes", Visibility: activitypub.Public})
			if err != nil {
				t.Fatal(err)
			}
			// Its pinned threads are listed to an unsigned fetch only when
			// the community is public.
			if err := n.Engine.PinThread(ctx, alice, g.ID, st.ID, true); err != nil {
				t.Fatal(err)
			}
			featured := getCollection(t, g.Featured)
			if pinned := strings.Contains(string(getAP(t, g.Featured).body), st.URI); pinned != (visibility == storage.CommunityPublic) ||
				(featured.TotalItems > 0) != pinned {
				t.Errorf("the featured collection lists the pinned thread to an unsigned fetch: %v (%d items)", pinned, featured.TotalItems)
			}
			lockWhy, removeWhy, banWhy := "LOCK-"+visibility, "REMOVE-"+visibility, "BAN-"+visibility
			if err := n.Engine.LockThread(ctx, alice, g.ID, st.ID, true, lockWhy); err != nil {
				t.Fatal(err)
			}
			if err := n.Engine.RemoveCommunityPost(ctx, alice, g.ID, st.ID, removeWhy); err != nil {
				t.Fatal(err)
			}
			if err := n.Engine.BanFromCommunity(ctx, alice, g.ID, federation.Ban{AccountID: carol.ID, Reason: banWhy}); err != nil {
				t.Fatal(err)
			}

			box := getCollection(t, g.Outbox)
			page := getAP(t, g.Outbox+"?page=true")
			if visibility == storage.CommunityMembersOnly {
				if box.TotalItems != 0 {
					t.Errorf("the outbox counts %d activities to an unsigned fetch; want 0", box.TotalItems)
				}
				for _, secret := range []string{lockWhy, removeWhy, banWhy, carol.URI} {
					if strings.Contains(string(page.body), secret) {
						t.Errorf("the outbox shows %q to an unsigned fetch:\n%s", secret, page.body)
					}
				}
				return
			}
			var got struct {
				OrderedItems []struct {
					Type   string          `json:"type"`
					Object json.RawMessage `json:"object"` // an id, or the activity announced
				} `json:"orderedItems"`
			}
			if err := json.Unmarshal(page.body, &got); err != nil {
				t.Fatal(err)
			}
			seen := map[string]string{}
			for _, it := range got.OrderedItems {
				var inner struct {
					Type    string `json:"type"`
					Summary string `json:"summary"`
				}
				if it.Type == activitypub.TypeAnnounce && json.Unmarshal(it.Object, &inner) == nil {
					seen[inner.Type] = inner.Summary
				}
			}
			for typ, why := range map[string]string{federation.TypeLock: lockWhy, activitypub.TypeDelete: removeWhy, activitypub.TypeBlock: banWhy} {
				if seen[typ] != why {
					t.Errorf("the outbox's announce of the %s says %q; want %q\n%s", typ, seen[typ], why, page.body)
				}
			}
		})
	}
}
