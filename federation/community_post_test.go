package federation

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// everyVisibility reads a member's posts of every visibility.
var everyVisibility = []activitypub.Visibility{activitypub.Public, activitypub.Unlisted, activitypub.FollowersOnly, activitypub.Direct}

// TestPostInCommunity: a post made into a community on purpose
// (Draft.Community, as the pages do) is a titled thread the Group
// announces, without the Group's mention in its text; one the Group
// would refuse is refused before anything is written, with the reason.
func TestPostInCommunity(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	other := community(t, e, alice, NewCommunity{Handle: "wards", Name: "Wards"})
	carol := remotePerson(t, e, "carol", "mastodon.example")
	follows(t, e, carol, g)
	bea, erin := member(t, e, "bea"), member(t, e, "erin")
	follows(t, e, bea, g)

	thread, err := e.Post(ctx, bea.ID, Draft{Community: g.ID, Title: "Opening hours", Text: "How do you publish them?"})
	if err != nil {
		t.Fatal(err)
	}
	if gid, err := e.store.CommunityOfStatus(ctx, thread.ID); err != nil || gid != g.ID {
		t.Errorf("thread in community %d (%v); want %d", gid, err, g.ID)
	}
	if thread.ObjectType != "" && thread.ObjectType != activitypub.TypeNote || thread.Title != "Opening hours" ||
		strings.Contains(thread.Content, "libraries") {
		t.Errorf("thread %q titled %q: %s; want a Note titled Opening hours, no mention in its text", thread.ObjectType, thread.Title, thread.Content)
	}
	announces := ofType(sent(t, e, carol.SharedInbox), activitypub.TypeAnnounce)
	if len(announces) != 2 {
		t.Fatalf("carol's node got %d announces; want 2 (the Create and the boost)", len(announces))
	}
	if n := announces[0].Object.Activity; n == nil || n.Object.Note == nil || n.Object.Note.Name != "Opening hours" || n.Object.Note.Audience != g.URI {
		t.Errorf("announced %+v; want the Note titled, its audience the Group", announces[0].Object)
	}

	reply, err := e.Post(ctx, bea.ID, Draft{Community: g.ID, InReplyTo: thread.ID, Text: "On the door and online."})
	if err != nil {
		t.Fatal(err)
	}
	if gid, err := e.store.CommunityOfStatus(ctx, reply.ID); err != nil || gid != g.ID {
		t.Errorf("reply in community %d (%v); want %d", gid, err, g.ID)
	}
	if err := e.LockThread(ctx, alice, g.ID, thread.ID, true, ""); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		author storage.Account
		d      Draft
		denied string // the reason, when refused
		err    error
	}{
		{"not a member", erin, Draft{Community: g.ID, Text: "Hello"}, "only members post", nil},
		{"reply to a locked thread", bea, Draft{Community: g.ID, InReplyTo: thread.ID, Text: "And?"}, "locked", nil},
		{"moderator replies to a locked thread", alice, Draft{Community: g.ID, InReplyTo: thread.ID, Text: "Closed."}, "", nil},
		{"reply in another community", alice, Draft{Community: other.ID, InReplyTo: thread.ID, Text: "Hm"}, "", storage.ErrNotFound},
		{"not a community", bea, Draft{Community: erin.ID, Text: "Hi"}, "", storage.ErrNotFound},
		{"title too long", bea, Draft{Community: g.ID, Title: strings.Repeat("t", 201), Text: "Hi"}, "", &InvalidError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := e.store.AccountStatuses(ctx, tt.author.ID, everyVisibility, storage.Page{Limit: 40})
			if err != nil {
				t.Fatal(err)
			}
			st, err := e.Post(ctx, tt.author.ID, tt.d)
			var denied *DeniedError
			var inv *InvalidError
			switch {
			case tt.denied != "":
				if !errors.As(err, &denied) || !strings.Contains(denied.Reason, tt.denied) || !errors.Is(err, ErrDenied) {
					t.Fatalf("err %v; want denied: %q", err, tt.denied)
				}
			case tt.err == storage.ErrNotFound:
				if !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("err %v; want not found", err)
				}
			case tt.err != nil:
				if !errors.As(err, &inv) {
					t.Fatalf("err %v; want invalid", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if gid, err := e.store.CommunityOfStatus(ctx, st.ID); err != nil || gid != g.ID {
					t.Errorf("post in community %d (%v); want %d", gid, err, g.ID)
				}
				return
			}
			after, err := e.store.AccountStatuses(ctx, tt.author.ID, everyVisibility, storage.Page{Limit: 40})
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != len(before) {
				t.Errorf("%d posts after the refusal; want %d: nothing written", len(after), len(before))
			}
		})
	}
	// alice's reply named bea, whose thread it answers, as an app would:
	// bea was told.
	ns, err := e.store.NotificationPage(ctx, bea.ID, storage.NotificationFilter{Types: []string{storage.NotifyMention}}, storage.Page{Limit: 10})
	if err != nil || len(ns) != 1 || ns[0].FromAccountID != alice.ID {
		t.Errorf("bea's mentions %+v (%v); want alice's reply", ns, err)
	}
}

// TestPostInRemoteCommunity: a thread into a community elsewhere goes to
// its Group, naming it as Lemmy-like and Mastodon-like servers read it,
// once this node knows the member joined; before that it is refused here.
func TestPostInRemoteCommunity(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	bea := member(t, e, "bea")
	g := remoteGroup(t, e, "https://lemmy.example/c/wards", "https://lemmy.example/c/wards/followers")
	if _, err := e.Post(ctx, bea.ID, Draft{Community: g.ID, Title: "Night shifts", Text: "Handover notes?"}); !errors.Is(err, ErrDenied) {
		t.Fatalf("before joining: %v; want denied", err)
	}
	joins(t, e, bea, g)
	st, err := e.Post(ctx, bea.ID, Draft{Community: g.ID, Title: "Night shifts", Text: "Handover notes?"})
	if err != nil {
		t.Fatal(err)
	}
	creates := ofType(sent(t, e, g.SharedInbox), activitypub.TypeCreate)
	if len(creates) != 1 {
		t.Fatalf("the Group's node got %d Creates; want 1", len(creates))
	}
	n := creates[0].Object.Note
	mentions := 0
	for _, tag := range n.Tags {
		if tag.Type == activitypub.TagMention && tag.Href == g.URI {
			mentions++
		}
	}
	if n.Name != "Night shifts" || n.Audience != g.URI || mentions != 1 {
		t.Errorf("Create{Note} name %q audience %q, %d mentions of the Group; want the title, the Group, 1", n.Name, n.Audience, mentions)
	}
	if p, err := e.store.CommunityPost(ctx, st.ID); err != nil || p.GroupID != g.ID {
		t.Errorf("thread kept as the community's %+v (%v); want in %d, until the Group announces it", p, err, g.ID)
	}

	// An edit still names the Group, though its text never did.
	if _, err := e.Edit(ctx, bea.ID, st.ID, Draft{Title: "Night shifts", Text: "Handover notes, please?"}); err != nil {
		t.Fatal(err)
	}
	updates := ofType(sent(t, e, g.SharedInbox), activitypub.TypeUpdate)
	if len(updates) != 1 || updates[0].Object.Note == nil {
		t.Fatalf("the Group's node got %d Updates; want 1", len(updates))
	}
	mentions = 0
	for _, tag := range updates[0].Object.Note.Tags {
		if tag.Type == activitypub.TagMention && tag.Href == g.URI {
			mentions++
		}
	}
	if mentions != 1 || updates[0].Object.Note.Audience != g.URI {
		t.Errorf("the Update names the Group %d times, audience %q; want once, the Group", mentions, updates[0].Object.Note.Audience)
	}
}

// TestCommunityImages: a community's icon and header are checked and
// re-encoded as a member's are, carried in its Group document (icon,
// image: what Lemmy, Mbin and Mastodon show), sent to its followers with
// Update{Group} when changed, and a replaced or removed file goes.
func TestCommunityImages(t *testing.T) {
	t.Parallel()
	e := mediaEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	c, err := e.CreateCommunity(ctx, alice, NewCommunity{Handle: "wards", Name: "Wards",
		Icon: bytes.NewReader(encodePNG(t, halves(600, 600)))})
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.store.AccountByID(ctx, c.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	icon, ok := e.localMediaFile(g.AvatarURL)
	if !ok || g.HeaderURL != "" {
		t.Fatalf("icon %q, header %q; want an icon here, no header", g.AvatarURL, g.HeaderURL)
	}
	carol := remotePerson(t, e, "carol", "lemmy.example")
	follows(t, e, carol, g)

	header := bytes.NewReader(encodeJPEG(t, halves(3000, 1000)))
	if _, err := e.EditCommunity(ctx, alice, g.ID, CommunityEdit{Header: header, RemoveIcon: true}); err != nil {
		t.Fatal(err)
	}
	g, _ = e.store.AccountByID(ctx, g.ID)
	if g.AvatarURL != "" || g.HeaderURL == "" {
		t.Errorf("after the edit icon %q, header %q; want no icon, a header", g.AvatarURL, g.HeaderURL)
	}
	if _, err := os.Stat(filepath.Join(e.MediaDir(), filepath.FromSlash(icon))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the removed icon's file: %v; want gone", err)
	}
	// The Group's Update{Group}, and its announce of alice's (Lemmy's shape).
	updates := sentRaw(t, e, carol.SharedInbox)
	if len(updates) != 2 {
		t.Fatalf("followers were sent %d updates; want the Group's and its announce of alice's", len(updates))
	}
	for _, u := range updates {
		if !strings.Contains(string(u), `"image":{`) || strings.Contains(string(u), `"icon"`) {
			t.Errorf("followers were sent\n%s\nwant the Group with the header as image and no icon", u)
		}
	}
	if _, err := e.EditCommunity(ctx, bob, g.ID, CommunityEdit{Icon: bytes.NewReader(encodePNG(t, halves(50, 50)))}); !errors.Is(err, ErrDenied) {
		t.Errorf("a non-moderator changes the icon: %v; want denied", err)
	}
	if _, err := e.EditCommunity(ctx, alice, g.ID, CommunityEdit{Icon: strings.NewReader("not an image")}); !errors.As(err, new(*InvalidError)) {
		t.Errorf("a text icon: %v; want invalid", err)
	}
}

// TestEditKeepsSilentMentions: an edit of a post into a community keeps
// the mentions it made without writing them (its Group, the author it
// answers), and leaves a mention written in the text to the edit's text.
func TestEditKeepsSilentMentions(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice, bea := member(t, e, "alice"), member(t, e, "bea")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	follows(t, e, bea, g)
	thread, err := e.Post(ctx, bea.ID, Draft{Community: g.ID, Title: "Opening hours", Text: "How do you publish them?"})
	if err != nil {
		t.Fatal(err)
	}
	silent, err := e.Post(ctx, alice.ID, Draft{Community: g.ID, InReplyTo: thread.ID, Text: "On the door."})
	if err != nil {
		t.Fatal(err)
	}
	written, err := e.Post(ctx, alice.ID, Draft{Community: g.ID, InReplyTo: thread.ID, Text: "@bea and online."})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		st       storage.Status
		text     string
		wantsBea bool
	}{
		{"a silent mention is kept", silent, "On the door, and online.", true},
		{"a written mention removed in the edit goes", written, "And online.", false},
		{"a written mention kept in the edit stays", written, "@bea and on the door.", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := e.Edit(ctx, alice.ID, tt.st.ID, Draft{Text: tt.text})
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Contains(st.Mentions, bea.ID); got != tt.wantsBea {
				t.Errorf("mentions %v: bea %v; want %v", st.Mentions, got, tt.wantsBea)
			}
		})
	}
}
