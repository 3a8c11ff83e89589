package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestRepertoirePostingPolicy: in a community whose posting policy is
// moderators-only, only moderators add artefacts, terms and events; in one
// open to members, members do too; a non-member never does.
func TestRepertoirePostingPolicy(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	mod, mem, outsider := member(t, e, "mod"), member(t, e, "mem"), member(t, e, "outsider")
	open := community(t, e, mod, NewCommunity{Handle: "open", Name: "Open"})
	modsOnly := community(t, e, mod, NewCommunity{Handle: "announcements", Name: "Announcements",
		PostingPolicy: storage.PostingModerators})
	joins(t, e, mem, open)
	joins(t, e, mem, modsOnly)
	start := clock.now().Add(48 * time.Hour)

	kinds := []struct {
		name   string
		create func(who storage.Account, g storage.ID, n int) error
	}{
		{"artefact", func(who storage.Account, g storage.ID, n int) error {
			_, err := e.CreateArtefact(ctx, who, g, NewArtefact{Title: fmt.Sprintf("Routine %d", n)})
			return err
		}},
		{"term", func(who storage.Account, g storage.ID, n int) error {
			_, err := e.CreateTerm(ctx, who, g, NewTerm{Term: fmt.Sprintf("Term %c", 'a'+n), Definition: "A word."})
			return err
		}},
		{"event", func(who storage.Account, g storage.ID, n int) error {
			_, err := e.CreateEvent(ctx, who, g, newEvent(start, 0))
			return err
		}},
	}
	cases := []struct {
		who       storage.Account
		community storage.Account
		ok        bool
	}{
		{mem, open, true},
		{mod, open, true},
		{outsider, open, false},
		{mem, modsOnly, false},
		{mod, modsOnly, true},
		{outsider, modsOnly, false},
	}
	n := 0
	for _, k := range kinds {
		for _, tt := range cases {
			n++
			t.Run(k.name+" by "+tt.who.Username+" in "+tt.community.Username, func(t *testing.T) {
				err := k.create(tt.who, tt.community.ID, n)
				if (err == nil) != tt.ok || (!tt.ok && !errors.Is(err, ErrDenied)) {
					t.Fatalf("err = %v; want ok %v", err, tt.ok)
				}
			})
		}
	}
}

// TestDeleteArtefactPermissions: an artefact's author and the community's
// moderators delete it, another member does not; a deleted artefact is
// gone with its versions.
func TestDeleteArtefactPermissions(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	mod, author, other := member(t, e, "mod"), member(t, e, "author"), member(t, e, "other")
	g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records"})
	joins(t, e, author, g)
	joins(t, e, other, g)

	tests := []struct {
		name string
		who  storage.Account
		ok   bool
	}{
		{"another member", other, false},
		{"the author", author, true},
		{"a moderator", mod, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := e.CreateArtefact(ctx, author, g.ID, NewArtefact{Title: "Retention schedule"})
			if err != nil {
				t.Fatal(err)
			}
			err = e.DeleteArtefact(ctx, tt.who, a.ID, "")
			if (err == nil) != tt.ok || (!tt.ok && !errors.Is(err, ErrDenied)) {
				t.Fatalf("err = %v; want ok %v", err, tt.ok)
			}
			_, err = e.store.ArtefactByID(ctx, a.ID)
			if gone := errors.Is(err, storage.ErrNotFound); gone != tt.ok {
				t.Fatalf("after delete: %v; want gone %v", err, tt.ok)
			}
			vs, err := e.store.ArtefactVersions(ctx, a.ID, 0, 10)
			if err != nil || (len(vs) == 0) != tt.ok {
				t.Fatalf("versions after delete: %d %v", len(vs), err)
			}
		})
	}
	if err := e.DeleteArtefact(ctx, mod, 12345, ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("delete of an unknown artefact: %v", err)
	}
}

// TestRemoteMembersOnlyInferredFromRepertoire: a remote Group is known to
// be members-only once it announces an artefact, a term or an event
// addressed to its followers only, as for posts; public ones leave it as
// it was.
func TestRemoteMembersOnlyInferredFromRepertoire(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	public := []string{activitypub.PublicIRI}
	start := clock.now().Add(48 * time.Hour)
	kinds := []struct {
		name string
		doc  func(g storage.Account, n int, to, cc []string) ([]byte, error)
	}{
		{"artefact", func(g storage.Account, n int, to, cc []string) ([]byte, error) {
			id := fmt.Sprintf("https://council-b.example/artefacts/%d", n)
			return activitypub.MarshalArtefactActivity(id+"/versions/1", activitypub.TypeCreate, "https://council-b.example/users/bea",
				clock.now(), activitypub.Artefact{ID: id, Name: "Routine", Source: "Do it.", Content: "<p>Do it.</p>",
					Audience: g.URI, History: id + "/history", Version: 1, To: to, CC: cc, Published: clock.now()})
		}},
		{"term", func(g storage.Account, n int, to, cc []string) ([]byte, error) {
			id := fmt.Sprintf("https://council-b.example/glossary/%d", n)
			return activitypub.MarshalTermActivity(id+"/versions/1", activitypub.TypeCreate, "https://council-b.example/users/bea",
				clock.now(), activitypub.Term{ID: id, Name: "Triage", Source: "Sorting.", Description: "<p>Sorting.</p>",
					Audience: g.URI, History: id + "/history", Version: 1, To: to, CC: cc, Published: clock.now()})
		}},
		{"event", func(g storage.Account, n int, to, cc []string) ([]byte, error) {
			id := fmt.Sprintf("https://council-b.example/events/%d", n)
			return activitypub.MarshalEventActivity(id+"/create", activitypub.TypeCreate, "https://council-b.example/users/bea",
				clock.now(), activitypub.Event{ID: id, Name: "Workshop", Content: "<p>Come.</p>", Start: start,
					End: start.Add(time.Hour), TimeZone: "Europe/London", Audience: g.URI, To: to, CC: cc, Published: clock.now()})
		}},
	}
	n := 0
	for _, k := range kinds {
		for _, membersOnly := range []bool{false, true} {
			n++
			t.Run(fmt.Sprintf("%s members-only %v", k.name, membersOnly), func(t *testing.T) {
				gURI := fmt.Sprintf("https://council-b.example/users/wards%d", n)
				g := remoteGroup(t, e, gURI, gURI+"/followers")
				joins(t, e, alice, g)
				to, cc := public, []string{g.URI, g.Followers}
				if membersOnly {
					to, cc = []string{g.Followers}, []string{g.URI}
				}
				inner, err := k.doc(g, n, to, cc)
				if err != nil {
					t.Fatal(err)
				}
				announce := fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s/announce/%d",`+
					`"type":"Announce","actor":"%s","to":["%s"],"object":%s}`, g.URI, n, g.URI, to[0], inner)
				if err := receive(t, e, announce); err != nil {
					t.Fatalf("receive: %v", err)
				}
				got, err := membersOnlyCommunity(ctx, e.store, g)
				if err != nil || got != membersOnly {
					t.Fatalf("members-only = %v, %v; want %v", got, err, membersOnly)
				}
			})
		}
	}
}

// TestLocalMembersOnlyRepertoireAddressing: a members-only community's
// artefacts and events are addressed to its members, never Public (what
// receivers infer members-only from).
func TestLocalMembersOnlyRepertoireAddressing(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	mod := member(t, e, "mod")
	for _, vis := range []string{storage.CommunityPublic, storage.CommunityMembersOnly} {
		t.Run(vis, func(t *testing.T) {
			g := community(t, e, mod, NewCommunity{Handle: "c" + vis, Name: "C", Visibility: vis})
			a, err := e.CreateArtefact(ctx, mod, g.ID, NewArtefact{Title: "Routine"})
			if err != nil {
				t.Fatal(err)
			}
			ev, err := e.CreateEvent(ctx, mod, g.ID, newEvent(clock.now().Add(48*time.Hour), 0))
			if err != nil {
				t.Fatal(err)
			}
			art, err := e.ArtefactDocument(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			evDoc, err := e.EventDocument(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range [][]byte{art, evDoc} {
				public := strings.Contains(string(b), activitypub.PublicIRI)
				if public != (vis == storage.CommunityPublic) || !strings.Contains(string(b), g.Followers) {
					t.Errorf("addressing of %s: %s", vis, b)
				}
			}
		})
	}
}

// TestNewEventBoosted: a new event reaches the Group's followers as
// Announce{Create{Event}} and, as a new thread does, as the boost
// Announce{event id} that Mastodon shows; a change of the event is not
// boosted. A members-only community's boost is for its members only.
func TestNewEventBoosted(t *testing.T) {
	for _, vis := range []string{storage.CommunityPublic, storage.CommunityMembersOnly} {
		t.Run(vis, func(t *testing.T) {
			e, clock := eventEngine(t)
			ctx := context.Background()
			alice := member(t, e, "alice")
			remote := remotePerson(t, e, "rem", "mastodon.example")
			g := community(t, e, alice, NewCommunity{Handle: "wards", Name: "Wards", Visibility: vis})
			joins(t, e, remote, g)
			sentRaw(t, e, remote.SharedInbox)
			ev, err := e.CreateEvent(ctx, alice, g.ID, newEvent(clock.now().Add(48*time.Hour), 0))
			if err != nil {
				t.Fatal(err)
			}
			got := sentRaw(t, e, remote.SharedInbox)
			if len(got) != 2 {
				t.Fatalf("sent %d activities; want Announce{Create{Event}} and Announce{id}", len(got))
			}
			var boosts int
			for _, b := range got {
				act, err := activitypub.ParseActivity(b)
				if err != nil {
					t.Fatal(err)
				}
				if act.Type != activitypub.TypeAnnounce || act.Actor != g.URI {
					t.Fatalf("sent %s", b)
				}
				if act.Object.Activity == nil && act.Object.IRI == ev.URI {
					boosts++
					public := strings.Contains(string(b), activitypub.PublicIRI)
					if public != (vis == storage.CommunityPublic) {
						t.Errorf("boost addressing in a %s community: %s", vis, b)
					}
				}
			}
			if boosts != 1 {
				t.Fatalf("boosts of the new event = %d; want 1: %s", boosts, got)
			}
			ev.Name = "Records retention workshop (room 2)"
			if _, err := e.EditEvent(ctx, alice, ev.ID, EventEdit{Name: &ev.Name}); err != nil {
				t.Fatal(err)
			}
			if got := sentRaw(t, e, remote.SharedInbox); len(got) != 1 {
				t.Fatalf("an edit sent %d activities; want only Announce{Update{Event}}", len(got))
			}
		})
	}
}

// TestEventBoostNotTakenAsPost: the Group's boost of an event known here
// (Announce{event id}) is the event's, not a post: nothing is fetched and
// no status is made of it.
func TestEventBoostNotTakenAsPost(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := remoteGroup(t, e, "https://council-b.example/users/wards", "https://council-b.example/users/wards/followers")
	joins(t, e, alice, g)
	start := clock.now().Add(48 * time.Hour)
	id := "https://council-b.example/events/7"
	create, err := activitypub.MarshalEventActivity(id+"/create", activitypub.TypeCreate, "https://council-b.example/users/bea",
		clock.now(), activitypub.Event{ID: id, Name: "Workshop", Content: "<p>Come.</p>", Start: start, End: start.Add(time.Hour),
			TimeZone: "UTC", Audience: g.URI, To: []string{activitypub.PublicIRI}, CC: []string{g.URI, g.Followers}, Published: clock.now()})
	if err != nil {
		t.Fatal(err)
	}
	wrap := func(n int, object string) string {
		return fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s/announce/%d","type":"Announce",`+
			`"actor":"%s","to":["%s"],"object":%s}`, g.URI, n, g.URI, activitypub.PublicIRI, object)
	}
	if err := receive(t, e, wrap(1, string(create))); err != nil {
		t.Fatalf("Announce{Create{Event}}: %v", err)
	}
	if _, err := e.store.CommunityEventByURI(ctx, id); err != nil {
		t.Fatalf("event not taken: %v", err)
	}
	if err := receive(t, e, wrap(2, `"`+id+`"`)); err != nil {
		t.Fatalf("Announce{event id}: %v", err)
	}
	if st, err := e.store.StatusByURI(ctx, id); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the boost of an event made a post: %+v, %v", st, err)
	}
}
