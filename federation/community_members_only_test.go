package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestMembersOnlyCommunityPost: a member's post into a members-only
// community is stored followers-only, goes on the wire only to the Group
// (addressed to its followers, never Public), is announced to the
// members only, is in no public outbox, and is seen by members and
// nobody else, here and in home feeds.
func TestMembersOnlyCommunityPost(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "records", Name: "Records", Visibility: "members"})
	carol := remotePerson(t, e, "carol", "mastodon.example")      // a member elsewhere
	mallory := remotePerson(t, e, "mallory", "elsewhere.example") // follows alice, no member
	dave, frank := member(t, e, "dave"), member(t, e, "frank")    // a member here; alice's follower, no member
	follows(t, e, carol, g)
	follows(t, e, mallory, alice)
	if err := e.Follow(ctx, dave.ID, g.ID, FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.Follow(ctx, frank.ID, alice.ID, FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	sent(t, e, carol.SharedInbox)

	st, err := e.Post(ctx, alice.ID, Draft{Text: "@records Retention schedules: who keeps what?", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	if st.Visibility != activitypub.FollowersOnly {
		t.Errorf("stored visibility %q; want followers-only (members-only content)", st.Visibility)
	}
	if _, err := e.store.CommunityOfStatus(ctx, st.ID); err != nil {
		t.Fatalf("not taken into the community: %v", err)
	}
	if got := sentRaw(t, e, mallory.SharedInbox); len(got) != 0 {
		t.Errorf("the author's follower who is no member was sent %s", got)
	}
	toCarol := sentRaw(t, e, carol.SharedInbox)
	if len(toCarol) != 2 {
		t.Fatalf("a member elsewhere got %d activities; want Announce{Create} and the boost", len(toCarol))
	}
	for _, b := range toCarol {
		if strings.Contains(string(b), activitypub.PublicIRI) {
			t.Errorf("members-only content sent addressed to Public: %s", b)
		}
		a, err := activitypub.ParseActivity(b)
		if err != nil || a.Type != activitypub.TypeAnnounce || !slices.Equal(a.To, []string{g.Followers}) {
			t.Errorf("sent %s (%v); want an Announce to the Group's followers", b, err)
		}
		if inner := a.Object.Activity; inner != nil {
			n := inner.Object.Note
			if n == nil || !slices.Equal(n.To, []string{g.Followers}) || !slices.Contains(n.CC, g.URI) || n.Audience != g.URI {
				t.Errorf("the post inside: %+v; want to the Group's followers, the Group in cc, audience the Group", n)
			}
		}
	}
	for _, who := range []storage.Account{alice, g} {
		out, err := e.store.Outbox(ctx, who.ID, storage.Page{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out {
			if strings.Contains(string(a.Body), st.URI) {
				t.Errorf("%s's public outbox carries the members-only post: %s", who.Acct(), a.Body)
			}
		}
	}
	tests := []struct {
		name   string
		viewer storage.Account
		see    bool
	}{
		{"the author", alice, true},
		{"a member here", dave, true},
		{"a member elsewhere", carol, true},
		{"the Group", g, true},
		{"a follower of the author who is no member", frank, false},
		{"a remote follower of the author", mallory, false},
		{"anonymous", storage.Account{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := e.CanSee(ctx, tt.viewer, st); err != nil || got != tt.see {
				t.Errorf("CanSee = %v, %v; want %v", got, err, tt.see)
			}
		})
	}
	if !homeBoostOf(t, e, dave.ID, g.ID, st.ID) {
		t.Error("the member here has not the Group's boost in the home feed")
	}
	frankHome, err := e.store.HomeTimelinePage(ctx, frank.ID, storage.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range frankHome {
		if s.ID == st.ID || s.ReblogOfID == st.ID {
			t.Errorf("a non-member's home feed carries the members-only post")
		}
	}
}

// TestMembersOnlyCommunityRemotePosts: a member elsewhere posts into a
// members-only community addressed to its followers (how copse posts
// into one) or publicly (how Lemmy would): both are taken in and
// announced to the members only, and neither is shown to non-members
// here; a non-member's post is refused.
func TestMembersOnlyCommunityRemotePosts(t *testing.T) {
	tests := []struct {
		name      string
		member    bool
		public    bool
		announced bool
	}{
		{"a member, to the Group's followers", true, false, true},
		{"a member, public", true, true, true},
		{"no member", false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEngine(t)
			ctx := context.Background()
			alice := member(t, e, "alice")
			g := community(t, e, alice, NewCommunity{Handle: "records", Name: "Records", Visibility: "members"})
			bob := remotePerson(t, e, "bob", "lemmy.example")
			carol := remotePerson(t, e, "carol", "mastodon.example")
			follows(t, e, carol, g)
			if tt.member {
				follows(t, e, bob, g)
			}
			to, cc := []string{g.Followers}, []string{g.URI}
			if tt.public {
				to, cc = []string{activitypub.PublicIRI}, []string{bob.Followers, g.URI}
			}
			note := map[string]any{"id": bob.URI + "/notes/1", "type": "Page", "attributedTo": bob.URI,
				"name": "Disposal", "content": "<p>How do you record disposal?</p>", "to": to, "cc": cc, "audience": g.URI}
			raw, err := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": bob.URI + "/activities/1", "type": "Create", "actor": bob.URI, "to": to, "cc": cc,
				"audience": g.URI, "object": note})
			if err != nil {
				t.Fatal(err)
			}
			if err := receive(t, e, string(raw)); err != nil {
				t.Fatal(err)
			}
			toCarol := sentRaw(t, e, carol.SharedInbox)
			if got := len(toCarol) > 0; got != tt.announced {
				t.Fatalf("announced %v (%d); want %v", got, len(toCarol), tt.announced)
			}
			for _, b := range toCarol {
				a, err := activitypub.ParseActivity(b)
				if err != nil || slices.ContainsFunc(append(a.To, a.CC...), activitypub.IsPublic) {
					t.Errorf("the Group's announce %s is public (%v)", b, err)
				}
			}
			st, err := e.store.StatusByURI(ctx, bob.URI+"/notes/1")
			if err != nil {
				if tt.announced {
					t.Fatal(err)
				}
				return
			}
			if !tt.announced {
				return
			}
			for _, c := range []struct {
				who    string
				viewer storage.Account
				see    bool
			}{{"anonymous", storage.Account{}, false}, {"a member", carol, true}, {"the moderator", alice, true}} {
				if got, err := e.CanSee(ctx, c.viewer, st); err != nil || got != c.see {
					t.Errorf("%s: CanSee = %v, %v; want %v", c.who, got, err, c.see)
				}
			}
		})
	}
}

// TestCommunityRefusesBannedFollow: a Group refuses a new Follow from an
// account it banned, remote (Reject{Follow} with the reason) or here
// (denied), and takes it once the ban has ended.
func TestCommunityRefusesBannedFollow(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	var offset time.Duration
	e.store.Now = func() time.Time { return time.Now().Add(offset) }
	alice, dave := member(t, e, "alice"), member(t, e, "dave")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	bob := remotePerson(t, e, "bob", "lemmy.example")
	// Banned while not members (a ban does not end a follow: one who
	// left, or never joined, and follows again is refused).
	for _, who := range []storage.ID{bob.ID, dave.ID} {
		if err := e.BanFromCommunity(ctx, alice, g.ID, Ban{AccountID: who, Reason: "Spam", ExpiresIn: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	sent(t, e, bob.Inbox)
	tests := []struct {
		name     string
		after    time.Duration
		accepted bool
	}{
		{"while banned", 0, false},
		{"after the ban's end", time.Hour + time.Second, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			offset = tt.after
			follow := activitypub.Activity{ID: fmt.Sprintf("%s/follows/%d", bob.URI, i), Type: activitypub.TypeFollow,
				Actor: bob.URI, Object: activitypub.Object{IRI: g.URI}}
			if err := e.Apply(ctx, follow); err != nil {
				t.Fatal(err)
			}
			_, ferr := e.store.FollowOf(ctx, bob.ID, g.ID)
			offset = 0 // the deliveries sent reads are due by the engine's clock
			got := sent(t, e, bob.Inbox)
			rejects, accepts := ofType(got, activitypub.TypeReject), ofType(got, activitypub.TypeAccept)
			if tt.accepted {
				// (Its Accept is queued at the moved clock, past what sent reads.)
				if ferr != nil {
					t.Errorf("follow %v; want taken", ferr)
				}
			} else if ferr == nil || len(accepts) != 0 || len(rejects) != 1 || rejects[0].Object.IRI != follow.ID ||
				!strings.Contains(rejects[0].Content, "Spam") {
				t.Errorf("follow %v, accepts %d, rejects %+v; want one Reject of %s with the reason", ferr, len(accepts), rejects, follow.ID)
			}

			offset = tt.after
			err := e.Follow(ctx, dave.ID, g.ID, FollowOptions{})
			if tt.accepted != (err == nil) || (!tt.accepted && !errors.Is(err, ErrDenied)) {
				t.Errorf("dave, banned here, follows: %v; want accepted %v", err, tt.accepted)
			}
			offset = 0
		})
	}
}
